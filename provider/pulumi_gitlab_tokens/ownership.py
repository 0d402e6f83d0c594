"""The ownership mark: which stack, resource and attempt minted a token, as GitLab itself records it.

Every token the provider creates carries a short suffix in its description::

    <the user's description> [pgt:<owner>.<attempt>]

``owner`` is 16 hex digits of the SHA-256 of the declaring stack
(``<organization>/<project>/<stack>``) and resource (its type and name after
its parents', like its URN); ``attempt`` is 8 random hex digits, new for each
POST. The description is the only free-text field GitLab keeps for an access
token and returns from every list and get answer (17.7+), and rotation copies
it, so a token's successors carry the same mark. The user's ``description``
input and output never show it: it is added when posting and stripped when
reading. The mark takes :data:`MARK_ROOM` of GitLab's 255 characters.

Recovery (:mod:`.recovery`) adopts or revokes only tokens whose mark names
this stack and resource. A token with another owner's mark, with no mark (made
by an older version, or by hand), or whose description merely looks like a
mark somewhere else than at its end, is never touched.

Within one provider process, tokens the engine showed in the state, or that
this process minted or adopted, are *held*: recovery never takes them for
another resource or attempt (:func:`hold`, :func:`is_held`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import secrets
import threading
from typing import Any

from . import catalogue

_PREFIX = "pgt"
_OWNER_DIGITS = 16
_ATTEMPT_DIGITS = 8
_MARK = re.compile(rf"(?:^| )\[{_PREFIX}:([0-9a-f]{{{_OWNER_DIGITS}}})\.([0-9a-f]{{{_ATTEMPT_DIGITS}}})\]$")
#: Characters the mark takes in the description, its separating space included.
MARK_ROOM = len(f" [{_PREFIX}:") + _OWNER_DIGITS + 1 + _ATTEMPT_DIGITS + 1
#: The longest description a user may give: GitLab's limit less the mark's room.
USER_DESCRIPTION_MAX_LENGTH = catalogue.DESCRIPTION_MAX_LENGTH - MARK_ROOM


@dataclasses.dataclass(frozen=True)
class Mark:
    """A parsed mark: the owner digest and the attempt nonce."""

    owner: str
    attempt: str

    def text(self) -> str:
        return f"[{_PREFIX}:{self.owner}.{self.attempt}]"


def owner_digest(stack: str | None, resource: str | None) -> str:
    """The owner part of the mark for a resource of a stack (stable from run to run)."""
    identity = json.dumps([stack or "", resource or ""], separators=(",", ":"))
    return hashlib.sha256(identity.encode()).hexdigest()[:_OWNER_DIGITS]


def stack_owner(organization: str, project: str, stack: str) -> str:
    """The stack part of an owner, ``"<organization>/<project>/<stack>"``, for both faces of the provider."""
    return f"{organization}/{project}/{stack}"


def new_mark(owner: str) -> Mark:
    """A mark for one POST attempt of ``owner``."""
    return Mark(owner, secrets.token_hex(_ATTEMPT_DIGITS // 2))


def marked(description: str | None, mark: Mark) -> str:
    """The description to send to GitLab: the user's, then the mark."""
    return f"{description} {mark.text()}" if description else mark.text()


def parse(description: Any) -> tuple[str | None, Mark | None]:
    """The user's description (``None`` when empty) and the mark at its end, if there is one."""
    if not isinstance(description, str):
        return None, None
    found = _MARK.search(description)
    if found is None:
        return description or None, None
    return description[: found.start()] or None, Mark(found.group(1), found.group(2))


def user_description(description: Any) -> str | None:
    """What the user wrote: GitLab's description without the mark."""
    return parse(description)[0]


def mark_of(token: dict[str, Any]) -> Mark | None:
    return parse(token.get("description"))[1]


def is_live(token: dict[str, Any]) -> bool:
    return token.get("id") is not None and not token.get("revoked") and token.get("active") is not False


def owned_by(token: dict[str, Any], owner: str) -> bool:
    """Unrevoked and marked by ``owner`` (any attempt)."""
    mark = mark_of(token)
    return is_live(token) and mark is not None and mark.owner == owner


def made_by(token: dict[str, Any], mark: Mark) -> bool:
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


def hold(base_url: str, token_id: int | None) -> None:
    """``token_id`` is in the state, or was just minted or adopted: recovery must leave it alone."""
    if token_id is not None:
        _HELD.add(base_url, int(token_id))


def is_held(base_url: str, token_id: Any) -> bool:
    return token_id is not None and (base_url, int(token_id)) in _HELD


def forget_held() -> None:
    """Forget every held token (a new run; tests)."""
    global _HELD
    _HELD = _Held()
