"""``GroupDeployToken``: a group's deploy token (``/groups/:id/deploy_tokens``)."""

from __future__ import annotations

from ..common import catalogue
from . import deploy_token_fields, resource_tokens
from .base import Routes, TokenKind

KIND = TokenKind(
    parent="group",
    collection="groups",
    parent_example="acme/platform",
    parent_is_project=False,
    resource_name="GroupDeployToken",
    type_token=catalogue.GROUP_DEPLOY_TOKEN_TYPE,
    manager_role="Owner",
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
    has_bot_user=False,
    needs_expiry=False,
    lifetime_capped=False,
    mark_field="name",
    missing_token_message="404 Not found",
    refused_as_forbidden=True,
    list_filters=frozenset({"active"}),  # GitLab's deploy-token list takes only ``active``
)
