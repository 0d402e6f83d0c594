from __future__ import annotations

import pytest

from pulumi_gitlab_tokens import config_keys, gitlab_api, journal, preview_checks


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch, tmp_path):
    """Each test starts unconfigured, with no GitLab settings leaking in from the environment.

    The intent journal goes to the test's own directory, never the user's ~/.pulumi.
    The preview checks are off, so ``check`` asks no GitLab and every test counts
    only the calls of the operation it is about; ``test_preview_checks.py`` turns
    them back on (they are on by default for users).
    """
    for name in ("GITLAB_BASE_URL", "GITLAB_TOKEN", "GITLAB_TESTING_TIME", config_keys.GITLAB_CI_ENV,
                 config_keys.CI_SERVER_URL_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "false")
    monkeypatch.setenv(journal.JOURNAL_DIR_ENV, str(tmp_path / "journal"))
    gitlab_api.reset()
    preview_checks.reset()
    yield
    gitlab_api.reset()
    preview_checks.reset()
