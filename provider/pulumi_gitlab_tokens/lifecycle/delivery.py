"""Revocation that follows delivery: the predecessors of a token under a grace period go only after
every variable of the stack fed from the token holds its successor.

A token whose ``rotation_configuration`` has ``grace_period_days`` gets a child resource,
:class:`PredecessorRevocation` (``<token>-predecessors``), registered after every
``ProjectVariable`` / ``GroupVariable`` whose ``value`` is the token's ``token`` output. Each such
variable records, as ``delivered_token_id``, the id of the token whose value it last set in GitLab;
the revocation's inputs are those records, so the engine runs it after the variables, and not at all
when one of them failed. It revokes a predecessor once its grace period has passed and no variable
records it. The design, and what a consumer outside the stack can rely on: docs/rotation-delivery.md.

API calls when nothing goes wrong: ``check``, ``diff`` and ``read`` none; ``create`` / ``update``
one DELETE per predecessor it revokes; ``delete`` none (deleting the token revokes its predecessors).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any, Callable, Mapping, Optional

import pulumi
import pulumi.dynamic
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime import rpc

from .. import kinds
from ..client import gitlab_client
from ..common import clock, serving
from ..common.errors import GitLabTokenError
from ..common.pickling import pickler_restored
from ..common.reporting import reported
from ..rules.inputs import integral, is_unknown, stored_date
from ..rules.rotation import Predecessor, due_predecessors
from .stored import PREDECESSORS_KEY
from .token_endpoints import TokenEndpoints

#: The variable input recording which token's value the variable holds in GitLab.
DELIVERED_INPUT = "delivered_token_id"
#: The revocation's input computed at ``check``: the predecessors this run revokes, each with why.
REVOKING_KEY = "revoking"
#: ``id(token output)`` -> (the output, its token's delivery): how a variable finds the token it is fed from.
_SOURCES: dict[int, tuple[Any, "_Delivery"]] = {}


class PredecessorRevocationProvider(ResourceProvider):
    """Revokes a token's due predecessors that no variable fed from the token holds."""

    def configure(self, req: ConfigureRequest) -> None:
        gitlab_client.configure(gitlab_client.settings_from_config(req.config.get))
        serving.serve_everything_the_engine_sends()

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Plan which predecessors go, with the reason; no API call."""
        inputs = {k: v for k, v in news.items() if k != REVOKING_KEY}
        try:
            inputs[REVOKING_KEY] = revoking(news.get(PREDECESSORS_KEY), news.get("holders"), clock.today(),
                                            seen=(_olds or {}).get(PREDECESSORS_KEY))
        except Exception as err:  # a bad clock override: report, never crash the preview
            return CheckResult(inputs, [CheckFailure(REVOKING_KEY, str(err))])
        return CheckResult(inputs, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """A change only when the planned revocations differ from what was done: a repeat is no change."""
        planned = news.get(REVOKING_KEY)
        changed = is_unknown(planned) or _ids(planned) != _ids(olds.get(REVOKING_KEY))
        return DiffResult(changes=changed, replaces=None, delete_before_replace=False)

    @reported("create")
    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(f"{props.get('token_kind')}:{props.get('token_id')}", self._revoke(props))

    @reported("update")
    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._revoke(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """No call and no write: what a refresh may do."""
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing: the token's own delete revokes its predecessors."""

    def _revoke(self, props: Mapping[str, Any]) -> dict[str, Any]:
        ids = _ids(props.get(REVOKING_KEY))
        if ids:
            kind = _kind(props.get("token_kind"))
            location = props.get("token_location") or {}
            api = TokenEndpoints(kind, str(location.get(kind.parent)), location)
            for token_id in ids:
                api.revoke(token_id)
        return dict(props)


def revoking(predecessors: Any, holders: Any, today: dt.date, *, seen: Any = None) -> Any:
    """The due predecessors no holder holds, each ``{"token_id", "reason"}``; none while a holder
    records no token at all.

    While the token rotates (a preview: its outputs unknown), the due ones are planned from the
    predecessors ``seen`` last run: a predecessor recorded in this run is not due today. Unknown
    while one is due and a holder is unknown.
    """
    if is_unknown(predecessors):
        if revoking(seen, [], today) == []:
            return []
        return rpc.UNKNOWN
    recorded = [Predecessor(int(p["token_id"]), stored_date(p.get("revoke_on")) or dt.date.min)
                for p in predecessors or [] if isinstance(p, Mapping) and integral(p.get("token_id")) is not None]
    due, _ = due_predecessors(recorded, today)
    if not due:
        return []
    if is_unknown(holders) or any(is_unknown(h) for h in holders or []):
        return rpc.UNKNOWN
    held = [integral(h) for h in holders or []]
    if any(h is None for h in held):
        return []  # a variable that cannot say which token it holds may hold any of them
    count = len(held)
    return [{"token_id": p.token_id,
             "reason": f"its grace period ended on {p.revoke_on.isoformat()} and "
                       + (f"none of the {count} variable(s) of this stack fed from the token holds it"
                          if count else "no variable of this stack is fed from the token")}
            for p in due if p.token_id not in held]


