"""Project and group runners through the provider, against the GitLab sandbox.

A runner made with ``POST /user/runners`` holds a ``glrt-`` authentication token: no name, scopes or
expiry, the ownership mark at the end of its description, read and deleted at ``/runners/:id``, and
reset in place (same runner, new value) when a lost create answer leaves one behind. Calls are counted
with the sandbox's counters; the ``world`` fixture fails a test whose secrets reach logs, output or
error messages.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime import config as runtime_config
from test_provider_sandbox import EngineLike, sandbox, world  # noqa: F401  (fixtures)

from pulumi_gitlab_tokens import kinds, list_project_runners
from pulumi_gitlab_tokens.client import gitlab_client
from pulumi_gitlab_tokens.lifecycle import recovery
from pulumi_gitlab_tokens.lifecycle.provider import provider_class
from pulumi_gitlab_tokens.rules import ownership

pytestmark = pytest.mark.timeout(120)

CREATE = "POST /user/runners"
GET = "GET /runners/:id"
DELETE = "DELETE /runners/:id"
RESET = "POST /runners/:id/reset_authentication_token"
LIST = "GET /projects/:id/runners"
GROUP_LIST = "GET /groups/:id/runners"
#: GitLab's project_id is a number: a project given by path is looked up once per create.
LOOKUP = "GET /projects/:id"


def runner(**overrides: Any) -> dict[str, Any]:
    news = {"project": "acme/app", "description": "docker builds", "tag_list": ["docker", "linux"],
            "run_untagged": False}
    news.update(overrides)
    return {k: v for k, v in news.items() if v is not None}


def in_gitlab(world, kind: str = "projects", parent: str = "acme%2Fapp") -> list[dict]:
    """The parent's own runners as the administrator lists them."""
    own = "project_type" if kind == "projects" else "group_type"
    return world.sb.api("GET", f"/{kind}/{parent}/runners?type={own}")


def provider(world, kind=kinds.PROJECT_RUNNER, **identity: str):
    made = world.provider(provider_class(kind))
    for key, value in identity.items():
        setattr(made, key, value)
    return made


def test_create_posts_the_type_and_parent_id_and_marks_the_description(world):
    token = EngineLike(world, provider(world), runner())
    assert token.up() == "create"
    # The path is looked up for GitLab's numeric project_id; the run's one listing is for what a dead run left.
    calls = world.calls()
    assert calls[CREATE] == 1 and calls[LIST] == 1 and calls.get(LOOKUP) == 1
    outs = token.outs
    assert token.id == f"acme/app:{outs['token_id']}"
    assert outs["token"].startswith("glrt-t3_")
    assert (outs["description"], outs["tag_list"], outs["run_untagged"]) == ("docker builds", ["docker", "linux"],
                                                                             False)
    assert not {"scopes", "expires_at", "name"} & set(outs)
    # Settings the program leaves out are GitLab's defaults in the state, never compared.
    assert (outs["paused"], outs["locked"], outs["maximum_timeout"]) == (False, False, None)
    (listed,) = in_gitlab(world)
    user_text, mark = ownership.parse(listed["description"])
    assert (user_text, listed["id"], listed["runner_type"]) == ("docker builds", outs["token_id"], "project_type")
    assert mark == token.provider._owner(token.inputs).mark(0, "")
    details = world.sb.api("GET", f"/runners/{outs['token_id']}")
    assert (details["tag_list"], details["run_untagged"]) == (["docker", "linux"], False)


def test_a_numeric_project_costs_no_lookup(world):
    token = EngineLike(world, provider(world), runner(project=world.project["id"]))
    token.up()
    assert LOOKUP not in world.calls()


