"""The package as users install it: its wheel built from this checkout, and what ``pulumi about`` then reports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from support.pulumi_cli import REPO, PulumiStack

# How the CLI names the plugin it tries to fetch for this package: gitlab-tokens-0.1.0 in its
# messages, pulumi-resource-gitlab-tokens-v0.1.0 in the download URL.
PLUGIN_DOWNLOAD = re.compile(r"gitlab-tokens-v?0\.1\.0")


def build_wheel(out: Path) -> Path:
    """``pip wheel`` of the repository, as a release would build it (isolated build, no dependencies)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
         "--wheel-dir", str(out), str(REPO)],
        check=True, capture_output=True, text=True,
    )
    [wheel] = out.glob("pulumi_gitlab_tokens-*.whl")
    return wheel


def resource_plugins(stack: PulumiStack) -> list[tuple[str, str]]:
    """The resource plugins ``pulumi about`` says the program needs, as (name, version)."""
    about = json.loads(stack.run("about", "--json").stdout)
    assert not about.get("errors"), about["errors"]
    return [(p["name"], p["version"]) for p in about["plugins"] if p["kind"] == "resource"]
