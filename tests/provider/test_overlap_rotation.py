"""Rotation with overlap (``grace_period_days``): the decision, its validation, and the provider against the sandbox.

An overlap rotation mints a successor with the kind's create route (so the
ownership mark and recovery of creates apply) and records the predecessor with
the day it is revoked on. The token's predecessor revocation (its child resource,
driven here as the engine drives it) revokes it at the first ``up`` on or after
that day, once no variable fed from the token holds it; a refresh never does.
Without the option nothing changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from test_provider_sandbox import (  # noqa: F401  (fixtures)
    TODAY,
    EngineLike,
    World,
    _declared,
    _post,
    authenticates_as,
    day,
    new_run,
    rotating,
    sandbox,
    world,
)

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.kinds import parts
from pulumi_gitlab_tokens.lifecycle.delivery import REVOKING_KEY, PredecessorRevocationProvider, revoking
from pulumi_gitlab_tokens.lifecycle.provider import (
    GroupAccessTokenProvider,
    GroupServiceAccountAccessTokenProvider,
    ProjectDeployTokenProvider,
    provider_class,
)
from pulumi_gitlab_tokens.lifecycle.stored import PREDECESSORS_KEY
from pulumi_gitlab_tokens.rules import ownership
from pulumi_gitlab_tokens.rules.inputs import check_inputs, is_unknown
from pulumi_gitlab_tokens.rules.rotation import (
    Action,
    Predecessor,
    PreviousToken,
    RotationConfiguration,
    WantedExpiry,
    decide,
    due_predecessors,
)
from pulumi_gitlab_tokens.service_accounts.provider import GroupServiceAccountProvider

R30_7_GRACE3 = RotationConfiguration(30, 7, 3)
CREATE = "POST /projects/:id/access_tokens"
LIST = "GET /projects/:id/access_tokens"
REVOKE = "DELETE /projects/:id/access_tokens/:token_id"


def date(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def overlapping(grace: int = 3, **overrides: Any) -> dict[str, Any]:
    return rotating(rotation_configuration={"expiration_days": 30, "rotate_before_days": 7,
                                            "grace_period_days": grace}, **overrides)


# --- the decision (pure) -----------------------------------------------------------------------


def test_a_due_rotation_under_a_grace_period_overlaps_and_says_when_the_old_value_goes():
    decision = decide(PreviousToken(date(7), R30_7_GRACE3), WantedExpiry(None, R30_7_GRACE3), TODAY)
    assert (decision.action, decision.expires_at, decision.overlap) == (Action.ROTATE, date(30), True)
    assert decision.revoke_predecessor_on == date(3)
    assert "stays valid until" in decision.reason


def test_without_a_grace_period_a_rotation_does_not_overlap():
    plain = RotationConfiguration(30, 7)
    decision = decide(PreviousToken(date(7), plain), WantedExpiry(None, plain), TODAY)
    assert decision.action is Action.ROTATE and not decision.overlap and decision.revoke_predecessor_on is None


def test_an_expired_token_is_rotated_without_overlap_since_its_value_is_already_dead():
    decision = decide(PreviousToken(TODAY, R30_7_GRACE3), WantedExpiry(None, R30_7_GRACE3), TODAY)
    assert decision.action is Action.ROTATE and not decision.overlap


def test_adding_or_changing_the_grace_period_never_rotates_by_itself():
    for old in (RotationConfiguration(30, 7), RotationConfiguration(30, 7, 5)):
        decision = decide(PreviousToken(date(20), old), WantedExpiry(None, R30_7_GRACE3), TODAY)
        assert decision.action is Action.KEEP, old


def test_predecessors_are_due_on_their_revoke_day_not_before():
    early, late = Predecessor(1, date(0)), Predecessor(2, date(1))
    assert due_predecessors([early, late], TODAY) == ([early], [late])
    assert due_predecessors([early, late], date(1)) == ([early, late], [])


def test_the_revocation_plan_waits_for_every_holder_and_is_unknown_only_when_it_must_be():
    """What preview shows: a plan from known values, or unknown when a due predecessor meets an unknown holder."""
    recorded = [{"token_id": 1, "revoke_on": date(0).isoformat()}, {"token_id": 2, "revoke_on": date(5).isoformat()}]
    assert [p["token_id"] for p in revoking(recorded, [3, 3], TODAY)] == [1]
    assert revoking(recorded, [3, 1], TODAY) == [], "a variable still holds token 1"
    assert revoking(recorded, [3, None], TODAY) == [], "a variable that records nothing may hold it"
    assert is_unknown(revoking(recorded, [3, "04da6b54-80e4-46f7-96ec-b56ff0331ba9"], TODAY))
    assert revoking(recorded, "04da6b54-80e4-46f7-96ec-b56ff0331ba9", date(-1)) == [], "nothing due: no holder matters"
    # The token rotates this run (its outputs unknown at preview): planned from what was seen last run.
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert revoking(unknown, unknown, TODAY, seen=[recorded[1]]) == []
    assert is_unknown(revoking(unknown, unknown, TODAY, seen=recorded))
    assert "no variable of this stack is fed from the token" in revoking(recorded, [], TODAY)[0]["reason"]


# --- validation ---------------------------------------------------------------------------------


def _failures(news: dict[str, Any], kind=kinds.PROJECT) -> dict[str, str]:
    return {f.property: f.reason for f in check_inputs(kind, {}, news, TODAY)[1]}


@pytest.mark.parametrize("grace", [7, 8])
def test_a_grace_period_as_long_as_the_remaining_life_at_rotation_is_refused(grace):
    reason = _failures(overlapping(grace))["rotation_configuration.grace_period_days"]
    assert f"grace_period_days ({grace}) must be less than rotate_before_days (7)" in reason


@pytest.mark.parametrize("grace", [-1, 1.5, "3", True])
def test_a_grace_period_that_is_not_a_whole_number_of_days_is_refused(grace):
    assert "whole number of days" in _failures(overlapping(grace))["rotation_configuration.grace_period_days"]


def test_a_kind_that_cannot_overlap_refuses_a_grace_period_naming_the_field():
    no_overlap = dataclasses.replace(kinds.PROJECT, renewal=parts.RotateRoute(self_rotates=True, overlaps=False))
    refused = _failures(overlapping(3), no_overlap)
    assert "remove grace_period_days" in refused["rotation_configuration.grace_period_days"]
    assert _failures(overlapping(0), no_overlap) == {}


def test_the_stored_inputs_carry_the_grace_period_only_when_set():
    plain, _ = check_inputs(kinds.PROJECT, {}, rotating(), TODAY)
    assert plain["rotation_configuration"] == {"expiration_days": 30, "rotate_before_days": 7}
    graced, _ = check_inputs(kinds.PROJECT, {}, overlapping(3), TODAY)
    assert graced["rotation_configuration"]["grace_period_days"] == 3


def test_the_project_and_group_kinds_overlap():
    assert kinds.PROJECT.overlaps and kinds.GROUP.overlaps
    without_rotation_input = dataclasses.replace(
        kinds.PROJECT, inputs=tuple(f for f in kinds.PROJECT.inputs if f.name != "rotation_configuration"))
    assert not without_rotation_input.overlaps


# --- the provider against the sandbox ----------------------------------------------------------


class Revocation(EngineLike):
    """A token's predecessor revocation, given the token's outputs and its holders as the engine gives them."""

    def __init__(self, world: World, token: EngineLike) -> None:
        super().__init__(world, world.provider(PredecessorRevocationProvider), {})  # type: ignore[arg-type]
        self.token = token

    def run(self, holders: list[Any] | None = None) -> str:
        """The ``up`` step of the revocation after the token's (``holders``: the variables' records)."""
        kind = self.token.provider.kind
        location = {key: self.token.outs.get(key) for key in (kind.parent, *kind.route_inputs)}
        return self.up({"token_kind": kind.resource_name, "token_location": location,
                        "token_id": self.token.outs["token_id"], PREDECESSORS_KEY: self.token.outs.get(PREDECESSORS_KEY),
                        "holders": list(holders or []), REVOKING_KEY: None})


def _rotate_with_overlap(world: World, token: EngineLike) -> dict[str, Any]:
    """Create, then move to the rotation window (day 23) and run the rotating ``up``; the first outputs."""
    token.up()
    first = dict(token.outs)
    world.clocks.days_later(23)
    new_run()  # another night, another run
    world.calls()
    assert token.up() == "update"
    return first


def test_an_overlap_rotation_mints_a_successor_and_revokes_the_predecessor_after_the_grace(world):
    foreign = _post(world, overlapping(), None)  # same name, made by hand: never touched
    token = EngineLike(world, _declared(world, "deploy-bot"), overlapping(3))
    first = _rotate_with_overlap(world, token)
    assert world.calls() == {LIST: 1, CREATE: 1}, "a successor is a create, not GitLab's rotate"
    second = token.outs
    assert second["token_id"] != first["token_id"] and second["user_id"] != first["user_id"]
    assert second["expires_at"] == day(53)
    assert second[PREDECESSORS_KEY] == [{"token_id": first["token_id"], "revoke_on": day(26)}]
    assert authenticates_as(world.sb, first["token"]) == first["token_id"]
    assert authenticates_as(world.sb, second["token"]) == second["token_id"]

    world.clocks.days_later(25)
    world.calls()
    assert token.up() == "same" and world.calls() == {}, "inside the grace period nothing is called"
    assert authenticates_as(world.sb, first["token"]) == first["token_id"]

    world.clocks.days_later(26)
    world.calls()
    revocation = Revocation(world, token)
    assert token.up() == "same", "the token itself revokes nothing: its predecessor revocation does"
    assert revocation.run() == "create"
    assert world.calls() == {REVOKE: 1}
    assert [p["token_id"] for p in revocation.outs[REVOKING_KEY]] == [first["token_id"]]
    assert "grace period ended on" in revocation.outs[REVOKING_KEY][0]["reason"]
    assert authenticates_as(world.sb, first["token"]) is None
    assert {t["id"] for t in world.active_tokens()} == {second["token_id"], foreign["id"]}
    world.calls()
    assert token.up() == "same" and revocation.run() == "same" and world.calls() == {}


def test_a_refresh_after_the_grace_revokes_nothing(world):
    """``refresh`` and ``preview --refresh`` only read: the predecessor stays recorded and working."""
    token = EngineLike(world, _declared(world, "deploy-bot"), overlapping(3))
    first = _rotate_with_overlap(world, token)
    world.clocks.days_later(26)
    world.calls()
    assert token.refresh()
    assert world.calls() == {"GET /projects/:id/access_tokens/:token_id": 1}
    assert token.outs[PREDECESSORS_KEY] == [{"token_id": first["token_id"], "revoke_on": day(26)}]
    assert authenticates_as(world.sb, first["token"]) == first["token_id"]


def test_a_predecessor_a_variable_still_holds_is_kept_whatever_the_calendar_says(world):
    """The variable's PUT failed since the rotation: its record still names the predecessor."""
    token = EngineLike(world, _declared(world, "deploy-bot"), overlapping(3))
    first = _rotate_with_overlap(world, token)
    revocation = Revocation(world, token)
    for later in (26, 27, 29):  # the predecessor itself expires on day 30
        world.clocks.days_later(later)
        world.calls()
        assert token.up() == "same"
        assert revocation.run(holders=[first["token_id"], token.outs["token_id"]]) in ("create", "same")
        assert world.calls() == {} and revocation.outs[REVOKING_KEY] == []
        assert authenticates_as(world.sb, first["token"]) == first["token_id"], f"day {later}"
    world.calls()
    assert revocation.run(holders=[token.outs["token_id"]] * 2) == "update"  # both variables delivered
    assert world.calls() == {REVOKE: 1}
    assert authenticates_as(world.sb, first["token"]) is None


