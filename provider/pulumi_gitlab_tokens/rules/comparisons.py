"""How ``diff`` compares an input's old and new values: the comparisons a kind's fields name.

Each turns a stored or checked value into a key that ``==`` judges, so that
``["api", "read_api"]`` equals ``["read_api", "api"]`` and ``"maintainer"`` equals ``40``.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..common import catalogue
from .inputs import integral


def as_scope_set(value: Any) -> frozenset[str] | None:
    """Scopes as a set, case and order aside."""
    if not isinstance(value, (list, tuple)):
        return None
    return frozenset(str(s).strip().lower() for s in value)


def as_access_level(value: Any) -> int | None:
    """An access level as its number, whether given by name or number."""
    number = integral(value)
    try:
        return catalogue.access_level_value(number if number is not None else value)
    except (ValueError, TypeError):
        return None


def as_text_or_none(value: Any) -> Any:
    """A text where empty and absent are the same."""
    return value or None


def as_plain(value: Any) -> Any:
    """Numbers as Pulumi sends them (floats) compare equal to ints; strings as they are."""
    if isinstance(value, Mapping):
        return {k: as_plain(v) for k, v in value.items() if v is not None}
    number = integral(value)
    return number if number is not None else value
