"""Pipeline trigger tokens through the provider, against the GitLab sandbox.

A kind that does not look like an access token: no name, no scopes, no expiry, no
rotate route, and a description GitLab edits in place. Calls are counted with the
sandbox's counters; the ``world`` fixture fails a test whose secrets reach logs,
output or error messages.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime import config as runtime_config
from test_provider_sandbox import EngineLike, sandbox, world  # noqa: F401  (fixtures)

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.common import config_keys
from pulumi_gitlab_tokens.lifecycle import preview_checks, recovery
from pulumi_gitlab_tokens.lifecycle.provider import provider_class
from pulumi_gitlab_tokens.resources.token_lists import list_tokens
from pulumi_gitlab_tokens.rules import ownership

pytestmark = pytest.mark.timeout(120)

CREATE = "POST /projects/:id/triggers"
LIST = "GET /projects/:id/triggers"
GET = "GET /projects/:id/triggers/:trigger_id"
UPDATE = "PUT /projects/:id/triggers/:trigger_id"
DELETE = "DELETE /projects/:id/triggers/:trigger_id"


def trigger(**overrides: Any) -> dict[str, Any]:
    news = {"project": "acme/app", "description": "deploy hook"}
    news.update(overrides)
    return {k: v for k, v in news.items() if v is not None}


def in_gitlab(world) -> list[dict]:
    """The project's triggers as the administrator lists them."""
    return world.sb.api("GET", "/projects/acme%2Fapp/triggers")


def provider(world, **identity: str):
    made = world.provider(provider_class(kinds.PIPELINE_TRIGGER))
    for key, value in identity.items():
        setattr(made, key, value)
    return made


def test_create_is_one_post_with_a_glptt_value_and_the_mark_after_the_description(world):
    token = EngineLike(world, provider(world), trigger())
    assert token.up() == "create"
    assert world.calls() == {CREATE: 1, LIST: 1}  # the run's one listing, for what a dead run left
    outs = token.outs
    assert token.id == f"acme/app:{outs['token_id']}"
    assert outs["token"].startswith("glptt-")
    assert outs["description"] == "deploy hook"
    assert not {"name", "scopes", "expires_at", "user_id"} & set(outs)
    (stored,) = in_gitlab(world)
    user_text, mark = ownership.parse(stored["description"])
    assert (user_text, stored["id"]) == ("deploy hook", outs["token_id"])
    assert mark == token.provider._owner(token.inputs).mark(0, "")
    assert outs["ownership_mark"] == mark.text()


def test_no_op_makes_no_call_and_a_new_description_is_one_put_in_place(world):
    token = EngineLike(world, provider(world), trigger())
    token.up()
    first = dict(token.outs)
    world.calls()
    assert token.up() == "same"
    assert world.calls() == {}
    assert token.up(trigger(description="release hook")) == "update"
    assert world.calls() == {UPDATE: 1}
    assert (token.outs["token_id"], token.outs["token"]) == (first["token_id"], first["token"])
    assert token.outs["description"] == "release hook"
    (stored,) = in_gitlab(world)
    assert ownership.parse(stored["description"]) == ("release hook", ownership.parse(first["ownership_mark"])[1])


def test_moving_to_another_project_replaces_it(world):
    token = EngineLike(world, provider(world), trigger())
    token.up()
    result = token.provider.diff(token.id, token.outs, token.check(trigger(project="acme/other")))
    assert (result.changes, result.replaces, result.delete_before_replace) == (True, ["project"], False)


def test_deleted_outside_pulumi_refresh_drops_it_and_up_creates_it_again(world):
    token = EngineLike(world, provider(world), trigger())
    token.up()
    token.deleted_outside_pulumi(f"/projects/acme%2Fapp/triggers/{token.outs['token_id']}", GET,
                                 lambda: in_gitlab(world))


def test_destroy_is_one_delete_and_a_missing_trigger_counts_as_deleted(world):
    token = EngineLike(world, provider(world), trigger())
    token.up()
    token.destroyed_twice(DELETE, lambda: in_gitlab(world))  # again: GitLab answers 404 Not found


def test_inputs_it_does_not_have_are_refused_naming_them(world):
    failures = provider(world).check({}, trigger(name="x", scopes=["api"], expires_at="2027-01-01")).failures
    assert {f.property: f.reason.split(";")[0] for f in failures} == {
        "name": "name is not an input of PipelineTrigger",
        "scopes": "scopes is not an input of PipelineTrigger",
        "expires_at": "expires_at is not an input of PipelineTrigger",
    }


