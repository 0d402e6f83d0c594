"""The inputs and outputs project and group access tokens share (GitLab's resource access tokens).

Kept here, as data, so each kind module stays a handful of lines; a kind with
other fields (a deploy token's ``username``) declares its own tuple.
"""

from __future__ import annotations

from typing import Any, Final, Mapping

from ..common import catalogue
from ..rules import comparisons
from ..rules import inputs as parsers
from ..rules import ownership
from .base import ADOPT_INPUT, KEEP, InputField, OnChange, OutputField, TokenKind


def parse_adopt_token_id(kind: TokenKind, value: Any) -> int:
    """A token id (a positive whole number); refused for a kind GitLab cannot rotate."""
    if not kind.rotates:
        raise ValueError(
            f"{kind.resource_name} cannot adopt an existing token: GitLab has no rotate API for it, so there "
            f"is no way to get a value for the token. Remove {ADOPT_INPUT} and let the resource create a token")
    token_id = parsers.integral(value)
    if token_id is None or isinstance(value, bool) or token_id < 1:
        raise ValueError(f"must be a token id, a whole number like 42 (GitLab's id of the token), not {value!r}")
    return token_id



def parent_input(parent: str) -> InputField:
    """The input naming the project or group: its id or full path; a change replaces the token."""
    return InputField(parent, parsers.parse_parent, OnChange.REPLACE, comparisons.as_plain)


def adoption_input() -> InputField:
    """``adopt_token_id``: the existing token ``create`` rotates into the resource (kinds that rotate)."""
    return InputField(ADOPT_INPUT, parse_adopt_token_id, OnChange.IN_PLACE,
                      comparisons.as_plain, optional=True)


#: What every resource access token takes after its parent, in the order messages list them.
INPUTS: Final[tuple[InputField, ...]] = (
    InputField("name", parsers.parse_name, OnChange.REPLACE, comparisons.as_plain, request=str),
    InputField("scopes", parsers.parse_scopes, OnChange.REPLACE, comparisons.as_scope_set, request=list),
    InputField("access_level", parsers.parse_access_level, OnChange.REPLACE, comparisons.as_access_level,
               default=catalogue.DEFAULT_ACCESS_LEVEL, request=catalogue.access_level_value),
    InputField("description", parsers.parse_description, OnChange.REPLACE, comparisons.as_text_or_none,
               optional=True, empty_is_absent=True),
    InputField("expires_at", None, OnChange.ROTATE, comparisons.as_plain, planned=True),
    InputField("rotation_configuration", None, OnChange.ROTATE, comparisons.as_plain),
    InputField("validate_past_expiration_date", parsers.parse_bool, OnChange.IN_PLACE, comparisons.as_plain,
               optional=True),
    adoption_input(),
)


def _access_level_name(answer: Mapping[str, Any], _echoed: Mapping[str, Any]) -> Any:
    level = parsers.integral(answer.get("access_level"))
    return catalogue.ACCESS_LEVEL_NAMES[level] if level in catalogue.ACCESS_LEVEL_NAMES else KEEP


#: What GitLab reports about a resource access token, in the order the state holds them.
OUTPUTS: Final[tuple[OutputField, ...]] = (
    OutputField("token", lambda answer, _: KEEP, secret=True),
    OutputField("token_id", lambda answer, _: int(answer["id"])),
    OutputField("user_id", lambda answer, _: parsers.integral(answer.get("user_id"))),
    OutputField("active", lambda answer, _: bool(answer.get("active"))),
    OutputField("revoked", lambda answer, _: bool(answer.get("revoked"))),
    OutputField("created_at", lambda answer, _: answer.get("created_at")),
    OutputField("expires_at", lambda answer, _: answer.get("expires_at"), computed=False),
    OutputField("name", lambda answer, echoed: answer.get("name", echoed.get("name")), computed=False),
    OutputField("scopes", lambda answer, echoed: list(answer.get("scopes") or echoed.get("scopes") or []),
                computed=False),
    OutputField("description", lambda answer, _: ownership.user_description(answer.get("description")),
                computed=False),
    OutputField("access_level", _access_level_name, computed=False),
)
