"""Who may see and do what, following GitLab's policies (reference section 2.2).

Levels: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer,
50 Owner. Project access tokens need Maintainer (``admin_project``), group
access tokens need Owner (``admin_group``). Admins pass every check. Bots may
read and delete tokens but never create or rotate them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .errors import not_found
from .params import numeric_id
from .rules import OWNER, TOKEN_ADMIN_LEVEL
from .store import Store


@dataclass(frozen=True)
class Resource:
    """A project or a group found by id or full path."""

    kind: str  # "project" | "group"
    row: sqlite3.Row

    @property
    def id(self) -> int:
        return int(self.row["id"])

    @property
    def label(self) -> str:
        """How GitLab names the type in messages: ``Project`` / ``Group``."""
        return self.kind.capitalize()


def is_bot(user: sqlite3.Row) -> bool:
    return user["bot_resource_type"] is not None


def is_admin(user: sqlite3.Row) -> bool:
    return bool(user["is_admin"])


def member_sources(store: Store, resource: Resource) -> list[tuple[str, int]]:
    """Where membership of ``resource`` can come from: itself and its ancestor groups."""
    if resource.kind == "group":
        return [("group", gid) for gid in store.group_ancestor_ids(resource.id)]
    sources: list[tuple[str, int]] = [("project", resource.id)]
    namespace = store.namespace(resource.row["namespace_id"])
    if namespace is not None and namespace["kind"] == "group":
        sources += [("group", gid) for gid in store.group_ancestor_ids(namespace["id"])]
    return sources


def access_level(store: Store, user: sqlite3.Row, resource: Resource) -> int:
    """The user's effective (direct or inherited) level; admins count as Owners."""
    if is_admin(user):
        return OWNER
    return store.max_level(user["id"], member_sources(store, resource))


def can_see(store: Store, user: sqlite3.Row, resource: Resource) -> bool:
    """Private resources are visible to members (and, for groups, members of anything below)."""
    if is_admin(user) or resource.row["visibility"] != "private":
        return True
    if access_level(store, user, resource) > 0:
        return True
    if resource.kind == "group":
        groups = store.group_descendant_ids(resource.id)
        projects = [p["id"] for p in store.projects_in_namespaces(groups)]
        return store.is_member_anywhere_in(user["id"], groups, projects)
    return False


def find_resource(store: Store, user: sqlite3.Row, kind: str, ident: str) -> Resource:
    """Look a project or group up by numeric id or full path; 404 when missing or invisible."""
    number = numeric_id(ident)
    if number is not None:
        row = store.project(number) if kind == "project" else _group(store, number)
    else:
        row = store.project_by_path(ident) if kind == "project" else _group_by_path(store, ident)
    resource = Resource(kind, row) if row is not None else None
    if resource is None or not can_see(store, user, resource):
        raise not_found(kind.capitalize())
    return resource


def _group(store: Store, group_id: int) -> sqlite3.Row | None:
    row = store.namespace(group_id)
    return row if row is not None and row["kind"] == "group" else None


def _group_by_path(store: Store, path: str) -> sqlite3.Row | None:
    row = store.namespace_by_path(path)
    return row if row is not None and row["kind"] == "group" else None


def can_read_tokens(store: Store, user: sqlite3.Row, resource: Resource) -> bool:
    """``read_resource_access_tokens`` (and ``destroy_``): Maintainer for projects, Owner for groups."""
    return access_level(store, user, resource) >= TOKEN_ADMIN_LEVEL[resource.kind]


def can_manage_tokens(store: Store, user: sqlite3.Row, resource: Resource) -> bool:
    """``create_``/``manage_resource_access_tokens``: as reading, and never for bots."""
    return not is_bot(user) and can_read_tokens(store, user, resource)
