"""Policy config and the two outcomes that are not violations.

- :func:`load_config` overlays what the engine passed on the schema defaults.
- ``config_*`` read one value, raising :class:`ConfigError` (reported as a
  violation naming the key, never a crash) when it is unusable.
- :func:`excluding_pattern` applies ``exclude``, the documented exemption every
  policy accepts.
- :class:`NotApplicable` is what a check raises when it cannot judge a token
  (typically a value unknown at preview).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, Final

from pulumi_policy import Policy, PolicyConfigSchema

from . import _catalogue as catalogue
from .tokens import TOKEN_TYPES, Token, as_int, shown


class ConfigError(ValueError):
    """A config value the policy cannot use. Reported as a violation naming the key."""

    def __init__(self, key: str, problem: str) -> None:
        if len(problem) > _MAX_PROBLEM:  # a huge config value must not flood the report
            problem = problem[:_MAX_PROBLEM] + "..."
        super().__init__(
            f"policy config '{key}': {problem}. Fix it in the --policy-pack-config file."
        )


_MAX_PROBLEM = 300


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


def stack_tokens(resources: Iterable[Any], config: Mapping[str, Any]) -> Iterator[tuple[Any, Token]]:
    """A stack policy's tokens: each token resource not matched by ``exclude``, with its :class:`Token`."""
    for resource in resources:
        if resource.resource_type in TOKEN_TYPES and excluding_pattern(config, resource.name) is None:
            yield resource, Token(resource.resource_type, resource.name, resource.props)
