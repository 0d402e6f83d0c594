"""Grape-style parameter coercion and validation.

GitLab validates declared parameters before running an endpoint and reports
every failing one at once, in declaration order, as ``{"error": "a is
missing, b does not have a valid value"}``. :class:`Params` collects those
messages; :meth:`Params.check` raises them together.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Collection

from . import clock
from .errors import param_errors

_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n"}


def numeric_id(text: str) -> int | None:
    r"""``text`` as an id if it is ASCII digits only (GitLab's ``/\A\d+\z/``), else ``None``.

    ``str.isdigit`` alone is not enough: it is true for ``"²"`` (which ``int`` refuses)
    and for ``"٣"`` (which ``int`` reads as 3), and GitLab treats both as names.
    """
    return int(text) if text.isascii() and text.isdigit() else None


class Params:
    """Reads typed values out of a request's merged parameters."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.errors: list[str] = []

    def _get(self, name: str, required: bool) -> Any:
        value = self.raw.get(name)
        if value is None and required:
            self.errors.append(f"{name} is missing")
        return value

    def string(self, name: str, *, required: bool = False, values: Collection[str] | None = None) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            self.errors.append(f"{name} is invalid")
            return None
        text = str(value)
        if values is not None and text not in values:
            self.errors.append(f"{name} does not have a valid value")
            return None
        return text

    def integer(self, name: str, *, required: bool = False, values: Collection[int] | None = None) -> int | None:
        value = self._get(name, required)
        if value is None:
            return None
        try:
            if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
                raise ValueError
            if isinstance(value, (int, float)):
                number = int(value)
            else:
                text = str(value).strip()
                if not text.isascii():
                    raise ValueError  # Ruby's Integer() reads ASCII digits only; Python's int() also takes "٣"
                number = int(text)
        except (TypeError, ValueError):
            self.errors.append(f"{name} is invalid")
            return None
        if values is not None and number not in values:
            self.errors.append(f"{name} does not have a valid value")
            return None
        return number

    def boolean(self, name: str) -> bool | None:
        value = self._get(name, False)
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.errors.append(f"{name} is invalid")
        return None

    def date(self, name: str) -> dt.date | None:
        value = self._get(name, False)
        if value is None or value == "":
            return None
        try:
            text = str(value).strip()
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            return clock.parse_rfc3339(text).date()
        except ValueError:
            self.errors.append(f"{name} is invalid")
            return None

    def datetime(self, name: str) -> dt.datetime | None:
        value = self._get(name, False)
        if value is None or value == "":
            return None
        try:
            return clock.parse_rfc3339(str(value))
        except ValueError:
            self.errors.append(f"{name} is invalid")
            return None

    def string_array(self, name: str, *, required: bool = False, values: Collection[str] | None = None) -> list[str] | None:
        """An ``Array[String]``: a JSON array, or ``name[]=a&name[]=b`` in a form or query.

        Grape does not wrap a lone value: ``"scopes": "api"`` and ``scopes=api`` are invalid.
        """
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, list) or any(isinstance(item, (dict, list)) for item in value):
            self.errors.append(f"{name} is invalid")
            return None
        strings = [str(item) for item in value]
        if values is not None and any(item not in values for item in strings):
            self.errors.append(f"{name} does not have a valid value")
            return None
        return strings

    def comma_separated_array(self, name: str, *, required: bool = False,
                              values: Collection[str] | None = None) -> list[str] | None:
        """An ``Array[String]`` with ``coerce_with: CommaSeparatedToArray``: ``"a,b"`` is ``["a", "b"]`` too."""
        value = self.raw.get(name)
        if isinstance(value, str):
            self.raw = {**self.raw, name: [item.strip() for item in value.split(",") if item.strip()]}
        return self.string_array(name, required=required, values=values)

    def check(self) -> None:
        """Raise the collected messages as one Grape 400, if there are any."""
        if self.errors:
            raise param_errors(self.errors)
