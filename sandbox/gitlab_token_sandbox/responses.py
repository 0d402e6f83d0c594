"""The HTTP side of access tokens: read parameters, call the model, render GitLab's entities.

Like moto's ``responses.py``: no rule of GitLab's lives here, only the order in
which an endpoint checks things (the reference's sections 1.1-1.8: parameter
validation 400 ``error``, resource lookup 404, permission 401/400, token lookup
404, then the service's own 400s) and the shapes it answers with. The rules
are in :mod:`.models` and :mod:`.rules`; the routes in :mod:`.urls`.
"""

from __future__ import annotations

import sqlite3

from . import entities, errors, models, permissions
from .context import Call, Context
from .pagination import paginate
from .params import Params
from .web import Response


def _entity(ctx: Context, token: sqlite3.Row) -> dict:
    return entities.resource_access_token(ctx.store, token, ctx.today().isoformat(), ctx.config.profile)


def _created(ctx: Context, token: sqlite3.Row, secret: str, status: int) -> Response:
    return Response.json(status, entities.with_token(_entity(ctx, token), secret))


# --- project and group access tokens ------------------------------------------------

def read_token_filters(p: Params) -> models.TokenFilters:
    """``PersonalAccessTokensHelpers#access_token_params``: the filters every token list takes."""
    return models.TokenFilters(
        state=p.string("state", values=("active", "inactive")), revoked=p.boolean("revoked"),
        created_before=p.datetime("created_before"), created_after=p.datetime("created_after"),
        last_used_before=p.datetime("last_used_before"), last_used_after=p.datetime("last_used_after"),
        expires_before=p.date("expires_before"), expires_after=p.date("expires_after"),
        search=p.string("search"), sort=p.string("sort"))


def list_tokens(kind: str, ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    filters = read_token_filters(p)
    p.check()
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    if not permissions.can_read_tokens(ctx.store, call.user, resource):
        raise errors.unauthorized()
    rows = models.list_resource_tokens(ctx, resource, filters)
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    return Response.json(200, [_entity(ctx, row) for row in page], headers)


def get_token(kind: str, ctx: Context, call: Call) -> Response:
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    if not permissions.can_read_tokens(ctx.store, call.user, resource):
        raise errors.unauthorized()
    ident = call.path_params["token_id"]
    token = models.find_resource_token(ctx, resource, ident)
    if token is None:
        raise models.token_not_found(ctx, kind, ident)
    return Response.json(200, _entity(ctx, token))


def create_token(kind: str, ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    name = p.string("name", required=True)
    description = p.string("description")
    scopes = p.string_array("scopes", required=True, values=ctx.config.profile.resource_token_scopes)
    expires_at = p.date("expires_at")
    level = p.integer("access_level", values=tuple(ctx.config.profile.access_levels.values()))
    p.check()
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    token, secret = models.create_resource_token(
        ctx, call.user, resource, name=name or "", description=description, scopes=scopes or [],
        expires_at=expires_at, access_level=level, host=ctx.host_name(call.request),
        expires_at_sent="expires_at" in call.request.params)
    return _created(ctx, token, secret, 201)


def revoke_token(kind: str, ctx: Context, call: Call) -> Response:
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    models.revoke_resource_token(ctx, call.user, resource, call.path_params["token_id"])
    return Response.no_content()


def rotate_token(kind: str, ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    expires_at = p.date("expires_at")
    p.check()
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    token, secret = models.rotate_resource_token(ctx, call.user, resource, call.path_params["token_id"],
                                                 expires_at)
    return _created(ctx, token, secret, 200)


def self_rotate_token(kind: str, ctx: Context, call: Call) -> Response:
    """``POST /{projects|groups}/:id/access_tokens/self/rotate``: a bot rotates its own token."""
    p = Params(call.request.params)
    expires_at = p.date("expires_at")
    p.check()
    if not permissions.is_bot(call.user):
        raise errors.not_allowed()
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    current = models.find_resource_token(ctx, resource, str(call.token["id"]))
    if current is None:
        raise errors.unauthorized()
    token, secret = models.rotate(ctx, current, expires_at)
    return _created(ctx, token, secret, 200)


# --- /personal_access_tokens/self ----------------------------------------------------

def _current(ctx: Context, token: sqlite3.Row) -> sqlite3.Row:
    """The caller's token as it is now: a concurrent request may have rotated it since authentication."""
    return ctx.store.token(token["id"]) or token


def get_self(ctx: Context, call: Call) -> Response:
    token = _current(ctx, call.token)
    return Response.json(200, entities.personal_access_token_with_ips(token, ctx.today().isoformat(),
                                                                      ctx.config.profile))


def revoke_self(ctx: Context, call: Call) -> Response:
    ctx.store.revoke_token(call.token["id"], ctx.now_text())
    return Response.no_content()


def rotate_self(ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    expires_at = p.date("expires_at")
    p.check()
    token, secret = models.rotate(ctx, _current(ctx, call.token), expires_at)
    entity = entities.personal_access_token(token, ctx.today().isoformat(), ctx.config.profile)
    return Response.json(200, entities.with_token(entity, secret))
