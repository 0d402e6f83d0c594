"""A program's Python environment as upstream's Python language host sees it (its pip toolchain).

The language host (``pulumi-language-python``, beside this module) imports
this for everything that touches the program's interpreter: which python runs
it, creating the ``virtualenv`` that ``Pulumi.yaml`` names, ``pulumi install``,
the installed distributions, and which of them need a resource plugin. The
rules follow upstream's host (``sdk/python/cmd/pulumi-language-python`` and
``sdk/python/toolchain`` in pulumi/pulumi) wherever a user can observe them;
``docs/language-host.md`` lists what differs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from typing import Callable

# Output of a step, as (stream, bytes): stream is "stdout" or "stderr".
Writer = Callable[[str, bytes], None]

# Distributions named pulumi-* that are known to ship no plugin (upstream's packagesWithoutPlugins).
PACKAGES_WITHOUT_PLUGINS = frozenset({"pulumi-policy", "pulumi_policy", "pulumi-esc-sdk", "pulumi_esc_sdk"})
PLUGIN_JSON = "pulumi-plugin.json"
SUPPORTED_TOOLCHAINS = ("pip",)

_PEP440 = re.compile(r"(\d+(?:\.\d+)*)(?:(a|b|rc)(\d*))?(?:\.post(\d*))?(?:\.dev(\d*))?", re.ASCII)


class PythonEnvironmentError(Exception):
    """The program's Python environment cannot be used; the message tells the user what to do."""


@dataclass(frozen=True)
class InstalledPackage:
    """One installed distribution, as ``pip list -v`` reports it."""

    name: str
    version: str
    location: str


@dataclass(frozen=True)
class PluginRequirement:
    """A resource plugin a program needs because of an installed distribution."""

    name: str
    version: str
    server: str = ""
    parameterization: dict | None = None


def normalize_name(name: str) -> str:
    """A distribution name in its PEP 503 form, as upstream's toolchain reports names."""
    return re.sub(r"[-_.]+", "-", name).lower()


def plugin_version(package_version: str) -> str:
    """A PEP 440 distribution version as a plugin (semver) version; ValueError if it has no such form.

    ``1.0`` -> ``1.0.0``, ``1.2.3a4`` -> ``1.2.3-alpha.4``, ``1.2.3rc4`` -> ``1.2.3-rc.4``,
    ``1.2.3.post4`` -> ``1.2.3+post4``, ``1.2.3.post4.dev5`` -> ``1.2.3+post4dev5``.
    Epochs and local versions have no plugin version.
    """
    match = _PEP440.fullmatch(package_version)
    if not match:
        raise ValueError(f"cannot derive a plugin version from {package_version!r}")
    release, pre_kind, pre_number, post, dev = match.groups()
    segments = release.split(".")
    segments += ["0"] * (3 - len(segments))
    version = ".".join(segments)
    if pre_kind:
        version += "-" + {"a": "alpha", "b": "beta", "rc": "rc"}[pre_kind] + "." + pre_number
    if post is not None:
        version += "+post" + post
    if dev is not None:
        version += ("" if post is not None else "+") + "dev" + dev
    return version


