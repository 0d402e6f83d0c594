"""``GroupAccessToken``: a group's access token (``/groups/:id/access_tokens``)."""

from __future__ import annotations

from ..common import catalogue
from . import parts, resource_tokens
from .base import PulumiGitlabType, Routes, TokenKind

KIND = TokenKind(
    resource_name="GroupAccessToken",
    type_token=catalogue.GROUP_TOKEN_TYPE,
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
    home=parts.GROUP,
    creators=parts.Members("Owner"),
    renewal=parts.RotateRoute(self_rotates=True),
    label="group access token",
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_GROUP_TOKEN_TYPE),),
)
