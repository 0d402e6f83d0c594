"""Tokens of users recovered through the real pulumi CLI, against the sandbox: PersonalAccessToken and
UserImpersonationToken.

One program holds a personal token for a user and one for an instance service account
(``POST /service_accounts``), and an impersonation token for the user, all made with the
administrator's credential. The test kills ``up`` while the tokens' creates are in flight
and recovers on a fresh runner. Their lifecycle (create, no-op, replacement, the rotation
window, a revoke seen by refresh, destroy) is walked with every other kind's, in
test_lifecycle_of_every_kind.py.
"""

from __future__ import annotations

import uuid

from test_ownership_of_variables_and_accounts import kill_once_posted, recover

TYPE = "pulumi-python:dynamic/gitlab:PersonalAccessToken"
IMPERSONATION_TYPE = "pulumi-python:dynamic/gitlab:UserImpersonationToken"
IMPERSONATION_ROUTE = "/api/v4/users/:user_id/impersonation_tokens"
PERSONAL_ROUTE = "/api/v4/users/:user_id/personal_access_tokens"


def _api_calls(counters: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counters.items() if k != "total" and v}


def impersonation_tokens(sandbox, user_id: int) -> list[dict]:
    """The user's active impersonation tokens, as an administrator lists them."""
    return sandbox.api("GET", f"/users/{user_id}/impersonation_tokens?state=active")


def personal_tokens(sandbox, user_ids: set[int]) -> dict[int, dict]:
    """The one active personal token of each user (metadata only; impersonation tokens left out)."""
    impersonating = {t["id"] for uid in user_ids for t in impersonation_tokens(sandbox, uid)}
    found: dict[int, dict] = {}
    for token in sandbox.control("GET", "tokens?include_personal=true"):
        if token["user_id"] in user_ids and token["active"] and token["id"] not in impersonating:
            assert token["user_id"] not in found, f"two active tokens for user {token['user_id']}"
            found[token["user_id"]] = token
    return found


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
    (left_impersonation,) = impersonation_tokens(sandbox, user["id"])
    left = personal_tokens(sandbox, users)

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
    (kept,) = impersonation_tokens(sandbox, user["id"])
    assert kept["id"] != left_impersonation["id"] and outputs["impersonation_token_id"] == kept["id"]
    live = personal_tokens(sandbox, users)
    assert {outputs["user_token_id"], outputs["account_token_id"]} == {t["id"] for t in live.values()}
    runner.sandbox.reset_counters()
    runner.stack.preview("--expect-no-changes")
    assert _api_calls(runner.sandbox.counters()) == {}
    runner.assert_no_secret_leaks()
