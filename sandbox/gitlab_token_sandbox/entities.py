"""The JSON shapes GitLab returns (its Grape entities), field order included.

Token entities follow the 18.x profile: ``PersonalAccessToken`` fields, then
``access_level``, ``resource_type`` and ``resource_id`` for resource tokens.
``token`` (the secret) is only ever added by the create and rotate handlers.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .profiles import Profile
from .store import Store


def token_is_active(row: sqlite3.Row, today: str) -> bool:
    """Not revoked, and not past 00:00 UTC of ``expires_at``."""
    return not row["revoked"] and (row["expires_at"] is None or row["expires_at"] > today)


def personal_access_token(row: sqlite3.Row, today: str, profile: Profile) -> dict[str, Any]:
    """``API::Entities::PersonalAccessToken`` (19.x: with ``granular``, false for every legacy token)."""
    entity = {
        "id": row["id"],
        "name": row["name"],
        "revoked": bool(row["revoked"]),
        "created_at": row["created_at"],
        "description": row["description"],
        "scopes": json.loads(row["scopes"]),
        "user_id": row["user_id"],
        "last_used_at": row["last_used_at"],
        "active": token_is_active(row, today),
        "expires_at": row["expires_at"],
    }
    if profile.reports_granular:
        entity = _insert_after(entity, "active", "granular", False)
    return entity


def _insert_after(entity: dict[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    """``entity`` with ``key`` right after ``after``, where GitLab's entity exposes it."""
    result: dict[str, Any] = {}
    for name, existing in entity.items():
        result[name] = existing
        if name == after:
            result[key] = value
    return result


def _last_used_ips(row: sqlite3.Row) -> list[str]:
    return json.loads(row["last_used_ips"] or "[]")


def personal_access_token_with_ips(row: sqlite3.Row, today: str, profile: Profile) -> dict[str, Any]:
    """``PersonalAccessTokenWithLastUsedIps`` (the ``/personal_access_tokens/self`` shape).

    18.x records no IPs, so the list is always empty there.
    """
    entity = personal_access_token(row, today, profile)
    entity["last_used_ips"] = _last_used_ips(row) if profile.reports_last_used_ips else []
    return entity


def resource_access_token(store: Store, row: sqlite3.Row, today: str, profile: Profile) -> dict[str, Any]:
    """``API::Entities::ResourceAccessToken``: the PAT (19.x: with its IPs) plus the bot's role and resource."""
    entity = (personal_access_token_with_ips(row, today, profile) if profile.reports_last_used_ips
              else personal_access_token(row, today, profile))
    role = store.bot_role(row["user_id"])
    entity["access_level"] = role["access_level"] if role is not None else None
    entity["resource_type"] = role["bot_resource_type"] if role is not None else None
    entity["resource_id"] = role["bot_resource_id"] if role is not None else None
    return entity


def with_token(entity: dict[str, Any], secret: str) -> dict[str, Any]:
    """``...WithToken``: the one response that carries the secret."""
    return {**entity, "token": secret}


def user_basic(row: sqlite3.Row, base_url: str) -> dict[str, Any]:
    """The ``UserBasic`` fields users and members share."""
    return {
        "id": row["id"],
        "username": row["username"],
        "name": row["name"],
        "state": "active",
        "locked": False,
        "avatar_url": None,
        "web_url": f"{base_url}/{row['username']}",
    }


def user(row: sqlite3.Row, base_url: str, *, admin_view: bool) -> dict[str, Any]:
    """``UserBasic``/``User``; ``is_admin`` only when an admin looks."""
    entity: dict[str, Any] = {
        **user_basic(row, base_url),
        "created_at": row["created_at"],
        "bot": row["bot_resource_type"] is not None,
        "email": row["email"],
    }
    if admin_view:
        entity["is_admin"] = bool(row["is_admin"])
    return entity


def member(row: sqlite3.Row, base_url: str) -> dict[str, Any]:
    """``API::Entities::Member`` for a row of :meth:`Store.members`."""
    return {
        **user_basic(row, base_url),
        "access_level": row["access_level"],
        "created_at": row["member_since"],
        "expires_at": None,
        "membership_state": "active",
        "bot": row["bot_resource_type"] is not None,
    }


def namespace(row: sqlite3.Row, base_url: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "path": row["path"],
        "kind": row["kind"],
        "full_path": row["full_path"],
        "parent_id": row["parent_id"],
        "web_url": f"{base_url}/{'groups/' if row['kind'] == 'group' else ''}{row['full_path']}",
    }


def group(store: Store, row: sqlite3.Row, base_url: str) -> dict[str, Any]:
    """``API::Entities::Group`` (the fields token tooling reads)."""
    names = [store.namespace(gid)["name"] for gid in reversed(store.group_ancestor_ids(row["id"]))]
    return {
        "id": row["id"],
        "web_url": f"{base_url}/groups/{row['full_path']}",
        "name": row["name"],
        "path": row["path"],
        "description": row["description"],
        "visibility": row["visibility"],
        "full_name": " / ".join(names),
        "full_path": row["full_path"],
        "created_at": row["created_at"],
        "parent_id": row["parent_id"],
    }


def project(store: Store, row: sqlite3.Row, base_url: str) -> dict[str, Any]:
    """``API::Entities::Project`` (the fields token tooling reads)."""
    ns = store.namespace(row["namespace_id"])
    return {
        "id": row["id"],
        "description": row["description"],
        "name": row["name"],
        "name_with_namespace": f"{ns['name']} / {row['name']}",
        "path": row["path"],
        "path_with_namespace": row["full_path"],
        "created_at": row["created_at"],
        "default_branch": None,
        "web_url": f"{base_url}/{row['full_path']}",
        "visibility": row["visibility"],
        "creator_id": row["creator_id"],
        "namespace": namespace(ns, base_url),
    }
