"""Project and group CI/CD variables through the real pulumi CLI, against the sandbox.

One program (tests/programs/variables) holds two project variables - one key,
two environment scopes - and a group variable, so each step exercises both kinds,
plus a token minted and handed on in the same run through a third project variable.
Every step counts the sandbox's API calls; after each, the values are searched
for in the state files, everything the CLI printed and the sandbox log.
"""

from __future__ import annotations

from support.pulumi_cli import engine_log_verbosities

from pulumi_gitlab_tokens.rules import ownership

PROJECT_TYPE = "pulumi-python:dynamic/gitlab:ProjectVariable"
GROUP_TYPE = "pulumi-python:dynamic/gitlab:GroupVariable"
SECRET_SIG = "4dabf18193072939515e22adb298388d"
FIRST = "s3cr3t-first-value-0001"
SECOND = "s3cr3t-second-value-0002"
OUTSIDE = "s3cr3t-set-outside-0003"
PROJECT = "/api/v4/projects/:id/variables"
GROUP = "/api/v4/groups/:id/variables"


def _api_calls(counters: dict[str, int]) -> dict[str, int]:
    """The calls to the variable routes (the program's token has its own test)."""
    return {k: v for k, v in counters.items() if "/variables" in k and v}


def _in_gitlab(gs, kind: str, scope: str = "*", key: str = "DEPLOY_TOKEN") -> dict | None:
    parent = gs.project["id"] if kind == "project" else gs.group["id"]
    status, _, body = gs.sandbox.request(
        "GET", f"/api/v4/{kind}s/{parent}/variables/{key}?filter[environment_scope]={scope}")
    return body if status == 200 else None


def test_variables_create_noop_update_drift_replace_destroy(gitlab_stack):
    gs = gitlab_stack("variables")
    sandbox, stack = gs.sandbox, gs.stack
    # Secret config (plain config is in the state as the dynamic provider's own inputs); the
    # program reads it as a plain string, so the resources must make the value a secret themselves.
    stack.config_set("value", FIRST, secret=True)
    gs.seen_secrets.update({FIRST, SECOND, OUTSIDE})

    # --- up: one POST per variable; the value is a secret in inputs and outputs --------------
    sandbox.reset_counters()
    stack.up()
    assert _api_calls(sandbox.counters()) == {f"POST {PROJECT}": 3, f"POST {GROUP}": 1}
    # The token minted in the same run is in its variable (unknown at preview, masked, accepted).
    minted = _in_gitlab(gs, "project", key="MINTED_TOKEN")
    assert minted["masked"] is True and minted["value"] == gs.reveal_outputs()["minted_token"]
    assert _in_gitlab(gs, "project")["value"] == FIRST
    staging = _in_gitlab(gs, "project", "staging")["description"]
    assert ownership.user_description(staging) == "the same key in another scope", "the mark follows the user's text"
    assert ownership.parse(staging)[1] is not None
    assert _in_gitlab(gs, "group")["value"] == FIRST
    for state in stack.resources(PROJECT_TYPE) + stack.resources(GROUP_TYPE):
        assert SECRET_SIG in state["inputs"]["value"] and SECRET_SIG in state["outputs"]["value"]
    assert gs.reveal_outputs()["project_value"] == FIRST
    gs.assert_no_secret_leaks()

    # --- a no-op preview makes no GitLab call ---------------------------------------------------
    sandbox.reset_counters()
    stack.preview("--expect-no-changes")
    assert sandbox.counters()["total"] == 0

    # --- a new value and protected: updated in place, one PUT each ----------------------------
    stack.config_set("value", SECOND, secret=True)
    stack.config_set("protected", "true")
    sandbox.reset_counters()
    # The engine's own logs too, at -v=8 (the most verbose level that dumps no property values).
    stack.up("--logtostderr", "-v=8")
    assert 8 in engine_log_verbosities(stack.everything_printed()), "-v=8 logs were not captured"
    assert _api_calls(sandbox.counters()) == {f"PUT {PROJECT}/:key": 2, f"PUT {GROUP}/:key": 1}
    assert (_in_gitlab(gs, "group")["value"], _in_gitlab(gs, "group")["protected"]) == (SECOND, True)
    assert _in_gitlab(gs, "project", "staging")["value"] == SECOND
    gs.assert_no_secret_leaks()

    # --- drift: changed and deleted outside Pulumi; refresh sees it, up undoes it --------------
    sandbox.request("PUT", f"/api/v4/groups/{gs.group['id']}/variables/DEPLOY_TOKEN",
                    {"value": OUTSIDE, "protected": False})
    sandbox.request("DELETE", f"/api/v4/projects/{gs.project['id']}/variables/DEPLOY_TOKEN"
                              "?filter[environment_scope]=*")
    sandbox.reset_counters()
    stack.refresh("--logtostderr", "-v=8")
    assert _api_calls(sandbox.counters()) == {f"GET {PROJECT}/:key": 3, f"GET {GROUP}/:key": 1}
    [group_state] = stack.resources(GROUP_TYPE)
    assert group_state["outputs"]["protected"] is False  # refresh does not rerun the program: the state shows it
    assert len(stack.resources(PROJECT_TYPE)) == 2  # the deleted one left the state
    sandbox.reset_counters()
    stack.up()
    assert _api_calls(sandbox.counters()) == {f"POST {PROJECT}": 1, f"PUT {GROUP}/:key": 1}
    assert (_in_gitlab(gs, "group")["value"], _in_gitlab(gs, "group")["protected"]) == (SECOND, True)
    assert _in_gitlab(gs, "project")["value"] == SECOND
    assert gs.reveal_outputs()["group_protected"] is True

    # --- hidden is fixed at creation: replaced, the old variable deleted first -----------------
    stack.config_set("hidden", "true")
    preview = stack.preview("--diff")
    assert "replace" in preview.output, preview
    sandbox.reset_counters()
    stack.up()
    assert _api_calls(sandbox.counters()) == {f"DELETE {PROJECT}/:key": 2, f"POST {PROJECT}": 2,
                                              f"DELETE {GROUP}/:key": 1, f"POST {GROUP}": 1}
    hidden = _in_gitlab(gs, "group")
    assert hidden["hidden"] is True and hidden["value"] is None
    gs.assert_no_secret_leaks()

    # --- destroy: one DELETE each --------------------------------------------------------------
    sandbox.reset_counters()
    stack.destroy()
    assert _api_calls(sandbox.counters()) == {f"DELETE {PROJECT}/:key": 3, f"DELETE {GROUP}/:key": 1}
    assert _in_gitlab(gs, "project") is None and _in_gitlab(gs, "group") is None
    assert _in_gitlab(gs, "project", "staging") is None
    gs.assert_no_secret_leaks()
