"""``gitlab-token-access-level`` (mandatory): no project or group access token above ``maxAccessLevel``.

Only project and group access tokens have a role; for every other kind
(personal, service-account, impersonation and deploy tokens) the policy is not
applicable.

Config: ``maxAccessLevel`` (default maintainer), ``exclude``. No remediation:
lowering a role could break the token's job silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _catalogue as catalogue
from .config import ConfigError, NotApplicable
from .resource_policy import token_policy
from .tokens import UNKNOWN, Token, level_value, shown


def check_access_level(token: Token, config: Mapping[str, Any]) -> list[str]:
    """Compare with GitLab's own rule (``catalogue.may_assign``), not plain numbers.

    A Planner or a Security Manager holds permissions a Maintainer lacks, so
    ``maxAccessLevel: maintainer`` allows neither, exactly as GitLab would not
    let a Maintainer mint one; ``maxAccessLevel: security_manager`` allows
    security_manager, reporter and guest.
    """
    try:
        max_level = level_value(config.get("maxAccessLevel"))
    except ValueError as error:
        raise ConfigError("maxAccessLevel", str(error)) from None
    if not token.kind.has_access_level:
        # Personal, service-account and deploy tokens: what they reach is their user's or
        # their scopes' business, not a role on the project or group.
        raise NotApplicable(f"a {token.kind.label} has no access level")

    level = token.read("access_level")
    if level is UNKNOWN:
        raise NotApplicable("access_level is unknown during preview; checked at update")
    if level is None:
        level = catalogue.DEFAULT_ACCESS_LEVEL  # what GitLab and both providers default to
    try:
        value = level_value(level)
    except ValueError as error:
        # Name the property, and show the value itself, not an engine proxy's repr.
        return [f"access_level {shown(level)} is not {str(error).split(' is not ', 1)[-1]}"]
    if catalogue.may_assign(max_level, value):
        return []
    name, max_name = catalogue.ACCESS_LEVEL_NAMES[value], catalogue.ACCESS_LEVEL_NAMES[max_level]
    why = f" (a {name.replace('_', ' ')} has permissions other roles lack)" if value <= max_level else ""
    return [
        f"access_level {name} ({value}) exceeds maxAccessLevel {max_name} ({max_level}){why}. "
        f"Give the token {max_name} or a lower role."
    ]


token_access_level = token_policy(
    name="gitlab-token-access-level",
    description="GitLab project and group tokens must not exceed the maximum access level.",
    check=check_access_level,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config={
        "maxAccessLevel": {
            "enum": [*catalogue.ACCESS_LEVELS.keys(), *catalogue.ACCESS_LEVELS.values()],
            "default": catalogue.DEFAULT_ACCESS_LEVEL,
            "description": "Highest role a token may have, by name (developer) or number (30).",
        },
    },
    remediation_steps=(
        "Lower the token's `access_level` to maxAccessLevel or below (an unset access_level "
        "means maintainer). A token's role is the most it can do on the project or group, "
        "so pick the lowest role its job needs."
    ),
)
