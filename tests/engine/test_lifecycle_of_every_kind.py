"""Every token kind's lifecycle through the real pulumi CLI, in one stack, against the sandbox.

One program (tests/programs/lifecycle) holds project and group access tokens,
project and group deploy tokens, personal access tokens for a user and for an
instance service account, an impersonation token for the user, and a group's and
a project's service account, each with its token; and the tokens GitLab keeps no
expiry for, a pipeline trigger, a cluster agent's token and a project runner. One
walk covers create, a no-op preview with no GitLab call, a scope and description
change that replaces the tokens whose scopes changed (never the accounts), edits the
trigger in place and replaces the agent token and the runner, the rotation window
(rotated in place, or, for the deploy and impersonation tokens GitLab cannot rotate,
replaced create before delete; nothing for the tokens without an expiry), a token of
each kind revoked or deleted outside Pulumi, seen by refresh and recreated, and
destroy (each account after its token). The program's CI/CD variables (a key in two
scopes of the project and in the group, and the project token handed on) take the same
walk: a new value and ``protected`` updated in place (with the engine's own logs at
``-v=8``), drift outside Pulumi seen by refresh and undone, ``hidden`` replacing them,
and destroy. Each step checks every kind's own calls and state; after each, the state
export, everything the CLI printed and the sandbox log are searched for every
token value seen so far and the admin credential.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from support.pulumi_cli import engine_log_verbosities
from test_personal_access_token_lifecycle import impersonation_tokens, personal_tokens
from test_service_account_lifecycle import live_tokens

from pulumi_gitlab_tokens.rules import ownership

ACCESS = {"project": "pulumi-python:dynamic/gitlab:ProjectAccessToken",
          "group": "pulumi-python:dynamic/gitlab:GroupAccessToken"}
DEPLOY = {"project": "pulumi-python:dynamic/gitlab:ProjectDeployToken",
          "group": "pulumi-python:dynamic/gitlab:GroupDeployToken"}
PERSONAL_TYPE = "pulumi-python:dynamic/gitlab:PersonalAccessToken"
IMPERSONATION_TYPE = "pulumi-python:dynamic/gitlab:UserImpersonationToken"
ACCOUNT_TYPE = "pulumi-python:dynamic/gitlab:GroupServiceAccount"
SA_TOKEN_TYPE = "pulumi-python:dynamic/gitlab:GroupServiceAccountAccessToken"
PROJECT_ACCOUNT_TYPE = "pulumi-python:dynamic/gitlab:ProjectServiceAccount"
PROJECT_SA_TOKEN_TYPE = "pulumi-python:dynamic/gitlab:ProjectServiceAccountAccessToken"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270"

DEPLOY_CREATE = {kind: f"POST /api/v4/{kind}s/:id/deploy_tokens" for kind in ("project", "group")}
DEPLOY_DELETE = {kind: f"DELETE /api/v4/{kind}s/:id/deploy_tokens/:token_id" for kind in ("project", "group")}
SA_TOKENS = "/api/v4/groups/:id/service_accounts/:user_id/personal_access_tokens"
SA_ACCOUNTS = "/api/v4/groups/:id/service_accounts"
PROJECT_SA_TOKENS = "/api/v4/projects/:id/service_accounts/:user_id/personal_access_tokens"
PROJECT_SA_ACCOUNTS = "/api/v4/projects/:id/service_accounts"
IMPERSONATION = "/api/v4/users/:user_id/impersonation_tokens"
TRIGGER_TYPE = "pulumi-python:dynamic/gitlab:PipelineTrigger"
AGENT_TOKEN_TYPE = "pulumi-python:dynamic/gitlab:ClusterAgentToken"
RUNNER_TYPE = "pulumi-python:dynamic/gitlab:ProjectRunner"
TRIGGERS = "/api/v4/projects/:id/triggers"
AGENT_TOKENS = "/api/v4/projects/:id/cluster_agents/:agent_id/tokens"
CREATE_RUNNER = "POST /api/v4/user/runners"
DELETE_RUNNER = "DELETE /api/v4/runners/:id"
PROJECT_VARIABLE_TYPE = "pulumi-python:dynamic/gitlab:ProjectVariable"
GROUP_VARIABLE_TYPE = "pulumi-python:dynamic/gitlab:GroupVariable"
PROJECT_VARIABLES = "/api/v4/projects/:id/variables"
GROUP_VARIABLES = "/api/v4/groups/:id/variables"
#: The variables' values: the first, the second, and one set outside Pulumi.
FIRST, SECOND, OUTSIDE = "s3cr3t-first-value-0001", "s3cr3t-second-value-0002", "s3cr3t-set-outside-0003"

pytestmark = pytest.mark.timeout(900)


def _by_kind(tokens: list[dict]) -> dict[str, dict]:
    """The one access token of each kind (project, group)."""
    result: dict[str, dict] = {}
    for token in tokens:
        assert token["resource_type"] not in result, f"two active {token['resource_type']} tokens: {tokens}"
        result[token["resource_type"]] = token
    return result


def _deploy_tokens(gs) -> dict[str, list[dict]]:
    """The deploy tokens GitLab holds for the test's project and group."""
    return {"project": gs.sandbox.api("GET", f"/projects/{gs.project['id']}/deploy_tokens"),
            "group": gs.sandbox.api("GET", f"/groups/{gs.group['id']}/deploy_tokens")}


