"""Pipeline trigger tokens over real HTTP, driven by unmodified python-gitlab (``project.triggers``).

Facts from GitLab's source (``lib/api/ci/triggers.rb``, ``app/models/ci/trigger.rb``,
``app/policies/ci/trigger_policy.rb``, ``Ci::TriggerPresenter``, ``Ci::PipelineTriggers::*Service``);
where python-gitlab's manager cannot express a call (a missing required attribute, an extra header)
its own ``http_*`` methods make it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any, Callable

import gitlab
import pytest

from .conftest import MAINTAINER, World, in_a_month

FORBIDDEN = (403, {"message": "403 Forbidden"})
UPDATE_REFUSED = (403, {"message": "403 Forbidden - The current user is not authorized to update the pipeline "
                                   "trigger token"})
TRIGGER_NOT_FOUND = (404, {"message": "404 Not found"})
PROJECT_NOT_FOUND = (404, {"message": "404 Project Not Found"})
ROUTE = "/api/v4/projects/:id/triggers"
TOKEN = re.compile(r"glptt-[0-9a-f]{40}")


def _project(world: World, as_: str | None = None, project_id: int | None = None):
    """The project through python-gitlab as one of the world's people (the admin by default), without a GET."""
    client = world.sb.gitlab(world.tokens[as_] if as_ else None)
    return client.projects.get(project_id or world.project["id"], lazy=True)


def _refusal(call: Callable[[], Any]) -> tuple[int, Any]:
    """The status and JSON body GitLab refused ``call`` with."""
    with pytest.raises(gitlab.GitlabError) as caught:
        call()
    return caught.value.response_code, json.loads(caught.value.response_body)


def _path(world: World, suffix: str = "") -> str:
    return f"/projects/{world.project['id']}/triggers{suffix}"


def test_lifecycle_with_python_gitlab(world: World) -> None:
    sb = world.sb
    sb.set_time("2026-03-01T10:00:00Z")
    project = _project(world, "maintainer")
    sb.reset_counters()
    created = project.triggers.create({"description": "deploy from the docs repo"})
    assert {k: v for k, v in created.attributes.items() if k != "project_id"} == {
        "id": created.id, "token": created.token, "description": "deploy from the docs repo",
        "created_at": "2026-03-01T10:00:00.000Z", "updated_at": "2026-03-01T10:00:00.000Z",
        "last_used": None, "expires_at": None,
        "owner": {"id": world.users["maintainer"]["id"], "username": "maintainer", "name": "Maintainer",
                  "state": "active", "locked": False, "avatar_url": None, "web_url": f"{sb.base_url}/maintainer"}}
    assert TOKEN.fullmatch(created.token)
    assert [t.id for t in project.triggers.list()] == [created.id]

    sb.set_time("2026-03-02T10:00:00Z")
    created.description = "deploy from the handbook"
    created.save()
    fetched = project.triggers.get(created.id)
    assert (fetched.id, fetched.token, fetched.description, fetched.created_at, fetched.updated_at) == (
        created.id, created.token, "deploy from the handbook", "2026-03-01T10:00:00.000Z",
        "2026-03-02T10:00:00.000Z")

    project.triggers.delete(created.id)
    assert _refusal(lambda: project.triggers.get(created.id)) == TRIGGER_NOT_FOUND
    assert project.triggers.list() == []
    assert sb.calls() == {f"POST {ROUTE}": 1, f"GET {ROUTE}": 2, f"PUT {ROUTE}/:trigger_id": 1,
                          f"GET {ROUTE}/:trigger_id": 2, f"DELETE {ROUTE}/:trigger_id": 1}
    assert created.token not in sb.read_log()


def test_the_whole_token_is_shown_only_to_its_owner(world: World) -> None:
    mine = _project(world, "maintainer").triggers.create({"description": "mine"})
    short = mine.token[len("glptt-"):][:4]
    for viewer in ("owner", None):  # the group's Owner, the administrator
        project = _project(world, viewer)
        assert [t.token for t in project.triggers.list()] == [short]
        assert project.triggers.get(mine.id).token == short
    assert _project(world, "maintainer").triggers.get(mine.id).token == mine.token
    theirs = _project(world, "owner").triggers.create({"description": "theirs"})
    assert [t.token for t in _project(world, "maintainer").triggers.list()] == [mine.token,
                                                                                theirs.token[6:10]]


