"""Who is calling: credentials, token validity, scopes and sudo (reference section 4).

Order follows GitLab: find the token (401), expired before revoked (401 with
rack-oauth2 bodies), then the route's scope rule (403), then sudo.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from typing import Callable

from . import errors, rules, tokens
from .clock import format_datetime
from .context import Context
from .params import numeric_id
from .web import Request

#: GitLab updates ``last_used_at`` at most this often.
LAST_USED_INTERVAL = dt.timedelta(minutes=rules.LAST_USED_INTERVAL_MINUTES)

#: A revoked token used on these paths revokes its whole family (reuse detection).
_ROTATE_PATH = re.compile(r"access_tokens/(\d+|self)/rotate$")

_READ_METHODS = rules.READ_METHODS


# Scope rules: which token scopes may call a route with a given method.
ScopeRule = Callable[[str], tuple[str, ...]]


def api_scopes(method: str) -> tuple[str, ...]:
    """``API::API``: ``api`` everywhere, ``read_api`` for reads only."""
    return ("api", "read_api") if method in _READ_METHODS else ("api",)


def user_scopes(method: str) -> tuple[str, ...]:
    """``GET /user`` also accepts ``read_user``."""
    return api_scopes(method) + (("read_user",) if method in _READ_METHODS else ())


def any_scope(method: str) -> tuple[str, ...]:
    """Self-information endpoints accept every scope (empty tuple = no check)."""
    return ()


def rotate_scopes(method: str) -> tuple[str, ...]:
    """Self-rotation: ``api`` or ``self_rotate``."""
    return ("api", "self_rotate")


def credential(request: Request) -> str | None:
    """The token the request presents, by GitLab's precedence; job tokens are not credentials here.

    ``auth_finders.rb``: the ``private_token`` parameter, then the ``PRIVATE-TOKEN``
    header, then OAuth (``Authorization: Bearer``, the ``access_token`` parameter).
    """
    value = _param(request, "private_token") or request.header("PRIVATE-TOKEN")
    if value:
        return value
    authorization = request.header("Authorization") or ""
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return _param(request, "access_token")


def _param(request: Request, name: str) -> str | None:
    value = request.params.get(name)
    return value if isinstance(value, str) and value else None


def authenticate(ctx: Context, request: Request, scopes_for: ScopeRule, *,
                 record_use: bool = True) -> tuple[sqlite3.Row, sqlite3.Row]:
    """Return ``(user, token)`` for the caller or raise the GitLab-shaped 401/403.

    ``record_use=False`` leaves ``last_used_at`` alone (the test controls are not API use).
    """
    secret = credential(request)
    if secret is None:
        raise errors.unauthorized()
    today = ctx.today().isoformat()
    with ctx.store.transaction() as store:
        token = store.token_by_digest(tokens.digest(secret))
        user = store.user(token["user_id"]) if token is not None else None
        if token is None or user is None:
            problem: errors.ApiError | None = errors.unauthorized()
        elif token["expires_at"] is not None and token["expires_at"] <= today:
            problem = errors.invalid_token(expired=True)  # expiry is checked before revocation
        elif token["revoked"]:
            problem = errors.invalid_token(expired=False)
            if _ROTATE_PATH.search(request.path):
                # Someone replayed a rotated-away token: assume it leaked, revoke its active descendants.
                for descendant in store.active_descendant_ids(token["id"], today):
                    store.revoke_token(descendant, ctx.now_text())
        else:
            problem = None
            _check_scopes(token, scopes_for(request.method))
            if record_use:
                _record_use(store, token, ctx.clock.now())
                if ctx.config.profile.reports_last_used_ips:
                    _record_ip(store, token, request.client_ip)
            user = _sudo(store, request, user, token)
    # Raised after the commit, so the family revocation above sticks.
    if problem is not None:
        raise problem
    assert token is not None and user is not None
    return user, token


def _record_use(store, token: sqlite3.Row, now: dt.datetime) -> None:
    """``LastUsedService``: at most every 10 minutes, but always when the stored time is ahead of now.

    A time ahead of now is left by a clock override that has since moved back; without
    the second rule it would stay in the future until the clock caught up with it.
    """
    last = token["last_used_at"]
    if last is None or _parse(last) + LAST_USED_INTERVAL <= now or _parse(last) > now:
        store.touch_token(token["id"], format_datetime(now))


def _record_ip(store, token: sqlite3.Row, ip: str) -> None:
    """19.x ``LastUsedService``: keep the last few distinct IPs the token was used from, newest last."""
    ips = json.loads(token["last_used_ips"] or "[]")
    if ips and ips[-1] == ip:
        return
    ips = [*(known for known in ips if known != ip), ip][-rules.LAST_USED_IPS_KEPT:]
    store.set_last_used_ips(token["id"], ips)


def _check_scopes(token: sqlite3.Row, allowed: tuple[str, ...]) -> None:
    if allowed and not set(json.loads(token["scopes"])) & set(allowed):
        raise errors.insufficient_scope(allowed)


def _sudo(store, request: Request, user: sqlite3.Row, token: sqlite3.Row) -> sqlite3.Row:
    """``Sudo: <id or username>``: admins with a ``sudo``-scoped token act as someone else."""
    ident = request.header("Sudo") or _param(request, "sudo")
    if not ident:
        return user
    if not user["is_admin"]:
        raise errors.forbidden("Must be admin to use sudo")
    _check_scopes(token, ("sudo",))
    number = numeric_id(ident)
    target = store.user(number) if number is not None else store.user_by_username(ident)
    if target is None:
        raise errors.not_found(f"User with ID or username '{ident}'")
    return target


def _parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
