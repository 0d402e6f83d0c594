"""Drive the real ``pulumi`` CLI from tests, isolated from the user's own Pulumi.

Every ``PulumiStack`` gets its own file backend, ``PULUMI_HOME`` and
passphrase under a temporary directory, so tests never touch the user's login
or stacks. Every command's output is kept (``transcript``) so secret-hygiene
tests can search everything the CLI printed.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pytest
import sdks
import yaml

from support import stack_secrets
from support.postgres import postgres_state

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
PROGRAMS = REPO / "tests" / "programs"
POLICY_PACK = REPO / "policies"
PASSPHRASE = "engine-test-passphrase"
# The engine's own -v=9 log lines that print marshaled property values, secrets included. Some CLI
# versions print them (3.259-3.272), others do not (3.276); where they do, they are the only exemption.
ENGINE_PROPERTY_DUMP = re.compile(r'"msg":"(Un)?[Mm]arshaling property for RPC\[')

# Variables that would point the CLI at the user's own Pulumi account or state.
_USER_PULUMI_VARS = ("PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE_FILE",
                     "PULUMI_STACK")


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
    #: A new stack on its own file backend is a copy of one ``stack init`` made once per program
    #: (see :func:`_new_stack_files`); False runs ``stack init`` for this one.
    from_template: bool = True

    def __post_init__(self) -> None:
        #: Whether the CLI finds this stack through ``PULUMI_STACK`` rather than a ``stack select``.
        self._selected_by_env = False
        self.dir = self.work / "program"
        if not self.dir.exists():
            shutil.copytree(self.program, self.dir, ignore=shutil.ignore_patterns("__pycache__", "venv", ".venv"))
        (self.work / "state").mkdir(parents=True, exist_ok=True)
        (self.work / "home").mkdir(parents=True, exist_ok=True)
        if self.init and self._templatable():
            template = _new_stack_files(self.dir / "Pulumi.yaml", self.stack)
            shutil.copytree(template / "state", self.work / "state", dirs_exist_ok=True)
            shutil.copy2(template / "program" / self.config_file.name, self.config_file)
            # The CLI's own override of the selected stack (3.276 reads it before the workspace's
            # selection): one CLI start fewer than `stack select`, for the same stack.
            self._selected_by_env = True
        else:
            self.run("stack", "init" if self.init else "select", self.stack)

    def _templatable(self) -> bool:
        """A new stack on its own file backend, with the test passphrase and no config file of its program's."""
        return (self.from_template and "/" not in self.stack and not self.config_file.exists()
                and not self.extra_env.keys() & {"PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE"})

    @property
    def config_file(self) -> Path:
        """The stack's settings file, ``Pulumi.<stack>.yaml``, beside the program."""
        return self.dir / f"Pulumi.{self.stack.rsplit('/', 1)[-1]}.yaml"

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
        if self._selected_by_env:
            env["PULUMI_STACK"] = self.stack
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
        """Set one key of stack config, as ``pulumi config set`` does (see :meth:`config_set_all`)."""
        self.config_set_all({} if secret else {key: value}, {key: value} if secret else None)

    def config_set_all(self, plain: Mapping[str, str], secrets: Mapping[str, str] | None = None) -> None:
        """Set stack config in one write of the stack's settings file, as ``pulumi config set`` writes it.

        Secrets are encrypted under the stack's key (support/stack_secrets.py). Without a settings
        file that has the stack's salt (a fresh checkout of an existing stack) the CLI sets them:
        each secret through stdin, so it never sits on a command line.
        """
        settings = self._settings()
        if settings is None or "encryptionsalt" not in settings:
            if plain:
                self.run("config", "set-all", *(arg for key, value in plain.items()
                                                 for arg in ("--plaintext", f"{key}={value}")))
            for key, value in (secrets or {}).items():
                self.run("config", "set", key, "--secret", input=value)
            return
        key = stack_secrets.stack_key(self.env["PULUMI_CONFIG_PASSPHRASE"], settings["encryptionsalt"])
        config = settings.get("config") or {}
        config.update({self._config_key(name): str(value) for name, value in plain.items()})
        config.update({self._config_key(name): {"secure": stack_secrets.encrypt(key, value)}
                       for name, value in (secrets or {}).items()})
        settings["config"] = config
        self.config_file.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))

    def _settings(self) -> dict | None:
        """The stack's settings file, parsed; None if it has none (a fresh checkout) or is not plain."""
        if "/" in self.stack or not self.config_file.exists():
            return None
        settings = yaml.safe_load(self.config_file.read_text()) or {}
        return settings if isinstance(settings, dict) else None

    def _config_key(self, key: str) -> str:
        """``key`` with its namespace, the project's when it has none, as the CLI stores it."""
        return key if ":" in key else f"{_project_name(self.dir / 'Pulumi.yaml')}:{key}"

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

    def state_text(self) -> str:
        """Everything the stack's backend holds for it, for secret-hygiene searches.

        On a file backend, every file under it; on PostgreSQL, every row of its state table:
        the checkpoint as the CLI wrote it, and its backups and history, which
        ``pulumi stack export`` does not show. Elsewhere, the export.
        """
        backend = self.env["PULUMI_BACKEND_URL"]
        if backend.startswith("file://"):
            files = sorted(path for path in Path(backend.removeprefix("file://")).rglob("*") if path.is_file())
            return "\n".join(path.read_text(errors="replace") for path in files)
        if backend.startswith("postgres://"):
            return postgres_state(backend)
        return self.export_text()

    def export(self) -> dict:
        """The state as ``pulumi stack export`` gives it.

        On a file or PostgreSQL backend that is the checkpoint's latest deployment, read from
        the backend's own storage without a CLI start (tests assert on the state hundreds of
        times; test_toolchain.py holds the two equal on both). Other backends are asked
        through the CLI.
        """
        document = self._checkpoint()
        if document is not None:
            return {"version": document["version"], "deployment": _latest_deployment(document)}
        return json.loads(self.export_text())

    def _checkpoint_key(self) -> str:
        """Where a DIY backend keeps this stack's checkpoint: ``.pulumi/stacks/<project>/<stack>.json``."""
        parts = self.stack.split("/")
        project = parts[-2] if len(parts) == 3 else _project_name(self.dir / "Pulumi.yaml")
        return f".pulumi/stacks/{project}/{parts[-1]}.json"

    def _checkpoint(self) -> dict | None:
        """The checkpoint document of a file or PostgreSQL backend, or None (another backend, or no checkpoint yet)."""
        backend = self.env["PULUMI_BACKEND_URL"]
        if backend.startswith("file://"):
            checkpoint = Path(backend.removeprefix("file://")) / self._checkpoint_key()
            return json.loads(checkpoint.read_text()) if checkpoint.exists() else None
        if backend.startswith("postgres://"):
            text = postgres_state(backend, key=self._checkpoint_key())
            return json.loads(text) if text else None
        return None

    def resources(self, type_: str | None = None) -> list[dict]:
        """The resources in the state, optionally only those of one type."""
        resources = self.export()["deployment"].get("resources") or []
        return [r for r in resources if type_ is None or r["type"] == type_]

    def outputs(self, *, show_secrets: bool = False) -> dict:
        """The stack's outputs as ``pulumi stack output --json [--show-secrets]`` gives them.

        On a file or PostgreSQL backend they are read from its checkpoint, secrets decrypted
        or blinded as the CLI does (test_toolchain.py holds the two equal).
        """
        document = self._checkpoint()
        if document is None:
            args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
            return json.loads(self.run(*args, reveals_secrets=show_secrets).stdout or "{}")
        deployment = _latest_deployment(document)
        root = next((r for r in deployment.get("resources") or [] if r["type"] == "pulumi:pulumi:Stack"), {})
        outputs = root.get("outputs") or {}
        if not show_secrets:
            return stack_secrets.blind(outputs)
        salt = (deployment.get("secrets_providers") or {}).get("state", {}).get("salt")
        if salt is None:  # no secrets manager: nothing was encrypted
            return outputs
        return stack_secrets.reveal(outputs, stack_secrets.stack_key(self.env["PULUMI_CONFIG_PASSPHRASE"], salt))

    def everything_printed(self) -> str:
        """All output of every command so far, for secret-hygiene searches."""
        return "\n".join(r.output for r in self.transcript)


