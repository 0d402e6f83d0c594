"""``ProjectDeployToken``: a project's deploy token (``/projects/:id/deploy_tokens``)."""

from __future__ import annotations

from ..common import catalogue
from . import deploy_token_fields, resource_tokens
from .base import Routes, TokenKind

KIND = TokenKind(
    parent="project",
    collection="projects",
    parent_example="acme/app",
    parent_is_project=True,
    resource_name="ProjectDeployToken",
    type_token=catalogue.PROJECT_DEPLOY_TOKEN_TYPE,
    manager_role="Maintainer",
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
    has_bot_user=False,
    needs_expiry=False,
    lifetime_capped=False,
    mark_field="name",
    missing_token_message="404 Not found",
    refused_as_forbidden=True,
    list_filters=frozenset({"active"}),  # GitLab's deploy-token list takes only ``active``
)
