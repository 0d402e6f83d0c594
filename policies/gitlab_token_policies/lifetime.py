"""``gitlab-token-lifetime`` (mandatory, remediable): tokens expire, within ``maxDays``.

Config: ``maxDays`` (default 90), ``requireExpiry`` (default true), ``exclude``.
Remediation clamps ``rotation_configuration.expiration_days`` to maxDays, or
else ``expires_at`` to today + maxDays, in the date's own format (deploy tokens
take RFC 3339 timestamps); it never invents an expiry.

Every kind is judged the same way; only the advice differs: pulumi-gitlab's
deploy and impersonation tokens have no ``rotation_configuration``, so for them
the only lifetime is ``expires_at``. Deploy tokens never expire unless told to
(GitLab keeps no lifetime limit for them), so ``requireExpiry`` matters most there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _catalogue as catalogue
from . import _clock as clock
from .config import NotApplicable, config_bool, config_int
from .resource_policy import token_policy
from .tokens import UNKNOWN, Token, as_int, parse_date, shown


def check_lifetime(token: Token, config: Mapping[str, Any]) -> list[str]:
    """``rotation_configuration.expiration_days`` if set, else days from today to ``expires_at``.

    A rotation-configured token may also carry an ``expires_at`` our
    provider's check() planned from ``expiration_days``; the days are what the
    user chose, so they win and the planned date is never judged.
    """
    max_days = config_int(config, "maxDays", minimum=1)
    require_expiry = config_bool(config, "requireExpiry")
    if token.kind.rotation == catalogue.NO_EXPIRY:
        raise NotApplicable(f"GitLab keeps no expiry for a {token.kind.label}: it lives until it is deleted")

    rotation = token.read("rotation_configuration")
    if isinstance(rotation, Mapping):
        days = token.read("rotation_configuration", "expiration_days")
        if days is UNKNOWN:
            raise NotApplicable(
                "rotation_configuration.expiration_days is unknown during preview; checked at update"
            )
        if days is not None:
            lifetime = as_int(days)
            if lifetime is None:
                raise NotApplicable(f"expiration_days {days!r} is not a whole number")
            if lifetime > max_days:
                return [
                    f"rotation_configuration.expiration_days is {lifetime}, above the limit of "
                    f"{max_days} days (maxDays). Set expiration_days to {max_days} or less."
                ]
            return []

    expires_at = token.read("expires_at")
    if expires_at is UNKNOWN:
        raise NotApplicable("expires_at is unknown during preview; checked at update")
    if expires_at in (None, ""):
        if rotation is UNKNOWN:
            raise NotApplicable("rotation_configuration is unknown during preview; checked at update")
        if require_expiry:
            alternative = (f" or rotation_configuration.expiration_days (at most {max_days})"
                           if _has_rotation_input(token) else "")
            return [
                f"The token never expires. Set expires_at (at most {max_days} days from today)"
                f"{alternative}."
            ]
        return []
    expiry = parse_date(expires_at)
    if expiry is None:
        raise NotApplicable(f"expires_at {shown(expires_at)} cannot be read as a date (YYYY-MM-DD or an RFC 3339 "
                            "time), so its lifetime cannot be judged")
    today = clock.today()
    lifetime = (expiry - today).days
    if lifetime > max_days:
        latest = today + dt.timedelta(days=max_days)
        return [
            f"expires_at {expiry.isoformat()} is {lifetime} days from today, above the limit of "
            f"{max_days} days (maxDays). Set expires_at to {latest.isoformat()} or earlier"
            + (", or use rotation_configuration." if _has_rotation_input(token) else ".")
        ]
    return []


def _has_rotation_input(token: Token) -> bool:
    return token.kind.rotation != catalogue.NO_ROTATION_INPUT


def _in_format_of(original: Any, date: dt.date) -> str:
    """``date`` written like ``original``: a timestamp keeps its time and zone, so it stays a valid input."""
    text = date.isoformat()
    return text + original[10:] if isinstance(original, str) and len(original) > 10 else text


def shorten_lifetime(token: Token, config: Mapping[str, Any]) -> bool:
    """Clamp what :func:`check_lifetime` judged: ``expiration_days`` to maxDays, else ``expires_at``.

    Only ever shortens a lifetime that is set; it never invents an expiry
    (whether to use a date or rotation is the owner's choice). When
    ``expiration_days`` is clamped, a planned ``expires_at`` beside it is
    clamped too, so the stale, longer date cannot reach GitLab.
    """
    max_days = config_int(config, "maxDays", minimum=1)
    latest = clock.today() + dt.timedelta(days=max_days)
    expires_at = token.read("expires_at")
    expiry = parse_date(expires_at)
    clamp_date = expiry is not None and expiry > latest
    clamped = _in_format_of(expires_at, latest)

    if isinstance(token.read("rotation_configuration"), Mapping):
        days = token.read("rotation_configuration", "expiration_days")
        if days is not None:  # rotation decides; the date is only a plan
            lifetime = None if days is UNKNOWN else as_int(days)
            if lifetime is None or lifetime <= max_days:
                return False
            token.write(max_days, "rotation_configuration", "expiration_days")
            if clamp_date:
                token.write(clamped, "expires_at")
            return True

    if clamp_date:
        token.write(clamped, "expires_at")
    return clamp_date


token_lifetime = token_policy(
    name="gitlab-token-lifetime",
    description="GitLab tokens must expire, and within the allowed number of days.",
    check=check_lifetime,
    fix=shorten_lifetime,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config={
        "maxDays": {
            "type": "integer",
            "minimum": 1,
            "default": 90,
            "description": "Longest allowed lifetime in days (expires_at from today, or expiration_days).",
        },
        "requireExpiry": {
            "type": "boolean",
            "default": True,
            "description": "A token with neither expires_at nor rotation_configuration is a violation.",
        },
    },
    remediation_steps=(
        "Give the token `expires_at` no more than maxDays days ahead, or better, a "
        "`rotation_configuration` with `expiration_days` <= maxDays so it is renewed "
        "automatically. At the remediate level the pack clamps expiration_days to maxDays, or "
        "else expires_at to today + maxDays (a clamped static date moves every day, so fix "
        "the program too)."
    ),
)
