"""``UserImpersonationToken`` against the GitLab sandbox: an administrator's token that acts as a user.

The lifecycle (create, read, replace on a new expiry or in the rotation window, revoke
outside Pulumi, delete) with its API calls counted, the preview checks (an
administrator's credential, an existing user), GitLab's errors by attribute, and
recovery, which without a rotate route revokes what a lost answer left and never a
token of the same user and name that this resource did not make.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import gitlab
import pytest
from test_provider_sandbox import START, Clocks, EngineLike, World, authenticates_as, day

from pulumi_gitlab_tokens import kinds, list_user_impersonation_tokens
from pulumi_gitlab_tokens.client.gitlab_errors import translate
from pulumi_gitlab_tokens.lifecycle import preview_checks, recovery
from pulumi_gitlab_tokens.lifecycle.provider import provider_class
from pulumi_gitlab_tokens.rules import ownership

pytestmark = pytest.mark.timeout(120)

UserImpersonationTokenProvider = provider_class(kinds.IMPERSONATION)
TOKENS = "/users/:user_id/impersonation_tokens"
CREATE, GET, REVOKE = f"POST {TOKENS}", f"GET {TOKENS}/:impersonation_token_id", \
    f"DELETE {TOKENS}/:impersonation_token_id"
#: The one listing of the user's tokens per run, at its first create, that finds what a dead run left.
FIRST_LISTING = {f"GET {TOKENS}": 1}


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
    values = {"user_id": world.user["id"], "name": "support", "scopes": ["api", "sudo"],  # type: ignore[attr-defined]
              "description": "support tooling", "expires_at": day(60)}
    values.update(overrides)
    return values


def token_engine(world: World, **overrides: Any) -> EngineLike:
    return EngineLike(world, world.provider(UserImpersonationTokenProvider), news(world, **overrides))


def in_gitlab(world: World, name: str | None = None, user_id: int | None = None) -> list[dict]:
    """The user's live impersonation tokens, as an administrator lists them."""
    uid = user_id or world.user["id"]  # type: ignore[attr-defined]
    every = world.sb.api("GET", f"/users/{uid}/impersonation_tokens?state=active&per_page=100", expect=200)
    return [t for t in every if name is None or t["name"] == name]


def by_hand(world: World, name: str) -> dict:
    """A token an administrator made outside Pulumi: no ownership mark."""
    made = world.sb.api("POST", f"/users/{world.user['id']}/impersonation_tokens",  # type: ignore[attr-defined]
                        {"name": name, "scopes": ["read_api"], "expires_at": day(80)}, expect=201)
    world.values.add(made["token"])
    return made


# --- the lifecycle and its calls ------------------------------------------------------------------


def test_create_is_one_post_for_the_user_with_the_mark_and_an_id_like_pulumi_gitlabs(world):
    token = token_engine(world)
    assert token.up() == "create"
    assert world.calls() == {CREATE: 1, **FIRST_LISTING}
    outs, user_id = token.outs, world.user["id"]
    assert token.id == f"{user_id}:{outs['token_id']}"
    assert outs["user_id"] == user_id and "access_level" not in outs and outs["impersonation"] is True
    assert (outs["name"], outs["scopes"], outs["description"], outs["expires_at"]) == (
        "support", ["api", "sudo"], "support tooling", day(60))
    assert (outs["active"], outs["revoked"]) == (True, False)
    assert authenticates_as(world.sb, outs["token"]) == outs["token_id"]
    status, _, me = world.sb.request("GET", "/api/v4/user", token=outs["token"])
    assert status == 200 and me["id"] == user_id, "the token acts as the user"
    (live,) = in_gitlab(world)
    assert live["impersonation"] is True
    assert token.provider._owner(token.inputs).awaited(live), "the description carries the mark"


def test_read_is_one_get_and_a_token_gone_from_gitlab_leaves_the_state(world):
    token = token_engine(world)
    token.up()
    world.calls()
    assert token.refresh() and token.outs["token"] and world.calls() == {GET: 1}
    gone = token.provider.read(f"{world.user['id']}:999999", {**token.outs, "token_id": 999999})
    assert gone.id is None
    assert world.calls() == {GET: 1}, "404 Impersonation Token Not Found means gone"


def test_a_deleted_user_takes_the_token_along(world):
    """A group's service account is a user that can be deleted through the API (its tokens go with it)."""
    group = world.sb.create_group("acme")
    account = world.sb.api("POST", f"/groups/{group['id']}/service_accounts", {"name": "bot"}, expect=201)
    token = token_engine(world, user_id=account["id"])
    token.up()
    world.sb.api("DELETE", f"/groups/{group['id']}/service_accounts/{account['id']}", expect=204)
    world.calls()
    assert token.provider.read(token.id, token.outs).id is None
    assert world.calls() == {GET: 1}, "404 User Not Found: the user and its tokens are gone"
    world.calls()
    token.provider.delete(token.id, token.outs)
    assert world.calls() == {REVOKE: 1}, "404 User Not Found: nothing left to revoke"


