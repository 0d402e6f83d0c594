"""Runners made with ``POST /user/runners`` and their ``glrt-`` authentication tokens.

GitLab's sources (gitlab-org/gitlab, mirrored as gitlabhq/gitlabhq):

- create: ``lib/api/user_runners.rb`` (``allow_access_with_scope :create_runner``; ``runner_type`` with
  ``group_id`` or ``project_id`` as it requires; a service error is ``forbidden!(message)`` when its reason is
  ``:forbidden``, else ``bad_request!(message)``), ``app/services/ci/runners/create_runner_service.rb`` and
  ``runner_creation_strategies/*`` (``Missing/invalid group|project``, then ``Insufficient permissions``;
  ``paused`` becomes ``active``), ``lib/api/entities/ci/runner_registration_details.rb`` (id, token,
  token_expires_at).
- list: ``lib/api/ci/runners.rb``'s ``GET /projects/:id/runners`` (``authorize! :read_project_runners``;
  ``Ci::Runner.owned_or_instance_wide``: the project's runners, its ancestor groups' and the instance's) and
  ``GET /groups/:id/runners`` (``:read_group_runners``; ``group_or_instance_wide``), filtered by ``type`` and
  ``paused`` (``apply_filter``), paginated, as ``lib/api/entities/ci/runner.rb``.
- read, delete, reset: ``lib/api/ci/runners.rb`` (``get_runner``: ``404 Runner Not Found``;
  ``authenticate_show_runner!`` / ``authenticate_update_runner!`` / ``authenticate_delete_runner!``:
  ``403 Forbidden - No access granted``, administrators pass; ``allow_access_with_scope :manage_runner``),
  ``app/services/ci/runners/reset_authentication_token_service.rb``, ``lib/api/entities/ci/reset_token_result.rb``.
- who: ``app/policies/ci/runner_policy.rb``: an instance runner is readable by everyone and managed by
  administrators; a project runner by its project's Maintainers; a group runner is managed by the group's
  Owners and read by its Maintainers and by Maintainers of its projects. Creating one takes ``create_runner``:
  project Maintainer, group Owner, administrator for an instance runner.
- model: ``app/models/ci/runner.rb`` (``tag_constraints``, description and maintenance note at most 1024,
  ``maximum_timeout`` at least 600; ``CREATED_RUNNER_TOKEN_PREFIX`` ``glrt-`` and the ``t1_``/``t2_``/``t3_``
  runner-type prefix; the routable payload of group and project runners; ``compute_token_expiration``: no
  expiry unless an instance, group or project expiration interval is set, and the sandbox sets none).
- entities: ``lib/api/entities/ci/runner.rb`` and ``runner_details.rb``; a runner's ``projects`` are served
  with the ``ProjectIdentity`` fields and ``web_url`` of ``BasicProjectDetails``, its ``groups`` as
  ``BasicGroupDetails``.

The token authenticates the runner to GitLab's runner API (``/api/v4/runners/verify``, jobs), which the
sandbox does not serve: at the token-management API it is an unknown token (401). Its value is kept as a
digest and never logged; ``reset_authentication_token`` replaces it at once (the old value stops working).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3

from . import entities, errors, permissions
from .auth import api_scopes
from .context import Call, Context
from .pagination import paginate
from .params import Params, numeric_id
from .permissions import Resource, find_resource
from .rules import MAINTAINER, OWNER
from .tokens import digest, routable_value
from .web import Response

RUNNER_TYPES = ("instance_type", "group_type", "project_type")
#: ``Ci::Runner.runner_types`` values: the ``t<hex>_`` part of the token prefix.
_TYPE_NUMBERS = {"instance_type": 1, "group_type": 2, "project_type": 3}
ACCESS_LEVELS = ("not_protected", "ref_protected")
#: ``CREATED_RUNNER_TOKEN_PREFIX``.
TOKEN_PREFIX = "glrt-"
TAG_LIST_MAX_LENGTH = 50
TEXT_MAX_LENGTH = 1024
MINIMUM_TIMEOUT = 600
#: ``STALE_TIMEOUT``: a runner never contacted and created longer ago than this is ``stale``.
STALE_AFTER = dt.timedelta(days=7)


def create_scopes(method: str) -> tuple[str, ...]:
    """``POST /user/runners`` also accepts a ``create_runner`` token."""
    return api_scopes(method) + ("create_runner",)


def manage_scopes(method: str) -> tuple[str, ...]:
    """``/runners/:id`` routes also accept a ``manage_runner`` token."""
    return api_scopes(method) + ("manage_runner",)


def new_token(runner_type: str, owner_id: int | None, creator_id: int) -> str:
    """``glrt-t<type>_`` and a routable body naming the organization, group or project, and creator."""
    prefix = f"{TOKEN_PREFIX}t{_TYPE_NUMBERS[runner_type]:x}_"
    if runner_type == "instance_type":
        return prefix + secrets.token_urlsafe(15)  # Devise.friendly_token: 20 characters
    owner_key = "g" if runner_type == "group_type" else "p"
    return routable_value(prefix, {"o": 1, owner_key: owner_id or 0, "u": creator_id})


# --- who --------------------------------------------------------------------------------

def _owner(ctx: Context, runner: sqlite3.Row) -> Resource | None:
    if runner["runner_type"] == "project_type":
        row = ctx.store.project(runner["owner_id"])
        return Resource("project", row) if row is not None else None
    if runner["runner_type"] == "group_type":
        row = ctx.store.namespace(runner["owner_id"])
        return Resource("group", row) if row is not None else None
    return None


def _level(ctx: Context, caller: sqlite3.Row, resource: Resource | None) -> int:
    return permissions.access_level(ctx.store, caller, resource) if resource is not None else 0


def may_manage(ctx: Context, caller: sqlite3.Row, runner: sqlite3.Row) -> bool:
    """``admin | can_admin_runner``: update and delete (and read)."""
    if permissions.is_admin(caller):
        return True
    owner = _owner(ctx, runner)
    needed = OWNER if runner["runner_type"] == "group_type" else MAINTAINER
    return owner is not None and _level(ctx, caller, owner) >= needed


def may_read(ctx: Context, caller: sqlite3.Row, runner: sqlite3.Row) -> bool:
    """``read_runner``: instance runners for everyone; group runners for Maintainers of the group or its projects."""
    if runner["runner_type"] == "instance_type" or may_manage(ctx, caller, runner):
        return True
    owner = _owner(ctx, runner)
    if owner is None or owner.kind != "group":
        return False
    if _level(ctx, caller, owner) >= MAINTAINER:
        return True
    projects = ctx.store.projects_in_namespaces(ctx.store.group_descendant_ids(owner.id))
    return any(_level(ctx, caller, Resource("project", p)) >= MAINTAINER for p in projects)


# --- entities -----------------------------------------------------------------------------

def _status(ctx: Context, runner: sqlite3.Row) -> str:
    """``deprecated_rest_status`` of a runner that never contacted GitLab."""
    created = dt.datetime.fromisoformat(runner["created_at"].replace("Z", "+00:00"))
    return "stale" if created <= ctx.clock.now() - STALE_AFTER else "never_contacted"


def details_entity(ctx: Context, call: Call, runner: sqlite3.Row, include_projects: bool) -> dict:
    """``API::Entities::Ci::RunnerDetails`` for the caller (``maintenance_note`` only for who may update it)."""
    base_url = ctx.external_url(call.request)
    owner = _owner(ctx, runner)
    admin = permissions.is_admin(call.user)
    visible = owner is not None and (admin or _level(ctx, call.user, owner) > 0)
    entity = {
        "id": runner["id"], "description": runner["description"], "ip_address": None,
        "active": bool(runner["active"]), "paused": not runner["active"],
        "is_shared": runner["runner_type"] == "instance_type", "runner_type": runner["runner_type"],
        "name": None, "online": False, "status": _status(ctx, runner),
        "tag_list": json.loads(runner["tag_list"]), "run_untagged": bool(runner["run_untagged"]),
        "locked": bool(runner["locked"]), "maximum_timeout": runner["maximum_timeout"],
        "access_level": runner["access_level"], "version": None, "revision": None, "platform": None,
        "architecture": None, "contacted_at": None,
        "maintenance_note": runner["maintenance_note"] if may_manage(ctx, call.user, runner) else None,
    }
    if include_projects:
        projects = []
        if owner is not None and owner.kind == "project" and visible:
            full = entities.project(ctx.store, owner.row, base_url)
            projects.append({key: full[key] for key in ("id", "description", "name", "name_with_namespace", "path",
                                                        "path_with_namespace", "created_at", "web_url")})
        entity["projects"] = projects
    groups = []
    if owner is not None and owner.kind == "group" and visible:
        group = entities.group(ctx.store, owner.row, base_url)
        groups.append({"id": group["id"], "web_url": group["web_url"], "name": group["name"]})
    entity["groups"] = groups
    return entity


def list_entity(ctx: Context, call: Call, runner: sqlite3.Row) -> dict:
    """``API::Entities::Ci::Runner``: what a list shows of a runner (``created_by`` when the caller may read users)."""
    creator = ctx.store.user(runner["creator_id"])
    entity = {
        "id": runner["id"], "description": runner["description"], "ip_address": None,
        "active": bool(runner["active"]), "paused": not runner["active"],
        "is_shared": runner["runner_type"] == "instance_type", "runner_type": runner["runner_type"],
        "name": None, "online": False,
    }
    if creator is not None:
        entity["created_by"] = entities.user_basic(creator, ctx.external_url(call.request))
    entity.update({"created_at": runner["created_at"], "status": _status(ctx, runner), "job_execution_status": "idle"})
    return entity


# --- routes ---------------------------------------------------------------------------------

def _listed(ctx: Context, call: Call, owners: list[tuple[str, int]]) -> Response:
    """The runners of ``owners`` (``(runner_type, owner_id)``) and the instance's, by ``apply_filter``, paginated."""
    p = Params(call.request.params)
    runner_type = p.string("type", values=RUNNER_TYPES)
    paused = p.boolean("paused")
    p.check()
    rows = [row for row in ctx.store.rows("SELECT * FROM ci_runners ORDER BY id")  # paginate's default order
            if row["runner_type"] == "instance_type" or (row["runner_type"], row["owner_id"]) in owners]
    rows = [row for row in rows if (runner_type is None or row["runner_type"] == runner_type)
            and (paused is None or bool(row["active"]) is not paused)]
    page, headers = paginate(rows, call.request, ctx.external_url(call.request))
    return Response.json(200, [list_entity(ctx, call, row) for row in page], headers)


