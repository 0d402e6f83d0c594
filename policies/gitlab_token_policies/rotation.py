"""``gitlab-token-rotation`` (advisory): tokens rotate automatically, early enough.

Config: ``required`` (default false), ``minRotateBeforeDays`` (default 7),
``exclude``. No remediation: choosing a rotation schedule is the owner's call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from .config import NotApplicable, config_bool, config_int
from .resource_policy import token_policy
from .tokens import UNKNOWN, Token, as_int


def check_rotation(token: Token, config: Mapping[str, Any]) -> list[str]:
    required = config_bool(config, "required")
    min_before = config_int(config, "minRotateBeforeDays", minimum=0)

    rotation = token.read("rotation_configuration")
    if rotation is UNKNOWN:
        raise NotApplicable("rotation_configuration is unknown during preview; checked at update")
    if not isinstance(rotation, Mapping):
        if required:
            return [
                "The token has no rotation_configuration. Add one with expiration_days and "
                f"rotate_before_days >= {min_before}."
            ]
        raise NotApplicable("the token has no rotation_configuration and rotation is not required")

    before = token.read("rotation_configuration", "rotate_before_days")
    days = token.read("rotation_configuration", "expiration_days")
    if before is UNKNOWN or days is UNKNOWN:
        raise NotApplicable("rotation_configuration values are unknown during preview; checked at update")
    if before is None:
        return [f"rotation_configuration has no rotate_before_days. Set it to at least {min_before}."]
    before_days = as_int(before)
    if before_days is None:
        raise NotApplicable(f"rotate_before_days {before!r} is not a whole number")
    messages = []
    if before_days < min_before:
        messages.append(
            f"rotate_before_days is {before_days}; rotate at least {min_before} days before expiry "
            "(minRotateBeforeDays) so consumers have time to pick up the new token."
        )
    lifetime = as_int(days)
    if lifetime is not None and before_days >= lifetime:
        messages.append(
            f"rotate_before_days ({before_days}) is not below expiration_days ({lifetime}), so the "
            "token would be rotated on every update. Lower rotate_before_days."
        )
    return messages


token_rotation = token_policy(
    name="gitlab-token-rotation",
    description="GitLab tokens should rotate automatically, early enough before expiry.",
    check=check_rotation,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    config={
        "required": {
            "type": "boolean",
            "default": False,
            "description": "Every token must have a rotation_configuration.",
        },
        "minRotateBeforeDays": {
            "type": "integer",
            "minimum": 0,
            "default": 7,
            "description": "Smallest allowed rotation_configuration.rotate_before_days.",
        },
    },
    remediation_steps=(
        "Add `rotation_configuration` with `expiration_days` (the lifetime) and "
        "`rotate_before_days` >= minRotateBeforeDays and < expiration_days. Pulumi then "
        "replaces the token that many days before it expires, on the next `pulumi up`."
    ),
)
