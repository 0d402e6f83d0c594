"""The sandbox's notion of "now", which tests can move.

Precedence: an override set through ``POST /-/sandbox/time``, else the
``GITLAB_TESTING_TIME`` environment variable read at start, else real time.
Overrides freeze the clock (like ``GITLAB_TESTING_TIME`` does for the
provider) so the provider and the sandbox agree on "today".
"""

from __future__ import annotations

import datetime as dt
import threading

#: The environment variable that freezes the clock at start (terraform-provider-gitlab's name for it).
TESTING_TIME_ENV = "GITLAB_TESTING_TIME"


def parse_rfc3339(value: str) -> dt.datetime:
    """An RFC 3339 time (``2026-01-31T12:00:00Z``; a bare date means midnight) as aware UTC.

    Raises ``ValueError`` naming the value and the expected form.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not an RFC 3339 time; write it like 2026-01-31T12:00:00Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)



def format_datetime(value: dt.datetime) -> str:
    """GitLab's API timestamp format: UTC with milliseconds, ``...T12:00:00.000Z``."""
    value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class SandboxClock:
    """Thread-safe clock with an optional frozen override."""

    def __init__(self, start_override: dt.datetime | None = None) -> None:
        self._start_override = start_override
        self._override = start_override
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, environ: dict[str, str]) -> "SandboxClock":
        text = environ.get(TESTING_TIME_ENV)
        return cls(parse_rfc3339(text) if text else None)

    def now(self) -> dt.datetime:
        with self._lock:
            override = self._override
        return override if override is not None else dt.datetime.now(dt.timezone.utc)

    def today(self) -> dt.date:
        return self.now().date()

    def set(self, value: dt.datetime | None) -> None:
        """Freeze the clock at ``value``; ``None`` returns to real time."""
        with self._lock:
            self._override = value

    def reset(self) -> None:
        """Back to what it was at start (``GITLAB_TESTING_TIME`` or real time)."""
        with self._lock:
            self._override = self._start_override

    @property
    def overridden(self) -> bool:
        with self._lock:
            return self._override is not None
