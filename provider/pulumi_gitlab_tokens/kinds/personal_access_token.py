"""``PersonalAccessToken``: a user's personal access token, made by an administrator.

GitLab's administrator API: ``POST /users/:user_id/personal_access_tokens``
creates it (``authenticated_as_admin!``), and ``/personal_access_tokens/:id``
gets, rotates and revokes it; ``GET /personal_access_tokens?user_id=`` lists a
user's tokens. An instance service account (``POST /service_accounts``) is a
user like any other here. The user is the parent, so there is no bot user of
the token's own and no access level; the ownership mark goes in the
description, as for every kind.
"""

from __future__ import annotations

from ..common import catalogue
from ..rules import comparisons, references
from . import parts, resource_tokens
from .base import InputField, OnChange, PulumiGitlabType, Routes, TokenKind

#: The user's id: GitLab's ``:user_id`` is an Integer, so no path is accepted.
USER_INPUT = InputField("user_id", references.parse_id, OnChange.REPLACE, comparisons.as_plain)

KIND = TokenKind(
    resource_name="PersonalAccessToken",
    type_token=catalogue.PERSONAL_TOKEN_TYPE,
    routes=Routes(
        create="/users/{parent}/personal_access_tokens",
        get="/personal_access_tokens/{id}",
        list="/personal_access_tokens",
        revoke="/personal_access_tokens/{id}",
        rotate="/personal_access_tokens/{id}/rotate",
        self_rotate="/personal_access_tokens/self/rotate",
    ),
    manager="PersonalAccessTokenManager",
    create_manager="UserPersonalAccessTokenManager",
    inputs=(USER_INPUT,) + tuple(f for f in resource_tokens.INPUTS
                                 if f.name not in ("access_level", "validate_past_expiration_date")),
    outputs=tuple(f for f in resource_tokens.OUTPUTS if f.name not in ("user_id", "access_level")),
    scopes=catalogue.PERSONAL_TOKEN_SCOPES,
    scopes_owner="personal access tokens",
    home=parts.USER,
    creators=parts.Administrators(),
    holder=parts.OwnUser(),
    listing=parts.FilteredBy("user_id"),
    renewal=parts.RotateRoute(self_rotates=True),
    label="personal access token",
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_PERSONAL_TOKEN_TYPE),),
)
