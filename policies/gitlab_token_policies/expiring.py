"""``gitlab-token-expiring`` (advisory stack policy): live tokens that expire soon, unrotated,
and expired tokens near the end of GitLab's retention of inactive tokens.

Works on resource outputs. Config: ``withinDays`` (default 14),
``inactiveRetentionDays`` (default 30), ``retentionWarningDays`` (default 7),
``exclude``. No remediation: the fix is a rotation (``pulumi up --replace``)
or a ``rotation_configuration``.

Retention: GitLab deletes an inactive token family and its bot user once its
last token has been inactive for ``inactive_resource_access_tokens_delete_after_days``
(30 by default). Until then an expired token can be rotated back to life by
its id; after it, only a new token with a new bot user can take its place.
A token becomes inactive at its ``expires_at`` or when revoked, whichever comes
first; the outputs hold no revocation date, so the window is counted from
``expires_at``: for a revoked token that is the latest it can end. Retention
concerns project and group access tokens only (their bot users); personal,
service-account and deploy tokens are never deleted by it.

Per kind: a token is created once its outputs say ``active`` (access,
personal and service-account tokens) or ``expired`` (deploy tokens, which have
no ``active``). A token with ``rotation_configuration`` renews itself (for our
deploy and impersonation tokens by replacement); pulumi-gitlab's deploy and impersonation tokens
cannot, so their report says to give them a new ``expires_at`` (which replaces them).
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

from . import _catalogue as catalogue
from . import _clock as clock
from .config import ConfigError, config_int, load_config, schema, stack_tokens
from .tokens import Token, parse_date


def expiring_soon(token: Token, within_days: int, today: dt.date) -> int | None:
    """Days left if this created, live, unrotated token expires within ``within_days``; else None.

    Works on resource *outputs*. A token counts as created once the provider
    reported ``active`` (or, for deploy tokens, ``expired``); revoked/inactive
    tokens and tokens with rotation (which renews them) are skipped, as is
    anything unknown.
    """
    if not _is_live(token):
        return None
    if token.read("rotation_configuration") is not None:
        return None
    expiry = parse_date(token.read("expires_at"))
    if expiry is None:
        return None
    days_left = (expiry - today).days
    return days_left if days_left <= within_days else None


def _is_live(token: Token) -> bool:
    """Created and neither revoked nor inactive, by whichever state output the kind has."""
    if token.read("revoked") is True:
        return False
    active = token.read("active")
    if isinstance(active, bool):
        return active
    # Deploy tokens report only `expired`; an expired one is still reported (its expiry passed).
    return isinstance(token.read("expired"), bool)


def retention_days_left(token: Token, retention_days: int, warning_days: int, today: dt.date) -> int | None:
    """Days until GitLab's retention deletes this expired token's family (0 or less: deleted), if at most
    ``warning_days``; else None.

    Counts from ``expires_at`` (see the module docstring). A token not created
    yet, not expired, or with anything unknown is skipped; so is every token
    when ``retention_days`` is 0 (retention turned off, the setting left blank).
    Rotation does not matter: it is what the window limits.
    """
    if not token.kind.retention_deletes or retention_days == 0 or not isinstance(token.read("active"), bool):
        return None
    expiry = parse_date(token.read("expires_at"))
    if expiry is None or expiry > today:
        return None
    days_left = (expiry + dt.timedelta(days=retention_days) - today).days
    return days_left if days_left <= warning_days else None


def retention_message(name: str, expiry: str, days_left: int, retention_days: int) -> str:
    """The report for a token inside the warning days of GitLab's retention window, or past it."""
    rule = (f"GitLab deletes an inactive token family and its bot user {retention_days} days after it became "
            f"inactive (inactive_resource_access_tokens_delete_after_days)")
    if days_left <= 0:
        return (f"Token '{name}' expired on {expiry}, past GitLab's retention window: {rule}, so rotation can "
                "no longer bring it back. A new token with a new bot user has to replace it (the next "
                "`pulumi up` makes one for a token with rotation_configuration).")
    days = f"{days_left} day" if days_left == 1 else f"{days_left} days"
    return (f"Token '{name}' expired on {expiry}; its retention window ends in {days}: {rule}, and "
            "after that rotation can no longer bring it back. Run `pulumi up` before then to rotate it "
            "(tokens with rotation_configuration), or replace it.")


def renewal_advice(token: Token) -> str:
    """How to renew this kind of token before it expires."""
    kind = token.kind
    if kind.rotation == catalogue.NO_ROTATION_INPUT:
        return (f"A {kind.label} of this resource type cannot rotate: give it a new expires_at (which "
                "replaces it) or replace it now (`pulumi up --replace`).")
    if kind.rotation == catalogue.ROTATION_REPLACES:
        return (f"Replace it now, or add rotation_configuration: GitLab cannot rotate {kind.label}s, so "
                "its rotation window replaces it with a new one.")
    return "Rotate it now, or add rotation_configuration."


def validate_expiring(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    try:
        config = load_config(token_expiring, args.get_config())
        within_days = config_int(config, "withinDays", minimum=0)
        retention_days = config_int(config, "inactiveRetentionDays", minimum=0)
        warning_days = config_int(config, "retentionWarningDays", minimum=0)
        today = clock.today()
        for resource, token in stack_tokens(args.resources, config):
            retention_left = retention_days_left(token, retention_days, warning_days, today)
            if retention_left is not None:
                # The more urgent report: past this window an expiry warning comes too late.
                report_violation(
                    retention_message(resource.name, str(token.read("expires_at")), retention_left, retention_days),
                    resource.urn,
                )
                continue
            days_left = expiring_soon(token, within_days, today)
            if days_left is None:
                continue
            when = f"in {days_left} days" if days_left >= 0 else f"{-days_left} days ago"
            report_violation(
                f"Token '{resource.name}' expires {when} ({token.read('expires_at')}) and has no "
                f"rotation_configuration. {renewal_advice(token)}",
                resource.urn,
            )
    except ConfigError as error:
        report_violation(str(error), None)


token_expiring = StackValidationPolicy(
    name="gitlab-token-expiring",
    description=(
        "GitLab tokens in the stack that expire soon and are not rotated automatically, or that expired and "
        "near the end of GitLab's retention of inactive tokens."
    ),
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
        inactiveRetentionDays={
            "type": "integer",
            "minimum": 0,
            "default": 30,
            "description": (
                "GitLab's inactive_resource_access_tokens_delete_after_days: days after expiry (or revocation) "
                "when GitLab deletes the token family and its bot user. 0: retention is off."
            ),
        },
        retentionWarningDays={
            "type": "integer",
            "minimum": 0,
            "default": 7,
            "description": "Report expired tokens this many days or fewer before their retention window ends.",
        },
    ),
    remediation_steps=(
        "Rotate the token (`pulumi up --replace <urn>` issues a new one), or add "
        "`rotation_configuration` so Pulumi renews it before it expires."
    ),
)
