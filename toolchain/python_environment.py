"""A program's Python environment as upstream's Python language host sees it: its pip, uv and poetry toolchains.

The language host (``pulumi-language-python``, beside this module) runs this
module for everything that touches the program's interpreter, one process for
the host's lifetime answering its requests (:func:`main`): which toolchain manages it, which python runs it,
creating its virtualenv, ``pulumi install``, the installed distributions, and
which of them need a resource plugin. The rules follow upstream's host
(``sdk/python/cmd/pulumi-language-python`` and ``sdk/python/toolchain`` in
pulumi/pulumi) wherever a user can observe them; ``docs/language-host.md``
lists what differs.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass

# Output of a step, as (stream, bytes): stream is "stdout" or "stderr".
Writer = Callable[[str, bytes], None]

# Distributions named pulumi-* that are known to ship no plugin (upstream's packagesWithoutPlugins).
PACKAGES_WITHOUT_PLUGINS = frozenset({"pulumi-policy", "pulumi_policy", "pulumi-esc-sdk", "pulumi_esc_sdk"})
PLUGIN_JSON = "pulumi-plugin.json"
# The oldest uv and poetry upstream's toolchains accept, and how their --version output shows theirs.
MIN_UV_VERSION = (0, 6, 15)
MIN_POETRY_VERSION = (1, 8, 0)
UV_VERSION_OUTPUT = r"uv (\d+\.\d+(?:\.\d+)?)"
POETRY_VERSION_OUTPUT = r"Poetry \(version (\d+\.\d+(?:\.\d+)?)[^)]*\)"

_PEP440 = re.compile(r"(\d+(?:\.\d+)*)(?:(a|b|rc)(\d*))?(?:\.post(\d*))?(?:\.dev(\d*))?", re.ASCII)


class PythonEnvironmentError(Exception):
    """The program's Python environment cannot be used; the message tells the user what to do."""


@dataclass(frozen=True)
class InstalledPackage:
    """One installed distribution: from ``pip list -v`` (pip) or the lock file (uv, poetry), its module found by importlib."""

    name: str
    version: str
    location: str = ""
    #: The directory of the distribution's top-level module, when importlib found it.
    module_dir: str = ""


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
    """The package's ``pulumi-plugin.json``, in its module directory or else ``<location>/<name_with_underscores>/``."""
    if package.module_dir:
        path = os.path.join(package.module_dir, PLUGIN_JSON)
    elif package.location:
        path = os.path.join(package.location, package.name.replace("-", "_"), PLUGIN_JSON)
    else:
        return None
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


def run_streaming(cmd: list[str], *, cwd: str | None, env: dict[str, str], write: Writer) -> int:
    """Run a command, passing its stdout and stderr line by line to ``write``; its exit code."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

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


def searchup(start: str, filename: str) -> str | None:
    """The nearest directory from ``start`` upwards that holds ``filename``, as upstream's toolchains look for it."""
    directory = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(directory, filename)):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load_toml(path: str) -> dict:
    """A TOML file (pyproject.toml, poetry.lock) as a dict; PythonEnvironmentError naming the file if it cannot be read."""
    try:
        import tomllib
    except ModuleNotFoundError as exc:  # Python 3.10: the host's own interpreter has no TOML reader
        raise PythonEnvironmentError(f"reading {path} needs Python 3.11 or newer for the language host") from exc
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except (OSError, ValueError) as exc:
        raise PythonEnvironmentError(f"could not read {path}: {exc}") from exc


def direct_dependency_names(project_dir: str) -> set[str]:
    """The distributions ``pyproject.toml`` names itself ([project] or [tool.poetry] dependencies), PEP 503-normalized."""
    data = load_toml(os.path.join(project_dir, "pyproject.toml"))
    names = set()
    for requirement in data.get("project", {}).get("dependencies", []) or []:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if match:
            names.add(normalize_name(match.group(1)))
    poetry_dependencies = data.get("tool", {}).get("poetry", {}).get("dependencies", {}) or {}
    names.update(normalize_name(name) for name in poetry_dependencies if name != "python")
    return names


