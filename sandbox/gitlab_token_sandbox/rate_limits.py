"""``Gitlab::ApplicationRateLimiter``: GitLab's per-action limits, counted on the sandbox's clock.

GitLab counts each action per scope (here, per user) in a Redis key that
expires ``interval`` after its first increment; a call is throttled once the
count is over the threshold (``throttled?``). Counting on the sandbox's clock
lets a test move past the window with ``POST /-/sandbox/time`` instead of
waiting; ``POST /-/sandbox/application-rate-limits`` changes a limit.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any, Mapping

from . import rules

#: ``Gitlab::ApplicationRateLimiter.rate_limits`` entries the sandbox serves: threshold, interval (s).
DEFAULT_LIMITS: Mapping[str, tuple[int, float]] = {
    "service_account_creation": (rules.SERVICE_ACCOUNT_CREATION_LIMIT,
                                 float(rules.SERVICE_ACCOUNT_CREATION_INTERVAL_SECONDS)),
}


class ApplicationRateLimiter:
    """Counters per action and scope, each window opened by its first call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._limits: dict[str, tuple[int, float]] = dict(DEFAULT_LIMITS)
        self._windows: dict[tuple[str, Any], tuple[dt.datetime, int]] = {}

    def reset(self) -> None:
        with self._lock:
            self._limits = dict(DEFAULT_LIMITS)
            self._windows.clear()

    def configure(self, key: str, threshold: int, interval: float) -> None:
        with self._lock:
            if key not in self._limits:
                raise ValueError(f"unknown rate limit {key!r}; known: {', '.join(sorted(self._limits))}")
            self._limits[key] = (threshold, interval)
            self._windows = {k: v for k, v in self._windows.items() if k[0] != key}

    def describe(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {key: {"threshold": t, "interval_seconds": i} for key, (t, i) in self._limits.items()}

    def throttled(self, key: str, scope: Any, now: dt.datetime) -> float | None:
        """Count one call; the interval (GitLab's ``Retry-After``) when it is over the threshold, else None."""
        with self._lock:
            threshold, interval = self._limits[key]
            opened, count = self._windows.get((key, scope), (now, 0))
            if now >= opened + dt.timedelta(seconds=interval) or now < opened:
                opened, count = now, 0
            self._windows[(key, scope)] = (opened, count + 1)
            return interval if count + 1 > threshold else None
