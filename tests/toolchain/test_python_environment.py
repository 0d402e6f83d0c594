"""The language host's rules for a program's Python environment, as upstream's host applies them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from python_environment import (
    MIN_POETRY_VERSION,
    MIN_UV_VERSION,
    POETRY_VERSION_OUTPUT,
    UV_VERSION_OUTPUT,
    InstalledPackage,
    PluginRequirement,
    PythonEnvironment,
    PythonEnvironmentError,
    UvEnvironment,
    checked_tool_version,
    direct_dependency_names,
    load_toml,
    normalize_name,
    packages_in_poetry_lock,
    plugin_version,
    poetry_pyproject_from_requirements,
    python_environment,
    required_plugins,
)
from support.pulumi_cli import VENV_BIN


@pytest.mark.parametrize(("package_version", "expected"), [
    ("0.1", "0.1.0"),
    ("1.0.0", "1.0.0"),
    ("4.3.2.1", "4.3.2.1"),
    ("2.14.0a1605583329", "2.14.0-alpha.1605583329"),
    ("1.2.3b123456", "1.2.3-beta.123456"),
    ("3.2.1rc654321", "3.2.1-rc.654321"),
    ("1.2.3.dev456", "1.2.3+dev456"),
    ("3.2.post32", "3.2.0+post32"),
    ("3.2.post1.dev0", "3.2.0+post1dev0"),
])
def test_plugin_version_of_a_package_version(package_version, expected):
    assert plugin_version(package_version) == expected


@pytest.mark.parametrize("package_version", ["", "1.", "1.2.3dev7890", "10!3.2.1", " 1 . 2 ", "1.0+local", "١.٢.٣"])
def test_package_versions_without_a_plugin_version(package_version):
    with pytest.raises(ValueError, match="cannot derive a plugin version from"):
        plugin_version(package_version)


def test_names_are_compared_in_their_normal_form():
    assert normalize_name("Pulumi_GitLab.Tokens") == "pulumi-gitlab-tokens"


def installed(site: Path, name: str, version: str = "1.2.0", plugin_json: object | None = None) -> InstalledPackage:
    """A distribution in ``site``, with a pulumi-plugin.json holding ``plugin_json`` if given."""
    module = site / name.replace("-", "_")
    module.mkdir(parents=True)
    if plugin_json is not None:
        (module / "pulumi-plugin.json").write_text(json.dumps(plugin_json))
    return InstalledPackage(name, version, str(site))


def test_every_pulumi_package_without_plugin_json_needs_a_plugin_named_after_it(tmp_path):
    packages = [
        installed(tmp_path, "pulumi-aws", "6.5.0"),
        installed(tmp_path, "pulumi-gitlab-tokens", "0.1.0"),
        installed(tmp_path, "requests"),
        installed(tmp_path, "pulumi"),  # the SDK itself: not pulumi-*
    ]
    assert required_plugins(packages) == [
        PluginRequirement("aws", "v6.5.0"),
        PluginRequirement("gitlab-tokens", "v0.1.0"),
    ]


def test_plugin_json_with_resource_false_means_no_plugin(tmp_path):
    ours = installed(tmp_path, "pulumi-gitlab-tokens", "0.1.0", {"resource": False})
    unset = installed(tmp_path, "pulumi-other", plugin_json={})  # Go's zero value: false
    assert required_plugins([ours, unset]) == []


def test_the_package_ships_plugin_json_saying_no_resource_plugin():
    shipped = Path(__file__).resolve().parents[2] / "provider" / "pulumi_gitlab_tokens" / "pulumi-plugin.json"
    assert json.loads(shipped.read_text()) == {"resource": False}


def test_plugin_json_names_the_plugin_and_makes_any_package_a_pulumi_package(tmp_path):
    vendor = installed(tmp_path, "acme-cloud", "2.0", {"resource": True, "name": "acme", "version": "3.1.0",
                                                        "server": "https://plugins.example.com"})
    assert required_plugins([vendor]) == [PluginRequirement("acme", "v3.1.0", "https://plugins.example.com")]


def test_known_plugin_free_packages_and_unversionable_ones_are_skipped(tmp_path):
    packages = [
        installed(tmp_path, "pulumi-policy", "1.21.0"),
        installed(tmp_path, "pulumi-esc-sdk", "0.12.0"),
        installed(tmp_path, "pulumi-nightly", "1!2.0"),
    ]
    assert required_plugins(packages) == []


def test_unreadable_plugin_json_is_an_error_naming_the_file(tmp_path):
    broken = installed(tmp_path, "pulumi-broken")
    (tmp_path / "pulumi_broken" / "pulumi-plugin.json").write_text("{not json")
    with pytest.raises(PythonEnvironmentError, match="pulumi_broken/pulumi-plugin.json"):
        required_plugins([broken])


def test_packages_come_from_the_programs_interpreter_with_locations(tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_PYTHON_CMD", sys.executable)
    packages = {p.name: p for p in PythonEnvironment(str(tmp_path), str(tmp_path), {}).packages()}
    assert packages["pulumi"].version
    assert Path(packages["pulumi"].location, "pulumi", "__init__.py").exists()


def test_the_installed_packages_are_those_pip_list_gives_in_its_order(tmp_path, monkeypatch):
    # Read in one start of the program's python instead of pip's: the same names, versions and
    # locations in the same order, with a distribution on PYTHONPATH shadowing the installed one
    # (the first on sys.path wins, as in pip) and one whose metadata has no name (named by its directory,
    # as pip names it), an egg-info directory, an .egg directory on the path, and headers in another case
    # with a body after them.
    shadow, egg = tmp_path / "shadow", tmp_path / "old_tool-0.3-py3.11.egg"
    for directory, file, metadata in (
        (shadow / "pulumi-0.0.1.dist-info", "METADATA", "Name: pulumi\nVersion: 0.0.1\n"),
        (shadow / "Zz_Extra.Pkg-2.0.dist-info", "METADATA", "Name: Zz_Extra.Pkg\nVersion: 2.0\n"),
        (shadow / "nameless-1.0.dist-info", "METADATA", "Version: 1.0\n"),
        (shadow / "Legacy_Lib.egg-info", "PKG-INFO", "name: Legacy-Lib\nVERSION: 0.5\n\nName: not-a-header\n"),
        (egg / "EGG-INFO", "PKG-INFO", "Name: old-tool\nVersion: 0.3\n"),
    ):
        directory.mkdir(parents=True)
        (directory / file).write_text("Metadata-Version: 2.1\n" + metadata)
    monkeypatch.setenv("PULUMI_PYTHON_CMD", sys.executable)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join((str(shadow), str(egg))))
    environment = PythonEnvironment(str(tmp_path), str(tmp_path), {})
    listed = [(p.name, p.version, p.location) for p in environment.packages()]
    by_pip = [(normalize_name(r["name"]), r["version"], r.get("location", "")) for r in environment._pip_list("-v")]
    assert listed == by_pip
    assert ("pulumi", "0.0.1", str(shadow)) in listed and ("zz-extra-pkg", "2.0", str(shadow)) in listed
    assert ("nameless", "1.0", str(shadow)) in listed
    assert ("legacy-lib", "0.5", str(shadow)) in listed and ("old-tool", "0.3", str(egg)) in listed
    assert len(listed) > 20


def test_a_named_virtualenv_that_is_missing_is_an_error_with_the_commands_to_fix_it(tmp_path):
    environment = PythonEnvironment(str(tmp_path), str(tmp_path), {"virtualenv": "venv"})
    with pytest.raises(PythonEnvironmentError, match="does not exist; create it") as error:
        environment.validate()
    message = str(error.value)
    assert "'virtualenv' option" in message and "does not exist" in message
    assert f"python3 -m venv {tmp_path / 'venv'}" in message and "pulumi install" in message


def test_a_non_empty_directory_that_is_not_a_virtualenv_is_left_alone(tmp_path):
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "notes.txt").write_text("mine")
    environment = PythonEnvironment(str(tmp_path), str(tmp_path), {"virtualenv": "venv"})
    environment.ensure(lambda stream, data: pytest.fail("nothing may be installed"))
    assert sorted(p.name for p in (tmp_path / "venv").iterdir()) == ["notes.txt"]


def test_an_unknown_toolchain_is_refused_naming_the_ones_there_are():
    with pytest.raises(PythonEnvironmentError, match="toolchain: 'conda' is not supported; use one of pip, poetry, uv"):
        python_environment("/", "/", {"toolchain": "conda"})


def test_about_reports_the_interpreter_and_its_version(tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_PYTHON_CMD", sys.executable)
    executable, version = PythonEnvironment(str(tmp_path), str(tmp_path), {}).about()
    expected = subprocess.run([sys.executable, "-c", "import sys; print(sys.executable)"],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert executable == expected
    assert version == "{}.{}.{}".format(*sys.version_info[:3])


def test_a_type_checker_is_refused_rather_than_silently_skipped():
    with pytest.raises(PythonEnvironmentError, match="typechecker: 'mypy' is not supported"):
        PythonEnvironment("/", "/", {"typechecker": "mypy"})


# -- toolchains: uv and poetry, as upstream's host picks and runs them ---------------------------

def only_on_path(monkeypatch, *directories: Path) -> None:
    monkeypatch.setenv("PATH", os.pathsep.join(str(d) for d in directories))


@pytest.fixture
def uv_on_path(monkeypatch) -> None:
    """PATH with the uv ``make setup`` installed (and nothing else of .venv's that matters here)."""
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("UV_PROJECT_ENVIRONMENT", raising=False)


def test_a_lock_file_picks_the_toolchain_when_none_is_named(tmp_path, uv_on_path, monkeypatch):
    program = tmp_path / "uv-program" / "infra"
    program.mkdir(parents=True)
    (program.parent / "uv.lock").write_text("version = 1\n")
    assert isinstance(python_environment(str(program), str(program), {}), UvEnvironment)

    poetry_program = tmp_path / "poetry-program"
    poetry_program.mkdir()
    (poetry_program / "poetry.lock").write_text("")
    only_on_path(monkeypatch, tmp_path / "empty")  # no poetry here: the error shows which toolchain was picked
    with pytest.raises(PythonEnvironmentError, match="Could not find `poetry` executable"):
        python_environment(str(poetry_program), str(poetry_program), {})

    plain = tmp_path / "plain"
    plain.mkdir()
    assert type(python_environment(str(plain), str(plain), {})) is PythonEnvironment


def test_a_named_toolchain_that_is_not_installed_is_an_error_saying_so(tmp_path, monkeypatch):
    only_on_path(monkeypatch, tmp_path)
    with pytest.raises(PythonEnvironmentError) as uv:
        python_environment(str(tmp_path), str(tmp_path), {"toolchain": "uv"})
    assert str(uv.value) == "Could not find `uv` executable.\nInstall uv and make sure it is in your PATH."
    with pytest.raises(PythonEnvironmentError) as poetry:
        python_environment(str(tmp_path), str(tmp_path), {"toolchain": "poetry"})
    assert str(poetry.value) == ("Could not find `poetry` executable.\nInstall poetry and make sure it is in your "
                                 "PATH, or set the toolchain option in Pulumi.yaml to `pip`.")


def test_where_uvs_virtualenv_is(tmp_path, uv_on_path, monkeypatch):
    root = tmp_path / "repo"
    program = root / "stacks" / "app"
    program.mkdir(parents=True)

    def venv(options: dict | None = None, program_dir: Path = program) -> str:
        return python_environment(str(program_dir), str(program_dir), {"toolchain": "uv", **(options or {})}).venv

    assert venv() == str(program / ".venv")  # no uv.lock, no pyproject.toml: in the program's directory
    (root / "pyproject.toml").write_text('[project]\nname = "repo"\n')
    assert venv() == str(root / ".venv")  # beside the nearest pyproject.toml
    (program.parent / "uv.lock").write_text("version = 1\n")
    assert venv() == str(program.parent / ".venv")  # beside the nearest uv.lock first
    monkeypatch.setenv("UV_PROJECT_ENVIRONMENT", "envs/app")
    assert venv() == str(program.parent / "envs" / "app")  # uv's own variable, relative to that directory
    assert venv({"virtualenv": "my-venv"}) == str(program / "my-venv")  # the option wins, relative to the root


def test_uv_needs_a_project_table_to_sync(tmp_path, uv_on_path):
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    environment = python_environment(str(tmp_path), str(tmp_path), {"toolchain": "uv"})
    with pytest.raises(PythonEnvironmentError, match=r"pyproject.toml is missing a \[project\] section, which uv requires"):
        environment.python()


def test_poetry_lock_lists_every_locked_package_and_pyproject_the_direct_ones(tmp_path):
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "Pulumi_AWS"\nversion = "6.5.0"\n\n'
        '[[package]]\nname = "semver"\nversion = "3.1.1"\n\n'
        '[metadata]\nlock-version = "2.1"\n'
    )
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\ndependencies = ["pulumi-aws (>=6,<7)"]\n\n'
        '[tool.poetry.dependencies]\npython = "^3.10"\nsemver = "*"\n'
    )
    assert packages_in_poetry_lock(str(tmp_path / "poetry.lock")) == [
        InstalledPackage("pulumi-aws", "6.5.0"), InstalledPackage("semver", "3.1.1"),
    ]
    assert direct_dependency_names(str(tmp_path)) == {"pulumi-aws", "semver"}


