"""Pin "today" for every policy test, and the token types most tests run for."""

import pytest
from policy_harness import ALL_TOKEN_TYPES, RESOURCE_TOKEN_TYPES, TESTING_TIME

from pulumi_gitlab_tokens.common import clock


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.TESTING_TIME_ENV, TESTING_TIME)


@pytest.fixture(params=RESOURCE_TOKEN_TYPES)
def kind(request: pytest.FixtureRequest) -> str:
    """A project or group token type, ours or pulumi-gitlab's."""
    return request.param


@pytest.fixture(params=ALL_TOKEN_TYPES)
def any_kind(request: pytest.FixtureRequest) -> str:
    """Any token type the pack inspects, of every kind, ours and pulumi-gitlab's."""
    return request.param
