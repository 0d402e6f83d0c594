"""The native provider's schema, read and validated by the real CLI from both plugins users get.

``pulumi package get-schema`` starts the plugin as the engine does (its
handshake, ``GetSchema`` over gRPC) and prints what it answers: once for the
executable the package installs next to the Python that has it, once for the one
``make plugin`` writes into a plugin directory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_gitlab_tokens.native.schema import package_schema
from support.pulumi_cli import VENV_BIN, pulumi_executable

pytestmark = [pytest.mark.engine, pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parents[2]
PLUGIN = "pulumi-resource-gitlab-tokens"


def get_schema(plugin: Path, work: Path) -> dict:
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "PULUMI_HOME": str(work / "home"),
           "PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
           "NO_COLOR": "1"}
    run = subprocess.run([str(pulumi_executable()), "package", "get-schema", str(plugin)], cwd=work, env=env,
                         capture_output=True, text=True, timeout=150)
    assert run.returncode == 0, f"pulumi package get-schema {plugin} failed:\n{run.stdout}{run.stderr}"
    return json.loads(run.stdout)


def test_installed_executable_serves_the_schema(tmp_path):
    installed = VENV_BIN / PLUGIN
    assert installed.exists(), f"{PLUGIN} is not installed in the venv: run `make setup` (pyproject's [project.scripts])"
    assert get_schema(installed, tmp_path) == package_schema()


def test_plugin_directory_written_by_make_plugin_serves_the_schema(tmp_path):
    directory = tmp_path / "plugin" / "gitlab-tokens"
    written = subprocess.run([sys.executable, str(REPO / "toolchain" / "write_plugin.py"), str(directory)],
                             capture_output=True, text=True, timeout=60)
    assert written.returncode == 0, written.stderr
    executable = directory / PLUGIN
    assert Path(written.stdout.strip()) == executable
    schema = get_schema(executable, tmp_path)
    assert schema["name"] == "gitlab-tokens"
    assert schema["resources"]["gitlab-tokens:index:ProjectAccessToken"]["properties"]["token"]["secret"] is True
