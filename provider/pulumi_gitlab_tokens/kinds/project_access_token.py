"""``ProjectAccessToken``: a project's access token (``/projects/:id/access_tokens``)."""

from __future__ import annotations

from ..common import catalogue
from . import parts, resource_tokens
from .base import PulumiGitlabType, Routes, TokenKind

KIND = TokenKind(
    resource_name="ProjectAccessToken",
    type_token=catalogue.PROJECT_TOKEN_TYPE,
    routes=Routes(
        create="/projects/{parent}/access_tokens",
        get="/projects/{parent}/access_tokens/{id}",
        list="/projects/{parent}/access_tokens",
        revoke="/projects/{parent}/access_tokens/{id}",
        rotate="/projects/{parent}/access_tokens/{id}/rotate",
        self_rotate="/projects/{parent}/access_tokens/self/rotate",
    ),
    manager="ProjectAccessTokenManager",
    inputs=(resource_tokens.parent_input("project"),) + resource_tokens.INPUTS,
    outputs=resource_tokens.OUTPUTS,
    scopes=catalogue.RESOURCE_TOKEN_SCOPES,
    scopes_owner="project and group tokens",
    home=parts.PROJECT,
    creators=parts.Members("Maintainer", owner_level_needs_owner=True),
    renewal=parts.RotateRoute(self_rotates=True),
    label="project access token",
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_PROJECT_TOKEN_TYPE),),
)
