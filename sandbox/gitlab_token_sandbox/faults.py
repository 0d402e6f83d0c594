"""Injected faults and the Rack::Attack-style rate limit.

Both apply to ``/api/v4`` routes only, never to ``/-/sandbox`` controls.
The rate limit uses real time (not the sandbox clock): a frozen test clock
must not freeze the throttle window.
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from dataclasses import dataclass, field, fields
from typing import Any

from .web import Response

#: Operations "drop_after_commit" can target: creates and rotations of tokens (they commit a new
#: secret), and creates of CI/CD variables and service accounts (they commit a name others can't take).
DROPPABLE_OPERATIONS = ("create", "rotate", "create_variable", "create_service_account")


@dataclass
class FaultSettings:
    """What ``POST /-/sandbox/faults`` accepts. ``{}`` means no faults."""

    error_rate: float = 0.0
    error_status: int = 500
    rate_limit_rate: float = 0.0
    retry_after: int = 1
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    drop_after_commit: list[str] = field(default_factory=list)
    drop_rate: float = 1.0
    #: How long a dropped answer's connection is held open after the commit before it closes: a client
    #: killed in that window leaves the create committed and unanswered, however fast it records answers.
    drop_after_seconds: float = 0.0
    seed: int | None = None
    methods: list[str] = field(default_factory=lambda: ["GET", "POST", "PUT", "DELETE", "HEAD"])

    @classmethod
    def parse(cls, body: dict[str, Any]) -> "FaultSettings":
        """Validate a control body; raises ``ValueError`` with a readable message."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(body) - known)
        if unknown:
            raise ValueError(f"unknown fault option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        settings = cls(**body)
        for name in ("error_rate", "rate_limit_rate", "slow_rate", "drop_rate"):
            value = getattr(settings, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number between 0 and 1")
        if not isinstance(settings.error_status, int) or not 500 <= settings.error_status <= 599:
            raise ValueError("error_status must be a 5xx status")
        for name in ("slow_seconds", "drop_after_seconds"):
            value = getattr(settings, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative number")
        if not isinstance(settings.retry_after, int) or settings.retry_after < 0:
            raise ValueError("retry_after must be a non-negative integer")
        bad = [op for op in settings.drop_after_commit if op not in DROPPABLE_OPERATIONS]
        if not isinstance(settings.drop_after_commit, list) or bad:
            raise ValueError(f"drop_after_commit takes a list of {', '.join(DROPPABLE_OPERATIONS)}")
        if not isinstance(settings.methods, list):
            raise ValueError("methods must be a list of HTTP methods")
        settings.methods = [str(m).upper() for m in settings.methods]
        return settings

    def describe(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class FaultDecision:
    """What to do to one request before (and after) handling it."""

    delay: float = 0.0
    response: Response | None = None


class FaultInjector:
    """Draws faults from a seeded random generator, thread-safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self._random = random.Random()

    def configure(self, settings: FaultSettings) -> None:
        with self._lock:
            self._settings = settings
            self._random = random.Random(settings.seed)

    def clear(self) -> None:
        self.configure(FaultSettings())

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings

    def before(self, method: str) -> FaultDecision:
        """Decide on slowness, an injected 429, or an injected 5xx for this request."""
        with self._lock:
            s = self._settings
            decision = FaultDecision()
            if method not in s.methods:
                return decision
            if s.slow_rate and self._random.random() < s.slow_rate:
                decision.delay = s.slow_seconds
            if s.rate_limit_rate and self._random.random() < s.rate_limit_rate:
                decision.response = throttled_response(
                    name="throttle_authenticated_api", limit=1, observed=2, reset_in=s.retry_after)
            elif s.error_rate and self._random.random() < s.error_rate:
                decision.response = Response.json(
                    s.error_status, {"message": f"{s.error_status} {_reason(s.error_status)}"})
            return decision

    def drop_after(self, operation: str | None) -> float | None:
        """After a committed create/rotate: ``None`` to answer, else the seconds to hold the
        connection before closing it without an answer."""
        with self._lock:
            s = self._settings
            if operation is None or operation not in s.drop_after_commit:
                return None
            return s.drop_after_seconds if self._random.random() < s.drop_rate else None


def _reason(status: int) -> str:
    return {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout"}.get(status, "Server Error")


def throttled_response(*, name: str, limit: int, observed: int, reset_in: float, period: float = 60.0) -> Response:
    """GitLab's Rack::Attack 429: ``Retry later`` plus the ``RateLimit-*`` headers."""
    now = time.time()
    reset_at = math.ceil(now + reset_in)
    headers = {
        "RateLimit-Name": name,
        # GitLab reports the limit scaled to a 60-second window.
        "RateLimit-Limit": str(math.ceil(limit * 60 / period)),
        "RateLimit-Observed": str(observed),
        "RateLimit-Remaining": str(max(limit - observed, 0)),
        "RateLimit-Reset": str(reset_at),
        "RateLimit-ResetTime": email.utils.formatdate(reset_at, usegmt=True),
        "Retry-After": str(max(math.ceil(reset_in), 0)),
    }
    return Response.text(429, "Retry later\n", headers)


class RateLimiter:
    """A fixed-window throttle per caller, like Rack::Attack's ``throttle_*`` rules."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.limit: int | None = None
        self.period: float = 60.0
        self._windows: dict[str, tuple[int, int]] = {}

    def configure(self, limit: int | None, period: float = 60.0) -> None:
        with self._lock:
            self.limit, self.period = limit, period
            self._windows.clear()

    def check(self, caller: str, authenticated: bool) -> Response | None:
        """Count one request for ``caller``; a 429 response once it is over the limit."""
        with self._lock:
            if self.limit is None:
                return None
            now = time.time()
            window = int(now // self.period)
            start, count = self._windows.get(caller, (window, 0))
            if start != window:
                start, count = window, 0
            count += 1
            self._windows[caller] = (start, count)
            if count <= self.limit:
                return None
            reset_in = (window + 1) * self.period - now
            name = "throttle_authenticated_api" if authenticated else "throttle_unauthenticated_api"
            return throttled_response(name=name, limit=self.limit, observed=count, reset_in=reset_in,
                                      period=self.period)
