"""Token lists as data: functions a Pulumi program calls to list a project's, group's or user's tokens.

Dynamic providers have no invoke, so :func:`list_tokens` runs in the program's own process, reads
the stack config the provider reads and lists through the kind's list route; each kind's own
function (``list_project_access_tokens``, ...) is generated from its declaration (``make faces``).
A :class:`TokenRecord` never holds a token's value. docs/resources.md ("Token lists as data").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Callable, Final, Mapping

from ..client import gitlab_client
from ..common import catalogue
from ..common.errors import GitLabTokenError
from ..kinds.base import TokenKind
from ..lifecycle.token_endpoints import TokenEndpoints
from ..rules import ownership
from ..rules.inputs import integral, parse_date

#: The values of the ``state`` filter, as GitLab's lists take them.
STATES: Final = ("active", "inactive")


@dataclasses.dataclass(frozen=True)
class TokenRecord:
    """One token as GitLab lists it, without its value.

    ``access_level`` is the role's name (``"maintainer"``) for kinds that have
    one, else ``None``; ``user_id`` is the token's (bot) user where the kind
    has one; ``managed`` says whether the token carries an ownership mark of
    pulumi-gitlab-tokens (see :mod:`.ownership`), whose text ``description``
    leaves out.
    """

    id: int
    name: str
    scopes: tuple[str, ...]
    access_level: str | None
    active: bool
    revoked: bool
    expires_at: str | None
    created_at: str | None
    last_used_at: str | None
    user_id: int | None
    description: str | None
    managed: bool

    @classmethod
    def from_answer(cls, kind: TokenKind, answer: Mapping[str, Any]) -> "TokenRecord":
        """The record of one item of GitLab's list answer; any ``token`` field in it is dropped."""
        level = integral(answer.get("access_level"))
        revoked = bool(answer.get("revoked"))
        # Deploy tokens report ``expired`` instead of ``active``.
        active = answer.get("active")
        if active is None:
            active = not revoked and not answer.get("expired")
        return cls(
            id=int(answer["id"]),
            name=str(answer.get("name") or ""),
            scopes=tuple(answer.get("scopes") or ()),
            access_level=catalogue.ACCESS_LEVEL_NAMES.get(level) if kind.has_access_level and level else None,
            active=bool(active),
            revoked=revoked,
            expires_at=answer.get("expires_at"),
            created_at=answer.get("created_at"),
            last_used_at=answer.get("last_used_at"),
            user_id=integral(answer.get("user_id")),
            description=ownership.user_description(answer.get("description")),
            managed=ownership.mark_of(dict(answer)) is not None,
        )

    def to_dict(self) -> dict[str, Any]:
        """The record as plain data (scopes as a list), for ``pulumi.export`` and JSON."""
        data = dataclasses.asdict(self)
        data["scopes"] = list(self.scopes)
        return data


def list_tokens(
    kind: TokenKind,
    parent: str | int,
    *,
    state: str | None = None,
    expires_before: str | dt.date | None = None,
    name: str | None = None,
    **route_values: Any,
) -> tuple[TokenRecord, ...]:
    """Every token of ``kind`` on ``parent`` (its id or full path) that passes the filters, by id.

    ``route_values`` are the kind's :attr:`~.kinds.base.TokenKind.route_inputs`, each by its
    input's name (a service account's ``user_id``): its list route names them too.

    ``state`` is ``"active"`` or ``"inactive"`` (revoked or expired);
    ``expires_before`` keeps tokens that expire before that date (``YYYY-MM-DD``),
    as GitLab's filter does, so tokens without an expiry are left out; ``name``
    keeps tokens named exactly so. Filters the kind's list route takes
    (:attr:`~.kinds.base.TokenKind.list_filters`) are sent to GitLab (``name``
    as ``search``, which GitLab matches loosely); every filter is applied here
    as well, so the answer is the same whatever GitLab filtered.
    """
    _Filters.parse(kind, state=state, expires_before=expires_before, name=name)  # bad filters fail before config
    _route_values(kind, route_values)
    _configure_from_stack()
    return configured_list(kind, parent, state=state, expires_before=expires_before, name=name, **route_values)