def test_only_the_owner_updates_a_trigger(world: World) -> None:
    trigger = _project(world, "maintainer").triggers.create({"description": "before"})
    for other in ("owner", None):
        stranger_copy = _project(world, other).triggers.get(trigger.id)
        stranger_copy.description = "taken over"
        assert _refusal(stranger_copy.save) == UPDATE_REFUSED
    assert _project(world, "maintainer").triggers.get(trigger.id).description == "before"


def test_a_developer_may_do_nothing(world: World) -> None:
    trigger = _project(world, "maintainer").triggers.create({"description": "ci"})
    project = _project(world, "developer")
    assert _refusal(project.triggers.list) == FORBIDDEN
    assert _refusal(lambda: project.triggers.get(trigger.id)) == FORBIDDEN
    assert _refusal(lambda: project.triggers.create({"description": "mine"})) == FORBIDDEN
    assert _refusal(lambda: project.triggers.delete(trigger.id)) == FORBIDDEN
    # The update has no authorize!: the trigger is looked up first, then UpdateService refuses.
    assert _refusal(lambda: project.triggers.update(trigger.id, {"description": "x"})) == UPDATE_REFUSED
    assert _refusal(lambda: project.triggers.update(trigger.id + 1, {"description": "x"})) == TRIGGER_NOT_FOUND
    assert [t.description for t in _project(world, "maintainer").triggers.list()] == ["ci"]


def test_a_stranger_does_not_see_a_private_project(world: World) -> None:
    trigger = _project(world, "maintainer").triggers.create({"description": "ci"})
    project = _project(world, "outsider")
    assert _refusal(project.triggers.list) == PROJECT_NOT_FOUND
    assert _refusal(lambda: project.triggers.get(trigger.id)) == PROJECT_NOT_FOUND
    assert _refusal(lambda: project.triggers.create({"description": "x"})) == PROJECT_NOT_FOUND
    assert _refusal(lambda: project.triggers.update(trigger.id, {"description": "x"})) == PROJECT_NOT_FOUND
    assert _refusal(lambda: project.triggers.delete(trigger.id)) == PROJECT_NOT_FOUND
    assert _refusal(_project(world, None, 999999).triggers.list) == PROJECT_NOT_FOUND
    public = world.sb.api("POST", "/projects", {"name": "open", "namespace_id": world.group["id"],
                                                "visibility": "public"})
    assert _refusal(_project(world, "outsider", public["id"]).triggers.list) == FORBIDDEN


def test_unknown_triggers_and_bad_ids(world: World) -> None:
    sb = world.sb
    other = sb.create_project("other", world.group["id"])
    elsewhere = _project(world, None, other["id"]).triggers.create({"description": "elsewhere"})
    project = _project(world)
    for trigger_id in (elsewhere.id, 999999, -5):
        assert _refusal(lambda: project.triggers.get(trigger_id)) == TRIGGER_NOT_FOUND
        assert _refusal(lambda: project.triggers.update(trigger_id, {"description": "x"})) == TRIGGER_NOT_FOUND
        assert _refusal(lambda: project.triggers.delete(trigger_id)) == TRIGGER_NOT_FOUND
    gl = sb.gitlab()
    for method in (gl.http_get, gl.http_put, gl.http_delete):
        assert _refusal(lambda: method(_path(world, "/abc"))) == (400, {"error": "trigger_id is invalid"})
    # Grape validates parameters before the endpoint looks for the project.
    assert _refusal(lambda: gl.http_get("/projects/999999/triggers/abc")) == (400, {"error": "trigger_id is invalid"})
    assert _project(world, None, other["id"]).triggers.get(elsewhere.id).description == "elsewhere"


def test_create_needs_a_description(world: World) -> None:
    gl = world.sb.gitlab()
    assert _refusal(lambda: gl.http_post(_path(world), post_data={})) == (400, {"error": "description is missing"})
    assert _refusal(lambda: gl.http_post(_path(world), post_data={"description": {"a": 1}})) == (
        400, {"error": "description is invalid"})
    empty = _project(world).triggers.create({"description": ""})
    assert empty.description == ""


