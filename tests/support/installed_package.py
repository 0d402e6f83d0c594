"""The package as users install it: its wheel built from this checkout, and what ``pulumi about`` then reports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sdks
from support.pulumi_cli import REPO, PulumiStack, run_directory

# How the CLI names the plugin it tries to fetch for this package: gitlab-tokens-0.1.0 in its
# messages, pulumi-resource-gitlab-tokens-v0.1.0 in the download URL.
PLUGIN_DOWNLOAD = re.compile(r"gitlab-tokens-v?0\.1\.0")


#: pip's settings for reading distributions from the wheelhouse ``make setup`` downloaded (the
#: pinned versions and the build tools), as from a company's mirror, instead of the index (pip
#: spends most of an install reading the index's pages), and for leaving bytecode to the imports
#: that need it. The language host's own pip commands read them too, as they would a user's.
PIP_FROM_THE_WHEELHOUSE = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(REPO / ".venv" / "wheelhouse"),
                           "PIP_NO_COMPILE": "1"}


#: What each distribution is built from; copied first, so the build leaves nothing in the checkout.
SOURCES = {"provider": ("pyproject.toml", "docs/package-readme.md", "LICENSE", "provider"),
           "sandbox": ("sandbox/pyproject.toml", "sandbox/README.md", "sandbox/gitlab_token_sandbox")}
_LEFTOVERS = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")


def build_wheel(name: str, out: Path) -> Path:
    """``pip wheel`` of one distribution (``provider`` or ``sandbox``) of this checkout, as a release
    would build it (isolated build, no dependencies), from a copy of its sources: into ``out``."""
    source = out / "source"
    for relative in SOURCES[name]:
        origin, target = REPO / relative, source / Path(relative).relative_to(Path(SOURCES[name][0]).parent)
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=_LEFTOVERS)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
         "--wheel-dir", str(out), str(source)],
        capture_output=True, text=True, timeout=300, env=os.environ | PIP_FROM_THE_WHEELHOUSE)
    assert result.returncode == 0, f"pip could not build a wheel of {source}:\n{result.stderr}"
    shutil.rmtree(source)
    (wheel,) = out.glob("*.whl")
    return wheel


def wheel_of_this_run(name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of one distribution, built once for the whole test run.

    The pytest-xdist workers of one run share the directory above their own temporary ones;
    the first to need a wheel builds it there while the others wait (``sdks.cached``).
    """
    built = sdks.cached(run_directory(tmp_path_factory) / f"{name}-wheel", lambda out: build_wheel(name, out))
    (wheel,) = built.glob("*.whl")
    return wheel


def resource_plugins(stack: PulumiStack) -> list[tuple[str, str]]:
    """The resource plugins ``pulumi about`` says the program needs, as (name, version)."""
    about = json.loads(stack.run("about", "--json").stdout)
    assert not about.get("errors"), about["errors"]
    return [(p["name"], p["version"]) for p in about["plugins"] if p["kind"] == "resource"]