def test_a_pipless_virtualenv_under_the_pip_toolchain_is_an_error_naming_the_option_and_fix(tmp_path):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    environment = PythonEnvironment(str(tmp_path), str(tmp_path), {"virtualenv": "venv"})
    with pytest.raises(PythonEnvironmentError) as error:
        environment.packages()
    message = str(error.value)
    assert "has no pip" in message and "set `toolchain: uv`" in message and "-m ensurepip" in message


def test_plugin_json_is_found_through_importlib_even_in_an_editable_install(tmp_path, monkeypatch):
    # .venv has this package installed editable: no package directory in site-packages, but
    # importlib finds the module in provider/, with the pulumi-plugin.json that says "no plugin".
    monkeypatch.setenv("PULUMI_PYTHON_CMD", sys.executable)
    environment = PythonEnvironment(str(tmp_path), str(tmp_path), {})
    ours, sdk = environment._with_module_dirs([InstalledPackage("pulumi-gitlab-tokens", "0.1.0"),
                                               InstalledPackage("pulumi", "3.272.0")])
    assert Path(ours.module_dir) == Path(__file__).resolve().parents[2] / "provider" / "pulumi_gitlab_tokens"
    assert Path(sdk.module_dir, "__init__.py").exists()
    assert required_plugins([ours]) == []


