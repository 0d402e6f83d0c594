"""A Python program on the native provider, through the Python SDK generated from its schema.

The SDK is generated as ``make sdks`` does (Pulumi's ``codegen/python``), installed with pip
into a directory the program's Python reads (``PYTHONPATH``), and the engine finds the
provider ``pulumi-resource-gitlab-tokens`` on ``PATH`` in the virtualenv. Against the
sandbox: create, a preview with nothing to do makes no GitLab call, destroy revokes; no
secret in the state or the output.
"""

from __future__ import annotations

import pytest

from pulumi_gitlab_tokens.native.schema import PYTHON_SDK_PACKAGE
from support.pulumi_cli import VENV_BIN
from support.python_sdk import installed_python_sdk

pytestmark = pytest.mark.timeout(900)


def test_python_program_on_the_generated_sdk(gitlab_stack, tmp_path):
    assert (VENV_BIN / "pulumi-resource-gitlab-tokens").exists(), \
        "pulumi-resource-gitlab-tokens is not in .venv/bin: run `make setup`"
    site = installed_python_sdk(tmp_path)
    assert (site / PYTHON_SDK_PACKAGE / "project_access_token.py").exists()

    gs = gitlab_stack("native_tokens")
    gs.stack.extra_env["PYTHONPATH"] = str(site)
    gs.stack.config_set("gitlab-tokens:baseUrl", gs.sandbox.base_url)
    gs.stack.config_set("gitlab-tokens:token", gs.sandbox.admin_token, secret=True)

    created = gs.stack.up()
    assert "pulumi-resource-gitlab-tokens from $PATH" in created.output, created
    [state] = gs.stack.resources("gitlab-tokens:index:ProjectAccessToken")
    outputs = gs.reveal_outputs()
    assert outputs["token"].startswith("glpat-")
    [token] = gs.active_tokens()
    assert token["id"] == outputs["token_id"] and token["name"] == "ci-token"
    assert state["id"] == f"{gs.project['path_with_namespace']}:{token['id']}"
    assert state["outputs"]["rotationConfiguration"] == {"expirationDays": 30, "rotateBeforeDays": 7}

    gs.sandbox.reset_counters()
    gs.stack.preview("--expect-no-changes")
    assert {k: v for k, v in gs.sandbox.counters().items() if k != "total" and v} == {}, \
        "a preview with nothing to do calls no GitLab"

    gs.assert_no_secret_leaks()
    gs.stack.destroy()
    assert gs.active_tokens() == [], "destroy revokes the token"
