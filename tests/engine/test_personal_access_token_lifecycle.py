"""Tokens of users through the real pulumi CLI, against the sandbox: PersonalAccessToken and
UserImpersonationToken.

One program holds a personal token for a user and one for an instance service account
(``POST /service_accounts``), and an impersonation token for the user, all made with the
administrator's credential. One walk covers create, a no-op preview with no API call, a
replacement, the rotation window (personal tokens rotate in place, the impersonation token,
which GitLab cannot rotate, is replaced), a revoke outside Pulumi with refresh and
recreate, and destroy; after each step the state files and everything printed are
searched for every token value seen so far and the admin credential. A second test kills ``up``
while the tokens' creates are in flight and recovers on a fresh runner.
"""

from __future__ import annotations

import datetime as dt
import uuid

from test_ownership_of_variables_and_accounts import kill_once_posted, recover

TYPE = "pulumi-python:dynamic/gitlab:PersonalAccessToken"
IMPERSONATION_TYPE = "pulumi-python:dynamic/gitlab:UserImpersonationToken"
IMPERSONATION_ROUTE = "/api/v4/users/:user_id/impersonation_tokens"
PERSONAL_ROUTE = "/api/v4/users/:user_id/personal_access_tokens"


def _api_calls(counters: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counters.items() if k != "total" and v}


def _impersonation(sandbox, user_id: int) -> list[dict]:
    """The user's active impersonation tokens, as an administrator lists them."""
    return sandbox.api("GET", f"/users/{user_id}/impersonation_tokens?state=active")


def _live(sandbox, user_ids: set[int]) -> dict[int, dict]:
    """The one active personal token of each user (metadata only; impersonation tokens left out)."""
    impersonating = {t["id"] for uid in user_ids for t in _impersonation(sandbox, uid)}
    found: dict[int, dict] = {}
    for token in sandbox.control("GET", "tokens?include_personal=true"):
        if token["user_id"] in user_ids and token["active"] and token["id"] not in impersonating:
            assert token["user_id"] not in found, f"two active tokens for user {token['user_id']}"
            found[token["user_id"]] = token
    return found


def test_tokens_of_a_user_and_an_instance_service_account(gitlab_stack, sandbox):
    slug = uuid.uuid4().hex[:8]
    user = sandbox.create_user(f"person-{slug}")
    account = sandbox.api("POST", "/service_accounts", {"name": "CI bot", "username": f"ci-bot-{slug}"})
    gs = gitlab_stack("personal_tokens", userId=str(user["id"]), accountId=str(account["id"]),
                      expirationDays="30", rotateBeforeDays="7")
    stack, users = gs.stack, {user["id"], account["id"]}

    def live(user_ids: set[int]) -> dict[int, dict]:
        return _live(sandbox, user_ids)

    def impersonation() -> dict:
        (token,) = _impersonation(sandbox, user["id"])
        return token

    # --- up: one POST per token, each for its own user ---------------------------------------
    sandbox.reset_counters()
    stack.up()
    calls = _api_calls(sandbox.counters())
    assert calls.get("POST /api/v4/users/:user_id/personal_access_tokens") == 2, calls
    assert calls.get(f"POST {IMPERSONATION_ROUTE}") == 1, calls
    created = live(users)
    assert set(created) == users
    outputs = gs.reveal_outputs()
    assert (outputs["user_token_id"], outputs["user_user_id"]) == (created[user["id"]]["id"], user["id"])
    assert outputs["account_token_id"] == created[account["id"]]["id"]
    status, _, me = sandbox.request("GET", "/api/v4/user", token=outputs["account_token"])
    assert status == 200 and me["id"] == account["id"], "the token acts as the instance service account"
    first_impersonation = impersonation()
    assert outputs["impersonation_token_id"] == first_impersonation["id"]
    status, _, me = sandbox.request("GET", "/api/v4/user", token=outputs["impersonation_token"])
    assert status == 200 and me["id"] == user["id"], "the impersonation token acts as the user"
    states = stack.resources(TYPE) + stack.resources(IMPERSONATION_TYPE)
    assert len(states) == 3 and all(s["outputs"]["token"].get("4dabf18193072939515e22adb298388d") for s in states)
    assert {s["id"] for s in states} == {f"{u}:{created[u]['id']}" for u in users} | {
        f"{user['id']}:{first_impersonation['id']}"}
    gs.assert_no_secret_leaks()

    # --- a no-op preview makes no GitLab call ----------------------------------------------------
    sandbox.reset_counters()
    stack.preview("--expect-no-changes")
    assert _api_calls(sandbox.counters()) == {}

    # --- a scope change replaces all three -------------------------------------------------------
    stack.config_set("scopes", "read_api,read_user")
    stack.up()
    replaced = live(users)
    for uid in users:
        assert replaced[uid]["id"] != created[uid]["id"] and replaced[uid]["scopes"] == ["read_api", "read_user"]
    replaced_impersonation = impersonation()
    assert replaced_impersonation["id"] != first_impersonation["id"]
    assert replaced_impersonation["scopes"] == ["read_api", "read_user"]
    gs.assert_no_secret_leaks()

    # --- the rotation window: personal tokens rotated in place, the impersonation token replaced ---
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=24)
    clock = later.strftime("%Y-%m-%dT%H:%M:%SZ")
    sandbox.set_time(clock)
    try:
        env = {"GITLAB_TESTING_TIME": clock}
        sandbox.reset_counters()
        stack.up(env=env)
        calls = _api_calls(sandbox.counters())
        assert calls.get("POST /api/v4/personal_access_tokens/:id/rotate") == 2, calls
        assert calls.get(f"POST {IMPERSONATION_ROUTE}") == 1, calls
        assert calls.get(f"DELETE {IMPERSONATION_ROUTE}/:impersonation_token_id") == 1, calls
        rotated = live(users)
        renewed = (later.date() + dt.timedelta(days=30)).isoformat()
        for uid in users:
            assert rotated[uid]["id"] != replaced[uid]["id"]
            assert rotated[uid]["expires_at"] == renewed
        rotated_impersonation = impersonation()
        assert rotated_impersonation["id"] != replaced_impersonation["id"]
        assert rotated_impersonation["expires_at"] == renewed
        gs.assert_no_secret_leaks()

        # --- revoked outside Pulumi: refresh shows it, up recreates it -----------------------------
        sandbox.api("DELETE", f"/personal_access_tokens/{rotated[user['id']]['id']}")
        sandbox.api("DELETE", f"/users/{user['id']}/impersonation_tokens/{rotated_impersonation['id']}")
        stack.refresh(env=env)
        revoked = [s for s in stack.resources(TYPE) if s["outputs"]["user_id"] == user["id"]]
        assert revoked[0]["outputs"]["revoked"] is True
        assert stack.resources(IMPERSONATION_TYPE)[0]["outputs"]["revoked"] is True
        stack.up(env=env)
        recreated = live(users)
        assert recreated[user["id"]]["id"] != rotated[user["id"]]["id"]
        assert recreated[account["id"]]["id"] == rotated[account["id"]]["id"], "the other token was not touched"
        assert impersonation()["id"] != rotated_impersonation["id"]
        gs.assert_no_secret_leaks()

        # --- destroy revokes all three -------------------------------------------------------------
        sandbox.reset_counters()
        stack.destroy(env=env)
        assert live(users) == {} and _impersonation(sandbox, user["id"]) == []
        calls = _api_calls(sandbox.counters())
        assert calls.get("DELETE /api/v4/personal_access_tokens/:id") == 2, calls
        assert calls.get(f"DELETE {IMPERSONATION_ROUTE}/:impersonation_token_id") == 1, calls
        assert stack.resources(TYPE) == [] and stack.resources(IMPERSONATION_TYPE) == []
        gs.assert_no_secret_leaks()
    finally:
        sandbox.set_time(None)


