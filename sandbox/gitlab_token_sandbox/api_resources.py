"""Endpoints around the tokens: version, users, groups, projects, members.

These exist so a test or a demo can build the world tokens live in. They
follow GitLab's behaviour where tokens depend on it (ids, paths, visibility,
membership levels) and keep the rest minimal.
"""

from __future__ import annotations

import re

from . import entities, errors, permissions, rules, service_accounts
from .context import Call, Context
from .pagination import paginate
from .params import Params, numeric_id
from .permissions import Resource
from .rules import MAINTAINER, OWNER
from .web import Response

VISIBILITIES = ("private", "internal", "public")
_PATH = rules.PATH_SEGMENT
_PATH_MESSAGE = ("can contain only letters, digits, '_', '-' and '.'. "
                 "Cannot start with '-', end in '.git' or end in '.atom'")


def version(ctx: Context, call: Call) -> Response:
    return Response.json(200, {"version": ctx.config.profile.version, "revision": "sandbox",
                               "kas": {"enabled": False, "externalUrl": None, "externalK8sProxyUrl": None,
                                       "version": None},
                               "enterprise": False})


def current_user(ctx: Context, call: Call) -> Response:
    url = ctx.external_url(call.request)
    return Response.json(200, entities.user(call.user, url, admin_view=bool(call.user["is_admin"])))


# --- users (admin only) --------------------------------------------------------------

