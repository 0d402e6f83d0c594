"""All sandbox state, in SQLite.

One connection, one re-entrant lock: every request's reads and writes run in
:meth:`Store.transaction`, so concurrent requests are serialised and a
create can never be lost or duplicated. With ``--data DIR`` the database is
``DIR/sandbox.sqlite3`` and survives restarts; otherwise it lives in memory.

Rows come back as :class:`sqlite3.Row` (dict-like). Times are stored as
GitLab renders them (``...T12:00:00.000Z``, which sorts correctly as text)
and dates as ``YYYY-MM-DD``. Token secrets are never stored, only digests.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from typing import Any, Iterator, Sequence

ROOT_USER_ID = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    is_admin INTEGER NOT NULL DEFAULT 0,
    -- Token bots belong to one project or group ("bot_namespace" in GitLab).
    bot_resource_type TEXT,
    bot_resource_id INTEGER,
    created_at TEXT NOT NULL
);
-- Groups and personal namespaces share GitLab's namespace id sequence.
CREATE TABLE IF NOT EXISTS namespaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    full_path TEXT NOT NULL UNIQUE COLLATE NOCASE,
    parent_id INTEGER REFERENCES namespaces(id),
    owner_id INTEGER REFERENCES users(id),
    visibility TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    namespace_id INTEGER NOT NULL REFERENCES namespaces(id),
    full_path TEXT NOT NULL UNIQUE COLLATE NOCASE,
    visibility TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    creator_id INTEGER,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    source_type TEXT NOT NULL,
    source_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    access_level INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (source_type, source_id, user_id)
);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    description TEXT,
    scopes TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked INTEGER NOT NULL DEFAULT 0,
    last_used_at TEXT,
    previous_token_id INTEGER,
    -- When it was revoked (for retention); NULL while it is not.
    revoked_at TEXT,
    -- JSON list of the last distinct client IPs (19.x profile).
    last_used_ips TEXT NOT NULL DEFAULT '[]',
    -- Admin tokens the command line created; a data reset keeps them.
    sandbox_admin INTEGER NOT NULL DEFAULT 0,
    -- An administrator's impersonation token for this user (impersonation_tokens.py).
    impersonation INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tokens_user ON tokens(user_id);
CREATE INDEX IF NOT EXISTS tokens_previous ON tokens(previous_token_id);
-- CI/CD variables of projects and groups (see variables.py); values are served back, so kept as given.
CREATE TABLE IF NOT EXISTS ci_variables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_type TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    variable_type TEXT NOT NULL DEFAULT 'env_var',
    protected INTEGER NOT NULL DEFAULT 0,
    masked INTEGER NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    raw INTEGER NOT NULL DEFAULT 0,
    environment_scope TEXT NOT NULL DEFAULT '*',
    description TEXT,
    UNIQUE (owner_type, owner_id, key, environment_scope)
);
"""


