"""``GroupAccessToken``: a group's access token (``/groups/:id/access_tokens``)."""

from __future__ import annotations

from ..common import catalogue
from . import resource_tokens
from .base import Routes, TokenKind

KIND = TokenKind(
    parent="group",
    collection="groups",
    parent_example="acme/platform",
    parent_is_project=False,
    resource_name="GroupAccessToken",
    type_token=catalogue.GROUP_TOKEN_TYPE,
    manager_role="Owner",
    routes=Routes(
        create="/groups/{parent}/access_tokens",
        get="/groups/{parent}/access_tokens/{id}",
        list="/groups/{parent}/access_tokens",
        revoke="/groups/{parent}/access_tokens/{id}",
        rotate="/groups/{parent}/access_tokens/{id}/rotate",
        self_rotate="/groups/{parent}/access_tokens/self/rotate",
    ),
    manager="GroupAccessTokenManager",
    inputs=(resource_tokens.parent_input("group"),) + resource_tokens.INPUTS,
    outputs=resource_tokens.OUTPUTS,
    scopes=catalogue.RESOURCE_TOKEN_SCOPES,
    scopes_owner="project and group tokens",
)
