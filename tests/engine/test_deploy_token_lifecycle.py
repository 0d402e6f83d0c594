"""Project and group deploy tokens through the real pulumi CLI, against the sandbox.

GitLab cannot rotate a deploy token, so the rotation window *replaces* it
(create before delete). One program holds one token of each kind; after each
step the state export and everything the CLI printed are searched for every
token value seen so far and the admin credential.
"""

from __future__ import annotations

import datetime as dt

PROJECT_TYPE = "pulumi-python:dynamic/gitlab:ProjectDeployToken"
GROUP_TYPE = "pulumi-python:dynamic/gitlab:GroupDeployToken"
PROJECT_CREATE = "POST /api/v4/projects/:id/deploy_tokens"
GROUP_CREATE = "POST /api/v4/groups/:id/deploy_tokens"
PROJECT_DELETE = "DELETE /api/v4/projects/:id/deploy_tokens/:token_id"
GROUP_DELETE = "DELETE /api/v4/groups/:id/deploy_tokens/:token_id"


def _deploy_tokens(gs) -> dict[str, list[dict]]:
    """The deploy tokens GitLab holds for the test's project and group."""
    return {"project": gs.sandbox.api("GET", f"/projects/{gs.project['id']}/deploy_tokens"),
            "group": gs.sandbox.api("GET", f"/groups/{gs.group['id']}/deploy_tokens")}


def _outputs(gs) -> dict:
    """Stack outputs with secrets shown; the deploy-token values join the leak checks."""
    outputs = gs.reveal_outputs()
    gs.seen_secrets.update(v for v in outputs.values() if isinstance(v, str) and v.startswith("gldt-"))
    return outputs


def test_deploy_tokens_create_noop_replace_in_window_recreate_destroy(gitlab_stack):
    gs = gitlab_stack("deploy_tokens")
    sandbox, stack = gs.sandbox, gs.stack

    # --- up: one POST per token ------------------------------------------------------------
    sandbox.reset_counters()
    stack.up()
    calls = sandbox.calls()
    assert (calls.get(PROJECT_CREATE), calls.get(GROUP_CREATE)) == (1, 1), calls
    created = _deploy_tokens(gs)
    assert [len(created["project"]), len(created["group"])] == [1, 1]
    outputs = _outputs(gs)
    assert outputs["project_token"].startswith("gldt-") and outputs["group_token"].startswith("gldt-")
    assert outputs["project_token_id"] == created["project"][0]["id"]
    assert outputs["project_username"] == f"gitlab+deploy-token-{outputs['project_token_id']}"
    assert outputs["group_username"] == "group-puller" == created["group"][0]["username"]
    [project_state] = stack.resources(PROJECT_TYPE)
    assert project_state["outputs"]["token"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    assert project_state["outputs"]["name"] == "project-deploy-token"
    gs.assert_no_secret_leaks()

    # --- a no-op preview makes no GitLab call -----------------------------------------------
    sandbox.reset_counters()
    stack.preview("--expect-no-changes")
    assert sandbox.calls() == {}

    # --- the rotation window reached: replaced, create before delete ----------------------------
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=24)
    clock = later.strftime("%Y-%m-%dT%H:%M:%SZ")
    sandbox.set_time(clock)
    try:
        time_env = {"GITLAB_TESTING_TIME": clock}
        preview = stack.preview("--diff", env=time_env)
        assert "+-" in preview.output and "expires_at" in preview.output, preview
        sandbox.reset_counters()
        stack.up(env=time_env)
        calls = sandbox.calls()
        for route in (PROJECT_CREATE, GROUP_CREATE, PROJECT_DELETE, GROUP_DELETE):
            assert calls.get(route) == 1, calls
        replaced = _deploy_tokens(gs)
        for kind in ("project", "group"):
            (token,) = replaced[kind]
            assert token["id"] != created[kind][0]["id"], "a new token replaces the old one, which is deleted"
            assert token["expires_at"].startswith((later.date() + dt.timedelta(days=30)).isoformat())
        outputs = _outputs(gs)
        assert outputs["project_token_id"] == replaced["project"][0]["id"]
        assert outputs["project_username"] == f"gitlab+deploy-token-{outputs['project_token_id']}"
        gs.assert_no_secret_leaks()

        # --- deleted outside Pulumi: refresh drops it, up creates it again ---------------------
        gone = replaced["project"][0]["id"]
        sandbox.api("DELETE", f"/projects/{gs.project['id']}/deploy_tokens/{gone}", expect=204)
        stack.refresh(env=time_env)
        assert stack.resources(PROJECT_TYPE) == []
        stack.up(env=time_env)
        recreated = _deploy_tokens(gs)
        assert len(recreated["project"]) == 1 and recreated["project"][0]["id"] != gone
        assert recreated["group"] == replaced["group"], "the group token was not touched"
        _outputs(gs)
        gs.assert_no_secret_leaks()

        # --- destroy deletes both -----------------------------------------------------------------
        sandbox.reset_counters()
        stack.destroy(env=time_env)
        calls = sandbox.calls()
        assert (calls.get(PROJECT_DELETE), calls.get(GROUP_DELETE)) == (1, 1), calls
        assert _deploy_tokens(gs) == {"project": [], "group": []}
        assert stack.resources(PROJECT_TYPE) == [] and stack.resources(GROUP_TYPE) == []
        gs.assert_no_secret_leaks()
    finally:
        sandbox.set_time(None)