def test_a_holder_that_records_no_token_keeps_every_predecessor(world):
    token = EngineLike(world, _declared(world, "deploy-bot"), overlapping(3))
    first = _rotate_with_overlap(world, token)
    world.clocks.days_later(26)
    world.calls()
    assert Revocation(world, token).run(holders=[None]) == "create"
    assert world.calls() == {}
    assert authenticates_as(world.sb, first["token"]) == first["token_id"]


def test_the_next_rotation_forgets_a_revoked_predecessor(world):
    token = EngineLike(world, _declared(world, "deploy-bot"), overlapping(3))
    first = _rotate_with_overlap(world, token)
    revocation = Revocation(world, token)
    world.clocks.days_later(26)
    revocation.run()
    world.clocks.days_later(23 + 23)  # the successor's own rotation window
    new_run()
    world.calls()
    assert token.up() == "update"
    assert world.calls() == {LIST: 1, CREATE: 1, "GET /projects/:id/access_tokens/:token_id": 1}
    recorded = [p["token_id"] for p in token.outs[PREDECESSORS_KEY]]
    assert first["token_id"] not in recorded and len(recorded) == 1


def test_without_a_grace_period_left_over_predecessors_are_revoked_by_the_token_update(world):
    """A grace period removed from the program: no revocation resource is left, the token's ``up`` revokes."""
    token = EngineLike(world, _declared(world, "deploy-bot"), overlapping(3))
    first = _rotate_with_overlap(world, token)
    world.clocks.days_later(26)
    world.calls()
    assert token.up(rotating()) == "update"
    assert world.calls() == {REVOKE: 1}
    assert PREDECESSORS_KEY not in token.outs
    assert authenticates_as(world.sb, first["token"]) is None