def test_no_op_makes_no_call_and_a_changed_setting_replaces_the_runner(world):
    token = EngineLike(world, provider(world), runner())
    token.up()
    first = dict(token.outs)
    world.calls()
    assert token.up() == "same"
    assert world.calls() == {}
    # Tags are compared as a set: another order is no change.
    assert token.up(runner(tag_list=["linux", "docker"])) == "same"
    result = token.provider.diff(token.id, token.outs, token.check(runner(paused=True)))
    assert (result.changes, result.replaces, result.delete_before_replace) == (True, ["paused"], False)
    assert token.up(runner(paused=True)) == "replace"
    calls = world.calls()
    assert (calls[CREATE], calls[DELETE]) == (1, 1)
    assert token.outs["token_id"] != first["token_id"] and token.outs["token"] != first["token"]
    assert [(r["id"], r["paused"]) for r in in_gitlab(world)] == [(token.outs["token_id"], True)]


def test_refresh_is_one_get_and_a_setting_left_to_gitlab_is_never_a_change(world):
    token = EngineLike(world, provider(world), runner(maintenance_note=""))
    token.up()
    world.calls()
    assert token.refresh() is True
    assert world.calls() == {GET: 1}
    assert (token.outs["paused"], token.outs["maintenance_note"], token.outs["status"]) == (
        False, None, "never_contacted")
    assert token.up() == "same", "an empty note is no note, as GitLab keeps it"
    # Declaring what GitLab already has is no change; declaring something else replaces the runner.
    assert token.up(runner(maintenance_note="", paused=False, locked=False)) == "same"
    assert token.up(runner(maintenance_note="", paused=True)) == "replace"
    assert world.calls() == {LOOKUP: 1, CREATE: 1, DELETE: 1}


def test_deleted_outside_pulumi_refresh_drops_it_and_up_creates_it_again(world):
    token = EngineLike(world, provider(world), runner())
    token.up()
    token.deleted_outside_pulumi(f"/runners/{token.outs['token_id']}", GET, lambda: in_gitlab(world))


def test_destroy_is_one_delete_and_a_deleted_runner_counts_as_deleted(world):
    token = EngineLike(world, provider(world), runner())
    token.up()
    token.destroyed_twice(DELETE, lambda: in_gitlab(world))  # again: 404 Runner Not Found


def test_a_group_runner_needs_the_groups_owner(world):
    maintainer = world.sb.create_user("group-maintainer")
    world.sb.add_member("group", world.group["id"], maintainer["id"], 40)
    credential = world.sb.create_user_token(maintainer["id"], ["api"])
    world.values.add(credential)
    refused = world.provider(provider_class(kinds.GROUP_RUNNER), token=credential)
    err = world.expect_error(refused.create, refused.check({}, runner(project=None, group="acme")).inputs)
    assert "403 Forbidden - Insufficient permissions" in str(err) and "POST /user/runners" in str(err)
    token = EngineLike(world, provider(world, kinds.GROUP_RUNNER), runner(project=None, group="acme"))
    assert token.up() == "create"
    assert token.outs["token"].startswith("glrt-t2_")
    (listed,) = in_gitlab(world, "groups", "acme")
    assert listed["id"] == token.outs["token_id"]
    assert kinds.GROUP_RUNNER.creators.role == "Owner"
    token.destroy()
    assert in_gitlab(world, "groups", "acme") == []


def test_the_import_id_names_the_parent_and_runner():
    kind = kinds.PROJECT_RUNNER
    assert kind.import_id_form == "<project>:<token id>"
    assert kind.values_from_id("acme/app:12") == {"project": "acme/app"}


def test_bad_settings_are_refused_at_preview_naming_the_field(world):
    failures = provider(world).check({}, runner(maximum_timeout=60, tag_list=["a,b"], scopes=["api"],
                                                description="d" * 1000)).failures
    reasons = {f.property: f.reason for f in failures}
    assert set(reasons) == {"maximum_timeout", "tag_list", "scopes", "description"}
    assert "at least 600" in reasons["maximum_timeout"] and "without commas" in reasons["tag_list"]
    assert "scopes is not an input of ProjectRunner" in reasons["scopes"]
    assert "1000 characters long" in reasons["description"] and "ownership mark" in reasons["description"]
    (spaced,) = provider(world).check({}, runner(tag_list=[" docker"])).failures
    assert spaced.property == "tag_list" and "surrounding spaces" in spaced.reason


