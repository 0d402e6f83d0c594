"""The ownership mark: which deployment, resource and attempt minted a token, as GitLab itself records it.

Every token the provider creates ends its description (a deploy token its name) with
``[pgt2:<generation>.<tag>]``, a keyed HMAC over the owner, the generation, the attempt and the
token's name (:func:`signing_key`, :func:`owner_identity`, :func:`next_generation`); first-format
marks (:class:`LegacyMark`) are read but prove nothing. Tokens this process saw in the state or
minted are *held* (:func:`hold`): recovery never takes them for another resource or attempt.
docs/ownership.md says what the mark proves and why.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import os
import re
import threading
import urllib.parse
from pathlib import Path
from typing import Any, Mapping

from ..common import catalogue
from ..common.errors import CredentialMissingError

_PREFIX = "pgt2"
_GENERATION_DIGITS = 7
_TAG_DIGITS = 16
_MARK = re.compile(
    rf"(?:^| )\[{_PREFIX}:([1-9a-f][0-9a-f]{{0,{_GENERATION_DIGITS - 1}}})\.([0-9a-f]{{{_TAG_DIGITS}}})\]$")
_LEGACY_MARK = re.compile(r"(?:^| )\[pgt:([0-9a-f]{16})\.([0-9a-f]{8})\]$")
#: Characters the mark takes in the description, its separating space included.
MARK_ROOM = len(f" [{_PREFIX}:") + _GENERATION_DIGITS + 1 + _TAG_DIGITS + 1
#: The longest description a user may give: GitLab's limit less the mark's room.
USER_DESCRIPTION_MAX_LENGTH = catalogue.DESCRIPTION_MAX_LENGTH - MARK_ROOM
#: Marks one generation has, one per POST: a create and the reruns of a killed one share them,
#: each POST taking one no token GitLab lists has yet; recovery waits for exactly these.
ATTEMPTS = 32
#: The largest generation a mark can carry (seven hex digits).
MAX_GENERATION = 16**_GENERATION_DIGITS - 1
#: The input ``check`` adds: which generation of the resource a create belongs to.
GENERATION_KEY = "ownership_generation"
#: Fixed labels of the key derivation: a key made for marks is never the credential itself.
_CONFIGURED_LABEL = b"pulumi-gitlab-tokens/ownership-mark/v2/configured-key"
_CREDENTIAL_LABEL = b"pulumi-gitlab-tokens/ownership-mark/v2/gitlab-credential"
#: Where the CLI goes when nothing names a backend (``pulumi login`` with no argument).
DEFAULT_BACKEND = "https://api.pulumi.com"
#: Query parameters of a backend URL that may hold a credential, by any part of their name.
_SECRET_PARAMETER = re.compile(r"pass|secret|token|key|cred|auth|sig|session", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Mark:
    """A parsed mark: the generation it claims and its tag (checked only against a key: :class:`Owner`)."""

    generation: int
    tag: str

    def text(self) -> str:
        return f"[{_PREFIX}:{self.generation:x}.{self.tag}]"


@dataclasses.dataclass(frozen=True)
class LegacyMark:
    """A mark of the first format: a digest of public names and a random attempt. Proves nothing."""

    owner: str
    attempt: str

    def text(self) -> str:
        return f"[pgt:{self.owner}.{self.attempt}]"


# --- who owns: the deployment, the resource, the key ------------------------------------------------


def owner_identity(backend: str | None, stack: str | None, resource: str | None) -> str:
    """The owner a mark names: the backend, ``<organization>/<project>/<stack>`` and the resource."""
    return json.dumps([backend or "", stack or "", resource or ""], separators=(",", ":"))


def owner_digest(stack: str | None, resource: str | None) -> str:
    """The owner part of a first-format mark (public names only): what :class:`LegacyMark` compares."""
    identity = json.dumps([stack or "", resource or ""], separators=(",", ":"))
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def stack_owner(organization: str, project: str, stack: str) -> str:
    """The stack part of an owner, ``"<organization>/<project>/<stack>"``, for both faces of the provider."""
    return f"{organization}/{project}/{stack}"


def signing_key(configured: str | None, credential: str | None) -> bytes:
    """The key of the marks: from ``gitlab-tokens:ownershipKey`` when set, else from the GitLab credential.

    Either way an HMAC of the secret under a fixed label, so the key is never
    the secret itself. Neither is ever logged or stored.
    """
    if configured:
        return hmac.new(configured.encode(), _CONFIGURED_LABEL, hashlib.sha256).digest()
    if credential:
        return hmac.new(credential.encode(), _CREDENTIAL_LABEL, hashlib.sha256).digest()
    raise CredentialMissingError()  # no call to GitLab can be made either: the same message


def stored_generation(inputs: Mapping[str, Any] | None) -> int:
    """The generation ``inputs`` carry (the engine's numbers arrive as floats); 0 when none."""
    stored = (inputs or {}).get(GENERATION_KEY)
    if isinstance(stored, bool) or not isinstance(stored, (int, float)) or stored != int(stored):
        return 0
    return min(max(int(stored), 0), MAX_GENERATION)


def next_generation(olds: Mapping[str, Any] | None) -> int:
    """The generation ``check`` plans: the stored one plus one, 1 for a new resource.

    A killed run and its rerun see the same stored inputs, so they plan the
    same generation: the rerun waits for the marks the dead run could have left.
    """
    return min(stored_generation(olds) + 1, MAX_GENERATION)


@dataclasses.dataclass(frozen=True)
class Owner:
    """One resource of one deployment, its key, and the generation a create now belongs to."""

    identity: str
    key: bytes = dataclasses.field(repr=False)
    generation: int = 1
    #: The first-format digest of the same stack and resource (see :class:`LegacyMark`).
    legacy: str | None = None

    def mark(self, attempt: int, name: str, generation: int | None = None) -> Mark:
        """The mark of POST ``attempt`` (0 to :data:`ATTEMPTS` - 1) for a token named ``name``."""
        generation = self.generation if generation is None else generation
        if not 0 <= attempt < ATTEMPTS or not 1 <= generation <= MAX_GENERATION:
            raise ValueError(f"no mark for attempt {attempt} of generation {generation}")
        message = json.dumps([self.identity, generation, attempt, name], separators=(",", ":"))
        tag = hmac.new(self.key, message.encode(), hashlib.sha256).hexdigest()[:_TAG_DIGITS]
        return Mark(generation, tag)

    def attempt_marks(self, name: str) -> list[Mark]:
        """Every mark a create of this generation may have left on a token named ``name``."""
        return [self.mark(attempt, name) for attempt in range(ATTEMPTS)]

    def minted(self, mark: Mark | LegacyMark | None, name: str) -> bool:
        """Whether ``mark`` on a token named ``name`` is one this owner made, in any generation."""
        if not isinstance(mark, Mark) or not 1 <= mark.generation <= MAX_GENERATION:
            return False
        return any(hmac.compare_digest(self.mark(a, name, mark.generation).tag, mark.tag) for a in range(ATTEMPTS))

    def claims(self, mark: Mark | LegacyMark | None, name: str) -> bool:
        """Whether ``mark`` is this owner's or unverifiable-but-not-foreign (a first-format mark of these
        names): what a *refusal* may go by, never an adoption or a revocation."""
        if isinstance(mark, LegacyMark):
            return mark.owner == self.legacy
        return self.minted(mark, name)

    def awaited(self, token: Mapping[str, Any], name: str | None = None) -> bool:
        """Whether ``token`` is live and marked by one of this generation's attempts for its own name
        (``name``, for a record whose name is not under ``"name"``: a variable's key)."""
        name, mark = token.get("name") if name is None else name, mark_of(token)
        if not is_live(token) or not isinstance(name, str) or not isinstance(mark, Mark):
            return False
        return mark.generation == self.generation and mark in _attempt_marks(self, name)


@functools.lru_cache(maxsize=4096)
def _attempt_marks(owner: Owner, name: str) -> frozenset[Mark]:
    return frozenset(owner.attempt_marks(name))


# --- the backend the CLI resolved --------------------------------------------------------------------


def backend_identity(environ: Mapping[str, str] | None = None, cwd: str | Path | None = None) -> str:
    """The backend the ``pulumi`` CLI resolved for this run, normalised (see :func:`normalise_backend`).

    The CLI's own order: ``PULUMI_BACKEND_URL``, then ``backend.url`` of the
    project's ``Pulumi.yaml``, then the current login in
    ``$PULUMI_HOME/credentials.json`` (``~/.pulumi``), then Pulumi Cloud.
    The program runs in the project's directory with the CLI's environment.
    """
    env = os.environ if environ is None else environ
    here = Path.cwd() if cwd is None else Path(cwd)
    url = (env.get("PULUMI_BACKEND_URL") or "").strip()
    if not url:
        url = _project_backend(here)
    if not url:
        url = _current_login(env)
    return normalise_backend(url or DEFAULT_BACKEND, here)


def normalise_backend(url: str, cwd: str | Path) -> str:
    """``url`` without what may differ between runs of one backend or hold a secret.

    ``file://`` paths become absolute (``~`` expanded, relative to ``cwd``);
    other URLs lose their user and password, every query parameter whose name
    suggests a credential, and the fragment; the scheme and host are lower-cased,
    the remaining parameters sorted. No trailing slash.
    """
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        path = url[len("file://"):] if url.lower().startswith("file://") else parts.path
        path = path.split("?", 1)[0]
        path = os.path.expanduser(path) if path.startswith("~") else path
        absolute = os.path.normpath(os.path.join(str(cwd), path or "."))
        return f"file://{absolute}".rstrip("/") or "file:///"
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port is not None else ""
    kept = sorted((k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
                  if not _SECRET_PARAMETER.search(k))
    query = urllib.parse.urlencode(kept)
    path = parts.path.rstrip("/")
    return urllib.parse.urlunsplit((scheme, host + port, path, query, "")).rstrip("/")


def _project_backend(cwd: Path) -> str:
    """``backend.url`` of the nearest ``Pulumi.yaml`` at or above ``cwd``, or ``""``."""
    import yaml  # the Pulumi SDK's own dependency; only the program needs it

    for directory in (cwd, *cwd.parents):
        for file_name in ("Pulumi.yaml", "Pulumi.yml"):
            project_file = directory / file_name
            if project_file.is_file():
                try:
                    project = yaml.safe_load(project_file.read_text()) or {}
                except (OSError, yaml.YAMLError):
                    return ""
                backend = project.get("backend") if isinstance(project, dict) else None
                url = backend.get("url") if isinstance(backend, dict) else None
                return url.strip() if isinstance(url, str) else ""
    return ""


def _current_login(env: Mapping[str, str]) -> str:
    """The ``current`` backend of the CLI's credentials file, or ``""`` when there is none or it is unreadable."""
    folder = env.get("PULUMI_CREDENTIALS_PATH") or env.get("PULUMI_HOME") or os.path.join(
        os.path.expanduser("~"), ".pulumi")
    try:
        stored = json.loads((Path(folder) / "credentials.json").read_text())
    except (OSError, ValueError):
        return ""
    current = stored.get("current") if isinstance(stored, dict) else None
    return current if isinstance(current, str) else ""


# --- marks in descriptions ---------------------------------------------------------------------------


def marked(description: str | None, mark: Mark) -> str:
    """The description to send to GitLab: the user's, then the mark."""
    return f"{description} {mark.text()}" if description else mark.text()


def parse(description: Any) -> tuple[str | None, Mark | LegacyMark | None]:
    """The user's description (``None`` when empty) and the mark at its end, if there is one."""
    if not isinstance(description, str):
        return None, None
    found = _MARK.search(description)
    if found is not None:
        return description[: found.start()] or None, Mark(int(found.group(1), 16), found.group(2))
    legacy = _LEGACY_MARK.search(description)
    if legacy is not None:
        return description[: legacy.start()] or None, LegacyMark(legacy.group(1), legacy.group(2))
    return description or None, None


def user_description(description: Any) -> str | None:
    """What the user wrote: GitLab's description without the mark."""
    return parse(description)[0]


def mark_of(token: Mapping[str, Any]) -> Mark | LegacyMark | None:
    return parse(token.get("description"))[1]


def is_live(token: Mapping[str, Any]) -> bool:
    return token.get("id") is not None and not token.get("revoked") and token.get("active") is not False


def made_by(token: Mapping[str, Any], mark: Mark) -> bool:
    """Unrevoked and marked by exactly this attempt."""
    return is_live(token) and mark_of(token) == mark


# --- tokens held in this process ------------------------------------------------------------


class _Held:
    def __init__(self) -> None:
        self._ids: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def add(self, base_url: str, token_id: int) -> None:
        with self._lock:
            self._ids.add((base_url, token_id))

    def __contains__(self, key: tuple[str, int]) -> bool:
        with self._lock:
            return key in self._ids


_HELD = _Held()


def hold(ids: str, token_id: int | None) -> None:
    """``token_id`` is in the state, or was just minted or adopted: recovery must leave it alone. ``ids`` names
    where ids are unique (one GitLab's table of tokens: a trigger and a runner may share an id)."""
    if token_id is not None:
        _HELD.add(ids, int(token_id))


def is_held(ids: str, token_id: Any) -> bool:
    return token_id is not None and (ids, int(token_id)) in _HELD


def forget_held() -> None:
    """Forget every held token (a new run; tests)."""
    global _HELD
    _HELD = _Held()
