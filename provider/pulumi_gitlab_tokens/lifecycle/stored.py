"""A resource's stored state, read once at the door into one typed value.

The engine hands ``diff``, ``read``, ``update`` and ``delete`` the old outputs
(and ``check`` the old inputs) as a loose mapping. :class:`StoredToken` reads
it once, leniently - a malformed field reads as absent, never as an error -
so the lifecycle asks typed questions instead of re-reading keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from ..common.errors import GitLabTokenError
from ..rules.inputs import integral, parse_rotation_lenient, stored_date
from ..rules.rotation import Predecessor, PreviousToken, RotationConfiguration

if TYPE_CHECKING:
    from ..kinds.base import TokenKind

#: The engine's key for the pickled provider in every state.
PROVIDER_KEY = "__provider"
#: Output naming create attempts that timed out and were not seen landing (see :mod:`.recovery`).
UNCONFIRMED_KEY = "unconfirmed_attempts"
#: Output naming the tokens an overlap rotation superseded, each with the day it is revoked on
#: (``[{"token_id": 12, "revoke_on": "2026-03-04"}]``; see :mod:`.rotation`). No secret.
PREDECESSORS_KEY = "predecessors"
#: The scope that lets a token rotate itself.
SELF_ROTATE_SCOPE = "self_rotate"


@dataclass(frozen=True)
class StoredToken:
    """What the state says about one token; every field ``None`` (or empty) when absent."""

    #: The resource id as the engine gave it ("" when there is none).
    id: str
    #: The stored values, without the engine's and the recovery's bookkeeping keys.
    values: Mapping[str, Any] = field(repr=False)
    parent: str | None
    #: The *current* token id: the ``token_id`` output, else the resource id's suffix.
    token_id: int | None
    name: str | None
    user_id: int | None
    #: The token's value (a secret): never in ``repr``.
    token: str | None = field(repr=False)
    scopes: tuple[str, ...] | None
    #: ``False`` only when GitLab said so; ``None`` when unknown (old inputs).
    active: bool | None
    revoked: bool
    expires_at: dt.date | None
    rotation: RotationConfiguration | None
    unconfirmed: tuple[str, ...]
    #: Tokens an overlap rotation superseded, still to be revoked.
    predecessors: tuple[Predecessor, ...]
    #: Whether the engine stored anything at all (bookkeeping keys included).
    exists: bool

    @classmethod
    def read(cls, kind: TokenKind, id_: str, props: Mapping[str, Any] | None) -> "StoredToken":
        props = props or {}
        parent_part, _, id_part = (id_ or "").rpartition(":")
        token_id = integral(props.get("token_id"))
        if token_id is None and id_part.isdigit():
            token_id = int(id_part)
        parent = props.get(kind.parent) or parent_part
        if integral(parent) is not None:  # a numeric parent (a user id) comes back from the engine as a float
            parent = integral(parent)
        scopes = props.get("scopes")
        attempts = props.get(UNCONFIRMED_KEY)
        token = props.get("token")
        name = props.get("name")
        active = props.get("active")
        return cls(
            id=id_ or "",
            values={k: v for k, v in props.items() if k not in (PROVIDER_KEY, UNCONFIRMED_KEY, PREDECESSORS_KEY)},
            parent=str(parent) if parent else None,
            token_id=token_id,
            # A kind without names (triggers) marks its tokens for "", as its create did.
            name=name if isinstance(name, str) else ("" if "name" not in kind.input_names else None),
            user_id=integral(props.get("user_id")),
            token=token if isinstance(token, str) and token else None,
            scopes=tuple(str(s) for s in scopes) if isinstance(scopes, (list, tuple)) else None,
            active=active if isinstance(active, bool) else None,
            revoked=props.get("revoked") is True,
            expires_at=stored_date(props.get("expires_at")),
            rotation=parse_rotation_lenient(props.get("rotation_configuration")),
            unconfirmed=tuple(str(a) for a in attempts) if isinstance(attempts, (list, tuple)) else (),
            predecessors=_predecessors(props.get(PREDECESSORS_KEY)),
            exists=bool(props),
        )

    def get(self, key: str) -> Any:
        """A stored value as it is (for the comparisons of ``diff``)."""
        return self.values.get(key)

    def located(self, kind: TokenKind) -> tuple[str, int]:
        """The parent and the current token id; raises when the state cannot say."""
        if not self.parent or self.token_id is None:
            raise GitLabTokenError(
                f"cannot tell which token {self.id!r} is: expected an id like '<{kind.parent}>:<token id>'"
            )
        return self.parent, self.token_id

    def previous(self) -> PreviousToken | None:
        """The token as :func:`.rotation.decide` needs it; ``None`` when nothing is stored."""
        if not self.exists:
            return None
        return PreviousToken(expires_at=self.expires_at, rotation=self.rotation, revoked=self.revoked)

    def self_rotation_token(self, kind: TokenKind, today: dt.date) -> str | None:
        """The token's own value, when it may rotate itself: the kind allows it, ``self_rotate`` scope, alive.

        An expired or revoked token cannot authenticate, and using a revoked one
        to rotate triggers GitLab's reuse detection; those go through the admin
        credential instead.
        """
        if not kind.self_rotates or self.token is None or self.scopes is None:
            return None
        if SELF_ROTATE_SCOPE not in self.scopes or self.revoked or self.active is False:
            return None
        if self.expires_at is not None and self.expires_at <= today:
            return None
        return self.token


def _predecessors(value: Any) -> tuple[Predecessor, ...]:
    """The recorded predecessors; an entry without a readable id is dropped, one without a date is due."""
    if not isinstance(value, (list, tuple)):
        return ()
    found = []
    for entry in value:
        if not isinstance(entry, Mapping) or integral(entry.get("token_id")) is None:
            continue
        found.append(Predecessor(int(entry["token_id"]), stored_date(entry.get("revoke_on")) or dt.date.min))
    return tuple(found)


def predecessors_output(predecessors: list[Predecessor] | tuple[Predecessor, ...]) -> list[dict[str, Any]]:
    """The predecessors as the state stores them."""
    return [{"token_id": p.token_id, "revoke_on": p.revoke_on.isoformat()} for p in predecessors]