#: Per program (its Pulumi.yaml) and stack name: a directory holding what ``stack init`` made.
_TEMPLATES: dict[tuple[str, str], Path] = {}
#: Where the test workers of one run share their templates (:func:`share_stack_templates`).
_SHARED_TEMPLATES: list[Path] = []
#: Else this process's own directory of templates, removed when it exits.
_PROCESS_TEMPLATES: list[Path] = []


def run_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of this test run that its pytest-xdist workers share: the one above their own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def share_stack_templates(directory: Path) -> None:
    """Make each stack template once for the whole run, in ``directory``, instead of once per worker."""
    _SHARED_TEMPLATES[:] = [directory]


def _latest_deployment(checkpoint: dict) -> dict:
    """A checkpoint document's latest deployment, as ``pulumi stack export`` shows it ({} before the first)."""
    return checkpoint["checkpoint"]["latest"] or {}


def _project_name(pulumi_yaml: Path) -> str:
    return yaml.safe_load(pulumi_yaml.read_text())["name"]


def _new_stack_files(pulumi_yaml: Path, stack: str) -> Path:
    """A directory with ``state/`` and ``program/Pulumi.<stack>.yaml`` as ``pulumi stack init`` left them.

    Made once per program and stack name, then copied for each new stack: ``stack init``
    starts the CLI and derives a new stack's key (a PBKDF2 of a million rounds), and the
    engine tests make about a hundred stacks. Once per run where the workers share a
    directory (:func:`share_stack_templates`), else once per process. Every template is
    given the salt of a first ``stack init`` made for that alone (``stack init`` keeps a salt
    it finds), so the stacks share one key and the harness derives it once per process
    (support/stack_secrets.py).
    """
    key = (pulumi_yaml.read_text(), stack)
    if key not in _TEMPLATES:
        root = _SHARED_TEMPLATES[0] if _SHARED_TEMPLATES else _process_templates()
        salt = sdks.cached(root / f"salt-{stack}", lambda out: _stack_init(out, None, stack))
        name = hashlib.sha256("\0".join(key).encode()).hexdigest()[:16]
        _TEMPLATES[key] = sdks.cached(root / f"{stack}-{name}",
                                      lambda out: _stack_init(out, pulumi_yaml, stack, salt))
    return _TEMPLATES[key]