def list_project_runners(ctx: Context, call: Call) -> Response:
    """``GET /projects/:id/runners``: Maintainers (``read_project_runners``), else ``403 Forbidden``."""
    project = find_resource(ctx.store, call.user, "project", call.path_params["id"])
    if not (permissions.is_admin(call.user) or _level(ctx, call.user, project) >= MAINTAINER):
        raise errors.forbidden()
    groups = ctx.store.group_ancestor_ids(project.row["namespace_id"])
    return _listed(ctx, call, [("project_type", project.id)] + [("group_type", g) for g in groups])


def list_group_runners(ctx: Context, call: Call) -> Response:
    """``GET /groups/:id/runners``: Maintainers (``read_group_runners``), else ``403 Forbidden``."""
    group = find_resource(ctx.store, call.user, "group", call.path_params["id"])
    if not (permissions.is_admin(call.user) or _level(ctx, call.user, group) >= MAINTAINER):
        raise errors.forbidden()
    return _listed(ctx, call, [("group_type", g) for g in ctx.store.group_ancestor_ids(group.id)])


def _model_problems(tags: list[str], run_untagged: bool, description: str | None, note: str | None,
                    timeout: int | None) -> list[str]:
    """``Ci::Runner``'s validations, in the model's order, as ``full_messages``."""
    problems = []
    if not tags and not run_untagged:
        problems.append("Tags list can not be empty when runner is not allowed to pick untagged jobs")
    if len(tags) > TAG_LIST_MAX_LENGTH:
        problems.append(f"Tags list Too many tags specified. Please limit the number of tags to {TAG_LIST_MAX_LENGTH}")
    if description is not None and len(description) > TEXT_MAX_LENGTH:
        problems.append(f"Description is too long (maximum is {TEXT_MAX_LENGTH} characters)")
    if timeout is not None and timeout < MINIMUM_TIMEOUT:
        problems.append("Maximum timeout needs to be at least 10 minutes")
    if note is not None and len(note) > TEXT_MAX_LENGTH:
        problems.append(f"Maintenance note is too long (maximum is {TEXT_MAX_LENGTH} characters)")
    return problems


