"""The SDKs generated from the package schema: the TypeScript and Go SDKs compile, and a program over each does.

The schema is ``sdks.package_schema``'s. The SDKs are generated into a temporary directory
(they are not committed); beside them go a TypeScript program (``typescript/``, type-checked
with ``tsc`` against ``@pulumi/pulumi`` of the CLI's release, installed from npm by its
lockfile into the project's cache) and a Go program (``go/``, built with ``go build``, its
``go.mod`` replacing the SDK's module path by the generated directory). Running either needs
the Node.js or Go language host, which no registry here serves: docs/sdks.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import sdks
from pulumi_gitlab_tokens.native.schema import PYTHON_SDK_PACKAGE

HERE = Path(__file__).resolve().parent
TYPESCRIPT_PROGRAM = HERE / "typescript"
GO_PROGRAM = HERE / "go"


def _tool(name: str, why: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is needed {why}; install it and rerun")
    return found


def _run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=1800, env={**os.environ, **env})


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sdks.package_schema(tmp_path_factory.mktemp("schema"))


@pytest.fixture(scope="module")
def schema(schema_file: Path) -> dict:
    return json.loads(schema_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, schema_file: Path) -> Path:
    """sdk/nodejs and sdk/go freshly generated, with copies of the two programs beside them."""
    work = tmp_path_factory.mktemp("sdks")
    sdks.generate(schema_file, work / "sdk")
    shutil.copytree(TYPESCRIPT_PROGRAM, work / "typescript")
    shutil.copytree(GO_PROGRAM, work / "go")
    return work


@pytest.fixture(scope="module")
def node_modules(workdir: Path) -> Path:
    """TypeScript (5.9, and 4.9 as ``typescript-sdk-build``), @types/node and @pulumi/pulumi from
    typescript/package-lock.json, installed once into the cache (named by the lockfile's digest)
    and linked where both the SDK and the program resolve them."""
    npm = _tool("npm", "to install TypeScript and @pulumi/pulumi for the TypeScript SDK check")
    manifests = [TYPESCRIPT_PROGRAM / "package.json", TYPESCRIPT_PROGRAM / "package-lock.json"]
    installed = sdks.cache_root() / "sdk-check" / f"node-{sdks.sources_digest(manifests)}"

    def install(into: Path) -> None:
        into.mkdir()
        for manifest in manifests:
            shutil.copy2(manifest, into)
        ran = _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], into)
        assert ran.returncode == 0, f"npm ci failed:\n{ran.stderr[-3000:]}"

    sdks.cached(installed, install, replaces="node-*")
    (workdir / "node_modules").symlink_to(installed / "node_modules")
    return workdir / "node_modules"


def _tsc(typescript: Path, project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return _run([_tool("node", "to run tsc"), str(typescript / "bin" / "tsc"), "--noEmit", "-p", str(project),
                 *options], project)


def test_the_typescript_sdk_compiles_as_its_postinstall_compiles_it(workdir: Path, node_modules: Path) -> None:
    """``npm install`` of the SDK's directory runs ``tsc --types node`` in it with the TypeScript its
    package.json asks for (``^4.7.0``, so 4.9): here without emitting."""
    sdk = workdir / "sdk" / "nodejs"
    declared = json.loads((sdk / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert set(declared) == {"@pulumi/pulumi", "@types/node", "typescript"}, declared
    ran = _tsc(node_modules / "typescript-sdk-build", sdk, "--types", "node")
    assert ran.returncode == 0, f"tsc on the generated SDK:\n{ran.stdout}{ran.stderr}"


def test_a_typescript_program_over_the_sdk_type_checks(workdir: Path, node_modules: Path) -> None:
    """Including the lines marked ``@ts-expect-error``: tsc fails if any of them type-checks."""
    ran = _tsc(node_modules / "typescript", workdir / "typescript")
    assert ran.returncode == 0, f"tsc on the program over the SDK:\n{ran.stdout}{ran.stderr}"


def test_the_go_sdk_is_the_module_the_program_replaces(workdir: Path) -> None:
    generated = (workdir / "sdk" / "go" / "go.mod").read_text(encoding="utf-8")
    module = re.search(r"^module (\S+)$", generated, re.M)
    assert module is not None, f"the generated go.mod names no module:\n{generated}"
    program = (GO_PROGRAM / "go.mod").read_text(encoding="utf-8")
    assert f"replace {module.group(1)} => ../sdk/go" in program, (
        f"tests/sdk/go/go.mod must require and replace the generated SDK's module {module.group(1)}")


def test_a_go_program_over_the_sdk_builds(workdir: Path) -> None:
    """``-mod=readonly``: the committed go.sum must cover what the generated SDK needs."""
    go = _tool("go", "to build the Go program over the generated Go SDK")
    ran = _run([go, "build", "-trimpath", "-o", str(workdir / "go-program"), "."], workdir / "go",
               GOFLAGS="-mod=readonly -buildvcs=false")
    assert ran.returncode == 0, f"go build of the program over the Go SDK:\n{ran.stderr}"
    assert (workdir / "go-program").stat().st_size > 0


def test_every_secret_output_is_marked_secret_in_every_sdk(workdir: Path, schema: dict) -> None:
    """What keeps a token's value a secret in a TypeScript, Go or Python program's state."""
    for token, resource in schema["resources"].items():
        secret = sorted(name for name, prop in resource.get("properties", {}).items() if prop.get("secret"))
        name = token.rsplit(":", 1)[1]
        module_file = name[0].lower() + name[1:]
        typescript = (workdir / "sdk" / "nodejs" / f"{module_file}.ts").read_text(encoding="utf-8")
        go = (workdir / "sdk" / "go" / "gitlabtokens" / f"{module_file}.go").read_text(encoding="utf-8")
        python = (workdir / "sdk" / "python" / PYTHON_SDK_PACKAGE / f"{_snake(name)}.py").read_text(encoding="utf-8")
        py_marked = re.search(r"additional_secret_outputs=\[([^\]]*)\]", python)
        ts_marked = re.search(r"additionalSecretOutputs: \[([^\]]*)\]", typescript)
        go_marked = re.search(r"pulumi\.AdditionalSecretOutputs\(\[\]string\{([^}]*)\}", go)
        if not secret:
            assert ts_marked is None and go_marked is None and py_marked is None, f"{token} has no secret output"
            continue
        assert None not in (ts_marked, go_marked, py_marked), f"{token}'s secret outputs {secret} are not marked"
        assert sorted(re.findall(r'"(\w+)"', py_marked.group(1))) == sorted(_snake(name) for name in secret)
        assert sorted(re.findall(r'"(\w+)"', ts_marked.group(1))) == secret
        assert sorted(re.findall(r'"(\w+)"', go_marked.group(1))) == secret


def _snake(name: str) -> str:
    """A schema name as the Python SDK spells it (``ProjectAccessToken`` -> ``project_access_token``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_a_schema_that_does_not_bind_is_refused_naming_the_type(tmp_path: Path, schema: dict) -> None:
    broken = json.loads(json.dumps(schema))
    resource = broken["resources"]["gitlab-tokens:index:ProjectAccessToken"]
    resource["inputProperties"]["rotationConfiguration"] = {"$ref": "#/types/gitlab-tokens:index:NoSuchType"}
    (tmp_path / "schema.json").write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(sdks.SdkGenerationError, match="NoSuchType"):
        sdks.generate(tmp_path / "schema.json", tmp_path / "sdk")
    assert not (tmp_path / "sdk").exists()


def test_a_schema_without_a_version_is_refused_saying_why(tmp_path: Path, schema: dict) -> None:
    unversioned = {key: value for key, value in schema.items() if key != "version"}
    (tmp_path / "schema.json").write_text(json.dumps(unversioned), encoding="utf-8")
    with pytest.raises(sdks.SdkGenerationError, match="no version"):
        sdks.generate(tmp_path / "schema.json", tmp_path / "sdk")
