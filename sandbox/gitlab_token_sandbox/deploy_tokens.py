"""Project and group deploy tokens: create, list, get, delete; the administrators' list of all.

GitLab's sources: ``lib/api/deploy_tokens.rb``, ``lib/api/entities/deploy_token.rb`` and
``deploy_token_with_token.rb``, ``app/models/deploy_token.rb`` (scopes, ``gldt-`` prefix, username
default and format, ``expired?``, the ``active`` scope), ``app/services/concerns/deploy_token_methods.rb``
(create, and delete as ``find`` + ``destroy``), ``app/finders/deploy_tokens/tokens_finder.rb`` (``active``).

Deploy tokens have no rotate API. Their values are kept as digests in their own table, and they do not
authenticate at ``/api/v4`` (GitLab accepts them for Git over HTTP, the registries and package
endpoints, none of which the sandbox serves), so presenting one to the API is a 401 like any unknown token.
"""

from __future__ import annotations

import json
import secrets
import sqlite3

from . import errors, permissions, rules
from .clock import format_datetime
from .context import Call, Context
from .pagination import paginate
from .params import Params, numeric_id
from .permissions import Resource
from .tokens import digest
from .web import Response


def new_deploy_token_value() -> str:
    """``gldt-`` and 20 random URL-safe characters (``TokenAuthenticatable`` with the deploy-token prefix)."""
    return rules.DEPLOY_TOKEN_PREFIX + secrets.token_urlsafe(15)


def deploy_token_entity(ctx: Context, row: sqlite3.Row) -> dict:
    """``API::Entities::DeployToken``: never the value."""
    expires_at = row["expires_at"]
    today_start = f"{ctx.today().isoformat()}T00:00:00.000Z"
    stored = set(json.loads(row["scopes"]))
    return {
        "id": row["id"],
        "name": row["name"],
        "username": row["username"] or rules.DEPLOY_TOKEN_DEFAULT_USERNAME.format(id=row["id"]),
        "expires_at": expires_at,
        # DeployToken#scopes lists AVAILABLE_SCOPES in the model's order, whatever order was sent.
        "scopes": [scope for scope in rules.DEPLOY_TOKEN_SCOPES if scope in stored],
        "revoked": bool(row["revoked"]),
        # expired?: expires_at < Date.today, i.e. before today's 00:00 UTC.
        "expired": expires_at is not None and expires_at < today_start,
    }


def _check(ctx: Context, caller: sqlite3.Row, resource: Resource, levels) -> None:
    if permissions.access_level(ctx.store, caller, resource) < levels[resource.kind]:
        raise errors.forbidden()


def _token_id(call: Call) -> int:
    """``requires :token_id, type: Integer``."""
    number = numeric_id(call.path_params["token_id"])
    if number is None:
        raise errors.param_errors(["token_id is invalid"])
    return number


def _owned(ctx: Context, resource: Resource, token_id: int) -> sqlite3.Row:
    row = ctx.store.deploy_token(token_id)
    if row is None or row["owner_type"] != resource.kind or row["owner_id"] != resource.id:
        raise errors.record_not_found()
    return row


def _active_at(ctx: Context, active: bool | None) -> str | None:
    """The ``active`` scope: not revoked and ``expires_at >= NOW()``."""
    return ctx.now_text() if active else None


def list_tokens(kind: str, ctx: Context, call: Call) -> Response:
    """``GET /{projects,groups}/:id/deploy_tokens``: ``active`` filter, paginated, by id."""
    p = Params(call.request.params)
    active = p.boolean("active")
    p.check()
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    _check(ctx, call.user, resource, rules.DEPLOY_TOKEN_READ_LEVEL)
    rows = ctx.store.deploy_tokens(kind, resource.id, _active_at(ctx, active))
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    return Response.json(200, [deploy_token_entity(ctx, row) for row in page], headers)


def list_all_tokens(ctx: Context, call: Call) -> Response:
    """``GET /deploy_tokens``: every deploy token of the instance, administrators only."""
    if not permissions.is_admin(call.user):
        raise errors.forbidden()
    p = Params(call.request.params)
    active = p.boolean("active")
    p.check()
    rows = ctx.store.deploy_tokens(None, None, _active_at(ctx, active))
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    return Response.json(200, [deploy_token_entity(ctx, row) for row in page], headers)


def get_token(kind: str, ctx: Context, call: Call) -> Response:
    """``GET /{projects,groups}/:id/deploy_tokens/:token_id``."""
    token_id = _token_id(call)
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    _check(ctx, call.user, resource, rules.DEPLOY_TOKEN_READ_LEVEL)
    return Response.json(200, deploy_token_entity(ctx, _owned(ctx, resource, token_id)))


def _problems(name: str, username: str | None, scopes: list[str]) -> list[str]:
    """``DeployToken``'s validations, in the order GitLab adds them."""
    problems = []
    if not scopes:
        problems.append("Scopes can't be blank")
    if username is not None:
        if len(username) > rules.NAME_MAX_LENGTH:
            problems.append(f"Username is too long (maximum is {rules.NAME_MAX_LENGTH} characters)")
        if not rules.DEPLOY_TOKEN_USERNAME.match(username):
            problems.append(rules.DEPLOY_TOKEN_USERNAME_MESSAGE)
    if len(name) > rules.NAME_MAX_LENGTH:
        problems.append(f"Name is too long (maximum is {rules.NAME_MAX_LENGTH} characters)")
    return problems


def create_token(kind: str, ctx: Context, call: Call) -> Response:
    """``POST /{projects,groups}/:id/deploy_tokens``: 201 with ``token``; model errors are ``400 {"message"}``."""
    p = Params(call.request.params)
    name = p.string("name", required=True)
    scopes = p.comma_separated_array("scopes", required=True, values=rules.DEPLOY_TOKEN_SCOPES)
    expires_at = p.datetime("expires_at")
    username = p.string("username")
    p.check()
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    _check(ctx, call.user, resource, rules.DEPLOY_TOKEN_MANAGE_LEVEL)
    username = username or None  # params[:username].presence
    problems = _problems(name or "", username, scopes or [])
    if problems:
        raise errors.ApiError(400, {"message": errors.to_sentence(problems)})
    secret = new_deploy_token_value()
    token_id = ctx.store.create_deploy_token(
        owner_type=kind, owner_id=resource.id, name=name or "", username=username, scopes=json.dumps(scopes),
        digest=digest(secret), expires_at=format_datetime(expires_at) if expires_at else None,
        creator_id=call.user["id"], created_at=ctx.now_text())
    row = ctx.store.deploy_token(token_id)
    assert row is not None
    return Response.json(201, {**deploy_token_entity(ctx, row), "token": secret})


def delete_token(kind: str, ctx: Context, call: Call) -> Response:
    """``DELETE /{projects,groups}/:id/deploy_tokens/:token_id``: 204; the token is destroyed, not revoked."""
    token_id = _token_id(call)
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    _check(ctx, call.user, resource, rules.DEPLOY_TOKEN_MANAGE_LEVEL)
    ctx.store.delete_deploy_token(_owned(ctx, resource, token_id)["id"])
    return Response.no_content()
