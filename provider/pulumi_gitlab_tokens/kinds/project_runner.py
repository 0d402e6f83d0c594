"""``ProjectRunner``: a project's runner and its authentication token (``POST /user/runners``, ``project_type``).

A project's Maintainers create and manage it (``create_runner``, ``admin_runner``). :mod:`.runner_fields`
says what every runner shares.
"""

from __future__ import annotations

from ..common import catalogue
from . import parts, resource_tokens, runner_fields
from .base import PulumiGitlabType, TokenKind

KIND = TokenKind(
    resource_name="ProjectRunner",
    type_token=catalogue.PROJECT_RUNNER_TYPE,
    routes=runner_fields.routes("projects"),
    manager="ProjectRunnerTokenManager",
    create_manager="ProjectUserRunnerManager",
    inputs=(resource_tokens.parent_input("project"),) + runner_fields.INPUTS,
    outputs=runner_fields.OUTPUTS,
    home=parts.PROJECT,
    creators=parts.RoleCheck("Maintainer"),
    holder=parts.NoUser("runner"),
    finding=parts.Unnamed(),
    absence=runner_fields.ABSENCE,
    lifetime=parts.NoExpiry(),
    renewal=parts.RotateRoute(overlaps=False),
    list_filters=frozenset({"paused"}),
    id_table="ci_runners",
    label="runner authentication token",
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_USER_RUNNER_TYPE),),
)
