"""Start-up options of the sandbox (what the command line sets)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .latency import AnswerLatency
from .pool import ServingLimits
from .profiles import DEFAULT_VERSION, PROFILES, Profile
from .rules import INACTIVE_TOKEN_RETENTION_DAYS, MAX_LIFETIME_DAYS

DATABASE_FILE = "sandbox.sqlite3"

#: Bind addresses that mean "every interface": clients reach them by names the sandbox cannot know.
WILDCARD_HOSTS = ("", "0.0.0.0", "::")


@dataclass(frozen=True)
class SandboxConfig:
    """Everything fixed for the lifetime of one server process."""

    host: str = "127.0.0.1"
    port: int = 0
    admin_token: str | None = None
    data_dir: Path | None = None
    max_lifetime_days: int = MAX_LIFETIME_DAYS
    log_file: Path | None = None
    #: GitLab's ``external_url``: where clients reach the sandbox, for Link headers and ``web_url``.
    external_url: str | None = None
    #: Workers, queue and timeouts: how many clients are served at once, and how long each may take.
    limits: ServingLimits = ServingLimits()
    #: ``--seed``: full paths of projects (and their groups) to create at start-up.
    seeds: tuple[str, ...] = ()
    #: ``--gitlab-version``: which GitLab the sandbox imitates where versions differ.
    profile: Profile = PROFILES[DEFAULT_VERSION]
    #: ``--inactive-token-retention-days``: GitLab's ``inactive_resource_access_tokens_delete_after_days``;
    #: ``None`` keeps inactive families forever (the setting left blank).
    inactive_token_retention_days: int | None = INACTIVE_TOKEN_RETENTION_DAYS
    #: ``--latency-ms`` / ``--latency-jitter-ms``: how long each API answer waits, like a GitLab over the network.
    latency: AnswerLatency = AnswerLatency()

    @property
    def database(self) -> str:
        """SQLite location: ``DIR/sandbox.sqlite3``, or memory when no ``--data``."""
        return str(self.data_dir / DATABASE_FILE) if self.data_dir else ":memory:"
