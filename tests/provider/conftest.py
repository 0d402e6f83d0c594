from __future__ import annotations

import pytest

from pulumi_gitlab_tokens import gitlab_api, ownership, recovery


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch):
    """Each test starts unconfigured, with no GitLab settings leaking in from the environment,
    and as a new run would: no token held, no parent listed yet."""
    for name in ("GITLAB_BASE_URL", "GITLAB_TOKEN", "GITLAB_TESTING_TIME"):
        monkeypatch.delenv(name, raising=False)
    gitlab_api.reset()
    ownership.forget_held()
    recovery.forget_listings()
    yield
    gitlab_api.reset()
