"""Group and project service accounts and their tokens against the sandbox, called as the engine does.

The account is a small resource of its own (create, read by listing, delete); its
tokens are a kind whose routes take two parameters (the parent and the account),
have no route for one token, no access level, and whose ``user_id`` is shared by
every token of the account, so recovery goes by the ownership mark alone. Every
test that holds for both parents runs for each (the ``parent`` fixture).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from test_provider_sandbox import EngineLike, authenticates_as, day, sandbox, world  # noqa: F401  (fixtures)

from pulumi_gitlab_tokens import GitLabTokenError
from pulumi_gitlab_tokens.lifecycle import preview_checks
from pulumi_gitlab_tokens.lifecycle.provider import (
    GroupServiceAccountAccessTokenProvider,
    ProjectServiceAccountAccessTokenProvider,
)
from pulumi_gitlab_tokens.service_accounts.provider import (
    GroupServiceAccountProvider,
    ProjectServiceAccountProvider,
    ServiceAccountProvider,
)

pytestmark = pytest.mark.timeout(120)


@dataclass(frozen=True)
class Parent:
    """Where the accounts are made in these tests, and what differs between a group and a project."""

    input: str
    collection: str
    ref: str
    account: type[ServiceAccountProvider]
    token: type
    #: The role GitLab requires, and a member's level just below it (refused with a bare 403).
    role: str
    below: int

    @property
    def accounts(self) -> str:
        return f"/{self.collection}/:id/service_accounts"

    @property
    def tokens(self) -> str:
        return f"{self.accounts}/:user_id/personal_access_tokens"

    def id(self, world) -> int:
        return (world.group if self.input == "group" else world.project)["id"]


GROUP = Parent("group", "groups", "acme", GroupServiceAccountProvider, GroupServiceAccountAccessTokenProvider,
               "Owner", 40)
PROJECT = Parent("project", "projects", "acme/app", ProjectServiceAccountProvider,
                 ProjectServiceAccountAccessTokenProvider, "Maintainer", 30)


@pytest.fixture(params=[GROUP, PROJECT], ids=["group", "project"])
def parent(request) -> Parent:
    return request.param


def live_tokens(world, name: str) -> list[dict]:
    """The live tokens named ``name``, service accounts' included (the sandbox's own view, not counted)."""
    every = world.sb.control("GET", "tokens?include_personal=true")
    return [t for t in every if t["active"] and t["name"] == name]


def make_account(world, parent: Parent = GROUP, **inputs) -> EngineLike:
    account = EngineLike(world, world.provider(parent.account), {parent.input: parent.ref, **inputs})
    account.up()
    return account


def sa_token(user_id: int, parent: Parent = GROUP, **overrides) -> dict:
    news = {parent.input: parent.ref, "user_id": user_id, "name": "ci", "scopes": ["read_api"],
            "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7}}
    news.update(overrides)
    return news


def refused_member(world, parent: Parent) -> str:
    """A credential whose user is a member just below the role that manages the parent's accounts."""
    member = world.sb.create_user("below")
    world.sb.add_member(parent.input, parent.id(world), member["id"], parent.below)
    return world.sb.create_user_token(member["id"])


def test_an_account_is_created_read_and_deleted_with_one_call_each(world, parent):
    account = make_account(world, parent, name="CI robot")
    assert world.calls() == {f"POST {parent.accounts}": 1}
    user_id = account.outs["service_account_id"]
    assert account.id == f"{parent.ref}:{user_id}"
    assert account.outs["name"] == "CI robot" and account.outs[parent.input] == parent.ref
    assert account.outs["username"].startswith(f"service_account_{parent.input}_{parent.id(world)}_")
    assert account.outs["email"] == f"{account.outs['username']}@noreply.127.0.0.1"
    assert account.up() == "same" and world.calls() == {}
    assert account.refresh() and world.calls() == {f"GET {parent.accounts}": 1}
    account.destroy()
    assert world.calls() == {f"DELETE {parent.accounts}/:user_id": 1}
    assert not account.refresh(), "an account GitLab no longer has leaves the state"
    account.provider.delete(f"{parent.ref}:{user_id}", {parent.input: parent.ref, "service_account_id": user_id})