def test_gitlabs_model_errors_name_the_route(world):
    # GitLab refuses a runner with no tags that may not run untagged jobs; the error names the route and rule.
    err = world.expect_error(provider(world).create, runner(tag_list=[], run_untagged=False))
    assert "POST /user/runners" in str(err) and "Tags list can not be empty" in str(err)


def test_a_lost_create_answer_is_recovered_by_resetting_the_runner_it_made(world):
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=0.5, seed=1)
    token = EngineLike(world, provider(world), runner())
    token.up()
    world.sb.clear_faults()
    calls = world.calls()
    # The seed drops the first answer: the runner it made is found by its mark and its token reset.
    assert (calls[CREATE], calls[RESET]) == (1, 1)
    live = in_gitlab(world)
    assert [r["id"] for r in live] == [token.outs["token_id"]], "exactly one runner: the one the state holds"
    assert token.outs["token"].startswith("glrt-t3_")


def test_a_dead_runs_runner_is_taken_over_and_anothers_is_never_touched(world):
    mine = dict(owner="acme/infra/prod", resource="pulumi-python:dynamic/gitlab:ProjectRunner::builder")
    EngineLike(world, provider(world, **mine), runner()).up()  # a run that died after GitLab committed
    EngineLike(world, provider(world, owner="acme/infra/dev", resource=mine["resource"]), runner()).up()
    leftover, other = sorted(r["id"] for r in in_gitlab(world))
    ownership.forget_held()  # a new run
    recovery.forget_listings()
    world.calls()
    token = EngineLike(world, provider(world, **mine), runner())
    # The stack also holds a trigger of the same id: ids are unique per GitLab table, not across them.
    ownership.hold(gitlab_client.id_space(kinds.PIPELINE_TRIGGER.id_table), leftover)
    token.up()
    # Its settings read (the list has none) and matched, then its token reset: no second runner.
    assert world.calls() == {LIST: 1, GET: 1, RESET: 1}
    assert token.outs["token_id"] == leftover
    assert sorted(r["id"] for r in in_gitlab(world)) == [leftover, other], "another stack's runner is never touched"


def test_the_list_shows_the_projects_runners_without_values_and_which_are_managed(world):
    token = EngineLike(world, provider(world), runner())
    token.up()
    by_hand = world.sb.api("POST", "/user/runners", {"runner_type": "project_type", "project_id": world.project["id"],
                                                       "description": "by hand", "paused": True}, expect=201)
    world.values.add(by_hand["token"])
    runtime_config.set_all_config({"gitlab:baseUrl": world.sb.base_url + "/api/v4",
                                   "gitlab:token": world.sb.admin_token}, ["gitlab:token"])
    try:
        records = list_project_runners("acme/app")
    finally:
        runtime_config.set_all_config({}, [])
    assert sorted((r.id, r.description, r.managed) for r in records) == sorted([
        (token.outs["token_id"], "docker builds", True), (by_hand["id"], "by hand", False)])
    assert all(r.active for r in records), "a paused runner's token still works: paused is not revoked"


def test_a_dead_runs_runner_with_other_settings_is_deleted_not_taken_over(world):
    """The program changed between the kill and the rerun: the runner that landed has the old settings (its
    list shows none, so one read tells), so it is deleted and a runner with the program's settings created."""
    mine = dict(owner="acme/infra/prod", resource="pulumi-python:dynamic/gitlab:ProjectRunner::builder")
    EngineLike(world, provider(world, **mine), runner(tag_list=["docker"])).up()  # a run that died
    (leftover,) = in_gitlab(world)
    ownership.forget_held()
    recovery.forget_listings()
    world.calls()
    token = EngineLike(world, provider(world, **mine), runner(tag_list=["docker", "linux"]))
    token.up()
    assert world.calls() == {LIST: 1, GET: 1, DELETE: 1, LOOKUP: 1, CREATE: 1}
    (live,) = in_gitlab(world)
    assert live["id"] == token.outs["token_id"] != leftover["id"]
    assert world.sb.api("GET", f"/runners/{live['id']}")["tag_list"] == ["docker", "linux"]
