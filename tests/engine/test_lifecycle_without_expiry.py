"""The tokens GitLab keeps no expiry for, through the real pulumi CLI, against the sandbox.

One program holds a pipeline trigger (no name, no scopes; its description edited in place),
a cluster agent's token (named; any change replaces it) and a project runner (its glrt- token;
any change replaces the runner). One walk covers create, a no-op preview with no GitLab call,
a description change (one PUT for the trigger, a replacement for the others), all deleted
outside Pulumi, seen by refresh and
recreated, and destroy; after each step the state files, everything the CLI printed and
the sandbox log are searched for every token value seen so far and the admin credential. A
second test kills ``up`` while all three creates are in flight and recovers on a fresh runner.
"""

from __future__ import annotations

import uuid

import pytest
from test_ownership_of_variables_and_accounts import kill_once_posted, recover

from pulumi_gitlab_tokens.rules import ownership

TRIGGER_TYPE = "pulumi-python:dynamic/gitlab:PipelineTrigger"
AGENT_TOKEN_TYPE = "pulumi-python:dynamic/gitlab:ClusterAgentToken"
TRIGGERS = "/api/v4/projects/:id/triggers"
AGENT_TOKENS = "/api/v4/projects/:id/cluster_agents/:agent_id/tokens"
RUNNER_TYPE = "pulumi-python:dynamic/gitlab:ProjectRunner"
CREATE_RUNNER = "POST /api/v4/user/runners"
DELETE_RUNNER = "DELETE /api/v4/runners/:id"
SECRET_SIG = "4dabf18193072939515e22adb298388d"

pytestmark = pytest.mark.timeout(900)


def test_trigger_agent_token_and_runner_create_noop_edit_recreate_destroy(gitlab_stack, sandbox):
    slug = uuid.uuid4().hex[:8]
    gs_holder: dict = {}

    def triggers() -> list[dict]:
        return sandbox.api("GET", f"/projects/{gs_holder['project']}/triggers")

    def agent_tokens(agent_id: int) -> list[dict]:
        return sandbox.api("GET", f"/projects/{gs_holder['project']}/cluster_agents/{agent_id}/tokens")

    def runners() -> list[dict]:
        return sandbox.api("GET", f"/projects/{gs_holder['project']}/runners?type=project_type")

    def outputs(gs) -> dict:
        revealed = gs.stack.outputs(show_secrets=True)
        gs.seen_secrets.update(revealed[k] for k in ("trigger_token", "agent_token", "runner_token"))
        return revealed

    # The agent is pulumi-gitlab's to manage (gitlab.ClusterAgent); the test registers it directly.
    gs = gitlab_stack("unexpiring", agentId="0")
    gs_holder["project"] = gs.project["id"]
    agent = sandbox.api("POST", f"/projects/{gs.project['id']}/cluster_agents", {"name": f"agent-{slug}"})
    stack = gs.stack
    stack.config_set_all({"agentId": str(agent["id"])})

    # --- up: one POST each ------------------------------------------------------------------
    sandbox.reset_counters()
    stack.up()
    calls = sandbox.calls()
    assert (calls.get(f"POST {TRIGGERS}"), calls.get(f"POST {AGENT_TOKENS}"), calls.get(CREATE_RUNNER)) == (1, 1, 1)
    created = outputs(gs)
    assert created["trigger_token"].startswith("glptt-") and created["agent_token"].startswith("glagent-")
    assert created["runner_token"].startswith("glrt-t3_")
    (runner,) = runners()
    assert runner["id"] == created["runner_id"] and runner["description"].startswith("deploy hook [pgt2:")
    (trigger,) = triggers()
    (agent_token,) = agent_tokens(agent["id"])
    assert (created["trigger_token_id"], created["agent_token_id"]) == (trigger["id"], agent_token["id"])
    assert trigger["description"].startswith("deploy hook [pgt2:"), "the ownership mark ends the description"
    [trigger_state] = stack.resources(TRIGGER_TYPE)
    [agent_state] = stack.resources(AGENT_TOKEN_TYPE)
    assert trigger_state["id"] == f"{gs.project['path_with_namespace']}:{trigger['id']}"
    assert agent_state["id"] == f"{gs.project['path_with_namespace']}:{agent['id']}:{agent_token['id']}"
    [runner_state] = stack.resources(RUNNER_TYPE)
    assert runner_state["id"] == f"{gs.project['path_with_namespace']}:{runner['id']}"
    for state in (trigger_state, agent_state, runner_state):
        assert SECRET_SIG in state["outputs"]["token"], "the token is a secret in the state"
        assert state["outputs"]["description"] == "deploy hook", "the mark stays out of the output"
    gs.assert_no_secret_leaks()

    # --- a no-op preview makes no GitLab call -----------------------------------------------------
    sandbox.reset_counters()
    stack.preview("--expect-no-changes")
    assert sandbox.calls() == {}

    # --- a new description: the trigger is edited in place (one PUT), the agent token replaced ----
    stack.config_set_all({"description": "release hook"})
    preview = stack.preview("--diff")
    assert all(f"::{name}]" in preview.output for name in ("deploy-hook", "agent-token", "runner")), preview
    sandbox.reset_counters()
    stack.up()
    calls = sandbox.calls()
    assert calls.get(f"PUT {TRIGGERS}/:trigger_id") == 1 and f"POST {TRIGGERS}" not in calls, calls
    assert calls.get(f"POST {AGENT_TOKENS}") == 1 and calls.get(f"DELETE {AGENT_TOKENS}/:token_id") == 1, calls
    assert (calls.get(CREATE_RUNNER), calls.get(DELETE_RUNNER)) == (1, 1), calls
    edited = outputs(gs)
    assert (edited["trigger_token_id"], edited["trigger_token"]) == (created["trigger_token_id"],
                                                                      created["trigger_token"])
    (trigger,) = triggers()
    assert trigger["description"].startswith("release hook [pgt2:")
    (agent_token,) = agent_tokens(agent["id"])
    assert agent_token["id"] == edited["agent_token_id"] != created["agent_token_id"]
    (runner,) = runners()
    assert runner["id"] == edited["runner_id"] != created["runner_id"]
    assert runner["description"].startswith("release hook [pgt2:")
    gs.assert_no_secret_leaks()

    # --- both deleted outside Pulumi: refresh drops them, up creates them again ---------------
    sandbox.api("DELETE", f"/projects/{gs.project['id']}/triggers/{trigger['id']}", expect=204)
    sandbox.api("DELETE", f"/projects/{gs.project['id']}/cluster_agents/{agent['id']}/tokens/{agent_token['id']}",
                expect=204)
    sandbox.api("DELETE", f"/runners/{runner['id']}", expect=204)
    stack.refresh()
    assert stack.resources(TRIGGER_TYPE) == [] and stack.resources(AGENT_TOKEN_TYPE) == []
    assert stack.resources(RUNNER_TYPE) == []
    sandbox.reset_counters()
    stack.up()
    calls = sandbox.calls()
    assert (calls.get(f"POST {TRIGGERS}"), calls.get(f"POST {AGENT_TOKENS}"), calls.get(CREATE_RUNNER)) == (1, 1, 1)
    recreated = outputs(gs)
    assert recreated["trigger_token_id"] != trigger["id"] and recreated["agent_token_id"] != agent_token["id"]
    assert recreated["runner_id"] != runner["id"]
    gs.assert_no_secret_leaks()

    # --- destroy: one DELETE each ---------------------------------------------------------------
    sandbox.reset_counters()
    stack.destroy()
    calls = sandbox.calls()
    assert (calls.get(f"DELETE {TRIGGERS}/:trigger_id"), calls.get(f"DELETE {AGENT_TOKENS}/:token_id"),
            calls.get(DELETE_RUNNER)) == (1, 1, 1), calls
    assert triggers() == [] and agent_tokens(agent["id"]) == [] and runners() == []
    assert stack.resources(TRIGGER_TYPE) == [] and stack.resources(AGENT_TOKEN_TYPE) == []
    gs.assert_no_secret_leaks()


