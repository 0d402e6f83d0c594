"""``PersonalAccessToken`` against the GitLab sandbox: a user's token made through the administrator API.

The lifecycle (create, read, rotate, revoke outside Pulumi, replace, delete)
with its API calls counted, instance service accounts, the preview checks
(an administrator's credential, an existing user) and recovery, which may
never take a token of the same user and name that this resource did not make.
The engine order and the leak check come from ``test_provider_sandbox``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from test_provider_sandbox import START, Clocks, EngineLike, World, authenticates_as, day

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.lifecycle import preview_checks, recovery
from pulumi_gitlab_tokens.lifecycle.provider import provider_class
from pulumi_gitlab_tokens.rules import ownership

pytestmark = pytest.mark.timeout(120)

PersonalAccessTokenProvider = provider_class(kinds.PERSONAL)
CREATE = "POST /users/:user_id/personal_access_tokens"
#: The one listing of the user's tokens per run, at its first create, that finds what a dead run left.
FIRST_LISTING = {"GET /personal_access_tokens": 1}


@pytest.fixture
def world(sandbox, monkeypatch, caplog, capsys):
    """A clean sandbox with the user ``alice``; clocks at START; no secret in any output after."""
    sandbox.reset()
    sandbox.clear_faults()
    clocks = Clocks(sandbox, monkeypatch)
    clocks.at(START)
    w = World(sandbox, clocks, {}, {})
    w.user = sandbox.create_user("alice")  # type: ignore[attr-defined]
    sandbox.reset_counters()
    yield w
    sandbox.clear_faults()
    captured = capsys.readouterr()
    for text in (caplog.text, captured.out, captured.err, *w.messages):
        for secret in w.secrets():
            assert secret not in text, "a secret leaked into logs, output or an error message"


def news(world: World, **overrides: Any) -> dict[str, Any]:
    values = {"user_id": world.user["id"], "name": "ci", "scopes": ["api", "sudo"],  # type: ignore[attr-defined]
              "description": "nightly jobs", "expires_at": day(60)}
    values.update(overrides)
    return values


def token_engine(world: World, **overrides: Any) -> EngineLike:
    return EngineLike(world, world.provider(PersonalAccessTokenProvider), news(world, **overrides))


def live_tokens(world: World, user_id: int, name: str | None = None) -> list[dict]:
    every = world.sb.control("GET", "tokens?include_personal=true")
    return [t for t in every if t["user_id"] == user_id and t["active"] and (name is None or t["name"] == name)]


def by_hand(world: World, user_id: int, name: str) -> dict:
    """A token an administrator made outside Pulumi: no ownership mark."""
    return world.sb.api("POST", f"/users/{user_id}/personal_access_tokens",
                        {"name": name, "scopes": ["read_api"], "expires_at": day(80)}, expect=201)


# --- the lifecycle and its calls ------------------------------------------------------------------


def test_create_is_one_post_for_the_user_with_the_mark_and_an_id_like_pulumi_gitlabs(world):
    token = token_engine(world)
    assert token.up() == "create"
    assert world.calls() == {CREATE: 1, **FIRST_LISTING}
    outs, user_id = token.outs, world.user["id"]
    assert token.id == f"{user_id}:{outs['token_id']}"
    assert outs["user_id"] == user_id and "access_level" not in outs
    assert (outs["name"], outs["scopes"], outs["description"], outs["expires_at"]) == (
        "ci", ["api", "sudo"], "nightly jobs", day(60))
    assert (outs["active"], outs["revoked"]) == (True, False)
    assert authenticates_as(world.sb, outs["token"]) == outs["token_id"]
    (live,) = live_tokens(world, user_id)
    assert token.provider._owner(token.inputs).awaited(live), "the description carries the mark"


def test_a_token_for_an_instance_service_account(world):
    account = world.sb.api("POST", "/service_accounts", {"name": "Deploy bot"}, expect=201)
    token = token_engine(world, user_id=account["id"], scopes=["read_api"])
    token.up()
    status, _, me = world.sb.request("GET", "/api/v4/user", token=token.outs["token"])
    assert status == 200 and me["id"] == account["id"] and me["username"] == account["username"]
    token.destroy()
    assert live_tokens(world, account["id"]) == []


def test_a_user_id_from_the_engine_as_a_float_addresses_the_same_user(world):
    """Pulumi sends numbers as doubles: 7.0 must still be /users/7, and the id '7:<token>'."""
    token = token_engine(world)
    checked = token.check()
    created = token.provider.create({**checked, "user_id": float(world.user["id"])})
    world.values.add(created.outs["token"])
    assert created.id == f"{world.user['id']}:{created.outs['token_id']}"
    world.calls()
    as_sent = {**created.outs, "user_id": float(world.user["id"]), "token_id": float(created.outs["token_id"])}
    assert token.provider.read(created.id, as_sent).id == created.id
    assert world.calls() == {"GET /personal_access_tokens/:id": 1}


def test_read_is_one_get_and_a_token_gone_from_gitlab_leaves_the_state(world):
    token = token_engine(world)
    token.up()
    world.calls()
    assert token.refresh() and token.outs["token"] and world.calls() == {"GET /personal_access_tokens/:id": 1}
    gone = token.provider.read(f"{world.user['id']}:999999", {**token.outs, "token_id": 999999})
    assert gone.id is None


def test_a_new_expiry_rotates_in_place_for_the_same_user(world):
    token = token_engine(world)
    token.up()
    old_value, old_id = token.outs["token"], token.outs["token_id"]
    world.calls()
    assert token.up(news(world, expires_at=day(90))) == "update"
    assert world.calls() == {"POST /personal_access_tokens/:id/rotate": 1}
    assert token.outs["token_id"] != old_id and token.outs["expires_at"] == day(90)
    assert authenticates_as(world.sb, old_value) is None
    (live,) = live_tokens(world, world.user["id"])
    assert live["id"] == token.outs["token_id"] and live["description"].startswith("nightly jobs")


def test_the_rotation_window_rotates(world):
    token = token_engine(world, expires_at=None, rotation_configuration={"expiration_days": 30,
                                                                         "rotate_before_days": 7})
    token.up()
    world.clocks.days_later(25)
    world.calls()
    assert token.up() == "update"
    assert world.calls() == {"POST /personal_access_tokens/:id/rotate": 1}
    assert token.outs["expires_at"] == (dt.date.fromisoformat(day(25)) + dt.timedelta(days=30)).isoformat()


def test_revoked_outside_pulumi_is_replaced_and_a_changed_scope_replaces(world):
    token = token_engine(world)
    token.up()
    world.sb.api("DELETE", f"/personal_access_tokens/{token.outs['token_id']}", expect=204)
    assert token.refresh() and token.outs["revoked"] is True
    assert token.up() == "replace"
    assert token.outs["revoked"] is False and authenticates_as(world.sb, token.outs["token"])
    world.calls()
    assert token.up(news(world, scopes=["read_api"])) == "replace"
    assert world.calls() == {CREATE: 1, "DELETE /personal_access_tokens/:id": 1}
    (live,) = live_tokens(world, world.user["id"])
    assert live["scopes"] == ["read_api"]


def test_delete_is_one_delete_and_an_already_missing_token_counts_as_revoked(world):
    token = token_engine(world)
    token.up()
    world.calls()
    token.destroy()
    assert world.calls() == {"DELETE /personal_access_tokens/:id": 1}
    assert live_tokens(world, world.user["id"]) == []
    token.provider.delete(f"{world.user['id']}:999999", {**token.outs, "token_id": 999999})


# --- inputs and preview checks --------------------------------------------------------------------


def test_inputs_are_checked_against_the_kind(world):
    provider = world.provider(PersonalAccessTokenProvider)
    bad = provider.check({}, news(world, user_id="alice", scopes=["mcp", "nope"], access_level="developer"))
    reasons = {f.property: f.reason for f in bad.failures}
    assert reasons["user_id"] == "user_id 'alice' is not a number: give the user_id as a number, like 42"
    assert reasons["scopes"].startswith("unknown scope 'nope'; personal access tokens accept: api,")
    assert "admin_mode" in reasons["scopes"]
    assert reasons["access_level"].startswith("access_level is not an input of PersonalAccessToken")
    assert world.calls() == {}


@pytest.fixture
def checking(monkeypatch):
    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "true")
    preview_checks.reset()


def test_preview_refuses_a_credential_that_is_not_an_administrators(world, checking):
    bob = world.sb.create_user("bob")
    provider = world.provider(PersonalAccessTokenProvider, token=world.sb.create_user_token(bob["id"]))
    (failure,) = provider.check({}, news(world)).failures
    assert failure.reason.startswith(
        "GitLab would answer 403 Forbidden on POST /users/" + str(world.user["id"]) + "/personal_access_tokens: "
        "only administrators may create a PersonalAccessToken")
    assert "Set gitlab:token (or GITLAB_TOKEN) to an administrator's personal access token" in failure.reason
    # and up fails the same way, on the same route
    err = world.expect_error(provider.create, provider.check({}, news(world)).inputs)
    assert err.status == 403 and "Only administrators manage a PersonalAccessToken" in str(err)


def test_preview_refuses_a_user_that_does_not_exist(world, checking):
    provider = world.provider(PersonalAccessTokenProvider)
    (failure,) = provider.check({}, news(world, user_id=424242)).failures
    assert failure.property == "user_id"
    assert failure.reason.startswith("user_id 424242 names no user: GitLab answered 404 User Not Found")


def test_preview_passes_an_administrator_and_an_existing_user_with_two_gets(world, checking):
    provider = world.provider(PersonalAccessTokenProvider)
    assert provider.check({}, news(world)).failures == []
    assert world.calls() == {"GET /user": 1, "GET /users/:id": 1}


# --- recovery never takes a token this resource did not make ---------------------------------------


def test_a_lost_create_answer_is_recovered_and_a_same_named_token_made_by_hand_is_untouched(world):
    mine_by_hand = by_hand(world, world.user["id"], "ci")
    world.calls()
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=1.0)
    token = token_engine(world)
    token.up()
    world.sb.clear_faults()
    calls = world.calls()
    assert calls[CREATE] == 1, "never re-POSTed after a committed create"
    assert calls["POST /personal_access_tokens/:id/rotate"] == 1
    live = {t["id"]: t for t in live_tokens(world, world.user["id"], "ci")}
    assert set(live) == {mine_by_hand["id"], token.outs["token_id"]}
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"]


def test_a_lost_rotate_answer_is_recovered_and_a_same_named_token_made_by_hand_keeps_working(world):
    token = token_engine(world)
    token.up()
    other = by_hand(world, world.user["id"], "ci")
    world.sb.set_faults(drop_after_commit=["rotate"], drop_rate=0.5, seed=5)
    token.up(news(world, expires_at=day(90)))
    world.sb.clear_faults()
    live = {t["id"]: t for t in live_tokens(world, world.user["id"], "ci")}
    assert set(live) == {other["id"], token.outs["token_id"]}
    assert live[other["id"]]["expires_at"] == day(80), "the hand-made token was not rotated"
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"]
    assert authenticates_as(world.sb, other["token"]) == other["id"], "the hand-made token still works"


def test_a_dead_runs_leftover_is_adopted_but_an_unmarked_token_is_not(world):
    """A run killed after its POST: the next create adopts its own marked token and leaves the rest."""
    first = token_engine(world)
    first.up()
    other = by_hand(world, world.user["id"], "ci")
    ownership.forget_held()
    recovery.forget_listings()
    again = token_engine(world)  # the same stack and resource, with no state: as after a killed run
    world.calls()
    again.up()
    calls = world.calls()
    assert CREATE not in calls and calls["POST /personal_access_tokens/:id/rotate"] == 1
    live = {t["id"] for t in live_tokens(world, world.user["id"], "ci")}
    assert live == {other["id"], again.outs["token_id"]}


def test_a_rotation_that_died_is_finished_on_its_marked_successor_never_on_a_newer_token_made_by_hand(world):
    """GitLab rotated but the run died before the state saw it; then someone made a token of the same
    name for the same user. The next rotation finds the successor by the mark, not as the user's newest."""
    token = token_engine(world)
    token.up()
    rotated = world.sb.api("POST", f"/personal_access_tokens/{token.outs['token_id']}/rotate",
                           {"expires_at": day(70)}, expect=200)
    world.values.add(rotated["token"])
    newer = by_hand(world, world.user["id"], "ci")
    assert token.up(news(world, expires_at=day(90))) == "update"
    live = {t["id"]: t for t in live_tokens(world, world.user["id"], "ci")}
    assert set(live) == {newer["id"], token.outs["token_id"]}
    assert live[newer["id"]]["expires_at"] == day(80), "the hand-made token was not rotated"
    assert live[token.outs["token_id"]]["previous_token_id"] == rotated["id"]
    assert authenticates_as(world.sb, newer["token"]) == newer["id"]


def test_create_for_a_missing_user_names_the_fix(world):
    err = world.expect_error(token_engine(world, user_id=424242).up)
    assert err.status == 404 and str(err).startswith(
        "GitLab answered 404 Not Found on POST /users/424242/personal_access_tokens: 404 User Not Found. "
        "No user has this user_id: give the id of an existing user or service account")
