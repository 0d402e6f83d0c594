"""``gitlab-token-scopes`` (mandatory, remediable): only allowed scopes, never forbidden ones.

Config: ``allowedScopes`` (default: every GitLab scope), ``forbiddenScopes``
(default: api, sudo, admin_mode), ``exclude``. Remediation drops the offending
scopes when at least one allowed scope remains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from pulumi_policy import EnforcementLevel, Severity

from . import _catalogue as catalogue
from .config import NotApplicable, config_scopes
from .resource_policy import token_policy
from .tokens import UNKNOWN, KnownItems, Token


def _names(values: Sequence[str]) -> str:
    return ", ".join(values)


DEFAULT_FORBIDDEN_SCOPES: Final[list[str]] = ["api", "sudo", "admin_mode"]


def _scope_problems(token: Token, config: Mapping[str, Any]) -> tuple[list[str], list[str], KnownItems]:
    """(forbidden scopes present, scopes outside the allow-list, the token's scopes)."""
    allowed = config_scopes(config, "allowedScopes")
    forbidden = config_scopes(config, "forbiddenScopes")
    scopes = token.read_list("scopes")
    if scopes is UNKNOWN:
        raise NotApplicable("scopes are unknown during preview; they are checked at update")
    if scopes is None:
        raise NotApplicable("the token sets no scopes")
    assert isinstance(scopes, KnownItems)
    # Only text can name a scope; anything else (a list, a map) is never allowed, and is
    # shown by its type, not as a proxy object's repr.
    names = [s for s in scopes.items if isinstance(s, str)]
    present_forbidden = [s for s in names if s in forbidden]
    not_allowed = [s for s in names if s not in allowed and s not in forbidden]
    not_allowed += [f"(a {_kind_of(s)}, not a scope name)" for s in scopes.items if not isinstance(s, str)]
    return present_forbidden, not_allowed, scopes


def _kind_of(value: Any) -> str:
    if isinstance(value, Mapping):
        return "map"
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return "list"
    return type(value).__name__


def check_scopes(token: Token, config: Mapping[str, Any]) -> list[str]:
    present_forbidden, not_allowed, scopes = _scope_problems(token, config)
    messages = []
    if present_forbidden:
        messages.append(
            f"Forbidden scopes: {_names(present_forbidden)} (forbiddenScopes). Remove them and grant "
            "the narrowest scopes the job needs, e.g. read_api or read_repository."
        )
    if not_allowed:
        allowed = [s for s in catalogue.PERSONAL_TOKEN_SCOPES if s in config_scopes(config, "allowedScopes")]
        messages.append(
            f"Scopes not in allowedScopes: {_names(not_allowed)}. Use only: {_names(allowed) or '(none)'}."
        )
    if not messages and scopes.has_unknown:
        raise NotApplicable("some scopes are unknown during preview; they are checked at update")
    return messages


def drop_disallowed_scopes(token: Token, config: Mapping[str, Any]) -> bool:
    """Remove forbidden/not-allowed scopes, but only when at least one allowed scope remains.

    Removing a scope only ever narrows what the token can do. A token left
    with no scopes would be refused by GitLab, so then nothing is changed and
    the violation stands. Lists with unknown entries are left alone.
    """
    present_forbidden, not_allowed, scopes = _scope_problems(token, config)
    drop = set(present_forbidden) | set(not_allowed)
    if not drop or scopes.has_unknown:
        return False
    keep = [s for s in scopes.items if isinstance(s, str) and s not in drop]
    if not keep:
        return False
    token.write(keep, "scopes")
    return True


token_scopes = token_policy(
    name="gitlab-token-scopes",
    description="GitLab tokens may only carry allowed scopes, and never forbidden ones.",
    check=check_scopes,
    fix=drop_disallowed_scopes,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config={
        "allowedScopes": {
            "type": "array",
            "items": {"type": "string", "enum": list(catalogue.PERSONAL_TOKEN_SCOPES)},
            "default": list(catalogue.PERSONAL_TOKEN_SCOPES),
            "description": "Scopes a token may have (default: every GitLab scope).",
        },
        "forbiddenScopes": {
            "type": "array",
            "items": {"type": "string", "enum": list(catalogue.PERSONAL_TOKEN_SCOPES)},
            "default": DEFAULT_FORBIDDEN_SCOPES,
            "description": "Scopes a token must never have.",
        },
    },
    remediation_steps=(
        "Remove the listed scopes from the token's `scopes`. Prefer read-only scopes "
        "(read_api, read_repository, read_registry); use write_repository instead of api "
        "for pushes. If the scope is really needed, add the resource to this policy's "
        "`exclude` with a comment explaining why. At the remediate level the pack drops the "
        "offending scopes itself when at least one allowed scope remains."
    ),
)
