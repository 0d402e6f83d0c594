"""The tokens GitLab keeps no expiry for, recovered through the real pulumi CLI, against the sandbox.

One program holds a pipeline trigger, a cluster agent's token and a project runner. The
test kills ``up`` while all three creates are in flight and recovers on a fresh runner.
Their lifecycle (create, no-op, a description change that edits the trigger in place and
replaces the others, a deletion seen by refresh, destroy) is walked with every other kind's,
in test_lifecycle_of_every_kind.py.
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

pytestmark = pytest.mark.timeout(900)


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
