"""Project and group deploy tokens through the providers, against the GitLab sandbox.

Deploy tokens have no rotate route, no description, no access level and no
bot user: a new expiry or the rotation window replaces the token (create
before delete), and the ownership mark lives at the end of the token's name
in GitLab. Calls are counted with the sandbox's counters; the ``world``
fixture fails a test whose secrets reach logs, output or error messages.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_provider_sandbox import EngineLike, day, sandbox, world  # noqa: F401  (fixtures)

from pulumi_gitlab_tokens.common import config_keys
from pulumi_gitlab_tokens.kinds import deploy_token_fields
from pulumi_gitlab_tokens.lifecycle import preview_checks, recovery
from pulumi_gitlab_tokens.lifecycle.provider import GroupDeployTokenProvider, ProjectDeployTokenProvider
from pulumi_gitlab_tokens.rules import ownership

pytestmark = pytest.mark.timeout(120)

CREATE = "POST /projects/:id/deploy_tokens"
LIST = "GET /projects/:id/deploy_tokens"
GET = "GET /projects/:id/deploy_tokens/:token_id"
DELETE = "DELETE /projects/:id/deploy_tokens/:token_id"


def deploy(**overrides: Any) -> dict[str, Any]:
    news = {"project": "acme/app", "name": "registry-pull", "scopes": ["read_registry"],
            "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7}}
    news.update(overrides)
    return {k: v for k, v in news.items() if v is not None}


def in_gitlab(world, parent: str = "projects/acme%2Fapp") -> list[dict]:
    """The deploy tokens GitLab holds for the parent, as an administrator lists them."""
    return world.sb.api("GET", f"/{parent}/deploy_tokens")


def provider(world, cls=ProjectDeployTokenProvider, **identity: str):
    made = world.provider(cls)
    for key, value in identity.items():
        setattr(made, key, value)
    return made


# --- the lifecycle -------------------------------------------------------------------------------


def test_create_is_one_post_with_a_gldt_value_a_default_username_and_the_mark_in_gitlabs_name(world):
    token = EngineLike(world, provider(world), deploy())
    assert token.up() == "create"
    assert world.calls() == {CREATE: 1, LIST: 1}  # the run's one listing, for what a dead run left
    outs = token.outs
    assert token.id == f"acme/app:{outs['token_id']}"
    assert outs["token"].startswith("gldt-")
    assert outs["username"] == f"gitlab+deploy-token-{outs['token_id']}"
    assert (outs["name"], outs["scopes"], outs["expires_at"]) == ("registry-pull", ["read_registry"], day(30))
    assert (outs["expired"], outs["revoked"]) == (False, False)
    assert not {"user_id", "access_level", "description", "active"} & set(outs)
    (stored,) = in_gitlab(world)
    user_name, mark = ownership.parse(stored["name"])
    assert (user_name, stored["id"]) == ("registry-pull", outs["token_id"])
    assert mark == token.provider._owner(token.inputs).mark(0, "registry-pull")
    assert stored["expires_at"].startswith(day(30))


def test_no_op_makes_no_call_and_a_defaulted_username_is_no_change(world):
    token = EngineLike(world, provider(world), deploy())
    token.up()
    world.calls()
    assert token.up() == "same"
    assert world.calls() == {}


def test_a_given_username_is_sent_and_changing_it_replaces(world):
    token = EngineLike(world, provider(world), deploy(username="puller+ci"))
    token.up()
    assert token.outs["username"] == "puller+ci"
    assert in_gitlab(world)[0]["username"] == "puller+ci"
    first = token.outs["token_id"]
    assert token.up(deploy(username="puller2")) == "replace"
    assert token.outs["username"] == "puller2" and token.outs["token_id"] != first
    assert [t["id"] for t in in_gitlab(world)] == [token.outs["token_id"]]


def test_a_new_expiry_replaces_create_before_delete(world):
    token = EngineLike(world, provider(world), deploy(rotation_configuration=None, expires_at=day(60)))
    token.up()
    old_id, old_value = token.outs["token_id"], token.outs["token"]
    world.calls()
    checked = token.check(deploy(rotation_configuration=None, expires_at=day(90)))
    assert token.provider.diff(token.id, token.outs, checked).replaces == ["expires_at"]
    assert token.up(deploy(rotation_configuration=None, expires_at=day(90))) == "replace"
    assert world.calls() == {CREATE: 1, DELETE: 1}
    assert token.outs["token"] != old_value and token.outs["expires_at"] == day(90)
    assert [t["id"] for t in in_gitlab(world)] == [token.outs["token_id"]]
    assert world.sb.request("GET", f"/api/v4/projects/acme%2Fapp/deploy_tokens/{old_id}")[0] == 404


def test_no_expiry_means_never_and_adding_one_replaces(world):
    token = EngineLike(world, provider(world), deploy(rotation_configuration=None))
    token.up()
    assert token.outs["expires_at"] is None and in_gitlab(world)[0]["expires_at"] is None
    assert token.up() == "same"
    assert token.up(deploy(rotation_configuration=None, expires_at=day(10))) == "replace"
    assert token.outs["expires_at"] == day(10)


def test_the_rotation_window_replaces_the_token(world):
    token = EngineLike(world, provider(world), deploy())
    token.up()
    first = token.outs["token_id"]
    world.clocks.days_later(22)
    assert token.up() == "same", "before the window: kept"
    world.clocks.days_later(23)
    world.calls()
    assert token.up() == "replace"
    assert world.calls() == {CREATE: 1, DELETE: 1}
    assert token.outs["expires_at"] == day(23 + 30) and token.outs["token_id"] != first
    assert [t["id"] for t in in_gitlab(world)] == [token.outs["token_id"]]


def test_deleted_outside_pulumi_refresh_drops_it_and_up_creates_it_again(world):
    token = EngineLike(world, provider(world), deploy())
    token.up()
    token.deleted_outside_pulumi(f"/projects/acme%2Fapp/deploy_tokens/{token.outs['token_id']}", GET,
                                 lambda: in_gitlab(world))


def test_refresh_is_one_get_and_keeps_the_value(world):
    token = EngineLike(world, provider(world), deploy())
    token.up()
    value = token.outs["token"]
    world.calls()
    assert token.refresh() is True
    assert world.calls() == {GET: 1}
    assert token.outs["token"] == value and token.outs["name"] == "registry-pull"


def test_destroy_is_one_delete_and_a_token_already_gone_counts_as_deleted(world):
    token = EngineLike(world, provider(world), deploy())
    token.up()
    world.calls()
    token.destroy()
    assert world.calls() == {DELETE: 1}
    assert in_gitlab(world) == []
    token.destroy()  # GitLab: 404 Not found, the token is gone: nothing to do


def test_a_missing_project_on_refresh_is_an_error_not_a_vanished_token(world):
    token = EngineLike(world, provider(world), deploy())
    token.up()
    token.id = token.id.replace("acme/app", "acme/ghost")
    token.outs = {**token.outs, "project": "acme/ghost"}
    err = world.expect_error(token.refresh)
    assert "404 Project Not Found" in str(err)


def test_group_deploy_token_lifecycle(world):
    news = {"group": "acme", "name": "group-pull", "scopes": ["read_package_registry", "read_repository"],
            "expires_at": day(30)}
    token = EngineLike(world, provider(world, GroupDeployTokenProvider), news)
    token.up()
    assert world.calls() == {"POST /groups/:id/deploy_tokens": 1, "GET /groups/:id/deploy_tokens": 1}
    assert token.id == f"acme:{token.outs['token_id']}"
    # GitLab answers scopes in its model's order; as a set, that is no change.
    assert token.outs["scopes"] == ["read_repository", "read_package_registry"]
    assert token.up() == "same"
    assert token.refresh() and world.calls() == {"GET /groups/:id/deploy_tokens/:token_id": 1}
    token.destroy()
    assert world.calls() == {"DELETE /groups/:id/deploy_tokens/:token_id": 1}
    assert in_gitlab(world, "groups/acme") == []


# --- inputs ----------------------------------------------------------------------------------------


def test_bad_inputs_name_the_field_and_the_fix(world):
    checked = provider(world).check({}, deploy(scopes=["api"], username="has space", name="n" * 224))
    reasons = {f.property: f.reason for f in checked.failures}
    assert set(reasons) == {"scopes", "username", "name"}
    assert "deploy tokens accept: read_repository, read_registry" in reasons["scopes"]
    assert "letters, digits" in reasons["username"]
    assert f"room for {deploy_token_fields.NAME_MAX_LENGTH}: shorten it by 1" in reasons["name"]
    assert provider(world).check({}, deploy(name="n" * 223)).failures == []
    for computed in ("expired", "token_id"):
        (failure,) = provider(world).check({}, deploy(**{computed: 1})).failures
        assert failure.reason == f"{computed} is computed by GitLab and cannot be set"
    (failure,) = provider(world).check({}, deploy(access_level="developer")).failures
    assert "not an input of ProjectDeployToken" in failure.reason
    assert world.calls() == {}


# --- preview checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(("cls", "parent", "level", "refused"), [
    (ProjectDeployTokenProvider, ("project", "acme/app"), 40, False),
    (ProjectDeployTokenProvider, ("project", "acme/app"), 30, True),
    (GroupDeployTokenProvider, ("group", "acme"), 50, False),
    (GroupDeployTokenProvider, ("group", "acme"), 40, True),
])
def test_preview_refuses_what_up_would(world, monkeypatch, cls, parent, level, refused):
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "true")
    preview_checks.reset()
    user = world.sb.create_user(f"member{level}")
    kind, ident = parent
    world.sb.add_member(kind, world.group["id"] if kind == "group" else world.project["id"], user["id"], level)
    credential = world.sb.create_user_token(user["id"], ["api"])
    world.values.add(credential)
    made = world.provider(cls, token=credential)
    news = {kind: ident, "name": "pull", "scopes": ["read_registry"], "expires_at": day(30)}
    failures = made.check({}, news).failures
    token = EngineLike(world, made, news)
    if not refused:
        assert failures == []
        token.up()
        return
    (failure,) = failures
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "false")
    err = world.expect_error(token.provider.create, news)
    assert failure.property == kind and failure.reason == str(err)
    assert "403 Forbidden" in failure.reason and f"{'Owner' if kind == 'group' else 'Maintainer'} on the" \
        in failure.reason


# --- recovery and ownership ----------------------------------------------------------------------


def test_a_lost_create_answer_leaves_exactly_the_held_token(world):
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=0.5, seed=1)
    token = EngineLike(world, provider(world), deploy())
    token.up()
    world.sb.clear_faults()
    assert world.calls()[CREATE] >= 2, "the seed must drop at least one committed answer"
    (live,) = in_gitlab(world)
    assert live["id"] == token.outs["token_id"]


def test_a_dead_runs_token_is_deleted_and_others_tokens_are_never_touched(world):
    mine = dict(owner="acme/infra/prod", resource="pulumi-python:dynamic/gitlab:ProjectDeployToken::pull")
    # A run that died after GitLab committed its create: the token is in GitLab, not in the state.
    EngineLike(world, provider(world, **mine), deploy()).up()
    EngineLike(world, provider(world, owner="acme/infra/dev", resource=mine["resource"]), deploy()).up()
    world.sb.api("POST", "/projects/acme%2Fapp/deploy_tokens", {"name": "registry-pull", "scopes": ["read_registry"]},
                 expect=201)  # made by hand, same name, no mark
    leftover, others = in_gitlab(world)[0]["id"], [t["id"] for t in in_gitlab(world)[1:]]
    ownership.forget_held()  # a new run
    recovery.forget_listings()
    token = EngineLike(world, provider(world, **mine), deploy())
    token.up()
    ids = [t["id"] for t in in_gitlab(world)]
    assert leftover not in ids, "the dead run's token cannot be adopted without a rotate API: deleted"
    assert ids == others + [token.outs["token_id"]]


def test_answers_lost_every_time_end_in_a_clear_error_and_no_orphan(world, quick_retries):
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=1.0)
    token = EngineLike(world, provider(world), deploy())
    err = world.expect_error(token.up)
    world.sb.clear_faults()
    assert f"failed {recovery.MAX_ATTEMPTS} times without an answer" in str(err)
    assert world.calls()[CREATE] == recovery.MAX_ATTEMPTS
    assert in_gitlab(world) == [], "every token a lost attempt committed was deleted"


def test_no_lifetime_cap_for_deploy_tokens(world):
    """GitLab caps access tokens' lifetime, not deploy tokens': a date years out is created as asked."""
    far = deploy(rotation_configuration=None, expires_at=day(3 * 365))
    token = EngineLike(world, provider(world), far)
    token.up()
    assert token.outs["expires_at"] == day(3 * 365) and in_gitlab(world)[0]["expires_at"].startswith(day(3 * 365))
    long_rotation = deploy(name="long", rotation_configuration={"expiration_days": 730, "rotate_before_days": 30})
    assert provider(world).check({}, long_rotation).failures == []
    # Never beyond what a date can hold: a clear failure, not a crash.
    endless = deploy(rotation_configuration={"expiration_days": 10**7, "rotate_before_days": 1})
    (failure,) = provider(world).check({}, endless).failures
    assert failure.property == "rotation_configuration.expiration_days"


def test_validate_past_expiration_date_changes_in_place_without_a_call(world):
    token = EngineLike(world, provider(world), deploy())
    token.up()
    first = token.outs["token_id"]
    world.calls()
    assert token.up(deploy(validate_past_expiration_date=True)) == "update"
    assert world.calls() == {}
    assert token.outs["token_id"] == first and token.outs["validate_past_expiration_date"] is True
