"""What a project's and a group's runner share: a runner made with ``POST /user/runners`` and its ``glrt-`` token.

Routes (``lib/api/user_runners.rb``, ``lib/api/ci/runners.rb``): the runner is created at ``/user/runners``
with its ``runner_type`` and parent id in the body (the answer carries the authentication token),
read and deleted at ``/runners/:id``, listed under its project or group, and its token reset in place at
``POST /runners/:id/reset_authentication_token`` (same runner, new value; the old value stops working).
GitLab keeps no expiry unless an instance, group or project runner-token expiration interval is set
(``Ci::Runner#compute_token_expiration``); the resource keeps none. Settings are not edited in place
(``PUT /runners/:id`` is not used): a changed setting replaces the runner, and ``pulumi up --replace``
renews the token. A lost create answer is recovered by resetting the runner's token.
python-gitlab has no manager for these routes together: ours are declared in ``client/managers.py``.
"""

from __future__ import annotations

from typing import Any, Final

from ..common import characters
from ..rules import comparisons, ownership
from ..rules import inputs as parsers
from . import parts, resource_tokens
from .base import KEEP, InputField, OnChange, OutputField, PulumiGitlabType, Reader, Routes, TokenKind

#: ``Ci::Runner``'s limits (``app/models/ci/runner.rb``).
TEXT_MAX_LENGTH: Final = 1024
TAG_LIST_MAX_LENGTH: Final = 50
MINIMUM_TIMEOUT: Final = 600
#: The description's room left beside the ownership mark.
DESCRIPTION_MAX_LENGTH: Final = TEXT_MAX_LENGTH - ownership.MARK_ROOM


def _text(name: str, most: int, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, not {type(value).__name__}")
    characters.refuse_unsafe(name, value)
    if len(value) > most:
        raise ValueError(f"{name} is {len(value)} characters long; at most {most} fit "
                         f"(GitLab allows {TEXT_MAX_LENGTH}{', less the ownership mark' if most < TEXT_MAX_LENGTH else ''})")
    return value


def parse_description(_kind: TokenKind, value: Any) -> str:
    return _text("description", DESCRIPTION_MAX_LENGTH, value)


def parse_maintenance_note(_kind: TokenKind, value: Any) -> str:
    return _text("maintenance_note", TEXT_MAX_LENGTH, value)


def parse_tag_list(_kind: TokenKind, value: Any) -> list[str]:
    """Tags: a list of at most 50 non-empty strings without commas (GitLab splits a tag list at commas)."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"tag_list must be a list of tags like [\"docker\", \"linux\"], not {value!r}")
    if len(value) > TAG_LIST_MAX_LENGTH:
        raise ValueError(f"tag_list has {len(value)} tags; GitLab allows at most {TAG_LIST_MAX_LENGTH}")
    for tag in value:
        if parsers.is_unknown(tag):
            continue
        if not isinstance(tag, str) or not tag.strip() or "," in tag or tag != tag.strip():
            raise ValueError(f"tag_list: {tag!r} is not a tag; write each tag as a non-empty string without commas "
                             f"or surrounding spaces (GitLab strips them, so the tag would never match)")
        characters.refuse_unsafe("tag_list", tag)
    return list(value)


def parse_maximum_timeout(_kind: TokenKind, value: Any) -> int:
    number = parsers.integral(value)
    if number is None or isinstance(value, bool) or number < MINIMUM_TIMEOUT:
        raise ValueError(f"maximum_timeout must be a whole number of seconds, at least {MINIMUM_TIMEOUT} "
                         f"(GitLab: \"Maximum timeout needs to be at least 10 minutes\"), not {value!r}")
    return number


def _setting(name: str, parse: Any, request: Any, compare: Any = comparisons.as_plain) -> InputField:
    """A runner setting: sent as it is when given, GitLab's left alone when not; a change replaces the runner
    (there is no update)."""
    return InputField(name, parse, OnChange.REPLACE, compare, optional=True, empty_is_absent=True, request=request,
                      gitlab_default=True)


def _as_tag_set(value: Any) -> Any:
    return None if value is None else frozenset(value)


INPUTS: Final[tuple[InputField, ...]] = (
    InputField("description", parse_description, OnChange.REPLACE, comparisons.as_text_or_none,
               optional=True, empty_is_absent=True),
    _setting("paused", parsers.parse_bool, bool),
    _setting("locked", parsers.parse_bool, bool),
    _setting("run_untagged", parsers.parse_bool, bool),
    _setting("tag_list", parse_tag_list, list, _as_tag_set),
    _setting("maximum_timeout", parse_maximum_timeout, int),
    _setting("maintenance_note", parse_maintenance_note, str, comparisons.as_text_or_none),
)

#: What GitLab gives a runner created without the setting (``Ci::Runner``'s defaults, ``run_untagged`` true).
CREATE_DEFAULTS: Final[dict[str, Any]] = {"paused": False, "locked": False, "run_untagged": True, "tag_list": [],
                                          "maximum_timeout": None, "maintenance_note": None}


def _reported(name: str) -> Reader:
    """A setting as GitLab reports it (a read); a create or reset answer has none, so what the create sent,
    else GitLab's default. A setting the program leaves out is never compared (``gitlab_default``)."""
    def read(answer: Any, echoed: Any) -> Any:
        if name in answer:
            return answer[name]
        return echoed[name] if echoed.get(name) is not None else CREATE_DEFAULTS[name]
    return read


OUTPUTS: Final[tuple[OutputField, ...]] = (
    OutputField("token", lambda answer, _: KEEP, secret=True),
    OutputField("token_id", lambda answer, _: int(answer["id"])),
    OutputField("token_expires_at", lambda answer, _: answer.get("token_expires_at", KEEP)),
    OutputField("status", lambda answer, _: answer.get("status", KEEP)),
    # A create or reset answer carries no description: the program's stays.
    OutputField("description", lambda answer, _: ownership.user_description(answer["description"])
                if "description" in answer else KEEP, computed=False),
    *(OutputField(field.name, _reported(field.name), computed=False) for field in INPUTS[1:]),
)

#: How GitLab says a runner is gone (``get_runner``: ``not_found!('Runner')``).
ABSENCE: Final = parts.Absence(missing_token="404 Runner Not Found")


def kind(*, resource_name: str, type_token: str, home: parts.Parent, creators: parts.RoleCheck, manager: str,
         create_manager: str, pulumi_gitlab: tuple[PulumiGitlabType, ...] = ()) -> TokenKind:
    """A runner of ``home`` (a project or a group): what differs is where it hangs and who may manage it."""
    return TokenKind(
        resource_name=resource_name,
        type_token=type_token,
        routes=Routes(create="/user/runners", get="/runners/{id}", list=f"/{home.collection}/{{parent}}/runners",
                      revoke="/runners/{id}", rotate="/runners/{id}/reset_authentication_token"),
        manager=manager,
        create_manager=create_manager,
        inputs=(resource_tokens.parent_input(home.input),) + INPUTS,
        outputs=OUTPUTS,
        home=home,
        creators=creators,
        holder=parts.NoUser("runner"),
        finding=parts.Unnamed(),
        absence=ABSENCE,
        lifetime=parts.NoExpiry(),
        renewal=parts.RotateRoute(overlaps=False),
        list_filters=frozenset(),  # the list functions' filters (state, expiry, name) are applied locally
        id_table="ci_runners",
        label="runner authentication token",
        pulumi_gitlab=pulumi_gitlab,
    )
