"""`pulumi import` of a token made outside Pulumi into a YAML stack, and a token list as `fn::invoke`.

Through the real CLI and YAML language host on the native provider, against the
sandbox: the import reads (no write), the program `pulumi import` describes
previews with no change, and the next `up` that gives the token a rotation plan
rotates it, which gives it a value. The invoke's answer is checked in the outputs.
"""

from __future__ import annotations

import datetime as dt

import pytest

from support.pulumi_cli import REPO, VENV_BIN

pytestmark = pytest.mark.timeout(900)

PROGRAM = REPO / "tests" / "programs" / "yaml_import"
WRITES = ("POST", "PUT", "DELETE")


def _writes(sandbox) -> dict[str, int]:
    return {k: v for k, v in sandbox.counters().items() if v and k.split(" ")[0] in WRITES}


def test_import_a_token_made_by_hand_then_list_it_with_an_invoke(gitlab_stack):
    for tool in ("pulumi-language-yaml", "pulumi-resource-gitlab-tokens"):
        assert (VENV_BIN / tool).exists(), f"{tool} is not in .venv/bin: run `make setup`"
    gs = gitlab_stack(PROGRAM)
    expires_at = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    gs.stack.config_set("gitlab-tokens:baseUrl", gs.sandbox.base_url)
    gs.stack.config_set("gitlab-tokens:token", gs.sandbox.admin_token, secret=True)
    gs.stack.config_set("expiresAt", expires_at)
    path = gs.project["path_with_namespace"]
    made = gs.sandbox.api("POST", f"/projects/{gs.project['id']}/access_tokens",
                          {"name": "ci-token", "scopes": ["read_registry"], "access_level": 30,
                           "expires_at": expires_at}, expect=201)

    gs.sandbox.reset_counters()
    imported = gs.stack.run("import", "gitlab-tokens:index:ProjectAccessToken", "ci-token",
                            f"{path}:{made['id']}", "--yes", "--protect=false")
    assert _writes(gs.sandbox) == {}, "an import only reads"
    assert "expiresAt: " + expires_at in imported.output and "accessLevel: developer" in imported.output, imported
    [state] = gs.stack.resources("gitlab-tokens:index:ProjectAccessToken")
    assert state["id"] == f"{path}:{made['id']}" and state["inputs"]["name"] == "ci-token"

    gs.sandbox.reset_counters()
    gs.stack.preview("--expect-no-changes")
    assert _writes(gs.sandbox) == {}, "the program as imported previews with no change and no write"

    gs.stack.up()
    outputs = gs.reveal_outputs()
    assert outputs["ciToken"] == "", "GitLab never shows an imported token's value"
    assert [(t["id"], t["name"], t["managed"]) for t in outputs["listed"]] == [(made["id"], "ci-token", False)]
    assert not any("token" in t for t in outputs["listed"]), "a listed token has no value"

    # The next rotation gives it a value: a rotation plan instead of the fixed date.
    program = gs.stack.dir / "Pulumi.yaml"
    program.write_text(program.read_text().replace(
        "      expiresAt: ${expiresAt}\n",
        "      rotationConfiguration:\n        expirationDays: 30\n        rotateBeforeDays: 7\n"))
    gs.stack.up()
    rotated = gs.reveal_outputs()
    assert rotated["ciToken"].startswith("glpat-") and rotated["ciTokenId"] != made["id"]
    assert [t["id"] for t in rotated["listed"]] == [rotated["ciTokenId"]], "the list is read after the rotation"
    gs.assert_no_secret_leaks()
    gs.stack.destroy()
    assert gs.active_tokens() == [], "destroy revokes the imported token's successor"


def test_a_python_program_invokes_a_token_list_as_the_plain_function_lists_it(gitlab_stack):
    gs = gitlab_stack(REPO / "tests" / "programs" / "native_invoke")
    gs.stack.config_set("gitlab-tokens:baseUrl", gs.sandbox.base_url)
    gs.stack.config_set("gitlab-tokens:token", gs.sandbox.admin_token, secret=True)
    for name in ("deploy", "audit"):
        gs.sandbox.api("POST", f"/projects/{gs.project['id']}/access_tokens",
                       {"name": name, "scopes": ["read_api"],
                        "expires_at": (dt.date.today() + dt.timedelta(days=20)).isoformat()}, expect=201)
    gs.stack.up()
    outputs = gs.stack.outputs()
    assert [t["name"] for t in outputs["invoked"]] == ["deploy", "audit"]
    camel = {"access_level": "accessLevel", "expires_at": "expiresAt", "created_at": "createdAt",
             "last_used_at": "lastUsedAt", "user_id": "userId"}
    # The same records, camelCase; the engine leaves out the fields GitLab has no value for (null).
    assert outputs["invoked"] == [{camel.get(k, k): v for k, v in t.items() if v is not None}
                                  for t in outputs["listed"]]
