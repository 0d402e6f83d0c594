"""Adopting a token made outside Pulumi, and a token list exported as an output, through the real CLI.

One program (``tests/programs/adopt_and_list``): a ProjectAccessToken with
``adopt_token_id`` and an output listing the project's live tokens.
"""

from __future__ import annotations

import datetime as dt

PROJECT_TYPE = "pulumi-python:dynamic/gitlab:ProjectAccessToken"


def _api_calls(counters: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counters.items() if k != "total" and v}


def _authenticates_as(sandbox, value: str) -> int | None:
    status, _, body = sandbox.request("GET", "/api/v4/personal_access_tokens/self", token=value)
    return body["id"] if status == 200 else None


def test_adopt_up_noop_and_destroy_with_the_list_as_an_output(gitlab_stack, sandbox):
    expires = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    gs = gitlab_stack("adopt_and_list")
    old = sandbox.api("POST", f"/projects/{gs.project['id']}/access_tokens",
                      {"name": "ci-legacy", "scopes": ["read_api"], "access_level": 30, "expires_at": expires},
                      expect=201)
    gs.stack.config_set("adoptTokenId", str(old["id"]))
    gs.seen_secrets.add(old["token"])
    stack = gs.stack

    # --- preview: the preview checks look at the token to adopt (one GET), nothing is changed ----------
    sandbox.reset_counters()
    stack.preview()
    assert _api_calls(sandbox.counters()).get("GET /api/v4/projects/:id/access_tokens/:token_id") == 1
    assert _authenticates_as(sandbox, old["token"]) == old["id"]

    # --- up: one GET and one rotate; the old value stops working, the new one works --------------------
    sandbox.reset_counters()
    stack.up()
    # check's preview checks (who may, and the token: 3 GETs), then create: 1 GET, 1 rotate; then the list.
    # At check and at create, one GET more each: the token to adopt is not the provider's own credential.
    assert _api_calls(sandbox.counters()) == {
        "GET /api/v4/user": 1, "GET /api/v4/projects/:id/members/all/:user_id": 1,
        "GET /api/v4/projects/:id/access_tokens/:token_id": 2, "GET /api/v4/personal_access_tokens/self": 2,
        "POST /api/v4/projects/:id/access_tokens/:token_id/rotate": 1,
        "GET /api/v4/projects/:id/access_tokens": 1,
    }, "adoption mints no new token"
    outputs = gs.reveal_outputs()
    assert outputs["user_id"] == old["user_id"] and outputs["token_id"] != old["id"]
    assert _authenticates_as(sandbox, old["token"]) is None
    assert _authenticates_as(sandbox, outputs["token"]) == outputs["token_id"]
    [listed] = outputs["live_tokens"]
    assert (listed["id"], listed["name"], listed["access_level"], listed["active"]) == (
        outputs["token_id"], "ci-legacy", "developer", True)
    assert set(listed) == {"id", "name", "scopes", "access_level", "active", "revoked", "expires_at",
                           "created_at", "last_used_at", "user_id", "description", "managed"}
    [state] = stack.resources(PROJECT_TYPE)
    assert state["outputs"]["adopt_token_id"] == old["id"]
    gs.assert_no_secret_leaks()

    # --- a no-op preview: the provider calls nothing; the program's list is its one GET ----------------
    sandbox.reset_counters()
    stack.preview("--expect-no-changes")
    assert _api_calls(sandbox.counters()) == {"GET /api/v4/projects/:id/access_tokens": 1}

    # --- destroy revokes the adopted token ------------------------------------------------------------
    sandbox.reset_counters()
    stack.destroy()
    assert _api_calls(sandbox.counters()).get("DELETE /api/v4/projects/:id/access_tokens/:token_id") == 1
    assert _authenticates_as(sandbox, outputs["token"]) is None
    assert stack.resources(PROJECT_TYPE) == []
    gs.assert_no_secret_leaks()
