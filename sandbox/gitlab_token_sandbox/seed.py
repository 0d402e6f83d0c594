"""``--seed group/project``: the groups and projects a user's CI needs, made at start-up.

Each seed is a full path: every segment but the last is a group (nested as
subgroups), the last one a project. What already exists (with ``--data``) is
left alone, so a restart with the same seeds changes nothing. Everything is
owned by ``root``, as if root had created it through the API.
"""

from __future__ import annotations

from .context import Context
from .rules import OWNER, PATH_SEGMENT
from .store import ROOT_USER_ID


def seed_problem(full_path: str) -> str | None:
    """Why ``full_path`` cannot be seeded, as a command-line message; ``None`` when it can."""
    segments = full_path.split("/")
    if len(segments) < 2:
        return f"--seed {full_path!r}: give a group and a project, like acme/app (or acme/platform/api)"
    bad = [s for s in segments if not PATH_SEGMENT.match(s) or s.endswith((".git", ".atom"))]
    if bad:
        return (f"--seed {full_path!r}: {bad[0]!r} is not a GitLab path; use letters, digits, '_', '-' and '.', "
                "not starting with '-'")
    return None


def seed(ctx: Context, full_path: str) -> int:
    """Create the groups and the project of ``full_path`` that do not exist yet; the project's id."""
    *groups, project = full_path.split("/")
    store, now = ctx.store, ctx.now_text()
    parent = None
    for depth in range(1, len(groups) + 1):
        path = "/".join(groups[:depth])
        row = store.namespace_by_path(path)
        if row is None:
            group_id = store.create_namespace(kind="group", name=groups[depth - 1], path=groups[depth - 1],
                                              parent_id=parent, owner_id=None, visibility="private",
                                              created_at=now)
            store.add_member("group", group_id, ROOT_USER_ID, OWNER, now)
            row = store.namespace(group_id)
        elif row["kind"] != "group":
            raise ValueError(f"--seed {full_path!r}: {path!r} is a user's namespace, not a group")
        parent = row["id"]
    existing = store.project_by_path(full_path)
    if existing is not None:
        return int(existing["id"])
    return store.create_project(name=project, path=project, namespace_id=parent, full_path=full_path,
                                visibility="private", description="", creator_id=ROOT_USER_ID, created_at=now)