def test_expires_at_is_dropped_and_triggers_never_expire(world: World) -> None:
    """``trigger_token_expiration`` is off by default: the date is read as a DateTime, then not kept."""
    sb = world.sb
    gl = sb.gitlab()
    far = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365 * 20)).isoformat()
    for expires_at in ("2027-01-01", far):
        created = gl.http_post(_path(world), post_data={"description": "dated", "expires_at": expires_at})
        assert created["expires_at"] is None
    assert _refusal(lambda: gl.http_post(_path(world), post_data={"description": "x", "expires_at": "soon"})) == (
        400, {"error": "expires_at is invalid"})
    sb.set_time("2060-01-01T00:00:00Z")
    assert [t.expires_at for t in _project(world).triggers.list()] == [None, None]


def test_an_update_without_a_description_clears_it(world: World) -> None:
    """``UpdateService`` updates ``description`` to the declared value, ``nil`` when none was sent."""
    project = _project(world, "maintainer")
    trigger = project.triggers.create({"description": "keep me?"})
    client = world.sb.gitlab(world.tokens["maintainer"])
    answer = client.http_put(_path(world, f"/{trigger.id}"))
    assert (answer["id"], answer["token"], answer["description"]) == (trigger.id, trigger.token, None)
    assert project.triggers.get(trigger.id).description is None


def test_the_list_is_paginated(world: World) -> None:
    project = _project(world)
    made = [project.triggers.create({"description": f"t{n}"}).id for n in range(3)]
    pages = project.triggers.list(per_page=2, iterator=True)
    assert (pages.total, pages.total_pages, pages.per_page, pages.current_page, pages.prev_page, pages.next_page) == (
        3, 2, 2, 1, None, 2)
    assert [t.id for t in pages] == made  # the iterator follows the Link header to page 2
    assert [t.id for t in project.triggers.list(per_page=2, page=2)] == made[2:]


def test_delete_honours_if_unmodified_since(world: World) -> None:
    sb = world.sb
    sb.set_time("2026-03-01T10:00:00Z")
    project = _project(world)
    trigger = project.triggers.create({"description": "ci"})
    before = {"If-Unmodified-Since": "Sun, 01 Mar 2026 09:59:59 GMT"}
    assert _refusal(lambda: project.triggers.delete(trigger.id, extra_headers=before)) == (
        412, {"message": "412 Precondition Failed"})
    assert project.triggers.get(trigger.id).id == trigger.id
    project.triggers.delete(trigger.id, extra_headers={"If-Unmodified-Since": "Sun, 01 Mar 2026 10:00:01 GMT"})
    assert project.triggers.list() == []


def test_reading_needs_read_api_and_writing_api(world: World) -> None:
    sb = world.sb
    reader = sb.create_user_token(world.users["maintainer"]["id"], ["read_api"])
    trigger = _project(world, "maintainer").triggers.create({"description": "ci"})
    project = sb.gitlab(reader).projects.get(world.project["id"], lazy=True)
    assert project.triggers.get(trigger.id).token == trigger.token
    status, body = _refusal(lambda: project.triggers.create({"description": "more"}))
    assert (status, body["error"]) == (403, "insufficient_scope")


def test_a_trigger_goes_with_its_owner(world: World) -> None:
    """GitLab deletes a user's triggers with the user (once a cascading foreign key, now a loose one)."""
    sb = world.sb
    group = sb.gitlab().groups.get(world.group["id"], lazy=True)
    account = group.service_accounts.create({"name": "Deployer"})
    sb.add_member("project", world.project["id"], account.id, MAINTAINER)
    secret = sb.gitlab().http_post(f"/groups/{world.group['id']}/service_accounts/{account.id}/personal_access_tokens",
                                   post_data={"name": "ci", "scopes": ["api"], "expires_at": in_a_month()})["token"]
    project = sb.gitlab(secret).projects.get(world.project["id"], lazy=True)
    project.triggers.create({"description": "the account's"})
    kept = _project(world, "maintainer").triggers.create({"description": "the maintainer's"})
    group.service_accounts.delete(account.id)
    assert [t.id for t in _project(world).triggers.list()] == [kept.id]
