"""Reading a token resource's properties, whoever declared it.

One accessor (:class:`Token`) for both input spellings - ours are
``snake_case``; pulumi-gitlab's reach the engine as ``camelCase`` - that turns
values unknown at preview into :data:`UNKNOWN` instead of an exception, plus
the small value parsers every policy shares. Every policy reads tokens through
this module and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Optional

from pulumi_policy import proxy as _proxy
from pulumi_policy.proxy import UnknownValueError

from . import _catalogue as catalogue
# The resource types the pack inspects (ours and pulumi-gitlab's), with each kind's facts
# (``catalogue.TokenType``), generated from the kinds' declarations.
from ._token_types import TOKEN_TYPES as TOKEN_TYPES


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

    @property
    def kind(self) -> catalogue.TokenType:
        """What GitLab allows for this token's kind: its scopes, parent, role, rotation."""
        return TOKEN_TYPES[self.resource_type]

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
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return None


def level_value(level: Any) -> int:
    """GitLab's number for an access level given as a name, number, float or numeric string."""
    number = as_int(level)
    return catalogue.access_level_value(number if number is not None else level)


def parse_date(value: Any) -> dt.date | None:
    """The UTC date of a ``YYYY-MM-DD`` date or an RFC 3339 time (``2027-02-05T00:00:00Z``), else ``None``.

    ``None`` means absent or unreadable; callers tell the two apart by the raw value.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        when = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text)
    except ValueError:
        return None
    if when.tzinfo is None:  # RFC 3339 always names the offset; a bare time is not one
        return None
    return when.astimezone(dt.timezone.utc).date()


def shown(value: Any) -> str:
    """A value for a message: short scalars as they are, containers (engine proxies) by kind."""
    if value is None or isinstance(value, (str, int, float, bool)):
        text = repr(value)
        return text if len(text) <= 80 else text[:80] + "...'"
    if isinstance(value, Mapping):
        return "a mapping"
    return "a list" if isinstance(value, Sequence) else f"a {type(value).__name__}"
