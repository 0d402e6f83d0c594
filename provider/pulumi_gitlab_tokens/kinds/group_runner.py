"""``GroupRunner``: a group's runner and its authentication token (``POST /user/runners``, ``group_type``).

A group's Owners create and manage it; its Maintainers read it. :mod:`.runner_fields` says what every
runner shares. pulumi-gitlab's ``UserRunner`` is judged by ``ProjectRunner``'s facts, which are this
kind's too.
"""

from __future__ import annotations

from ..common import catalogue
from . import parts, runner_fields

KIND = runner_fields.kind(
    resource_name="GroupRunner",
    type_token=catalogue.GROUP_RUNNER_TYPE,
    home=parts.GROUP,
    creators=parts.RoleCheck("Owner"),
    manager="GroupRunnerTokenManager",
    create_manager="GroupUserRunnerManager",
)
