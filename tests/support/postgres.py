"""A throwaway PostgreSQL server: the shared state backend CI runners use (``postgres://``).

Started in a temporary directory (``initdb``, a free port, stopped and removed
at the end); each pytest-xdist worker starts its own. PostgreSQL refuses to run as root, and CI runs as root, so under
root the server runs as the unprivileged ``postgres`` user Debian's packages
create. If it cannot start, the tests that need it fail with the reason;
they never skip.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

SERVER_USER = "postgres"
DATABASE_USER = "pulumi"
#: How many free ports a start tries before it gives up.
PORT_ATTEMPTS = 5


@functools.cache
def _bin_dir() -> Path:
    """Where initdb and pg_ctl are: Debian's versioned directory (newest), else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    pytest.fail("PostgreSQL's initdb is not installed: run `make setup` (it installs Debian's postgresql package)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Postgres:
    """A running server; :meth:`new_database` gives each test a backend URL of its own."""

    bin_dir: Path
    root: Path
    port: int
    run_as: str | None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        user = {"user": self.run_as, "group": self.run_as} if self.run_as else {}
        return subprocess.run([str(self.bin_dir / args[0]), *args[1:]], capture_output=True, text=True,
                              cwd=self.root, timeout=60, **user)

    def new_database(self) -> str:
        """A fresh database; its ``postgres://`` URL for ``PULUMI_BACKEND_URL``."""
        name = f"state_{uuid.uuid4().hex[:10]}"
        done = self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", DATABASE_USER, name)
        if done.returncode != 0:
            pytest.fail(f"createdb failed:\n{done.stdout}{done.stderr}")
        return f"postgres://{DATABASE_USER}@127.0.0.1:{self.port}/{name}?sslmode=disable"


@contextlib.contextmanager
def running_postgres() -> Iterator[Postgres]:
    """Start a server for the duration of the block; fail (never skip) with the reason if it cannot."""
    bin_dir = _bin_dir()
    run_as = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            pytest.fail(f"running as root, and there is no {SERVER_USER!r} user to run PostgreSQL as "
                        f"(PostgreSQL refuses root): run `make setup`, which installs Debian's postgresql package")
        run_as = SERVER_USER
    root = Path(tempfile.mkdtemp(prefix="gitlab-tokens-postgres-"))
    if run_as:
        shutil.chown(root, user=run_as, group=run_as)
    server = Postgres(bin_dir, root, _free_port(), run_as)
    data = root / "data"
    try:
        done = server._run("initdb", "-D", str(data), "-U", DATABASE_USER, "--auth=trust", "-E", "UTF8", "--no-sync")
        if done.returncode != 0:
            pytest.fail(f"PostgreSQL could not start (initdb failed):\n{done.stdout}{done.stderr}")
        # Parallel test workers each start a server: a port found free can be taken before the server
        # binds it, so a start that finds its port in use tries the next free one.
        for attempt in range(PORT_ATTEMPTS):
            if attempt:
                server.port = _free_port()
            done = server._run("pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "start",
                               "-o", f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off")
            log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
            if done.returncode == 0 or "already in use" not in log:
                break
        if done.returncode != 0:
            pytest.fail(f"PostgreSQL could not start (pg_ctl failed):\n{done.stdout}{done.stderr}{log}")
        yield server
    finally:
        if data.exists():
            server._run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def postgres_state(backend_url: str, key: str | None = None) -> str:
    """What a PostgreSQL state backend holds, read as the CLI reads it from its state table.

    With ``key``, that one object (a stack's checkpoint, ``.pulumi/stacks/<project>/<stack>.json``),
    or "" if there is none; without, every object the backend holds (checkpoints, backups,
    history), one after the other. The CLI stores each object base64-encoded, as
    ``{"data": ...}``, under the URL's path (the database's name). One ``psql`` start, where
    ``pulumi stack export`` is a CLI start.
    """
    url = urllib.parse.urlsplit(backend_url)
    query = urllib.parse.parse_qs(url.query)
    table = query.pop("table", ["pulumi_state"])[0]
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
        raise ValueError(f"unexpected state table name in {backend_url!r}: {table!r}")
    connection = url._replace(scheme="postgresql", query=urllib.parse.urlencode(query, doseq=True)).geturl()
    prefix = url.path.strip("/") + "/" if url.path.strip("/") else ""
    sql = (f"SELECT data->>'data' FROM {table} WHERE key = :'prefix' || :'key'" if key is not None
           else f"SELECT data->>'data' FROM {table} WHERE starts_with(key, :'prefix') ORDER BY key")
    done = subprocess.run([str(_bin_dir() / "psql"), connection, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                           "-v", f"prefix={prefix}", "-v", f"key={key or ''}"],
                          input=sql, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"reading the state table of {backend_url} failed:\n{done.stderr}")
    return "\n".join(base64.b64decode(line).decode() for line in done.stdout.split())
