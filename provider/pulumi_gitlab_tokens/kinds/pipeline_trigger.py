"""``PipelineTrigger``: a project's pipeline trigger token (``/projects/:id/triggers``).

Routes (``lib/api/ci/triggers.rb``): list, get, create, update and delete. Maintainers manage
them (``admin_build``, ``manage_trigger``: a bare ``403`` otherwise); an update is the
trigger owner's (``admin_trigger``), and the provider's credential made it. A trigger has no
name, no scopes and no expiry a default GitLab keeps (``expires_at`` sits behind the
``trigger_token_expiration`` flag, off by default, so it is not modelled), and no rotate route.
Its ``description`` is edited in place, with the ownership mark kept at its end.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..common import catalogue
from ..rules import comparisons, ownership
from ..rules import inputs as parsers
from . import parts, resource_tokens
from .base import (KEEP, OWNERSHIP_MARK_OUTPUT, InputField, OnChange, OutputField, PulumiGitlabType, Routes,
                   TokenKind)

_TRIGGERS = "/projects/{parent}/triggers"


def _mark_text(answer: Mapping[str, Any], _echoed: Mapping[str, Any]) -> str | None:
    mark = ownership.mark_of(dict(answer))
    return None if mark is None else mark.text()


KIND = TokenKind(
    resource_name="PipelineTrigger",
    type_token=catalogue.PIPELINE_TRIGGER_TYPE,
    routes=Routes(
        create=_TRIGGERS,
        get=_TRIGGERS + "/{id}",
        list=_TRIGGERS,
        revoke=_TRIGGERS + "/{id}",
        update=_TRIGGERS + "/{id}",
    ),
    manager="ProjectTriggerManager",
    inputs=(
        resource_tokens.parent_input("project"),
        InputField("description", parsers.parse_description, OnChange.UPDATE, comparisons.as_text_or_none),
    ),
    outputs=(
        OutputField("token", lambda answer, _: KEEP, secret=True),
        OutputField("token_id", lambda answer, _: int(answer["id"])),
        OutputField("created_at", lambda answer, _: answer.get("created_at")),
        OutputField("description", lambda answer, _: ownership.user_description(answer.get("description")),
                    computed=False),
        OutputField(OWNERSHIP_MARK_OUTPUT, _mark_text),
    ),
    home=parts.PROJECT,
    creators=parts.RoleCheck("Maintainer"),
    holder=parts.NoUser("trigger"),
    finding=parts.Unnamed(),
    absence=parts.Absence(missing_token="404 Not found"),
    lifetime=parts.NoExpiry(),
    renewal=parts.Replacement(overlaps=False),
    list_filters=frozenset(),  # GitLab's trigger list takes no filter
    id_table="ci_triggers",
    label="pipeline trigger token",
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_PIPELINE_TRIGGER_TYPE),),
)
