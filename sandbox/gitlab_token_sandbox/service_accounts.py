"""Service accounts and their personal access tokens: group, project and instance ones.

GitLab's sources (gitlab-org/gitlab, mirrored as gitlabhq/gitlabhq):

- routes: ``lib/api/group_service_accounts.rb``, ``lib/api/project_service_accounts.rb``,
  ``lib/api/service_accounts.rb`` (instance, administrators only);
- accounts: ``app/services/users/service_accounts/create_service.rb`` and
  ``app/services/namespaces/service_accounts/{base,group,project}_create_service.rb``
  (defaults: name ``Service account user``, username ``service_account[_group_<id>]_<32 hex>``,
  email ``<username>@noreply.<host>``), ``.../base_delete_service.rb``; updates (``PATCH``, 17.10, email
  from 18.2): ``app/services/users/service_accounts/update_service.rb``, its namespace subclass and
  ``app/services/users/update_service.rb``;
- permissions: ``admin_service_accounts`` (group Owner, project Maintainer, administrator) guards every
  group and project route; before 18.11 creating a group's account also needs a top-level group
  (``create_service_account`` has ``~has_parent``), and project routes exist only from 18.10/18.11
  (:class:`.profiles.Profile` says which the profile has, and whether creation is rate-limited);
- usernames, names and emails: ``User``'s validations, :func:`.rules.user_problems`;
- tokens: ``PersonalAccessTokens::CreateService`` / ``RotateService`` / ``RevokeService`` for the account,
  scopes from ``Gitlab::Auth.all_available_scopes``.

A service account is a user: its tokens live with every other personal token, so they authenticate,
expire and stop working when revoked or rotated exactly like them.
"""

from __future__ import annotations

import secrets
import sqlite3

from . import entities, errors, models, permissions, rules
from .context import Call, Context
from .pagination import paginate
from .params import Params, numeric_id
from .permissions import Resource
from .responses import read_token_filters
from .web import Response

#: ``set_username_errors``: the path is a group's (or an alias's), not another user's.
_PATH_TAKEN_MESSAGE = "A user, alias, or group already exists with that username."


# --- entities ------------------------------------------------------------------------

def service_account_entity(row: sqlite3.Row) -> dict:
    """``API::Entities::ServiceAccount``: ``UserSafe`` (id, username, name) and ``email``.

    The versions of GitLab's source read differ past these four: one entity adds ``external``, one request
    spec expects ``public_email``; the fields every version has are the ones served.
    """
    return {"id": row["id"], "username": row["username"], "name": row["name"], "email": row["email"]}


def token_entity(ctx: Context, token: sqlite3.Row) -> dict:
    """``API::Entities::PersonalAccessToken`` (the service-account token routes answer with it)."""
    return entities.personal_access_token(token, ctx.today().isoformat(), ctx.config.profile)


# --- the model -----------------------------------------------------------------------

def create_account(ctx: Context, host: str, *, owner_type: str, owner_id: int | None, name: str | None,
                   username: str | None, email: str | None) -> sqlite3.Row:
    """``Users::ServiceAccounts::CreateService`` (and its namespace subclasses): defaults, then ``User``'s checks."""
    store = ctx.store
    prefix = rules.SERVICE_ACCOUNT_PREFIX if owner_id is None else f"{rules.SERVICE_ACCOUNT_PREFIX}_{owner_type}_{owner_id}"
    # UsernameAndEmailGenerator: "<prefix>_<32 hex>", and its email "<username>@noreply.<host>".
    username = username or f"{prefix}_{secrets.token_hex(16)}"
    email = email or f"{username}@noreply.{host}"
    name = rules.sanitized_user_name(name or rules.SERVICE_ACCOUNT_DEFAULT_NAME)
    problems = _user_problems(ctx, username=username, name=name, email=email)
    if problems:
        raise errors.bad_request(errors.to_sentence(problems))
    now = ctx.now_text()
    user_id = store.create_user(username=username, name=name, email=email,
                                created_at=now, service_account_type=owner_type, service_account_owner_id=owner_id)
    store.create_namespace(kind="user", name=name, path=username,
                           parent_id=None, owner_id=user_id, visibility="private", created_at=now)
    row = store.user(user_id)
    assert row is not None
    return row


