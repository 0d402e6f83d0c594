"""``GroupServiceAccountAccessToken``: a personal access token of a group's service account.

Routes (``lib/api/group_service_accounts.rb``): create, list, rotate and revoke under
``/groups/:id/service_accounts/:user_id/personal_access_tokens``; there is no route for one
token, so it is read from the list. A group Owner or an administrator manages them
(``admin_service_accounts``, a bare ``403`` otherwise). The tokens are the account's
personal access tokens: no access level (the account's memberships decide), the
personal scopes less the administrators' (``catalogue.SERVICE_ACCOUNT_TOKEN_SCOPES``),
and ``user_id`` is the account, shared by all its tokens, so recovery goes by the
ownership mark in the description alone. A ``404 User Not Found`` means the account
is gone, and its tokens with it.
"""

from __future__ import annotations

from typing import Any

from ..common import catalogue
from ..rules import comparisons
from ..rules import inputs as parsers
from . import parts, resource_tokens
from .base import InputField, OnChange, OutputField, PulumiGitlabType, Routes, TokenKind

_TOKENS = "/groups/{parent}/service_accounts/{user_id}/personal_access_tokens"


def parse_user_id(kind: TokenKind, value: Any) -> int:
    """The service account's user id: a positive whole number (``GroupServiceAccount.service_account_id``,
    ``ProjectServiceAccount.service_account_id``: the account resource is the kind's name less ``AccessToken``)."""
    number = parsers.integral(value)
    if number is None or number <= 0:
        account = kind.resource_name.removesuffix("AccessToken")
        raise ValueError(f"user_id must be the service account's numeric user id (a positive whole number), "
                         f"not {value!r}; pass a {account}'s service_account_id")
    return number


_SHARED = {field.name: field for field in resource_tokens.INPUTS}

#: A service account token's inputs after its parent (a project's account's tokens take the same).
ACCOUNT_TOKEN_INPUTS: tuple[InputField, ...] = (
    InputField("user_id", parse_user_id, OnChange.REPLACE, comparisons.as_plain),
    *(_SHARED[name] for name in ("name", "scopes", "description", "expires_at", "rotation_configuration",
                                 "validate_past_expiration_date")),
    resource_tokens.adoption_input(),
)
#: A service account token's outputs: an access token's, with the account as ``user_id`` and no access level.
ACCOUNT_TOKEN_OUTPUTS: tuple[OutputField, ...] = tuple(
    OutputField("user_id", lambda answer, _: parsers.integral(answer.get("user_id")), computed=False)
    if field.name == "user_id" else field
    for field in resource_tokens.OUTPUTS if field.name != "access_level"
)

KIND = TokenKind(
    resource_name="GroupServiceAccountAccessToken",
    type_token=catalogue.SERVICE_ACCOUNT_TOKEN_TYPE,
    routes=Routes(
        create=_TOKENS,
        get=None,
        list=_TOKENS,
        revoke=_TOKENS + "/{id}",
        rotate=_TOKENS + "/{id}/rotate",
    ),
    manager="GroupServiceAccountAccessTokenManager",
    inputs=(resource_tokens.parent_input("group"), *ACCOUNT_TOKEN_INPUTS),
    outputs=ACCOUNT_TOKEN_OUTPUTS,
    scopes=catalogue.SERVICE_ACCOUNT_TOKEN_SCOPES,
    scopes_owner="service account tokens",
    route_inputs=("user_id",),
    home=parts.GROUP,
    creators=parts.RoleCheck("Owner"),
    holder=parts.OwnUser(),
    reading=parts.ByListing(),
    absence=parts.Absence(holder_gone="404 User Not Found"),
    renewal=parts.RotateRoute(),
    label="service account token",
    # pulumi-gitlab's schema has no description for it.
    pulumi_gitlab=(PulumiGitlabType(catalogue.PULUMI_GITLAB_SERVICE_ACCOUNT_TOKEN_TYPE,
                                    lacks=frozenset({"description"})),),
)
