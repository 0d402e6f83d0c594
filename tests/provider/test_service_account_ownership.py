"""Service accounts a lost answer or a killed run left: adopted, never duplicated, and others' never touched.

The mark lives at the end of the account's ``name``. A "fresh runner" is a new
provider instance with nothing held in memory, as after a SIGKILL with the state lost.
Every test runs for a group's and a project's accounts (the ``parent`` fixture).
"""

from __future__ import annotations

from typing import Any

import pytest
from test_provider_sandbox import EngineLike, World, sandbox, world  # noqa: F401  (fixtures)
from test_service_account_kind import Parent, parent  # noqa: F401  (fixture)

from pulumi_gitlab_tokens.rules import ownership
from pulumi_gitlab_tokens.service_accounts.provider import DEFAULT_NAME, USER_NAME_MAX_LENGTH, ServiceAccountProvider

pytestmark = pytest.mark.timeout(120)

STACK = "organization/infra/prod"


@pytest.fixture
def calls(parent: Parent) -> dict[str, str]:
    """The counters' names of the parent's account routes."""
    return {"LIST": f"GET {parent.accounts}", "POST": f"POST {parent.accounts}",
            "DELETE": f"DELETE {parent.accounts}/:user_id"}


def declared(world: World, parent: Parent, name: str = "ci-robot", stack: str = STACK) -> ServiceAccountProvider:
    """A provider as ``GroupServiceAccount(name, ...)`` (or ``ProjectServiceAccount``) of ``stack`` makes it."""
    provider = world.provider(parent.account)
    provider.owner = stack
    provider.resource = f"pulumi-python:dynamic/gitlab:{parent.account.home.resource_name}::{name}"
    return provider


def account(world: World, parent: Parent, provider: ServiceAccountProvider, **inputs: Any) -> EngineLike:
    return EngineLike(world, provider, {parent.input: parent.ref, **inputs})


def accounts(world: World, parent: Parent) -> list[dict[str, Any]]:
    status, _, body = world.sb.request(
        "GET", f"/api/v4/{parent.collection}/{parent.id(world)}/service_accounts?per_page=100")
    assert status == 200
    return body


def fresh_runner() -> None:
    ownership.forget_held()


def test_the_mark_is_in_the_name_in_gitlab_and_never_in_the_outputs(
        world: World, parent: Parent, calls: dict[str, str],
) -> None:
    provider = declared(world, parent)
    named = account(world, parent, provider, name="CI robot")
    named.up()
    assert world.calls() == {calls["LIST"]: 1, calls["POST"]: 1}
    [stored] = accounts(world, parent)
    assert stored["name"].startswith("CI robot [pgt2:")
    assert provider.claimant().minted(ownership.parse(stored["name"])[1], "CI robot")
    assert not provider.claimant().minted(ownership.parse(stored["name"])[1], "CI robot 2"), "bound to its name"
    assert named.outs["name"] == "CI robot"
    assert named.refresh() and named.outs["name"] == "CI robot"
    world.calls()
    assert named.up() == "same" and world.calls() == {}

    unnamed = account(world, parent, declared(world, parent, name="other"))
    unnamed.up()
    [stored] = [a for a in accounts(world, parent) if a["id"] == unnamed.outs["service_account_id"]]
    assert stored["name"].startswith(f"{DEFAULT_NAME} [pgt2:") and unnamed.outs["name"] == DEFAULT_NAME


@pytest.mark.parametrize("username", [None, "ci-robot"])
def test_a_create_killed_after_gitlab_committed_is_adopted_on_a_fresh_runner(
        world: World, parent: Parent, calls: dict[str, str], username,
) -> None:
    inputs = {"name": "CI robot", **({"username": username} if username else {})}
    first = account(world, parent, declared(world, parent), **inputs)
    first.up()  # committed; its run then died with the answer
    fresh_runner()
    world.calls()

    rerun = account(world, parent, declared(world, parent), **inputs)
    assert rerun.up() == "create"
    assert world.calls() == {calls["LIST"]: 1}, "adopted: no second POST"
    assert rerun.outs["service_account_id"] == first.outs["service_account_id"]
    assert [a["id"] for a in accounts(world, parent)] == [first.outs["service_account_id"]]
    assert rerun.outs["name"] == "CI robot" and (username is None or rerun.outs["username"] == username)


def test_a_mark_copied_onto_a_second_account_makes_neither_adoptable(
        world: World, parent: Parent, calls: dict[str, str],
) -> None:
    """GitLab lists revoked tokens' marks and group Owners can name accounts: a mark on two accounts is a copy."""
    # committed; its run then died with the answer
    account(world, parent, declared(world, parent), name="CI robot").up()
    [leftover] = accounts(world, parent)
    copy = world.sb.api("POST", f"/{parent.collection}/{parent.id(world)}/service_accounts",
                        {"name": leftover["name"], "username": "copycat"})
    fresh_runner()
    world.calls()
    rerun = account(world, parent, declared(world, parent), name="CI robot")
    assert rerun.up() == "create"
    assert world.calls() == {calls["LIST"]: 1, calls["POST"]: 1}, "nothing adopted, nothing deleted"
    assert {a["id"] for a in accounts(world, parent)} == {leftover["id"], copy["id"], rerun.outs["service_account_id"]}


