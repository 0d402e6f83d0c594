"""``/personal_access_tokens``: list, get, rotate and revoke personal access tokens by id.

GitLab's sources: ``lib/api/personal_access_tokens.rb`` with ``lib/api/helpers/personal_access_tokens_helpers.rb``
(``finder_params``, ``restrict_non_admins!``, ``find_token``, ``revoke_token``, ``rotate_token``),
``app/policies/user_policy.rb`` (``read_user_personal_access_tokens`` and ``manage_user_personal_access_token``:
the user themself or an administrator), ``app/policies/personal_access_token_policy.rb`` (revoke: the token's
owner, an administrator, or whoever administers the service account that holds it).

Who sees what: an administrator lists every user's tokens (``user_id`` narrows to one user, 404 when it
does not exist); anyone else lists only their own, and naming another ``user_id`` is a 401. Get and rotate
answer a non-administrator 401 for a token they may not manage, and only administrators learn that a
token does not exist (404).
"""

from __future__ import annotations

import sqlite3

from . import entities, errors, models, permissions
from .context import Call, Context
from .pagination import paginate
from .params import Params, numeric_id
from .responses import read_token_filters
from .service_accounts import manages_account_of
from .web import Response


def _token(ctx: Context, ident: str) -> sqlite3.Row | None:
    number = numeric_id(ident)
    return ctx.store.token(number) if number is not None else None


def _may_manage(caller: sqlite3.Row, token: sqlite3.Row | None) -> bool:
    """``read_user_personal_access_tokens`` / ``manage_user_personal_access_token`` on the token's user."""
    return token is not None and (token["user_id"] == caller["id"] or permissions.is_admin(caller))


def _refused(caller: sqlite3.Row) -> errors.ApiError:
    # "Only admins should be informed if the token doesn't exist".
    return errors.not_found() if permissions.is_admin(caller) else errors.unauthorized()


def list_tokens(ctx: Context, call: Call) -> Response:
    """``GET /personal_access_tokens``: ``user_id`` and the token list filters, paginated, ordered by id."""
    caller, raw = call.user, call.request.params
    admin = permissions.is_admin(caller)
    ident = raw.get("user_id")
    if not admin and ident not in (None, "") and str(ident) != str(caller["id"]):
        raise errors.unauthorized()  # restrict_non_admins!, before the parameters are validated
    # Grape coerces a blank Integer to nil; the key is still there (and means 404 below).
    p = Params({key: value for key, value in raw.items() if not (key == "user_id" and value == "")})
    user_id = p.integer("user_id")
    filters = read_token_filters(p)
    p.check()
    if admin:
        if user_id is not None:
            if ctx.store.user(user_id) is None:
                raise errors.not_found()
            where, args = ["t.user_id = ?"], [user_id]
        elif "user_id" in raw:
            raise errors.not_found()  # a blank user_id
        else:
            where, args = ["1 = 1"], []
    else:
        # { user: current_user, impersonation: false }: an administrator's impersonation tokens stay hidden.
        where, args = ["t.user_id = ?", "t.impersonation = 0"], [caller["id"]]
    extra, extra_args = models.token_filter_sql(ctx, filters)
    rows = ctx.store.tokens_where(" AND ".join([*where, *extra]), [*args, *extra_args],
                                  models.SORTS.get(filters.sort or "", "t.id"))
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    today = ctx.today().isoformat()
    return Response.json(200, [entities.personal_access_token(row, today, ctx.config.profile) for row in page],
                         headers)


def get_token(ctx: Context, call: Call) -> Response:
    """``GET /personal_access_tokens/:id``: ``PersonalAccessTokenWithLastUsedIps``."""
    token = _token(ctx, call.path_params["id"])
    if not _may_manage(call.user, token):
        raise _refused(call.user)
    assert token is not None
    return Response.json(200, entities.personal_access_token_with_ips(token, ctx.today().isoformat(),
                                                                      ctx.config.profile))


def rotate_token(ctx: Context, call: Call) -> Response:
    """``POST /personal_access_tokens/:id/rotate``: 200 with the successor and its value."""
    p = Params(call.request.params)
    expires_at = p.date("expires_at")
    p.check()
    token = _token(ctx, call.path_params["id"])
    if not _may_manage(call.user, token):
        raise _refused(call.user)
    assert token is not None
    successor, secret = models.rotate(ctx, token, expires_at)
    entity = entities.personal_access_token(successor, ctx.today().isoformat(), ctx.config.profile)
    return Response.json(200, entities.with_token(entity, secret))


def revoke_token(ctx: Context, call: Call) -> Response:
    """``DELETE /personal_access_tokens/:id``: 204; ``404 Not found`` (``PersonalAccessToken.find``); 400 if refused.

    ``RevokeService`` answers 'Not permitted to revoke'; the 19.x helper passes that on, older ones did not.
    """
    token = _token(ctx, call.path_params["id"])
    if token is None:
        raise errors.ApiError(404, {"message": "404 Not found"})
    caller = call.user
    holder = ctx.store.user(token["user_id"])
    allowed = (token["user_id"] == caller["id"] or permissions.is_admin(caller)
               or (holder is not None and manages_account_of(ctx, caller, holder)))
    if not allowed:
        raise errors.ApiError(400, {"message": ctx.config.profile.revoke_refused_message})
    ctx.store.revoke_token(token["id"], ctx.now_text())
    return Response.no_content()
