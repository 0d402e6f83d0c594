"""``ProjectDeployToken``: a project's deploy token (``/projects/:id/deploy_tokens``)."""

from __future__ import annotations

from ..common import catalogue
from . import deploy_token_fields, parts, resource_tokens
from .base import PulumiGitlabType, Routes, TokenKind

KIND = TokenKind(
    resource_name="ProjectDeployToken",
    type_token=catalogue.PROJECT_DEPLOY_TOKEN_TYPE,
    routes=Routes(
        create="/projects/{parent}/deploy_tokens",
        get="/projects/{parent}/deploy_tokens/{id}",
        list="/projects/{parent}/deploy_tokens",
        revoke="/projects/{parent}/deploy_tokens/{id}",
    ),
    manager="ProjectDeployTokenManager",
    inputs=(resource_tokens.parent_input("project"),) + deploy_token_fields.INPUTS,
    outputs=deploy_token_fields.OUTPUTS,
    scopes=catalogue.DEPLOY_TOKEN_SCOPES,
    scopes_owner="deploy tokens",
    list_filters=frozenset({"active"}),  # GitLab's deploy-token list takes only ``active``
    home=parts.PROJECT,
    creators=parts.RoleCheck("Maintainer"),
    holder=parts.NoUser("deploy"),
    mark=parts.AfterName("name"),
    absence=parts.Absence(missing_token="404 Not found"),
    lifetime=parts.FreeLifetime(),
    renewal=parts.Replacement(),
    id_table="deploy_tokens",
    label="project deploy token",
    # pulumi-gitlab's schema has no rotation_configuration for it: only a new expires_at renews it.
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_PROJECT_DEPLOY_TOKEN_TYPE,
                                    lacks=frozenset({"rotation_configuration"})),),
)