def _scope(ctx: Context, runner_type: str, group_id: int | None, project_id: int | None) -> Resource | None:
    """``Group.find_by_id`` / ``Project.find_by_id``: no visibility check here."""
    if runner_type == "group_type" and group_id is not None:
        row = ctx.store.namespace(group_id)
        return Resource("group", row) if row is not None and row["kind"] == "group" else None
    if runner_type == "project_type" and project_id is not None:
        row = ctx.store.project(project_id)
        return Resource("project", row) if row is not None else None
    return None


def create_runner(ctx: Context, call: Call) -> Response:
    """``POST /user/runners``: 201 ``{id, token, token_expires_at}``."""
    p = Params(call.request.params)
    runner_type = p.string("runner_type", required=True, values=RUNNER_TYPES)
    group_id = p.integer("group_id", required=runner_type == "group_type")
    project_id = p.integer("project_id", required=runner_type == "project_type")
    description = p.string("description")
    note = p.string("maintenance_note")
    paused = p.boolean("paused")
    locked = p.boolean("locked")
    access_level = p.string("access_level", values=ACCESS_LEVELS)
    run_untagged = p.boolean("run_untagged")
    tags = p.comma_separated_array("tag_list")
    timeout = p.integer("maximum_timeout")
    p.check()
    assert runner_type is not None
    caller = call.user
    scope = _scope(ctx, runner_type, group_id, project_id)
    if runner_type != "instance_type" and scope is None:
        raise errors.bad_request(f"Missing/invalid {runner_type.removesuffix('_type')}")
    needed = OWNER if runner_type == "group_type" else MAINTAINER
    allowed = permissions.is_admin(caller) if scope is None else _level(ctx, caller, scope) >= needed
    if not allowed:
        raise errors.forbidden("Insufficient permissions")
    untagged = True if run_untagged is None else run_untagged
    problems = _model_problems(tags or [], untagged, description, note, timeout)
    if problems:
        raise errors.bad_request(errors.to_sentence(problems))
    owner_id = scope.id if scope is not None else None
    secret = new_token(runner_type, owner_id, caller["id"])
    runner_id = ctx.store.insert_row("ci_runners", {
        "runner_type": runner_type, "owner_id": owner_id, "description": description, "maintenance_note": note,
        "active": int(not paused), "locked": int(bool(locked)), "run_untagged": int(untagged),
        "access_level": access_level or "not_protected", "maximum_timeout": timeout,
        "tag_list": json.dumps(tags or []), "digest": digest(secret), "creator_id": caller["id"],
        "created_at": ctx.now_text()})
    return Response.json(201, {"id": runner_id, "token": secret, "token_expires_at": None})