def read_plugin_json(package: InstalledPackage) -> dict | None:
    """The package's ``pulumi-plugin.json``, looked up where upstream looks: ``<location>/<name_with_underscores>/``."""
    path = os.path.join(package.location, package.name.replace("-", "_"), PLUGIN_JSON)
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise PythonEnvironmentError(f"could not read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise PythonEnvironmentError(f"could not read {path}: expected a JSON object")
    return data


def is_pulumi_package(package: InstalledPackage) -> bool:
    """A distribution upstream considers for plugins: it ships pulumi-plugin.json or is named pulumi-*/pulumi_*."""
    return read_plugin_json(package) is not None or package.name.startswith(("pulumi-", "pulumi_"))


def required_plugin(package: InstalledPackage) -> PluginRequirement | None:
    """The resource plugin one distribution asks for, or None.

    ``pulumi-plugin.json`` decides when present: ``"resource": false`` (or no
    ``resource`` key at all) means no plugin; its ``name``, ``version`` and
    ``server`` override the defaults. Without the file every pulumi-* package
    is taken for a provider SDK: plugin ``<name without pulumi->`` at the
    package's own version (skipped when that version has no semver form).
    """
    spec = read_plugin_json(package)
    name = version = server = ""
    parameterization = None
    if spec is not None:
        if not spec.get("resource"):
            return None
        name, version, server = spec.get("name") or "", spec.get("version") or "", spec.get("server") or ""
        parameterization = spec.get("parameterization")
    if not name:
        name = package.name.removeprefix("pulumi-")
    if not version:
        try:
            version = plugin_version(package.version)
        except ValueError:
            return None
    if not version.startswith("v"):
        version = "v" + version
    return PluginRequirement(name=name, version=version, server=server, parameterization=parameterization)


def required_plugins(packages: list[InstalledPackage]) -> list[PluginRequirement]:
    """Every resource plugin the installed distributions ask for, in upstream's order (pip's)."""
    plugins = []
    for package in packages:
        if not is_pulumi_package(package) or package.name in PACKAGES_WITHOUT_PLUGINS:
            continue
        plugin = required_plugin(package)
        if plugin is not None:
            plugins.append(plugin)
    return plugins


def run_streaming(
    cmd: list[str], *, cwd: str | None, env: dict[str, str], write: Writer,
    started: Callable[[subprocess.Popen], None] | None = None,
) -> int:
    """Run a command, passing its stdout and stderr line by line to ``write``; its exit code.

    ``started`` gets the process as soon as it runs (to kill it if the caller goes away).
    """
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if started is not None:
        started(proc)

    def pump(stream, field: str) -> None:
        for line in iter(stream.readline, b""):
            write(field, line)

    pumps = [threading.Thread(target=pump, args=(s, f), daemon=True)
             for s, f in ((proc.stdout, "stdout"), (proc.stderr, "stderr"))]
    for thread in pumps:
        thread.start()
    for thread in pumps:
        thread.join()
    return proc.wait()


class PythonEnvironment:
    """The interpreter and virtualenv of one program or policy pack (``runtime.options`` in its project file)."""

    def __init__(self, root: str, program_dir: str, options: dict) -> None:
        toolchain = options.get("toolchain", "pip")
        if toolchain not in SUPPORTED_TOOLCHAINS:
            raise PythonEnvironmentError(
                f"runtime option toolchain: {toolchain!r} is not supported by this language host; "
                f"use one of {', '.join(SUPPORTED_TOOLCHAINS)}"
            )
        if options.get("typechecker"):
            raise PythonEnvironmentError(
                f"runtime option typechecker: {options['typechecker']!r} is not supported by this language host; "
                "remove it from Pulumi.yaml and run the type checker yourself"
            )
        virtualenv = options.get("virtualenv") or ""
        if not isinstance(virtualenv, str):
            raise PythonEnvironmentError("runtime option virtualenv must be a string (a directory path)")
        self.root = root or program_dir or os.getcwd()
        self.program_dir = program_dir or self.root
        self.virtualenv_option = virtualenv
        self.venv = os.path.normpath(os.path.join(self.root, virtualenv)) if virtualenv else ""

    # -- which python ---------------------------------------------------------------------
    def is_virtualenv(self) -> bool:
        return os.path.isfile(os.path.join(self.venv, "bin", "python"))

    def python(self) -> str:
        """The program's python: the virtualenv's, else $PULUMI_PYTHON_CMD, python3 or python from PATH."""
        if self.venv:
            return os.path.join(self.venv, "bin", "python")
        commands = [os.environ["PULUMI_PYTHON_CMD"]] if os.environ.get("PULUMI_PYTHON_CMD") else ["python3", "python"]
        for command in commands:
            found = shutil.which(command)
            if found:
                return found
        raise PythonEnvironmentError(f"failed to locate any of {commands} on your PATH. Have you installed Python 3.10 or greater?")

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The environment the program runs in: the virtualenv activated, when there is one."""
        env = dict(os.environ if base is None else base)
        if self.venv:
            env["PATH"] = os.path.join(self.venv, "bin") + os.pathsep + env.get("PATH", "")
            env["VIRTUAL_ENV"] = self.venv
            env.pop("PYTHONHOME", None)
        return env

    def validate(self) -> None:
        """Raise the user-facing error when the named virtualenv is missing or is not one."""
        if self.venv and not self.is_virtualenv():
            problem = "does not exist" if not os.path.exists(self.venv) else "does not look like a virtual environment"
            python = os.path.join(self.venv, "bin", "python")
            raise PythonEnvironmentError(
                f"The 'virtualenv' option in Pulumi.yaml is set to {self.virtualenv_option!r}, but {self.venv!r} "
                f"{problem}; create it and install the dependencies with:\n\n"
                f"    1. python3 -m venv {self.venv}\n"
                f"    2. {python} -m pip install --upgrade pip setuptools wheel\n"
                f"    3. {python} -m pip install -r requirements.txt\n\n"
                "or run `pulumi install`."
            )

    # -- creating and filling it ----------------------------------------------------------
    def ensure(self, write: Writer) -> None:
        """Create the named virtualenv and install requirements.txt when it is missing or empty (preview, up, about)."""
        if not self.venv or self.is_virtualenv():
            return
        if os.path.exists(self.venv):
            if not os.path.isdir(self.venv):
                raise PythonEnvironmentError(
                    f"the 'virtualenv' option in Pulumi.yaml is set to {self.venv!r} but it is not a directory"
                )
            if os.listdir(self.venv):
                return  # not empty and not a virtualenv: running the program reports it (validate)
        self.install_dependencies(write)

    def install_dependencies(self, write: Writer) -> None:
        """What ``pulumi install`` does: (re)create the virtualenv, update pip, install requirements.txt."""
        say = lambda message: write("stdout", f"{message}\n".encode())  # noqa: E731
        if self.venv:
            say("Creating virtual environment...")
            base_python = PythonEnvironment(self.root, self.program_dir, {}).python()
            proc = subprocess.run([base_python, "-m", "venv", self.venv], capture_output=True)
            if proc.returncode:
                write("stderr", proc.stdout + proc.stderr)
                raise PythonEnvironmentError(f"creating virtual environment at '{self.venv}' failed (exit {proc.returncode})")
            say("Finished creating virtual environment")

        def pip_install(what: str, *args: str) -> None:
            cmd = [self.python(), "-m", "pip", "install", *args]
            code = run_streaming(cmd, cwd=self.program_dir, env=self.env(), write=write)
            if code:
                raise PythonEnvironmentError(f"{what} via '{' '.join(cmd)}' failed (exit {code})")

        say("Updating pip, setuptools, and wheel in virtual environment...")
        pip_install("updating pip, setuptools, and wheel", "--upgrade", "pip", "setuptools", "wheel")
        say("Finished updating")
        if not os.path.exists(os.path.join(self.program_dir, "requirements.txt")):
            return
        say("Installing dependencies in virtual environment...")
        pip_install("installing dependencies", "-r", "requirements.txt")
        say("Finished installing dependencies")

    # -- what is installed ----------------------------------------------------------------
    def _pip_list(self, *args: str) -> list[dict]:
        cmd = [self.python(), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check", *args]
        proc = subprocess.run(cmd, cwd=self.program_dir, env=self.env(), capture_output=True, text=True)
        if proc.returncode:
            raise PythonEnvironmentError(f"calling `{' '.join(cmd)}` failed (exit {proc.returncode}): {proc.stderr.strip()}")
        # pip -v may print a trailer after the JSON document.
        return json.JSONDecoder().raw_decode(proc.stdout.lstrip())[0]

    def packages(self, *, transitive: bool = True) -> list[InstalledPackage]:
        """The installed distributions (names PEP 503-normalized); only top-level ones unless ``transitive``."""
        rows = self._pip_list("-v", *(() if transitive else ("--not-required",)))
        return [InstalledPackage(normalize_name(r["name"]), r["version"], r.get("location", "")) for r in rows]

    def about(self) -> tuple[str, str]:
        """The interpreter's path and its version (``3.11.2``), as ``pulumi about`` shows them."""
        cmd = [self.python(), "-c", "import sys; print(sys.executable); print(sys.version.split()[0])"]
        try:
            out = subprocess.run(cmd, env=self.env(), capture_output=True, text=True, check=True).stdout.split("\n")
        except (OSError, subprocess.CalledProcessError) as exc:
            raise PythonEnvironmentError(f"failed to get python executable path: {exc}") from exc
        return out[0], _semver_of_python(out[1])


def _semver_of_python(version: str) -> str:
    """``3.13.0rc2`` -> ``3.13.0-rc.2``: upstream reports the Python version in semver form."""
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?(?:(a|b|rc|dev)(\d+))?", version)
    if not match:
        return version
    major, minor, patch, pre, number = match.groups()
    result = f"{major}.{minor}.{patch or 0}"
    if pre:
        result += "-" + {"a": "alpha", "b": "beta", "rc": "rc", "dev": "dev"}[pre] + "." + number
    return result

