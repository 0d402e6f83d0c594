"""The package as a user gets it: the built wheel in a fresh virtualenv, far from this repository.

The wheel is built from the repository, then everything else happens in a
temporary directory: a program that lists only the wheel in its
requirements.txt, a virtualenv the language host creates on the first preview
(as upstream's does), ``pulumi install``, one token created and destroyed in the
sandbox through the real CLI. ``pulumi about`` must then list no
``gitlab-tokens`` resource plugin, and would, were it not for the
``pulumi-plugin.json`` the package ships.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.installed_package import PIP_FROM_THE_WHEELHOUSE, PLUGIN_DOWNLOAD, resource_plugins
from support.pulumi_cli import REPO

pytestmark = pytest.mark.timeout(600)


def test_the_built_wheel_runs_a_stack_from_a_fresh_virtualenv(gitlab_stack, wheel):
    gs = gitlab_stack("installed")
    program = gs.stack.dir
    assert REPO not in program.parents, "the program must run outside the repository"
    # The tested dependency versions (copied: the program may not reach into the repository).
    shutil.copy(REPO / "constraints.txt", program / "constraints.txt")
    (program / "requirements.txt").write_text(f"-c constraints.txt\n{wheel}\n")
    venv = program / "venv"
    assert not venv.exists()
    gs.stack.extra_env |= PIP_FROM_THE_WHEELHOUSE

    # The virtualenv is missing: the first preview creates it and installs requirements.txt.
    preview = gs.stack.preview()
    assert (venv / "bin" / "python").exists(), preview
    # Its steps, streamed to the engine while they run, as upstream's host shows them.
    for step in ("Creating virtual environment...", "Finished updating", "Installing dependencies in virtual environment"):
        assert f"installed-test  {step}" in preview.output, preview
    assert "+ 2 to create" in preview.output, preview

    install = gs.stack.run("install")
    assert "Finished installing dependencies" in install.output, install
    assert not PLUGIN_DOWNLOAD.search(install.output), f"pulumi install looked for a plugin:\n{install}"

    gs.stack.up()
    outputs = gs.reveal_outputs()
    assert Path(outputs["package_file"]).is_relative_to(venv), "the program imported something else than the wheel"
    assert len(gs.active_tokens()) == 1
    assert resource_plugins(gs.stack) == []

    # Without pulumi-plugin.json the language host takes the package for a provider SDK, and
    # `pulumi install` fails fetching a plugin that does not exist (whether or not it can reach the net).
    [plugin_json] = venv.glob("lib/python*/site-packages/pulumi_gitlab_tokens/pulumi-plugin.json")
    saved = plugin_json.read_bytes()
    plugin_json.unlink()
    try:
        assert resource_plugins(gs.stack) == [("gitlab-tokens", "0.1.0")]
        # Its dependencies were installed above: only the plugin step is under test here.
        broken = gs.stack.run("install", "--no-dependencies", check=False)
        assert broken.returncode != 0 and PLUGIN_DOWNLOAD.search(broken.output), broken
    finally:
        plugin_json.write_bytes(saved)

    gs.stack.destroy()
    assert gs.active_tokens() == []
    gs.assert_no_secret_leaks()