def test_destroy_during_the_grace_revokes_the_predecessor_too(world):
    token = EngineLike(world, _declared(world, "deploy-bot"), overlapping(3))
    _rotate_with_overlap(world, token)
    token.destroy()
    assert world.active_tokens() == []


def test_an_overlap_rotation_that_died_is_adopted_not_orphaned_and_the_predecessor_survives(world):
    provider = _declared(world, "deploy-bot")
    token = EngineLike(world, provider, overlapping(3))
    first = _rotate_with_overlap(world, token)
    lost = token.outs  # the successor GitLab committed; the run died before the state recorded it
    world.values.add(lost["token"])
    # The state the dead run left: the first up's inputs (its generation, 1, included) and outputs.
    token.outs = first
    token.inputs = {**{k: v for k, v in first.items() if k in kinds.PROJECT.input_names},
                    ownership.GENERATION_KEY: 1}
    new_run()
    world.calls()
    assert token.up() == "update"
    calls = world.calls()
    assert calls == {LIST: 1, "POST /projects/:id/access_tokens/:token_id/rotate": 1}, calls
    assert token.outs["user_id"] == lost["user_id"], "the dead run's successor is adopted, by rotation"
    assert authenticates_as(world.sb, lost["token"]) is None
    assert authenticates_as(world.sb, first["token"]) == first["token_id"], "the predecessor keeps its grace"
    assert {t["id"] for t in world.active_tokens()} == {first["token_id"], token.outs["token_id"]}
    world.clocks.days_later(26)
    token.up()
    Revocation(world, token).run()
    assert [t["id"] for t in world.active_tokens()] == [token.outs["token_id"]]


