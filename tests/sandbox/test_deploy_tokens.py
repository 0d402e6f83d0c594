"""Deploy tokens over HTTP: roles, validation, the ``active`` filter, expiry and deletion."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from .conftest import World


def _path(kind: str, world: World) -> str:
    return f"/{kind}s/{world.resource_id(kind)}/deploy_tokens"


@pytest.mark.parametrize("kind, reader, creator, refused", [("project", "maintainer", "maintainer", "developer"),
                                                            ("group", "maintainer", "owner", "maintainer")])
def test_who_may_read_create_and_delete(world: World, kind: str, reader: str, creator: str, refused: str) -> None:
    body = {"name": "pull", "scopes": ["read_repository"]}
    assert world.call("POST", _path(kind, world), body, as_=refused)[::2] == (403, {"message": "403 Forbidden"})
    status, _, created = world.call("POST", _path(kind, world), body, as_=creator)
    assert status == 201
    assert list(created) == ["id", "name", "username", "expires_at", "scopes", "revoked", "expired", "token"]
    assert world.call("GET", _path(kind, world), as_=reader)[0] == 200
    assert world.call("GET", f"{_path(kind, world)}/{created['id']}", as_=reader)[0] == 200
    assert world.call("DELETE", f"{_path(kind, world)}/{created['id']}", as_=refused)[0] == 403
    assert world.call("GET", _path(kind, world), as_="outsider")[0] == 404
    assert world.call("DELETE", f"{_path(kind, world)}/{created['id']}", as_=creator)[0] == 204
    assert world.call("DELETE", f"{_path(kind, world)}/{created['id']}", as_=creator)[::2] == (
        404, {"message": "404 Not found"})


def test_validation_errors(world: World) -> None:
    path = _path("project", world)
    assert world.call("POST", path, {"scopes": ["read_repository"]})[2] == {"error": "name is missing"}
    status, _, body = world.call("POST", path, {"name": "x", "scopes": [], "username": "no spaces"})
    assert (status, body) == (400, {"message": "Scopes can't be blank and Username can contain only letters, "
                                               "digits, '_', '-', '+', and '.'"})
    assert world.call("POST", path, {"name": "x", "scopes": ["read_repository"], "expires_at": "soon"})[2] == {
        "error": "expires_at is invalid"}
    # CommaSeparatedToArray, and an empty username means the default one.
    status, _, created = world.call("POST", path, {"name": "x", "scopes": "write_registry,read_registry",
                                                   "username": ""})
    assert status == 201 and created["scopes"] == ["read_registry", "write_registry"]
    assert created["username"] == f"gitlab+deploy-token-{created['id']}"
    assert world.call("GET", f"{path}/abc")[::2] == (400, {"error": "token_id is invalid"})


def test_tokens_belong_to_one_project_or_group(world: World) -> None:
    created = world.call("POST", _path("group", world), {"name": "g", "scopes": ["read_repository"]})[2]
    assert world.call("GET", f"{_path('project', world)}/{created['id']}")[::2] == (404, {"message": "404 Not found"})
    assert world.call("GET", "/deploy_tokens", as_="owner")[0] == 403


def test_expiry_and_the_active_filter(world: World) -> None:
    path = _path("project", world)
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    short = world.call("POST", path, {"name": "short", "scopes": ["read_repository"], "expires_at": tomorrow})[2]
    forever = world.call("POST", path, {"name": "forever", "scopes": ["read_repository"]})[2]
    assert short["expires_at"] == f"{tomorrow}T00:00:00.000Z" and forever["expires_at"] is None
    assert [t["id"] for t in world.call("GET", path + "?active=true")[2]] == [short["id"], forever["id"]]
    world.sb.set_time(f"{(dt.date.today() + dt.timedelta(days=2)).isoformat()}T12:00:00Z")
    assert [t["id"] for t in world.call("GET", path + "?active=true")[2]] == [forever["id"]]
    assert [t["id"] for t in world.call("GET", "/deploy_tokens?active=true")[2]] == [forever["id"]]
    fetched = world.call("GET", f"{path}/{short['id']}")[2]
    assert fetched["expired"] is True and fetched["revoked"] is False


def test_values_are_never_logged_and_are_no_api_credential(world: World) -> None:
    created = world.call("POST", _path("project", world), {"name": "x", "scopes": ["read_repository"]})[2]
    assert world.call("GET", "/user", token=created["token"])[::2] == (401, {"message": "401 Unauthorized"})
    assert created["token"] not in world.sb.read_log()


def test_a_dropped_create_answer_still_commits_the_token(world: World) -> None:
    sb = world.sb
    sb.set_faults(drop_after_commit=["create"])
    with pytest.raises(requests.ConnectionError, match="Connection aborted"):
        requests.post(f"{sb.base_url}/api/v4{_path('group', world)}", json={"name": "lost", "scopes": ["read_registry"]},
                      headers={"PRIVATE-TOKEN": sb.admin_token}, timeout=10)
    sb.clear_faults()
    assert [t["name"] for t in world.call("GET", _path("group", world))[2]] == ["lost"]
