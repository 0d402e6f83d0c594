"""The shared objects every handler needs, bundled so signatures stay short."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .clock import SandboxClock, format_datetime
from .config import SandboxConfig
from .counters import RequestCounters
from .faults import FaultInjector, RateLimiter
from .store import Store
from .web import Request


@dataclass
class Context:
    """Process-wide state: config, database, clock and the test controls."""

    config: SandboxConfig
    store: Store
    clock: SandboxClock
    base_url: str = ""
    counters: RequestCounters = field(default_factory=RequestCounters)
    faults: FaultInjector = field(default_factory=FaultInjector)
    rate_limiter: RateLimiter = field(default_factory=RateLimiter)

    def now_text(self) -> str:
        return format_datetime(self.clock.now())

    def today(self) -> dt.date:
        return self.clock.today()

    @property
    def host_name(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"


@dataclass
class Call:
    """One authenticated API call: the request, its path parameters and the caller."""

    request: Request
    path_params: dict[str, str]
    #: The acting user (after ``Sudo``) and the token that authenticated the request.
    user: sqlite3.Row
    token: sqlite3.Row