def configured_list(
    kind: TokenKind,
    parent: str | int,
    *,
    state: str | None = None,
    expires_before: str | dt.date | None = None,
    name: str | None = None,
    **route_values: Any,
) -> tuple[TokenRecord, ...]:
    """:func:`list_tokens` with the GitLab settings already configured (the native provider's invokes)."""
    wanted = _Filters.parse(kind, state=state, expires_before=expires_before, name=name)
    values = _route_values(kind, route_values)
    api = TokenEndpoints(kind, str(parent).strip(), values)
    records = (TokenRecord.from_answer(kind, answer) for answer in api.list_all(**wanted.query(kind)))
    return tuple(sorted((r for r in records if wanted.keeps(r)), key=lambda r: r.id))


def _route_values(kind: TokenKind, given: Mapping[str, Any]) -> dict[str, Any]:
    """The kind's route inputs, each checked by its input's parser; a missing or unknown one is an error."""
    where = f"listing {kind.resource_name} tokens"
    unknown = sorted(set(given) - set(kind.route_inputs))
    if unknown:
        takes = ", ".join(("state", "expires_before", "name", *kind.route_inputs))
        raise GitLabTokenError(f"{where}: {', '.join(unknown)} is not a filter of this list; it takes {takes}")
    parsers = {field.name: field.parse for field in kind.inputs}
    values: dict[str, Any] = {}
    for key in kind.route_inputs:
        if given.get(key) is None:
            raise GitLabTokenError(f"{where}: {key} is missing; its list route needs it, give it as {key}=...")
        parse = parsers.get(key)
        try:
            values[key] = parse(kind, given[key]) if parse is not None else given[key]
        except ValueError as err:
            raise GitLabTokenError(f"{where}: {err}") from None
    return values


# --- filters ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Filters:
    state: str | None
    expires_before: dt.date | None
    name: str | None

    @classmethod
    def parse(cls, kind: TokenKind, *, state: Any, expires_before: Any, name: Any) -> "_Filters":
        """The filters, checked: a bad one is an error naming it and the fix."""
        where = f"listing {kind.resource_name} tokens"
        if state is not None and state not in STATES:
            raise GitLabTokenError(f"{where}: state is {state!r}; use one of {', '.join(STATES)}, or leave it out")
        before: dt.date | None = None
        if isinstance(expires_before, dt.date):
            before = expires_before
        elif expires_before is not None:
            try:
                before = parse_date(expires_before)
            except ValueError:
                raise GitLabTokenError(
                    f"{where}: expires_before is {expires_before!r}; give a date like 2026-12-31") from None
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise GitLabTokenError(f"{where}: name must be a non-empty string, or left out")
        return cls(state, before, name)

    def query(self, kind: TokenKind) -> dict[str, Any]:
        """The query parameters the kind's list route filters by itself."""
        offered = {
            "state": self.state,
            "expires_before": None if self.expires_before is None else self.expires_before.isoformat(),
            "search": self.name,
            # Deploy tokens' list takes only ``active=true``.
            "active": "true" if self.state == "active" else None,
        }
        return {key: value for key, value in offered.items() if key in kind.list_filters and value is not None}

    def keeps(self, record: TokenRecord) -> bool:
        if self.state is not None and record.active != (self.state == "active"):
            return False
        if self.expires_before is not None and not _expires_before(record.expires_at, self.expires_before):
            return False
        return self.name is None or record.name == self.name


def _expires_before(expires_at: str | None, day: dt.date) -> bool:
    if not expires_at:
        return False
    try:
        return parse_date(str(expires_at)[:10]) < day
    except ValueError:
        return False


# --- the stack's settings -----------------------------------------------------------------------


def _configure_from_stack() -> None:
    """Use the stack config the provider reads, from inside the program (environment fallbacks as there)."""
    gitlab_client.configure(gitlab_client.settings_from_config(_stack_config_reader()))


def _stack_config_reader() -> Callable[[str], Any]:
    """``"namespace:key" -> value`` from the running program's stack config; nothing outside one."""
    try:
        from pulumi.runtime.config import get_config
    except ImportError:  # pragma: no cover - pulumi is a dependency
        return lambda _key: None
    # ``get_config`` reads the raw value without the SDK's secret warning; the
    # credential is registered as a secret by ``configure`` and never printed.
    return lambda key: get_config(key)
