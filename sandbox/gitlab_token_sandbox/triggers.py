"""Pipeline trigger tokens of a project: GitLab's rules, storage and entity (moto's ``models.py`` for them).

Written from GitLab's source (gitlab-org/gitlab, mirrored as gitlabhq/gitlabhq), never from a client:

- the model: ``app/models/ci/trigger.rb`` (``TRIGGER_TOKEN_PREFIX = 'glptt-'`` and 40 random hex
  characters; ``short_token``, the four characters after the prefix; an owner is required);
- who may do what: ``app/policies/ci/trigger_policy.rb``. ``manage_trigger`` is the project's
  ``admin_build`` (``ProjectPolicy``: Maintainer and above); ``admin_trigger`` (update, and seeing the
  whole token) needs ``admin_build`` *and* being the trigger's owner, so even an administrator sees
  another user's trigger as its short token and may not update it;
- the entity: ``lib/api/entities/trigger.rb`` through ``Ci::TriggerPresenter``, whose ``token`` is the
  value for a caller with ``admin_trigger`` and ``short_token`` for anyone else;
- the services: ``Ci::PipelineTriggers::CreateService`` and ``UpdateService`` (an update sets
  ``description`` to what was sent, ``nil`` when nothing was).

``expires_at`` and ``last_used`` are always ``null``: GitLab's ``trigger_token_expiration`` flag is off
by default, and the sandbox runs no pipelines (docs/sandbox.md, "Pipeline trigger tokens").
"""

from __future__ import annotations

import secrets
import sqlite3
from typing import Any, Final

from . import entities, errors
from .permissions import Resource, access_level
from .rules import MAINTAINER
from .store import Store

TOKEN_PREFIX: Final = "glptt-"
#: ``ProjectPolicy``: ``admin_build`` comes with ``maintainer_access``.
ADMIN_BUILD_LEVEL: Final = MAINTAINER
#: ``Ci::PipelineTriggers::UpdateService`` without ``admin_trigger``.
UPDATE_REFUSED: Final = "The current user is not authorized to update the pipeline trigger token"


def new_token_value() -> str:
    """``set_default_values``: the prefix and ``SecureRandom.hex(20)``."""
    return TOKEN_PREFIX + secrets.token_hex(20)


def short_token(token: str) -> str:
    return token.removeprefix(TOKEN_PREFIX)[:4]


def can_admin_build(store: Store, user: sqlite3.Row, project: Resource) -> bool:
    """``admin_build`` (and so ``manage_trigger``): Maintainer of the project, directly or through a group."""
    return access_level(store, user, project) >= ADMIN_BUILD_LEVEL


def can_admin_trigger(store: Store, user: sqlite3.Row, project: Resource, row: sqlite3.Row) -> bool:
    """``admin_trigger``: prevented without ``admin_build``, enabled only for the trigger's owner."""
    return row["owner_id"] == user["id"] and can_admin_build(store, user, project)


def authorize_admin_build(store: Store, user: sqlite3.Row, project: Resource) -> None:
    """``authorize! :admin_build`` / ``:manage_trigger``: ``403 Forbidden``."""
    if not can_admin_build(store, user, project):
        raise errors.forbidden()


def entity(store: Store, row: sqlite3.Row, viewer: sqlite3.Row, project: Resource, base_url: str) -> dict[str, Any]:
    """``API::Entities::Trigger`` as ``viewer`` sees it: the whole token only with ``admin_trigger``."""
    owner = store.user(row["owner_id"])
    token = row["token"] if can_admin_trigger(store, viewer, project, row) else short_token(row["token"])
    return {
        "id": row["id"],
        "token": token,
        "description": row["description"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "last_used": None,
        "expires_at": None,
        "owner": entities.user_basic(owner, base_url) if owner is not None else None,
    }


def list_triggers(store: Store, project: Resource) -> list[sqlite3.Row]:
    return store.rows("SELECT * FROM ci_triggers WHERE project_id = ? ORDER BY id", (project.id,))


def find_trigger(store: Store, project: Resource, trigger_id: int) -> sqlite3.Row:
    """``user_project.triggers.find(id)``: ``ActiveRecord::RecordNotFound`` is ``404 Not found``."""
    found = store.rows("SELECT * FROM ci_triggers WHERE project_id = ? AND id = ?", (project.id, trigger_id))
    if not found:
        raise errors.ApiError(404, {"message": "404 Not found"})
    return found[0]


def create_trigger(store: Store, project: Resource, owner: sqlite3.Row, description: str, now: str) -> sqlite3.Row:
    """``project.triggers.create(description:, owner:)``."""
    new_id = store.insert_row("ci_triggers", {
        "project_id": project.id, "owner_id": owner["id"], "token": new_token_value(),
        "description": description, "created_at": now, "updated_at": now})
    return _row(store, new_id)


def update_trigger(store: Store, project: Resource, user: sqlite3.Row, row: sqlite3.Row,
                   description: str | None, now: str) -> sqlite3.Row:
    """``UpdateService``: ``admin_trigger`` or ``403 Forbidden - ...``, then ``update(description:)``."""
    if not can_admin_trigger(store, user, project, row):
        raise errors.forbidden(UPDATE_REFUSED)
    if description != row["description"]:  # Rails touches updated_at only when something changed
        store.run("UPDATE ci_triggers SET description = ?, updated_at = ? WHERE id = ?", (description, now, row["id"]))
    return _row(store, row["id"])


def delete_trigger(store: Store, row: sqlite3.Row) -> None:
    store.run("DELETE FROM ci_triggers WHERE id = ?", (row["id"],))


def _row(store: Store, trigger_id: int) -> sqlite3.Row:
    return store.rows("SELECT * FROM ci_triggers WHERE id = ?", (trigger_id,))[0]