@pytest.mark.parametrize(("level", "refused"), [(40, False), (30, True)])
def test_preview_refuses_a_developer_as_the_create_would(world, monkeypatch, level, refused):
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "true")
    preview_checks.reset()
    user = world.sb.create_user(f"member{level}")
    world.sb.add_member("project", world.project["id"], user["id"], level)
    credential = world.sb.create_user_token(user["id"], ["api"])
    world.values.add(credential)
    made = world.provider(provider_class(kinds.PIPELINE_TRIGGER), token=credential)
    failures = made.check({}, trigger()).failures
    token = EngineLike(world, made, trigger())
    if not refused:
        assert failures == []
        assert token.up() == "create"
        return
    (failure,) = failures
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "false")
    err = world.expect_error(token.provider.create, trigger())
    assert failure.property == "project" and failure.reason == str(err)
    assert "403 Forbidden" in failure.reason and "Maintainer on the project" in failure.reason


def test_a_lost_create_answer_leaves_exactly_the_held_trigger(world):
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=0.5, seed=1)
    token = EngineLike(world, provider(world), trigger())
    token.up()
    world.sb.clear_faults()
    assert world.calls()[CREATE] >= 2, "the seed must drop at least one committed answer"
    (live,) = in_gitlab(world)
    assert live["id"] == token.outs["token_id"]


def test_a_dead_runs_trigger_is_deleted_and_others_are_never_touched(world):
    mine = dict(owner="acme/infra/prod", resource="pulumi-python:dynamic/gitlab:PipelineTrigger::hook")
    EngineLike(world, provider(world, **mine), trigger()).up()  # a run that died after GitLab committed
    EngineLike(world, provider(world, owner="acme/infra/dev", resource=mine["resource"]), trigger()).up()
    world.sb.api("POST", "/projects/acme%2Fapp/triggers", {"description": "deploy hook"}, expect=201)  # by hand
    leftover, others = in_gitlab(world)[0]["id"], [t["id"] for t in in_gitlab(world)[1:]]
    ownership.forget_held()  # a new run
    recovery.forget_listings()
    token = EngineLike(world, provider(world, **mine), trigger())
    token.up()
    ids = [t["id"] for t in in_gitlab(world)]
    assert leftover not in ids, "the dead run's trigger cannot be taken over without its value: deleted"
    assert ids == others + [token.outs["token_id"]]


def test_the_list_shows_every_trigger_without_its_value_and_which_are_managed(world):
    token = EngineLike(world, provider(world), trigger())
    token.up()
    world.sb.api("POST", "/projects/acme%2Fapp/triggers", {"description": "by hand"}, expect=201)
    runtime_config.set_all_config({"gitlab:baseUrl": world.sb.base_url + "/api/v4",
                                   "gitlab:token": world.sb.admin_token}, ["gitlab:token"])
    try:
        records = list_tokens(kinds.PIPELINE_TRIGGER, "acme/app")
    finally:
        runtime_config.set_all_config({}, [])
    assert [(r.description, r.managed) for r in records] == [("deploy hook", True), ("by hand", False)]
    assert records[0].id == token.outs["token_id"]
    assert token.outs["token"] not in repr(records)


def test_a_lost_attempt_that_lands_late_is_deleted_by_the_next_update_and_no_other(world):
    """The state names a timed-out create attempt by its mark; a trigger it made later goes at the next update."""
    token = EngineLike(world, provider(world), trigger())
    token.up()
    late = token.provider._owner(token.inputs).mark(1, "")
    landed = world.sb.api("POST", "/projects/acme%2Fapp/triggers", {"description": f"deploy hook {late.text()}"},
                          expect=201)
    world.sb.api("POST", "/projects/acme%2Fapp/triggers", {"description": "by hand"}, expect=201)
    world.values.add(landed["token"])
    olds = {**token.outs, "unconfirmed_attempts": [late.text()]}
    result = token.provider.update(token.id, olds, token.check(trigger(description="release hook")))
    assert "unconfirmed_attempts" not in result.outs
    left = {t["id"]: ownership.parse(t["description"])[0] for t in in_gitlab(world)}
    assert left == {token.outs["token_id"]: "release hook", landed["id"] + 1: "by hand"}