def create_user(ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    email = p.string("email", required=True)
    name = p.string("name", required=True)
    username = p.string("username", required=True)
    admin = p.boolean("admin")
    p.check()
    if not permissions.is_admin(call.user):
        raise errors.forbidden()
    store = ctx.store
    if store.user_by_email(email or ""):
        raise errors.conflict("Email has already been taken")
    if store.user_by_username(username or "") or store.namespace_by_path(username or ""):
        raise errors.conflict("Username has already been taken")
    if not _PATH.match(username or ""):
        raise errors.validation_failed({"username": [_PATH_MESSAGE]})
    now = ctx.now_text()
    user_id = store.create_user(username=username, name=name, email=email, is_admin=int(bool(admin)),
                                created_at=now)
    store.create_namespace(kind="user", name=name or "", path=username or "", parent_id=None, owner_id=user_id,
                           visibility="private", created_at=now)
    return Response.json(201, entities.user(store.user(user_id), ctx.external_url(call.request), admin_view=True))


def get_user(ctx: Context, call: Call) -> Response:
    """``GET /users/:id`` (``lib/api/users.rb``): ``404 User Not Found`` when there is none.

    GitLab shows administrators ``UserDetailsWithAdmin`` (``is_admin``, ...) and others ``User``.
    """
    number = numeric_id(call.path_params["id"])
    user = ctx.store.user(number) if number is not None else None
    if user is None:
        raise errors.not_found("User")
    return Response.json(200, entities.user(user, ctx.external_url(call.request),
                                            admin_view=permissions.is_admin(call.user)))


def create_personal_access_token(ctx: Context, call: Call) -> Response:
    """``POST /users/:user_id/personal_access_tokens`` (admin): how tests get non-admin callers."""
    if not permissions.is_admin(call.user):
        raise errors.forbidden()
    p = Params(call.request.params)
    name = p.string("name", required=True)
    scopes = p.comma_separated_array("scopes", required=True, values=rules.PERSONAL_TOKEN_SCOPES)
    expires_at = p.date("expires_at")
    description = p.string("description")
    p.check()
    ident = call.path_params["user_id"]
    number = numeric_id(ident)
    user = ctx.store.user(number) if number is not None else None
    if user is None:
        raise errors.not_found("User")
    token, secret = service_accounts.create_user_token(ctx, user, name=name or "", description=description,
                                                       scopes=scopes or [], expires_at=expires_at)
    entity = entities.personal_access_token(token, ctx.today().isoformat(), ctx.config.profile)
    return Response.json(201, entities.with_token(entity, secret))


# --- groups and projects -------------------------------------------------------------

def create_group(ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    name = p.string("name", required=True)
    path = p.string("path", required=True)
    parent_id = p.integer("parent_id")
    visibility = p.string("visibility", values=VISIBILITIES)
    description = p.string("description")
    p.check()
    store, user = ctx.store, call.user
    if permissions.is_bot(user):
        raise errors.forbidden()
    if parent_id is not None:
        parent = permissions.find_resource(store, user, "group", str(parent_id))
        # Subgroup creation defaults to Maintainer+ of the parent.
        if permissions.access_level(store, user, parent) < MAINTAINER:
            raise errors.forbidden()
    if not _PATH.match(path or ""):
        raise errors.bad_request(f"Failed to save group {{:path=>[\"{_PATH_MESSAGE}\"]}}")
    parent_row = store.namespace(parent_id) if parent_id else None
    full_path = f"{parent_row['full_path']}/{path}" if parent_row else path or ""
    if store.namespace_by_path(full_path) or store.project_by_path(full_path):
        raise errors.bad_request('Failed to save group {:path=>["has already been taken"]}')
    now = ctx.now_text()
    group_id = store.create_namespace(kind="group", name=name or "", path=path or "", parent_id=parent_id,
                                      owner_id=None, visibility=visibility or "private", created_at=now,
                                      description=description or "")
    # Groups::CreateService makes the creator an Owner, admins included.
    store.add_member("group", group_id, user["id"], OWNER, now)
    return Response.json(201, entities.group(store, store.namespace(group_id), ctx.external_url(call.request)))


def get_group(ctx: Context, call: Call) -> Response:
    resource = permissions.find_resource(ctx.store, call.user, "group", call.path_params["id"])
    return Response.json(200, entities.group(ctx.store, resource.row, ctx.external_url(call.request)))


def create_project(ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    name = p.string("name")
    path = p.string("path")
    namespace_id = p.integer("namespace_id")
    visibility = p.string("visibility", values=VISIBILITIES)
    description = p.string("description")
    if name is None and path is None and not p.errors:
        p.errors.append("name, path are missing, at least one parameter must be provided")
    p.check()
    store, user = ctx.store, call.user
    if permissions.is_bot(user):
        raise errors.forbidden()
    if namespace_id is None:
        namespace = store.user_namespace(user["id"])
    else:
        namespace = store.namespace(namespace_id)
        if namespace is None:
            raise errors.not_found("Namespace")
        if namespace["kind"] == "group":
            group = permissions.find_resource(store, user, "group", str(namespace_id))
            # "Allowed to create projects" defaults to Maintainers (Developers too on some instances).
            if permissions.access_level(store, user, group) < MAINTAINER:
                raise errors.forbidden()
        elif namespace["owner_id"] != user["id"] and not permissions.is_admin(user):
            raise errors.forbidden()
    path = path or re.sub(r"[^a-zA-Z0-9_.-]+", "-", name or "").strip("-").lower()
    name = name or path
    if not _PATH.match(path):
        raise errors.validation_failed({"path": [_PATH_MESSAGE]})
    full_path = f"{namespace['full_path']}/{path}"
    if store.project_by_path(full_path) or store.namespace_by_path(full_path):
        raise errors.validation_failed({"name": ["has already been taken"], "path": ["has already been taken"]})
    now = ctx.now_text()
    project_id = store.create_project(name=name, path=path, namespace_id=namespace["id"], full_path=full_path,
                                      visibility=visibility or "private", description=description or "",
                                      creator_id=user["id"], created_at=now)
    if namespace["kind"] == "user":
        store.add_member("project", project_id, namespace["owner_id"], OWNER, now)
    return Response.json(201, entities.project(store, store.project(project_id), ctx.external_url(call.request)))


def get_project(ctx: Context, call: Call) -> Response:
    resource = permissions.find_resource(ctx.store, call.user, "project", call.path_params["id"])
    return Response.json(200, entities.project(ctx.store, resource.row, ctx.external_url(call.request)))


# --- members -------------------------------------------------------------------------

def list_members(kind: str, ctx: Context, call: Call) -> Response:
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    rows = ctx.store.members(kind, resource.id)
    url = ctx.external_url(call.request)
    page, headers = paginate(rows, call.request, url)
    return Response.json(200, [entities.member(row, url) for row in page], headers)


def get_member_all(kind: str, ctx: Context, call: Call) -> Response:
    """``GET /:id/members/all/:user_id``: the user's highest membership, through ancestor groups too.

    ``404 Not found`` (``ActiveRecord::RecordNotFound``) when the user holds none;
    admins count only where they are members, as in GitLab.
    """
    resource = permissions.find_resource(ctx.store, call.user, kind, call.path_params["id"])
    user_id = numeric_id(call.path_params["user_id"])
    if user_id is None:
        raise errors.param_errors(["user_id is invalid"])
    store = ctx.store
    user = store.user(user_id)
    memberships = [m for source in permissions.member_sources(store, resource)
                   if (m := store.member(*source, user_id)) is not None]
    if user is None or not memberships:
        raise errors.ApiError(404, {"message": "404 Not found"})
    best = max(memberships, key=lambda m: int(m["access_level"]))
    row = {**dict(user), "access_level": best["access_level"], "member_since": best["created_at"]}
    return Response.json(200, entities.member(row, ctx.external_url(call.request)))


def add_member(kind: str, ctx: Context, call: Call) -> Response:
    p = Params(call.request.params)
    user_id = p.integer("user_id", required=True)
    level = p.integer("access_level", required=True, values=tuple(ctx.config.profile.access_levels.values()))
    p.check()
    store = ctx.store
    resource: Resource = permissions.find_resource(store, call.user, kind, call.path_params["id"])
    caller_level = permissions.access_level(store, call.user, resource)
    # Projects: Maintainers manage members (Owners alone grant Owner); groups: Owners.
    needed = MAINTAINER if kind == "project" else OWNER
    if caller_level < needed or (level == OWNER and caller_level < OWNER):
        raise errors.forbidden()
    target = store.user(user_id or 0)
    if target is None:
        raise errors.not_found("User")
    if store.member(kind, resource.id, target["id"]) is not None:
        raise errors.conflict("Member already exists")
    store.add_member(kind, resource.id, target["id"], level or 0, ctx.now_text())
    row = next(r for r in store.members(kind, resource.id) if r["id"] == target["id"])
    return Response.json(201, entities.member(row, ctx.external_url(call.request)))


