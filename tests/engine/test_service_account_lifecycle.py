"""A group service account and its token through the real pulumi CLI, against the sandbox.

One program declares the account and a token whose ``user_id`` is the account's
output. The steps: create, a no-op preview with no GitLab call, a scope change that
replaces the token alone, rotation in the window, a revoke outside Pulumi seen by
refresh and recreated, destroy; secret hygiene of state and output after each.
"""

from __future__ import annotations

import datetime as dt

ACCOUNT_TYPE = "pulumi-python:dynamic/gitlab:GroupServiceAccount"
TOKEN_TYPE = "pulumi-python:dynamic/gitlab:GroupServiceAccountAccessToken"
TOKENS = "/api/v4/groups/:id/service_accounts/:user_id/personal_access_tokens"
ACCOUNTS = "/api/v4/groups/:id/service_accounts"


def _api_calls(counters: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counters.items() if k != "total" and v}


def _live_tokens(sandbox, user_id: int) -> list[dict]:
    every = sandbox.control("GET", "tokens?include_personal=true")
    return [t for t in every if t["user_id"] == user_id and t["active"]]


def test_service_account_and_token_lifecycle(gitlab_stack):
    gs = gitlab_stack("service_account", expirationDays="30", rotateBeforeDays="7")
    sandbox, stack = gs.sandbox, gs.stack

    # --- up: the account, then its token (one listing, one POST) --------------------------
    sandbox.reset_counters()
    stack.up()
    calls = _api_calls(sandbox.counters())
    assert calls.get(f"POST {ACCOUNTS}") == 1 and calls.get(f"POST {TOKENS}") == 1, calls
    outputs = gs.reveal_outputs()
    account_id = outputs["account_id"]
    assert outputs["sa_user_id"] == account_id, "the token belongs to the account the program declared"
    (created,) = _live_tokens(sandbox, account_id)
    assert outputs["sa_token_id"] == created["id"] and outputs["sa_token"].startswith("glpat-")
    [token_state] = stack.resources(TOKEN_TYPE)
    assert token_state["id"] == f"{gs.group['full_path']}:{account_id}:{created['id']}"
    assert token_state["outputs"]["token"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    assert token_state["outputs"]["description"] == "engine test", "the ownership mark stays out of the output"
    gs.assert_no_secret_leaks()

    # --- a no-op preview makes no GitLab call ----------------------------------------------
    sandbox.reset_counters()
    stack.preview("--expect-no-changes")
    assert _api_calls(sandbox.counters()) == {}

    # --- a scope change replaces the token, not the account --------------------------------
    stack.config_set("scopes", "read_api,read_repository")
    stack.up()
    (replaced,) = _live_tokens(sandbox, account_id)
    assert replaced["id"] != created["id"] and replaced["scopes"] == ["read_api", "read_repository"]
    assert gs.reveal_outputs()["account_id"] == account_id
    gs.assert_no_secret_leaks()

    # --- the rotation window reached: rotated in place -------------------------------------
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=24)
    clock = later.strftime("%Y-%m-%dT%H:%M:%SZ")
    sandbox.set_time(clock)
    try:
        time_env = {"GITLAB_TESTING_TIME": clock}
        sandbox.reset_counters()
        stack.up(env=time_env)
        calls = _api_calls(sandbox.counters())
        assert calls.get(f"POST {TOKENS}/:token_id/rotate") == 1 and f"POST {TOKENS}" not in calls, calls
        (rotated,) = _live_tokens(sandbox, account_id)
        assert rotated["id"] != replaced["id"]
        assert rotated["expires_at"] == (later.date() + dt.timedelta(days=30)).isoformat()
        assert gs.reveal_outputs()["sa_token_id"] == rotated["id"]
        gs.assert_no_secret_leaks()

        # --- revoked outside Pulumi: refresh shows it, up recreates it ----------------------
        sandbox.api("DELETE", f"/groups/{gs.group['id']}/service_accounts/{account_id}/personal_access_tokens/"
                              f"{rotated['id']}")
        stack.refresh(env=time_env)
        [token_state] = stack.resources(TOKEN_TYPE)
        assert token_state["outputs"]["revoked"] is True and token_state["outputs"]["active"] is False
        stack.up(env=time_env)
        (recreated,) = _live_tokens(sandbox, account_id)
        assert recreated["id"] != rotated["id"]
        gs.assert_no_secret_leaks()

        # --- destroy: the token is revoked, then the account deleted --------------------------
        sandbox.reset_counters()
        stack.destroy(env=time_env)
        calls = _api_calls(sandbox.counters())
        assert calls.get(f"DELETE {TOKENS}/:token_id") == 1 and calls.get(f"DELETE {ACCOUNTS}/:user_id") == 1, calls
        assert stack.resources(TOKEN_TYPE) == [] and stack.resources(ACCOUNT_TYPE) == []
        assert _live_tokens(sandbox, account_id) == []
        gs.assert_no_secret_leaks()
    finally:
        sandbox.set_time(None)
