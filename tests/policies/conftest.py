"""Pin "today" for every policy test: lifetimes are measured from clock.today()."""

import pytest

from policy_harness import TESTING_TIME
from pulumi_gitlab_tokens import clock


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.TESTING_TIME_ENV, TESTING_TIME)
