"""A local intent journal: what a create was doing when its process died.

In-process recovery (:mod:`.recovery`) handles answers lost on the wire. It
cannot help when the whole ``pulumi up`` dies (SIGKILL, a crashed CI runner,
a laptop lid): GitLab may have committed a token whose answer died with the
process, the state records the create only as *pending*, and the next ``up``
would mint a second token. So ``create`` writes down its intent before its
POST and what it got after; the next create of the same token reads it.

One small JSON file per slot, under ``$PULUMI_HOME/gitlab-access-tokens/
intents`` (``~/.pulumi/...`` without ``PULUMI_HOME``; the
``PULUMI_GITLAB_TOKENS_JOURNAL_DIR`` variable overrides both). A slot is the
SHA-256 of (GitLab base URL, kind, parent, token name, owning stack, owning
resource): two stacks never share a slot, nor two resources of one stack
whose tokens share a name, and one stack cannot run twice at once (Pulumi's
stack lock), so whoever finds a slot filled knows its writer is finished or
dead. Files hold no secret: a start time, a token id, and the spec posted.

Within one process, a token id some slot's answered entry names (or the
engine's state showed) is *held* by that slot: recovery never adopts or
revokes it on behalf of another slot (:func:`held_elsewhere`).

The journal is a safety net, never a reason to fail: if it cannot be read or
written (read-only home), the provider carries on as it would without it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from . import clock

JOURNAL_DIR_ENV = "PULUMI_GITLAB_TOKENS_JOURNAL_DIR"
_SUBDIR = ("gitlab-access-tokens", "intents")
_VERSION = 1


def journal_dir() -> Path:
    """Where slots live: the override, else under ``PULUMI_HOME``, else ``~/.pulumi``."""
    override = os.environ.get(JOURNAL_DIR_ENV)
    if override:
        return Path(override)
    home = os.environ.get("PULUMI_HOME") or str(Path.home() / ".pulumi")
    return Path(home).joinpath(*_SUBDIR)


@dataclasses.dataclass(frozen=True)
class Intent:
    """One create, as written down: when it began, what it posted, and (once answered) its token id."""

    started: dt.datetime
    scopes: tuple[str, ...]
    access_level: int
    description: str | None
    expires_at: str
    token_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": _VERSION,
            "started": self.started.isoformat(),
            "scopes": list(self.scopes),
            "access_level": self.access_level,
            "description": self.description,
            "expires_at": self.expires_at,
            "token_id": self.token_id,
        }

    @classmethod
    def from_json(cls, data: Any) -> "Intent | None":
        """The intent in ``data``, or ``None`` for anything unreadable (a newer or damaged file)."""
        if not isinstance(data, dict) or data.get("version") != _VERSION:
            return None
        try:
            token_id = data.get("token_id")
            return cls(
                started=clock.parse_rfc3339(str(data["started"])),
                scopes=tuple(str(s) for s in data["scopes"]),
                access_level=int(data["access_level"]),
                description=data.get("description") or None,
                expires_at=str(data["expires_at"]),
                token_id=int(token_id) if token_id is not None else None,
            )
        except (KeyError, TypeError, ValueError):
            return None


class _Listing:
    """Which entry files exist, per directory, listed once per process.

    Every diff, read and delete asks whether its token has an entry; nearly
    always none does. Listing the directory once, then keeping the set up to
    date with this process's own writes, answers that without a syscall. No
    other process writes this stack's entries meanwhile: Pulumi's stack lock
    lets one run at a time, and a dead run's entries are on disk at start.
    """

    def __init__(self) -> None:
        self._names: dict[Path, set[str]] = {}
        self._lock = threading.Lock()

    def _of(self, directory: Path) -> set[str]:
        names = self._names.get(directory)
        if names is None:
            try:
                names = {n for n in os.listdir(directory) if n.endswith(".json")}
            except OSError:
                names = set()
            self._names[directory] = names
        return names

    def has(self, path: Path) -> bool:
        with self._lock:
            return path.name in self._of(path.parent)

    def add(self, path: Path) -> None:
        with self._lock:
            self._of(path.parent).add(path.name)

    def discard(self, path: Path) -> None:
        with self._lock:
            self._of(path.parent).discard(path.name)


_LISTING = _Listing()


class _Holders:
    """Which slot holds each token id this process has seen answered or in the state."""

    def __init__(self) -> None:
        self._by_token: dict[tuple[str, int], Path] = {}
        self._lock = threading.Lock()

    def hold(self, base_url: str, token_id: int, path: Path) -> None:
        with self._lock:
            self._by_token[(base_url, token_id)] = path

    def holder(self, base_url: str, token_id: int) -> Path | None:
        with self._lock:
            return self._by_token.get((base_url, token_id))


_HOLDERS = _Holders()


class Slot:
    """The journal entry of one token (parent + name) of one resource of one stack on one GitLab."""

    def __init__(self, *, base_url: str, kind: str, parent: str, name: str, owner: str | None,
                 resource: str | None = None, directory: Path | None = None) -> None:
        key: list[str] = [base_url, kind, parent, name, owner or ""]
        if resource is not None:
            key.append(resource)  # without one (a state written before), the slot an older version used
        identity = json.dumps(key, separators=(",", ":"))
        self.base_url = base_url
        self.path = (directory or journal_dir()) / f"{hashlib.sha256(identity.encode()).hexdigest()}.json"

    def held_elsewhere(self, token_id: int) -> bool:
        """Whether another slot of this process holds ``token_id``: never adopt or revoke it here."""
        holder = _HOLDERS.holder(self.base_url, token_id)
        return holder is not None and holder != self.path

    def read(self) -> Intent | None:
        """What a previous create left here, or ``None``."""
        if not _LISTING.has(self.path):
            return None
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return None
        try:
            return Intent.from_json(json.loads(text))
        except ValueError:
            return None

    def write(self, intent: Intent) -> None:
        """Replace the entry atomically (write a temporary file, then rename over)."""
        if intent.token_id is not None:
            _HOLDERS.hold(self.base_url, intent.token_id, self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".intent-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(intent.to_json(), handle)
                    handle.flush()
                    os.fsync(handle.fileno())  # the point is to survive a crash right after the POST
                os.replace(tmp, self.path)
                _LISTING.add(self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            pass  # best effort: see the module docstring

    def clear(self) -> None:
        _LISTING.discard(self.path)
        with contextlib.suppress(OSError):
            self.path.unlink()

    def settle(self, token_id: int | None) -> None:
        """Forget the entry if it names ``token_id``: the engine has that token in the state.

        The token stays held by this slot for the rest of the process, so no
        other slot's recovery takes it. An entry without a token id (a create that died before its answer) is
        kept: it is the next create's to resolve.
        """
        if token_id is None:
            return
        _HOLDERS.hold(self.base_url, token_id, self.path)
        intent = self.read()
        if intent is not None and intent.token_id == token_id:
            self.clear()

