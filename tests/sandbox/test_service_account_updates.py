"""``PATCH /{groups,projects}/:id/service_accounts/:user_id``: who may change an account, and GitLab's answers."""

from __future__ import annotations

import gitlab
import pytest

from support.sandbox import Sandbox

from .conftest import ROUTE_NOT_FOUND, World, has


def _sa(kind: str, world: World) -> str:
    return f"/{kind}s/{world.resource_id(kind)}/service_accounts"


@pytest.mark.parametrize("kind", ["group", "project"])
def test_an_update_with_python_gitlab(sb: Sandbox, kind: str) -> None:
    gl = sb.gitlab()
    group = gl.groups.create({"name": "Acme", "path": "acme"})
    owner = group if kind == "group" else gl.projects.create({"name": "app", "namespace_id": group.id})
    if kind == "project" and not has(sb, "service_accounts_18_11"):
        status, _, body = sb.request("PATCH", f"/api/v4/projects/{owner.id}/service_accounts/1", {"name": "x"})
        assert (status, body) == ROUTE_NOT_FOUND
        return
    account = owner.service_accounts.create({"name": "CI bot"})
    updated = owner.service_accounts.update(account.id, {"name": "Deploy <b>bot</b>", "username": "deployer",
                                                         "email": "deployer@example.com"})
    assert updated == {"id": account.id, "username": "deployer", "name": "Deploy -bot-",
                       "email": "deployer@example.com"}
    # Blank fields are left as they are (compact_blank); the list shows the change.
    assert owner.service_accounts.update(account.id, {"name": "", "username": ""})["username"] == "deployer"
    assert [a.username for a in owner.service_accounts.list()] == ["deployer"]
    # The username is the account's personal namespace too: the old one is free again, the new one taken.
    assert owner.service_accounts.create({"username": account.username}).username == account.username
    with pytest.raises(gitlab.GitlabCreateError, match="Username has already been taken"):
        owner.service_accounts.create({"username": "deployer"})


@pytest.mark.parametrize("kind, allowed, refused", [("group", "owner", "maintainer"),
                                                    ("project", "maintainer", "developer")])
def test_who_may_update(world: World, kind: str, allowed: str, refused: str) -> None:
    if not world.serves_service_accounts_of(kind):
        assert world.call("PATCH", f"{_sa(kind, world)}/1", {"name": "x"}, as_=allowed)[::2] == ROUTE_NOT_FOUND
        return
    account = world.call("POST", _sa(kind, world), {})[2]
    path = f"{_sa(kind, world)}/{account['id']}"
    assert world.call("PATCH", path, {"name": "x"}, as_=refused)[::2] == (403, {"message": "403 Forbidden"})
    assert world.call("PATCH", path, {"name": "x"}, as_="outsider")[::2] == (
        404, {"message": f"404 {kind.capitalize()} Not Found"})
    status, _, body = world.call("PATCH", path, {"name": "Renamed"}, as_=allowed)
    assert status == 200 and body["name"] == "Renamed"


def test_what_gitlab_refuses_in_an_update(world: World) -> None:
    path = _sa("group", world)
    first = world.call("POST", path, {"username": "first-bot", "email": "first@example.com"})[2]
    second = world.call("POST", path, {})[2]
    one = f"{path}/{second['id']}"
    # Users::UpdateService joins the model's messages with ". " and the route answers them bare.
    status, _, body = world.call("PATCH", one, {"username": "first-bot", "email": "first@example.com"})
    assert (status, body) == (400, {"message": "Email has already been taken. Username has already been taken"})
    assert world.call("PATCH", one, {"username": "acme"})[::2] == (
        400, {"message": "A user, alias, or group already exists with that username."})
    assert world.call("PATCH", one, {"email": "robot@"})[::2] == (400, {"message": "Email is invalid"})
    assert world.call("PATCH", one, {"name": "n" * 256})[::2] == (
        400, {"message": "Name is too long (maximum is 255 characters)"})
    # Keeping one's own username and email is no conflict.
    own = f"{path}/{first['id']}"
    assert world.call("PATCH", own, {"username": "first-bot", "email": "first@example.com"})[0] == 200
    # Not this group's account, or not an id.
    developer = world.users["developer"]["id"]
    assert world.call("PATCH", f"{path}/{developer}", {"name": "x"})[::2] == (404, {"message": "404 User Not Found"})
    assert world.call("PATCH", f"{path}/abc", {"name": "x"})[::2] == (400, {"error": "user_id is invalid"})


def test_the_route_is_counted(world: World) -> None:
    account = world.call("POST", _sa("group", world), {})[2]
    world.sb.reset_counters()
    world.call("PATCH", f"{_sa('group', world)}/{account['id']}", {"name": "x"})
    assert world.sb.calls() == {"PATCH /api/v4/groups/:id/service_accounts/:user_id": 1}


def test_one_creation_limit_for_group_project_and_instance_routes(world: World) -> None:
    sb = world.sb
    sb.set_time("2026-03-02T10:00:00Z")
    paths = [_sa("group", world), "/service_accounts"]
    if world.serves_service_accounts_of("project"):
        paths.append(_sa("project", world))
    created = [world.call("POST", paths[i % len(paths)], {})[0] for i in range(10)]
    assert created == [201] * 10
    answers = [world.call("POST", path, {})[::2] for path in paths]
    if not has(sb, "service_accounts_18_11"):
        assert [status for status, _ in answers] == [201] * len(paths)  # no limit before 18.11
        return
    limited = (429, {"message": {"error": "This endpoint has been requested too many times. Try again later."}})
    assert answers == [limited] * len(paths)
