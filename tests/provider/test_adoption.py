"""Adopting an existing token (``adopt_token_id``) against the GitLab sandbox, driven as the engine drives it.

A token made outside Pulumi is rotated into the resource after its name,
scopes, access level and description are checked; the old value stops
working, the new one works, and from then on the resource manages it.
"""

from __future__ import annotations

import dataclasses

import pytest
from test_provider_sandbox import EngineLike, World, authenticates_as, day, sandbox, world  # noqa: F401  (fixtures)

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.common import config_keys
from pulumi_gitlab_tokens.kinds import parts, resource_tokens
from pulumi_gitlab_tokens.kinds.base import Routes
from pulumi_gitlab_tokens.lifecycle import adoption, preview_checks
from pulumi_gitlab_tokens.lifecycle.provider import GroupAccessTokenProvider, provider_class

pytestmark = pytest.mark.timeout(120)

#: A fault seed whose first rotate answer is lost (the test asserts it).
SEED = 1


def outside(world: World, name: str = "ci", *, collection: str = "projects", parent: int | None = None,
            scopes=("read_api",), level: int = 30, description: str | None = None) -> dict:
    """A token made by hand, outside Pulumi; its value is remembered as a secret."""
    body = {"name": name, "scopes": list(scopes), "access_level": level, "expires_at": day(20)}
    if description is not None:
        body["description"] = description
    parent = world.project["id"] if parent is None else parent
    made = world.sb.api("POST", f"/{collection}/{parent}/access_tokens", body, expect=201)
    world.values.add(made["token"])
    world.sb.reset_counters()
    return made


def adopting(token_id: int, **overrides) -> dict:
    news = {"project": "acme/app", "name": "ci", "scopes": ["read_api"], "access_level": "developer",
            "expires_at": day(60), "adopt_token_id": token_id}
    news.update(overrides)
    return news


def test_adoption_rotates_the_token_and_then_manages_it(world):
    old = outside(world, description="made by hand")
    token = EngineLike(world, world.provider(), adopting(old["id"], description="made by hand"))

    assert token.up() == "create"
    assert world.calls() == {"GET /projects/:id/access_tokens/:token_id": 1,
                             "GET /personal_access_tokens/self": 1,  # is it the provider's credential?
                             "POST /projects/:id/access_tokens/:token_id/rotate": 1}
    outs = token.outs
    assert outs["token_id"] != old["id"] and outs["user_id"] == old["user_id"]
    assert (outs["expires_at"], outs["description"], outs["adopt_token_id"]) == (day(60), "made by hand", old["id"])
    assert authenticates_as(world.sb, old["token"]) is None, "the old value stops working"
    assert authenticates_as(world.sb, outs["token"]) == outs["token_id"]
    assert token.id == f"acme/app:{outs['token_id']}"
    world.calls()

    assert token.up() == "same" and world.calls() == {}  # no-op preview: no call

    assert token.up(adopting(old["id"], description="made by hand", expires_at=day(90))) == "update"
    assert world.calls() == {"POST /projects/:id/access_tokens/:token_id/rotate": 1}
    assert token.outs["user_id"] == old["user_id"]

    token.destroy()
    assert world.calls() == {"DELETE /projects/:id/access_tokens/:token_id": 1}
    assert world.active_tokens() == []


def test_a_mismatch_is_an_error_naming_the_fields_and_leaves_the_token_alone(world):
    old = outside(world, scopes=("read_api", "read_repository"), level=40)
    provider = world.provider()
    checked = provider.check({}, adopting(old["id"], scopes=["read_api"], access_level="developer")).inputs
    err = world.expect_error(provider.create, checked)
    assert "scopes: the token has [read_api, read_repository], the program declares [read_api]" in str(err)
    assert "access_level: the token has 40, the program declares 'developer'" in str(err)
    assert "(scopes, access_level)" in str(err) and "name:" not in str(err)
    assert world.calls() == {"GET /projects/:id/access_tokens/:token_id": 1}
    assert authenticates_as(world.sb, old["token"]) == old["id"]


def test_preview_checks_refuse_a_mismatch_with_one_get(world, monkeypatch):
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "true")
    preview_checks.reset()
    old = outside(world, name="nightly")
    result = world.provider().check({}, adopting(old["id"]))
    assert [(f.property, f.reason.split(":")[0]) for f in result.failures] == [
        ("name", f"token {old['id']} does not match the program, so it is not adopted")]
    assert "name: the token has 'nightly', the program declares 'ci'" in result.failures[0].reason
    assert world.calls().get("GET /projects/:id/access_tokens/:token_id") == 1
    assert world.provider().check({}, adopting(old["id"], name="nightly")).failures == []


