"""Normalise and validate a token's inputs: everything GitLab would reject, caught at preview.

:func:`check_inputs` is the body of the provider's ``check``. It never raises,
whatever it is given (wrong types, ``None``, nested junk): each problem
becomes one :class:`~pulumi.dynamic.CheckFailure` naming the property and the
fix. It returns the normalised inputs - access level as its canonical name,
scopes lower-cased without duplicates, ``expires_at`` set to the planned date
(see :mod:`pulumi_gitlab_tokens.rules.rotation`) - which Pulumi stores as the
resource's inputs and hands to ``diff``, ``create`` and ``update``.

Values still unknown during a preview (an output of another resource) are
passed through unchecked; they are checked again when known.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown
from pulumi.runtime import rpc

from ..common import catalogue, characters
from ..common.config_keys import MAX_LIFETIME_KEY
from . import ownership, references
from .rotation import PreviousToken, RotationConfiguration, WantedExpiry, decide

if TYPE_CHECKING:  # the kinds import this module's parsers
    from ..kinds.base import TokenKind

_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: RFC 3339's date-time (pulumi-gitlab writes deploy tokens' ``expires_at`` this way).
_RFC3339_PATTERN = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
_DATE_FORMATS = "write it as YYYY-MM-DD, like '2027-01-31', or as midnight UTC, like '2027-01-31T00:00:00Z'"
_ROTATION_FIELDS = {
    "expiration_days": "expiration_days",
    "expirationDays": "expiration_days",
    "rotate_before_days": "rotate_before_days",
    "rotateBeforeDays": "rotate_before_days",
    "grace_period_days": "grace_period_days",
    "gracePeriodDays": "grace_period_days",
}


def is_unknown(value: object) -> bool:
    """Whether ``value`` is a preview-time unknown as the provider receives it."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def input_keys(kind: TokenKind) -> tuple[str, ...]:
    """The kind's input names, in the order it declares them."""
    return kind.input_names


class _Problems:
    """Collects failures: one per property, the first found wins."""

    def __init__(self) -> None:
        self.failures: list[CheckFailure] = []
        self._seen: set[str] = set()

    def add(self, prop: str, reason: str) -> None:
        # Property names and reasons may quote what the program passed: escape
        # what would forge a line or reorder text where the CLI prints them.
        prop, reason = characters.escape_unsafe(prop), characters.escape_unsafe(reason)
        if prop not in self._seen:
            self._seen.add(prop)
            self.failures.append(CheckFailure(prop, reason))


def check_inputs(
    kind: TokenKind,
    olds: Mapping[str, Any] | None,
    news: Mapping[str, Any] | None,
    today: dt.date,
    max_lifetime_days: int = catalogue.MAX_LIFETIME_DAYS,
) -> tuple[dict[str, Any], list[CheckFailure]]:
    """Validate ``news`` against GitLab's rules and plan the expiry date.

    ``olds`` are the previous checked inputs (empty on create). Returns the
    normalised inputs and the failures; when there are failures the inputs
    are the best effort (a value that failed is kept as written, for the
    analyzers the engine still runs) and are never sent to GitLab.
    """
    news = _plain_mapping(news)
    olds = _plain_mapping(olds)
    max_lifetime_days = kind.lifetime.most_days(max_lifetime_days, today)
    problems = _Problems()
    out: dict[str, Any] = {}

    for key in sorted(news, key=str):
        if key == "__provider" or key in input_keys(kind):
            continue
        if news[key] is None:
            continue
        prop = str(key) or repr(key)
        if key in kind.computed_outputs:
            problems.add(prop, f"{key} is computed by GitLab and cannot be set")
        else:
            valid = ", ".join(input_keys(kind))
            problems.add(prop, f"{prop} is not an input of {kind.resource_name}; the inputs are: {valid}")

    for declared in kind.inputs:
        if declared.parse is None:
            continue  # the expiry inputs, checked and planned together below
        value = news.get(declared.name)
        if value is None:
            value = declared.default
        if declared.optional and (value is None or (declared.empty_is_absent and value == "")):
            continue
        parse = declared.parse
        _check_field(out, problems, declared.name, value, lambda v, parse=parse: parse(kind, v))

    _check_expiry(kind, out, problems, olds, news, today, max_lifetime_days)
    return out, problems.failures


