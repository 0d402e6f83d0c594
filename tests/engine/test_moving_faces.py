"""A stack's dynamic ProjectAccessToken becomes a native one, as docs/migration.md says, through the CLI.

The same GitLab token stays alive all along (no new token is minted, none is revoked) until
the first rotation through the native face, which mints its successor and delivers it to the
variable fed from it. The native face is reached through the generated Python SDK
(installed as in test_native_python.py), the provider found on ``PATH``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from support.pulumi_cli import VENV_BIN
from support.python_sdk import installed_python_sdk

from pulumi_gitlab_tokens.rules import ownership

pytestmark = pytest.mark.timeout(900)

DYNAMIC = "pulumi-python:dynamic/gitlab:ProjectAccessToken"
NATIVE = "gitlab-tokens:index:ProjectAccessToken"


def test_a_dynamic_token_becomes_native_without_a_new_token(gitlab_stack, tmp_path):
    assert (VENV_BIN / "pulumi-resource-gitlab-tokens").exists(), \
        "pulumi-resource-gitlab-tokens is not in .venv/bin: run `make setup`"
    site = installed_python_sdk(tmp_path)
    gs = gitlab_stack("moving_faces")
    gs.stack.extra_env["PYTHONPATH"] = str(site)
    gs.stack.config_set("gitlab-tokens:baseUrl", gs.sandbox.base_url)
    gs.stack.config_set("gitlab-tokens:token", gs.sandbox.admin_token, secret=True)
    variables = f"/projects/{gs.project['id']}/variables"

    def alive() -> list[int]:
        return [t["id"] for t in gs.active_tokens()]

    gs.stack.up()
    first = gs.reveal_outputs()
    token_id = first["token_id"]
    [dynamic] = gs.stack.resources(DYNAMIC)
    import_id = f"{gs.project['path_with_namespace']}:{token_id}"
    assert dynamic["id"] == import_id
    [variable] = gs.sandbox.api("GET", variables)
    assert variable["value"] == first["token"]
    [minted] = gs.active_tokens()
    dynamic_mark = ownership.mark_of(minted)
    assert dynamic_mark is not None

    # 1. The dynamic token is retained on delete: an option only, no GitLab call.
    gs.stack.config_set("retain", "true")
    gs.sandbox.reset_counters()
    gs.stack.up()
    assert gs.sandbox.calls() == {}
    assert gs.stack.resources(DYNAMIC)[0]["retainOnDelete"] is True

    # 2. The program declares the native token importing the same id, the variable keeping its value.
    gs.stack.config_set("face", "native")
    gs.stack.config_set("importId", import_id)
    gs.stack.config_set("keepVariableValue", "true")
    planned = gs.stack.preview()
    assert f"{NATIVE} ci-token import" in planned.output and "delete[retain]" in planned.output, planned
    gs.sandbox.reset_counters()
    gs.stack.up()
    assert gs.sandbox.calls() == {"GET /api/v4/projects/:id/access_tokens/:token_id": 1}, \
        "the import reads the token, nothing more"
    assert gs.stack.resources(DYNAMIC) == []
    [native] = gs.stack.resources(NATIVE)
    assert native["id"] == import_id and native["outputs"]["tokenId"] == token_id
    assert alive() == [token_id], "the same token, never revoked, no other minted"
    imported = gs.reveal_outputs()
    assert imported["token_id"] == token_id and imported["token"] == "", \
        "GitLab never returns a token's value: the imported token has none until its next rotation"
    [variable] = gs.sandbox.api("GET", variables)
    assert variable["value"] == first["token"], "the variable keeps the value the token still accepts"

    # 3. Without the import option, nothing changes and a preview calls no GitLab.
    gs.stack.run("config", "rm", "importId")
    gs.sandbox.reset_counters()
    gs.stack.preview("--expect-no-changes")
    assert gs.sandbox.calls() == {}
    assert alive() == [token_id]

    # Fed from the imported token before its rotation, the variable is refused, naming why, and kept.
    # (The preview shows an update: the SDK previews a missing output as unknown.)
    gs.stack.run("config", "rm", "keepVariableValue")
    refused = gs.stack.up(check=False)
    assert refused.returncode != 0 and "ci-token-variable" in refused.output, refused
    # The imported token's value is an empty secret: a masked variable refuses it at check, before any write.
    assert "must be at least 8 characters long; this one has 0" in refused.output, refused
    [variable] = gs.sandbox.api("GET", variables)
    assert variable["value"] == first["token"]

    # 4. The first rotation through the native face mints the successor and delivers it.
    window = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=24)).strftime("%Y-%m-%dT02:00:00Z")
    gs.sandbox.set_time(window)
    try:
        gs.stack.up(env={"GITLAB_TESTING_TIME": window})
        rotated = gs.reveal_outputs()
        assert rotated["token_id"] != token_id and rotated["token"].startswith("glpat-")
        [successor] = gs.active_tokens()
        assert successor["id"] == rotated["token_id"]
        assert ownership.mark_of(successor) == dynamic_mark, "rotation copies the dynamic resource's mark"
        [variable] = gs.sandbox.api("GET", variables)
        assert variable["value"] == rotated["token"], "the variable holds the successor"
        gs.sandbox.reset_counters()
        gs.stack.preview("--expect-no-changes", env={"GITLAB_TESTING_TIME": window})
        assert gs.sandbox.calls() == {}
        gs.assert_no_secret_leaks()
        gs.stack.destroy(env={"GITLAB_TESTING_TIME": window})
    finally:
        gs.sandbox.set_time(None)
    assert alive() == [], "destroy revokes the token"