def test_an_account_replaces_only_on_a_given_input_and_frees_its_username_first(world, parent):
    account = make_account(world, parent, username="ci-robot")
    diff = account.provider.diff(account.id, account.outs,
                                 {parent.input: parent.ref, "username": "ci-robot", "name": "New"})
    assert (diff.replaces, diff.delete_before_replace) == (["name"], True), "the kept username must be free first"
    unchanged = account.provider.diff(account.id, account.outs, {parent.input: parent.ref, "username": "ci-robot"})
    assert not unchanged.changes, "GitLab's default name is no change"
    moved = account.provider.diff(account.id, account.outs, {parent.input: "acme/elsewhere", "username": "ci-robot"})
    assert moved.replaces == [parent.input], "another parent is another account"


def test_an_account_checks_its_inputs_naming_the_field(world, parent):
    other = "project" if parent.input == "group" else "group"
    result = world.provider(parent.account).check({}, {parent.input: "", "email": "nope", other: "acme",
                                                       "service_account_id": 3, "colour": "red"})
    reasons = {f.property: f.reason for f in result.failures}
    assert set(reasons) == {parent.input, "email", "service_account_id", "colour", other}
    assert "is computed by GitLab" in reasons["service_account_id"]
    assert "is not an email address" in reasons["email"]
    assert reasons["colour"].endswith(f"the inputs are: {parent.input}, name, username, email")
    assert f"is not an input of {parent.account.home.resource_name}" in reasons[other]


def test_preview_allows_a_subgroup_on_19_and_refuses_a_non_owner(world, monkeypatch):
    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "true")
    world.sb.create_group("team", world.group["id"])
    provider = world.provider(GroupServiceAccountProvider)
    assert provider.check({}, {"group": "acme/team"}).failures == [], "subgroup accounts are GA since 18.11"
    assert provider.check({}, {"group": "acme"}).failures == []
    account = make_account(world, group="acme/team")
    assert account.outs["username"].startswith("service_account_group_"), "and the sandbox (GitLab) makes it"
    maintainer = world.sb.create_user("maint")
    world.sb.add_member("group", world.group["id"], maintainer["id"], 40)
    preview_checks.reset()
    refused = world.provider(GroupServiceAccountProvider, token=world.sb.create_user_token(maintainer["id"]))
    (failure,) = refused.check({}, {"group": "acme"}).failures
    assert failure.property == "group" and "403 Forbidden" in failure.reason and "Owner" in failure.reason


def test_preview_refuses_a_project_account_below_maintainer_and_allows_a_maintainer(world, monkeypatch):
    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "true")
    refused = world.provider(ProjectServiceAccountProvider, token=refused_member(world, PROJECT))
    (failure,) = refused.check({}, {"project": "acme/app"}).failures
    assert failure.property == "project" and "403 Forbidden" in failure.reason and "Maintainer" in failure.reason
    assert "POST /projects/acme%2Fapp/service_accounts" in failure.reason
    with pytest.raises(GitLabTokenError) as up:
        refused.create(refused.check({}, {"project": "acme/app"}).inputs)
    assert up.value.status == 403, "up gets what preview foretold"
    maintainer = world.sb.create_user("maint")
    world.sb.add_member("project", world.project["id"], maintainer["id"], 40)
    preview_checks.reset()
    allowed = world.provider(ProjectServiceAccountProvider, token=world.sb.create_user_token(maintainer["id"]))
    assert allowed.check({}, {"project": "acme/app"}).failures == []
    account = EngineLike(world, allowed, {"project": "acme/app"})
    account.up()
    assert account.outs["username"].startswith("service_account_project_"), "and the sandbox (GitLab) makes it"


