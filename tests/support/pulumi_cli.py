"""Drive the real ``pulumi`` CLI from tests, isolated from the user's own Pulumi.

Every ``PulumiStack`` gets its own file backend, ``PULUMI_HOME`` and
passphrase under a temporary directory, so tests never touch the user's login
or stacks. Every command's output is kept (``transcript``) so secret-hygiene
tests can search everything the CLI printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
PROGRAMS = REPO / "tests" / "programs"
POLICY_PACK = REPO / "policies"
PASSPHRASE = "engine-test-passphrase"
# The engine's own -v=9 log lines that print marshaled property values, secrets included. Some CLI
# versions print them (3.259-3.272), others do not (3.276); where they do, they are the only exemption.
ENGINE_PROPERTY_DUMP = re.compile(r'"msg":"(Un)?[Mm]arshaling property for RPC\[')

# Variables that would point the CLI at the user's own Pulumi account or state.
_USER_PULUMI_VARS = ("PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE_FILE")


def engine_log_verbosities(text: str) -> set[int]:
    """The verbosity levels of the engine's own log records found in ``text``.

    With ``--logtostderr`` the engine writes one JSON record per line, and every
    record logged at a verbosity level carries it as ``"v"`` (the CLI's slog
    handler has done so across versions, while the messages themselves change).
    A test that asks for ``-v=9`` proves its logs were captured by finding 9 here.
    """
    levels: set[int] = set()
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "msg" in record and isinstance(record.get("v"), int):
            levels.add(record["v"])
    return levels


def pulumi_executable() -> Path:
    """The toolchain ``make setup`` installed; engine tests fail (never skip) without it."""
    exe = VENV_BIN / "pulumi"
    if not exe.exists():
        pytest.fail("the pulumi CLI is not installed in .venv/bin: run `make setup` (engine tests never skip)")
    return exe


@dataclass
class Result:
    """One CLI run: its arguments, exit code and output."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"$ pulumi {' '.join(self.args)}  (exit {self.returncode})\n{self.output}"


class PulumiError(AssertionError):
    """A CLI command that should have succeeded did not; the message has its whole output."""


