"""Two distributions: the provider's wheel holds no sandbox; the sandbox installs and runs on its own.

Both wheels are built by pip from this checkout, as a user's ``pip install``
would build them (pip fetches the build backend, setuptools, from the
wheelhouse ``make setup`` fills, as ``make setup`` does). The sandbox's wheel then goes into a fresh virtualenv
that has neither the provider nor python-gitlab, and must start and answer.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest
from support.installed_package import SOURCES, wheel_of_this_run


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {name: wheel_of_this_run(name, tmp_path_factory) for name in SOURCES}


def test_the_provider_wheel_does_not_contain_the_sandbox(wheels: dict[str, Path]) -> None:
    names = zipfile.ZipFile(wheels["provider"]).namelist()
    assert "pulumi_gitlab_tokens/lifecycle/provider.py" in names
    assert [name for name in names if "sandbox" in name.lower()] == []
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheels["provider"]).read(metadata).decode()
    assert "Provides-Extra: sandbox" not in text


def test_the_sandbox_wheel_holds_only_the_sandbox(wheels: dict[str, Path]) -> None:
    names = zipfile.ZipFile(wheels["sandbox"]).namelist()
    packages = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert packages == {"gitlab_token_sandbox"}
    assert "gitlab_token_sandbox/rules.py" in names


def test_the_sandbox_installs_and_starts_in_a_fresh_virtualenv(wheels: dict[str, Path], tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # Without a pip of its own (making one compiles all of pip: most of this test's time); this
    # run's pip installs into it, as `pip --python` does for any virtualenv.
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "--quiet",
                              "--disable-pip-version-check", str(wheels["sandbox"])],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    probe = subprocess.run([str(python), "-c", "import importlib.util, json; print(json.dumps([bool("
                            "importlib.util.find_spec(m)) for m in ('pulumi_gitlab_tokens', 'gitlab', 'pulumi')]))"],
                           capture_output=True, text=True, timeout=60)
    assert json.loads(probe.stdout) == [False, False, False], probe.stderr

    process = subprocess.Popen([str(python), "-m", "gitlab_token_sandbox", "--port", "0"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = dict(process.stdout.readline().strip().split("=", 1) for _ in range(2))
        request = urllib.request.Request(lines["GITLAB_BASE_URL"] + "/api/v4/version",
                                         headers={"PRIVATE-TOKEN": lines["GITLAB_TOKEN"]})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200 and json.load(response)["version"]
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=15)
    assert code == 0