def test_creates_killed_in_flight_are_recovered_on_a_fresh_runner(gitlab_stack, sandbox):
    """``up`` SIGKILLed while the trigger's, the agent token's and the runner's POSTs are in flight. The next
    runner revokes the trigger and agent token that landed (no way to get their values: GitLab has no rotate
    route) and creates them again; the runner that landed is taken over by resetting its token, not duplicated."""
    gs = gitlab_stack("unexpiring", agentId="0")
    project = gs.project["id"]
    agent = sandbox.api("POST", f"/projects/{project}/cluster_agents", {"name": f"agent-{uuid.uuid4().hex[:8]}"})
    gs.stack.config_set_all({"agentId": str(agent["id"])})
    kill_once_posted(gs, [TRIGGERS, AGENT_TOKENS, "/api/v4/user/runners"])
    for resource_type in (TRIGGER_TYPE, AGENT_TOKEN_TYPE, RUNNER_TYPE):
        assert gs.stack.resources(resource_type) == [], f"{resource_type} is recorded: the test proved nothing"
    (left_trigger,) = sandbox.api("GET", f"/projects/{project}/triggers")
    (left_agent_token,) = sandbox.api("GET", f"/projects/{project}/cluster_agents/{agent['id']}/tokens")
    (left_runner,) = sandbox.api("GET", f"/projects/{project}/runners?type=project_type")

    runner = recover(gs, "unexpiring")
    calls = runner.sandbox.calls()
    assert calls.get(f"DELETE {TRIGGERS}/:trigger_id") == 1 and calls.get(f"POST {TRIGGERS}") == 1, calls
    assert calls.get(f"DELETE {AGENT_TOKENS}/:token_id") == 1 and calls.get(f"POST {AGENT_TOKENS}") == 1, calls
    assert CREATE_RUNNER not in calls and calls.get("POST /api/v4/runners/:id/reset_authentication_token") == 1, calls
    outputs = runner.reveal_outputs()
    runner.seen_secrets.update(outputs[k] for k in ("trigger_token", "agent_token", "runner_token"))
    (trigger,) = sandbox.api("GET", f"/projects/{project}/triggers")
    (agent_token,) = sandbox.api("GET", f"/projects/{project}/cluster_agents/{agent['id']}/tokens")
    (kept_runner,) = sandbox.api("GET", f"/projects/{project}/runners?type=project_type")
    assert trigger["id"] != left_trigger["id"] and outputs["trigger_token_id"] == trigger["id"]
    assert agent_token["id"] != left_agent_token["id"] and outputs["agent_token_id"] == agent_token["id"]
    assert kept_runner["id"] == left_runner["id"] == outputs["runner_id"], "the runner that landed is the stack's"
    assert ownership.parse(kept_runner["description"])[1] is not None
    runner.sandbox.reset_counters()
    runner.stack.preview("--expect-no-changes")
    assert runner.sandbox.calls() == {}
    runner.assert_no_secret_leaks()
