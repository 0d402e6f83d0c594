"""Runners made with ``POST /user/runners``: their ``glrt-`` tokens, reset, read and delete, and who may."""

from __future__ import annotations

import re

import gitlab
import pytest
import requests

from support.sandbox import Sandbox

from .conftest import World

NO_ACCESS = (403, {"message": "403 Forbidden - No access granted"})
ROUTABLE = r"[A-Za-z0-9_-]+\.01\.[0-9a-z]{9}"


def _create(world: World, body: dict, as_: str | None = None) -> tuple[int, dict]:
    status, _, answer = world.call("POST", "/user/runners", body, as_=as_)
    return status, answer


def test_a_project_runner_with_python_gitlab(sb: Sandbox) -> None:
    gl = sb.gitlab()
    gl.auth()
    assert gl.user is not None
    group = gl.groups.create({"name": "Acme", "path": "acme"})
    project = gl.projects.create({"name": "app", "namespace_id": group.id})
    created = gl.user.runners.create({"runner_type": "project_type", "project_id": project.id,
                                      "description": "builder", "tag_list": ["docker", "linux"],
                                      "maintenance_note": "rack 4"})
    assert re.fullmatch(rf"glrt-t3_{ROUTABLE}", created.token) and created.token_expires_at is None
    runner = gl.runners.get(created.id)
    assert (runner.runner_type, runner.description, runner.tag_list) == ("project_type", "builder", ["docker", "linux"])
    assert (runner.active, runner.paused, runner.is_shared, runner.status) == (True, False, False, "never_contacted")
    assert runner.maintenance_note == "rack 4" and [p["id"] for p in runner.projects] == [project.id]
    assert "token" not in runner.attributes
    # python-gitlab has no reset method: its own request machinery calls the route.
    reset = gl.http_post(f"/runners/{created.id}/reset_authentication_token")
    assert reset.keys() == {"token", "token_expires_at"} and reset["token"] != created.token
    assert reset["token"].startswith("glrt-t3_")
    runner.delete()
    with pytest.raises(gitlab.GitlabGetError) as gone:
        gl.runners.get(created.id)
    assert (gone.value.response_code, gone.value.error_message) == (404, "404 Runner Not Found")
    log = sb.read_log()
    assert created.token not in log and reset["token"] not in log


def test_who_may_create_which_runner(world: World) -> None:
    project = {"runner_type": "project_type", "project_id": world.project["id"]}
    group = {"runner_type": "group_type", "group_id": world.group["id"]}
    instance = {"runner_type": "instance_type"}
    refused = (403, {"message": "403 Forbidden - Insufficient permissions"})
    assert _create(world, project, "developer") == refused
    assert _create(world, project, "maintainer")[0] == 201
    assert _create(world, group, "maintainer") == refused
    status, created = _create(world, group, "owner")
    assert status == 201 and created["token"].startswith("glrt-t2_")
    assert _create(world, instance, "owner") == refused
    status, created = _create(world, instance)
    assert status == 201 and re.fullmatch(r"glrt-t1_[A-Za-z0-9_-]{20}", created["token"])
    # The group or project is looked up without regard to who may see it.
    assert _create(world, project, "outsider") == refused
    assert _create(world, {**project, "project_id": 999999}, "outsider") == (
        400, {"message": "400 Bad request - Missing/invalid project"})
    assert _create(world, {**group, "group_id": 999999}) == (
        400, {"message": "400 Bad request - Missing/invalid group"})