def test_adding_a_grace_period_to_a_stack_changes_its_state_only(world):
    token = EngineLike(world, _declared(world, "deploy-bot"), rotating())
    token.up()
    before = dict(token.outs)
    world.calls()
    assert token.up(overlapping(3)) == "update"
    assert world.calls() == {}
    assert token.outs["token_id"] == before["token_id"] and token.outs["token"] == before["token"]


def test_a_group_token_overlaps_the_same_way(world):
    provider = world.provider(GroupAccessTokenProvider)
    provider.owner, provider.resource = "org/app/dev", "pulumi-python:dynamic/gitlab:GroupAccessToken::reader"
    token = EngineLike(world, provider, overlapping(3, group="acme", project=None, access_level="reporter"))
    first = _rotate_with_overlap(world, token)
    assert world.calls() == {"GET /groups/:id/access_tokens": 1, "POST /groups/:id/access_tokens": 1}
    assert token.outs["user_id"] != first["user_id"]
    assert authenticates_as(world.sb, first["token"]) == first["token_id"]
    world.clocks.days_later(26)
    token.up()
    Revocation(world, token).run()
    assert authenticates_as(world.sb, first["token"]) is None
    assert [t["id"] for t in world.active_tokens()] == [token.outs["token_id"]]


def test_a_personal_token_overlaps_with_a_new_token_of_the_same_user(world):
    user = world.sb.create_user("alice")
    provider = world.provider(provider_class(kinds.PERSONAL))
    provider.owner, provider.resource = "org/app/dev", "pulumi-python:dynamic/gitlab:PersonalAccessToken::ci"
    graced = {"expiration_days": 30, "rotate_before_days": 7, "grace_period_days": 3}
    token = EngineLike(world, provider, {"user_id": user["id"], "name": "ci", "scopes": ["read_api"],
                                         "rotation_configuration": graced})
    first = _rotate_with_overlap(world, token)
    assert world.calls() == {"GET /personal_access_tokens": 1, "POST /users/:user_id/personal_access_tokens": 1}
    second = token.outs
    assert authenticates_as(world.sb, first["token"]) == first["token_id"]
    assert authenticates_as(world.sb, second["token"]) == second["token_id"] != first["token_id"]
    world.clocks.days_later(26)
    world.calls()
    assert token.up() == "same" and Revocation(world, token).run() == "create"
    assert world.calls() == {"DELETE /personal_access_tokens/:id": 1}
    assert authenticates_as(world.sb, first["token"]) is None
    mine = [t for t in world.sb.control("GET", "tokens?include_personal=true")
            if t["user_id"] == user["id"] and t["active"]]
    assert [t["id"] for t in mine] == [second["token_id"]], "one token of the same user is left"


