"""The inputs and outputs project and group deploy tokens share (``/{projects,groups}/:id/deploy_tokens``).

Deploy tokens differ from access tokens in ways each field below states: no
description (the ownership mark goes at the end of the ``name``, see
``docs/ownership.md``), no access level, no bot user, an optional expiry
GitLab reports as a time, and a ``username`` GitLab defaults to
``gitlab+deploy-token-<id>``.
"""

from __future__ import annotations

import re
from typing import Any, Final, Mapping

from ..common import catalogue, characters
from ..rules import comparisons
from ..rules import inputs as parsers
from ..rules import ownership
from .base import KEEP, InputField, OnChange, OutputField, TokenKind

#: ``DeployToken``'s username format (``app/models/deploy_token.rb``).
_USERNAME = re.compile(r"^[a-zA-Z0-9.+_-]+$")
#: ``DeployToken#default_username``: what GitLab gives a token created without one.
_DEFAULT_USERNAME = re.compile(r"^gitlab\+deploy-token-\d+$")
#: The longest name a user may give: GitLab's 255 less the ownership mark's room.
NAME_MAX_LENGTH: Final[int] = catalogue.NAME_MAX_LENGTH - ownership.MARK_ROOM


def parse_marked_name(kind: TokenKind, value: Any) -> str:
    """A token name with room left for the ownership mark the provider appends."""
    name = parsers.parse_name(kind, value)
    if len(name) > NAME_MAX_LENGTH:
        raise ValueError(
            f"name is {len(name)} characters long; GitLab allows at most {catalogue.NAME_MAX_LENGTH}, and the "
            f"ownership mark the provider appends to a deploy token's name takes {ownership.MARK_ROOM}, leaving "
            f"room for {NAME_MAX_LENGTH}: shorten it by {len(name) - NAME_MAX_LENGTH}"
        )
    return name


def parse_username(_kind: TokenKind, value: Any) -> str:
    """The deploy token's username, as GitLab's model validates it."""
    if not isinstance(value, str):
        raise ValueError(f"username must be a string, not {type(value).__name__}")
    characters.refuse_unsafe("username", value)
    if len(value) > catalogue.NAME_MAX_LENGTH:
        raise ValueError(f"username is {len(value)} characters long; GitLab allows at most "
                         f"{catalogue.NAME_MAX_LENGTH}")
    if not _USERNAME.match(value):
        raise ValueError(f"username {value!r} may contain only letters, digits, '_', '-', '+' and '.' "
                         f"(GitLab's rule); leave it out for GitLab's default gitlab+deploy-token-<id>")
    return value


def as_username(value: Any) -> Any:
    """A username where GitLab's default (``gitlab+deploy-token-<id>``) and none are the same.

    The output holds GitLab's default when the program gave none: that is no change.
    """
    if not value or (isinstance(value, str) and _DEFAULT_USERNAME.match(value)):
        return None
    return value


def _as_given(value: Any) -> Any:
    """Sent as it is; ``None`` (not given) is left out of the request."""
    return value


#: What every deploy token takes after its parent, in the order messages list them.
INPUTS: Final[tuple[InputField, ...]] = (
    InputField("name", parse_marked_name, OnChange.REPLACE, comparisons.as_plain, request=str),
    InputField("scopes", parsers.parse_scopes, OnChange.REPLACE, comparisons.as_scope_set, request=list),
    InputField("username", parse_username, OnChange.REPLACE, as_username, optional=True, empty_is_absent=True,
               request=_as_given),
    # No rotate API: a new expiry, or reaching the rotation window, replaces the token.
    InputField("expires_at", None, OnChange.ROTATE, comparisons.as_plain, planned=True),
    InputField("rotation_configuration", None, OnChange.ROTATE, comparisons.as_plain),
    InputField("validate_past_expiration_date", parsers.parse_bool, OnChange.IN_PLACE, comparisons.as_plain,
               optional=True),
)


def _expiry_date(answer: Mapping[str, Any], _echoed: Mapping[str, Any]) -> Any:
    """GitLab answers a time (``2027-01-31T00:00:00.000Z``) or ``null`` (never); the state keeps the date."""
    value = answer.get("expires_at")
    return value[:10] if isinstance(value, str) else None


#: What GitLab reports about a deploy token, in the order the state holds them.
OUTPUTS: Final[tuple[OutputField, ...]] = (
    OutputField("token", lambda answer, _: KEEP, secret=True),
    OutputField("token_id", lambda answer, _: int(answer["id"])),
    OutputField("username", lambda answer, echoed: answer.get("username") or echoed.get("username"),
                computed=False),
    OutputField("expired", lambda answer, _: bool(answer.get("expired"))),
    OutputField("revoked", lambda answer, _: bool(answer.get("revoked"))),
    OutputField("expires_at", _expiry_date, computed=False),
    OutputField("name", lambda answer, echoed: answer.get("name", echoed.get("name")), computed=False),
    OutputField("scopes", lambda answer, echoed: list(answer.get("scopes") or echoed.get("scopes") or []),
                computed=False),
)