def _ids(planned: Any) -> list[int]:
    if not isinstance(planned, (list, tuple)):
        return []
    return sorted(int(p["token_id"]) for p in planned
                  if isinstance(p, Mapping) and integral(p.get("token_id")) is not None)


def _kind(name: Any) -> Any:
    for kind in kinds.ALL:
        if kind.resource_name == name:
            return kind
    raise GitLabTokenError(f"unknown token kind {name!r} in the predecessor revocation's state")


class PredecessorRevocation(pulumi.dynamic.Resource, module="gitlab", name="PredecessorRevocation"):
    """Made by a token under a grace period (``<token>-predecessors``, its child); never declared by hand.

    Revokes the token's predecessors once their grace period has passed and no variable of the
    stack fed from the token still holds them (see :mod:`.delivery`).
    """

    revoking: pulumi.Output[list]


class _Delivery:
    """The variables a token feeds, closed once the program has declared them all."""

    def __init__(self, token_name: str, token_id: pulumi.Output[int]) -> None:
        self.token_name = token_name
        #: The token's current id: a variable fed from it takes it as its :data:`DELIVERED_INPUT`.
        self.token_id = token_id
        self.holders: list[Any] = []
        self.closed = False

    def add(self, variable_name: str, delivered: pulumi.Output[Any]) -> None:
        """Count a variable's :data:`DELIVERED_INPUT` output among the holders."""
        self.ensure_open(variable_name)
        self.holders.append(delivered)

    def ensure_open(self, variable_name: str) -> None:
        if self.closed:
            raise GitLabTokenError(
                f"variable {variable_name!r} is fed from token {self.token_name!r} after the token's predecessor "
                f"revocation was registered (declared inside an apply(), or after a call that waits, such as an "
                f"invoke): declare the variables fed from a token in the program's body, right after the token, "
                f"so that its old values are revoked only after every variable holds the new one")


def revocation_for(token: pulumi.CustomResource, resource_name: str, kind: Any) -> None:
    """Give ``token`` (a token resource under a grace period) its :class:`PredecessorRevocation`."""
    delivery = _Delivery(resource_name, token.token_id)  # type: ignore[attr-defined]
    _SOURCES[id(token.token)] = (token.token, delivery)  # type: ignore[attr-defined]

    def holders() -> pulumi.Output[list]:
        delivery.closed = True
        return pulumi.Output.all(*delivery.holders)

    location = pulumi.Output.all(**{key: getattr(token, key) for key in (kind.parent, *kind.route_inputs)})
    props = {
        "token_kind": kind.resource_name,
        "token_location": location,
        "token_id": token.token_id,  # type: ignore[attr-defined]
        PREDECESSORS_KEY: getattr(token, PREDECESSORS_KEY),
        "holders": _after_the_program(token, holders),
        REVOKING_KEY: None,
    }
    with pickler_restored():
        PredecessorRevocation(PredecessorRevocationProvider(), f"{resource_name}-predecessors", props,
                              pulumi.ResourceOptions(parent=token))


def source_of(value: Any) -> Optional["_Delivery"]:
    """The delivery of the token under a grace period whose ``token`` output ``value`` is, if any."""
    found = _SOURCES.get(id(value))
    return found[1] if found is not None and found[0] is value else None


def _after_the_program(token: pulumi.CustomResource, build: Callable[[], pulumi.Output[Any]]) -> pulumi.Output[Any]:
    """An output made by ``build`` once the token is registered, which is after the program's body
    has declared every variable fed from it (the body runs before any registration completes)."""

    async def built() -> pulumi.Output[Any]:
        await token.urn.future()
        await asyncio.sleep(0)
        return build()

    task = asyncio.ensure_future(built())

    async def resources() -> set:
        return await (await task).resources()

    async def value() -> Any:
        return await (await task).future(with_unknowns=True)

    async def known() -> bool:
        return await (await task).is_known()

    async def secret() -> bool:
        return await (await task).is_secret()

    return pulumi.Output(resources(), value(), known(), secret())