def test_a_token_lives_its_whole_lifecycle_with_the_calls_it_needs(world, parent):
    tokens = parent.tokens
    user_id = make_account(world, parent).outs["service_account_id"]
    world.calls()
    token = EngineLike(world, world.provider(parent.token), sa_token(user_id, parent))
    token.up()
    assert world.calls() == {f"GET {tokens}": 1, f"POST {tokens}": 1}, "one listing per run, one POST"
    first = token.outs["token_id"]
    assert token.id == f"{parent.ref}:{user_id}:{first}"
    assert token.outs["user_id"] == user_id and token.outs["expires_at"] == day(30)
    assert "access_level" not in token.outs and token.outs.get("description") is None
    assert authenticates_as(world.sb, token.outs["token"]) == first
    (live,) = live_tokens(world, "ci")
    assert live["user_id"] == user_id and "[pgt2:" in live["description"], "the mark is in GitLab's description"
    world.calls()  # forget the sandbox's own checks above

    assert token.up() == "same" and world.calls() == {}
    assert token.refresh() and world.calls() == {f"GET {tokens}": 1}, "no route for one token: one listing"

    world.clocks.days_later(25)
    assert token.up() == "update"
    assert world.calls() == {f"POST {tokens}/:token_id/rotate": 1}
    assert token.outs["token_id"] != first and token.outs["expires_at"] == day(55)
    assert token.id == f"{parent.ref}:{user_id}:{first}", "the resource id keeps naming the first token"
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"]

    assert token.up(sa_token(user_id, parent, scopes=["read_api", "read_repository"])) == "replace"
    world.calls()
    token.destroy()
    assert world.calls() == {f"DELETE {tokens}/:token_id": 1}
    assert live_tokens(world, "ci") == []


def test_a_token_revoked_outside_is_seen_on_refresh_and_replaced(world, parent):
    user_id = make_account(world, parent).outs["service_account_id"]
    token = EngineLike(world, world.provider(parent.token), sa_token(user_id, parent))
    token.up()
    status, _, _ = world.sb.request(
        "DELETE", f"/api/v4/{parent.collection}/{parent.id(world)}/service_accounts/{user_id}/personal_access_tokens/"
                  f"{token.outs['token_id']}", token=world.sb.admin_token)
    assert status == 204
    assert token.refresh() and token.outs["revoked"] is True
    assert token.up() == "replace"
    (live,) = live_tokens(world, "ci")
    assert live["id"] == token.outs["token_id"] and authenticates_as(world.sb, token.outs["token"]) == live["id"]


def test_a_lost_create_answer_leaves_one_token_of_the_account(world, parent):
    user_id = make_account(world, parent).outs["service_account_id"]
    other = EngineLike(world, world.provider(parent.token), sa_token(user_id, parent, name="ci"))
    other.provider.resource = "another resource"  # same account and name, another owner: never touched
    other.up()
    world.calls()
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=1.0)
    token = EngineLike(world, world.provider(parent.token), sa_token(user_id, parent))
    token.up()
    calls = world.calls()
    assert calls[f"POST {parent.tokens}"] == 1, "never re-POSTed after a committed create"
    assert calls[f"POST {parent.tokens}/:token_id/rotate"] == 1, "the landed token is rotated to a value we hold"
    world.sb.clear_faults()
    live = {t["id"] for t in live_tokens(world, "ci")}
    assert live == {token.outs["token_id"], other.outs["token_id"]}
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"]
    assert authenticates_as(world.sb, other.outs["token"]) == other.outs["token_id"]


def test_a_killed_run_is_recovered_by_the_mark_not_the_shared_user_id(world, parent):
    user_id = make_account(world, parent).outs["service_account_id"]
    kept = EngineLike(world, world.provider(parent.token), sa_token(user_id, parent))
    kept.provider.resource = "kept"
    kept.up()
    dead = EngineLike(world, world.provider(parent.token), sa_token(user_id, parent))
    dead.up()  # its run dies: the state never learns of this token
    orphan = dead.outs["token_id"]
    from pulumi_gitlab_tokens.lifecycle import recovery
    from pulumi_gitlab_tokens.rules import ownership
    ownership.forget_held()
    recovery.forget_listings()
    again = EngineLike(world, world.provider(parent.token), sa_token(user_id, parent))
    again.up()
    live = {t["id"] for t in live_tokens(world, "ci")}
    assert live == {kept.outs["token_id"], again.outs["token_id"]}, "the orphan was adopted, the other kept"
    assert orphan not in live and authenticates_as(world.sb, again.outs["token"]) == again.outs["token_id"]