class Store:
    """The sandbox database. Use every method inside :meth:`transaction`."""

    def __init__(self, database: str) -> None:
        self._conn = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        if database != ":memory:":
            # WAL + NORMAL survives a killed process; only power loss could drop the last commit.
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(_SCHEMA)
        self._add_missing_columns()
        self._add_kinds_schema()
        self._conn.executescript(_TRIGGER_SCHEMA)

    def _add_missing_columns(self) -> None:
        """Bring a ``--data`` database made by an older sandbox up to the current token columns."""
        present = {row["name"] for row in self._conn.execute("PRAGMA table_info(tokens)")}
        for column, declaration in (("revoked_at", "TEXT"), ("last_used_ips", "TEXT NOT NULL DEFAULT '[]'"),
                                    ("impersonation", "INTEGER NOT NULL DEFAULT 0")):
            if column not in present:
                self._conn.execute(f"ALTER TABLE tokens ADD COLUMN {column} {declaration}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator["Store"]:
        """Hold the lock and a write transaction; commit on success, roll back on error."""
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._conn.execute("COMMIT")

    def changes(self) -> int:
        """Rows inserted, updated or deleted since the database was opened: whether anything changed."""
        return self._conn.total_changes

    # --- generic helpers ------------------------------------------------------------

    def _one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        return self._conn.execute(sql, args).fetchone()

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, args).fetchall()

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Every row ``sql`` selects (for models kept in their own modules)."""
        return self._all(sql, args)

    def run(self, sql: str, args: Sequence[Any] = ()) -> None:
        """Execute one statement that returns nothing (for models kept in their own modules)."""
        self._conn.execute(sql, args)

    def insert_row(self, table: str, values: dict[str, Any]) -> int:
        """Insert one row; its id (for models kept in their own modules)."""
        return self._insert(table, values)

    def _insert(self, table: str, values: dict[str, Any]) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = self._conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))
        return int(cursor.lastrowid or 0)

    # --- users ---------------------------------------------------------------------

    def ensure_root(self, created_at: str) -> None:
        """Create ``root`` (id 1, admin) and its personal namespace on first start."""
        if self.user(ROOT_USER_ID) is None:
            self._insert("users", {"id": ROOT_USER_ID, "username": "root", "name": "Administrator",
                                   "email": "admin@example.com", "is_admin": 1, "created_at": created_at})
            self.create_namespace(kind="user", name="Administrator", path="root", parent_id=None,
                                  owner_id=ROOT_USER_ID, visibility="private", created_at=created_at)

    def user(self, user_id: int) -> sqlite3.Row | None:
        return self._one("SELECT * FROM users WHERE id = ?", (user_id,))

    def user_by_username(self, username: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM users WHERE username = ?", (username,))

    def user_by_email(self, email: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM users WHERE email = ?", (email,))

    def create_user(self, **values: Any) -> int:
        return self._insert("users", values)

    # --- namespaces (groups and personal namespaces) -----------------------------------

    def create_namespace(self, *, kind: str, name: str, path: str, parent_id: int | None, owner_id: int | None,
                         visibility: str, created_at: str, description: str = "") -> int:
        parent = self.namespace(parent_id) if parent_id else None
        full_path = f"{parent['full_path']}/{path}" if parent else path
        return self._insert("namespaces", {"kind": kind, "name": name, "path": path, "full_path": full_path,
                                           "parent_id": parent_id, "owner_id": owner_id, "visibility": visibility,
                                           "description": description, "created_at": created_at})

    def namespace(self, namespace_id: int | None) -> sqlite3.Row | None:
        return self._one("SELECT * FROM namespaces WHERE id = ?", (namespace_id,))

    def namespace_by_path(self, full_path: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM namespaces WHERE full_path = ?", (full_path,))

    def user_namespace(self, user_id: int) -> sqlite3.Row | None:
        return self._one("SELECT * FROM namespaces WHERE kind = 'user' AND owner_id = ?", (user_id,))

    def group_ancestor_ids(self, group_id: int) -> list[int]:
        """``group_id`` and every parent up to the top-level group."""
        rows = self._all(
            """WITH RECURSIVE up(id, parent_id) AS (
                   SELECT id, parent_id FROM namespaces WHERE id = ?
                   UNION ALL SELECT n.id, n.parent_id FROM namespaces n JOIN up ON n.id = up.parent_id)
               SELECT id FROM up""", (group_id,))
        return [row["id"] for row in rows]

    def group_descendant_ids(self, group_id: int) -> list[int]:
        """``group_id`` and every subgroup below it."""
        rows = self._all(
            """WITH RECURSIVE down(id) AS (
                   SELECT id FROM namespaces WHERE id = ?
                   UNION ALL SELECT n.id FROM namespaces n JOIN down ON n.parent_id = down.id)
               SELECT id FROM down""", (group_id,))
        return [row["id"] for row in rows]

    # --- projects --------------------------------------------------------------------

    def create_project(self, **values: Any) -> int:
        return self._insert("projects", values)

    def project(self, project_id: int) -> sqlite3.Row | None:
        return self._one("SELECT * FROM projects WHERE id = ?", (project_id,))

    def project_by_path(self, full_path: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM projects WHERE full_path = ?", (full_path,))

    def projects_in_namespaces(self, namespace_ids: Sequence[int]) -> list[sqlite3.Row]:
        marks = ",".join("?" for _ in namespace_ids) or "NULL"
        return self._all(f"SELECT * FROM projects WHERE namespace_id IN ({marks})", list(namespace_ids))

    # --- members -------------------------------------------------------------------

    def add_member(self, source_type: str, source_id: int, user_id: int, access_level: int, created_at: str) -> None:
        self._insert("members", {"source_type": source_type, "source_id": source_id, "user_id": user_id,
                                 "access_level": access_level, "created_at": created_at})

    def member(self, source_type: str, source_id: int, user_id: int) -> sqlite3.Row | None:
        return self._one("SELECT * FROM members WHERE source_type = ? AND source_id = ? AND user_id = ?",
                         (source_type, source_id, user_id))

    def bot_role(self, user_id: int) -> sqlite3.Row | None:
        """A user's bot resource (type and id, NULL for a human) and its access level there, in one query.

        Every resource token entity needs both; one round trip instead of two is a share of every token answer.
        """
        return self._one("""SELECT u.bot_resource_type, u.bot_resource_id, m.access_level FROM users u
                            LEFT JOIN members m ON m.source_type = u.bot_resource_type
                                 AND m.source_id = u.bot_resource_id AND m.user_id = u.id
                            WHERE u.id = ?""", (user_id,))

    def members(self, source_type: str, source_id: int) -> list[sqlite3.Row]:
        return self._all(
            """SELECT m.access_level, m.created_at AS member_since, u.*
               FROM members m JOIN users u ON u.id = m.user_id
               WHERE m.source_type = ? AND m.source_id = ? ORDER BY u.id""", (source_type, source_id))

    def max_level(self, user_id: int, sources: Sequence[tuple[str, int]]) -> int:
        """The highest access level ``user_id`` holds in any of ``sources``; 0 if none."""
        best = 0
        for source_type, source_id in sources:
            row = self.member(source_type, source_id, user_id)
            if row is not None:
                best = max(best, int(row["access_level"]))
        return best

    def is_member_anywhere_in(self, user_id: int, group_ids: Sequence[int], project_ids: Sequence[int]) -> bool:
        groups = ",".join("?" for _ in group_ids) or "NULL"
        projects = ",".join("?" for _ in project_ids) or "NULL"
        row = self._one(
            f"""SELECT 1 FROM members WHERE user_id = ? AND (
                    (source_type = 'group' AND source_id IN ({groups})) OR
                    (source_type = 'project' AND source_id IN ({projects}))) LIMIT 1""",
            [user_id, *group_ids, *project_ids])
        return row is not None

    # --- tokens --------------------------------------------------------------------

    def create_token(self, *, user_id: int, name: str, description: str | None, scopes: list[str], digest: str,
                     created_at: str, expires_at: str | None, previous_token_id: int | None = None,
                     sandbox_admin: bool = False, impersonation: bool = False) -> int:
        return self._insert("tokens", {"user_id": user_id, "name": name, "description": description,
                                       "scopes": json.dumps(scopes), "digest": digest, "created_at": created_at,
                                       "expires_at": expires_at, "previous_token_id": previous_token_id,
                                       "sandbox_admin": int(sandbox_admin), "impersonation": int(impersonation)})

    def token(self, token_id: int) -> sqlite3.Row | None:
        return self._one("SELECT * FROM tokens WHERE id = ?", (token_id,))

    def token_by_digest(self, digest: str) -> sqlite3.Row | None:
        return self._one("SELECT * FROM tokens WHERE digest = ?", (digest,))

    def resource_tokens(self, resource_type: str, resource_id: int, where: str = "", args: Sequence[Any] = (),
                        order_by: str = "t.id") -> list[sqlite3.Row]:
        """Tokens of the bots of one project or group, with optional extra SQL filters."""
        sql = f"""SELECT t.* FROM tokens t JOIN users u ON u.id = t.user_id
                  WHERE u.bot_resource_type = ? AND u.bot_resource_id = ? {where} ORDER BY {order_by}"""
        return self._all(sql, [resource_type, resource_id, *args])

    def all_resource_tokens(self, include_personal: bool = False) -> list[sqlite3.Row]:
        where = "" if include_personal else "WHERE u.bot_resource_type IS NOT NULL"
        return self._all(f"""SELECT t.*, u.username, u.bot_resource_type, u.bot_resource_id
                             FROM tokens t JOIN users u ON u.id = t.user_id {where} ORDER BY t.id""")

    def revoke_token(self, token_id: int, when: str | None = None) -> None:
        """Revoke; ``when`` is kept the first time, as the moment the token became inactive."""
        self._conn.execute("UPDATE tokens SET revoked = 1, revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                           (when, token_id))

    def set_last_used_ips(self, token_id: int, ips: list[str]) -> None:
        self._conn.execute("UPDATE tokens SET last_used_ips = ? WHERE id = ?", (json.dumps(ips), token_id))

    def bots_without_active_tokens(self, today: str) -> list[sqlite3.Row]:
        """Resource bots none of whose tokens is active, with the latest moment one became inactive.

        A token became inactive when it was revoked or at 00:00 UTC of ``expires_at``, whichever came first.
        """
        return self._all(
            """SELECT u.id, MAX(CASE
                       WHEN t.revoked = 1 AND t.expires_at IS NOT NULL
                            THEN min(substr(COALESCE(t.revoked_at, t.created_at), 1, 10), t.expires_at)
                       WHEN t.revoked = 1 THEN substr(COALESCE(t.revoked_at, t.created_at), 1, 10)
                       ELSE t.expires_at END) AS inactive_since
               FROM users u JOIN tokens t ON t.user_id = u.id
               WHERE u.bot_resource_type IS NOT NULL
               GROUP BY u.id
               HAVING SUM(t.revoked = 0 AND (t.expires_at IS NULL OR t.expires_at > ?)) = 0""", (today,))

    def delete_bot(self, user_id: int) -> None:
        """Delete a bot user with its tokens and memberships (GitLab moves its contributions to Ghost)."""
        self.delete_user(user_id)

    def delete_user(self, user_id: int) -> None:
        """Delete a user with its tokens, memberships and personal namespace."""
        self._conn.execute("DELETE FROM tokens WHERE user_id = ?", (user_id,))
        self._conn.execute("DELETE FROM members WHERE user_id = ?", (user_id,))
        self._conn.execute("DELETE FROM namespaces WHERE kind = 'user' AND owner_id = ?", (user_id,))
        self._conn.execute("DELETE FROM users WHERE id = ?", (user_id,))

    def touch_token(self, token_id: int, when: str) -> None:
        self._conn.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", (when, token_id))

    def active_descendant_ids(self, token_id: int, today: str) -> list[int]:
        """Active tokens rotated (directly or not) from ``token_id``: its "token family"."""
        rows = self._all(
            """WITH RECURSIVE family(id) AS (
                   SELECT id FROM tokens WHERE previous_token_id = ?
                   UNION ALL SELECT t.id FROM tokens t JOIN family f ON t.previous_token_id = f.id)
               SELECT t.id FROM tokens t JOIN family f ON f.id = t.id
               WHERE t.revoked = 0 AND (t.expires_at IS NULL OR t.expires_at > ?)""", (token_id, today))
        return [row["id"] for row in rows]

    # --- reset -----------------------------------------------------------------------

    def wipe(self) -> None:
        """Delete everything except ``root``, its namespace and the command-line admin tokens."""
        self._conn.execute("DELETE FROM members")
        self._conn.execute("DELETE FROM deploy_tokens")
        self._conn.execute("DELETE FROM ci_variables")
        self._conn.execute("DELETE FROM cluster_agent_tokens")
        self._conn.execute("DELETE FROM cluster_agents")
        self._conn.execute("DELETE FROM ci_runners")
        self._conn.execute("DELETE FROM projects")
        self._conn.execute("DELETE FROM tokens WHERE NOT (user_id = ? AND sandbox_admin = 1)", (ROOT_USER_ID,))
        self._conn.execute("DELETE FROM namespaces WHERE NOT (kind = 'user' AND owner_id = ?)", (ROOT_USER_ID,))
        self._conn.execute("DELETE FROM users WHERE id <> ?", (ROOT_USER_ID,))

    # --- service accounts, personal tokens by filter, deploy tokens ---------------------

    def _add_kinds_schema(self) -> None:
        """The columns and table the service-account and deploy-token routes need (older databases too)."""
        present = {row["name"] for row in self._conn.execute("PRAGMA table_info(users)")}
        # A service account's owner: "instance", or "group"/"project" with the provisioning resource's id.
        for column, declaration in (("service_account_type", "TEXT"), ("service_account_owner_id", "INTEGER")):
            if column not in present:
                self._conn.execute(f"ALTER TABLE users ADD COLUMN {column} {declaration}")
        self._conn.executescript(_DEPLOY_TOKEN_SCHEMA)
        self._conn.executescript(_CLUSTER_AGENT_SCHEMA)
        self._conn.executescript(_RUNNER_SCHEMA)

    def service_accounts(self, owner_type: str, owner_id: int | None, order_by: str, descending: bool) -> list[sqlite3.Row]:
        """The service accounts one group or project provisioned (``owner_id`` None: the instance's)."""
        direction = "DESC" if descending else "ASC"
        column = "username" if order_by == "username" else "id"
        if owner_id is None:
            return self._all(f"SELECT * FROM users WHERE service_account_type = ? ORDER BY {column} {direction}",
                             (owner_type,))
        return self._all(f"""SELECT * FROM users WHERE service_account_type = ? AND service_account_owner_id = ?
                             ORDER BY {column} {direction}""", (owner_type, owner_id))

    def tokens_where(self, where: str, args: Sequence[Any], order_by: str = "t.id") -> list[sqlite3.Row]:
        """Personal tokens (any user's) passing an SQL condition on ``t`` (tokens) and ``u`` (users)."""
        return self._all(f"SELECT t.* FROM tokens t JOIN users u ON u.id = t.user_id WHERE {where} ORDER BY {order_by}",
                         list(args))

    def create_deploy_token(self, **values: Any) -> int:
        return self._insert("deploy_tokens", values)

    def deploy_token(self, token_id: int) -> sqlite3.Row | None:
        return self._one("SELECT * FROM deploy_tokens WHERE id = ?", (token_id,))

    def deploy_tokens(self, owner_type: str | None, owner_id: int | None, active_at: str | None) -> list[sqlite3.Row]:
        """Deploy tokens of one project or group (``owner_type`` None: all); only active ones when ``active_at``."""
        where, args = ["1 = 1"], []
        if owner_type is not None:
            where.append("owner_type = ? AND owner_id = ?")
            args += [owner_type, owner_id]
        if active_at is not None:
            where.append("revoked = 0 AND (expires_at IS NULL OR expires_at >= ?)")
            args.append(active_at)
        return self._all(f"SELECT * FROM deploy_tokens WHERE {' AND '.join(where)} ORDER BY id", args)

    def delete_deploy_token(self, token_id: int) -> None:
        self._conn.execute("DELETE FROM deploy_tokens WHERE id = ?", (token_id,))


_DEPLOY_TOKEN_SCHEMA = """
CREATE TABLE IF NOT EXISTS deploy_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_type TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    -- NULL means GitLab's default, gitlab+deploy-token-{id}.
    username TEXT,
    scopes TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    -- A time as GitLab renders it; NULL means it never expires.
    expires_at TEXT,
    revoked INTEGER NOT NULL DEFAULT 0,
    creator_id INTEGER,
    created_at TEXT NOT NULL
);
"""

# Pipeline trigger tokens (see triggers.py). GitLab gives the value back to its owner on every read, so it is
# kept as given. A trigger goes with its project or its owner.
_TRIGGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS ci_triggers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

#: Cluster agents and their tokens (cluster_agents.py); token values are kept as digests only.
_CLUSTER_AGENT_SCHEMA = """
CREATE TABLE IF NOT EXISTS cluster_agents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    created_by_user_id INTEGER,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, name)
);
CREATE TABLE IF NOT EXISTS cluster_agent_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    digest TEXT NOT NULL UNIQUE,
    -- "active" or "revoked" (Clusters::AgentToken's status enum).
    status TEXT NOT NULL DEFAULT 'active',
    created_by_user_id INTEGER,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
"""

#: Runners created with POST /user/runners (runners.py); the authentication token is kept as a digest only.
_RUNNER_SCHEMA = """
CREATE TABLE IF NOT EXISTS ci_runners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- instance_type, group_type or project_type; owner_id is the group's or project's id (sharding_key_id).
    runner_type TEXT NOT NULL,
    owner_id INTEGER,
    description TEXT,
    maintenance_note TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    locked INTEGER NOT NULL DEFAULT 0,
    run_untagged INTEGER NOT NULL DEFAULT 1,
    access_level TEXT NOT NULL DEFAULT 'not_protected',
    maximum_timeout INTEGER,
    tag_list TEXT NOT NULL DEFAULT '[]',
    digest TEXT NOT NULL UNIQUE,
    creator_id INTEGER,
    created_at TEXT NOT NULL
);
"""
