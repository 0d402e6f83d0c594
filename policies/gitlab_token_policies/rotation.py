"""``gitlab-token-rotation`` (advisory): tokens renew automatically, early enough.

What renewal means depends on the kind (``catalogue.TokenType.rotation``):

- access, personal and service-account tokens: ``rotation_configuration``
  rotates the token in place (a new value for the same user);
- our deploy and impersonation tokens: GitLab has no rotate API for them, so the
  ``rotation_configuration`` window *replaces* the token, create-before-delete:
  a new token with a new value and id. The same rules apply, and every message
  says that the window means replacement;
- pulumi-gitlab's deploy and impersonation tokens have no
  ``rotation_configuration`` at all: with ``required`` the policy requires an
  ``expires_at`` instead (a new ``expires_at`` replaces the token), and a
  scheduled replacement is the owner's job.

Config: ``required`` (default false), ``minRotateBeforeDays`` (default 7),
``exclude``. No remediation: choosing a rotation schedule is the owner's call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _catalogue as catalogue
from .config import NotApplicable, config_bool, config_int
from .resource_policy import token_policy
from .tokens import UNKNOWN, Token, as_int


def replacement_note(token: Token) -> str:
    """What a rotation window does to this kind of token, for messages ("" when it rotates in place)."""
    if token.kind.rotation != catalogue.ROTATION_REPLACES:
        return ""
    return (f" For {token.kind.label}s the rotation window means replacement: GitLab has no rotate API "
            "for them, so Pulumi creates a new token (new value, new id) before it deletes the old one.")


def _without_rotation_input(token: Token, required: bool) -> list[str]:
    """A kind whose resource has no rotation_configuration: with ``required``, an expiry stands in."""
    why = (f"A {token.kind.label} of this resource type cannot rotate automatically: the resource has no "
           "rotation_configuration")
    if token.kind.family == "deploy":
        why += " and GitLab has no rotate API for deploy tokens"
    if not required:
        raise NotApplicable(f"{why}, and rotation is not required")
    expires_at = token.read("expires_at")
    if expires_at is UNKNOWN:
        raise NotApplicable("expires_at is unknown during preview; checked at update")
    if expires_at in (None, ""):
        return [f"{why}. Rotation is required, so the token must at least expire: set expires_at, and "
                "replace the token before then (a new expires_at replaces it)."]
    return []


def check_rotation(token: Token, config: Mapping[str, Any]) -> list[str]:
    required = config_bool(config, "required")
    min_before = config_int(config, "minRotateBeforeDays", minimum=0)
    if token.kind.rotation == catalogue.NO_ROTATION_INPUT:
        return _without_rotation_input(token, required)
    if token.kind.rotation == catalogue.NO_EXPIRY:
        raise NotApplicable(f"GitLab keeps no expiry for a {token.kind.label}, so there is nothing to rotate")
    note = replacement_note(token)

    rotation = token.read("rotation_configuration")
    if rotation is UNKNOWN:
        raise NotApplicable("rotation_configuration is unknown during preview; checked at update")
    if not isinstance(rotation, Mapping):
        if required:
            return [
                "The token has no rotation_configuration. Add one with expiration_days and "
                f"rotate_before_days >= {min_before}.{note}"
            ]
        raise NotApplicable("the token has no rotation_configuration and rotation is not required")

    before = token.read("rotation_configuration", "rotate_before_days")
    days = token.read("rotation_configuration", "expiration_days")
    if before is UNKNOWN or days is UNKNOWN:
        raise NotApplicable("rotation_configuration values are unknown during preview; checked at update")
    if before is None:
        return [f"rotation_configuration has no rotate_before_days. Set it to at least {min_before}.{note}"]
    before_days = as_int(before)
    if before_days is None:
        raise NotApplicable(f"rotate_before_days {before!r} is not a whole number")
    messages = []
    if before_days < min_before:
        messages.append(
            f"rotate_before_days is {before_days}; rotate at least {min_before} days before expiry "
            f"(minRotateBeforeDays) so consumers have time to pick up the new token.{note}"
        )
    lifetime = as_int(days)
    if lifetime is not None and before_days >= lifetime:
        replaced = "replaced" if note else "rotated"
        messages.append(
            f"rotate_before_days ({before_days}) is not below expiration_days ({lifetime}), so the "
            f"token would be {replaced} on every update. Lower rotate_before_days.{note}"
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
        "renews the token that many days before it expires, on the next `pulumi up` (a rotation in "
        "place; for our deploy and impersonation tokens a replacement, create-before-delete, as GitLab "
        "cannot rotate them). pulumi-gitlab's deploy and impersonation tokens have no "
        "rotation_configuration: give them an `expires_at` and replace them before it."
    ),
)
