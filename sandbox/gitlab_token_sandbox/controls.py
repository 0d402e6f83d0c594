"""Test controls under ``/-/sandbox/`` (admin token required; never under ``/api/v4``).

- ``GET counters``: ``{"counts": {"<METHOD> <route template>": n, ..., "total": n}}``
- ``POST counters/reset``: zero the counters
- ``GET|POST time``: ``{"now": "<RFC 3339>"}`` freezes the clock, ``{"now": null}`` = real time
- ``GET|POST faults``: 5xx / 429 / slow answers and drop-after-commit (see ``FaultSettings``)
- ``GET|POST rate-limit``: ``{"limit": n, "period_seconds": 60}``; ``{"limit": null}`` turns it off
- ``GET|POST application-rate-limits``: GitLab's own per-action limits,
  ``{"service_account_creation": {"threshold": 10, "interval_seconds": 60}}``
- ``POST reset``: ``{"data": true}`` (the default) wipes data; always clears faults, rate limit,
  counters and the clock override, and restores GitLab's own limits
- ``GET tokens``: a JSON list of every access token's metadata (never a value or digest);
  ``?include_personal=true`` adds personal access tokens
"""

from __future__ import annotations

import json
from typing import Any, Callable

from . import errors, models
from .auth import any_scope, authenticate
from .clock import format_datetime, parse_rfc3339
from .context import Context
from .entities import token_is_active
from .faults import FaultSettings
from .web import Request, Response

PREFIX = "/-/sandbox/"

Control = Callable[[Context, Request], Response]


def handle(ctx: Context, request: Request) -> Response:
    """Authenticate an admin and run the control ``request`` names."""
    try:
        user, _ = authenticate(ctx, request, any_scope, record_use=False)
        if not user["is_admin"]:
            raise errors.forbidden("the sandbox controls need an admin token")
        with ctx.store.transaction():
            models.delete_inactive_families(ctx)
        control = _CONTROLS.get((request.method, request.path[len(PREFIX):].strip("/")))
        if control is None:
            raise errors.route_not_found()
        return control(ctx, request)
    except errors.ApiError as error:
        return errors.to_response(error)
    except ValueError as error:
        return Response.json(400, {"error": str(error)})


def _body(request: Request) -> dict[str, Any]:
    return {k: v for k, v in request.params.items() if k not in ("private_token", "access_token")}


def counters(ctx: Context, request: Request) -> Response:
    return Response.json(200, {"counts": ctx.counters.snapshot()})


def reset_counters(ctx: Context, request: Request) -> Response:
    ctx.counters.reset()
    return Response.json(200, {"counts": ctx.counters.snapshot()})


def _time_state(ctx: Context) -> dict[str, Any]:
    return {"now": format_datetime(ctx.clock.now()), "today": ctx.today().isoformat(),
            "overridden": ctx.clock.overridden}


def get_time(ctx: Context, request: Request) -> Response:
    return Response.json(200, _time_state(ctx))


def set_time(ctx: Context, request: Request) -> Response:
    body = _body(request)
    if "now" not in body:
        raise ValueError('send {"now": "<RFC 3339 time>"} or {"now": null}')
    now = body["now"]
    ctx.clock.set(parse_rfc3339(str(now)) if now is not None else None)
    return Response.json(200, _time_state(ctx))


def get_faults(ctx: Context, request: Request) -> Response:
    return Response.json(200, ctx.faults.settings.describe())


def set_faults(ctx: Context, request: Request) -> Response:
    ctx.faults.configure(FaultSettings.parse(_body(request)))
    return Response.json(200, ctx.faults.settings.describe())


def _rate_limit_state(ctx: Context) -> dict[str, Any]:
    return {"limit": ctx.rate_limiter.limit, "period_seconds": ctx.rate_limiter.period}


def get_rate_limit(ctx: Context, request: Request) -> Response:
    return Response.json(200, _rate_limit_state(ctx))


def set_rate_limit(ctx: Context, request: Request) -> Response:
    body = _body(request)
    limit = body.get("limit")
    period = body.get("period_seconds", 60)
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise ValueError("limit must be a non-negative integer or null")
    if not isinstance(period, (int, float)) or isinstance(period, bool) or period <= 0:
        raise ValueError("period_seconds must be a positive number")
    ctx.rate_limiter.configure(limit, float(period))
    return Response.json(200, _rate_limit_state(ctx))


def get_application_limits(ctx: Context, request: Request) -> Response:
    return Response.json(200, ctx.application_limits.describe())


def set_application_limits(ctx: Context, request: Request) -> Response:
    """``{"service_account_creation": {"threshold": 10, "interval_seconds": 60}}``: change GitLab's own limits."""
    for key, limit in _body(request).items():
        threshold = limit.get("threshold") if isinstance(limit, dict) else None
        interval = limit.get("interval_seconds", 60) if isinstance(limit, dict) else None
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0:
            raise ValueError(f"{key}.threshold must be a non-negative integer")
        if not isinstance(interval, (int, float)) or isinstance(interval, bool) or interval <= 0:
            raise ValueError(f"{key}.interval_seconds must be a positive number")
        ctx.application_limits.configure(key, threshold, float(interval))
    return Response.json(200, ctx.application_limits.describe())


def reset(ctx: Context, request: Request) -> Response:
    body = _body(request)
    if body.get("data", True):
        with ctx.store.transaction() as store:
            store.wipe()
    ctx.faults.clear()
    ctx.rate_limiter.configure(None)
    ctx.application_limits.reset()
    ctx.counters.reset()
    ctx.clock.reset()
    return Response.json(200, {"reset": True, "data": bool(body.get("data", True))})


def list_tokens(ctx: Context, request: Request) -> Response:
    include_personal = str(request.query.get("include_personal", "")).lower() in ("1", "true")
    today = ctx.today().isoformat()
    with ctx.store.transaction() as store:
        rows = store.all_resource_tokens(include_personal)
        result = []
        for row in rows:
            member = (store.member(row["bot_resource_type"], row["bot_resource_id"], row["user_id"])
                      if row["bot_resource_type"] else None)
            result.append({
                "id": row["id"], "name": row["name"], "description": row["description"],
                "resource_type": row["bot_resource_type"], "resource_id": row["bot_resource_id"],
                "user_id": row["user_id"], "username": row["username"],
                "access_level": member["access_level"] if member is not None else None,
                "scopes": json.loads(row["scopes"]), "active": token_is_active(row, today),
                "revoked": bool(row["revoked"]), "created_at": row["created_at"],
                "expires_at": row["expires_at"], "last_used_at": row["last_used_at"],
                "previous_token_id": row["previous_token_id"],
            })
    return Response.json(200, result)


_CONTROLS: dict[tuple[str, str], Control] = {
    ("GET", "counters"): counters,
    ("POST", "counters/reset"): reset_counters,
    ("GET", "time"): get_time,
    ("POST", "time"): set_time,
    ("GET", "faults"): get_faults,
    ("POST", "faults"): set_faults,
    ("GET", "rate-limit"): get_rate_limit,
    ("POST", "rate-limit"): set_rate_limit,
    ("GET", "application-rate-limits"): get_application_limits,
    ("POST", "application-rate-limits"): set_application_limits,
    ("POST", "reset"): reset,
    ("GET", "tokens"): list_tokens,
}
