"""Write the native provider's plugin directory (``make plugin``): ``<dir>/pulumi-resource-gitlab-tokens``.

A ``Pulumi.yaml`` names the directory under ``plugins: providers: - name:
gitlab-tokens, path: <dir>``, and ``pulumi package get-schema <dir>`` reads its
schema. The executable runs the native provider with the Python it was written
by, which has the package installed (docs/native-provider.md).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

PLUGIN = "pulumi-resource-gitlab-tokens"


def write_plugin(directory: Path, python: str = sys.executable) -> Path:
    """Write the plugin executable into ``directory`` (made if needed); its path."""
    directory.mkdir(parents=True, exist_ok=True)
    executable = directory / PLUGIN
    executable.write_text(f"#!/bin/sh\nexec {shlex.quote(python)} -m pulumi_gitlab_tokens.native \"$@\"\n")
    executable.chmod(0o755)
    return executable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="the plugin directory to write (its name: gitlab-tokens)")
    print(write_plugin(parser.parse_args().directory.resolve()))


if __name__ == "__main__":
    main()