def _check_field(
    out: dict[str, Any],
    problems: _Problems,
    prop: str,
    value: Any,
    parse: Callable[[Any], Any],
) -> None:
    if is_unknown(value):
        out[prop] = value
        return
    try:
        out[prop] = parse(value)
    except ValueError as err:
        out[prop] = value  # as written, so a policy pack judges what the program said, not an absence
        problems.add(prop, str(err))


def _plain_mapping(value: Any) -> dict[str, Any]:
    """A dict with secrets unwrapped; anything that is not a mapping becomes empty."""
    value = rpc.unwrap_rpc_secret(value)
    if not isinstance(value, Mapping):
        return {}
    return {k: rpc.unwrap_rpc_secret(v) for k, v in value.items()}


# --- single properties -------------------------------------------------------


# Each takes the kind and the value, as a kind's field declares them (see :mod:`.kinds.base`).


def parse_parent(kind: TokenKind, value: Any) -> str:
    """The parent's id or full path, as GitLab is asked about it."""
    return references.parse_reference(kind, value)


def parse_name(_kind: TokenKind, value: Any) -> str:
    if value is None:
        raise ValueError("name is required: give the token a name (it defaults to the resource name)")
    if not isinstance(value, str):
        raise ValueError(f"name must be a string, not {_type_name(value)}")
    if not value.strip():
        raise ValueError("name is empty: give the token a name GitLab can show")
    characters.refuse_unsafe("name", value)
    if len(value) > catalogue.NAME_MAX_LENGTH:
        raise ValueError(
            f"name is {len(value)} characters long; GitLab allows at most {catalogue.NAME_MAX_LENGTH}"
        )
    return value


def parse_scopes(kind: TokenKind, value: Any) -> list[str]:
    valid = ", ".join(kind.scopes)
    if value is None:
        raise ValueError(f"scopes is required: list at least one of: {valid}")
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"scopes must be a list of scope names, not {_type_name(value)}; valid scopes: {valid}")
    if not value:
        raise ValueError(f"scopes is empty: a token needs at least one of: {valid}")
    if any(is_unknown(s) for s in value):
        return list(value)
    scopes: list[str] = []
    unknown: list[str] = []
    for scope in value:
        if not isinstance(scope, str):
            unknown.append(repr(scope))
            continue
        name = scope.strip().lower()
        if name not in kind.scopes:
            unknown.append(repr(scope))
        elif name not in scopes:
            scopes.append(name)
    if unknown:
        raise ValueError(
            f"unknown scope{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"{kind.scopes_owner} accept: {valid}"
        )
    return scopes


def parse_access_level(_kind: TokenKind, value: Any) -> str:
    number = integral(value)
    if number is not None:
        value = number
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        key = value.strip().lower() if isinstance(value, str) else value
        for name, level in catalogue.UNASSIGNABLE_ACCESS_LEVELS.items():
            if key in (name, level, str(level)):
                raise ValueError(
                    f"access_level {value!r} cannot be given to a token; use one of: {catalogue.ACCESS_LEVEL_CHOICES}"
                )
    try:
        return catalogue.access_level_name(value)
    except (ValueError, KeyError, TypeError):
        raise ValueError(
            f"access_level {value!r} is not valid; use one of: {catalogue.ACCESS_LEVEL_CHOICES}"
        ) from None


def parse_description(_kind: TokenKind, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"description must be a string, not {_type_name(value)}")
    characters.refuse_unsafe("description", value)
    if len(value) > ownership.USER_DESCRIPTION_MAX_LENGTH:
        raise ValueError(
            f"description is {len(value)} characters long; GitLab allows at most "
            f"{catalogue.DESCRIPTION_MAX_LENGTH}, and the ownership mark the provider appends takes "
            f"{ownership.MARK_ROOM}, leaving room for {ownership.USER_DESCRIPTION_MAX_LENGTH}: shorten it by "
            f"{len(value) - ownership.USER_DESCRIPTION_MAX_LENGTH}"
        )
    return value


