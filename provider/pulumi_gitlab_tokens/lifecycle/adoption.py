"""Adopting an existing token (``adopt_token_id``): the import dynamic providers lack (pulumi/pulumi#16175).

At create, the token with that id is read, compared with the program's declaration and rotated to a
value the resource holds; only kinds that rotate take the input. docs/recovery.md ("Adopting an
existing token") says what is checked and what it costs, docs/ownership.md why an adopted token
needs no mark.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable, Final, Mapping

from pulumi.dynamic import CheckFailure

from ..client import gitlab_client
from ..common.errors import GitLabTokenError
from ..kinds.base import ADOPT_INPUT
from ..rules import ownership
from ..rules.inputs import TokenSpec, integral, is_unknown
from . import recovery
from .token_endpoints import TokenEndpoints

if TYPE_CHECKING:  # the kinds declare the input with this module's parser
    from ..kinds.base import TokenKind

def adopts(kind: TokenKind) -> bool:
    """Whether the kind declares the adoption input."""
    return ADOPT_INPUT in kind.input_names


def carried(inputs: dict[str, Any], olds: Mapping[str, Any], *, exists: bool, replacing: bool) -> dict[str, Any]:
    """The checked inputs with ``adopt_token_id`` as it applies: as given for a resource about to be
    created, the creation's value for one that exists, none for a replacement."""
    if not exists:
        return inputs
    kept = None if replacing else olds.get(ADOPT_INPUT)
    inputs = {k: v for k, v in inputs.items() if k != ADOPT_INPUT}
    if kept is not None:
        inputs[ADOPT_INPUT] = kept
    return inputs


def mismatches(kind: TokenKind, inputs: Mapping[str, Any], token: Mapping[str, Any]) -> list[str]:
    """The declared inputs GitLab's ``token`` differs in, each as ``"<input>: GitLab has ..., declared ..."``.

    Compared as ``diff`` compares them, so an adopted token shows no change at the next preview.
    """
    found = []
    # Only the kind's own inputs are compared, so a field the kind lacks is never looked at.
    answer = {"name": token.get("name"), "scopes": token.get("scopes"), "access_level": token.get("access_level"),
              "description": ownership.user_description(token.get("description"))}
    for field in kind.inputs:
        if field.name not in answer or is_unknown(inputs.get(field.name)):
            continue
        declared, actual = inputs.get(field.name), answer[field.name]
        if field.compare(declared) != field.compare(actual):
            found.append(f"{field.name}: the token has {_shown(field.name, actual)}, "
                         f"the program declares {_shown(field.name, declared)}")
    return found


def refusal(kind: TokenKind, api: TokenEndpoints, token_id: int, token: Mapping[str, Any] | None,
            inputs: Mapping[str, Any], owner: ownership.Owner) -> tuple[str, str] | None:
    """Why ``token`` (GitLab's answer for ``token_id``) cannot be adopted: ``(input, reason)``, or ``None``."""
    where = f"{kind.parent} {api.parent!r}"
    if token is None:
        looked = api.route("get", token_id)
        return ADOPT_INPUT, (f"GitLab has no token {token_id} on the {where} ({looked}); "
                             "list them with list_tokens (or the kind's list function) or in GitLab, and give a "
                             "token's id")
    elsewhere = kind.listing.not_the_parents(token, api.parent)
    if elsewhere is not None:
        return ADOPT_INPUT, f"token {token_id} {elsewhere}, not to the {where}: give the id of one of its tokens"
    if token.get("revoked") or token.get("active") is False:
        return ADOPT_INPUT, (
            f"token {token_id} on the {where} is revoked or expired: only a live token can be adopted. If a run "
            f"that adopted it died, its rotated successor (same name and user_id) is live: give that id")
    mark = ownership.mark_of(dict(token))
    if mark is not None and not owner.claims(mark, str(token.get("name"))):
        return ADOPT_INPUT, (f"token {token_id} is managed by another Pulumi stack or resource (its "
                             f"description carries that one's ownership mark); it is not adopted from there")
    if ownership.is_held(gitlab_client.id_space(kind.id_table), token_id):
        return ADOPT_INPUT, f"token {token_id} is already managed by another resource of this stack"
    differing = mismatches(kind, inputs, token)
    if differing:
        fields = ", ".join(d.split(":", 1)[0] for d in differing)
        return fields, (f"token {token_id} does not match the program, so it is not adopted: "
                        f"{'; '.join(differing)}. Declare what the token has (adoption rotates it; "
                        f"it cannot change these), or create a new token instead")
    if is_the_credential(api, token_id):
        return ADOPT_INPUT, (f"token {token_id} is the provider's own credential (gitlab:token): adopting it would "
                             f"rotate it, revoking the value every later call authenticates with. Give another "
                             f"token's id, or first set gitlab:token to another credential")
    return None


def is_the_credential(api: TokenEndpoints, token_id: int) -> bool:
    """Whether ``token_id`` is the token the provider authenticates with (one ``GET /personal_access_tokens/self``).

    Every kind that adopts (it rotates) keeps its tokens where personal, project and group access
    tokens share one id space. A credential that cannot say (not a token of that table) is not one.
    """
    credential = gitlab_client.current_settings().token
    if not credential:
        return False
    try:
        itself = api.self_information(credential)
    except GitLabTokenError:
        return False
    return itself is not None and integral(itself.get("id")) == token_id


def adopt(api: TokenEndpoints, spec: TokenSpec, props: Mapping[str, Any], token_id: int,
          expires_at: dt.date, owner: ownership.Owner) -> dict[str, Any]:
    """Rotate ``token_id`` into the resource: one GET (two: is it the credential?), then the rotate; GitLab's
    answer with ``token``."""
    token = api.get(token_id)
    refused = refusal(api.kind, api, token_id, token, props, owner)
    if refused is not None:
        field, reason = refused
        raise GitLabTokenError(f"Cannot adopt into {api.kind.resource_name} {spec.name!r} ({field}): {reason}.")
    assert token is not None
    ownership.hold(gitlab_client.id_space(api.kind.id_table), token_id)
    return recovery.rotate_token(api, token_id=token_id, bot_user_id=integral(token.get("user_id")),
                                 name=spec.name, expires_at=expires_at, owner=owner)


def preview_failures(kind: TokenKind, inputs: Mapping[str, Any],
                     owner: Callable[[], ownership.Owner]) -> list[CheckFailure]:
    """At preview, what ``create`` would refuse about the token to adopt (one GET, two when it matches);
    ``owner`` is asked only then."""
    token_id = inputs.get(ADOPT_INPUT)
    route = [inputs.get(name) for name in (kind.parent, *kind.route_inputs)]
    if token_id is None or is_unknown(token_id) or any(value is None or is_unknown(value) for value in route):
        return []
    api = TokenEndpoints(kind, str(route[0]), inputs)
    refused = refusal(kind, api, int(token_id), api.get(int(token_id)), inputs, owner())
    return [] if refused is None else [CheckFailure(refused[0], refused[1])]


def _shown(name: str, value: Any) -> str:
    if name == "scopes" and isinstance(value, (list, tuple)):
        return "[" + ", ".join(sorted(str(s) for s in value)) + "]"
    return repr(value)