def _user_problems(ctx: Context, *, username: str, name: str, email: str,
                   account: sqlite3.Row | None = None) -> list[str]:
    """``User``'s full messages for these values, uniqueness included (``account``: the user being changed)."""
    store = ctx.store

    def someone_else(row: sqlite3.Row | None) -> bool:
        return row is not None and (account is None or row["id"] != account["id"])

    problems = ["Email has already been taken"] if someone_else(store.user_by_email(email)) else []
    problems += rules.user_problems(username=username, name=name, email=email)
    if someone_else(store.user_by_username(username)):
        problems.append("Username has already been taken")
    else:
        path = store.namespace_by_path(username)
        if path is not None and (account is None or path["owner_id"] != account["id"] or path["kind"] != "user"):
            problems.append(_PATH_TAKEN_MESSAGE)
    return problems


def update_account(ctx: Context, account: sqlite3.Row, *, name: str | None, username: str | None,
                   email: str | None) -> sqlite3.Row:
    """``Users::ServiceAccounts::UpdateService`` (``compact_blank``), then ``Users::UpdateService``.

    Its errors are ``full_messages.uniq.join('. ')``, which the route renders as a bare
    ``400 {"message": ...}``. The email changes at once: the sandbox's ``email_confirmation_setting``
    is GitLab's default, off (``hard`` would keep it as ``unconfirmed_email``).
    """
    new_name = rules.sanitized_user_name(name) if name else account["name"]
    new_username = username or account["username"]
    new_email = email or account["email"]
    problems = _user_problems(ctx, username=new_username, name=new_name, email=new_email, account=account)
    if problems:
        raise errors.ApiError(400, {"message": ". ".join(dict.fromkeys(problems))})
    ctx.store.run("UPDATE users SET name = ?, username = ?, email = ? WHERE id = ?",
                  (new_name, new_username, new_email, account["id"]))
    # The personal namespace follows the username (Namespace path and name).
    ctx.store.run("UPDATE namespaces SET name = ?, path = ?, full_path = ? WHERE kind = 'user' AND owner_id = ?",
                  (new_name, new_username, new_username, account["id"]))
    row = ctx.store.user(account["id"])
    assert row is not None
    return row


def may_admin_service_accounts(ctx: Context, caller: sqlite3.Row, resource: Resource) -> bool:
    """``admin_service_accounts``: Owner of the group, Maintainer of the project, or an administrator."""
    level = permissions.access_level(ctx.store, caller, resource)
    return level >= rules.SERVICE_ACCOUNT_ADMIN_LEVEL[resource.kind]


def account_of(ctx: Context, resource: Resource, ident: str) -> sqlite3.Row | None:
    """``provisioned_users.find_by_id`` / ``service_accounts.find_by_id``: an account this resource made."""
    number = numeric_id(ident)
    user = ctx.store.user(number) if number is not None else None
    if user is None or user["service_account_type"] != resource.kind or user["service_account_owner_id"] != resource.id:
        return None
    return user


def manages_account_of(ctx: Context, caller: sqlite3.Row, account: sqlite3.Row) -> bool:
    """``token_user_is_admin_managed_service_account``: the caller administers the account's group or project."""
    kind = account["service_account_type"]
    if kind not in ("group", "project"):
        return False
    row = ctx.store.project(account["service_account_owner_id"]) if kind == "project" \
        else ctx.store.namespace(account["service_account_owner_id"])
    return row is not None and may_admin_service_accounts(ctx, caller, Resource(kind, row))


def create_user_token(ctx: Context, account: sqlite3.Row, *, name: str, description: str | None,
                      scopes: list[str], expires_at) -> tuple[sqlite3.Row, str]:
    """``PersonalAccessTokens::CreateService`` for another user, as the API calls it (a service account's
    routes and the administrators' ``POST /users/:user_id/personal_access_tokens``): model errors are
    ``render_api_error!(message, response.http_status || :unprocessable_entity)``, a ``422 {"message": ...}``."""
    expiry = expires_at or ctx.today() + models.default_lifetime(ctx)
    problems = models.new_token_problems(ctx, name, description, scopes, expiry)
    if problems:
        # render_api_error!(response.message, response.http_status || :unprocessable_entity)
        raise errors.ApiError(422, {"message": errors.to_sentence(problems)})
    return models.create_personal_token(ctx, account, name, description, scopes, expiry)


# --- group and project routes --------------------------------------------------------