FOREIGN_MARKS = {"another owner": "x [pgt:0123456789abcdef.01234567]",
                 "another owner's key": "x [pgt2:1.0123456789abcdef]"}


@pytest.mark.parametrize("case", ["missing", "revoked", *FOREIGN_MARKS])
def test_tokens_that_cannot_be_adopted_are_refused_by_name(world, case):
    old = outside(world, description=FOREIGN_MARKS.get(case))
    if case == "revoked":
        world.sb.api("DELETE", f"/projects/{world.project['id']}/access_tokens/{old['id']}", expect=204)
    token_id = old["id"] + 100 if case == "missing" else old["id"]
    provider = world.provider()
    news = adopting(token_id, description="x" if case in FOREIGN_MARKS else None)
    err = world.expect_error(provider.create, provider.check({}, news).inputs)
    expected = {"missing": f"GitLab has no token {token_id} on the project 'acme/app'",
                "revoked": f"token {token_id} on the project 'acme/app' is revoked or expired",
                "another owner": f"token {token_id} is managed by another Pulumi stack or resource",
                "another owner's key": f"token {token_id} is managed by another Pulumi stack or resource"}[case]
    assert "(adopt_token_id)" in str(err) and expected in str(err)
    assert "POST /projects/:id/access_tokens/:token_id/rotate" not in world.calls()


def test_bad_ids_and_kinds_without_rotation_are_check_failures_naming_the_input(world):
    failures = world.provider().check({}, adopting("soon")).failures
    assert [(f.property, "must be a token id" in f.reason) for f in failures] == [("adopt_token_id", True)]
    deploy_like = dataclasses.replace(kinds.PROJECT, resource_name="ProjectDeployToken", routes=dataclasses.replace(
        kinds.PROJECT.routes, rotate=None, self_rotate=None), renewal=parts.Replacement())
    with pytest.raises(ValueError, match="ProjectDeployToken cannot adopt an existing token: GitLab has no rotate"):
        resource_tokens.parse_adopt_token_id(deploy_like, 7)
    assert world.calls() == {}


def test_the_input_is_read_only_at_creation_and_a_replacement_mints(world):
    old = outside(world)
    token = EngineLike(world, world.provider(), adopting(old["id"]))
    token.up()
    adopted = token.outs["token_id"]
    world.calls()
    assert token.up(adopting(12345)) == "same" and world.calls() == {}  # a later edit changes nothing
    assert token.up(adopting(old["id"], scopes=["read_api", "read_repository"])) == "replace"
    calls = world.calls()
    assert calls.get("POST /projects/:id/access_tokens") == 1 and "POST /projects/:id/access_tokens/:token_id/rotate" not in calls
    assert "adopt_token_id" not in token.outs and token.outs["user_id"] != old["user_id"]
    assert [t["id"] for t in world.active_tokens()] == [token.outs["token_id"]] != [adopted]
    assert token.up(adopting(old["id"], scopes=["read_api", "read_repository"])) == "same"


def test_a_lost_rotate_answer_during_adoption_is_recovered_through_the_bot_user(world):
    old = outside(world)
    world.sb.set_faults(drop_after_commit=["rotate"], drop_rate=0.5, seed=SEED)
    token = EngineLike(world, world.provider(), adopting(old["id"]))
    token.up()
    world.sb.clear_faults()
    calls = world.calls()
    assert calls["POST /projects/:id/access_tokens/:token_id/rotate"] >= 2, "an answer was lost"
    assert calls["GET /projects/:id/access_tokens"] >= 1, "the successor was looked up"
    (live,) = world.active_tokens()
    assert (live["id"], live["user_id"]) == (token.outs["token_id"], old["user_id"])
    assert authenticates_as(world.sb, token.outs["token"]) == live["id"]


def test_group_tokens_adopt_too(world):
    old = outside(world, "platform", collection="groups", parent=world.group["id"], level=50)
    token = EngineLike(world, world.provider(GroupAccessTokenProvider),
                       {"group": "acme", "name": "platform", "scopes": ["read_api"], "access_level": "owner",
                        "expires_at": day(30), "adopt_token_id": old["id"]})
    token.up()
    assert token.outs["user_id"] == old["user_id"] and authenticates_as(world.sb, old["token"]) is None


