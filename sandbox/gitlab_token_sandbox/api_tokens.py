"""Project and group access tokens, and the personal-access-token "self" endpoints.

Each handler follows the check order the reference gives for GitLab 17.9-18.x
(sections 1.1-1.8): parameter validation (400 ``error``), resource lookup
(404), permission (401 or 400, depending on the endpoint), token lookup (404),
then the service's own checks (400 ``400 Bad request - ...``).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3

from . import entities, errors, permissions, rules
from .clock import format_datetime
from .context import Call, Context
from .pagination import paginate
from .params import Params, numeric_id
from .permissions import OWNER, Resource
from .search import fuzzy_where
from .tokens import digest, new_token_value
from .web import Response

#: ``Gitlab::Access.options_with_owner`` in 18.x (no Security Manager yet).
TOKEN_ACCESS_LEVELS = tuple(rules.ACCESS_LEVELS.values())

_SORTS = {
    "created_asc": "t.created_at ASC, t.id ASC",
    "created_desc": "t.created_at DESC, t.id DESC",
    # Sortable orders by arel's lower(name). GitLab sets no tie-breaker; id keeps pages stable.
    "name_asc": "lower(t.name) ASC, t.id ASC",
    "name_desc": "lower(t.name) DESC, t.id DESC",
    # PersonalAccessToken.simple_sorts maps these to order_*_id_desc: ties by id DESC either way.
    # PostgreSQL puts NULLs last when ascending and first when descending; SQLite does not.
    "expires_asc": "t.expires_at IS NULL, t.expires_at ASC, t.id DESC",
    "expires_desc": "t.expires_at IS NULL DESC, t.expires_at DESC, t.id DESC",
    "last_used_asc": "t.last_used_at IS NULL, t.last_used_at ASC, t.id DESC",
    "last_used_desc": "t.last_used_at IS NULL DESC, t.last_used_at DESC, t.id DESC",
}


# --- rules shared by every way of minting a token -------------------------------------

def default_lifetime(ctx: Context) -> dt.timedelta:
    """``expires_at`` when omitted on create: the maximum lifetime (365 days by default)."""
    return dt.timedelta(days=ctx.config.max_lifetime_days)


def validate_new_token(ctx: Context, name: str, description: str | None, scopes: list[str],
                       expires_at: dt.date | None) -> None:
    """The ``PersonalAccessToken`` model validations, as one ``400 Bad request - ...``."""
    problems = []
    if not name.strip():
        problems.append("Name can't be blank")
    elif len(name) > rules.NAME_MAX_LENGTH:
        problems.append(f"Name is too long (maximum is {rules.NAME_MAX_LENGTH} characters)")
    if not scopes:
        problems.append("Scopes can't be blank")
    if description is not None and len(description) > rules.DESCRIPTION_MAX_LENGTH:
        problems.append(f"Description is too long (maximum is {rules.DESCRIPTION_MAX_LENGTH} characters)")
    problems += _lifetime_problems(ctx, expires_at)
    if problems:
        raise errors.bad_request(errors.to_sentence(problems))


def _lifetime_problems(ctx: Context, expires_at: dt.date | None) -> list[str]:
    """The maximum-lifetime validation GitLab runs whenever a token is created (rotation too)."""
    latest = ctx.today() + dt.timedelta(days=ctx.config.max_lifetime_days)
    if expires_at is not None and expires_at > latest:
        return [f"Expires at must be before {latest.isoformat()}"]
    return []


def rotate(ctx: Context, old: sqlite3.Row, expires_at: dt.date | None) -> tuple[sqlite3.Row, str]:
    """``PersonalAccessTokens::RotateService``: revoke ``old``, mint its successor for the same user."""
    if old["revoked"]:
        raise errors.bad_request("Token already revoked")
    expiry = expires_at or ctx.today() + dt.timedelta(days=rules.ROTATION_DEFAULT_DAYS)
    problems = _lifetime_problems(ctx, expiry)
    if problems:
        raise errors.bad_request(errors.to_sentence(problems))
    store = ctx.store
    store.revoke_token(old["id"])
    secret = new_token_value(old["user_id"])
    new_id = store.create_token(user_id=old["user_id"], name=old["name"], description=old["description"],
                                scopes=json.loads(old["scopes"]), digest=digest(secret),
                                created_at=ctx.now_text(), expires_at=expiry.isoformat(),
                                previous_token_id=old["id"])
    return store.token(new_id), secret


def _find_token(ctx: Context, resource: Resource, ident: str) -> sqlite3.Row | None:
    """A token whose bot belongs to ``resource`` (revoked and expired ones included)."""
    number = numeric_id(ident)
    if number is None:
        return None  # "self" and garbage are looked up as ids too, and never match
    token = ctx.store.token(number)
    if token is None:
        return None
    bot = ctx.store.user(token["user_id"])
    if bot is None or bot["bot_resource_type"] != resource.kind or bot["bot_resource_id"] != resource.id:
        return None
    return token


def _token_not_found(kind: str, ident: str) -> errors.ApiError:
    # The <=18.x wording; 19.x says "404 project Access Token Not Found".
    return errors.not_found(f"Could not find {kind} access token with token_id: {ident}")


def _entity(ctx: Context, token: sqlite3.Row) -> dict:
    return entities.resource_access_token(ctx.store, token, ctx.today().isoformat())


# --- project and group access tokens ------------------------------------------------

def list_tokens(kind: str, ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    state = p.string("state", values=("active", "inactive"))
    revoked = p.boolean("revoked")
    created_before, created_after = p.datetime("created_before"), p.datetime("created_after")
    used_before, used_after = p.datetime("last_used_before"), p.datetime("last_used_after")
    expires_before, expires_after = p.date("expires_before"), p.date("expires_after")
    search = p.string("search")
    sort = p.string("sort")
    p.check()
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    if not permissions.can_read_tokens(ctx.store, call.user, resource):
        raise errors.unauthorized()
    today = ctx.today().isoformat()
    where: list[str] = []
    args: list[object] = []
    if state == "active":
        where.append("t.revoked = 0 AND (t.expires_at IS NULL OR t.expires_at > ?)")
        args.append(today)
    elif state == "inactive":
        where.append("(t.revoked = 1 OR t.expires_at <= ?)")
        args.append(today)
    if revoked is not None:
        where.append("t.revoked = ?")
        args.append(int(revoked))
    for column, op, value in (("created_at", "<=", created_before), ("created_at", ">=", created_after),
                              ("last_used_at", "<=", used_before), ("last_used_at", ">=", used_after)):
        if value is not None:
            where.append(f"t.{column} {op} ?")
            args.append(format_datetime(value))
    for op, day in (("<", expires_before), (">=", expires_after)):
        if day is not None:
            where.append(f"t.expires_at {op} ?")
            args.append(day.isoformat())
    matcher = fuzzy_where("t.name", search) if search else None
    if matcher is not None:
        where.append(matcher[0])
        args.extend(matcher[1])
    rows = ctx.store.resource_tokens(kind, resource.id, "".join(f" AND {w}" for w in where), args,
                                     _SORTS.get(sort or "", "t.id"))
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    return Response.json(200, [_entity(ctx, row) for row in page], headers)


def get_token(kind: str, ctx: Context, call: Call) -> Response:
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    if not permissions.can_read_tokens(ctx.store, call.user, resource):
        raise errors.unauthorized()
    ident = call.path_params["token_id"]
    token = _find_token(ctx, resource, ident)
    if token is None:
        raise _token_not_found(kind, ident)
    return Response.json(200, _entity(ctx, token))


def create_token(kind: str, ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    name = p.string("name", required=True)
    description = p.string("description")
    scopes = p.string_array("scopes", required=True, values=rules.RESOURCE_TOKEN_SCOPES)
    expires_at = p.date("expires_at")
    level = p.integer("access_level", values=TOKEN_ACCESS_LEVELS)
    p.check()
    store, user = ctx.store, call.user
    resource = permissions.find_resource(store, user, kind, call.path_params["id"])
    if not permissions.can_manage_tokens(store, user, resource):
        raise errors.bad_request(f"User does not have permission to create {kind} access token")
    level = level if level is not None else rules.DEFAULT_TOKEN_ACCESS_LEVEL
    caller_level = permissions.access_level(store, user, resource)
    if kind == "project" and level == OWNER and caller_level < OWNER:
        raise errors.bad_request("Could not provision owner access to project access token")
    if not rules.access_level_encompasses(caller_level, level):
        raise errors.bad_request(
            "Access level of the token can't be greater the access level of the user who created the token")
    expiry = expires_at or ctx.today() + default_lifetime(ctx)
    validate_new_token(ctx, name or "", description, scopes or [], expiry)
    now = ctx.now_text()
    username = f"{kind}_{resource.id}_bot_{secrets.token_hex(16)}"
    email = f"{username}@noreply.{ctx.host_name(call.request)}"
    bot_id = store.create_user(username=username, name=name, email=email,
                               bot_resource_type=kind, bot_resource_id=resource.id, created_at=now)
    store.add_member(kind, resource.id, bot_id, level, now)
    secret = new_token_value(bot_id)
    token_id = store.create_token(user_id=bot_id, name=name or "", description=description, scopes=scopes or [],
                                  digest=digest(secret), created_at=now, expires_at=expiry.isoformat())
    return Response.json(201, entities.with_token(_entity(ctx, store.token(token_id)), secret))


def revoke_token(kind: str, ctx: Context, call: Call) -> Response:
    store, user = ctx.store, call.user
    resource = permissions.find_resource(store, user, kind, call.path_params["id"])
    ident = call.path_params["token_id"]
    token = _find_token(ctx, resource, ident)
    if token is None:
        raise _token_not_found(kind, ident)
    bot = store.user(token["user_id"])
    if not permissions.can_read_tokens(store, user, resource):
        raise errors.bad_request(f"{user['name']} cannot delete {bot['name']}")
    if store.member(kind, resource.id, bot["id"]) is None:
        raise errors.bad_request("Failed to find bot user")
    # 17.9+: only the token is revoked; the bot and its membership stay. Idempotent.
    store.revoke_token(token["id"])
    return Response.no_content()


def rotate_token(kind: str, ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    expires_at = p.date("expires_at")
    p.check()
    store, user = ctx.store, call.user
    resource = permissions.find_resource(store, user, kind, call.path_params["id"])
    allowed = permissions.can_manage_tokens(store, user, resource)
    token = _find_token(ctx, resource, call.path_params["token_id"]) if allowed else None
    if token is None:
        # GitLab does not tell a non-admin whether the token exists.
        raise errors.not_found() if permissions.is_admin(user) else errors.unauthorized()
    # RotateService#execute checks token.revoked? before the caller's level.
    if token["revoked"]:
        raise errors.bad_request("Token already revoked")
    if not permissions.is_admin(user):
        bot_member = store.member(kind, resource.id, token["user_id"])
        bot_level = bot_member["access_level"] if bot_member is not None else OWNER
        if not rules.access_level_encompasses(permissions.access_level(store, user, resource), bot_level):
            raise errors.bad_request("Not eligible to rotate token with access level higher than the user")
    new, secret = rotate(ctx, token, expires_at)
    return Response.json(200, entities.with_token(_entity(ctx, new), secret))


def self_rotate_token(kind: str, ctx: Context, call: Call) -> Response:
    """``POST /{projects|groups}/:id/access_tokens/self/rotate``: a bot rotates its own token."""
    p = Params(call.request.params)
    expires_at = p.date("expires_at")
    p.check()
    if not permissions.is_bot(call.user):
        raise errors.not_allowed()
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    current = _find_token(ctx, resource, str(call.token["id"]))
    if current is None:
        raise errors.unauthorized()
    new, secret = rotate(ctx, current, expires_at)
    return Response.json(200, entities.with_token(_entity(ctx, new), secret))


# --- /personal_access_tokens/self ----------------------------------------------------

def _current(ctx: Context, token: sqlite3.Row) -> sqlite3.Row:
    """The caller's token as it is now: a concurrent request may have rotated it since authentication."""
    return ctx.store.token(token["id"]) or token


def get_self(ctx: Context, call: Call) -> Response:
    token = _current(ctx, call.token)
    return Response.json(200, entities.personal_access_token_with_ips(token, ctx.today().isoformat()))


def revoke_self(ctx: Context, call: Call) -> Response:
    ctx.store.revoke_token(call.token["id"])
    return Response.no_content()


def rotate_self(ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    expires_at = p.date("expires_at")
    p.check()
    new, secret = rotate(ctx, _current(ctx, call.token), expires_at)
    entity = entities.personal_access_token(new, ctx.today().isoformat())
    return Response.json(200, entities.with_token(entity, secret))
