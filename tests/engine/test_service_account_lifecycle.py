"""Service accounts and their tokens, a group's and a project's, recovered through the real pulumi CLI.

One program declares each account and a token whose ``user_id`` is the account's
output. One test loses every create answer (the sandbox's ``drop_after_commit``) and
checks that the same ``up`` adopts what landed: one account and one live token per
parent; another kills ``up`` while both tokens' POSTs are in flight and recovers on a
fresh runner. Their lifecycle (create, no-op, scope change, rotation, a revoke seen by
refresh, destroy) is walked with every other kind's, in test_lifecycle_of_every_kind.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from test_ownership_of_variables_and_accounts import kill_once_posted, recover


@dataclass(frozen=True)
class Home:
    """One parent's resources in the program: types, routes (as the sandbox counts them), outputs."""

    input: str
    account_type: str
    token_type: str
    outputs: str  # the prefix of the program's outputs

    @property
    def accounts(self) -> str:
        return f"/api/v4/{self.input}s/:id/service_accounts"

    @property
    def tokens(self) -> str:
        return f"{self.accounts}/:user_id/personal_access_tokens"

    def parent(self, gs) -> dict:
        return gs.group if self.input == "group" else gs.project

    def reference(self, gs) -> str:
        return gs.group["full_path"] if self.input == "group" else gs.project["path_with_namespace"]


GROUP = Home("group", "pulumi-python:dynamic/gitlab:GroupServiceAccount",
             "pulumi-python:dynamic/gitlab:GroupServiceAccountAccessToken", "")
PROJECT = Home("project", "pulumi-python:dynamic/gitlab:ProjectServiceAccount",
               "pulumi-python:dynamic/gitlab:ProjectServiceAccountAccessToken", "project_")
HOMES = (GROUP, PROJECT)

pytestmark = pytest.mark.timeout(600)


def _api_calls(counters: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counters.items() if k != "total" and v}


def live_tokens(sandbox, user_id: int) -> list[dict]:
    every = sandbox.control("GET", "tokens?include_personal=true")
    return [t for t in every if t["user_id"] == user_id and t["active"]]


def _accounts(gs, home: Home) -> list[dict]:
    return gs.sandbox.api("GET", f"/{home.input}s/{home.parent(gs)['id']}/service_accounts?per_page=100")


def test_lost_create_answers_are_adopted_by_the_same_up(gitlab_stack):
    """Every create's answer is lost after GitLab committed it: accounts and tokens are found by their mark."""
    gs = gitlab_stack("service_account", projectAccounts="true")
    sandbox = gs.sandbox
    sandbox.reset_counters()
    try:
        sandbox.set_faults(drop_after_commit=["create_service_account", "create"], drop_rate=1.0)
        gs.stack.up()
    finally:
        sandbox.clear_faults()
    calls = _api_calls(sandbox.counters())
    outputs = gs.reveal_outputs()
    for home in HOMES:
        assert calls.get(f"POST {home.accounts}") == 1, f"never re-POSTed after a committed create: {calls}"
        assert calls.get(f"POST {home.tokens}") == 1, f"never re-POSTed after a committed create: {calls}"
        assert calls.get(f"POST {home.tokens}/:token_id/rotate") == 1, "the landed token is rotated to a value we hold"
        [only] = _accounts(gs, home)
        assert outputs[f"{home.outputs}account_id"] == only["id"], "the landed account was adopted"
        (live,) = live_tokens(sandbox, only["id"])
        assert outputs[f"{home.outputs}sa_token_id"] == live["id"], "one live token, the one the state holds"
    sandbox.reset_counters()
    gs.stack.preview("--expect-no-changes")
    assert _api_calls(sandbox.counters()) == {}
    gs.assert_no_secret_leaks()


def test_tokens_killed_mid_create_are_adopted_on_a_fresh_runner(gitlab_stack):
    """``up`` SIGKILLed while both tokens' POSTs are in flight; the next runner adopts what GitLab committed."""
    gs = gitlab_stack("service_account", projectAccounts="true")
    kill_once_posted(gs, [home.tokens for home in HOMES])
    left = {}
    for home in HOMES:
        assert gs.stack.resources(home.token_type) == [], "the token is recorded: the test proved nothing"
        [account] = _accounts(gs, home)
        (left[home],) = live_tokens(gs.sandbox, account["id"])

    runner = recover(gs, "service_account")
    calls = _api_calls(runner.sandbox.counters())
    outputs = runner.reveal_outputs()
    for home in HOMES:
        assert f"POST {home.tokens}" not in calls and f"POST {home.accounts}" not in calls, calls
        assert calls.get(f"POST {home.tokens}/:token_id/rotate") == 1, "adopted: rotated to a value we hold"
        [account] = _accounts(gs, home)
        (live,) = live_tokens(runner.sandbox, account["id"])
        assert live["name"] == left[home]["name"] and outputs[f"{home.outputs}sa_token_id"] == live["id"]
    runner.sandbox.reset_counters()
    runner.stack.preview("--expect-no-changes")
    assert _api_calls(runner.sandbox.counters()) == {}
    runner.assert_no_secret_leaks()