def test_pulumi_install_with_uv_turns_requirements_txt_into_a_project_and_syncs_it(tmp_path, uv_on_path):
    (tmp_path / "Pulumi.yaml").write_text("name: converted\nruntime:\n  name: python\n  options:\n    toolchain: uv\n")
    (tmp_path / "requirements.txt").write_text("semver==3.1.1\n")
    output: list[bytes] = []
    environment = python_environment(str(tmp_path), str(tmp_path), {"toolchain": "uv"})
    environment.install_dependencies(lambda stream, data: output.append(data))

    assert not (tmp_path / "requirements.txt").exists()
    assert b"Deleted requirements.txt, dependencies for this project are tracked in pyproject.toml\n" in output
    project = load_toml(str(tmp_path / "pyproject.toml"))["project"]
    assert project["name"] == "converted" and project["dependencies"] == ["semver==3.1.1"]
    assert (tmp_path / "uv.lock").exists()
    venv = tmp_path / ".venv"
    assert any(venv.glob("lib/python*/site-packages/semver")) and not any(venv.glob("lib/python*/site-packages/pip"))
    assert [(p.name, p.version) for p in environment.packages(transitive=False)] == [("semver", "3.1.1")]


def test_requirements_txt_as_the_pyproject_toml_upstream_writes_for_poetry(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# the program's\npulumi>=3.0.0,<4.0.0\npython-gitlab==8.6.0  # pinned\n\nsemver\n")
    (tmp_path / "pyproject.toml").write_text(poetry_pyproject_from_requirements(str(requirements), "app"))
    data = load_toml(str(tmp_path / "pyproject.toml"))
    assert data["project"] == {"name": "app"}
    assert data["tool"]["poetry"] == {"package-mode": False, "dependencies": {
        "python": "^3.10", "pulumi": ">=3.0.0,<4.0.0", "python-gitlab": "8.6.0", "semver": "*",
    }}
    assert data["build-system"]["build-backend"] == "poetry.core.masonry.api"

    requirements.write_text("-c constraints.txt\npulumi\n")
    with pytest.raises(PythonEnvironmentError, match="cannot turn the option line '-c constraints.txt'"):
        poetry_pyproject_from_requirements(str(requirements), "app")


@pytest.mark.parametrize(("output", "pattern", "minimum", "refusal"), [
    ("uv 0.5.31 (d4f8a1b 2024-12-12)", UV_VERSION_OUTPUT, MIN_UV_VERSION,
     "uv version 0.5.31 is less than the minimum required version 0.6.15"),
    ("Poetry (version 1.7.1)", POETRY_VERSION_OUTPUT, MIN_POETRY_VERSION,
     "poetry version 1.7.1 is less than the minimum required version 1.8.0"),
])
def test_a_toolchain_older_than_upstreams_minimum_is_refused(output, pattern, minimum, refusal):
    tool = refusal.split()[0]
    prints = lambda text: [sys.executable, "-c", f"print({text!r})"]  # noqa: E731 - a command with that output
    with pytest.raises(PythonEnvironmentError, match=re.escape(refusal)):
        checked_tool_version(prints(output), pattern, tool, minimum)
    newer = output.replace("0.5.31", "0.13.9").replace("1.7.1", "2.5.1")
    assert checked_tool_version(prints(newer), pattern, tool, minimum) >= minimum


def test_one_rules_process_asks_poetry_its_version_and_a_found_virtualenv_once(tmp_path, monkeypatch):
    """The host keeps its rules' process for one CLI command, whose requests each make a poetry
    environment: poetry starts once for its version and once for the virtualenv it found. A
    virtualenv not found yet is asked again (``pulumi install`` may be making it)."""
    bin_dir, program, venv, starts = tmp_path / "bin", tmp_path / "program", tmp_path / "venv", tmp_path / "starts"
    bin_dir.mkdir()
    program.mkdir()
    poetry = bin_dir / "poetry"
    poetry.write_text(
        f"#!/bin/sh\necho \"$*\" >> {starts}\n"
        f"case \"$1\" in --version) echo 'Poetry (version 2.1.3)';; env) [ -d {venv} ] && echo {venv} || exit 1;; esac\n")
    poetry.chmod(0o755)
    only_on_path(monkeypatch, bin_dir)

    def asked() -> list[str]:
        return starts.read_text().splitlines() if starts.exists() else []

    for _ in range(2):
        with pytest.raises(PythonEnvironmentError, match="poetry has no virtualenv"):
            python_environment(str(program), str(program), {"toolchain": "poetry"}).python()
    assert asked() == ["--version --no-ansi --no-plugins", "env info --path", "env info --path"]

    (venv / "bin").mkdir(parents=True)
    for _ in range(3):
        assert python_environment(str(program), str(program), {"toolchain": "poetry"}).python() == f"{venv}/bin/python"
    assert asked()[3:] == ["env info --path"]
