"""``ProjectServiceAccountAccessToken``: a personal access token of a project's service account.

Routes (``lib/api/project_service_accounts.rb``, GitLab 18.11 and later): create, list, rotate
and revoke under ``/projects/:id/service_accounts/:user_id/personal_access_tokens``; there is no
route for one token, so it is read from the list. Every route's ``before`` block runs
``authorize! :admin_service_accounts, user_project``: a project Maintainer, Owner or an
administrator (the routes' own descriptions and the request spec, where a Developer gets a bare
``403``). Everything else is the group account's token (:mod:`.group_service_account_access_token`):
the account's personal access tokens, the personal scopes less the administrators', a ``user_id``
shared by all the account's tokens (recovery goes by the mark alone), and ``404 User Not Found``
when the account is gone.
"""

from __future__ import annotations

from ..common import catalogue
from . import group_service_account_access_token as group_account_token
from . import parts, resource_tokens
from .base import PulumiGitlabType, Routes, TokenKind

_TOKENS = "/projects/{parent}/service_accounts/{user_id}/personal_access_tokens"

KIND = TokenKind(
    resource_name="ProjectServiceAccountAccessToken",
    type_token=catalogue.PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE,
    routes=Routes(
        create=_TOKENS,
        get=None,
        list=_TOKENS,
        revoke=_TOKENS + "/{id}",
        rotate=_TOKENS + "/{id}/rotate",
    ),
    manager="ProjectServiceAccountAccessTokenManager",
    inputs=(resource_tokens.parent_input("project"), *group_account_token.ACCOUNT_TOKEN_INPUTS),
    outputs=group_account_token.ACCOUNT_TOKEN_OUTPUTS,
    scopes=catalogue.SERVICE_ACCOUNT_TOKEN_SCOPES,
    scopes_owner="service account tokens",
    route_inputs=("user_id",),
    home=parts.PROJECT,
    creators=parts.RoleCheck("Maintainer"),
    holder=parts.OwnUser(),
    reading=parts.ByListing(),
    absence=parts.Absence(holder_gone="404 User Not Found"),
    renewal=parts.RotateRoute(),
    label="service account token",
    # pulumi-gitlab's schema has no description for it.
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE,
                                    lacks=frozenset({"description"})),),
)
