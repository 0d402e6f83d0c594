"""``UserImpersonationToken``: a token that acts as a user, made by an administrator.

GitLab's users API (``lib/api/users.rb``, the ``impersonation_tokens`` resource under
``/users/:user_id``, ``before { authenticated_as_admin! }``): list (``state`` only),
create, get and revoke; there is no rotate route there, so a new expiry or the rotation
window replaces the token (create before revoke). The create route saves the model
itself and answers its errors by attribute (``render_validation_error!``); GitLab
checks the scopes against every scope it has, so the personal ones, ``sudo`` and
``admin_mode`` included. Inputs follow pulumi-gitlab's ``gitlab.UserImpersonationToken``,
with ``description`` (GitLab takes one; the ownership mark goes there) and
``rotation_configuration`` as the other kinds have them.
"""

from __future__ import annotations

from ..common import catalogue
from . import parts, resource_tokens
from .base import OutputField, PulumiGitlabType, Routes, TokenKind
from .personal_access_token import USER_INPUT

_TOKENS = "/users/{parent}/impersonation_tokens"
_SHARED = {field.name: field for field in resource_tokens.INPUTS}

KIND = TokenKind(
    resource_name="UserImpersonationToken",
    type_token=catalogue.IMPERSONATION_TOKEN_TYPE,
    routes=Routes(create=_TOKENS, get=_TOKENS + "/{id}", list=_TOKENS, revoke=_TOKENS + "/{id}"),
    manager="UserImpersonationTokenManager",
    inputs=(USER_INPUT, *(_SHARED[name] for name in ("name", "scopes", "description", "expires_at",
                                                    "rotation_configuration", "validate_past_expiration_date"))),
    outputs=(*(f for f in resource_tokens.OUTPUTS if f.name not in ("user_id", "access_level")),
             OutputField("impersonation", lambda answer, _: bool(answer.get("impersonation")))),
    scopes=catalogue.PERSONAL_TOKEN_SCOPES,
    scopes_owner="impersonation tokens",
    list_filters=frozenset({"state"}),  # GitLab's list takes only ``state``
    home=parts.USER,
    creators=parts.Administrators(),
    holder=parts.OwnUser(),
    reading=parts.ById(),
    # A deleted user takes its tokens along: GET and DELETE then answer ``find_user_by_id``'s 404.
    absence=parts.Absence(missing_token="404 Impersonation Token Not Found", holder_gone="404 User Not Found"),
    lifetime=parts.CappedLifetime(),
    renewal=parts.Replacement(),
    label="impersonation token",
    # pulumi-gitlab's schema has neither a description nor a rotation_configuration for it.
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_IMPERSONATION_TOKEN_TYPE,
                                    lacks=frozenset({"description", "rotation_configuration"})),),
)
