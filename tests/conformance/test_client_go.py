"""The sandbox held to a second client: GitLab's official Go client (client-go), under each profile.

``main.go`` and the other ``*.go`` files here (``go.mod`` and ``go.sum`` pin
client-go) drive one case per route and error the sandbox models from GitLab's
18.x and 19.x source and print one JSON line per case. The test builds them
with ``go build`` into the project's cache (the Go toolchain keeps its build
cache too, so a rerun only links), starts a sandbox per profile, runs the
program and checks every case. The first build fetches the pinned modules
through the Go module proxy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sdks

from support.sandbox import running_sandbox

HERE = Path(__file__).resolve().parent

#: Every case the program runs, in its order: a case that vanishes fails the test as surely as one that fails.
CASES = (
    "project token: create without expires_at",
    "project token: create with expires_at null takes the maximum lifetime",
    "project token: get an unknown token",
    "group token: get an unknown token",
    "project token: an Owner token from a Maintainer",
    "project token: a Planner token from a Maintainer",
    "project token: a Security Manager token from a Maintainer",
    "project token: a Security Manager token from an Owner",
    "project token: a Maintainer rotates an Owner token",
    "project token: a 40 rotates a Security Manager token",
    "project token: a 50 rotates a Security Manager token",
    "group token: a Security Manager token from an Owner, then rotated",
    "group token: a Maintainer of the group may not create one",
    "group service account: username admin",
    "group service account: username bad name!",
    "group service account: username ../../admin",
    "group service account: username robot.git",
    "group service account: username robot.json",
    "group service account: username a__b",
    "group service account: username r",
    "group service account: a username kept for GitLab's AI agents",
    "group service account: email robot@",
    "group service account: a name with angle brackets is rewritten",
    "group service account: in a subgroup",
    "group service account: ten a minute per user, then 429",
    "project service account: create",
    "project service account: list",
    "project service account: create a token",
    "project service account: rotate the token",
    "project service account: revoke the token",
    "project service account: delete",
    "project variable: a hidden variable's masked setting cannot change",
    "group variable: a hidden variable's masked setting cannot change",
    "pipeline trigger: a Maintainer creates one and sees its whole token",
    "pipeline trigger: another Maintainer sees four characters of it",
    "pipeline trigger: its owner edits it in place",
    "pipeline trigger: the administrator may not edit another user's",
    "pipeline trigger: a Developer may not list them",
    "pipeline trigger: create without a description",
    "pipeline trigger: delete, then get",
    "group service account: update",
    "group service account: update to a taken username",
    "project service account: update",
    *(f"impersonation token: {step}" for step in (
        "create", "it acts as the user", "get and list", "revoke", "an unknown token", "without expires_at",
        "administrators only")),
    "cluster agent: register",
    "cluster agent: a name taken in the project",
    "cluster agent: list and get",
    *(f"cluster agent token: {step}" for step in (
        "create", "two active at most", "list and get", "revoke", "a Developer may not create one")),
    "cluster agent: delete",
    *(f"runner: {step}" for step in (
        "create a project runner", "details", "reset its authentication token", "listed under its project",
        "a Developer may not reset it",
        "a group runner needs a group Owner", "a missing project", "delete")),
)


@pytest.fixture(scope="module")
def conformance_program() -> Path:
    """The built program, named by the digest of its sources: built once, reused until they change."""
    go = shutil.which("go")
    if go is None:
        pytest.fail("the Go toolchain (`go`) is needed to build the client-go conformance program; install Go 1.24+")
    sources = [HERE / "go.mod", HERE / "go.sum", *sorted(HERE.glob("*.go"))]

    def build(into: Path) -> None:
        built = subprocess.run([go, "build", "-o", str(into), "."], cwd=HERE, capture_output=True, text=True,
                               env={**os.environ, "GOFLAGS": "-mod=mod -buildvcs=false"}, timeout=600)
        assert built.returncode == 0, f"go build failed:\n{built.stderr}"

    program = sdks.cache_root() / "conformance" / f"conformance-{sdks.sources_digest(sources)}"
    return sdks.cached(program, build, replaces="conformance-*")


@pytest.mark.parametrize("profile", ["18.1", "18.11", "19.2"])
def test_client_go_agrees_with_the_sandbox_case_by_case(conformance_program: Path, profile: str) -> None:
    with running_sandbox(extra_args=["--gitlab-version", profile]) as sb:
        ran = subprocess.run([str(conformance_program), f"{sb.base_url}/api/v4"], capture_output=True, text=True,
                             env={**os.environ, "GITLAB_TOKEN": sb.admin_token}, timeout=300)
        log = sb.read_log()
    assert ran.returncode in (0, 1), f"the program could not run its cases:\n{ran.stderr}"
    results = [json.loads(line) for line in ran.stdout.splitlines()]
    assert tuple(r["case"] for r in results) == CASES
    failed = {r["case"]: r["detail"] for r in results if not r["ok"]}
    assert failed == {}
    assert ran.returncode == 0
    assert sb.admin_token not in ran.stdout + ran.stderr + log