def _accounts(gs, parent: str) -> list[dict]:
    """The service accounts of the test's group or project."""
    parent_id = gs.group["id"] if parent == "group" else gs.project["id"]
    return gs.sandbox.api("GET", f"/{parent}s/{parent_id}/service_accounts?per_page=100")


def _unexpiring(gs, agent_id: int) -> tuple[list[dict], list[dict], list[dict]]:
    """The project's pipeline triggers, the agent's tokens and the project's runners."""
    project = gs.project["id"]
    return (gs.sandbox.api("GET", f"/projects/{project}/triggers"),
            gs.sandbox.api("GET", f"/projects/{project}/cluster_agents/{agent_id}/tokens"),
            gs.sandbox.api("GET", f"/projects/{project}/runners?type=project_type"))


def _variable_calls(calls: dict[str, int]) -> dict[str, int]:
    """The calls to the variable routes."""
    return {route: count for route, count in calls.items() if "/variables" in route}


def _variable(gs, kind: str, scope: str = "*", key: str = "DEPLOY_TOKEN") -> dict | None:
    """The variable as GitLab holds it, or None."""
    parent = gs.project["id"] if kind == "project" else gs.group["id"]
    status, _, body = gs.sandbox.request(
        "GET", f"/api/v4/{kind}s/{parent}/variables/{key}?filter[environment_scope]={scope}")
    return body if status == 200 else None


def _outputs(gs) -> dict:
    """Stack outputs with secrets shown; every token value (deploy, trigger, agent and runner tokens' too)
    joins the leak checks."""
    outputs = gs.reveal_outputs()
    gs.seen_secrets.update(v for k, v in outputs.items() if isinstance(v, str) and (
        v.startswith("gldt-") or k in ("trigger_token", "agent_token", "runner_token")))
    return outputs