def _stack_init(out: Path, pulumi_yaml: Path | None, stack: str, salt_from: Path | None = None) -> None:
    """``stack init`` of a copy of ``pulumi_yaml`` (a bare project without one) into ``out``, after
    the settings file of ``salt_from``'s if given."""
    source = out / "source"
    source.mkdir(parents=True)
    if pulumi_yaml is None:
        (source / "Pulumi.yaml").write_text("name: stack-salt\nruntime: python\n")
    else:
        shutil.copy2(pulumi_yaml, source / "Pulumi.yaml")
    if salt_from is not None:
        settings = f"Pulumi.{stack}.yaml"
        shutil.copy2(salt_from / "program" / settings, source / settings)
    PulumiStack(source, out, stack=stack, from_template=False)


def _process_templates() -> Path:
    if not _PROCESS_TEMPLATES:
        work = Path(tempfile.mkdtemp(prefix="stack-templates-"))
        atexit.register(shutil.rmtree, work, ignore_errors=True)
        _PROCESS_TEMPLATES.append(work)
    return _PROCESS_TEMPLATES[0]


def policy_pack_args(pack: Path = POLICY_PACK, config: Path | None = None) -> list[str]:
    """The ``--policy-pack`` (and ``--policy-pack-config``) arguments for a local pack."""
    args = ["--policy-pack", str(pack)]
    if config is not None:
        args += ["--policy-pack-config", str(config)]
    return args