def test_creates_killed_in_flight_are_recovered_on_a_fresh_runner(gitlab_stack, sandbox):
    """``up`` SIGKILLed while the personal and the impersonation tokens' POSTs are in flight. The next runner
    adopts each personal token that landed by rotating it (no second POST), and revokes the impersonation token
    that landed (GitLab has no rotate route for it, so there is no value to adopt) before posting a new one."""
    slug = uuid.uuid4().hex[:8]
    user = sandbox.create_user(f"person-{slug}")
    account = sandbox.api("POST", "/service_accounts", {"name": "CI bot", "username": f"ci-bot-{slug}"})
    gs = gitlab_stack("personal_tokens", userId=str(user["id"]), accountId=str(account["id"]))
    kill_once_posted(gs, [IMPERSONATION_ROUTE, PERSONAL_ROUTE])
    users = {user["id"], account["id"]}
    for resource_type in (TYPE, IMPERSONATION_TYPE):
        assert gs.stack.resources(resource_type) == [], f"{resource_type} is recorded: the test proved nothing"
    (left_impersonation,) = _impersonation(sandbox, user["id"])
    left = _live(sandbox, users)

    runner = recover(gs, "personal_tokens")
    calls = _api_calls(runner.sandbox.counters())
    assert left, "no personal token landed: the test proved nothing"
    # Each personal token that landed is adopted (rotated to a value held); one not yet posted at the kill is created.
    assert calls.get("POST /api/v4/personal_access_tokens/:id/rotate") == len(left), calls
    assert calls.get(f"POST {PERSONAL_ROUTE}", 0) == len(users) - len(left), calls
    assert calls.get(f"DELETE {IMPERSONATION_ROUTE}/:impersonation_token_id") == 1, calls
    assert calls.get(f"POST {IMPERSONATION_ROUTE}") == 1, calls
    outputs = runner.reveal_outputs()
    runner.seen_secrets.update(outputs[k] for k in ("user_token", "account_token", "impersonation_token"))
    (kept,) = _impersonation(sandbox, user["id"])
    assert kept["id"] != left_impersonation["id"] and outputs["impersonation_token_id"] == kept["id"]
    live = _live(sandbox, users)
    assert {outputs["user_token_id"], outputs["account_token_id"]} == {t["id"] for t in live.values()}
    runner.sandbox.reset_counters()
    runner.stack.preview("--expect-no-changes")
    assert _api_calls(runner.sandbox.counters()) == {}
    runner.assert_no_secret_leaks()
