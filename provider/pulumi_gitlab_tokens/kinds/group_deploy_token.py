"""``GroupDeployToken``: a group's deploy token (``/groups/:id/deploy_tokens``)."""

from __future__ import annotations

from ..common import catalogue
from . import deploy_token_fields, parts, resource_tokens
from .base import PulumiGitlabType, Routes, TokenKind

KIND = TokenKind(
    resource_name="GroupDeployToken",
    type_token=catalogue.GROUP_DEPLOY_TOKEN_TYPE,
    routes=Routes(
        create="/groups/{parent}/deploy_tokens",
        get="/groups/{parent}/deploy_tokens/{id}",
        list="/groups/{parent}/deploy_tokens",
        revoke="/groups/{parent}/deploy_tokens/{id}",
    ),
    manager="GroupDeployTokenManager",
    inputs=(resource_tokens.parent_input("group"),) + deploy_token_fields.INPUTS,
    outputs=deploy_token_fields.OUTPUTS,
    scopes=catalogue.DEPLOY_TOKEN_SCOPES,
    scopes_owner="deploy tokens",
    list_filters=frozenset({"active"}),  # GitLab's deploy-token list takes only ``active``
    home=parts.GROUP,
    creators=parts.RoleCheck("Owner"),
    holder=parts.NoUser("deploy"),
    mark=parts.AfterName("name"),
    absence=parts.Absence(missing_token="404 Not found"),
    lifetime=parts.FreeLifetime(),
    renewal=parts.Replacement(),
    id_table="deploy_tokens",
    label="group deploy token",
    # pulumi-gitlab's schema has no rotation_configuration for it: only a new expires_at renews it.
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_GROUP_DEPLOY_TOKEN_TYPE,
                                    lacks=frozenset({"rotation_configuration"})),),
)
