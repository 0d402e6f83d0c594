"""Run the GitLab sandbox as a real subprocess, for any test that needs a GitLab.

    from support.sandbox import running_sandbox

    with running_sandbox() as sb:
        gl = sb.gitlab()
        group = sb.create_group("acme")

The sandbox is driven only over HTTP, exactly as a user would; nothing here
touches its internals.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator, Sequence

import gitlab

START_TIMEOUT = 15.0


class SandboxError(RuntimeError):
    """The sandbox did not start, or a helper call got an unexpected answer."""


class Sandbox:
    """A running sandbox process and helpers to drive it over HTTP."""

    def __init__(self, *, data_dir: Path | None, env: dict[str, str] | None, extra_args: Sequence[str],
                 workdir: Path) -> None:
        self.data_dir = data_dir
        self.env = env
        self.extra_args = list(extra_args)
        self.workdir = workdir
        self.log_path = workdir / "sandbox.log"
        self.base_url = ""
        self.admin_token = ""
        self.process: subprocess.Popen[str] | None = None
        self._port = 0
        self._version = ""

    # --- process lifecycle --------------------------------------------------------------

    def start(self) -> None:
        args = [sys.executable, "-m", "gitlab_token_sandbox", "--port", str(self._port)]
        if self.admin_token:
            args += ["--admin-token", self.admin_token]  # a restart keeps the same credentials
        if self.data_dir is not None:
            args += ["--data", str(self.data_dir)]
        args += self.extra_args
        environment = {**os.environ, **(self.env or {})}
        log = open(self.log_path, "a", encoding="utf-8")
        try:
            self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True,
                                            env=environment)
        finally:
            log.close()
        lines = self._read_start_lines(2)
        values = dict(line.split("=", 1) for line in lines)
        try:
            self.base_url, self.admin_token = values["GITLAB_BASE_URL"], values["GITLAB_TOKEN"]
        except KeyError:
            self.stop()
            raise SandboxError(f"unexpected start-up output {lines!r}; see {self.log_path}") from None
        self._port = int(self.base_url.rsplit(":", 1)[1])
        self._wait_ready()

    def _read_start_lines(self, count: int) -> list[str]:
        assert self.process is not None and self.process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        stdout = self.process.stdout

        def pump() -> None:
            for _ in range(count):
                lines.put(stdout.readline())

        threading.Thread(target=pump, daemon=True).start()
        result = []
        deadline = time.monotonic() + START_TIMEOUT
        for _ in range(count):
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                self.stop()
                raise SandboxError(f"sandbox did not print its URL in {START_TIMEOUT}s; see {self.log_path}")
            if not line:
                self.stop()
                raise SandboxError(f"sandbox exited during start-up; see {self.log_path}:\n{self.read_log()}")
            result.append(line.strip())
        return result

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                self.api("GET", "/version")
                return
            except (OSError, SandboxError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the sandbox and wait; returns its exit code."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        if process.stdout is not None:
            process.stdout.close()
        return code

    def restart(self) -> None:
        """Stop and start again on the same port (and data dir, and admin token)."""
        self.stop()
        self.start()

    @property
    def gitlab_version(self) -> str:
        """The ``--gitlab-version`` profile this sandbox runs (``major.minor``), as ``GET /version`` reports it."""
        if not self._version:
            self._version = ".".join(str(self.api("GET", "/version")["version"]).split(".")[:2])
        return self._version

    def read_log(self) -> str:
        return self.log_path.read_text(encoding="utf-8") if self.log_path.exists() else ""

    # --- HTTP ---------------------------------------------------------------------------

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None,
                anonymous: bool = False, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        """Send one request; returns ``(status, headers, decoded JSON or text)`` for any status.

        Authenticates with ``PRIVATE-TOKEN`` (the admin's unless ``token``), or not at all if ``anonymous``.
        """
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        if not anonymous:
            all_headers["PRIVATE-TOKEN"] = token or self.admin_token
        all_headers.update(headers or {})
        req = urllib.request.Request(self.base_url + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                status, raw, got = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            status, raw, got = error.code, error.read(), dict(error.headers)
        text = raw.decode()
        try:
            payload: Any = json.loads(text) if text else None
        except ValueError:
            payload = text
        return status, got, payload

    def api(self, method: str, path: str, body: Any = None, *, expect: int | None = None) -> Any:
        """Call ``/api/v4{path}`` as the admin and return the JSON, checking the status."""
        status, _, payload = self.request(method, "/api/v4" + path, body)
        if (expect is not None and status != expect) or (expect is None and status >= 400):
            raise SandboxError(f"{method} {path} -> {status} {payload!r}")
        return payload

    def control(self, method: str, name: str, body: Any = None) -> Any:
        status, _, payload = self.request(method, "/-/sandbox/" + name, body)
        if status != 200:
            raise SandboxError(f"{method} /-/sandbox/{name} -> {status} {payload!r}")
        return payload

    def gitlab(self, token: str | None = None, **kwargs: Any) -> gitlab.Gitlab:
        """An unmodified python-gitlab client (the admin's unless ``token`` is given)."""
        return gitlab.Gitlab(self.base_url, private_token=token or self.admin_token, **kwargs)

    # --- world building -----------------------------------------------------------------

    def create_group(self, path: str, parent_id: int | None = None) -> dict:
        body: dict[str, Any] = {"name": path, "path": path}
        if parent_id is not None:
            body["parent_id"] = parent_id
        return self.api("POST", "/groups", body, expect=201)

    def create_project(self, path: str, namespace_id: int) -> dict:
        return self.api("POST", "/projects", {"name": path, "path": path, "namespace_id": namespace_id},
                        expect=201)

    def create_user(self, username: str) -> dict:
        return self.api("POST", "/users", {"username": username, "name": username.title(),
                                          "email": f"{username}@example.com", "password": "sandbox-pass-123"},
                        expect=201)

    def create_user_token(self, user_id: int, scopes: Sequence[str] = ("api",)) -> str:
        created = self.api("POST", f"/users/{user_id}/personal_access_tokens",
                           {"name": "test", "scopes": list(scopes)}, expect=201)
        return created["token"]

    def add_member(self, kind: str, id: int | str, user_id: int, access_level: int) -> dict:
        collection = kind if kind.endswith("s") else kind + "s"
        return self.api("POST", f"/{collection}/{id}/members", {"user_id": user_id, "access_level": access_level},
                        expect=201)

    # --- controls -----------------------------------------------------------------------

    def counters(self) -> dict[str, int]:
        return self.control("GET", "counters")["counts"]

    def calls(self) -> dict[str, int]:
        """The counters of the routes called at least once, without the total."""
        return {route: count for route, count in self.counters().items() if route != "total" and count}

    def reset_counters(self) -> None:
        self.control("POST", "counters/reset", {})

    def set_time(self, now: str | None) -> None:
        self.control("POST", "time", {"now": now})

    def set_faults(self, **faults: Any) -> dict:
        return self.control("POST", "faults", faults)

    def clear_faults(self) -> None:
        self.control("POST", "faults", {})

    def set_rate_limit(self, limit: int | None, period_seconds: float = 60) -> None:
        self.control("POST", "rate-limit", {"limit": limit, "period_seconds": period_seconds})

    def tokens(self) -> list[dict]:
        return self.control("GET", "tokens")

    def reset(self) -> None:
        self.control("POST", "reset", {"data": True})


@contextlib.contextmanager
def running_sandbox(*, data_dir: Path | None = None, env: dict | None = None,
                    extra_args: Sequence[str] = ()) -> Iterator[Sandbox]:
    """Start ``python -m gitlab_token_sandbox --port 0``; SIGTERM it on exit."""
    with tempfile.TemporaryDirectory(prefix="gitlab-sandbox-") as workdir:
        sandbox = Sandbox(data_dir=data_dir, env=env, extra_args=extra_args, workdir=Path(workdir))
        sandbox.start()
        try:
            yield sandbox
        finally:
            sandbox.stop()
