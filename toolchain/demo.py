"""`make demo` and `make demo-down`: the quickstart stack against a local GitLab sandbox.

    python toolchain/demo.py up     # start (or reuse) the sandbox, seed it, pulumi up, print outputs
    python toolchain/demo.py down   # pulumi destroy, then stop the sandbox

Everything lives under `.demo/` in the repository: the sandbox's SQLite data,
its admin credential (mode 0600), the stack's file backend and an isolated
PULUMI_HOME, so the demo never touches your own Pulumi login or stacks.
Running `up` again reuses all of it and converges with no changes.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Tests point this elsewhere so they never disturb a user's own demo.
DEMO = Path(os.environ.get("GITLAB_TOKENS_DEMO_DIR", REPO / ".demo")).resolve()
VENV_BIN = REPO / ".venv" / "bin"
STACK = "demo"
GROUP_PATH = "acme"
PROJECT_PATH = "app"


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def fail(message: str) -> None:
    print(f"[demo] error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


# -- the sandbox ------------------------------------------------------------------------------


def _secret_file(name: str, make) -> str:
    """A value kept in .demo/NAME (mode 0600), made once, so every run uses the same one."""
    path = DEMO / name
    if not path.exists():
        DEMO.mkdir(exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(str(make()))
    return path.read_text().strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base_url: str, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
    request = urllib.request.Request(
        f"{base_url}/api/v4{path}", method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"PRIVATE-TOKEN": token, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _sandbox_pid() -> int | None:
    pid_file = DEMO / "sandbox.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def start_sandbox() -> tuple[str, str]:
    """Start the sandbox in the background (or find it running); return its URL and admin token."""
    token = _secret_file("admin-token", lambda: "glpat-demo-" + secrets.token_urlsafe(24))
    port = int(_secret_file("port", _free_port))
    base_url = f"http://127.0.0.1:{port}"
    if _sandbox_pid() is not None:
        status, _ = _api(base_url, token, "GET", "/version")
        if status == 200:
            say(f"sandbox already running at {base_url}")
            return base_url, token
    log = open(DEMO / "sandbox.log", "a")
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "gitlab_token_sandbox", "--port", str(port),
         "--admin-token", token, "--data", str(DEMO / "sandbox")],
        stdout=subprocess.DEVNULL, stderr=log, start_new_session=True,
    )
    (DEMO / "sandbox.pid").write_text(str(process.pid))
    for _ in range(100):
        try:
            if _api(base_url, token, "GET", "/version")[0] == 200:
                say(f"sandbox started at {base_url} (log: .demo/sandbox.log, data: .demo/sandbox/)")
                return base_url, token
        except (urllib.error.URLError, ConnectionError):
            pass
        if process.poll() is not None:
            fail(f"the sandbox exited with code {process.returncode}; see .demo/sandbox.log")
        time.sleep(0.1)
    fail("the sandbox did not answer within 10 seconds; see .demo/sandbox.log")
    raise AssertionError


def seed(base_url: str, token: str) -> None:
    """Create the group and project the quickstart uses, unless they exist."""
    status, group = _api(base_url, token, "GET", f"/groups/{GROUP_PATH}")
    if status == 404:
        status, group = _api(base_url, token, "POST", "/groups", {"name": "Acme", "path": GROUP_PATH})
        if status != 201:
            fail(f"could not create group {GROUP_PATH}: {status} {group}")
        say(f"created group {GROUP_PATH}")
    full_path = f"{GROUP_PATH}%2F{PROJECT_PATH}"
    status, project = _api(base_url, token, "GET", f"/projects/{full_path}")
    if status == 404:
        status, project = _api(base_url, token, "POST", "/projects",
                               {"name": "App", "path": PROJECT_PATH, "namespace_id": group["id"]})
        if status != 201:
            fail(f"could not create project {GROUP_PATH}/{PROJECT_PATH}: {status} {project}")
        say(f"created project {GROUP_PATH}/{PROJECT_PATH}")


# -- the stack --------------------------------------------------------------------------------


def pulumi_env() -> dict[str, str]:
    passphrase_file = DEMO / "passphrase"
    _secret_file("passphrase", lambda: secrets.token_urlsafe(24))
    (DEMO / "state").mkdir(exist_ok=True)
    (DEMO / "home").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE")}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        PULUMI_BACKEND_URL=f"file://{DEMO / 'state'}",
        PULUMI_HOME=str(DEMO / "home"),
        PULUMI_CONFIG_PASSPHRASE_FILE=str(passphrase_file),
        PULUMI_SKIP_UPDATE_CHECK="true",
    )
    # A shell can `source .demo/env` to run pulumi commands against the demo stack.
    (DEMO / "env").write_text("".join(
        f"export {k}={env[k]}\n" for k in ("PATH", "PULUMI_BACKEND_URL", "PULUMI_HOME",
                                           "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_SKIP_UPDATE_CHECK")
    ) + f"export PULUMI_STACK={STACK}\n")
    return env


def pulumi(*args: str, env: dict[str, str], input: str | None = None, check: bool = True,
           quiet: bool = False) -> subprocess.CompletedProcess:
    command = [str(VENV_BIN / "pulumi"), *args, "--non-interactive"]
    result = subprocess.run(command, cwd=REPO, env=env, input=input, text=True,
                            capture_output=quiet)
    if check and result.returncode != 0:
        fail(f"`pulumi {' '.join(args)}` failed (exit {result.returncode})"
             + (f":\n{result.stdout}{result.stderr}" if quiet else ""))
    return result


def up() -> None:
    base_url, token = start_sandbox()
    seed(base_url, token)
    env = pulumi_env()
    if pulumi("stack", "select", STACK, env=env, check=False, quiet=True).returncode != 0:
        pulumi("stack", "init", STACK, env=env, quiet=True)
        say(f"created stack {STACK} (state in .demo/state)")
    pulumi("config", "set", "gitlab:baseUrl", base_url, "--stack", STACK, env=env, quiet=True)
    # Through stdin, so the credential is never on a command line.
    pulumi("config", "set", "--secret", "gitlab:token", "--stack", STACK, env=env, input=token, quiet=True)
    say("running: pulumi up --yes --policy-pack policies")
    pulumi("up", "--yes", "--stack", STACK, "--policy-pack", str(REPO / "policies"), env=env)
    # pulumi up has just printed the outputs, token values as [secret].
    print(
        "\nReveal a token value:   source .demo/env && pulumi stack output project_token --show-secrets\n"
        "Run again (no changes): make demo\n"
        "Destroy and stop:       make demo-down\n"
    )


def down() -> None:
    if not (DEMO / "state").exists():
        say("nothing to tear down")
        return
    env = pulumi_env()
    if _sandbox_pid() is None:
        start_sandbox()  # the tokens live in the sandbox; destroy must be able to revoke them
    if pulumi("stack", "select", STACK, env=env, check=False, quiet=True).returncode == 0:
        pulumi("destroy", "--yes", "--stack", STACK, env=env)
        pulumi("stack", "rm", "--yes", STACK, env=env, quiet=True)
    pid = _sandbox_pid()
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        say("sandbox stopped")
    (DEMO / "sandbox.pid").unlink(missing_ok=True)
    say("demo torn down; `rm -rf .demo` also removes the sandbox's data")


if __name__ == "__main__":
    commands = {"up": up, "down": down}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        fail("usage: python toolchain/demo.py up|down")
    commands[sys.argv[1]]()
