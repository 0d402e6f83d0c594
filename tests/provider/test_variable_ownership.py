"""CI/CD variables a lost answer or a killed run left: taken over only when their mark names this stack and resource.

Each provider is built as the resource classes build it, with the declaring stack and
resource; a "fresh runner" is a new provider instance that knows nothing of the
first one, as after a SIGKILL with the state lost. GitLab's behaviour is the sandbox's.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_variable_provider import (  # noqa: F401  (fixtures)
    OTHER_SECRET,
    PARENTS,
    SECRET,
    EngineLike,
    World,
    kind,
    variable,
    world,
)

from pulumi_gitlab_tokens.lifecycle import recovery
from pulumi_gitlab_tokens.rules import ownership
from pulumi_gitlab_tokens.variables.inputs import MAX_USER_DESCRIPTION_LENGTH
from pulumi_gitlab_tokens.variables.provider import VariableProvider

pytestmark = pytest.mark.timeout(120)

STACK = "organization/infra/prod"


def declared(world: World, kind: str, name: str = "deploy", stack: str = STACK) -> VariableProvider:
    """A provider as ``ProjectVariable(name, ...)`` / ``GroupVariable(name, ...)`` of ``stack`` makes it."""
    provider = world.provider(kind)
    provider.owner = stack
    provider.resource = f"pulumi-python:dynamic/gitlab:{kind.capitalize()}Variable::{name}"
    return provider


def mark_of(stored: dict[str, Any]) -> ownership.Mark | None:
    return ownership.parse(stored["description"])[1]


def listed(world: World, kind: str) -> list[dict[str, Any]]:
    status, _, body = world.sb.request("GET", f"/api/v4/{kind}s/{world.resource_id(kind)}/variables")
    assert status == 200
    return body


def test_the_mark_is_in_gitlab_and_never_in_the_outputs(world: World, kind: str) -> None:
    route = f"/{kind}s/:id/variables"
    provider = declared(world, kind)
    engine = EngineLike(provider)
    engine.up(variable(kind, description="for deploys"))
    stored = world.in_gitlab(kind, "DEPLOY_TOKEN")
    assert stored["description"].startswith("for deploys [pgt2:")
    assert provider.claimant().minted(mark_of(stored), "DEPLOY_TOKEN")
    assert engine.outs["description"] == "for deploys"
    assert engine.refresh() and engine.outs["description"] == "for deploys"
    world.calls()
    assert engine.up(variable(kind, description="for deploys")) == "same" and world.calls() == {}

    # Cleared: GitLab keeps only the mark, the outputs have no description. An update keeps the mark.
    assert engine.up(variable(kind, value=OTHER_SECRET)) == "update"
    assert world.calls() == {f"PUT {route}/:key": 1}
    stored = world.in_gitlab(kind, "DEPLOY_TOKEN")
    assert provider.claimant().minted(mark_of(stored), "DEPLOY_TOKEN")
    assert ownership.user_description(stored["description"]) is None
    assert "description" not in engine.outs


def test_a_create_killed_after_gitlab_committed_is_finished_on_a_fresh_runner(world: World, kind: str) -> None:
    route = f"/{kind}s/:id/variables"
    EngineLike(declared(world, kind)).up(variable(kind, description="v1"))  # committed; its run then died
    ownership.forget_held()  # a fresh runner: nothing in memory, and no state of that create
    world.calls()

    rerun = EngineLike(declared(world, kind))
    assert rerun.up(variable(kind, value=OTHER_SECRET, protected=False, description="v2")) == "create"
    assert world.calls() == {f"POST {route}": 1, f"GET {route}/:key": 1, f"PUT {route}/:key": 1}
    [only] = [v for v in listed(world, kind) if v["key"] == "DEPLOY_TOKEN"]
    assert (only["value"], only["protected"], ownership.user_description(only["description"])) == (
        OTHER_SECRET, False, "v2")
    assert rerun.id == f"{PARENTS[kind]}:DEPLOY_TOKEN:*" and rerun.outs["value"] == OTHER_SECRET
    assert rerun.up(variable(kind, value=OTHER_SECRET, protected=False, description="v2")) == "same"


def test_a_lost_answer_is_finished_by_the_same_create(world: World, kind: str) -> None:
    route = f"/{kind}s/:id/variables"
    world.sb.set_faults(drop_after_commit=["create_variable"], drop_rate=1.0)
    engine = EngineLike(declared(world, kind))
    assert engine.up(variable(kind)) == "create"
    world.sb.clear_faults()
    assert world.calls() == {f"POST {route}": 1, f"GET {route}/:key": 1, f"PUT {route}/:key": 1}
    stored = world.in_gitlab(kind, "DEPLOY_TOKEN")
    assert stored["value"] == SECRET and len(listed(world, kind)) == 1
    assert engine.outs["value"] == SECRET


def test_posts_that_never_commit_end_in_a_bounded_error_then_the_next_up_creates(world: World, kind: str,
                                                                                 monkeypatch) -> None:
    route = f"/{kind}s/:id/variables"
    monkeypatch.setattr(recovery, "RETRY_PAUSE_SECONDS", 0)
    world.sb.set_faults(error_rate=1.0, error_status=502, methods=["POST"])
    engine = EngineLike(declared(world, kind))
    message = world.expect_error(engine.up, variable(kind))
    world.sb.clear_faults()
    assert f"failed {recovery.MAX_ATTEMPTS} times without an answer" in message and "DEPLOY_TOKEN" in message
    assert world.calls() == {f"POST {route}": recovery.MAX_ATTEMPTS, f"GET {route}/:key": recovery.MAX_ATTEMPTS}
    assert listed(world, kind) == []
    assert engine.up(variable(kind)) == "create" and world.in_gitlab(kind, "DEPLOY_TOKEN")["value"] == SECRET


def test_another_stacks_variable_with_the_same_key_and_scope_is_never_touched(world: World, kind: str) -> None:
    route = f"/{kind}s/:id/variables"
    EngineLike(declared(world, kind, stack="organization/infra/staging")).up(
        variable(kind, value=OTHER_SECRET, description="theirs"))
    before = world.in_gitlab(kind, "DEPLOY_TOKEN")
    world.calls()

    message = world.expect_error(EngineLike(declared(world, kind)).up, variable(kind))
    assert f"{kind.capitalize()}Variable 'DEPLOY_TOKEN' (environment_scope '*') of {kind} '{PARENTS[kind]}'" in message
    assert "another stack" in message and "delete it in GitLab" in message and "another key" in message
    assert world.calls() == {f"POST {route}": 1, f"GET {route}/:key": 1}  # no PUT, no DELETE
    assert world.in_gitlab(kind, "DEPLOY_TOKEN") == before


def test_a_variable_of_another_resource_or_with_no_mark_is_never_touched(world: World, kind: str) -> None:
    EngineLike(declared(world, kind, name="old-name")).up(variable(kind, value=OTHER_SECRET))
    message = world.expect_error(EngineLike(declared(world, kind, name="new-name")).up, variable(kind))
    assert "another resource of this stack" in message and "aliases" in message
    assert world.in_gitlab(kind, "DEPLOY_TOKEN")["value"] == OTHER_SECRET

    world.sb.request("POST", f"/api/v4/{kind}s/{world.resource_id(kind)}/variables",
                     {"key": "BY_HAND", "value": OTHER_SECRET, "description": "made by hand"})
    message = world.expect_error(EngineLike(declared(world, kind)).up, variable(kind, key="BY_HAND"))
    assert "no ownership mark" in message
    assert world.in_gitlab(kind, "BY_HAND")["description"] == "made by hand"


def test_a_provider_from_a_state_written_before_marks_claims_nothing(world: World, kind: str) -> None:
    EngineLike(declared(world, kind)).up(variable(kind, value=OTHER_SECRET))
    unmarked = world.provider(kind)  # no stack nor resource: what such a state unpickles
    assert unmarked.claimant() is None
    world.expect_error(EngineLike(unmarked).up, variable(kind))
    assert world.in_gitlab(kind, "DEPLOY_TOKEN")["value"] == OTHER_SECRET


def test_a_leftover_whose_hidden_differs_is_made_anew(world: World, kind: str) -> None:
    route = f"/{kind}s/:id/variables"
    EngineLike(declared(world, kind)).up(variable(kind, value=OTHER_SECRET))
    ownership.forget_held()
    world.calls()
    engine = EngineLike(declared(world, kind))
    assert engine.up(variable(kind, hidden=True)) == "create"
    assert world.calls() == {f"POST {route}": 2, f"GET {route}/:key": 1, f"DELETE {route}/:key": 1}
    stored = world.in_gitlab(kind, "DEPLOY_TOKEN")
    assert stored["hidden"] is True and mark_of(stored) is not None
    assert engine.outs["value"] == SECRET and len(listed(world, kind)) == 1


def test_the_description_leaves_room_for_the_mark(world: World, kind: str) -> None:
    provider = declared(world, kind)
    assert MAX_USER_DESCRIPTION_LENGTH == 255 - ownership.MARK_ROOM
    fits = provider.check({}, variable(kind, description="d" * MAX_USER_DESCRIPTION_LENGTH))
    assert fits.failures == []
    [failure] = provider.check({}, variable(kind, description="d" * (MAX_USER_DESCRIPTION_LENGTH + 1))).failures
    assert failure.property == "description" and f"at most {MAX_USER_DESCRIPTION_LENGTH} fit" in failure.reason
    EngineLike(provider).up(variable(kind, description="d" * MAX_USER_DESCRIPTION_LENGTH))
    # The mark's room is its longest (a 7-digit generation); GitLab's 255 always hold both.
    stored = world.in_gitlab(kind, "DEPLOY_TOKEN")["description"]
    assert stored.startswith("d" * MAX_USER_DESCRIPTION_LENGTH + " [pgt2:") and len(stored) <= 255
