"""Users, groups, projects and members: the world tokens live in."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import gitlab
import pytest

from support.sandbox import Sandbox

from .conftest import DEVELOPER, MAINTAINER, OWNER, World, has


def test_version_and_current_user(sb: Sandbox) -> None:
    status, _, version = sb.request("GET", "/api/v4/version")
    assert status == 200 and version["version"] == {"18.1": "18.1.0", "18.11": "18.11.0", "19.2": "19.2.0"}[sb.gitlab_version]
    status, _, me = sb.request("GET", "/api/v4/user")
    assert status == 200 and (me["id"], me["username"], me["is_admin"], me["bot"]) == (1, "root", True, False)


def test_create_user_is_admin_only(world: World) -> None:
    body = {"username": "eve", "name": "Eve", "email": "eve@example.com", "password": "x" * 12}
    assert world.call("POST", "/users", body, as_="owner")[::2] == (403, {"message": "403 Forbidden"})
    status, _, eve = world.call("POST", "/users", body)
    assert status == 201 and eve["username"] == "eve" and eve["is_admin"] is False
    assert world.call("POST", "/users", body)[::2] == (409, {"message": "Email has already been taken"})
    assert world.call("POST", "/users", {**body, "email": "other@example.com"})[::2] == (
        409, {"message": "Username has already been taken"})
    assert world.call("POST", "/users", {"name": "x"})[::2] == (
        400, {"error": "email is missing, username is missing"})


def test_create_personal_access_token_is_admin_only(world: World) -> None:
    uid = world.users["outsider"]["id"]
    soon = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=30)).isoformat()
    assert world.call("POST", f"/users/{uid}/personal_access_tokens", {"name": "x", "scopes": ["api"]},
                      as_="owner")[0] == 403
    status, _, created = world.call("POST", f"/users/{uid}/personal_access_tokens",
                                    {"name": "x", "scopes": ["read_user", "api"], "expires_at": soon})
    assert status == 201 and created["user_id"] == uid and created["token"].startswith("glpat-")
    assert created["scopes"] == ["read_user", "api"] and created["expires_at"] == soon
    assert "access_level" not in created
    assert world.call("POST", "/users/999/personal_access_tokens", {"name": "x", "scopes": ["api"]})[::2] == (
        404, {"message": "404 User Not Found"})
    assert world.call("POST", f"/users/{uid}/personal_access_tokens", {"name": "x", "scopes": ["nope"]})[::2] == (
        400, {"error": "scopes does not have a valid value"})
    # Model errors come back through render_api_error!(message, :unprocessable_entity).
    assert world.call("POST", f"/users/{uid}/personal_access_tokens", {"name": " ", "scopes": ["api"]})[::2] == (
        422, {"message": "Name can't be blank"})


def test_groups_subgroups_and_lookup_by_encoded_path(sb: Sandbox) -> None:
    top = sb.create_group("acme")
    sub = sb.create_group("platform", parent_id=top["id"])
    assert sub["full_path"] == "acme/platform" and sub["parent_id"] == top["id"]
    assert sub["full_name"] == "acme / platform"
    status, _, found = sb.request("GET", "/api/v4/groups/acme%2Fplatform")
    assert status == 200 and found["id"] == sub["id"]
    assert sb.request("GET", f"/api/v4/groups/{sub['id']}")[2]["full_path"] == "acme/platform"
    assert sb.request("GET", "/api/v4/groups/acme%2Fnothing")[::2] == (404, {"message": "404 Group Not Found"})
    status, _, body = sb.request("POST", "/api/v4/groups", {"name": "again", "path": "acme"})
    assert status == 400 and "has already been taken" in body["message"]
    assert sb.request("POST", "/api/v4/groups", {"name": "x"})[::2] == (400, {"error": "path is missing"})


def test_projects_in_subgroups_by_id_or_path(sb: Sandbox) -> None:
    top = sb.create_group("acme")
    sub = sb.create_group("platform", parent_id=top["id"])
    project = sb.create_project("api", sub["id"])
    assert project["path_with_namespace"] == "acme/platform/api"
    assert project["namespace"]["id"] == sub["id"]
    for ident in (str(project["id"]), "acme%2Fplatform%2Fapi", "ACME%2Fplatform%2Fapi"):
        status, _, found = sb.request("GET", f"/api/v4/projects/{ident}")
        assert status == 200 and found["id"] == project["id"]
    assert sb.request("GET", "/api/v4/projects/4242")[::2] == (404, {"message": "404 Project Not Found"})
    status, _, body = sb.request("POST", "/api/v4/projects", {"path": "api", "namespace_id": sub["id"]})
    assert status == 400 and body["message"]["path"] == ["has already been taken"]
    assert sb.request("POST", "/api/v4/projects", {})[::2] == (
        400, {"error": "name, path are missing, at least one parameter must be provided"})
    assert sb.request("POST", "/api/v4/projects", {"name": "x", "namespace_id": 999})[::2] == (
        404, {"message": "404 Namespace Not Found"})


def test_project_without_namespace_goes_to_the_personal_namespace(sb: Sandbox) -> None:
    status, _, project = sb.request("POST", "/api/v4/projects", {"name": "Scratch Pad"})
    assert status == 201 and project["path_with_namespace"] == "root/scratch-pad"


def test_private_resources_are_404_to_non_members_but_visible_through_inheritance(world: World) -> None:
    gid, pid = world.group["id"], world.project["id"]
    assert world.call("GET", f"/projects/{pid}", as_="outsider")[::2] == (404, {"message": "404 Project Not Found"})
    assert world.call("GET", f"/groups/{gid}", as_="outsider")[::2] == (404, {"message": "404 Group Not Found"})
    assert world.call("GET", f"/projects/{pid}", as_="maintainer")[0] == 200  # inherited from the group
    assert world.call("GET", f"/groups/{gid}", as_="developer")[0] == 200  # member of a project below


def test_members_add_and_list(world: World, kind: str) -> None:
    rid = world.resource_id(kind)
    newcomer = world.sb.create_user("newcomer")
    status, _, member = world.call("POST", f"/{kind}s/{rid}/members",
                                   {"user_id": newcomer["id"], "access_level": DEVELOPER}, as_="owner")
    assert status == 201 and (member["id"], member["access_level"]) == (newcomer["id"], DEVELOPER)
    assert world.call("POST", f"/{kind}s/{rid}/members", {"user_id": newcomer["id"], "access_level": 30})[::2] == (
        409, {"message": "Member already exists"})
    status, headers, members = world.call("GET", f"/{kind}s/{rid}/members")
    assert status == 200 and newcomer["id"] in [m["id"] for m in members] and "X-Total" in headers
    assert world.call("POST", f"/{kind}s/{rid}/members", {"user_id": newcomer["id"], "access_level": 5})[::2] == (
        400, {"error": "access_level does not have a valid value"})
    assert world.call("POST", f"/{kind}s/{rid}/members", {"user_id": 9999, "access_level": 30})[::2] == (
        404, {"message": "404 User Not Found"})


def test_member_management_needs_the_right_role(world: World) -> None:
    other = world.sb.create_user("other")
    pid, gid = world.project["id"], world.group["id"]
    assert world.call("POST", f"/projects/{pid}/members", {"user_id": other["id"], "access_level": 30},
                      as_="developer")[0] == 403
    assert world.call("POST", f"/projects/{pid}/members", {"user_id": other["id"], "access_level": OWNER},
                      as_="maintainer")[0] == 403
    assert world.call("POST", f"/groups/{gid}/members", {"user_id": other["id"], "access_level": 30},
                      as_="maintainer")[0] == 403
    assert world.call("POST", f"/projects/{pid}/members", {"user_id": other["id"], "access_level": MAINTAINER},
                      as_="maintainer")[0] == 201


def test_python_gitlab_resources(sb: Sandbox) -> None:
    gl = sb.gitlab()
    group = gl.groups.create({"name": "Acme", "path": "acme"})
    project = gl.projects.create({"name": "app", "namespace_id": group.id})
    user = gl.users.create({"username": "dev", "name": "Dev", "email": "dev@example.com", "password": "p" * 12})
    project.members.create({"user_id": user.id, "access_level": DEVELOPER})
    assert [m.username for m in project.members.list()] == ["dev"]
    assert gl.groups.get("acme").id == group.id
    with pytest.raises(gitlab.GitlabGetError, match="404 Project Not Found") as caught:
        gl.projects.get("acme/missing")
    assert caught.value.response_code == 404 and caught.value.error_message == "404 Project Not Found"


def test_non_ascii_digits_are_not_ids(world: World) -> None:
    # "²" and "٣" are digits to str.isdigit(); GitLab's /\A\d+\z/ ids and Integer() refuse them.
    sb, pid, gid = world.sb, world.project["id"], world.group["id"]
    arabic = quote("".join(chr(0x660 + int(d)) for d in str(pid)))  # the project's id in Arabic-Indic digits
    assert sb.request("GET", f"/api/v4/projects/{arabic}")[::2] == (404, {"message": "404 Project Not Found"})
    assert sb.request("GET", "/api/v4/groups/%C2%B2/access_tokens")[::2] == (
        404, {"message": "404 Group Not Found"})
    not_found = ("404 project Access Token Not Found" if has(sb, "new_wording")
                 else "404 Could not find project access token with token_id: ² Not Found")
    assert sb.request("GET", f"/api/v4/projects/{pid}/access_tokens/%C2%B2")[::2] == (404, {"message": not_found})
    assert sb.request("DELETE", f"/api/v4/groups/{gid}/access_tokens/%C2%B2")[0] == 404
    assert sb.request("POST", f"/api/v4/projects/{pid}/access_tokens/%C2%B2/rotate")[::2] == (
        404, {"message": "404 Not Found"})
    assert sb.request("POST", "/api/v4/users/%C2%B2/personal_access_tokens", {"name": "x", "scopes": ["api"]})[
        ::2] == (404, {"message": "404 User Not Found"})
    assert sb.request("GET", "/api/v4/user?sudo=%C2%B2")[::2] == (
        404, {"message": "404 User with ID or username '²' Not Found"})
    assert sb.request("POST", "/api/v4/projects", {"name": "x", "namespace_id": "²"})[::2] == (
        400, {"error": "namespace_id is invalid"})


def test_member_all_is_the_highest_role_through_groups_above(world: World) -> None:
    uid = {name: user["id"] for name, user in world.users.items()}
    project, group = world.project["id"], world.group["id"]
    world.sb.add_member("project", project, uid["maintainer"], OWNER)  # direct, above the inherited Maintainer
    expected = {("project", "owner"): OWNER, ("project", "maintainer"): OWNER,
                ("project", "developer"): DEVELOPER, ("group", "owner"): OWNER, ("group", "maintainer"): MAINTAINER}
    for (kind, name), level in expected.items():
        status, _, member = world.call("GET", f"/{kind}s/{world.resource_id(kind)}/members/all/{uid[name]}",
                                       as_="developer")
        assert status == 200 and (member["id"], member["access_level"]) == (uid[name], level), (kind, name)
    # Not a member: GitLab's RecordNotFound answer, distinct from a missing project.
    for who in (uid["outsider"], 999):
        assert world.call("GET", f"/projects/{project}/members/all/{who}")[::2] == (404, {"message": "404 Not found"})
    assert world.call("GET", f"/groups/{group}/members/all/{uid['developer']}")[::2] == (
        404, {"message": "404 Not found"})
    assert world.call("GET", "/projects/acme%2Fnone/members/all/1")[::2] == (404, {"message": "404 Project Not Found"})
    assert world.call("GET", f"/projects/{project}/members/all/{uid['owner']}", as_="outsider")[::2] == (
        404, {"message": "404 Project Not Found"})  # a private project the caller cannot see
    assert world.call("GET", f"/projects/{project}/members/all/me")[::2] == (400, {"error": "user_id is invalid"})
