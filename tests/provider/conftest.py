from __future__ import annotations

import pytest

from pulumi_gitlab_tokens import gitlab_api, journal


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch, tmp_path):
    """Each test starts unconfigured, with no GitLab settings leaking in from the environment.

    The intent journal goes to the test's own directory, never the user's ~/.pulumi.
    """
    for name in ("GITLAB_BASE_URL", "GITLAB_TOKEN", "GITLAB_TESTING_TIME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(journal.JOURNAL_DIR_ENV, str(tmp_path / "journal"))
    gitlab_api.reset()
    yield
    gitlab_api.reset()
