"""CrossGuard policies for GitLab access tokens.

This module only *defines* the policies; ``__main__.py`` builds the
``PolicyPack`` from :data:`POLICIES`. (Constructing a ``PolicyPack`` starts a
gRPC server and blocks forever, so it must never happen on import: the unit
tests import this module.)

How the module is laid out, top to bottom:

1. Reading token properties (:class:`Token`): one accessor for both input
   spellings (ours are ``snake_case``; pulumi-gitlab's reach the engine as
   ``camelCase``) that turns values unknown at preview into :data:`UNKNOWN`
   instead of an exception.
2. Config (:func:`load_config`): schema defaults, ``exclude`` regexes, and
   config errors reported as violations rather than crashes.
3. The glue (:func:`token_policy`) that turns a small ``check`` function into
   a ``ResourceValidationPolicy``: type filter, exclusions, not-applicable.
4. One section per policy: its check, optional remediation, and the policy.

Every fact about GitLab (scopes, access levels, type tokens) comes from
``pulumi_gitlab_tokens.catalogue``; "today" comes from ``clock.today()`` so
tests can pin it with ``GITLAB_TESTING_TIME``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Final, Optional

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import proxy as _proxy
from pulumi_policy.proxy import UnknownValueError

from pulumi_gitlab_tokens import catalogue, clock
from pulumi_gitlab_tokens.inputs import integral

#: The pack's name as the CLI shows it (``gitlab-tokens@v0.1.0``).
PACK_NAME: Final[str] = "gitlab-tokens"

#: Resource types the pack inspects: ours and pulumi-gitlab's.
TOKEN_TYPES: Final = catalogue.TOKEN_TYPES


# ---------------------------------------------------------------------------
# 1. Reading token properties
# ---------------------------------------------------------------------------


class _Unknown:
    """Marker for a value the engine does not know yet (during preview)."""

    _instance: Optional["_Unknown"] = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown during preview>"


#: Returned by :meth:`Token.read` for a value unknown during preview.
UNKNOWN: Final = _Unknown()

# The engine's sentinel strings for unknown values. Analyze wraps props in
# pulumi_policy's unknown-checking proxy (reads raise UnknownValueError), but
# Remediate does not, so the raw sentinels must be recognised as well.
_UNKNOWN_SENTINELS: Final[frozenset[str]] = frozenset(
    {
        _proxy.UNKNOWN_BOOLEAN_VALUE,
        _proxy.UNKNOWN_NUMBER_VALUE,
        _proxy.UNKNOWN_STRING_VALUE,
        _proxy.UNKNOWN_ARRAY_VALUE,
        _proxy.UNKNOWN_ASSET_VALUE,
        _proxy.UNKNOWN_ARCHIVE_VALUE,
        _proxy.UNKNOWN_OBJECT_VALUE,
    }
)


def _is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in _UNKNOWN_SENTINELS


def camel_case(snake: str) -> str:
    """``"rotate_before_days"`` -> ``"rotateBeforeDays"`` (pulumi-gitlab's wire spelling)."""
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class KnownItems:
    """The known entries of a list input, and whether any entry was unknown."""

    items: tuple[Any, ...]
    has_unknown: bool


class Token:
    """One token resource's properties, read the same way whatever their spelling.

    Field names are always given in ``snake_case``; :meth:`read` tries that
    spelling and then the ``camelCase`` one. It never raises for a missing or
    unknown value: missing (or null) gives ``None``, unknown gives
    :data:`UNKNOWN`. Policies therefore decide explicitly what an unknown means.
    """

    def __init__(self, resource_type: str, name: str, props: Mapping[str, Any]) -> None:
        self.resource_type = resource_type
        #: The Pulumi resource name (what ``exclude`` matches), not the token's ``name`` input.
        self.resource_name = name
        self.props = props

    def read(self, *path: str) -> Any:
        """The value at ``path`` (e.g. ``"rotation_configuration", "expiration_days"``)."""
        value: Any = self.props
        for field in path:
            if value is UNKNOWN:
                return UNKNOWN
            if not isinstance(value, Mapping):
                return None
            value = _lookup(value, field)
        return value

    def read_list(self, *path: str) -> KnownItems | _Unknown | None:
        """A list input: its known items, ``UNKNOWN`` if the whole list is, or ``None``."""
        value = self.read(*path)
        if value is None or value is UNKNOWN:
            return value
        if isinstance(value, str) or not isinstance(value, Sequence):
            return None
        items: list[Any] = []
        has_unknown = False
        for index in range(len(value)):
            try:
                item = value[index]
            except UnknownValueError:
                has_unknown = True
                continue
            if _is_unknown(item):
                has_unknown = True
            else:
                items.append(item)
        return KnownItems(tuple(items), has_unknown)

    def write(self, value: Any, *path: str) -> None:
        """Set the (existing) field at ``path`` in place, keeping its spelling.

        Writing through the mapping the engine handed us matters: in Remediate
        it is pulumi_policy's secrets-preserving proxy, so a value replacing a
        secret stays secret and every other key (including ``__provider``) is
        passed back untouched.
        """
        *parents, field = path
        target: Any = self.props
        for parent in parents:
            target = target[_spelling(target, parent)]
        target[_spelling(target, field)] = value


def _lookup(mapping: Mapping[str, Any], field: str) -> Any:
    """``mapping[field]`` in either spelling; ``None`` if absent, ``UNKNOWN`` if unknown."""
    for key in (field, camel_case(field)):
        try:
            value = mapping[key]
        except KeyError:
            continue
        except UnknownValueError:
            return UNKNOWN
        return UNKNOWN if _is_unknown(value) else value
    return None


def _spelling(mapping: Mapping[str, Any], field: str) -> str:
    """The key under which ``field`` is stored in ``mapping`` (for writes)."""
    for key in (field, camel_case(field)):
        try:
            mapping[key]
        except KeyError:
            continue
        except UnknownValueError:
            pass  # present, merely unknown
        return key
    raise KeyError(field)


def as_int(value: Any) -> int | None:
    """A whole number from an int, an integral float (gRPC Structs carry floats) or a digit string."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return integral(value)


def level_value(level: Any) -> int:
    """GitLab's number for an access level given as a name, number, float or numeric string."""
    number = as_int(level)
    return catalogue.access_level_value(number if number is not None else level)


def parse_date(value: Any) -> dt.date | None:
    """A ``YYYY-MM-DD`` date (a longer ISO timestamp is cut to its date), else ``None``."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# 2. Config
# ---------------------------------------------------------------------------


class ConfigError(ValueError):
    """A config value the policy cannot use. Reported as a violation naming the key."""

    def __init__(self, key: str, problem: str) -> None:
        if len(problem) > _MAX_PROBLEM:  # a huge config value must not flood the report
            problem = problem[:_MAX_PROBLEM] + "..."
        super().__init__(
            f"policy config '{key}': {problem}. Fix it in the --policy-pack-config file."
        )


_MAX_PROBLEM = 300


def shown(value: Any) -> str:
    """A value for a message: short scalars as they are, containers (engine proxies) by kind."""
    if value is None or isinstance(value, (str, int, float, bool)):
        text = repr(value)
        return text if len(text) <= 80 else text[:80] + "...'"
    if isinstance(value, Mapping):
        return "a mapping"
    return "a list" if isinstance(value, Sequence) else f"a {type(value).__name__}"


class NotApplicable(Exception):
    """Raised by a check when it cannot judge this token (for example a value unknown at preview)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: ``exclude`` is accepted by every policy (documented exemptions).
EXCLUDE_PROPERTY: Final[dict[str, Any]] = {
    "type": "array",
    "items": {"type": "string"},
    "default": [],
    "description": "Regular expressions on Pulumi resource names; a matching resource is skipped.",
}


def schema(**properties: dict[str, Any]) -> PolicyConfigSchema:
    """A config schema with the policy's own properties plus ``exclude``."""
    return PolicyConfigSchema(properties={**properties, "exclude": EXCLUDE_PROPERTY})


def schema_defaults(policy: Policy) -> dict[str, Any]:
    """The ``default`` of every property in a policy's config schema."""
    if policy.config_schema is None:
        return {}
    return {
        key: prop["default"]
        for key, prop in policy.config_schema.properties.items()
        if "default" in prop
    }


def load_config(policy: Policy, given: Mapping[str, Any]) -> dict[str, Any]:
    """The policy's config: schema defaults overlaid with what the engine passed.

    The engine already fills defaults before ``Configure``; applying them here
    too keeps a policy correct when called directly (tests, other packs).
    """
    return {**schema_defaults(policy), **dict(given)}


@lru_cache(maxsize=128)
def compile_pattern(key: str, pattern: str) -> re.Pattern[str]:
    """Compile a regex from config, or raise :class:`ConfigError` naming ``key``."""
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ConfigError(key, f"{pattern!r} is not a valid regular expression ({error})") from None


def excluding_pattern(config: Mapping[str, Any], resource_name: str) -> str | None:
    """The first ``exclude`` regex that matches ``resource_name`` (``re.search``), if any."""
    patterns = config.get("exclude") or []
    if isinstance(patterns, str) or not isinstance(patterns, Sequence):
        raise ConfigError("exclude", "must be a list of regular expressions")
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise ConfigError("exclude", f"{pattern!r} is not a string")
        if compile_pattern("exclude", pattern).search(resource_name):
            return pattern
    return None


def config_int(config: Mapping[str, Any], key: str, minimum: int = 0) -> int:
    """A whole-number config value (the engine delivers numbers as floats)."""
    value = as_int(config.get(key))
    if value is None or value < minimum:
        raise ConfigError(key, f"{config.get(key)!r} is not a whole number >= {minimum}")
    return value


def config_bool(config: Mapping[str, Any], key: str) -> bool:
    value = config.get(key)
    if not isinstance(value, bool):
        raise ConfigError(key, f"{value!r} is not true or false")
    return value


def config_scopes(config: Mapping[str, Any], key: str) -> frozenset[str]:
    """A list of scope names; unknown names are an error so a typo cannot silently allow a scope."""
    value = config.get(key)
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ConfigError(key, "must be a list of scope names")
    # Entries may be anything the config file holds (lists, numbers): never hash them blindly.
    unknown = [shown(s) for s in value if not isinstance(s, str) or s not in catalogue.ALL_SCOPES]
    if unknown:
        raise ConfigError(key, f"{', '.join(unknown)} are not GitLab token scopes")
    return frozenset(value)


# ---------------------------------------------------------------------------
# 3. Glue: from a check function to a policy
# ---------------------------------------------------------------------------

#: A check looks at one token and returns violation messages (empty: compliant).
#: It raises NotApplicable when it cannot judge, ConfigError on bad config.
Check = Callable[[Token, Mapping[str, Any]], list[str]]

#: A fix changes the token in place (via Token.write) and says whether it did.
Fix = Callable[[Token, Mapping[str, Any]], bool]


def token_policy(
    *,
    name: str,
    description: str,
    check: Check,
    enforcement_level: EnforcementLevel,
    severity: Severity,
    config: dict[str, dict[str, Any]],
    remediation_steps: str,
    fix: Fix | None = None,
) -> ResourceValidationPolicy:
    """Build a resource policy that runs ``check`` on every GitLab token resource.

    The wrapper does what every policy needs, so checks stay a few lines:
    skip other resource types, apply ``exclude``, turn :class:`NotApplicable`
    into ``args.not_applicable`` and :class:`ConfigError` into a violation.
    """
    policy: ResourceValidationPolicy

    def prepare(args: ResourceValidationArgs) -> tuple[Token, dict[str, Any], str | None] | None:
        """(token, config, matching exclude pattern), or None for other resource types."""
        if args.resource_type not in TOKEN_TYPES:
            return None
        settings = load_config(policy, args.get_config())
        excluded_by = excluding_pattern(settings, args.name)
        return Token(args.resource_type, args.name, args.props), settings, excluded_by

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        try:
            prepared = prepare(args)
            if prepared is None:
                return
            token, settings, excluded_by = prepared
            if excluded_by is not None:
                raise NotApplicable(f"resource '{args.name}' is excluded by exclude pattern {excluded_by!r}")
            for message in check(token, settings):
                report_violation(message, None)
        except ConfigError as error:
            report_violation(str(error), None)
        except NotApplicable as reason:
            args.not_applicable(reason.reason)

    def remediate(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
        assert fix is not None
        try:
            prepared = prepare(args)
            if prepared is None or prepared[2] is not None:
                return None
            token, settings, _ = prepared
            # The full props mapping, edited in place, so __provider and every
            # other input reach the engine unchanged.
            return args.props if fix(token, settings) else None
        except (ConfigError, NotApplicable):
            return None  # validation reports config errors; nothing safe to change

    policy = ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        remediate=remediate if fix is not None else None,
        enforcement_level=enforcement_level,
        config_schema=schema(**config),
        severity=severity,
        remediation_steps=remediation_steps,
    )
    return policy


def _names(values: Sequence[str]) -> str:
    return ", ".join(values)


# ---------------------------------------------------------------------------
# 4. The policies
# ---------------------------------------------------------------------------

# --- gitlab-token-scopes ----------------------------------------------------

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


# --- gitlab-token-lifetime --------------------------------------------------


def check_lifetime(token: Token, config: Mapping[str, Any]) -> list[str]:
    """``rotation_configuration.expiration_days`` if set, else days from today to ``expires_at``.

    A rotation-configured token may also carry an ``expires_at`` our
    provider's check() planned from ``expiration_days``; the days are what the
    user chose, so they win and the planned date is never judged.
    """
    max_days = config_int(config, "maxDays", minimum=1)
    require_expiry = config_bool(config, "requireExpiry")

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
            return [
                f"The token never expires. Set expires_at (at most {max_days} days from today) "
                f"or rotation_configuration.expiration_days (at most {max_days})."
            ]
        return []
    expiry = parse_date(expires_at)
    if expiry is None:
        raise NotApplicable(f"expires_at {expires_at!r} is not a YYYY-MM-DD date")
    today = clock.today()
    lifetime = (expiry - today).days
    if lifetime > max_days:
        latest = today + dt.timedelta(days=max_days)
        return [
            f"expires_at {expiry.isoformat()} is {lifetime} days from today, above the limit of "
            f"{max_days} days (maxDays). Set expires_at to {latest.isoformat()} or earlier, "
            "or use rotation_configuration."
        ]
    return []


def shorten_lifetime(token: Token, config: Mapping[str, Any]) -> bool:
    """Clamp what :func:`check_lifetime` judged: ``expiration_days`` to maxDays, else ``expires_at``.

    Only ever shortens a lifetime that is set; it never invents an expiry
    (whether to use a date or rotation is the owner's choice). When
    ``expiration_days`` is clamped, a planned ``expires_at`` beside it is
    clamped too, so the stale, longer date cannot reach GitLab.
    """
    max_days = config_int(config, "maxDays", minimum=1)
    latest = clock.today() + dt.timedelta(days=max_days)
    expiry = parse_date(token.read("expires_at"))
    clamp_date = expiry is not None and expiry > latest

    if isinstance(token.read("rotation_configuration"), Mapping):
        days = token.read("rotation_configuration", "expiration_days")
        if days is not None:  # rotation decides; the date is only a plan
            lifetime = None if days is UNKNOWN else as_int(days)
            if lifetime is None or lifetime <= max_days:
                return False
            token.write(max_days, "rotation_configuration", "expiration_days")
            if clamp_date:
                token.write(latest.isoformat(), "expires_at")
            return True

    if clamp_date:
        token.write(latest.isoformat(), "expires_at")
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


# --- gitlab-token-rotation --------------------------------------------------


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


# --- gitlab-token-access-level ----------------------------------------------


def check_access_level(token: Token, config: Mapping[str, Any]) -> list[str]:
    """Compare with GitLab's own rule (``catalogue.may_assign``), not plain numbers.

    A Planner holds permissions a Maintainer lacks, so ``maxAccessLevel:
    maintainer`` does not allow planner tokens, exactly as GitLab would not let
    a Maintainer mint one.
    """
    try:
        max_level = level_value(config.get("maxAccessLevel"))
    except ValueError as error:
        raise ConfigError("maxAccessLevel", str(error)) from None
    if token.resource_type == catalogue.PULUMI_GITLAB_PERSONAL_TOKEN_TYPE:
        raise NotApplicable("personal access tokens have no access level")

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
    why = " (a planner has permissions other roles lack)" if value <= max_level else ""
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


# --- gitlab-token-description -----------------------------------------------


def check_description(token: Token, config: Mapping[str, Any]) -> list[str]:
    description = token.read("description")
    if description is UNKNOWN:
        raise NotApplicable("description is unknown during preview; checked at update")
    if not isinstance(description, str) or not description.strip():
        return [
            "The token has no description. Say who uses it and why; it is shown in GitLab's "
            "token list and helps whoever has to revoke or rotate it."
        ]
    return []


token_description = token_policy(
    name="gitlab-token-description",
    description="GitLab tokens must have a description.",
    check=check_description,
    enforcement_level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    config={},
    remediation_steps="Set `description` on the token: its consumer and purpose, and an owner to contact.",
)


# --- gitlab-token-name ------------------------------------------------------


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


# --- gitlab-token-expiring (stack policy) -----------------------------------


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


#: Every policy in the pack, in the order the CLI lists them.
POLICIES: Final[list[Policy]] = [
    token_scopes,
    token_lifetime,
    token_rotation,
    token_access_level,
    token_description,
    token_name,
    token_expiring,
]