def test_a_deploy_token_overlaps_as_an_update_with_a_new_deploy_token_not_a_replacement(world):
    """No rotate route: without a grace period the window replaces the token; with one, a successor is
    made beside it and the predecessor revoked after the grace."""
    provider = world.provider(ProjectDeployTokenProvider)
    provider.owner, provider.resource = "org/app/dev", "pulumi-python:dynamic/gitlab:ProjectDeployToken::pull"
    graced = {"expiration_days": 30, "rotate_before_days": 7, "grace_period_days": 3}
    token = EngineLike(world, provider, {"project": "acme/app", "name": "registry-pull", "scopes": ["read_registry"],
                                         "rotation_configuration": graced})
    first = _rotate_with_overlap(world, token)  # "update", not "replace"
    assert world.calls() == {"GET /projects/:id/deploy_tokens": 1, "POST /projects/:id/deploy_tokens": 1}

    def live() -> set[int]:
        listed = world.sb.api("GET", "/projects/acme%2Fapp/deploy_tokens")
        return {t["id"] for t in listed if not t.get("revoked") and not t.get("expired")}

    assert live() == {first["token_id"], token.outs["token_id"]}
    world.clocks.days_later(26)
    world.calls()
    assert token.up() == "same" and Revocation(world, token).run() == "create"
    assert world.calls() == {"DELETE /projects/:id/deploy_tokens/:token_id": 1}
    assert live() == {token.outs["token_id"]}


def test_a_service_account_token_overlaps_with_a_new_token_of_the_same_account(world):
    account = EngineLike(world, world.provider(GroupServiceAccountProvider), {"group": "acme"})
    account.up()
    user_id = account.outs["service_account_id"]
    provider = world.provider(GroupServiceAccountAccessTokenProvider)
    provider.owner = "org/app/dev"
    provider.resource = "pulumi-python:dynamic/gitlab:GroupServiceAccountAccessToken::ci"
    graced = {"expiration_days": 30, "rotate_before_days": 7, "grace_period_days": 3}
    token = EngineLike(world, provider, {"group": "acme", "user_id": user_id, "name": "ci", "scopes": ["read_api"],
                                         "rotation_configuration": graced})
    first = _rotate_with_overlap(world, token)
    tokens = "/groups/:id/service_accounts/:user_id/personal_access_tokens"
    assert world.calls() == {f"GET {tokens}": 1, f"POST {tokens}": 1}
    second = token.outs
    assert second["user_id"] == first["user_id"] == user_id, "the same service account"
    assert authenticates_as(world.sb, first["token"]) == first["token_id"]
    assert authenticates_as(world.sb, second["token"]) == second["token_id"] != first["token_id"]
    world.clocks.days_later(26)
    world.calls()
    assert token.up() == "same" and Revocation(world, token).run() == "create"
    assert world.calls() == {f"DELETE {tokens}/:token_id": 1}
    assert authenticates_as(world.sb, first["token"]) is None
    assert authenticates_as(world.sb, second["token"]) == second["token_id"]


def test_a_variable_fed_from_a_token_after_its_revocation_was_registered_is_an_error_naming_both():
    """Counted too late (inside an apply), it would be missed, and its value revoked under it: it fails instead."""
    from pulumi_gitlab_tokens.common.errors import GitLabTokenError
    from pulumi_gitlab_tokens.lifecycle.delivery import _Delivery

    delivery = _Delivery("registry-reader", token_id=None)  # type: ignore[arg-type]
    delivery.add("registry-token", "held")  # type: ignore[arg-type]
    delivery.closed = True
    with pytest.raises(GitLabTokenError) as raised:
        delivery.add("late-variable", "held")  # type: ignore[arg-type]
    assert "'late-variable' is fed from token 'registry-reader'" in str(raised.value)
    assert "declare the variables fed from a token in the program's body" in str(raised.value)
    assert delivery.holders == ["held"]