def _authorized_resource(kind: str, ctx: Context, call: Call) -> Resource:
    """The ``before`` block: find the group or project (404), then ``admin_service_accounts`` (403).

    A profile without project service accounts has no such routes: Grape's ``404 Not Found``.
    """
    if kind == "project" and not ctx.config.profile.project_service_accounts:
        raise errors.route_not_found()
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    if not may_admin_service_accounts(ctx, call.user, resource):
        raise errors.forbidden()
    return resource


def _account_params(p: Params) -> dict:
    return {"name": p.string("name"), "username": p.string("username"), "email": p.string("email")}


def _check_creation_limit(ctx: Context, call: Call) -> None:
    """``check_rate_limit!(:service_account_creation, scope: current_user)``: one count per user for every route."""
    if not ctx.config.profile.service_account_creation_limited:
        return
    retry_after = ctx.application_limits.throttled("service_account_creation", call.user["id"], ctx.clock.now())
    if retry_after is not None:
        raise errors.ApiError(429, {"message": {"error": rules.RATE_LIMITED_MESSAGE}},
                              {"Retry-After": str(int(retry_after))})


def create_service_account(kind: str, ctx: Context, call: Call) -> Response:
    """``POST /{groups,projects}/:id/service_accounts``: 201 with the account."""
    resource = _authorized_resource(kind, ctx, call)
    p = Params(call.request.params)
    values = _account_params(p)
    p.check()
    profile = ctx.config.profile
    _check_creation_limit(ctx, call)
    if kind == "group" and resource.row["parent_id"] is not None and not profile.subgroup_service_accounts:
        # create_service_account needs a top-level group (~has_parent), administrators included.
        raise errors.bad_request("User does not have permission to create a service account in this group.")
    account = create_account(ctx, ctx.host_name(call.request), owner_type=kind, owner_id=resource.id,
                             name=values["name"] or None, username=values["username"] or None,
                             email=values["email"] or None)
    return Response.json(201, service_account_entity(account))


def _list_accounts(ctx: Context, call: Call, owner_type: str, owner_id: int | None) -> Response:
    p = Params(call.request.params)
    order_by = p.string("order_by", values=rules.SERVICE_ACCOUNT_ORDERS) or "id"
    sort = p.string("sort", values=("asc", "desc")) or "desc"
    p.check()
    rows = ctx.store.service_accounts(owner_type, owner_id, order_by, sort == "desc")
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    return Response.json(200, [service_account_entity(row) for row in page], headers)


def list_service_accounts(kind: str, ctx: Context, call: Call) -> Response:
    """``GET /{groups,projects}/:id/service_accounts``: ``order_by`` id|username (id), ``sort`` asc|desc (desc)."""
    resource = _authorized_resource(kind, ctx, call)
    return _list_accounts(ctx, call, kind, resource.id)


def _user_id_param(call: Call) -> None:
    """``requires :user_id, type: Integer``."""
    if numeric_id(call.path_params["user_id"]) is None:
        raise errors.param_errors(["user_id is invalid"])


def _account(kind: str, ctx: Context, call: Call, resource: Resource) -> sqlite3.Row:
    account = account_of(ctx, resource, call.path_params["user_id"])
    if account is None:
        raise errors.not_found("User")
    return account


def delete_service_account(kind: str, ctx: Context, call: Call) -> Response:
    """``DELETE /{groups,projects}/:id/service_accounts/:user_id``: 204; the user and its tokens go.

    GitLab deletes the user in a background job (``hard_delete`` also removes its contributions,
    which the sandbox does not keep); the sandbox deletes it at once.
    """
    resource = _authorized_resource(kind, ctx, call)
    p = Params(call.request.params)
    p.boolean("hard_delete")
    p.check()
    _user_id_param(call)
    account = _account(kind, ctx, call, resource)
    ctx.store.delete_user(account["id"])
    return Response.no_content()


def update_service_account(kind: str, ctx: Context, call: Call) -> Response:
    """``PATCH /{groups,projects}/:id/service_accounts/:user_id``: 200 with the account; blank fields are left."""
    resource = _authorized_resource(kind, ctx, call)
    p = Params(call.request.params)
    values = _account_params(p)
    p.check()
    _user_id_param(call)
    account = _account(kind, ctx, call, resource)
    updated = update_account(ctx, account, name=values["name"], username=values["username"], email=values["email"])
    return Response.json(200, service_account_entity(updated))