def test_parameters_and_model_errors(world: World) -> None:
    assert _create(world, {}) == (400, {"error": "runner_type is missing"})
    assert _create(world, {"runner_type": "shared"}) == (400, {"error": "runner_type does not have a valid value"})
    assert _create(world, {"runner_type": "group_type"}) == (400, {"error": "group_id is missing"})
    assert _create(world, {"runner_type": "project_type"}) == (400, {"error": "project_id is missing"})
    assert _create(world, {"runner_type": "instance_type", "access_level": "all"}) == (
        400, {"error": "access_level does not have a valid value"})
    status, body = _create(world, {"runner_type": "instance_type", "run_untagged": False, "maximum_timeout": 60})
    assert (status, body) == (400, {"message": "400 Bad request - Tags list can not be empty when runner is not "
                                               "allowed to pick untagged jobs and Maximum timeout needs to be at "
                                               "least 10 minutes"})
    status, body = _create(world, {"runner_type": "instance_type", "tag_list": [f"t{i}" for i in range(51)]})
    assert (status, body) == (400, {"message": "400 Bad request - Tags list Too many tags specified. Please limit "
                                               "the number of tags to 50"})
    status, body = _create(world, {"runner_type": "instance_type", "description": "d" * 1025})
    assert (status, body) == (400, {"message": "400 Bad request - Description is too long (maximum is 1024 "
                                               "characters)"})
    # A comma-separated tag_list, paused and an untagged-jobs refusal with tags are all accepted.
    status, created = _create(world, {"runner_type": "instance_type", "tag_list": "a,b", "paused": True,
                                      "run_untagged": False, "maximum_timeout": 600})
    assert status == 201
    runner = world.call("GET", f"/runners/{created['id']}")[2]
    assert (runner["tag_list"], runner["paused"], runner["run_untagged"]) == (["a", "b"], True, False)


def test_who_may_read_reset_and_delete(world: World) -> None:
    project_runner = _create(world, {"runner_type": "project_type", "project_id": world.project["id"],
                                     "maintenance_note": "secret rack"})[1]
    group_runner = _create(world, {"runner_type": "group_type", "group_id": world.group["id"]})[1]
    instance_runner = _create(world, {"runner_type": "instance_type"})[1]
    one = "/runners/{}".format
    # A project runner: its project's Maintainers; a Developer gets nothing.
    assert world.call("GET", one(project_runner["id"]), as_="developer")[::2] == NO_ACCESS
    assert world.call("POST", one(project_runner["id"]) + "/reset_authentication_token", as_="developer")[::2] \
        == NO_ACCESS
    assert world.call("GET", one(project_runner["id"]), as_="maintainer")[2]["maintenance_note"] == "secret rack"
    # A group runner: read by the group's Maintainers, managed by its Owners.
    read = world.call("GET", one(group_runner["id"]), as_="maintainer")[2]
    assert [g["id"] for g in read["groups"]] == [world.group["id"]] and read["maintenance_note"] is None
    assert world.call("POST", one(group_runner["id"]) + "/reset_authentication_token", as_="maintainer")[::2] \
        == NO_ACCESS
    status, _, reset = world.call("POST", one(group_runner["id"]) + "/reset_authentication_token", as_="owner")
    assert status == 201 and reset["token"].startswith("glrt-t2_") and reset["token"] != group_runner["token"]
    assert world.call("DELETE", one(group_runner["id"]), as_="maintainer")[::2] == NO_ACCESS
    assert world.call("DELETE", one(group_runner["id"]), as_="owner")[0] == 204
    # An instance runner: everyone reads it (no projects, no note), only administrators manage it.
    seen = world.call("GET", one(instance_runner["id"]), as_="outsider")[2]
    assert seen["is_shared"] is True and seen["projects"] == [] and seen["groups"] == []
    assert world.call("DELETE", one(instance_runner["id"]), as_="owner")[::2] == NO_ACCESS
    assert world.call("DELETE", one(instance_runner["id"]))[0] == 204
    # Lookups.
    assert world.call("GET", one(999999))[::2] == (404, {"message": "404 Runner Not Found"})
    assert world.call("GET", "/runners/abc")[::2] == (400, {"error": "id is invalid"})
    assert "projects" not in world.call("GET", one(project_runner["id"]) + "?include_projects=false")[2]


def test_runner_tokens_are_not_api_credentials_and_scopes_are_checked(world: World) -> None:
    created = _create(world, {"runner_type": "instance_type"})[1]
    assert world.call("GET", "/user", token=created["token"])[0] == 401
    sb = world.sb
    admin_id = world.call("GET", "/user")[2]["id"]
    create_only = sb.create_user_token(admin_id, ["create_runner"])
    manage_only = sb.create_user_token(admin_id, ["manage_runner"])
    assert world.call("POST", "/user/runners", {"runner_type": "instance_type"}, token=create_only)[0] == 201
    assert world.call("GET", f"/runners/{created['id']}", token=create_only)[0] == 403
    assert world.call("GET", f"/runners/{created['id']}", token=manage_only)[0] == 200
    assert world.call("POST", f"/runners/{created['id']}/reset_authentication_token", token=manage_only)[0] == 201
    assert world.call("POST", "/user/runners", {"runner_type": "instance_type"}, token=manage_only)[0] == 403


