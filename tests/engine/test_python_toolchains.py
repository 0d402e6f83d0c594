"""The package in programs managed with uv and with poetry, as users of the official Python host pick them.

Each test takes the wheel built from this checkout (once per worker), writes a ``pyproject.toml``
that depends on it into a program far from this repository, names the toolchain in ``Pulumi.yaml``,
and runs preview, up and destroy against the sandbox through the real CLI. The
virtualenv uv makes has no pip, and the language host must not need one.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from support.installed_package import PLUGIN_DOWNLOAD, resource_plugins
from support.pulumi_cli import REPO, VENV_BIN

pytestmark = pytest.mark.timeout(900)

# The poetry the tests run with, in a virtualenv of its own (its dependencies stay out of .venv).
POETRY_VERSION = "2.5.1"


def pinned_versions() -> dict[str, str]:
    """constraints.txt as {normalized name: "name==version"}: the dependency versions the suite runs with."""
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            pins[line.split("==")[0].strip().lower().replace("_", "-")] = line.strip()
    return pins


def write_project(program: Path, options: dict[str, str]) -> None:
    """The program's Pulumi.yaml with these runtime options."""
    lines = ["name: installed", "runtime:", "  name: python", "  options:"]
    lines += [f"    {key}: {value}" for key, value in options.items()]
    (program / "Pulumi.yaml").write_text("\n".join(lines) + "\n")


def write_pyproject(program: Path, dependencies: list[str], extra: str = "") -> None:
    (program / "pyproject.toml").write_text(
        '[project]\nname = "installed"\nversion = "0.1.0"\nrequires-python = ">=3.10,<4"\n'
        f"dependencies = {json.dumps(dependencies)}\n{extra}"
    )


def has_pip(venv: Path) -> bool:
    return any(venv.glob("lib/python*/site-packages/pip"))


@pytest.fixture(scope="session")
def poetry_bin() -> Path:
    """A directory holding only a ``poetry`` command (so its virtualenv's python does not shadow PATH's)."""
    home = VENV_BIN.parent / "opt" / f"poetry-{POETRY_VERSION}"
    shims = home / "shims"
    if not (shims / "poetry").exists():
        uv = str(VENV_BIN / "uv")
        subprocess.run([uv, "venv", "--quiet", "--allow-existing", str(home)], check=True)
        subprocess.run([uv, "pip", "install", "--quiet", "--python", str(home / "bin" / "python"),
                        f"poetry=={POETRY_VERSION}"], check=True)
        shims.mkdir(exist_ok=True)
        (shims / "poetry").symlink_to(home / "bin" / "poetry")
    return shims


@pytest.fixture(autouse=True)
def no_active_virtualenv(monkeypatch) -> None:
    # An activated virtualenv would be the one poetry and uv use, not the program's own.
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.delenv("UV_PROJECT_ENVIRONMENT", raising=False)


def test_a_uv_program_runs_in_uvs_pipless_virtualenv(gitlab_stack, wheel):
    gs = gitlab_stack("installed")
    program, venv = gs.stack.dir, gs.stack.dir / ".venv"
    assert REPO not in program.parents, "the program must run outside the repository"
    write_project(program, {"toolchain": "uv"})
    constraints = "\n[tool.uv]\nconstraint-dependencies = " + json.dumps(sorted(pinned_versions().values())) + "\n"
    write_pyproject(program, [f"pulumi-gitlab-tokens @ {wheel.as_uri()}"], constraints)
    # As a user's repository holds it: the lock file, no virtualenv yet.
    subprocess.run([str(VENV_BIN / "uv"), "lock", "--quiet"], cwd=program, check=True)
    assert not venv.exists()

    # The first preview makes the virtualenv (.venv beside uv.lock) and syncs it: no pip in it.
    preview = gs.stack.preview()
    assert "+ 2 to create" in preview.output, preview
    assert (venv / "bin" / "python").exists() and not has_pip(venv), preview

    install = gs.stack.run("install")
    assert "Finished installing dependencies" in install.output, install
    assert not PLUGIN_DOWNLOAD.search(install.output), f"pulumi install looked for a plugin:\n{install}"

    gs.stack.up()
    outputs = gs.reveal_outputs()
    assert Path(outputs["package_file"]).is_relative_to(venv), "the program imported something else than the wheel"
    assert len(gs.active_tokens()) == 1
    # The package's pulumi-plugin.json was found through importlib, with no pip to ask.
    assert resource_plugins(gs.stack) == []

    # The same virtualenv under toolchain: pip cannot be listed; the error names the option and the fix.
    write_project(program, {"toolchain": "pip", "virtualenv": ".venv"})
    refused = gs.stack.preview(check=False)
    assert refused.returncode != 0, refused
    assert "has no pip" in refused.output and "set `toolchain: uv`" in refused.output, refused
    assert not has_pip(venv)

    write_project(program, {"toolchain": "uv"})
    gs.stack.destroy()
    assert gs.active_tokens() == []
    gs.assert_no_secret_leaks()


def test_a_poetry_program_runs_in_the_virtualenv_poetry_makes(gitlab_stack, wheel, poetry_bin):
    gs = gitlab_stack("installed")
    gs.stack.extra_env["PATH"] = f"{poetry_bin}{os.pathsep}{gs.stack.env['PATH']}"
    program, venv = gs.stack.dir, gs.stack.dir / ".venv"
    write_project(program, {"toolchain": "poetry"})
    pins = pinned_versions()
    write_pyproject(program, [f"pulumi-gitlab-tokens @ {wheel.as_uri()}",
                              *(pins[name] for name in ("pulumi", "python-gitlab", "grpcio", "protobuf"))],
                    "\n[tool.poetry]\npackage-mode = false\n")
    # The user's own poetry setting: the virtualenv in the project, where the test can see it.
    (program / "poetry.toml").write_text("[virtualenvs]\nin-project = true\n")

    # Poetry has no virtualenv for the project: the first preview runs `poetry install`, which locks too.
    preview = gs.stack.preview()
    assert "+ 2 to create" in preview.output, preview
    assert (program / "poetry.lock").exists() and (venv / "bin" / "python").exists(), preview

    gs.stack.up()
    outputs = gs.reveal_outputs()
    assert Path(outputs["package_file"]).is_relative_to(venv), "the program imported something else than the wheel"
    assert len(gs.active_tokens()) == 1
    assert resource_plugins(gs.stack) == []

    gs.stack.destroy()
    assert gs.active_tokens() == []
    gs.assert_no_secret_leaks()