def test_a_leftover_that_no_longer_fits_is_deleted_and_the_account_made_anew(
        world: World, parent: Parent, calls: dict[str, str],
) -> None:
    account(world, parent, declared(world, parent), name="old name", username="ci-robot").up()
    fresh_runner()
    world.calls()
    rerun = account(world, parent, declared(world, parent), name="new name", username="ci-robot")
    rerun.up()
    assert world.calls() == {calls["LIST"]: 1, calls["DELETE"]: 1, calls["POST"]: 1}
    [only] = accounts(world, parent)
    assert only["id"] == rerun.outs["service_account_id"] and only["username"] == "ci-robot"
    assert ownership.user_description(only["name"]) == "new name"


@pytest.mark.parametrize("username", [None, "ci-robot"])
def test_a_lost_answer_is_adopted_by_the_same_create(
        world: World, parent: Parent, calls: dict[str, str], username,
) -> None:
    world.sb.set_faults(drop_after_commit=["create_service_account"], drop_rate=1.0)
    created = account(world, parent, declared(world, parent), **({"username": username} if username else {}))
    assert created.up() == "create"
    world.sb.clear_faults()
    assert world.calls() == {calls["LIST"]: 2, calls["POST"]: 1}
    [only] = accounts(world, parent)
    assert created.outs["service_account_id"] == only["id"] and created.outs["name"] == DEFAULT_NAME


def test_another_stacks_account_with_the_same_username_is_never_touched(
        world: World, parent: Parent, calls: dict[str, str],
) -> None:
    theirs = account(world, parent, declared(world, parent, stack="organization/infra/staging"),
                     username="ci-robot", name="CI")
    theirs.up()
    fresh_runner()
    world.calls()
    error = world.expect_error(account(world, parent, declared(world, parent), username="ci-robot", name="CI").up)
    message = str(error)
    assert f"id {theirs.outs['service_account_id']} ('ci-robot'" in message
    assert f"{parent.input} {parent.ref!r}" in message
    assert "another stack" in message and "choose another username" in message
    assert world.calls() == {calls["LIST"]: 2, calls["POST"]: 1}  # no DELETE
    [still] = accounts(world, parent)
    assert still["id"] == theirs.outs["service_account_id"] and still["name"].startswith("CI [pgt2:")


def test_an_unmarked_account_or_a_user_elsewhere_holding_the_username_is_never_touched(
        world: World, parent: Parent,
) -> None:
    world.sb.request("POST", f"/api/v4/{parent.collection}/{parent.id(world)}/service_accounts",
                     {"username": "by-hand"})
    message = str(world.expect_error(account(world, parent, declared(world, parent), username="by-hand").up))
    assert "no ownership mark" in message and "'by-hand'" in message
    assert [a["username"] for a in accounts(world, parent)] == ["by-hand"]

    world.sb.create_user("someone")
    message = str(world.expect_error(account(world, parent, declared(world, parent), username="someone").up))
    assert f"No service account of {parent.input} {parent.ref!r} holds it" in message
    assert "choose another username" in message.lower()


def test_another_stacks_account_without_a_username_is_never_adopted_nor_deleted(world: World, parent: Parent) -> None:
    theirs = account(world, parent, declared(world, parent, stack="organization/infra/staging"), name="CI robot")
    theirs.up()
    unmarked = world.sb.request("POST", f"/api/v4/{parent.collection}/{parent.id(world)}/service_accounts",
                                {"name": "CI robot"})[2]
    fresh_runner()
    mine = account(world, parent, declared(world, parent), name="CI robot")
    mine.up()
    ids = {a["id"] for a in accounts(world, parent)}
    assert ids == {theirs.outs["service_account_id"], unmarked["id"], mine.outs["service_account_id"]}
    assert len(ids) == 3


def test_a_replacement_never_adopts_the_account_it_replaces(world: World, parent: Parent) -> None:
    engine = account(world, parent, declared(world, parent), name="CI robot")
    engine.up()
    old_id = engine.outs["service_account_id"]
    fresh_runner()  # a later run: the engine's diff shows the state's account before the create
    engine.provider = declared(world, parent)
    assert engine.up({parent.input: parent.ref, "name": "Renamed robot"}) == "replace"
    assert engine.outs["service_account_id"] != old_id
    [only] = accounts(world, parent)
    assert only["id"] == engine.outs["service_account_id"]


def test_the_name_leaves_room_for_the_mark(world: World, parent: Parent) -> None:
    provider = declared(world, parent)
    assert USER_NAME_MAX_LENGTH == 255 - ownership.MARK_ROOM
    assert provider.check({}, {parent.input: parent.ref, "name": "n" * USER_NAME_MAX_LENGTH}).failures == []
    [failure] = provider.check({}, {parent.input: parent.ref, "name": "n" * (USER_NAME_MAX_LENGTH + 1)}).failures
    assert failure.property == "name" and f"at most {USER_NAME_MAX_LENGTH} fit" in failure.reason
    account(world, parent, provider, name="n" * USER_NAME_MAX_LENGTH).up()
    # The mark's room is its longest (a 7-digit generation); GitLab's 255 always hold both.
    stored = accounts(world, parent)[0]["name"]
    assert stored.startswith("n" * USER_NAME_MAX_LENGTH + " [pgt2:") and len(stored) <= 255