def test_every_kind_create_noop_replace_rotate_recreate_destroy(gitlab_stack, sandbox):
    slug = uuid.uuid4().hex[:8]
    user = sandbox.create_user(f"person-{slug}")
    account = sandbox.api("POST", "/service_accounts", {"name": "CI bot", "username": f"ci-bot-{slug}"})
    gs = gitlab_stack("lifecycle", userId=str(user["id"]), accountId=str(account["id"]), agentId="0",
                      expirationDays="30", rotateBeforeDays="7")
    # The agent is pulumi-gitlab's to manage (gitlab.ClusterAgent); the test registers it directly.
    agent = sandbox.api("POST", f"/projects/{gs.project['id']}/cluster_agents", {"name": f"agent-{slug}"})
    # The variables' value is secret config; the program reads it as a plain string.
    gs.stack.config_set_all({"agentId": str(agent["id"])}, {"value": FIRST})
    gs.seen_secrets.update({FIRST, SECOND, OUTSIDE})
    stack, users = gs.stack, {user["id"], account["id"]}

    # --- up: one POST per token, the service account before its token ----------------------
    sandbox.reset_counters()
    stack.up()
    calls = sandbox.calls()
    assert calls.get("POST /api/v4/projects/:id/access_tokens") == 1, calls
    assert calls.get("POST /api/v4/groups/:id/access_tokens") == 1, calls
    assert (calls.get(DEPLOY_CREATE["project"]), calls.get(DEPLOY_CREATE["group"])) == (1, 1), calls
    assert calls.get("POST /api/v4/users/:user_id/personal_access_tokens") == 2, calls
    for accounts, tokens in ((SA_ACCOUNTS, SA_TOKENS), (PROJECT_SA_ACCOUNTS, PROJECT_SA_TOKENS)):
        # One listing (a leftover to adopt?) before each POST.
        assert calls.get(f"GET {accounts}") == 1 and calls.get(f"POST {accounts}") == 1, calls
        assert calls.get(f"GET {tokens}") == 1 and calls.get(f"POST {tokens}") == 1, calls
    assert calls.get(f"POST {IMPERSONATION}") == 1, calls
    assert (calls.get(f"POST {TRIGGERS}"), calls.get(f"POST {AGENT_TOKENS}"), calls.get(CREATE_RUNNER)) == (1, 1, 1)
    assert _variable_calls(calls) == {f"POST {PROJECT_VARIABLES}": 3, f"POST {GROUP_VARIABLES}": 1}
    outputs = _outputs(gs)

    # Access tokens: the token is a secret in the state: the export shows ciphertext, never the value.
    created = _by_kind(gs.active_tokens())
    assert set(created) == {"project", "group"}
    assert outputs["project_token_id"] == created["project"]["id"]
    assert outputs["group_user_id"] == created["group"]["user_id"]
    assert outputs["project_token"].startswith("glpat-")
    [project_state] = stack.resources(ACCESS["project"])
    assert project_state["outputs"]["token"][SECRET_SIG] == SECRET_MARK
    assert project_state["outputs"]["expires_at"] == created["project"]["expires_at"]

    # Deploy tokens.
    deploy_created = _deploy_tokens(gs)
    assert [len(deploy_created["project"]), len(deploy_created["group"])] == [1, 1]
    assert outputs["deploy_project_token"].startswith("gldt-") and outputs["deploy_group_token"].startswith("gldt-")
    assert outputs["deploy_project_token_id"] == deploy_created["project"][0]["id"]
    assert outputs["deploy_project_username"] == f"gitlab+deploy-token-{outputs['deploy_project_token_id']}"
    assert outputs["deploy_group_username"] == "group-puller" == deploy_created["group"][0]["username"]
    [deploy_state] = stack.resources(DEPLOY["project"])
    assert deploy_state["outputs"]["token"][SECRET_SIG] == SECRET_MARK
    assert deploy_state["outputs"]["name"] == "project-deploy-token"

    # Personal tokens, each for its own user.
    personal_created = personal_tokens(sandbox, users)
    assert set(personal_created) == users
    assert (outputs["user_token_id"], outputs["user_user_id"]) == (personal_created[user["id"]]["id"], user["id"])
    assert outputs["account_token_id"] == personal_created[account["id"]]["id"]
    status, _, me = sandbox.request("GET", "/api/v4/user", token=outputs["account_token"])
    assert status == 200 and me["id"] == account["id"], "the token acts as the instance service account"
    personal_states = stack.resources(PERSONAL_TYPE)
    assert len(personal_states) == 2 and all(s["outputs"]["token"].get(SECRET_SIG) for s in personal_states)
    assert {s["id"] for s in personal_states} == {f"{u}:{personal_created[u]['id']}" for u in users}

    # The group service account's token.
    account_id = outputs["account_id"]
    assert outputs["sa_user_id"] == account_id, "the token belongs to the account the program declared"
    (sa_created,) = live_tokens(sandbox, account_id)
    assert outputs["sa_token_id"] == sa_created["id"] and outputs["sa_token"].startswith("glpat-")
    [sa_state] = stack.resources(SA_TOKEN_TYPE)
    assert sa_state["id"] == f"{gs.group['full_path']}:{account_id}:{sa_created['id']}"
    assert sa_state["outputs"]["token"][SECRET_SIG] == SECRET_MARK
    assert sa_state["outputs"]["description"] == "engine test", "the ownership mark stays out of the output"
    [account_state] = stack.resources(ACCOUNT_TYPE)
    assert account_state["id"] == f"{gs.group['full_path']}:{account_id}"

    # The project service account's token.
    project_account_id = outputs["project_account_id"]
    assert project_account_id != account_id
    assert outputs["project_sa_user_id"] == project_account_id, "the token belongs to the account declared"
    (project_sa_created,) = live_tokens(sandbox, project_account_id)
    assert outputs["project_sa_token_id"] == project_sa_created["id"]
    assert outputs["project_sa_token"].startswith("glpat-")
    [account_state] = stack.resources(PROJECT_ACCOUNT_TYPE)
    assert account_state["id"] == f"{gs.project['path_with_namespace']}:{project_account_id}"
    [sa_state] = stack.resources(PROJECT_SA_TOKEN_TYPE)
    assert sa_state["id"] == f"{gs.project['path_with_namespace']}:{project_account_id}:{project_sa_created['id']}"
    assert sa_state["outputs"]["token"][SECRET_SIG] == SECRET_MARK
    assert sa_state["outputs"]["description"] == "engine test", "the ownership mark stays out of the output"

    # The impersonation token: it acts as the user.
    (impersonation_created,) = impersonation_tokens(sandbox, user["id"])
    assert outputs["impersonation_token_id"] == impersonation_created["id"]
    status, _, me = sandbox.request("GET", "/api/v4/user", token=outputs["impersonation_token"])
    assert status == 200 and me["id"] == user["id"], "the impersonation token acts as the user"
    [impersonation_state] = stack.resources(IMPERSONATION_TYPE)
    assert impersonation_state["id"] == f"{user['id']}:{impersonation_created['id']}"
    assert impersonation_state["outputs"]["token"][SECRET_SIG] == SECRET_MARK

    # The tokens without an expiry, each marked in its description.
    assert outputs["trigger_token"].startswith("glptt-") and outputs["agent_token"].startswith("glagent-")
    assert outputs["runner_token"].startswith("glrt-t3_")
    (trigger,), (agent_token,), (runner,) = _unexpiring(gs, agent["id"])
    assert (outputs["trigger_token_id"], outputs["agent_token_id"]) == (trigger["id"], agent_token["id"])
    assert outputs["runner_id"] == runner["id"]
    assert trigger["description"].startswith("deploy hook [pgt2:"), "the ownership mark ends the description"
    assert runner["description"].startswith("deploy hook [pgt2:")
    project_path = gs.project["path_with_namespace"]
    [trigger_state] = stack.resources(TRIGGER_TYPE)
    [agent_state] = stack.resources(AGENT_TOKEN_TYPE)
    [runner_state] = stack.resources(RUNNER_TYPE)
    assert trigger_state["id"] == f"{project_path}:{trigger['id']}"
    assert agent_state["id"] == f"{project_path}:{agent['id']}:{agent_token['id']}"
    assert runner_state["id"] == f"{project_path}:{runner['id']}"
    for state in (trigger_state, agent_state, runner_state):
        assert SECRET_SIG in state["outputs"]["token"], "the token is a secret in the state"
        assert state["outputs"]["description"] == "deploy hook", "the mark stays out of the output"
    unexpiring_created = outputs

    # The variables: the value a secret in inputs and outputs, the project token handed on (unknown at
    # preview, masked), the mark after the user's own description.
    minted = _variable(gs, "project", key="MINTED_TOKEN")
    assert minted["masked"] is True and minted["value"] == outputs["project_token"]
    assert _variable(gs, "project")["value"] == FIRST and _variable(gs, "group")["value"] == FIRST
    staging = _variable(gs, "project", "staging")["description"]
    assert ownership.user_description(staging) == "the same key in another scope", "the mark follows the user's text"
    assert ownership.parse(staging)[1] is not None
    for state in stack.resources(PROJECT_VARIABLE_TYPE) + stack.resources(GROUP_VARIABLE_TYPE):
        assert SECRET_SIG in state["inputs"]["value"] and SECRET_SIG in state["outputs"]["value"]
    assert outputs["project_value"] == FIRST
    gs.assert_no_secret_leaks()

    # --- a no-op preview makes no GitLab call ------------------------------------------------
    sandbox.reset_counters()
    stack.preview("--expect-no-changes")
    assert sandbox.calls() == {}

    # --- a scope change replaces the tokens whose scopes changed, not the account ------------
    stack.config_set_all({"scopes": "read_api,read_repository", "personalScopes": "read_api,read_user",
                          "description": "release hook", "protected": "true"}, {"value": SECOND})
    preview = stack.preview("--diff")
    assert preview.output.count("+-") >= 2 or "replace" in preview.output, preview
    for name in ("project-token", "group-token", "user-token", "account-token", "ci-token", "deploy-token",
                 "impersonation-token", "deploy-hook", "agent-token", "runner"):
        assert f"::{name}]" in preview.output, f"{name} is not in the diff:\n{preview}"
    for name in ("project-deploy-token", "group-deploy-token", "ci-robot", "deploy-robot"):
        assert f"::{name}]" not in preview.output, f"{name} should be unchanged:\n{preview}"
    sandbox.reset_counters()
    # The engine's own logs too, at -v=8 (the most verbose level that dumps no property values).
    stack.up("--logtostderr", "-v=8")
    assert 8 in engine_log_verbosities(stack.everything_printed()), "-v=8 logs were not captured"
    # The trigger is edited in place (one PUT); the agent token and the runner are replaced.
    calls = sandbox.calls()
    # The variables updated in place, the replaced project token's value handed on.
    assert _variable_calls(calls) == {f"PUT {PROJECT_VARIABLES}/:key": 3, f"PUT {GROUP_VARIABLES}/:key": 1}, calls
    assert calls.get(f"PUT {TRIGGERS}/:trigger_id") == 1 and f"POST {TRIGGERS}" not in calls, calls
    assert calls.get(f"POST {AGENT_TOKENS}") == 1 and calls.get(f"DELETE {AGENT_TOKENS}/:token_id") == 1, calls
    assert (calls.get(CREATE_RUNNER), calls.get(DELETE_RUNNER)) == (1, 1), calls
    replaced = _by_kind(gs.active_tokens())
    for kind in ("project", "group"):
        assert replaced[kind]["id"] != created[kind]["id"]
        assert replaced[kind]["scopes"] == ["read_api", "read_repository"]
    old = {t["id"]: t for t in gs.tokens()}
    assert all(old[created[kind]["id"]]["revoked"] for kind in ("project", "group"))
    personal_replaced = personal_tokens(sandbox, users)
    for uid in users:
        assert personal_replaced[uid]["id"] != personal_created[uid]["id"]
        assert personal_replaced[uid]["scopes"] == ["read_api", "read_user"]
    (sa_replaced,) = live_tokens(sandbox, account_id)
    assert sa_replaced["id"] != sa_created["id"] and sa_replaced["scopes"] == ["read_api", "read_repository"]
    (project_sa_replaced,) = live_tokens(sandbox, project_account_id)
    assert project_sa_replaced["id"] != project_sa_created["id"]
    assert project_sa_replaced["scopes"] == ["read_api", "read_repository"]
    (impersonation_replaced,) = impersonation_tokens(sandbox, user["id"])
    assert impersonation_replaced["id"] != impersonation_created["id"]
    assert impersonation_replaced["scopes"] == ["read_api", "read_user"]
    outputs = _outputs(gs)
    assert (outputs["account_id"], outputs["project_account_id"]) == (account_id, project_account_id)
    assert (outputs["trigger_token_id"], outputs["trigger_token"]) == (unexpiring_created["trigger_token_id"],
                                                                        unexpiring_created["trigger_token"])
    (trigger,), (agent_token,), (runner,) = _unexpiring(gs, agent["id"])
    assert trigger["description"].startswith("release hook [pgt2:")
    assert agent_token["id"] == outputs["agent_token_id"] != unexpiring_created["agent_token_id"]
    assert runner["id"] == outputs["runner_id"] != unexpiring_created["runner_id"]
    assert runner["description"].startswith("release hook [pgt2:")
    assert (_variable(gs, "group")["value"], _variable(gs, "group")["protected"]) == (SECOND, True)
    assert _variable(gs, "project", "staging")["value"] == SECOND
    assert _variable(gs, "project", key="MINTED_TOKEN")["value"] == outputs["project_token"]
    assert _deploy_tokens(gs) == deploy_created, "the deploy tokens were not touched"
    gs.assert_no_secret_leaks()

    # --- the rotation window reached: rotated in place; deploy tokens replaced, create before delete
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=24)
    clock = later.strftime("%Y-%m-%dT%H:%M:%SZ")
    renewed_expiry = (later.date() + dt.timedelta(days=30)).isoformat()
    sandbox.set_time(clock)
    try:
        time_env = {"GITLAB_TESTING_TIME": clock}
        preview = stack.preview("--diff", env=time_env)
        assert "+-" in preview.output and "expires_at" in preview.output, preview
        for name in ("project-token", "group-token", "project-deploy-token", "group-deploy-token", "user-token",
                     "account-token", "ci-token", "deploy-token", "impersonation-token"):
            assert f"::{name}]" in preview.output, f"{name} is not renewed in the diff:\n{preview}"
        for name in ("deploy-hook", "agent-token", "runner"):
            assert f"::{name}]" not in preview.output, f"{name} has no expiry to renew:\n{preview}"
        sandbox.reset_counters()
        stack.up(env=time_env)
        calls = sandbox.calls()
        for route in (*DEPLOY_CREATE.values(), *DEPLOY_DELETE.values()):
            assert calls.get(route) == 1, calls
        assert calls.get("POST /api/v4/personal_access_tokens/:id/rotate") == 2, calls
        for accounts, tokens in ((SA_ACCOUNTS, SA_TOKENS), (PROJECT_SA_ACCOUNTS, PROJECT_SA_TOKENS)):
            assert calls.get(f"POST {tokens}/:token_id/rotate") == 1, calls
            assert f"POST {tokens}" not in calls and f"POST {accounts}" not in calls, calls
        # GitLab cannot rotate an impersonation token: a new one, then the old one revoked.
        assert calls.get(f"POST {IMPERSONATION}") == 1, calls
        assert calls.get(f"DELETE {IMPERSONATION}/:impersonation_token_id") == 1, calls
        assert not [call for call in calls if TRIGGERS in call or AGENT_TOKENS in call or "runners" in call], calls
        # Only the variable that holds the rotated project token changes.
        assert _variable_calls(calls) == {f"PUT {PROJECT_VARIABLES}/:key": 1}, calls
        outputs = _outputs(gs)

        rotated = _by_kind(gs.active_tokens())
        states = {t["id"]: t for t in gs.tokens()}
        for kind in ("project", "group"):
            assert rotated[kind]["user_id"] == replaced[kind]["user_id"], "rotation must keep the bot user"
            assert rotated[kind]["id"] != replaced[kind]["id"], "rotation gives a new token id"
            assert states[replaced[kind]["id"]]["revoked"], "rotation revokes the old token"
            assert rotated[kind]["expires_at"] == renewed_expiry
        assert outputs["project_token_id"] == rotated["project"]["id"]

        deploy_replaced = _deploy_tokens(gs)
        for kind in ("project", "group"):
            (token,) = deploy_replaced[kind]
            assert token["id"] != deploy_created[kind][0]["id"], "a new token replaces the old one, which is deleted"
            assert token["expires_at"].startswith(renewed_expiry)
        assert outputs["deploy_project_token_id"] == deploy_replaced["project"][0]["id"]
        assert outputs["deploy_project_username"] == f"gitlab+deploy-token-{outputs['deploy_project_token_id']}"

        personal_rotated = personal_tokens(sandbox, users)
        for uid in users:
            assert personal_rotated[uid]["id"] != personal_replaced[uid]["id"]
            assert personal_rotated[uid]["expires_at"] == renewed_expiry

        (sa_rotated,) = live_tokens(sandbox, account_id)
        assert sa_rotated["id"] != sa_replaced["id"]
        assert sa_rotated["expires_at"] == renewed_expiry
        assert outputs["sa_token_id"] == sa_rotated["id"]
        (project_sa_rotated,) = live_tokens(sandbox, project_account_id)
        assert project_sa_rotated["id"] != project_sa_replaced["id"]
        assert project_sa_rotated["expires_at"] == renewed_expiry
        assert outputs["project_sa_token_id"] == project_sa_rotated["id"]
        (impersonation_rotated,) = impersonation_tokens(sandbox, user["id"])
        assert impersonation_rotated["id"] != impersonation_replaced["id"]
        assert impersonation_rotated["expires_at"] == renewed_expiry
        gs.assert_no_secret_leaks()

        # --- one of each kind revoked or deleted outside Pulumi: refresh shows it, up recreates it
        project_token = rotated["project"]
        sandbox.api("DELETE", f"/projects/{gs.project['id']}/access_tokens/{project_token['id']}")
        deploy_gone = deploy_replaced["project"][0]["id"]
        sandbox.api("DELETE", f"/projects/{gs.project['id']}/deploy_tokens/{deploy_gone}", expect=204)
        sandbox.api("DELETE", f"/personal_access_tokens/{personal_rotated[user['id']]['id']}")
        sandbox.api("DELETE", f"/groups/{gs.group['id']}/service_accounts/{account_id}/personal_access_tokens/"
                              f"{sa_rotated['id']}")
        sandbox.api("DELETE", f"/projects/{gs.project['id']}/service_accounts/{project_account_id}/"
                              f"personal_access_tokens/{project_sa_rotated['id']}")
        sandbox.api("DELETE", f"/users/{user['id']}/impersonation_tokens/{impersonation_rotated['id']}")
        sandbox.api("DELETE", f"/projects/{gs.project['id']}/triggers/{trigger['id']}", expect=204)
        sandbox.api("DELETE", f"/projects/{gs.project['id']}/cluster_agents/{agent['id']}/tokens/{agent_token['id']}",
                    expect=204)
        sandbox.api("DELETE", f"/runners/{runner['id']}", expect=204)
        # Variables drift: one changed, one deleted outside Pulumi.
        sandbox.request("PUT", f"/api/v4/groups/{gs.group['id']}/variables/DEPLOY_TOKEN",
                        {"value": OUTSIDE, "protected": False})
        sandbox.request("DELETE", f"/api/v4/projects/{gs.project['id']}/variables/DEPLOY_TOKEN"
                                  "?filter[environment_scope]=*")
        sandbox.reset_counters()
        stack.refresh("--logtostderr", "-v=8", env=time_env)
        assert _variable_calls(sandbox.calls()) == {f"GET {PROJECT_VARIABLES}/:key": 3,
                                                    f"GET {GROUP_VARIABLES}/:key": 1}
        [group_state] = stack.resources(GROUP_VARIABLE_TYPE)
        assert group_state["outputs"]["protected"] is False  # refresh does not rerun the program: the state shows it
        assert len(stack.resources(PROJECT_VARIABLE_TYPE)) == 2, "the deleted variable left the state"
        assert stack.resources(TRIGGER_TYPE) == [] and stack.resources(AGENT_TOKEN_TYPE) == []
        assert stack.resources(RUNNER_TYPE) == [], "refresh drops what GitLab deleted"
        [project_state] = stack.resources(ACCESS["project"])
        assert project_state["outputs"]["revoked"] is True
        assert project_state["outputs"]["active"] is False
        assert stack.resources(DEPLOY["project"]) == [], "refresh drops a deleted deploy token"
        revoked = [s for s in stack.resources(PERSONAL_TYPE) if s["outputs"]["user_id"] == user["id"]]
        assert revoked[0]["outputs"]["revoked"] is True
        [sa_state] = stack.resources(SA_TOKEN_TYPE)
        assert sa_state["outputs"]["revoked"] is True and sa_state["outputs"]["active"] is False
        [sa_state] = stack.resources(PROJECT_SA_TOKEN_TYPE)
        assert sa_state["outputs"]["revoked"] is True and sa_state["outputs"]["active"] is False
        assert stack.resources(IMPERSONATION_TYPE)[0]["outputs"]["revoked"] is True

        sandbox.reset_counters()
        stack.up(env=time_env)
        calls = sandbox.calls()
        for accounts, tokens in ((SA_ACCOUNTS, SA_TOKENS), (PROJECT_SA_ACCOUNTS, PROJECT_SA_TOKENS)):
            assert calls.get(f"POST {tokens}") == 1 and f"POST {accounts}" not in calls, calls
        assert (calls.get(f"POST {TRIGGERS}"), calls.get(f"POST {AGENT_TOKENS}"), calls.get(CREATE_RUNNER)) == (1, 1, 1)
        # The deleted variable made again, the changed one set back, the recreated project token handed on.
        assert _variable_calls(calls) == {f"POST {PROJECT_VARIABLES}": 1, f"PUT {GROUP_VARIABLES}/:key": 1,
                                          f"PUT {PROJECT_VARIABLES}/:key": 1}, calls
        assert (_variable(gs, "group")["value"], _variable(gs, "group")["protected"]) == (SECOND, True)
        assert _variable(gs, "project")["value"] == SECOND
        recreated = _by_kind(gs.active_tokens())
        assert recreated["project"]["id"] != project_token["id"]
        assert recreated["group"]["id"] == rotated["group"]["id"], "the group token was not touched"
        deploy_recreated = _deploy_tokens(gs)
        assert len(deploy_recreated["project"]) == 1 and deploy_recreated["project"][0]["id"] != deploy_gone
        assert deploy_recreated["group"] == deploy_replaced["group"], "the group deploy token was not touched"
        personal_recreated = personal_tokens(sandbox, users)
        assert personal_recreated[user["id"]]["id"] != personal_rotated[user["id"]]["id"]
        assert personal_recreated[account["id"]]["id"] == personal_rotated[account["id"]]["id"], \
            "the other token was not touched"
        (sa_recreated,) = live_tokens(sandbox, account_id)
        assert sa_recreated["id"] != sa_rotated["id"]
        (project_sa_recreated,) = live_tokens(sandbox, project_account_id)
        assert project_sa_recreated["id"] != project_sa_rotated["id"]
        assert impersonation_tokens(sandbox, user["id"])[0]["id"] != impersonation_rotated["id"]
        outputs = _outputs(gs)
        assert outputs["sa_token_id"] == sa_recreated["id"]
        assert outputs["project_sa_token_id"] == project_sa_recreated["id"]
        assert outputs["trigger_token_id"] != trigger["id"] and outputs["agent_token_id"] != agent_token["id"]
        assert outputs["runner_id"] != runner["id"]
        assert outputs["group_protected"] is True
        gs.assert_no_secret_leaks()

        # --- a variable's hidden is fixed at creation: the variables replaced, each deleted first --------
        stack.config_set_all({"hidden": "true"})
        preview = stack.preview("--diff", env=time_env)
        assert "replace" in preview.output, preview
        sandbox.reset_counters()
        stack.up(env=time_env)
        assert _variable_calls(sandbox.calls()) == {f"DELETE {PROJECT_VARIABLES}/:key": 2,
                                                    f"POST {PROJECT_VARIABLES}": 2,
                                                    f"DELETE {GROUP_VARIABLES}/:key": 1, f"POST {GROUP_VARIABLES}": 1}
        hidden = _variable(gs, "group")
        assert hidden["hidden"] is True and hidden["value"] is None
        gs.assert_no_secret_leaks()

        # --- destroy revokes or deletes every token, then the account ---------------------------
        sandbox.reset_counters()
        stack.destroy(env=time_env)
        calls = sandbox.calls()
        assert calls.get("DELETE /api/v4/projects/:id/access_tokens/:token_id") == 1, calls
        assert calls.get("DELETE /api/v4/groups/:id/access_tokens/:token_id") == 1, calls
        assert (calls.get(DEPLOY_DELETE["project"]), calls.get(DEPLOY_DELETE["group"])) == (1, 1), calls
        assert calls.get("DELETE /api/v4/personal_access_tokens/:id") == 2, calls
        for accounts, tokens in ((SA_ACCOUNTS, SA_TOKENS), (PROJECT_SA_ACCOUNTS, PROJECT_SA_TOKENS)):
            assert calls.get(f"DELETE {tokens}/:token_id") == 1, calls
            assert calls.get(f"DELETE {accounts}/:user_id") == 1, calls
        assert calls.get(f"DELETE {IMPERSONATION}/:impersonation_token_id") == 1, calls
        assert (calls.get(f"DELETE {TRIGGERS}/:trigger_id"), calls.get(f"DELETE {AGENT_TOKENS}/:token_id"),
                calls.get(DELETE_RUNNER)) == (1, 1, 1), calls
        assert _variable_calls(calls) == {f"DELETE {PROJECT_VARIABLES}/:key": 3, f"DELETE {GROUP_VARIABLES}/:key": 1}
        assert _variable(gs, "project") is None and _variable(gs, "group") is None
        assert _variable(gs, "project", "staging") is None and _variable(gs, "project", key="MINTED_TOKEN") is None
        assert _unexpiring(gs, agent["id"]) == ([], [], [])
        assert gs.active_tokens() == []
        assert _deploy_tokens(gs) == {"project": [], "group": []}
        assert personal_tokens(sandbox, users) == {}
        assert live_tokens(sandbox, account_id) == [] and live_tokens(sandbox, project_account_id) == []
        assert impersonation_tokens(sandbox, user["id"]) == []
        assert _accounts(gs, "group") == [] and _accounts(gs, "project") == []
        for type_ in (*ACCESS.values(), *DEPLOY.values(), PERSONAL_TYPE, IMPERSONATION_TYPE, SA_TOKEN_TYPE,
                      ACCOUNT_TYPE, PROJECT_SA_TOKEN_TYPE, PROJECT_ACCOUNT_TYPE, TRIGGER_TYPE, AGENT_TOKEN_TYPE,
                      RUNNER_TYPE, PROJECT_VARIABLE_TYPE, GROUP_VARIABLE_TYPE):
            assert stack.resources(type_) == [], type_
        gs.assert_no_secret_leaks()
    finally:
        sandbox.set_time(None)