def list_account_tokens(kind: str, ctx: Context, call: Call) -> Response:
    """``GET .../service_accounts/:user_id/personal_access_tokens``: the token list filters, paginated."""
    resource = _authorized_resource(kind, ctx, call)
    p = Params(call.request.params)
    filters = read_token_filters(p)
    p.check()
    account = _account(kind, ctx, call, resource)
    where, args = models.token_filter_sql(ctx, filters)
    rows = ctx.store.tokens_where(" AND ".join(["t.user_id = ?", *where]), [account["id"], *args],
                                  models.SORTS.get(filters.sort or "", "t.id"))
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    return Response.json(200, [token_entity(ctx, row) for row in page], headers)


def _token_params(p: Params) -> dict:
    """``create_personal_access_token_params`` plus ``scopes`` from ``all_available_scopes``."""
    return {"name": p.string("name", required=True), "description": p.string("description"),
            "expires_at": p.date("expires_at"),
            "scopes": p.comma_separated_array("scopes", required=True, values=rules.PERSONAL_TOKEN_SCOPES)}


def create_account_token_route(kind: str, ctx: Context, call: Call) -> Response:
    """``POST .../service_accounts/:user_id/personal_access_tokens``: 201 with the token's value."""
    resource = _authorized_resource(kind, ctx, call)
    p = Params(call.request.params)
    values = _token_params(p)
    p.check()
    account = _account(kind, ctx, call, resource)
    token, secret = create_user_token(ctx, account, name=values["name"] or "", description=values["description"],
                                      scopes=values["scopes"] or [], expires_at=values["expires_at"])
    return Response.json(201, entities.with_token(token_entity(ctx, token), secret))


def _account_token(ctx: Context, account: sqlite3.Row, ident: str) -> sqlite3.Row | None:
    number = numeric_id(ident)
    token = ctx.store.token(number) if number is not None else None
    return token if token is not None and token["user_id"] == account["id"] else None


def rotate_account_token(kind: str, ctx: Context, call: Call) -> Response:
    """``POST .../personal_access_tokens/:token_id/rotate``: 200 with the successor's value."""
    resource = _authorized_resource(kind, ctx, call)
    p = Params(call.request.params)
    expires_at = p.date("expires_at")
    p.check()
    account = _account(kind, ctx, call, resource)
    token = _account_token(ctx, account, call.path_params["token_id"])
    if token is None:
        # The group route answers a bare not_found!, the project route names the token.
        raise errors.not_found() if kind == "group" else errors.not_found("Personal Access Token")
    successor, secret = models.rotate(ctx, token, expires_at)
    return Response.json(200, entities.with_token(token_entity(ctx, successor), secret))


def revoke_account_token(kind: str, ctx: Context, call: Call) -> Response:
    """``DELETE .../personal_access_tokens/:token_id``: 204 (a revoked token may be revoked again)."""
    resource = _authorized_resource(kind, ctx, call)
    account = _account(kind, ctx, call, resource)
    token = _account_token(ctx, account, call.path_params["token_id"])
    if token is None:
        raise errors.not_found("Personal Access Token")
    ctx.store.revoke_token(token["id"], ctx.now_text())
    return Response.no_content()


# --- instance routes (administrators only) ---------------------------------------------

def create_instance_service_account(ctx: Context, call: Call) -> Response:
    """``POST /service_accounts``: 201; ``authenticated_as_admin!`` first (403 for everyone else).

    The creation limit is the group and project routes' one, counted together: the copies of
    ``lib/api/service_accounts.rb`` that check it are of the same granular-token era as the group route's.
    """
    if not permissions.is_admin(call.user):
        raise errors.forbidden()
    p = Params(call.request.params)
    values = _account_params(p)
    p.check()
    _check_creation_limit(ctx, call)
    account = create_account(ctx, ctx.host_name(call.request), owner_type="instance", owner_id=None,
                             name=values["name"] or None, username=values["username"] or None,
                             email=values["email"] or None)
    return Response.json(201, service_account_entity(account))


def list_instance_service_accounts(ctx: Context, call: Call) -> Response:
    """``GET /service_accounts``: every instance service account, as the group list."""
    if not permissions.is_admin(call.user):
        raise errors.forbidden()
    return _list_accounts(ctx, call, "instance", None)
