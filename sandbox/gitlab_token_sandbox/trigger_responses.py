"""The HTTP side of pipeline trigger tokens (``/projects/:id/triggers``), after ``lib/api/ci/triggers.rb``.

Each route checks in GitLab's order: Grape's parameters (400 ``error``), the
project (``404 Project Not Found``), then:

- list and get: ``authorize! :admin_build`` (403), then the trigger (``404 Not found``);
- create: ``authorize! :manage_trigger`` (403), then 201;
- update: no ``authorize!`` - the trigger is found first (404), then ``UpdateService``
  refuses anyone without ``admin_trigger`` (``403 Forbidden - ...``), so a Developer learns
  whether a trigger exists;
- delete: ``authorize! :manage_trigger`` (403), the trigger (404), then
  ``destroy_conditionally!`` (``412`` when ``If-Unmodified-Since`` is older than its
  ``updated_at``), then 204.

The rules live in :mod:`.triggers`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import sqlite3

from . import errors, permissions
from . import triggers as model
from .clock import parse_rfc3339
from .context import Call, Context
from .pagination import paginate
from .params import Params
from .web import Request, Response


def _project(ctx: Context, call: Call) -> permissions.Resource:
    return permissions.find_resource(ctx.store, call.user, "project", call.path_params["id"])


def _with_trigger_id(call: Call) -> tuple[Params, int | None]:
    """``requires :trigger_id, type: Integer``: the path segment among the declared parameters."""
    p = Params({**call.request.params, "trigger_id": call.path_params["trigger_id"]})
    return p, p.integer("trigger_id", required=True)


def _present(ctx: Context, call: Call, project: permissions.Resource, row: sqlite3.Row) -> dict:
    return model.entity(ctx.store, row, call.user, project, ctx.external_url(call.request))


def list_triggers(ctx: Context, call: Call) -> Response:
    project = _project(ctx, call)
    model.authorize_admin_build(ctx.store, call.user, project)
    page, headers = paginate(model.list_triggers(ctx.store, project), call.request, ctx.external_url(call.request))
    return Response.json(200, [_present(ctx, call, project, row) for row in page], headers)


def get_trigger(ctx: Context, call: Call) -> Response:
    p, trigger_id = _with_trigger_id(call)
    p.check()
    project = _project(ctx, call)
    model.authorize_admin_build(ctx.store, call.user, project)
    row = model.find_trigger(ctx.store, project, trigger_id or 0)
    return Response.json(200, _present(ctx, call, project, row))


def create_trigger(ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    description = p.string("description", required=True)
    p.datetime("expires_at")  # declared and coerced, then dropped: see triggers.py on expiry
    p.check()
    project = _project(ctx, call)
    model.authorize_admin_build(ctx.store, call.user, project)
    row = model.create_trigger(ctx.store, project, call.user, description or "", ctx.now_text())
    return Response.json(201, _present(ctx, call, project, row))


def update_trigger(ctx: Context, call: Call) -> Response:
    p, trigger_id = _with_trigger_id(call)
    description = p.string("description")
    p.check()
    project = _project(ctx, call)
    row = model.find_trigger(ctx.store, project, trigger_id or 0)
    updated = model.update_trigger(ctx.store, project, call.user, row, description, ctx.now_text())
    return Response.json(200, _present(ctx, call, project, updated))


def delete_trigger(ctx: Context, call: Call) -> Response:
    p, trigger_id = _with_trigger_id(call)
    p.check()
    project = _project(ctx, call)
    model.authorize_admin_build(ctx.store, call.user, project)
    row = model.find_trigger(ctx.store, project, trigger_id or 0)
    _check_unmodified_since(call.request, parse_rfc3339(row["updated_at"]))
    model.delete_trigger(ctx.store, row)
    return Response.no_content()


def _check_unmodified_since(request: Request, last_modified: dt.datetime) -> None:
    """``check_unmodified_since!``: 412 when the header parses and the resource changed after it.

    GitLab reads the header with Ruby's lenient ``Time.parse`` and ignores what it cannot read;
    the sandbox reads HTTP dates and RFC 3339 times, and ignores the rest.
    """
    header = request.header("If-Unmodified-Since")
    if header is None:
        return
    try:
        since = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        try:
            since = parse_rfc3339(header)
        except ValueError:
            return
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.timezone.utc)
    if last_modified > since:
        raise errors.ApiError(412, {"message": "412 Precondition Failed"})