def packages_in_poetry_lock(path: str) -> list[InstalledPackage]:
    """Every package ``poetry.lock`` pins (name PEP 503-normalized, version as locked), in the file's order."""
    return [InstalledPackage(normalize_name(p["name"]), str(p.get("version", "")))
            for p in load_toml(path).get("package", []) if p.get("name")]


def poetry_pyproject_from_requirements(requirements: str, project_name: str) -> str:
    """The pyproject.toml upstream writes for poetry from a requirements.txt: no package, one dependency a line.

    ``name==1.0`` becomes ``name = "1.0"``, other specifiers are kept (``name = ">=1,<2"``), a bare name
    is ``"*"``; Python itself is ``^3.10``. An option line (``-r``, ``-c``, ``-e``...) is refused.
    """
    lines = ['[build-system]', 'requires = ["poetry-core"]', 'build-backend = "poetry.core.masonry.api"', '']
    if project_name:
        lines += ['[project]', f'name = {json.dumps(project_name)}', '']
    lines += ['[tool.poetry]', 'package-mode = false', '', '[tool.poetry.dependencies]', 'python = "^3.10"']
    with open(requirements, encoding="utf-8") as file:
        for raw in file:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("-"):
                raise PythonEnvironmentError(f"{requirements}: cannot turn the option line {line!r} into a poetry "
                                             "dependency; write pyproject.toml yourself")
            specifier = re.search(r"[<>=]+.+", line)
            version = specifier.group(0).strip() if specifier else ""
            package = line.replace(version, "", 1).strip() if version else line
            lines.append(f'{json.dumps(package)} = {json.dumps(version.removeprefix("==").strip() or "*")}')
    return "\n".join(lines) + "\n"


def _executable(name: str, missing: str) -> str:
    found = shutil.which(name)
    if not found:
        raise PythonEnvironmentError(missing)
    return found


#: What this process has learnt about tools that do not change while it runs (the host's lifetime,
#: within one CLI command): each of the host's requests makes a poetry environment, which would
#: otherwise start poetry (about 0.7 CPU-seconds) for its version and again for its virtualenv.
#: Only what was found is kept, never what was missing.
_TOOL_VERSIONS: dict[tuple[str, ...], tuple[int, ...]] = {}
_POETRY_VIRTUALENVS: dict[str, str] = {}


def checked_tool_version(cmd: list[str], pattern: str, tool: str, minimum: tuple[int, ...]) -> tuple[int, ...]:
    """The tool's version from ``cmd``'s output; PythonEnvironmentError if it is older than ``minimum``."""
    known = _TOOL_VERSIONS.get(tuple(cmd))
    if known is not None:  # it passed the same command's minimum before
        return known
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise PythonEnvironmentError(f"failed to get {tool} version: `{' '.join(cmd)}` exited {proc.returncode}: "
                                     f"{proc.stderr.strip()}")
    match = re.search(pattern, proc.stdout)
    if not match:
        raise PythonEnvironmentError(f"unexpected output from `{tool} --version`: {proc.stdout.strip()!r}")
    version = tuple(int(part) for part in match.group(1).split("."))
    version += (0,) * (3 - len(version))
    if version < minimum:
        raise PythonEnvironmentError(f"{tool} version {match.group(1)} is less than the minimum required version "
                                     f"{'.'.join(map(str, minimum))}")
    _TOOL_VERSIONS[tuple(cmd)] = version
    return version


def _project_name(root: str) -> str:
    """The Pulumi project's name (``name:`` in Pulumi.yaml), which upstream gives the pyproject.toml it writes."""
    for filename in ("Pulumi.yaml", "Pulumi.yml"):
        try:
            with open(os.path.join(root, filename), encoding="utf-8") as file:
                match = re.search(r"^name:\s*['\"]?([^'\"#\s]+)", file.read(), re.MULTILINE)
        except OSError:
            continue
        return match.group(1) if match else ""
    return ""