def test_a_kind_without_a_get_route_finds_the_token_in_the_parents_list(world):
    """Group service-account tokens have no GET route: the listing stands for it."""
    from pulumi_gitlab_tokens.lifecycle import token_endpoints
    from pulumi_gitlab_tokens.rules import inputs

    old = outside(world)
    no_get = dataclasses.replace(kinds.PROJECT, routes=dataclasses.replace(kinds.PROJECT.routes, get=None),
                                 reading=parts.ByListing())
    world.provider()  # configures the sandbox as GitLab
    news = adopting(old["id"])
    spec = inputs.TokenSpec.from_checked(no_get, news)
    api = token_endpoints.TokenEndpoints(no_get, "acme/app")
    answer = adoption.adopt(api, spec, news, old["id"], inputs.parse_date(day(60)), "0" * 16)
    world.values.add(answer["token"])
    assert world.calls() == {"GET /projects/:id/access_tokens": 1, "GET /personal_access_tokens/self": 1, 
                             "POST /projects/:id/access_tokens/:token_id/rotate": 1}
    assert answer["user_id"] == old["user_id"] and authenticates_as(world.sb, old["token"]) is None
    missing = world.expect_error(adoption.adopt, api, spec, news, old["id"] + 50, inputs.parse_date(day(60)), "0" * 16)
    assert "(GET /projects/acme%2Fapp/access_tokens)" in str(missing)


def _personal(world: World, user_id: int, name: str = "laptop", scopes=("read_api",)) -> dict:
    made = world.sb.api("POST", f"/users/{user_id}/personal_access_tokens",
                        {"name": name, "scopes": list(scopes), "expires_at": day(20)}, expect=201)
    world.values.add(made["token"])
    world.sb.reset_counters()
    return made


def test_a_users_personal_token_is_adopted_and_another_users_is_refused(world):
    from pulumi_gitlab_tokens.lifecycle.provider import PersonalAccessTokenProvider

    alice, bob = world.sb.create_user("alice"), world.sb.create_user("bob")
    mine, theirs = _personal(world, alice["id"]), _personal(world, bob["id"])
    provider = world.provider(PersonalAccessTokenProvider)
    news = {"user_id": alice["id"], "name": "laptop", "scopes": ["read_api"], "expires_at": day(60)}

    refused = world.expect_error(provider.create, provider.check({}, {**news, "adopt_token_id": theirs["id"]}).inputs)
    assert f"token {theirs['id']} belongs to user_id {bob['id']}, not to the user_id '{alice['id']}'" in str(refused)
    assert authenticates_as(world.sb, theirs["token"]) == theirs["id"]

    world.calls()
    token = EngineLike(world, provider, {**news, "adopt_token_id": mine["id"]})
    token.up()
    assert world.calls() == {"GET /personal_access_tokens/:id": 1, "GET /personal_access_tokens/self": 1, 
                             "POST /personal_access_tokens/:id/rotate": 1}
    assert authenticates_as(world.sb, mine["token"]) is None
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"]
    world.calls()
    assert token.up() == "same" and world.calls() == {}


def test_deploy_tokens_cannot_adopt_and_the_failure_names_the_input(world):
    from pulumi_gitlab_tokens.lifecycle.provider import ProjectDeployTokenProvider

    assert not adoption.adopts(kinds.PROJECT_DEPLOY) and adoption.adopts(kinds.PERSONAL)
    result = world.provider(ProjectDeployTokenProvider).check(
        {}, {"project": "acme/app", "name": "pull", "scopes": ["read_registry"], "adopt_token_id": 3})
    assert [f.property for f in result.failures] == ["adopt_token_id"]
    assert world.calls() == {}