def test_a_new_expiry_replaces_it_create_before_revoke(world):
    token = token_engine(world)
    token.up()
    old_value, old_id = token.outs["token"], token.outs["token_id"]
    world.calls()
    assert token.up(news(world, expires_at=day(90))) == "replace"
    assert world.calls() == {CREATE: 1, REVOKE: 1}
    assert token.outs["token_id"] != old_id and token.outs["expires_at"] == day(90)
    assert authenticates_as(world.sb, old_value) is None
    (live,) = in_gitlab(world)
    assert live["id"] == token.outs["token_id"] and live["description"].startswith("support tooling")


def test_the_rotation_window_replaces_it(world):
    token = token_engine(world, expires_at=None, rotation_configuration={"expiration_days": 30,
                                                                         "rotate_before_days": 7})
    token.up()
    first = token.outs["token_id"]
    world.clocks.days_later(25)
    world.calls()
    assert token.up() == "replace"
    assert world.calls() == {CREATE: 1, REVOKE: 1}
    assert token.outs["token_id"] != first
    assert token.outs["expires_at"] == (dt.date.fromisoformat(day(25)) + dt.timedelta(days=30)).isoformat()
    assert [t["id"] for t in in_gitlab(world)] == [token.outs["token_id"]]


def test_revoked_outside_pulumi_is_replaced_and_a_changed_scope_replaces(world):
    token = token_engine(world)
    token.up()
    world.sb.api("DELETE", f"/users/{world.user['id']}/impersonation_tokens/{token.outs['token_id']}", expect=204)
    assert token.refresh() and token.outs["revoked"] is True
    assert token.up() == "replace"
    assert token.outs["revoked"] is False and authenticates_as(world.sb, token.outs["token"])
    world.calls()
    assert token.up(news(world, scopes=["read_api"])) == "replace"
    assert world.calls() == {CREATE: 1, REVOKE: 1}
    (live,) = in_gitlab(world)
    assert live["scopes"] == ["read_api"]


def test_delete_is_one_delete_and_an_already_missing_token_counts_as_revoked(world):
    token = token_engine(world)
    token.up()
    world.calls()
    token.destroy()
    assert world.calls() == {REVOKE: 1}
    assert in_gitlab(world) == []
    token.provider.delete(f"{world.user['id']}:999999", {**token.outs, "token_id": 999999})


def test_the_list_function_sends_only_state_and_filters_the_rest_here(world, monkeypatch):
    token = token_engine(world)
    token.up()
    other = by_hand(world, "manual")
    monkeypatch.setenv("GITLAB_BASE_URL", world.sb.base_url + "/api/v4")
    monkeypatch.setenv("GITLAB_TOKEN", world.sb.admin_token)
    world.calls()
    listed = list_user_impersonation_tokens(world.user["id"], state="active", name="support")
    assert [r.id for r in listed] == [token.outs["token_id"]] and listed[0].managed
    assert listed[0].description == "support tooling"
    assert world.calls() == {f"GET {TOKENS}": 1}
    assert {r.id for r in list_user_impersonation_tokens(world.user["id"])} == {token.outs["token_id"], other["id"]}


# --- inputs, GitLab's errors and preview checks ----------------------------------------------------


def test_inputs_are_checked_against_the_kind(world):
    provider = world.provider(UserImpersonationTokenProvider)
    bad = provider.check({}, news(world, user_id="alice", scopes=["admin_mode", "nope"], access_level="developer",
                                  adopt_token_id=3))
    reasons = {f.property: f.reason for f in bad.failures}
    assert reasons["user_id"] == "user_id 'alice' is not a number: give the user_id as a number, like 42"
    assert reasons["scopes"].startswith("unknown scope 'nope'; impersonation tokens accept: api,")
    assert "sudo" in reasons["scopes"] and "admin_mode" in reasons["scopes"]
    assert reasons["access_level"].startswith("access_level is not an input of UserImpersonationToken")
    assert reasons["adopt_token_id"].startswith("adopt_token_id is not an input of UserImpersonationToken")
    assert world.calls() == {}