# Run by the program's interpreter. With distribution names as arguments: for each, the directory of its
# top-level module (the one holding pulumi-plugin.json if any), found through importlib as upstream's
# host finds it, so no pip is needed; prints {name: directory or ""} as JSON. With --installed and no
# names: every installed distribution as `pip list -v` lists it (named as pip names it, pip's stdlib
# skips, the first of a name on sys.path, sorted by normalized name) with that directory too, as
# [{name, version, location, module_dir}], or null if the interpreter has no pip, where `pip list` would fail.
_PACKAGES_SCRIPT = r"""
import importlib.util, json, os, re, sys

def module_dir(name):
    try:
        spec = importlib.util.find_spec(name.replace("-", "_"))
    except Exception:  # a parent package that fails to import: no module to look in
        return ""
    directories = [str(d) for d in (spec.submodule_search_locations or [])] if spec else []
    with_plugin = [d for d in directories if os.path.isfile(os.path.join(d, "pulumi-plugin.json"))]
    return (with_plugin or directories or [""])[0]

def headers(path):
    # The Name and Version that importlib.metadata's distribution.metadata gives for a metadata
    # directory (METADATA, else PKG-INFO, as UTF-8), read from the headers alone; not importing
    # importlib.metadata and the email package halves this process's time, taken at every preview.
    for filename in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(path, filename), encoding="utf-8") as file:
                head = []
                for line in file:  # (text mode: every line ends in "\n")
                    if line == "\n":
                        break
                    head.append(line)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
            continue
        if head:
            fields = {}
            for line in head:
                field, colon, value = line.partition(":")
                if colon and line[:1] not in " \t":
                    fields.setdefault(field.strip().lower(), value.lstrip(" \t").rstrip("\n"))
            return fields.get("name"), fields.get("version")
    return None, None

def metadata_directories(entry):
    # importlib.metadata's search of one sys.path directory (its FastPath and Lookup): the
    # *.dist-info and *.egg-info children in listing order, then an .egg directory's EGG-INFO.
    # (It groups the children by name, which changes no first of a name.) An entry that is not
    # a directory holds none here.
    try:
        children = os.listdir(entry)
    except OSError:
        return []
    infos = [os.path.join(entry, c) for c in children if c.lower().endswith((".dist-info", ".egg-info"))]
    is_egg = os.path.basename(entry).lower().endswith(".egg")
    return infos + [os.path.join(entry, c) for c in children if is_egg and c.lower() == "egg-info"]

def folder_name_and_version(path):
    # pip's reading (metadata/importlib/_compat.py): what the metadata directory's name says comes
    # first, the metadata's own Name and Version only where it says nothing.
    stem, suffix = os.path.splitext(os.path.basename(path))
    if suffix == ".dist-info" and "-" in stem:
        return tuple(stem.split("-", 1))
    if suffix == ".egg-info":
        return stem.split("-", 1)[0], None
    return None, None

def installed_name(name):
    import importlib.metadata
    try:
        return headers(str(importlib.metadata.distribution(name)._path))[0] or name
    except Exception:  # not installed, or unreadable metadata: no module to look in
        return None

if sys.argv[1:] != ["--installed"]:
    names = {name: installed_name(name) for name in sys.argv[1:]}
    json.dump({name: module_dir(found) if found else "" for name, found in names.items()}, sys.stdout)
    sys.exit(0)
if importlib.util.find_spec("pip") is None:
    json.dump(None, sys.stdout)
    sys.exit(0)
found = {}
for entry in sys.path:
    for path in metadata_directories(entry or os.getcwd()):
        name, version = headers(path)
        folder_name, folder_version = folder_name_and_version(path)
        canonical = re.sub(r"[-_.]+", "-", folder_name or name or "").lower()
        if not canonical or canonical in found or canonical in ("python", "wsgiref", "argparse"):
            continue
        name = name or canonical
        found[canonical] = {"name": name, "version": folder_version or version,
                            "location": os.path.normpath(os.path.dirname(path)), "module_dir": module_dir(name)}
json.dump([found[canonical] for canonical in sorted(found)], sys.stdout)
"""

