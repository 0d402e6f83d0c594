"""``GroupRunner``: a group's runner and its authentication token (``POST /user/runners``, ``group_type``).

A group's Owners create and manage it; its Maintainers read it. :mod:`.runner_fields`
says what every runner shares.
"""

from __future__ import annotations

from ..common import catalogue
from . import parts, resource_tokens, runner_fields
from .base import TokenKind

KIND = TokenKind(
    resource_name="GroupRunner",
    type_token=catalogue.GROUP_RUNNER_TYPE,
    routes=runner_fields.routes("groups"),
    manager="GroupRunnerTokenManager",
    create_manager="GroupUserRunnerManager",
    inputs=(resource_tokens.parent_input("group"),) + runner_fields.INPUTS,
    outputs=runner_fields.OUTPUTS,
    home=parts.GROUP,
    creators=parts.RoleCheck("Owner"),
    holder=parts.NoUser("runner"),
    finding=parts.Unnamed(),
    absence=runner_fields.ABSENCE,
    lifetime=parts.NoExpiry(),
    renewal=parts.RotateRoute(overlaps=False),
    list_filters=frozenset({"paused"}),
    id_table="ci_runners",
    label="runner authentication token",
    # pulumi-gitlab's UserRunner is judged by ProjectRunner's facts, which are this kind's too.
)