def _runner(ctx: Context, call: Call) -> sqlite3.Row:
    """``requires :id, type: Integer``, then ``get_runner``."""
    number = numeric_id(call.path_params["id"])
    if number is None:
        raise errors.param_errors(["id is invalid"])
    rows = ctx.store.rows("SELECT * FROM ci_runners WHERE id = ?", (number,))
    if not rows:
        raise errors.not_found("Runner")
    return rows[0]


def _no_access() -> errors.ApiError:
    return errors.forbidden("No access granted")


def get_runner(ctx: Context, call: Call) -> Response:
    """``GET /runners/:id``: ``RunnerDetails``; ``include_projects`` (default true)."""
    p = Params(call.request.params)
    include_projects = p.boolean("include_projects")
    p.check()
    runner = _runner(ctx, call)
    if not may_read(ctx, call.user, runner):
        raise _no_access()
    return Response.json(200, details_entity(ctx, call, runner, include_projects is not False))


def delete_runner(ctx: Context, call: Call) -> Response:
    """``DELETE /runners/:id``: 204 (``UnregisterRunnerService``); the token goes with the runner."""
    runner = _runner(ctx, call)
    if not may_manage(ctx, call.user, runner):
        raise _no_access()
    ctx.store.run("DELETE FROM ci_runners WHERE id = ?", (runner["id"],))
    return Response.no_content()


def reset_authentication_token(ctx: Context, call: Call) -> Response:
    """``POST /runners/:id/reset_authentication_token``: 201 ``{token, token_expires_at}``; the old value is gone."""
    runner = _runner(ctx, call)
    if not may_manage(ctx, call.user, runner):
        raise _no_access()
    secret = new_token(runner["runner_type"], runner["owner_id"], runner["creator_id"])
    ctx.store.run("UPDATE ci_runners SET digest = ? WHERE id = ?", (digest(secret), runner["id"]))
    return Response.json(201, {"token": secret, "token_expires_at": None})