def test_a_runner_becomes_stale_after_a_week_without_contact(world: World) -> None:
    sb = world.sb
    sb.set_time("2026-03-02T10:00:00Z")
    created = _create(world, {"runner_type": "instance_type"})[1]
    assert world.call("GET", f"/runners/{created['id']}")[2]["status"] == "never_contacted"
    sb.set_time("2026-03-09T10:00:00Z")
    assert world.call("GET", f"/runners/{created['id']}")[2]["status"] == "stale"


def test_routes_are_counted_and_a_dropped_reset_is_recovered_by_resetting_again(world: World) -> None:
    sb = world.sb
    sb.reset_counters()
    created = _create(world, {"runner_type": "instance_type"})[1]
    one = f"/runners/{created['id']}"
    world.call("GET", one)
    sb.set_faults(drop_after_commit=["rotate"])
    with pytest.raises(requests.ConnectionError, match="Connection aborted"):
        requests.post(f"{sb.base_url}/api/v4{one}/reset_authentication_token",
                      headers={"PRIVATE-TOKEN": sb.admin_token}, timeout=10)
    sb.clear_faults()
    # The unanswered reset was served (counted below); the value it made is lost, so a client resets again.
    assert world.call("POST", f"{one}/reset_authentication_token")[0] == 201
    assert world.call("DELETE", one)[0] == 204
    assert sb.calls() == {"POST /api/v4/user/runners": 1, "GET /api/v4/runners/:id": 1,
                          "POST /api/v4/runners/:id/reset_authentication_token": 2,
                          "DELETE /api/v4/runners/:id": 1}


def test_a_project_or_group_lists_the_runners_it_may_use(world: World) -> None:
    """``GET /projects/:id/runners`` and ``/groups/:id/runners``: its own, its ancestor groups' and the instance's,
    filtered by ``type`` and ``paused``; Maintainers only. Read with python-gitlab's list managers."""
    project_runner = _create(world, {"runner_type": "project_type", "project_id": world.project["id"],
                                     "description": "builds"})[1]
    group_runner = _create(world, {"runner_type": "group_type", "group_id": world.group["id"], "paused": True})[1]
    instance_runner = _create(world, {"runner_type": "instance_type"})[1]
    gl = world.sb.gitlab()
    project = gl.projects.get(world.project["id"], lazy=True)
    listed = {r.id: r.attributes for r in project.runners.list(get_all=True)}
    assert set(listed) >= {project_runner["id"], group_runner["id"], instance_runner["id"]}
    mine = listed[project_runner["id"]]
    # python-gitlab adds the parent's attribute it was listed under (project_id) to each object.
    assert [key for key in mine if key != "project_id"] == [
        "id", "description", "ip_address", "active", "paused", "is_shared", "runner_type", "name", "online",
        "created_by", "created_at", "status", "job_execution_status"]
    assert (mine["description"], mine["runner_type"], mine["paused"], mine["status"]) == (
        "builds", "project_type", False, "never_contacted")
    assert "token" not in mine and "maintenance_note" not in mine
    only_project = world.call("GET", f"/projects/{world.project['id']}/runners?type=project_type")[2]
    assert [r["id"] for r in only_project] == [project_runner["id"]]
    paused = world.call("GET", f"/projects/{world.project['id']}/runners?paused=true")[2]
    assert group_runner["id"] in [r["id"] for r in paused] and project_runner["id"] not in [r["id"] for r in paused]
    group = gl.groups.get(world.group["id"], lazy=True)
    in_group = [r.id for r in group.runners.list(get_all=True, type="group_type")]
    assert in_group == [group_runner["id"]]
    assert world.call("GET", f"/projects/{world.project['id']}/runners", as_="maintainer")[0] == 200
    assert world.call("GET", f"/projects/{world.project['id']}/runners", as_="developer")[::2] == (
        403, {"message": "403 Forbidden"})
    assert world.call("GET", f"/groups/{world.group['id']}/runners?type=shared")[::2] == (
        400, {"error": "type does not have a valid value"})
    assert world.call("GET", "/projects/999999/runners")[::2] == (404, {"message": "404 Project Not Found"})
