"""The current time, overridable for tests.

Like terraform-provider-gitlab's ``api.CurrentTime()``, "now" comes from the
``GITLAB_TESTING_TIME`` environment variable (RFC 3339) when it is set. The
sandbox reads the same variable at start, so a test can move both clocks
together. Token expiry is a UTC date, so ``today()`` is always in UTC.
"""

from __future__ import annotations

import datetime as dt
import os

TESTING_TIME_ENV = "GITLAB_TESTING_TIME"


def parse_rfc3339(value: str) -> dt.datetime:
    """Parse an RFC 3339 timestamp (``2026-01-31T12:00:00Z``) into an aware UTC datetime.

    A bare date (``2026-01-31``) means midnight UTC. Raises ``ValueError``
    with the offending value otherwise.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an RFC 3339 time; write it like 2026-01-31T12:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def now() -> dt.datetime:
    """The current time in UTC, or ``GITLAB_TESTING_TIME`` when that is set."""
    override = os.environ.get(TESTING_TIME_ENV)
    if override:
        return parse_rfc3339(override)
    return dt.datetime.now(dt.timezone.utc)


def today() -> dt.date:
    """Today's date in UTC, the calendar GitLab uses for ``expires_at``."""
    return now().date()