def test_gitlabs_errors_by_attribute_name_each_attribute(world):
    """The create route answers the model's errors as ``{"message": {attribute: [...]}}``: each is named."""
    provider = world.provider(UserImpersonationTokenProvider)
    checked = provider.check({}, news(world)).inputs
    err = world.expect_error(provider.create, {**checked, "expires_at": day(400)})  # past GitLab's 365 days
    assert err.status == 400
    assert str(err).startswith(f"GitLab answered 400 Bad Request on POST /users/{world.user['id']}"
                               f"/impersonation_tokens: Expires at must be before ")
    assert "Lower the expiry (expires_at or rotation_configuration.expiration_days)" in str(err)
    # Two attributes at once, as unmodified python-gitlab meets them.
    gl = gitlab.Gitlab(world.sb.base_url, private_token=world.sb.admin_token)
    route = f"POST /users/{world.user['id']}/impersonation_tokens"
    with pytest.raises(gitlab.exceptions.GitlabHttpError) as answer:
        gl.http_post(f"/users/{world.user['id']}/impersonation_tokens", post_data={"name": "bare"})
    assert answer.value.error_message == {"scopes": ["can't be blank"], "expires_at": ["can't be blank"]}
    said = translate(kinds.IMPERSONATION, route, answer.value)
    assert str(said) == (f"GitLab answered 400 Bad Request on {route}: Scopes can't be blank; Expires at can't be "
                         f"blank. GitLab rejected the request; fix the input it names.")


@pytest.fixture
def checking(monkeypatch):
    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "true")
    preview_checks.reset()


def test_preview_refuses_a_credential_that_is_not_an_administrators(world, checking):
    bob = world.sb.create_user("bob")
    provider = world.provider(UserImpersonationTokenProvider, token=world.sb.create_user_token(bob["id"]))
    (failure,) = provider.check({}, news(world)).failures
    assert failure.reason.startswith(
        "GitLab would answer 403 Forbidden on POST /users/" + str(world.user["id"]) + "/impersonation_tokens: "
        "only administrators may create a UserImpersonationToken")
    assert "Set gitlab:token (or GITLAB_TOKEN) to an administrator's personal access token" in failure.reason
    # and up fails the same way, on the same route
    err = world.expect_error(provider.create, provider.check({}, news(world)).inputs)
    assert err.status == 403 and "Only administrators manage a UserImpersonationToken" in str(err)


def test_preview_refuses_a_user_that_does_not_exist(world, checking):
    provider = world.provider(UserImpersonationTokenProvider)
    (failure,) = provider.check({}, news(world, user_id=424242)).failures
    assert failure.property == "user_id"
    assert failure.reason.startswith("user_id 424242 names no user: GitLab answered 404 User Not Found")


def test_preview_passes_an_administrator_and_an_existing_user_with_two_gets(world, checking):
    provider = world.provider(UserImpersonationTokenProvider)
    assert provider.check({}, news(world)).failures == []
    assert world.calls() == {"GET /user": 1, "GET /users/:id": 1}


def test_create_for_a_missing_user_names_the_fix(world):
    err = world.expect_error(token_engine(world, user_id=424242).up)
    assert err.status == 404 and str(err).startswith(
        "GitLab answered 404 Not Found on POST /users/424242/impersonation_tokens: 404 User Not Found. "
        "No user has this user_id: give the id of an existing user or service account")


# --- recovery: no rotate route, so what a lost answer left is revoked ---------------------------------


def test_a_lost_create_answer_is_revoked_and_posted_again_and_a_same_named_token_made_by_hand_is_untouched(world):
    mine_by_hand = by_hand(world, "support")
    world.calls()
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=0.5, seed=1)
    token = token_engine(world)
    token.up()
    world.sb.clear_faults()
    calls = world.calls()
    lost = calls[CREATE] - 1
    assert lost >= 1, "the seed must drop at least one committed answer"
    assert calls == {CREATE: 1 + lost, REVOKE: lost, f"GET {TOKENS}": 1 + lost + 1}, \
        "the run's listing, one listing and one revoke per lost answer, one listing to confirm; nothing else"
    live = {t["id"] for t in in_gitlab(world, "support")}
    assert live == {mine_by_hand["id"], token.outs["token_id"]}
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"]
    assert authenticates_as(world.sb, mine_by_hand["token"]) == mine_by_hand["id"], "the hand-made one works"


def test_answers_lost_every_time_end_in_a_clear_error_and_no_orphan(world, quick_retries):
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=1.0)
    err = world.expect_error(token_engine(world).up)
    world.sb.clear_faults()
    assert "failed 6 times without an answer" in str(err)
    assert in_gitlab(world) == [], "every token a lost attempt committed was revoked"


def test_a_dead_runs_leftover_is_revoked_but_an_unmarked_token_is_not(world):
    """A run killed after its POST: without a rotate route its token cannot be adopted, so the next create
    revokes it and posts again; a same-named token made by hand stays."""
    first = token_engine(world)
    first.up()
    leftover = first.outs["token_id"]
    other = by_hand(world, "support")
    ownership.forget_held()
    recovery.forget_listings()
    again = token_engine(world)  # the same stack and resource, with no state: as after a killed run
    world.calls()
    again.up()
    assert world.calls() == {**FIRST_LISTING, REVOKE: 1, CREATE: 1}
    live = {t["id"] for t in in_gitlab(world, "support")}
    assert live == {other["id"], again.outs["token_id"]} and leftover not in live