def test_a_token_checks_user_id_and_refuses_an_access_level(world, parent):
    provider = world.provider(parent.token)
    result = provider.check({}, sa_token(0, parent, access_level="developer", scopes=["read_user", "sudo"]))
    reasons = {f.property: f.reason for f in result.failures}
    assert set(reasons) == {"user_id", "access_level", "scopes"}
    assert f"{parent.account.home.resource_name}'s service_account_id" in reasons["user_id"]
    assert reasons["scopes"].startswith("unknown scope 'sudo'; service account tokens accept:"), \
        "read_user is the account's; sudo acts only for administrators, which an account never is"


def test_preview_refuses_a_token_below_the_managing_role_with_gitlabs_403(world, monkeypatch, parent):
    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "true")
    user_id = make_account(world, parent).outs["service_account_id"]
    provider = world.provider(parent.token, token=refused_member(world, parent))
    (failure,) = provider.check({}, sa_token(user_id, parent)).failures
    assert failure.property == parent.input and "403 Forbidden" in failure.reason and parent.role in failure.reason
    quoted = parent.ref.replace("/", "%2F")
    assert f"POST /{parent.collection}/{quoted}/service_accounts/{user_id}/personal_access_tokens" in failure.reason
    token = EngineLike(world, provider, sa_token(user_id, parent))
    with pytest.raises(GitLabTokenError) as refused:
        token.provider.create(sa_token(user_id, parent, expires_at=day(30)))
    assert refused.value.status == 403, "up gets what preview foretold"


def test_a_token_whose_account_was_deleted_outside_is_gone_not_an_error(world, parent):
    account = make_account(world, parent)
    user_id = account.outs["service_account_id"]
    token = EngineLike(world, world.provider(parent.token), sa_token(user_id, parent))
    token.up()
    kept_id, kept_outs = token.id, dict(token.outs)
    world.sb.api("DELETE", f"/{parent.collection}/{parent.id(world)}/service_accounts/{user_id}")
    assert not token.refresh(), "GitLab's 404 User Not Found means the account and its tokens are gone"
    token.provider.delete(kept_id, kept_outs)  # a destroy without refresh is not blocked either
    with pytest.raises(GitLabTokenError) as hidden:
        token.provider.read(f"nowhere:{user_id}:1", {**kept_outs, parent.input: "nowhere/at-all"})
    assert hidden.value.status == 404 and f"{parent.input.capitalize()} Not Found" in str(hidden.value), \
        "a parent GitLab does not show stays an error: the credential may only have lost sight of it"


def test_preview_names_the_route_while_the_account_is_still_unknown(world, monkeypatch):
    from pulumi.runtime import rpc
    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "true")
    maintainer = world.sb.create_user("maint")
    world.sb.add_member("group", world.group["id"], maintainer["id"], 40)
    credential = world.sb.create_user_token(maintainer["id"])
    provider = world.provider(GroupServiceAccountAccessTokenProvider, token=credential)
    (failure,) = provider.check({}, sa_token(rpc.UNKNOWN)).failures
    assert "POST /groups/acme/service_accounts/:user_id/personal_access_tokens" in failure.reason


