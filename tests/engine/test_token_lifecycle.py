"""Project and group access tokens through the real pulumi CLI, against the sandbox.

One program holds a ProjectAccessToken and a GroupAccessToken, so every step
exercises both kinds. After each step the state export and everything the CLI
printed are searched for every token value seen so far and the admin credential.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

from support.pulumi_cli import engine_log_verbosities

PROJECT_TYPE = "pulumi-python:dynamic/gitlab:ProjectAccessToken"
GROUP_TYPE = "pulumi-python:dynamic/gitlab:GroupAccessToken"


def _by_kind(tokens: list[dict]) -> dict[str, dict]:
    """The one token of each kind (project, group)."""
    result: dict[str, dict] = {}
    for token in tokens:
        assert token["resource_type"] not in result, f"two active {token['resource_type']} tokens: {tokens}"
        result[token["resource_type"]] = token
    return result


def _api_calls(counters: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counters.items() if k != "total" and v}


def test_lifecycle_create_noop_replace_rotate_recreate_destroy(gitlab_stack):
    gs = gitlab_stack(expirationDays="30", rotateBeforeDays="7")
    sandbox, stack = gs.sandbox, gs.stack

    # --- up: one POST per token -----------------------------------------------------------
    sandbox.reset_counters()
    stack.up()
    calls = _api_calls(sandbox.counters())
    assert calls.get("POST /api/v4/projects/:id/access_tokens") == 1, calls
    assert calls.get("POST /api/v4/groups/:id/access_tokens") == 1, calls
    created = _by_kind(gs.active_tokens())
    assert set(created) == {"project", "group"}
    outputs = gs.reveal_outputs()
    assert outputs["project_token_id"] == created["project"]["id"]
    assert outputs["group_user_id"] == created["group"]["user_id"]
    assert outputs["project_token"].startswith("glpat-")
    # The token is a secret in the state: the export shows ciphertext, never the value.
    [project_state] = stack.resources(PROJECT_TYPE)
    assert project_state["outputs"]["token"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    assert project_state["outputs"]["expires_at"] == created["project"]["expires_at"]
    gs.assert_no_secret_leaks()

    # --- a no-op preview makes no GitLab call ----------------------------------------------
    sandbox.reset_counters()
    stack.preview("--expect-no-changes")
    assert _api_calls(sandbox.counters()) == {}

    # --- a scope change replaces both tokens -----------------------------------------------
    stack.config_set("scopes", "read_api,read_repository")
    preview = stack.preview("--diff")
    assert preview.output.count("+-") >= 2 or "replace" in preview.output, preview
    stack.up()
    replaced = _by_kind(gs.active_tokens())
    for kind in ("project", "group"):
        assert replaced[kind]["id"] != created[kind]["id"]
        assert replaced[kind]["scopes"] == ["read_api", "read_repository"]
    old = {t["id"]: t for t in gs.tokens()}
    assert all(old[created[kind]["id"]]["revoked"] for kind in ("project", "group"))
    gs.assert_no_secret_leaks()

    # --- the rotation window reached: rotated in place -------------------------------------
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=24)
    clock = later.strftime("%Y-%m-%dT%H:%M:%SZ")
    sandbox.set_time(clock)
    try:
        time_env = {"GITLAB_TESTING_TIME": clock}
        preview = stack.preview("--diff", env=time_env)
        assert "expires_at" in preview.output, preview
        stack.up(env=time_env)
        rotated = _by_kind(gs.active_tokens())
        states = {t["id"]: t for t in gs.tokens()}
        for kind in ("project", "group"):
            assert rotated[kind]["user_id"] == replaced[kind]["user_id"], "rotation must keep the bot user"
            assert rotated[kind]["id"] != replaced[kind]["id"], "rotation gives a new token id"
            assert states[replaced[kind]["id"]]["revoked"], "rotation revokes the old token"
            assert rotated[kind]["expires_at"] == (later.date() + dt.timedelta(days=30)).isoformat()
        outputs = gs.reveal_outputs()
        assert outputs["project_token_id"] == rotated["project"]["id"]
        gs.assert_no_secret_leaks()

        # --- revoked outside Pulumi: refresh shows it, up recreates it ----------------------
        project_token = rotated["project"]
        sandbox.api("DELETE", f"/projects/{gs.project['id']}/access_tokens/{project_token['id']}")
        stack.refresh(env=time_env)
        [project_state] = stack.resources(PROJECT_TYPE)
        assert project_state["outputs"]["revoked"] is True
        assert project_state["outputs"]["active"] is False
        stack.up(env=time_env)
        recreated = _by_kind(gs.active_tokens())
        assert recreated["project"]["id"] != project_token["id"]
        assert recreated["group"]["id"] == rotated["group"]["id"], "the group token was not touched"
        gs.assert_no_secret_leaks()

        # --- destroy revokes everything ------------------------------------------------------
        sandbox.reset_counters()
        stack.destroy(env=time_env)
        assert gs.active_tokens() == []
        calls = _api_calls(sandbox.counters())
        assert calls.get("DELETE /api/v4/projects/:id/access_tokens/:token_id") == 1, calls
        assert calls.get("DELETE /api/v4/groups/:id/access_tokens/:token_id") == 1, calls
        assert stack.resources(PROJECT_TYPE) == [] and stack.resources(GROUP_TYPE) == []
        gs.assert_no_secret_leaks()
    finally:
        sandbox.set_time(None)


def test_refresh_makes_one_get_per_token_and_keeps_the_value(gitlab_stack):
    gs = gitlab_stack()
    gs.stack.up()
    before = gs.reveal_outputs()
    gs.sandbox.reset_counters()
    gs.stack.refresh()
    calls = _api_calls(gs.sandbox.counters())
    assert calls == {
        "GET /api/v4/projects/:id/access_tokens/:token_id": 1,
        "GET /api/v4/groups/:id/access_tokens/:token_id": 1,
    }
    assert gs.reveal_outputs() == before, "refresh must keep the token values GitLab cannot return again"
    gs.stack.preview("--expect-no-changes")
    gs.assert_no_secret_leaks()


def test_verbose_engine_logs_hold_no_secret(gitlab_stack):
    gs = gitlab_stack()
    # -v=8: the most verbose level at which the engine does not dump property values.
    gs.stack.up("--logtostderr", "-v=8")
    gs.stack.refresh("--logtostderr", "-v=8")
    levels = engine_log_verbosities(gs.stack.everything_printed())
    assert levels and max(levels) <= 8, f"-v=8 logs were not captured as asked (levels seen: {sorted(levels)})"
    gs.assert_no_secret_leaks()

    # -v=9 is the most verbose level; some CLI versions dump marshaled properties there, secrets
    # included, and only those lines are exempt.
    gs.stack.config_set("scopes", "read_api,read_repository")
    gs.stack.up("--logtostderr", "-v=9")
    assert 9 in engine_log_verbosities(gs.stack.everything_printed()), "-v=9 logs were not captured"
    gs.assert_no_secret_leaks(allow_engine_property_dumps=True)


def _decrypted_export(stack) -> dict:
    return json.loads(stack.run("stack", "export", "--show-secrets", reveals_secrets=True).stdout)


def test_credential_is_not_in_the_serialized_provider(gitlab_stack):
    gs = gitlab_stack()
    gs.stack.up()
    resources = _decrypted_export(gs.stack)["deployment"]["resources"]
    tokens = [r for r in resources if r["type"] in (PROJECT_TYPE, GROUP_TYPE)]
    assert len(tokens) == 2
    for resource in tokens:
        # Decrypted, so not even a passphrase holder can find the credential in the pickled provider.
        envelope = resource["inputs"]["__provider"]  # a secret, shown decrypted: {sig, plaintext}
        pickled = base64.b64decode(json.loads(envelope["plaintext"]))
        assert gs.sandbox.admin_token.encode() not in pickled
        assert gs.sandbox.base_url.encode() not in pickled
        # The instance names its backend (docs/ownership.md): the normalised URL, no credential in it.
        backend = gs.stack.env["PULUMI_BACKEND_URL"]
        assert backend.encode() in pickled
        assert len(pickled) < 220 + len(backend), "the provider should be pickled by reference, not by value"
    # Like every Pulumi provider's config, gitlab:token is kept (encrypted) as the default
    # provider's input; the encrypted export shows only the secret envelope.
    [default_provider] = [r for r in gs.stack.resources() if r["type"] == "pulumi:providers:pulumi-python"]
    assert "ciphertext" in default_provider["inputs"]["gitlab:token"]


def test_credential_from_the_environment_is_nowhere_in_the_state(gitlab_stack):
    gs = gitlab_stack()
    gs.stack.run("config", "rm", "gitlab:token")
    gs.stack.up(env={"GITLAB_TOKEN": gs.sandbox.admin_token})
    assert len(gs.active_tokens()) == 2
    text = json.dumps(_decrypted_export(gs.stack))
    assert gs.sandbox.admin_token not in text
