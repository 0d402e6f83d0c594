"""The language host's rules for a program's Python environment, as upstream's host applies them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from python_environment import (
    InstalledPackage,
    PluginRequirement,
    PythonEnvironment,
    PythonEnvironmentError,
    normalize_name,
    plugin_version,
    required_plugins,
)


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


def test_toolchains_other_than_pip_are_refused_by_name():
    with pytest.raises(PythonEnvironmentError, match="toolchain: 'uv' is not supported"):
        PythonEnvironment("/", "/", {"toolchain": "uv"})


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
