"""The built policy pack (`make pack`) installed and run far from this repository.

The artifact is unpacked into a temporary directory, the CLI installs it there
(`pulumi install`: a fresh venv from the pack's own requirements.txt), and
`pulumi preview --policy-pack` runs it against a stack on the sandbox.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from support.installed_package import PIP_FROM_THE_WHEELHOUSE
from support.pulumi_cli import REPO, pulumi_executable


def _built_pack(tmp_path: Path) -> Path:
    """Build the artifact as `make pack` does and unpack its tarball outside the repo."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, str(REPO / "toolchain" / "build_pack.py"), "build", "--dist", str(dist)],
        check=True, capture_output=True, text=True, timeout=120,
    )
    (archive,) = dist.glob("*.tar.gz")
    elsewhere = tmp_path / "elsewhere"
    with tarfile.open(archive) as tar:
        tar.extractall(elsewhere, filter="data")
    (pack,) = elsewhere.iterdir()
    assert REPO not in pack.resolve().parents
    return pack


def test_built_pack_installs_and_runs_outside_the_repo(gitlab_stack, tmp_path):
    pack = _built_pack(tmp_path)
    gs = gitlab_stack("same_name_tokens")
    env = {k: v for k, v in gs.stack.env.items() if k != "PYTHONPATH"} | PIP_FROM_THE_WHEELHOUSE

    install = subprocess.run(
        [str(pulumi_executable()), "install", "--non-interactive"],
        cwd=pack, env=env, capture_output=True, text=True, timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    python = pack / "venv" / "bin" / "python"
    # The pack's venv holds what its requirements.txt names, not this project.
    isolated = subprocess.run([str(python), "-c", "import pulumi_gitlab_tokens"], capture_output=True, text=True)
    assert isolated.returncode != 0 and "No module named 'pulumi_gitlab_tokens'" in isolated.stderr

    compliant = gs.stack.preview("--policy-pack", str(pack))
    assert "gitlab-tokens@v" in compliant.output and "mandatory" not in compliant.output, compliant

    gs.stack.config_set("sameName", "true")
    clash = gs.stack.preview("--policy-pack", str(pack), check=False)
    assert clash.returncode != 0, clash
    assert "gitlab-token-unique-names" in clash.output and "mandatory" in clash.output, clash
    assert "'deploy' and 'deploy-again' share the name 'deploy'" in clash.output, clash
    assert gs.tokens() == [], "a failed preview must create nothing"
