"""``gitlab-token-expiring`` (advisory stack policy): live tokens that expire soon, unrotated.

Works on resource outputs. Config: ``withinDays`` (default 14), ``exclude``.
No remediation: the fix is a rotation (``pulumi up --replace``) or a
``rotation_configuration``.
"""

from __future__ import annotations

import datetime as dt

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import _clock as clock
from .config import ConfigError, config_int, excluding_pattern, load_config, schema
from .tokens import TOKEN_TYPES, Token, parse_date


def expiring_soon(token: Token, within_days: int, today: dt.date) -> int | None:
    """Days left if this created, live, unrotated token expires within ``within_days``; else None.

    Works on resource *outputs*. A token counts as created once the provider
    reported ``active``; revoked/inactive tokens and tokens with rotation (which
    renews them) are skipped, as is anything unknown.
    """
    if token.read("active") is not True or token.read("revoked") is True:
        return None
    if token.read("rotation_configuration") is not None:
        return None
    expiry = parse_date(token.read("expires_at"))
    if expiry is None:
        return None
    days_left = (expiry - today).days
    return days_left if days_left <= within_days else None


def validate_expiring(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    try:
        config = load_config(token_expiring, args.get_config())
        within_days = config_int(config, "withinDays", minimum=0)
        today = clock.today()
        for resource in args.resources:
            if resource.resource_type not in TOKEN_TYPES:
                continue
            if excluding_pattern(config, resource.name) is not None:
                continue
            token = Token(resource.resource_type, resource.name, resource.props)
            days_left = expiring_soon(token, within_days, today)
            if days_left is None:
                continue
            when = f"in {days_left} days" if days_left >= 0 else f"{-days_left} days ago"
            report_violation(
                f"Token '{resource.name}' expires {when} ({token.read('expires_at')}) and has no "
                "rotation_configuration. Rotate it now, or add rotation_configuration.",
                resource.urn,
            )
    except ConfigError as error:
        report_violation(str(error), None)


token_expiring = StackValidationPolicy(
    name="gitlab-token-expiring",
    description="GitLab tokens in the stack that expire soon and are not rotated automatically.",
    validate=validate_expiring,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    config_schema=schema(
        withinDays={
            "type": "integer",
            "minimum": 0,
            "default": 14,
            "description": "Report tokens whose expires_at is this many days away or fewer.",
        },
    ),
    remediation_steps=(
        "Rotate the token (`pulumi up --replace <urn>` issues a new one), or add "
        "`rotation_configuration` so Pulumi renews it before it expires."
    ),
)
