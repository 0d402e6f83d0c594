"""``ProjectRunner``: a project's runner and its authentication token (``POST /user/runners``, ``project_type``).

A project's Maintainers create and manage it (``create_runner``, ``admin_runner``). :mod:`.runner_fields`
says what every runner shares.
"""

from __future__ import annotations

from ..common import catalogue
from . import parts, runner_fields
from .base import PulumiGitlabType

KIND = runner_fields.kind(
    resource_name="ProjectRunner",
    type_token=catalogue.PROJECT_RUNNER_TYPE,
    home=parts.PROJECT,
    creators=parts.RoleCheck("Maintainer"),
    manager="ProjectRunnerTokenManager",
    create_manager="ProjectUserRunnerManager",
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_USER_RUNNER_TYPE),),
)
