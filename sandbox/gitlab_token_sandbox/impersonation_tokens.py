"""``/users/:user_id/impersonation_tokens``: administrators' tokens that act as another user.

GitLab's sources: ``lib/api/users.rb`` (the ``impersonation_tokens`` resource: ``before { authenticated_as_admin! }``,
list with ``state`` all|active|inactive, create, get, revoke; no rotate route), ``PersonalAccessTokensFinder``
with ``impersonation: true`` (``find_user_by_id``: ``404 User Not Found``; ``404 Impersonation Token Not Found``),
``app/models/personal_access_token.rb`` (the create route saves the model itself, so its validations answer
``render_validation_error!``: ``400 {"message": {field: [...]}}``, and an omitted ``expires_at`` is
``can't be blank`` as ``require_personal_access_token_expiry`` is on by default; scopes are checked against
``Gitlab::Auth.all_available_scopes`` by the model, not by Grape), ``lib/api/entities/impersonation_token.rb``
and ``impersonation_token_with_token.rb`` (the personal token's fields, ``impersonation``, then ``token``).

An impersonation token is a personal token of the user (``impersonation`` set): it authenticates as that
user, ``POST /personal_access_tokens/:id/rotate`` rotates it (``RotateService`` copies ``impersonation``),
and a non-administrator's ``GET /personal_access_tokens`` leaves it out.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from . import entities, errors, models, permissions, rules
from .context import Call, Context
from .pagination import paginate
from .params import Params, numeric_id
from .web import Response

STATES = ("all", "active", "inactive")


def token_entity(ctx: Context, row: sqlite3.Row) -> dict:
    """``API::Entities::ImpersonationToken``: ``PersonalAccessToken`` and ``impersonation``."""
    return {**entities.personal_access_token(row, ctx.today().isoformat(), ctx.config.profile),
            "impersonation": bool(row["impersonation"])}


def _params(call: Call, *path_ids: str) -> Params:
    """``authenticated_as_admin!`` (a ``before`` block: first), then Grape's parameters, the path's Integers first."""
    if not permissions.is_admin(call.user):
        raise errors.forbidden()
    p = Params(call.request.params)
    p.errors += [f"{name} is invalid" for name in path_ids if numeric_id(call.path_params[name]) is None]
    return p


def _user(ctx: Context, call: Call) -> sqlite3.Row:
    """``find_user_by_id``."""
    user = ctx.store.user(int(call.path_params["user_id"]))
    if user is None:
        raise errors.not_found("User")
    return user


def _token(ctx: Context, call: Call) -> sqlite3.Row:
    """``finder.find_by_id``: one of the user's impersonation tokens, revoked ones included."""
    user = _user(ctx, call)
    token = ctx.store.token(int(call.path_params["impersonation_token_id"]))
    if token is None or token["user_id"] != user["id"] or not token["impersonation"]:
        raise errors.not_found("Impersonation Token")
    return token


def validation_errors(ctx: Context, name: str, description: str | None, scopes: list[str],
                      expires_at: dt.date | None) -> dict[str, list[str]]:
    """``PersonalAccessToken``'s validations by attribute, in the order the model runs them."""
    found: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        found.setdefault(field, []).append(message)

    if not name.strip():
        add("name", "can't be blank")
    elif len(name) > rules.NAME_MAX_LENGTH:
        add("name", f"is too long (maximum is {rules.NAME_MAX_LENGTH} characters)")
    if not scopes:
        add("scopes", "can't be blank")
    if expires_at is None:
        add("expires_at", "can't be blank")
    if description is not None and len(description) > rules.DESCRIPTION_MAX_LENGTH:
        add("description", f"is too long (maximum is {rules.DESCRIPTION_MAX_LENGTH} characters)")
    if any(scope not in rules.PERSONAL_TOKEN_SCOPES for scope in scopes):
        add("scopes", "can only contain available scopes")
    if expires_at is not None and expires_at > models.latest_expiry(ctx):
        add("expires_at", f"must be before {models.latest_expiry(ctx).isoformat()}")
    return found


def list_tokens(ctx: Context, call: Call) -> Response:
    """``GET /users/:user_id/impersonation_tokens``: ``state`` (default all), paginated, by id."""
    p = _params(call, "user_id")
    state = p.string("state", values=STATES) or "all"
    p.check()
    user = _user(ctx, call)
    where, args = models.token_filter_sql(ctx, models.TokenFilters(state=None if state == "all" else state))
    rows = ctx.store.tokens_where(" AND ".join(["t.user_id = ?", "t.impersonation = 1", *where]), [user["id"], *args])
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    return Response.json(200, [token_entity(ctx, row) for row in page], headers)


def create_token(ctx: Context, call: Call) -> Response:
    """``POST /users/:user_id/impersonation_tokens``: 201 with the value, or the model's 400."""
    p = _params(call, "user_id")
    name = p.string("name", required=True)
    description = p.string("description")
    expires_at = p.date("expires_at")
    scopes = p.comma_separated_array("scopes")
    p.check()
    user = _user(ctx, call)
    problems = validation_errors(ctx, name or "", description, scopes or [], expires_at)
    if problems:
        raise errors.validation_failed(problems)
    assert expires_at is not None
    token, secret = models.mint(ctx, user_id=user["id"], name=name or "", description=description,
                                scopes=scopes or [], expires_at=expires_at, impersonation=True)
    return Response.json(201, entities.with_token(token_entity(ctx, token), secret))


def get_token(ctx: Context, call: Call) -> Response:
    """``GET /users/:user_id/impersonation_tokens/:impersonation_token_id``."""
    _params(call, "user_id", "impersonation_token_id").check()
    return Response.json(200, token_entity(ctx, _token(ctx, call)))


def revoke_token(ctx: Context, call: Call) -> Response:
    """``DELETE .../:impersonation_token_id``: ``token.revoke!``, 204 (again for a revoked one)."""
    _params(call, "user_id", "impersonation_token_id").check()
    token = _token(ctx, call)
    ctx.store.revoke_token(token["id"], ctx.now_text())
    return Response.no_content()