def test_a_lost_rotate_answer_finds_the_successor_by_its_mark_not_the_shared_user_id(world, parent):
    user_id = make_account(world, parent).outs["service_account_id"]
    token = EngineLike(world, world.provider(parent.token), sa_token(user_id, parent))
    token.up()
    world.clocks.days_later(25)
    world.sb.set_faults(drop_after_commit=["rotate"], drop_rate=1.0)
    with pytest.raises(GitLabTokenError):
        token.up()  # every answer lost: the attempts run out
    world.sb.clear_faults()
    # Someone makes a token of the same name for the account by hand (no mark): the newest live
    # token of the account's user id, which recovery must not take for this resource's successor.
    by_hand = world.sb.api("POST", f"/{parent.collection}/{parent.id(world)}/service_accounts/{user_id}/"
                                   f"personal_access_tokens",
                           {"name": "ci", "scopes": ["read_api"], "expires_at": day(60)})
    world.values.add(by_hand["token"])
    assert token.up() == "update", "the next up finds the successor its lost rotations made"
    live = {t["id"] for t in live_tokens(world, "ci")}
    assert live == {token.outs["token_id"], by_hand["id"]}, "the hand-made token was never taken"
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"]
    assert authenticates_as(world.sb, by_hand["token"]) == by_hand["id"]


#: Usernames, emails and names: some GitLab refuses (the issue's `bad name!`, `../../admin`, `robot.git`,
#: `robot@` among them), some it takes. The preview and the sandbox (GitLab) must agree on every one.
CANDIDATES = [
    {"username": "bad name!"}, {"username": "../../admin"}, {"username": "robot.git"}, {"email": "robot@"},
    {"username": "admin"}, {"username": "ci"}, {"username": "robot.json"}, {"username": "a__b"},
    {"username": "robot_"}, {"username": ".robot"}, {"username": "r"}, {"username": "r" * 256},
    {"username": "duo-helper"}, {"username": "ai_bot"}, {"name": "n" * 256}, {"name": "CI <robot>"},
    {"username": "robot"}, {"username": "ci-bot.2"}, {"username": "robotjson"}, {"username": "x" * 255},
    {"email": "robot@example.com"}, {"name": "CI robot"},
]


@pytest.mark.parametrize("fields", CANDIDATES, ids=lambda f: next(iter(f.items()))[1][:24])
def test_preview_refuses_what_gitlab_refuses_naming_the_field(world, parent, fields):
    field = next(iter(fields))
    given = {**fields, "email": fields.get("email", f"sa{len(CANDIDATES)}@example.com")}
    failures = world.provider(parent.account).check({}, {parent.input: parent.ref, **given}).failures
    status, _, body = world.sb.request("POST", f"/api/v4/{parent.collection}/{parent.id(world)}/service_accounts",
                                       given, token=world.sb.admin_token)
    gitlab_refuses = status == 400 or (status == 201 and body.get("name") != given.get("name", body.get("name")))
    assert ([f.property for f in failures] == [field]) == gitlab_refuses, (status, body, failures)
    if failures:
        assert "would be refused by GitLab" in failures[0].reason or "rewrites" in failures[0].reason


def test_a_rate_limited_create_waits_out_retry_after_and_succeeds(world, parent):
    sb = world.sb
    sb.set_time(None)  # GitLab's window runs on real time here: the provider really waits it out
    sb.control("POST", "application-rate-limits", {"service_account_creation": {"threshold": 1, "interval_seconds": 2}})
    make_account(world, parent, username="first-robot")
    world.calls()
    second = make_account(world, parent, username="second-robot")
    assert second.outs["username"] == "second-robot"
    calls = world.calls()
    assert calls[f"POST {parent.accounts}"] >= 2, "the first attempt was refused with 429, then retried"
    assert [a["username"] for a in sb.api("GET", f"/{parent.collection}/{parent.id(world)}/service_accounts")].count(
        "second-robot") == 1


def test_a_rate_limit_longer_than_the_bound_fails_at_once_with_a_clear_line(world, parent):
    sb = world.sb
    sb.control("POST", "application-rate-limits",
               {"service_account_creation": {"threshold": 1, "interval_seconds": 3600}})
    make_account(world, parent, username="first-robot")
    provider = world.provider(parent.account)
    checked = provider.check({}, {parent.input: parent.ref, "username": "second-robot"}).inputs
    error = world.expect_error(provider.create, checked)
    assert error.status == 429 and "asked to wait 3600 s" in str(error) and "\n" not in str(error)
