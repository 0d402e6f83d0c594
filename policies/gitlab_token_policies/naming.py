"""``gitlab-token-name`` (advisory): token names follow the team's naming convention.

Config: ``pattern`` (no default: no rule until one is set), ``exclude``. No
remediation: renaming replaces the token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .config import ConfigError, NotApplicable, compile_pattern
from .resource_policy import token_policy
from .tokens import UNKNOWN, Token


def check_name(token: Token, config: Mapping[str, Any]) -> list[str]:
    pattern = config.get("pattern")
    if pattern in (None, ""):
        raise NotApplicable("no pattern is configured")
    if not isinstance(pattern, str):
        raise ConfigError("pattern", f"{pattern!r} is not a string")
    regex = compile_pattern("pattern", pattern)
    name = token.read("name")
    if name is UNKNOWN:
        raise NotApplicable("name is unknown during preview; checked at update")
    if not isinstance(name, str):
        raise NotApplicable("the token sets no name")
    if regex.fullmatch(name):
        return []
    return [f"Token name {name!r} does not match the pattern {pattern!r}. Rename the token to match it."]


token_name = token_policy(
    name="gitlab-token-name",
    description="GitLab token names must follow the naming convention.",
    check=check_name,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    config={
        "pattern": {
            "type": "string",
            "description": "Regular expression the whole token name must match (unset: no rule).",
        },
    },
    remediation_steps=(
        "Rename the token (its `name` input) to match the configured pattern. Renaming "
        "replaces the token, so consumers receive a new value."
    ),
)