@dataclass
class PulumiStack:
    """A copy of a Pulumi program with its own stack, backend and home."""

    program: Path
    work: Path
    stack: str = "test"
    extra_env: dict[str, str] = field(default_factory=dict)
    transcript: list[Result] = field(default_factory=list)
    #: False for a stack that already exists in the backend (a new CI runner): select it instead.
    init: bool = True

    def __post_init__(self) -> None:
        self.dir = self.work / "program"
        if not self.dir.exists():
            shutil.copytree(self.program, self.dir, ignore=shutil.ignore_patterns("__pycache__", "venv", ".venv"))
        (self.work / "state").mkdir(parents=True, exist_ok=True)
        (self.work / "home").mkdir(parents=True, exist_ok=True)
        self.run("stack", "init" if self.init else "select", self.stack)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _USER_PULUMI_VARS}
        env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            PULUMI_BACKEND_URL=f"file://{self.work / 'state'}",
            PULUMI_HOME=str(self.work / "home"),
            PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="true",
            NO_COLOR="1",
        )
        env.update(self.extra_env)
        return env

    def run(
        self, *args: str, check: bool = True, input: str | None = None, timeout: float = 900,
        env: dict[str, str] | None = None, reveals_secrets: bool = False,
    ) -> Result:
        """Run ``pulumi ARGS`` in the program directory; raise with the full output if it fails and ``check``.

        ``reveals_secrets`` marks a command whose output is meant to hold secrets
        (``--show-secrets``); it is kept out of the transcript the leak checks search.
        """
        full_env = self.env | (env or {})
        proc = subprocess.run(
            [str(pulumi_executable()), *args, "--non-interactive"],
            cwd=self.dir, env=full_env, input=input, capture_output=True, text=True, timeout=timeout,
        )
        result = Result(list(args), proc.returncode, proc.stdout, proc.stderr)
        if not reveals_secrets:
            self.transcript.append(result)
        if check and proc.returncode != 0:
            raise PulumiError(str(result))
        return result

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        """Start ``pulumi ARGS`` without waiting (to interrupt it); pass it to :meth:`reap` when done."""
        return subprocess.Popen(
            [str(pulumi_executable()), *args, "--non-interactive"],
            cwd=self.dir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def reap(self, proc: subprocess.Popen[str], args: list[str], timeout: float = 60) -> Result:
        """Collect a spawned command's output into the transcript, like :meth:`run` does.

        A command that was killed may have torn the file backend's metadata: see
        :meth:`remove_torn_sidecars`, done here as an operator would before going on.
        """
        stdout, stderr = proc.communicate(timeout=timeout)
        result = Result(args, proc.returncode, stdout, stderr)
        self.transcript.append(result)
        if proc.returncode == -signal.SIGKILL:
            self.remove_torn_sidecars()
        return result

    def remove_torn_sidecars(self) -> list[Path]:
        """Delete the empty ``.attrs`` files a killed CLI can leave in the file backend; those deleted.

        The file backend replaces a checkpoint atomically (a temporary file renamed
        into place), but its storage library writes the checkpoint's ``.attrs``
        metadata file in place, just before: a SIGKILL in that instant leaves it
        empty, and every later command fails with "failed to load checkpoint: EOF"
        while the checkpoint itself is whole. Deleting the empty file is the
        recovery docs/recovery.md gives ("Surviving a killed `pulumi up`"); the tear is
        the engine's, not the provider's.
        """
        torn = [path for path in (self.work / "state").rglob("*.attrs") if path.stat().st_size == 0]
        for path in torn:
            path.unlink()
        return torn

    # -- common commands ------------------------------------------------------------------
    def config_set(self, key: str, value: str, *, secret: bool = False) -> None:
        """Set stack config; the value goes through stdin so it never sits on a command line."""
        self.run("config", "set", key, "--secret" if secret else "--plaintext", input=value)

    def config_set_all(self, plain: Mapping[str, str], secrets: Mapping[str, str] | None = None) -> None:
        """Set many keys with one CLI start for all plain values, and one per secret (through stdin)."""
        if plain:
            self.run("config", "set-all", *(arg for key, value in plain.items()
                                             for arg in ("--plaintext", f"{key}={value}")))
        for key, value in (secrets or {}).items():
            self.config_set(key, value, secret=True)

    def up(self, *args: str, check: bool = True, **kw) -> Result:
        return self.run("up", "--yes", "--skip-preview", *args, check=check, **kw)

    def preview(self, *args: str, check: bool = True, **kw) -> Result:
        return self.run("preview", *args, check=check, **kw)

    def refresh(self, *args: str, check: bool = True, **kw) -> Result:
        return self.run("refresh", "--yes", "--skip-preview", *args, check=check, **kw)

    def destroy(self, *args: str, check: bool = True, **kw) -> Result:
        return self.run("destroy", "--yes", "--skip-preview", *args, check=check, **kw)

    def export_text(self) -> str:
        """``pulumi stack export`` without ``--show-secrets``: what an attacker with the state file sees."""
        return self.run("stack", "export").stdout

    def export(self) -> dict:
        """The state as ``pulumi stack export`` gives it.

        On the stack's own file backend that is its checkpoint file's latest deployment,
        read without a CLI start (tests assert on the state hundreds of times; a test in
        test_toolchain.py holds the two equal). Other backends are asked through the CLI.
        """
        checkpoint = self._checkpoint_file()
        if checkpoint is not None and checkpoint.exists():
            document = json.loads(checkpoint.read_text())
            return {"version": document["version"], "deployment": document["checkpoint"]["latest"] or {}}
        return json.loads(self.export_text())

    def _checkpoint_file(self) -> Path | None:
        """Where a file backend keeps this stack's checkpoint, or None for any other backend or layout."""
        backend = self.env["PULUMI_BACKEND_URL"]
        if not backend.startswith("file://") or "/" in self.stack:
            return None
        project = re.search(r"^name:\s*(\S+)", (self.dir / "Pulumi.yaml").read_text(), re.MULTILINE)
        if project is None:
            return None
        return Path(backend.removeprefix("file://")) / ".pulumi" / "stacks" / project.group(1) / f"{self.stack}.json"

    def resources(self, type_: str | None = None) -> list[dict]:
        """The resources in the state, optionally only those of one type."""
        resources = self.export()["deployment"].get("resources") or []
        return [r for r in resources if type_ is None or r["type"] == type_]

    def outputs(self, *, show_secrets: bool = False) -> dict:
        args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
        return json.loads(self.run(*args, reveals_secrets=show_secrets).stdout or "{}")

    def everything_printed(self) -> str:
        """All output of every command so far, for secret-hygiene searches."""
        return "\n".join(r.output for r in self.transcript)


def policy_pack_args(pack: Path = POLICY_PACK, config: Path | None = None) -> list[str]:
    """The ``--policy-pack`` (and ``--policy-pack-config``) arguments for a local pack."""
    args = ["--policy-pack", str(pack)]
    if config is not None:
        args += ["--policy-pack-config", str(config)]
    return args
