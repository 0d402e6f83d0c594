from __future__ import annotations

import pytest
from support.sandbox_fixtures import sandbox, sandbox_process  # noqa: F401  (fixtures)

from pulumi_gitlab_tokens.client import gitlab_client
from pulumi_gitlab_tokens.common import config_keys
from pulumi_gitlab_tokens.lifecycle import preview_checks, recovery
from pulumi_gitlab_tokens.rules import ownership


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch):
    """Each test starts unconfigured, with no GitLab settings leaking in from the environment,
    and as a new run would: no token held, no parent listed yet.

    The preview checks are off, so ``check`` asks no GitLab and every test counts
    only the calls of the operation it is about; ``test_preview_checks.py`` turns
    them back on (they are on by default for users).
    """
    for name in ("GITLAB_BASE_URL", "GITLAB_TOKEN", "GITLAB_TESTING_TIME", config_keys.GITLAB_CI_ENV,
                 config_keys.CI_SERVER_URL_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "false")
    gitlab_client.reset()
    preview_checks.reset()
    ownership.forget_held()
    recovery.forget_listings()
    yield
    gitlab_client.reset()
    preview_checks.reset()


@pytest.fixture
def quick_retries(monkeypatch):
    """Retries and pauses between lost creates a hundred times shorter, for tests about what is retried and how
    it ends, not how long it waits (``test_transport.py`` checks the waits themselves)."""
    from pulumi_gitlab_tokens.client import transport

    monkeypatch.setattr(transport, "FIRST_BACKOFF_SECONDS", transport.FIRST_BACKOFF_SECONDS / 100)
    monkeypatch.setattr(recovery, "RETRY_PAUSE_SECONDS", recovery.RETRY_PAUSE_SECONDS / 100)
