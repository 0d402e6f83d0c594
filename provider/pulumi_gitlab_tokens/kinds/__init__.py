"""The registry of token kinds: every kind module's ``KIND``, by Pulumi type token.

A new kind is one module here holding one :class:`~.base.TokenKind` (see
``docs/adding-a-kind.md``), added to :data:`ALL`.
"""

from __future__ import annotations

from typing import Final, Mapping

from . import (
    cluster_agent_token,
    group_access_token,
    group_deploy_token,
    group_runner,
    group_service_account_access_token,
    personal_access_token,
    pipeline_trigger,
    project_access_token,
    project_deploy_token,
    project_runner,
    user_impersonation_token,
    project_service_account_access_token,
)
from .base import KEEP, InputField, OnChange, OutputField, PulumiGitlabType, Routes, TokenKind

PROJECT: Final = project_access_token.KIND
GROUP: Final = group_access_token.KIND
PERSONAL: Final = personal_access_token.KIND
PROJECT_DEPLOY: Final = project_deploy_token.KIND
GROUP_DEPLOY: Final = group_deploy_token.KIND
GROUP_SERVICE_ACCOUNT: Final = group_service_account_access_token.KIND
PIPELINE_TRIGGER: Final = pipeline_trigger.KIND
IMPERSONATION: Final = user_impersonation_token.KIND
PROJECT_SERVICE_ACCOUNT: Final = project_service_account_access_token.KIND
CLUSTER_AGENT_TOKEN: Final = cluster_agent_token.KIND
PROJECT_RUNNER: Final = project_runner.KIND
GROUP_RUNNER: Final = group_runner.KIND

#: Every kind the provider serves.
ALL: Final[tuple[TokenKind, ...]] = (PROJECT, GROUP, PERSONAL, PROJECT_DEPLOY, GROUP_DEPLOY, GROUP_SERVICE_ACCOUNT,
                                     PIPELINE_TRIGGER, IMPERSONATION, PROJECT_SERVICE_ACCOUNT, CLUSTER_AGENT_TOKEN,
                                     PROJECT_RUNNER, GROUP_RUNNER)

#: The kinds by Pulumi type token.
BY_TYPE_TOKEN: Final[Mapping[str, TokenKind]] = {kind.type_token: kind for kind in ALL}

__all__ = ["ALL", "BY_TYPE_TOKEN", "CLUSTER_AGENT_TOKEN", "GROUP", "GROUP_DEPLOY", "GROUP_SERVICE_ACCOUNT",
           "GROUP_RUNNER", "IMPERSONATION", "KEEP", "PERSONAL", "PIPELINE_TRIGGER", "PROJECT", "PROJECT_DEPLOY",
           "PROJECT_RUNNER", "PROJECT_SERVICE_ACCOUNT", "InputField", "OnChange", "OutputField", "PulumiGitlabType", "Routes",
           "TokenKind"]
