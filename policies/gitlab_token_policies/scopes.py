"""``gitlab-token-scopes`` (mandatory, remediable): only scopes the token's kind has, only allowed
scopes, never forbidden ones.

Each kind has its own scope list (``TOKEN_TYPES``, in ``_token_types.py``): deploy tokens have
``read_repository``, the registry and the package-registry scopes and nothing else;
``sudo``, ``admin_mode`` and ``read_service_ping`` are personal (and impersonation)
token scopes; service-account tokens have the personal scopes without those three.
A scope outside the kind's list is a violation whatever the config says.

Config: ``allowedScopes`` (default: every GitLab scope), ``forbiddenScopes``
(default: api, sudo, admin_mode), ``exclude``. Remediation drops the offending
scopes when at least one allowed scope remains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pulumi_policy import EnforcementLevel, Severity

from . import _catalogue as catalogue
from .config import NotApplicable, config_scopes
from .resource_policy import token_policy
from .tokens import UNKNOWN, KnownItems, Token


def _names(values: Sequence[str]) -> str:
    return ", ".join(values)


DEFAULT_FORBIDDEN_SCOPES: Final[list[str]] = ["api", "sudo", "admin_mode"]


@dataclass(frozen=True)
class ScopeProblems:
    """What is wrong with a token's scopes, each offending scope in exactly one list."""

    #: Scopes GitLab does not accept for this kind of token (or entries that are no scope name).
    not_for_kind: list[str]
    #: Scopes of the kind that ``forbiddenScopes`` names.
    forbidden: list[str]
    #: Scopes of the kind outside ``allowedScopes``.
    not_allowed: list[str]
    scopes: KnownItems


def _scope_problems(token: Token, config: Mapping[str, Any]) -> ScopeProblems:
    """Sort the token's scopes into what its kind refuses, what config forbids, what it does not allow."""
    allowed = config_scopes(config, "allowedScopes")
    forbidden = config_scopes(config, "forbiddenScopes")
    scopes = token.read_list("scopes")
    if scopes is UNKNOWN:
        raise NotApplicable("scopes are unknown during preview; they are checked at update")
    if scopes is None:
        raise NotApplicable("the token sets no scopes")
    assert isinstance(scopes, KnownItems)
    valid = token.kind.scopes
    # Only text can name a scope; anything else (a list, a map) is never allowed, and is
    # shown by its type, not as a proxy object's repr.
    names = [s for s in scopes.items if isinstance(s, str)]
    not_for_kind = [s for s in names if s not in valid]
    not_for_kind += [f"(a {_kind_of(s)}, not a scope name)" for s in scopes.items if not isinstance(s, str)]
    present_forbidden = [s for s in names if s in valid and s in forbidden]
    not_allowed = [s for s in names if s in valid and s not in allowed and s not in forbidden]
    return ScopeProblems(not_for_kind, present_forbidden, not_allowed, scopes)


def _kind_of(value: Any) -> str:
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return "list"
    return type(value).__name__


def check_scopes(token: Token, config: Mapping[str, Any]) -> list[str]:
    problems = _scope_problems(token, config)
    kind = token.kind
    messages = []
    if problems.not_for_kind:
        messages.append(
            f"Scopes a {kind.label} cannot have: {_names(problems.not_for_kind)}. "
            f"A {kind.label}'s scopes are: {_names(kind.scopes)}."
        )
    if problems.forbidden:
        messages.append(
            f"Forbidden scopes: {_names(problems.forbidden)} (forbiddenScopes). Remove them and grant "
            "the narrowest scopes the job needs, e.g. read_api or read_repository."
        )
    if problems.not_allowed:
        allowed = config_scopes(config, "allowedScopes")
        usable = [s for s in kind.scopes if s in allowed]
        messages.append(
            f"Scopes not in allowedScopes: {_names(problems.not_allowed)}. Use only: {_names(usable) or '(none)'}."
        )
    if not messages and problems.scopes.has_unknown:
        raise NotApplicable("some scopes are unknown during preview; they are checked at update")
    return messages


def drop_disallowed_scopes(token: Token, config: Mapping[str, Any]) -> bool:
    """Remove scopes the kind refuses, forbidden and not-allowed ones, when an allowed scope remains.

    Removing a scope only ever narrows what the token can do. A token left
    with no scopes would be refused by GitLab, so then nothing is changed and
    the violation stands. Lists with unknown entries are left alone.
    """
    problems = _scope_problems(token, config)
    drop = set(problems.not_for_kind) | set(problems.forbidden) | set(problems.not_allowed)
    if not drop or problems.scopes.has_unknown:
        return False
    keep = [s for s in problems.scopes.items if isinstance(s, str) and s not in drop]
    if not keep:
        return False
    token.write(keep, "scopes")
    return True


token_scopes = token_policy(
    name="gitlab-token-scopes",
    description="GitLab tokens may only carry scopes of their kind that are allowed, and never forbidden ones.",
    check=check_scopes,
    fix=drop_disallowed_scopes,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config={
        "allowedScopes": {
            "type": "array",
            "items": {"type": "string", "enum": list(catalogue.ALL_SCOPE_NAMES)},
            "default": list(catalogue.ALL_SCOPE_NAMES),
            "description": "Scopes a token may have (default: every GitLab scope).",
        },
        "forbiddenScopes": {
            "type": "array",
            "items": {"type": "string", "enum": list(catalogue.ALL_SCOPE_NAMES)},
            "default": DEFAULT_FORBIDDEN_SCOPES,
            "description": "Scopes a token must never have.",
        },
    },
    remediation_steps=(
        "Remove the listed scopes from the token's `scopes`; a scope the token's kind cannot have "
        "(deploy tokens: no api; sudo and admin_mode: personal tokens only) would make GitLab refuse "
        "the token. Prefer read-only scopes "
        "(read_api, read_repository, read_registry); use write_repository instead of api "
        "for pushes. If the scope is really needed, add the resource to this policy's "
        "`exclude` with a comment explaining why. At the remediate level the pack drops the "
        "offending scopes itself when at least one allowed scope remains."
    ),
)
