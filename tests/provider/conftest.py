from __future__ import annotations

import pytest

from pulumi_gitlab_tokens import gitlab_api


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch):
    """Each test starts unconfigured, with no GitLab settings leaking in from the environment."""
    for name in ("GITLAB_BASE_URL", "GITLAB_TOKEN", "GITLAB_TESTING_TIME"):
        monkeypatch.delenv(name, raising=False)
    gitlab_api.reset()
    yield
    gitlab_api.reset()