def test_a_service_accounts_token_is_adopted_through_its_accounts_list(world, monkeypatch):
    """No GET route and a route with the account in it: the account's list stands for the GET."""
    from pulumi_gitlab_tokens.lifecycle.provider import GroupServiceAccountAccessTokenProvider

    tokens = "/groups/:id/service_accounts/:user_id/personal_access_tokens"
    robot = world.sb.api("POST", f"/groups/{world.group['id']}/service_accounts", {"name": "CI robot"}, expect=201)
    made = world.sb.api("POST", f"/groups/{world.group['id']}/service_accounts/{robot['id']}/personal_access_tokens",
                        {"name": "ci", "scopes": ["read_api"], "expires_at": day(20)}, expect=201)
    world.values.add(made["token"])
    news = {"group": "acme", "user_id": robot["id"], "name": "ci", "scopes": ["read_api"], "expires_at": day(60),
            "adopt_token_id": made["id"]}
    world.calls()

    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "true")
    preview_checks.reset()
    (failure,) = world.provider(GroupServiceAccountAccessTokenProvider).check({}, {**news, "name": "nightly"}).failures
    assert failure.property == "name" and "the token has 'ci', the program declares 'nightly'" in failure.reason
    assert world.calls().get(f"GET {tokens}") == 1
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "false")  # as the other tests run
    preview_checks.reset()

    provider = world.provider(GroupServiceAccountAccessTokenProvider)
    token = EngineLike(world, provider, news)
    assert token.up() == "create"
    assert world.calls() == {f"GET {tokens}": 1, "GET /personal_access_tokens/self": 1, f"POST {tokens}/:token_id/rotate": 1}
    assert token.id == f"acme:{robot['id']}:{token.outs['token_id']}" and token.outs["user_id"] == robot["id"]
    assert authenticates_as(world.sb, made["token"]) is None, "the old value stops working"
    assert authenticates_as(world.sb, token.outs["token"]) == token.outs["token_id"]
    world.calls()
    assert token.up() == "same" and world.calls() == {}  # no-op preview: no call
    token.destroy()
    assert world.calls() == {f"DELETE {tokens}/:token_id": 1}

    missing = world.expect_error(provider.create, provider.check({}, {**news, "adopt_token_id": made["id"] + 50}).inputs)
    assert f"(GET /groups/acme/service_accounts/{robot['id']}/personal_access_tokens)" in str(missing)


def test_a_lost_rotate_answer_adopting_a_service_accounts_token_takes_no_other_token(world):
    """The account's tokens share its user_id: an unmarked same-named token is never taken as the successor."""
    from pulumi_gitlab_tokens.lifecycle.provider import GroupServiceAccountAccessTokenProvider

    robot = world.sb.api("POST", f"/groups/{world.group['id']}/service_accounts", {"name": "CI robot"}, expect=201)
    route = f"/groups/{world.group['id']}/service_accounts/{robot['id']}/personal_access_tokens"
    made, twin = (world.sb.api("POST", route, {"name": "ci", "scopes": ["read_api"], "expires_at": day(20)},
                               expect=201) for _ in range(2))
    world.values.update({made["token"], twin["token"]})
    world.sb.set_faults(drop_after_commit=["rotate"], drop_rate=1.0, seed=SEED)
    provider = world.provider(GroupServiceAccountAccessTokenProvider)
    news = {"group": "acme", "user_id": robot["id"], "name": "ci", "scopes": ["read_api"], "expires_at": day(60),
            "adopt_token_id": made["id"]}
    err = world.expect_error(provider.create, provider.check({}, news).inputs)
    world.sb.clear_faults()
    assert "was lost" in str(err) and "pulumi refresh" in str(err)
    calls = world.calls()
    assert calls["POST /groups/:id/service_accounts/:user_id/personal_access_tokens/:token_id/rotate"] == 1
    assert authenticates_as(world.sb, twin["token"]) == twin["id"], "the other token of the account is untouched"


def test_the_providers_own_credential_is_never_adopted(world, monkeypatch):
    """Adopting ``gitlab:token`` would rotate it: the provider would revoke the value it authenticates with."""
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "true")
    preview_checks.reset()
    admin = world.sb.api("GET", "/personal_access_tokens/self")
    user = world.sb.api("GET", "/user")
    news = {"user_id": user["id"], "name": admin["name"], "scopes": admin["scopes"], "expires_at": day(60),
            "adopt_token_id": admin["id"]}
    if admin.get("description"):
        news["description"] = admin["description"]
    provider = world.provider(provider_class(kinds.PERSONAL))
    refused = provider.check({}, news).failures
    assert [f.property for f in refused] == ["adopt_token_id"], [(f.property, f.reason) for f in refused]
    assert "provider's own credential (gitlab:token)" in refused[0].reason
    checked = provider.check({}, {**news, "adopt_token_id": None}).inputs | {"adopt_token_id": admin["id"]}
    err = world.expect_error(provider.create, checked)
    assert "provider's own credential" in str(err)
    assert authenticates_as(world.sb, world.sb.admin_token) == admin["id"], "gitlab:token still works"