# Run by the program's interpreter on the packages `uv export` lists (JSON on stdin): drops those whose
# environment marker does not hold here and fills in versions the export leaves out (directory and VCS
# dependencies) from the installed metadata, as upstream does. Prints [{name, version}] as JSON.
_UV_EXPORT_SCRIPT = r"""
import importlib.metadata, json, sys
kept = []
for package in json.load(sys.stdin):
    if package["marker"]:
        try:
            from packaging.markers import Marker
        except ModuleNotFoundError:
            sys.exit("The Python package 'packaging' is needed to read the markers in uv's export but is not "
                     "installed in the program's virtualenv; run 'uv add packaging' in the project directory.")
        if not Marker(package["marker"]).evaluate():
            continue
    kept.append({"name": package["name"],
                 "version": package["version"] or importlib.metadata.version(package["name"])})
json.dump(kept, sys.stdout)
"""


class PythonEnvironment:
    """The interpreter and virtualenv of one program or policy pack managed with pip (``toolchain: pip``).

    :func:`python_environment` picks this or a subclass for another toolchain from ``runtime.options``.
    """

    toolchain = "pip"

    def __init__(self, root: str, program_dir: str, options: dict) -> None:
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
    def _no_pip(self) -> PythonEnvironmentError:
        python = self.python()
        return PythonEnvironmentError(
            f"the program's Python ({python}) has no pip, which runtime option toolchain: pip lists packages "
            "with (a virtualenv made by uv has none); set `toolchain: uv` (or `poetry`) under runtime.options "
            f"in Pulumi.yaml to match the tool that made it, or install pip with `{python} -m ensurepip`"
        )

    def _pip_list(self, *args: str) -> list[dict]:
        cmd = [self.python(), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check", *args]
        proc = subprocess.run(cmd, cwd=self.program_dir, env=self.env(), capture_output=True, text=True)
        if proc.returncode and "No module named pip" in proc.stderr:
            raise self._no_pip()
        if proc.returncode:
            raise PythonEnvironmentError(f"calling `{' '.join(cmd)}` failed (exit {proc.returncode}): {proc.stderr.strip()}")
        # pip -v may print a trailer after the JSON document.
        return json.JSONDecoder().raw_decode(proc.stdout.lstrip())[0]

    def packages(self, *, transitive: bool = True) -> list[InstalledPackage]:
        """The installed distributions (names PEP 503-normalized); only top-level ones unless ``transitive``.

        Every one (asked at each preview, up, refresh and destroy) is read in one start of the
        program's python, the same list ``pip list -v`` gives (a test compares them) without pip's
        own start-up; only the top-level ones (``pulumi about``) need pip's ``--not-required``.
        """
        if not transitive:
            rows = self._pip_list("-v", "--not-required")
            packages = [InstalledPackage(normalize_name(r["name"]), r["version"], r.get("location", "")) for r in rows]
            return self._with_module_dirs(packages)
        rows = self._run_script(_PACKAGES_SCRIPT, "--installed")
        if rows is None:
            raise self._no_pip()
        return [InstalledPackage(normalize_name(r["name"]), r["version"], r["location"], r["module_dir"]) for r in rows]

    def _run_script(self, script: str, *args: str, stdin: str | None = None):
        """Run a Python ``script`` in the program's interpreter and parse the JSON it prints."""
        cmd = [self.python(), "-c", script, *args]
        proc = subprocess.run(cmd, cwd=self.program_dir, env=self.env(), input=stdin, capture_output=True, text=True)
        if proc.returncode:
            raise PythonEnvironmentError(f"reading the installed packages with {cmd[0]} failed "
                                         f"(exit {proc.returncode}): {proc.stderr.strip()}")
        return json.loads(proc.stdout)

    def _with_module_dirs(self, packages: list[InstalledPackage]) -> list[InstalledPackage]:
        """The packages with the directory of their installed module, asked of the interpreter all at once."""
        if not packages:
            return packages
        directories = self._run_script(_PACKAGES_SCRIPT, *(p.name for p in packages))
        return [InstalledPackage(p.name, p.version, p.location, directories.get(p.name, "")) for p in packages]

    def about(self) -> tuple[str, str]:
        """The interpreter's path and its version (``3.11.2``), as ``pulumi about`` shows them."""
        cmd = [self.python(), "-c", "import sys; print(sys.executable); print(sys.version.split()[0])"]
        try:
            out = subprocess.run(cmd, env=self.env(), capture_output=True, text=True, check=True).stdout.split("\n")
        except (OSError, subprocess.CalledProcessError) as exc:
            raise PythonEnvironmentError(f"failed to get python executable path: {exc}") from exc
        return out[0], _semver_of_python(out[1])


class UvEnvironment(PythonEnvironment):
    """A program managed with uv (``toolchain: uv``): ``uv sync`` fills its virtualenv, ``uv.lock`` lists its packages.

    The virtualenv is the ``virtualenv`` option (relative to the project root) or else
    ``$UV_PROJECT_ENVIRONMENT`` or ``.venv`` beside the nearest ``uv.lock``, else the nearest
    ``pyproject.toml``, else in the program's directory. A virtualenv uv makes has no pip,
    and nothing here needs one.
    """

    toolchain = "uv"

    def __init__(self, root: str, program_dir: str, options: dict) -> None:
        super().__init__(root, program_dir, options)
        self.uv = _executable("uv", "Could not find `uv` executable.\nInstall uv and make sure it is in your PATH.")
        if not self.venv:
            project_dir = (searchup(self.program_dir, "uv.lock") or searchup(self.program_dir, "pyproject.toml")
                           or self.program_dir)
            self.venv = os.path.join(project_dir, os.environ.get("UV_PROJECT_ENVIRONMENT") or ".venv")
        self.uv_version = checked_tool_version([self.uv, "--version"], UV_VERSION_OUTPUT, "uv", MIN_UV_VERSION)
        self._synced = False

    def _uv(self, *args: str, cwd: str, what: str, write: Writer | None = None) -> str:
        """Run ``uv ARGS`` on this virtualenv; its stdout (or streamed to ``write``); PythonEnvironmentError saying ``what`` failed."""
        cmd = [self.uv, *args]
        env = dict(os.environ, UV_PROJECT_ENVIRONMENT=self.venv)
        if write is not None:
            code = run_streaming(cmd, cwd=cwd, env=env, write=write)
            if code:
                raise PythonEnvironmentError(f"{what}: `uv {' '.join(args)}` exited {code}")
            return ""
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        if proc.returncode:
            raise PythonEnvironmentError(f"{what}: `uv {' '.join(args)}` exited {proc.returncode}: {proc.stderr.strip()}")
        return proc.stdout

    def validate(self) -> None:
        if not self.is_virtualenv():
            raise PythonEnvironmentError(f"'{self.venv}' is not a virtualenv; run `pulumi install` (uv sync) to create it")

    def ensure(self, write: Writer) -> None:
        """Create the virtualenv (empty) when missing, as upstream does on preview; running python syncs it."""
        if not self.is_virtualenv():
            self._uv("venv", "--quiet", "--allow-existing", self.venv, cwd=self.program_dir,
                     what="error creating virtual environment", write=write)

    def _check_project_table(self) -> None:
        if searchup(self.program_dir, "uv.lock"):
            return
        project_dir = searchup(self.program_dir, "pyproject.toml")
        if project_dir and "project" not in load_toml(os.path.join(project_dir, "pyproject.toml")):
            raise PythonEnvironmentError(
                f"{os.path.join(project_dir, 'pyproject.toml')} is missing a [project] section, which uv requires to "
                "install dependencies; add a [project] section with a name and dependencies to use the uv toolchain"
            )

    def python(self) -> str:
        """The virtualenv's python, after ``uv sync --inexact`` (once), as ``uv run`` would keep it up to date."""
        if not self._synced and searchup(self.program_dir, "pyproject.toml"):
            self._check_project_table()
            self._uv("sync", "--inexact", cwd=self.program_dir, what="error creating virtual environment")
            self._synced = True
        return os.path.join(self.venv, "bin", "python")

    def install_dependencies(self, write: Writer) -> None:
        """``pulumi install``: make a pyproject.toml from requirements.txt if there is none, then ``uv sync``."""
        if not searchup(self.program_dir, "uv.lock"):
            self._prepare_project(write)
        self._check_project_table()
        self._uv("sync", cwd=self.program_dir, what="error installing dependencies", write=write)
        self._synced = True

    def _prepare_project(self, write: Writer) -> None:
        name = _project_name(self.root)
        pyproject_dir = searchup(self.program_dir, "pyproject.toml")
        if pyproject_dir:
            pyproject = os.path.join(pyproject_dir, "pyproject.toml")
            if "project" in load_toml(pyproject) or not os.path.exists(os.path.join(pyproject_dir, "requirements.txt")):
                return
            with open(pyproject, "a", encoding="utf-8") as file:
                file.write(f'\n[project]\nname = "{name or os.path.basename(pyproject_dir)}"\n'
                           'version = "0.1.0"\ndependencies = []\n')
            self._merge_requirements(pyproject_dir, write)
            return
        requirements_dir = searchup(self.program_dir, "requirements.txt")
        args = ["init", "--bare", "--no-package", "--no-pin-python", *(("--name", name) if name else ())]
        self._uv(*args, cwd=requirements_dir or self.program_dir, what="error initializing python project", write=write)
        if requirements_dir:
            self._merge_requirements(requirements_dir, write)

    def _merge_requirements(self, directory: str, write: Writer) -> None:
        requirements = os.path.join(directory, "requirements.txt")
        workspace = ("--no-workspace",) if self.uv_version >= (0, 8, 0) else ()
        self._uv("add", "--no-sync", "-r", requirements, *workspace, cwd=directory,
                 what="error installing dependencies from requirements.txt", write=write)
        os.remove(requirements)
        write("stdout", b"Deleted requirements.txt, dependencies for this project are tracked in pyproject.toml\n")

    def packages(self, *, transitive: bool = True) -> list[InstalledPackage]:
        """The packages ``uv export --locked`` gives for this project that apply here (only direct ones unless ``transitive``)."""
        project_dir = searchup(self.program_dir, "pyproject.toml")
        if not project_dir:
            raise PythonEnvironmentError(f"could not find pyproject.toml in {self.program_dir} or above; the uv "
                                         "toolchain needs one: run `pulumi install` to make it from requirements.txt")
        pyproject = os.path.join(project_dir, "pyproject.toml")
        name = load_toml(pyproject).get("project", {}).get("name")
        if not name:
            raise PythonEnvironmentError(f"missing project name in {pyproject}")
        exported = self._uv("export", "--package", name, "--locked", "--format", "pylock.toml",
                            cwd=project_dir, what="exporting uv dependencies")
        import tomllib  # load_toml above has already refused an interpreter without it

        rows = [{"name": p["name"], "version": str(p.get("version", "")), "marker": p.get("marker", "")}
                for p in tomllib.loads(exported).get("packages", [])]
        if any(row["marker"] or not row["version"] for row in rows):
            rows = self._run_script(_UV_EXPORT_SCRIPT, stdin=json.dumps(rows))
        packages = [InstalledPackage(normalize_name(row["name"]), row["version"]) for row in rows]
        if not transitive:
            direct = direct_dependency_names(project_dir)
            packages = [p for p in packages if p.name in direct]
        return self._with_module_dirs(packages)


class PoetryEnvironment(PythonEnvironment):
    """A program managed with poetry (``toolchain: poetry``): poetry owns the virtualenv, ``poetry.lock`` lists its packages.

    The ``virtualenv`` option plays no part: the virtualenv is the one ``poetry env info --path``
    names for the program's directory (poetry's own settings, such as ``virtualenvs.in-project``, decide).
    """

    toolchain = "poetry"

    def __init__(self, root: str, program_dir: str, options: dict) -> None:
        super().__init__(root, program_dir, {k: v for k, v in options.items() if k != "virtualenv"})
        self.poetry = _executable("poetry", "Could not find `poetry` executable.\nInstall poetry and make sure it is "
                                            "in your PATH, or set the toolchain option in Pulumi.yaml to `pip`.")
        checked_tool_version([self.poetry, "--version", "--no-ansi", "--no-plugins"],
                         POETRY_VERSION_OUTPUT, "poetry", MIN_POETRY_VERSION)

    def _poetry_venv(self) -> str:
        """The virtualenv poetry uses for this project, or "" when it has none yet."""
        known = _POETRY_VIRTUALENVS.get(self.program_dir)
        if known and os.path.isdir(known):
            return known
        proc = subprocess.run([self.poetry, "env", "info", "--path"], cwd=self.program_dir, capture_output=True, text=True)
        found = proc.stdout.strip() if proc.returncode == 0 else ""
        if found:
            _POETRY_VIRTUALENVS[self.program_dir] = found
        return found

    def _require_venv(self) -> str:
        if not self.venv:
            self.venv = self._poetry_venv()
        if not self.venv:
            raise PythonEnvironmentError(f"poetry has no virtualenv for {self.program_dir} (`poetry env info --path` "
                                         "names none); run `pulumi install` (poetry install) to create it")
        return self.venv

    def validate(self) -> None:
        venv = self._require_venv()
        if not self.is_virtualenv():
            raise PythonEnvironmentError(f"'{venv}' is not a virtualenv; run `pulumi install` (poetry install)")

    def ensure(self, write: Writer) -> None:
        """Install the project (``poetry install``) when poetry has no virtualenv for it yet, as upstream does on preview."""
        if not self._poetry_venv():
            self.install_dependencies(write)

    def python(self) -> str:
        return os.path.join(self._require_venv(), "bin", "python")

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        self._require_venv()
        return super().env(base)

    def install_dependencies(self, write: Writer) -> None:
        """``pulumi install``: make a pyproject.toml from requirements.txt if there is none, then ``poetry install``."""
        if not searchup(self.program_dir, "pyproject.toml"):
            self._pyproject_from_requirements(write)
        code = run_streaming([self.poetry, "install", "--no-ansi"], cwd=self.program_dir, env=dict(os.environ), write=write)
        if code:
            raise PythonEnvironmentError(f"poetry install failed: `poetry install --no-ansi` exited {code}")
        self.venv = ""

    def _pyproject_from_requirements(self, write: Writer) -> None:
        requirements_dir = searchup(self.program_dir, "requirements.txt")
        if not requirements_dir:
            raise PythonEnvironmentError(f"could not find pyproject.toml or requirements.txt in {self.program_dir}")
        requirements = os.path.join(requirements_dir, "requirements.txt")
        pyproject = poetry_pyproject_from_requirements(requirements, _project_name(self.root))
        with open(os.path.join(requirements_dir, "pyproject.toml"), "w", encoding="utf-8") as file:
            file.write(pyproject)
        os.remove(requirements)
        write("stdout", b"Deleted requirements.txt, dependencies for this project are tracked in pyproject.toml\n")

    def packages(self, *, transitive: bool = True) -> list[InstalledPackage]:
        """The packages ``poetry.lock`` pins (only those pyproject.toml names unless ``transitive``)."""
        lock_dir = searchup(self.program_dir, "poetry.lock")
        if not lock_dir:
            raise PythonEnvironmentError(f"could not find poetry.lock in {self.program_dir} or above; "
                                         "run `pulumi install` (poetry install) to create it")
        packages = packages_in_poetry_lock(os.path.join(lock_dir, "poetry.lock"))
        if not transitive:
            direct = direct_dependency_names(lock_dir)
            packages = [p for p in packages if p.name in direct]
        return self._with_module_dirs(packages)


TOOLCHAINS: dict[str, type[PythonEnvironment]] = {"pip": PythonEnvironment, "poetry": PoetryEnvironment, "uv": UvEnvironment}


def python_environment(root: str, program_dir: str, options: dict) -> PythonEnvironment:
    """The environment for ``runtime.options``: the named toolchain, or else uv or poetry when a ``uv.lock`` or
    ``poetry.lock`` is found from the program's directory upwards, else pip (upstream's rules)."""
    toolchain = options.get("toolchain")
    if toolchain is not None and not isinstance(toolchain, str):
        raise PythonEnvironmentError(f"runtime option toolchain must be a string: one of {', '.join(TOOLCHAINS)}")
    if not toolchain:
        start = program_dir or root or os.getcwd()
        toolchain = "uv" if searchup(start, "uv.lock") else "poetry" if searchup(start, "poetry.lock") else "pip"
    if toolchain not in TOOLCHAINS:
        raise PythonEnvironmentError(
            f"runtime option toolchain: {toolchain!r} is not supported; use one of {', '.join(TOOLCHAINS)}"
        )
    return TOOLCHAINS[toolchain](root, program_dir, options)


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



# -- the language host's requests ------------------------------------------------------------------
def answer(operation: str, request: dict, write: Writer):
    """What the language host asks for one of its requests, as JSON-ready data.

    ``request["info"]`` is the program's (or pack's) ``ProgramInfo``: ``root``, ``program_dir`` and
    the runtime ``options``. Operations:

    - ``required-plugins`` (GetRequiredPackages): create the virtualenv when it is missing, then the
      resource plugins the installed packages need;
    - ``about``: the interpreter's path and version;
    - ``dependencies`` (GetProgramDependencies): the installed packages, all of them with ``transitive``;
    - ``interpreter`` (Run, RunPlugin): the python to run and its environment, from ``request["env"]``
      (the engine's, for a plugin) or else this process's;
    - ``install`` (``pulumi install``).
    """
    info = request["info"]
    options = dict(info.get("options") or {})
    if request.get("is_plugin") and not options.get("virtualenv") and options.get("toolchain", "pip") == "pip":
        # Plugins (policy packs) never use the ambient python: upstream assumes a `venv` directory.
        options["virtualenv"] = "venv"
    environment = python_environment(info.get("root", ""), info.get("program_dir", ""), options)
    if operation == "required-plugins":
        environment.ensure(write)
        return [{**asdict(plugin), "parameterization": plugin.parameterization or None}
                for plugin in required_plugins(environment.packages(transitive=True))]
    if operation == "about":
        executable, version = environment.about()
        return {"executable": executable, "version": version}
    if operation == "dependencies":
        return [{"name": p.name, "version": p.version} for p in environment.packages(transitive=request.get("transitive", False))]
    if operation == "interpreter":
        environment.validate()
        python = environment.python()
        return {"python": python, "env": environment.env(request.get("env"))}
    if operation == "install":
        write("stdout", b"Installing dependencies...\n\n")
        environment.install_dependencies(write)
        write("stdout", b"Finished installing dependencies\n\n")
        return None
    raise PythonEnvironmentError(f"the language host asked for {operation!r}, which these rules do not answer")


def main() -> int:
    """Answer the language host's requests, one JSON line each on stdin, until it closes stdin.

    A request is ``{"operation": ..., "request": {...}}`` (see :func:`answer`). For each, prints
    JSON lines: ``{"write": "stdout"|"stderr", "data": <base64>}`` for each piece of a step's
    output as it comes, then ``{"result": ...}`` or ``{"error": "<what the user reads>"}``.
    """
    # The lines go to our own copy of stdout; anything a child process might print goes to stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    lock = threading.Lock()

    def send(message: dict) -> None:
        with lock:
            out.write(json.dumps(message) + "\n")
            out.flush()

    def write(stream: str, data: bytes) -> None:
        send({"write": stream, "data": base64.b64encode(data).decode("ascii")})

    for line in sys.stdin:
        try:
            message = json.loads(line)
            send({"result": answer(message["operation"], message["request"], write)})
        except Exception as exc:  # noqa: BLE001 - whatever stops the step reaches the user as its message
            send({"error": str(exc) if isinstance(exc, PythonEnvironmentError) else f"{type(exc).__name__}: {exc}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
