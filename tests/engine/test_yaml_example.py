"""examples/yaml through the real CLI and YAML language host, on the native provider, against the sandbox.

Create; a preview with no change makes no GitLab call; the policy pack judges
the native types at preview as it judges the Python programs' (same policy, same
message); a run inside the rotation window rotates with overlap and rewrites the
variable; destroy revokes everything. No secret appears in the state or the output.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from support.pulumi_cli import REPO, VENV_BIN, policy_pack_args

pytestmark = pytest.mark.timeout(900)

EXAMPLE = REPO / "examples" / "yaml"


def test_yaml_example_lifecycle_on_the_native_provider(gitlab_stack, tmp_path):
    for tool in ("pulumi-language-yaml", "pulumi-resource-gitlab-tokens"):
        assert (VENV_BIN / tool).exists(), f"{tool} is not in .venv/bin: run `make setup`"
    gs = gitlab_stack(EXAMPLE)
    gs.stack.config_set("gitlab-tokens:baseUrl", gs.sandbox.base_url)
    gs.stack.config_set("gitlab-tokens:token", gs.sandbox.admin_token, secret=True)

    # The pack judges the native types at preview: compliant as it is, refused as the Python program is.
    passed = gs.stack.preview(*policy_pack_args())
    assert "gitlab-tokens" in passed.output and "mandatory" not in passed.output, passed
    forbid = tmp_path / "forbid-read-api.json"
    forbid.write_text(json.dumps({"gitlab-token-scopes": {"forbiddenScopes": ["read_api"]}}))
    refused = gs.stack.preview(*policy_pack_args(config=forbid), check=False)
    assert refused.returncode != 0 and "gitlab-token-scopes" in refused.output, refused
    assert "Forbidden scopes: read_api" in refused.output, refused
    assert gs.tokens() == [], "a preview creates nothing"

    gs.stack.up()
    first = gs.reveal_outputs()
    assert first["registryToken"].startswith("glpat-") and first["robotToken"].startswith("glpat-")
    [variable] = gs.sandbox.api("GET", f"/projects/{gs.project['id']}/variables")
    assert variable["key"] == "REGISTRY_TOKEN" and variable["masked"] and variable["value"] == first["registryToken"]
    shown = gs.stack.run("stack", "output").output
    assert "[secret]" in shown and first["registryToken"] not in shown

    gs.sandbox.reset_counters()
    gs.stack.preview("--expect-no-changes")
    assert gs.sandbox.calls() == {}, "a preview with nothing to do calls no GitLab"

    window = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=24)).strftime("%Y-%m-%dT02:00:00Z")
    gs.sandbox.set_time(window)
    try:
        gs.stack.up(env={"GITLAB_TESTING_TIME": window})
        second = gs.reveal_outputs()
        assert second["registryTokenId"] != first["registryTokenId"]
        assert second["registryToken"] != first["registryToken"] and second["robotToken"] != first["robotToken"]
        [variable] = gs.sandbox.api("GET", f"/projects/{gs.project['id']}/variables")
        assert variable["value"] == second["registryToken"], "the variable holds the successor"
        active = {t["id"] for t in gs.active_tokens()}
        assert {first["registryTokenId"], second["registryTokenId"]} <= active, "the overlap keeps the old token"
        gs.sandbox.reset_counters()
        gs.stack.preview("--expect-no-changes", env={"GITLAB_TESTING_TIME": window})
        assert gs.sandbox.calls() == {}
        gs.assert_no_secret_leaks()
        gs.stack.destroy(env={"GITLAB_TESTING_TIME": window})
    finally:
        gs.sandbox.set_time(None)
    assert gs.active_tokens() == [], "destroy revokes the project's tokens"
    assert [t for t in gs.sandbox.tokens() if t["name"] == "release" and t["active"]] == [], \
        "destroy revokes the service account's token"


def test_a_plugin_directory_named_in_pulumi_yaml_serves_the_program(gitlab_stack, tmp_path):
    """``plugins: providers: - name: gitlab-tokens, path: ...`` with the plugin directory ``make plugin``
    writes. Plugins on PATH are ignored (``PULUMI_IGNORE_AMBIENT_PLUGINS``): without the entry the
    program cannot find the provider, with it the directory serves it."""
    plugin_dir = tmp_path / "plugin" / "gitlab-tokens"
    written = subprocess.run([sys.executable, str(REPO / "toolchain" / "write_plugin.py"), str(plugin_dir)],
                             capture_output=True, text=True, timeout=60)
    assert written.returncode == 0, written.stderr
    gs = gitlab_stack(EXAMPLE)
    gs.stack.config_set("gitlab-tokens:baseUrl", gs.sandbox.base_url)
    gs.stack.config_set("gitlab-tokens:token", gs.sandbox.admin_token, secret=True)
    ignoring_path = {"PULUMI_IGNORE_AMBIENT_PLUGINS": "true"}

    unfound = gs.stack.preview(env=ignoring_path, check=False)
    assert unfound.returncode != 0, unfound
    assert "no resource plugin 'pulumi-resource-gitlab-tokens' found" in unfound.output, unfound

    project_file = gs.stack.dir / "Pulumi.yaml"
    project_file.write_text(project_file.read_text()
                            + f"plugins:\n  providers:\n    - name: gitlab-tokens\n      path: {plugin_dir}\n")
    preview = gs.stack.preview(env=ignoring_path)
    assert "gitlab-tokens:index:ProjectAccessToken" in preview.output and "from $PATH" not in preview.output, preview
    assert gs.tokens() == [], "a preview creates nothing"
