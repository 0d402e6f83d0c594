"""Property names between the faces: camelCase in the schema and YAML, snake_case in the provider classes."""

from __future__ import annotations

import re
from typing import Any

_UPPER = re.compile(r"([A-Z])")


def camel(name: str) -> str:
    """``expires_at`` -> ``expiresAt`` (a dotted failure path is converted part by part)."""
    return ".".join(_camel_part(part) for part in name.split("."))


def _camel_part(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    """``expiresAt`` -> ``expires_at``; a name already in snake_case is kept."""
    return _UPPER.sub(lambda found: "_" + found.group(1).lower(), name)


def keys_to_snake(value: Any) -> Any:
    """Every object key in ``value``, at any depth, in snake_case (no input has keys a user chooses)."""
    if isinstance(value, dict):
        return {snake(k): keys_to_snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys_to_snake(v) for v in value]
    return value


def keys_to_camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {camel(k): keys_to_camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [keys_to_camel(v) for v in value]
    return value
