"""The shared objects every handler needs, bundled so signatures stay short."""

from __future__ import annotations

import datetime as dt
import sqlite3
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .clock import SandboxClock, format_datetime
from .config import WILDCARD_HOSTS, SandboxConfig
from .counters import RequestCounters
from .faults import FaultInjector, RateLimiter
from .rate_limits import ApplicationRateLimiter
from .store import Store
from .web import Request

# A Host header fit to put into a URL: a name or IPv4, or a bracketed IPv6, and an optional port.
_HOST_HEADER = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


@dataclass
class Context:
    """Process-wide state: config, database, clock and the test controls."""

    config: SandboxConfig
    store: Store
    clock: SandboxClock
    #: The URL printed at start (bind address and real port).
    base_url: str = ""
    counters: RequestCounters = field(default_factory=RequestCounters)
    faults: FaultInjector = field(default_factory=FaultInjector)
    rate_limiter: RateLimiter = field(default_factory=RateLimiter)
    #: GitLab's own per-action limits (``Gitlab::ApplicationRateLimiter``), not a test fault.
    application_limits: ApplicationRateLimiter = field(default_factory=ApplicationRateLimiter)
    #: Today and the database's change count when retention last swept (``models.delete_inactive_families``).
    retention_swept: tuple[dt.date, int] | None = None

    def now_text(self) -> str:
        return format_datetime(self.clock.now())

    def today(self) -> dt.date:
        return self.clock.today()

    def external_url(self, request: Request) -> str:
        """The URL clients know GitLab by, for Link headers and every absolute URL in a body.

        ``--external-url`` when given, as GitLab uses its configured external URL.
        Otherwise the printed URL, except on a wildcard bind: its printed
        ``127.0.0.1`` is wrong for remote clients, so the request's ``Host`` is used.
        """
        if self.config.external_url:
            return self.config.external_url
        host = request.header("Host")
        if self.config.host in WILDCARD_HOSTS and host and _HOST_HEADER.fullmatch(host):
            return f"http://{host}"
        return self.base_url

    def host_name(self, request: Request) -> str:
        """The host part of :meth:`external_url` (GitLab's ``gitlab.host``, used in bot emails)."""
        return urlsplit(self.external_url(request)).hostname or "localhost"


@dataclass
class Call:
    """One authenticated API call: the request, its path parameters and the caller."""

    request: Request
    path_params: dict[str, str]
    #: The acting user (after ``Sudo``) and the token that authenticated the request.
    user: sqlite3.Row
    token: sqlite3.Row