def parse_bool(_kind: TokenKind, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {_type_name(value)}")
    return value


def parse_date(value: Any) -> dt.date:
    """Parse GitLab's ``YYYY-MM-DD``, or an RFC 3339 time at midnight UTC; ``ValueError`` with the fix otherwise.

    GitLab keeps a token's expiry as a date (the token stops working at the
    start of that day, UTC), so a time other than midnight UTC would not mean
    what it says and is refused with the date it falls on.
    """
    text = value.strip() if isinstance(value, str) else None
    if text is not None and _DATE_PATTERN.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date; {_DATE_FORMATS}") from None
    timestamp = _RFC3339_PATTERN.match(text) if text is not None else None
    if timestamp is None:
        shown = repr(value) if isinstance(value, (str, int, float)) else _type_name(value)
        raise ValueError(f"{shown} is not a date; {_DATE_FORMATS}")
    try:
        when = dt.datetime.fromisoformat(
            f"{timestamp.group(1)}T{timestamp.group(2)}:{timestamp.group(3)}:{timestamp.group(4)}"
            + ("+00:00" if timestamp.group(6) in ("Z", "z") else timestamp.group(6))
        ).astimezone(dt.timezone.utc)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date and time; {_DATE_FORMATS}") from None
    fraction = timestamp.group(5) if timestamp.group(5) and int(timestamp.group(5)[1:]) else ""
    if when.time() != dt.time(0) or fraction:
        raise ValueError(
            f"{value!r} is {when.strftime('%H:%M:%S')}{fraction} UTC on {when.date().isoformat()}, not midnight: GitLab "
            f"keeps a token's expiry as a date and the token stops working at the start of that day (UTC); "
            f"write the date, like '{when.date().isoformat()}', or midnight UTC, like "
            f"'{when.date().isoformat()}T00:00:00Z'"
        )
    return when.date()


def _parse_rotation(
    kind: TokenKind, value: Any, max_lifetime_days: int, problems: _Problems
) -> RotationConfiguration | None:
    """Parse ``rotation_configuration``; report problems per field and return None if any."""
    prop = "rotation_configuration"
    if not isinstance(value, Mapping):
        problems.add(
            prop,
            f"rotation_configuration must be RotationConfigurationArgs(expiration_days=..., "
            f"rotate_before_days=...), not {_type_name(value)}",
        )
        return None
    fields: dict[str, Any] = {}
    for key, field_value in value.items():
        canonical = _ROTATION_FIELDS.get(key) if isinstance(key, str) else None
        if canonical is None:
            problems.add(
                f"{prop}.{key!s}",
                f"{key!s} is not a field of rotation_configuration; the fields are expiration_days, "
                f"rotate_before_days and grace_period_days",
            )
        elif field_value is not None:
            fields[canonical] = rpc.unwrap_rpc_secret(field_value)
    days: dict[str, int] = {}
    for name, what in (
        ("expiration_days", "how many days each new token lives"),
        ("rotate_before_days", "how many days before expiry to rotate"),
    ):
        raw = fields.get(name)
        if raw is None:
            problems.add(f"{prop}.{name}", f"{name} is required: {what}")
            continue
        if is_unknown(raw):
            continue
        number = integral(raw)
        if number is None:
            problems.add(f"{prop}.{name}", f"{name} must be a whole number of days, not {_type_name(raw)}")
        elif number < 1:
            problems.add(f"{prop}.{name}", f"{name} must be at least 1, not {number}")
        else:
            days[name] = number
    grace = _parse_grace(kind, fields.get("grace_period_days"), problems)
    if len(days) < 2 or grace is None:
        return None
    expiration, before = days["expiration_days"], days["rotate_before_days"]
    ok = True
    if grace >= before:
        problems.add(
            f"{prop}.grace_period_days",
            f"grace_period_days ({grace}) must be less than rotate_before_days ({before}): a token has at most "
            f"{before} days left when it is rotated, so its old value would expire before the grace period ends; "
            f"raise rotate_before_days or shorten the grace period",
        )
        ok = False
    if expiration > max_lifetime_days:
        problems.add(
            f"{prop}.expiration_days",
            f"expiration_days is {expiration}, beyond the maximum token lifetime of {max_lifetime_days} days; "
            f"lower it (or set {MAX_LIFETIME_KEY} if your instance allows longer)",
        )
        ok = False
    if before >= expiration:
        problems.add(
            f"{prop}.rotate_before_days",
            f"rotate_before_days ({before}) must be less than expiration_days ({expiration}), "
            f"or every token would be due for rotation as soon as it is made",
        )
        ok = False
    return RotationConfiguration(expiration, before, grace) if ok else None


def _parse_grace(kind: TokenKind, raw: Any, problems: _Problems) -> int | None:
    """``grace_period_days``: 0 when absent; ``None`` (and a problem) when invalid."""
    prop = "rotation_configuration.grace_period_days"
    if raw is None or is_unknown(raw):
        return 0
    number = integral(raw)
    if number is None or number < 0:
        problems.add(prop, f"grace_period_days must be a whole number of days, 0 or more, not {raw!r}")
        return None
    if number and not kind.overlaps:
        problems.add(prop, f"{kind.resource_name} cannot keep an old value beside a new one; remove "
                           f"grace_period_days")
        return None
    return number


# --- expiry: the combination, validation and the planned date --------------------


def _check_expiry(
    kind: TokenKind,
    out: dict[str, Any],
    problems: _Problems,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    today: dt.date,
    max_lifetime_days: int,
) -> None:
    fixed_raw = news.get("expires_at")
    rotation_raw = news.get("rotation_configuration")
    if fixed_raw is not None and rotation_raw is not None and _is_carried_plan(olds, fixed_raw):
        # ``ignore_changes=["expires_at"]`` makes the engine copy the old
        # planned date into the new inputs: keep that date, i.e. no rotation.
        out["rotation_configuration"] = rotation_raw
        rotation = _parse_rotation(kind, rotation_raw, max_lifetime_days, problems)
        if rotation is not None:
            out["rotation_configuration"] = _rotation_input(rotation)
        out["expires_at"] = fixed_raw
        return
    if fixed_raw is not None and rotation_raw is not None:
        problems.add(
            "expires_at",
            "set either expires_at (a fixed date) or rotation_configuration (renewed by `pulumi up`), not both",
        )
        return
    if fixed_raw is None and rotation_raw is None:
        if not kind.lifetime.required:
            return
        problems.add(
            "expires_at",
            "GitLab requires an expiry: set rotation_configuration=RotationConfigurationArgs("
            "expiration_days=..., rotate_before_days=...) or a fixed expires_at='YYYY-MM-DD'",
        )
        return

    if rotation_raw is not None:
        if is_unknown(rotation_raw) or (
            isinstance(rotation_raw, Mapping) and any(is_unknown(v) for v in rotation_raw.values())
        ):
            out["rotation_configuration"] = rotation_raw
            out["expires_at"] = Unknown()
            return
        rotation = _parse_rotation(kind, rotation_raw, max_lifetime_days, problems)
        if rotation is None:
            return
        out["rotation_configuration"] = _rotation_input(rotation)
        planned = decide(previous_token(olds), WantedExpiry(None, rotation), today).expires_at
        assert planned is not None  # a rotation always plans a date
        out["expires_at"] = planned.isoformat()
        return

    if is_unknown(fixed_raw):
        out["expires_at"] = fixed_raw
        return
    try:
        fixed = parse_date(fixed_raw)
    except ValueError as err:
        out["expires_at"] = fixed_raw  # as written, so a policy pack judges what the program said
        problems.add("expires_at", str(err))
        return
    # A date already applied is not re-validated: a fixed-date token that has
    # expired must not make every later preview fail (it shows as active: false).
    if stored_date(olds.get("expires_at")) != fixed:
        past = past_expiry(fixed, today)
        if past is not None:
            problems.add("expires_at", past)
            return
        latest = today + dt.timedelta(days=max_lifetime_days)
        if fixed > latest:
            problems.add(
                "expires_at",
                f"expires_at {fixed.isoformat()} is beyond the maximum token lifetime of {max_lifetime_days} days "
                f"(at most {latest.isoformat()}); pick an earlier date, or use rotation_configuration "
                f"(or set {MAX_LIFETIME_KEY} if your instance allows longer)",
            )
            return
    out["expires_at"] = fixed.isoformat()


def _rotation_input(rotation: RotationConfiguration) -> dict[str, int]:
    """A checked rotation configuration as the stored input (snake_case keys).

    ``grace_period_days`` only when set, so the stored inputs of stacks without it stay as they were.
    """
    stored = {"expiration_days": rotation.expiration_days, "rotate_before_days": rotation.rotate_before_days}
    if rotation.overlaps:
        stored["grace_period_days"] = rotation.grace_period_days
    return stored


def past_expiry(expires_at: dt.date, today: dt.date) -> str | None:
    """Why a token created today with ``expires_at`` would be dead on arrival, or ``None``."""
    if expires_at > today:
        return None
    return (
        f"expires_at {expires_at.isoformat()} is not in the future (today is {today.isoformat()} UTC, "
        f"and a token expires at the start of its expiry date); pick a later date"
    )


def _is_carried_plan(olds: Mapping[str, Any], expires_at: Any) -> bool:
    """Whether ``expires_at`` is the date planned last time under ``rotation_configuration``."""
    if not isinstance(olds.get("rotation_configuration"), Mapping):
        return False
    planned = stored_date(olds.get("expires_at"))
    return planned is not None and not is_unknown(expires_at) and stored_date(expires_at) == planned


def previous_token(state: Mapping[str, Any]) -> PreviousToken | None:
    """The token as it stands, read leniently from old checked inputs or old outputs.

    Only outputs carry ``revoked``; from inputs it reads as false. ``None``
    when there is no previous state (a create).
    """
    if not state:
        return None
    return PreviousToken(
        expires_at=stored_date(state.get("expires_at")),
        rotation=parse_rotation_lenient(state.get("rotation_configuration")),
        revoked=state.get("revoked") is True,
    )


def parse_rotation_lenient(value: Any) -> RotationConfiguration | None:
    """A rotation configuration from stored state, or ``None`` if absent or malformed."""
    if not isinstance(value, Mapping):
        return None
    fields = {
        _ROTATION_FIELDS[k]: integral(v) for k, v in value.items() if isinstance(k, str) and k in _ROTATION_FIELDS
    }
    expiration, before = fields.get("expiration_days"), fields.get("rotate_before_days")
    if expiration is None or before is None:
        return None
    return RotationConfiguration(expiration, before, max(fields.get("grace_period_days") or 0, 0))


def stored_date(value: Any) -> dt.date | None:
    """A ``YYYY-MM-DD`` from stored state or a GitLab answer, or ``None`` if absent or malformed."""
    try:
        return parse_date(value)
    except ValueError:
        return None


def integral(value: Any) -> int | None:
    """An int from an int or a whole float (Pulumi sends numbers as floats); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _whole(value: Any) -> Any:
    """A whole float (Pulumi's numbers) as an int; anything else as it is."""
    number = integral(value)
    return number if number is not None else value


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


@dataclass(frozen=True)
class TokenSpec:
    """Checked inputs in typed form: what ``create`` and ``update`` send to GitLab."""

    parent: str
    name: str
    scopes: tuple[str, ...]
    #: ``None`` for a kind without an access level.
    access_level: str | None
    description: str | None
    expires_at: dt.date | None
    rotation: RotationConfiguration | None
    #: The fields the create request carries as they are, in the kind's order (its inputs'
    #: ``request``); recovery adds the planned ``expires_at`` and the marked ``description``.
    request: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_checked(cls, kind: TokenKind, props: Mapping[str, Any]) -> "TokenSpec":
        return cls(
            parent=str(_whole(props[kind.parent])),  # a numeric parent comes back from the engine as a float
            name=str(props.get("name") or ""),  # a kind without names (triggers) marks its token for ""
            scopes=tuple(props.get("scopes") or ()),
            access_level=catalogue.access_level_name(
                integral(props.get("access_level")) or props.get("access_level") or catalogue.DEFAULT_ACCESS_LEVEL
            ) if kind.has_access_level else None,
            description=props.get("description") or None,
            expires_at=stored_date(props.get("expires_at")),
            rotation=parse_rotation_lenient(props.get("rotation_configuration")),
            request={
                f.name: f.request(_whole(f.default if props.get(f.name) is None else props[f.name]))
                for f in kind.inputs if f.request is not None
                and (props.get(f.name) is not None or f.default is not None)  # an optional input left out
            },
        )

    @property
    def access_level_value(self) -> int | None:
        return None if self.access_level is None else catalogue.ACCESS_LEVELS[self.access_level]
