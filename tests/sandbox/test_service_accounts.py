"""Service accounts and their tokens over HTTP: who may do what, and GitLab's error bodies."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from .conftest import ROUTE_NOT_FOUND, World, has, in_a_month


def _sa(kind: str, world: World) -> str:
    return f"/{kind}s/{world.resource_id(kind)}/service_accounts"


def _served(kind: str, world: World) -> bool:
    """Whether the profile has ``kind``'s service-account routes; when it has not, check its 404 instead."""
    if world.serves_service_accounts_of(kind):
        return True
    for method, suffix in (("POST", ""), ("GET", ""), ("DELETE", "/1"), ("GET", "/1/personal_access_tokens"),
                           ("POST", "/1/personal_access_tokens"), ("POST", "/1/personal_access_tokens/2/rotate"),
                           ("DELETE", "/1/personal_access_tokens/2")):
        assert world.call(method, _sa(kind, world) + suffix, {})[::2] == ROUTE_NOT_FOUND, (method, suffix)
    return False


@pytest.mark.parametrize("kind, allowed, refused", [("group", "owner", "maintainer"),
                                                    ("project", "maintainer", "developer")])
def test_who_may_manage_service_accounts(world: World, kind: str, allowed: str, refused: str) -> None:
    if not _served(kind, world):
        return
    for method, path in (("POST", ""), ("GET", ""), ("GET", "/1/personal_access_tokens")):
        assert world.call(method, _sa(kind, world) + path, {}, as_=refused)[:3:2] == (403, {"message": "403 Forbidden"})
    # The outsider does not even see the private group or project.
    status, _, body = world.call("GET", _sa(kind, world), as_="outsider")
    assert (status, body) == (404, {"message": f"404 {kind.capitalize()} Not Found"})
    status, _, created = world.call("POST", _sa(kind, world), {"name": "bot"}, as_=allowed)
    assert status == 201 and list(created) == ["id", "username", "name", "email"]
    status, _, listed = world.call("GET", _sa(kind, world), as_=allowed)
    assert status == 200 and [a["id"] for a in listed] == [created["id"]]


def test_subgroup_service_accounts_arrive_in_18_11(world: World) -> None:
    subgroup = world.sb.create_group("platform", parent_id=world.group["id"])
    path = f"/groups/{subgroup['id']}/service_accounts"
    if has(world.sb, "service_accounts_18_11"):
        # A subgroup's Owner (inherited here) or an administrator may make one.
        status, _, created = world.call("POST", path, {}, as_="owner")
        assert status == 201 and created["username"].startswith(f"service_account_group_{subgroup['id']}_")
        assert world.call("POST", path, {}, as_="maintainer")[::2] == (403, {"message": "403 Forbidden"})
        return
    status, _, body = world.call("POST", path, {})
    assert status == 400
    assert body == {"message": "400 Bad request - User does not have permission to create a service account in "
                               "this group."}


def test_taken_username_and_email_are_refused(world: World) -> None:
    path = _sa("group", world)
    assert world.call("POST", path, {"username": "ci-bot", "email": "ci@example.com"}, as_="owner")[0] == 201
    status, _, body = world.call("POST", path, {"username": "ci-bot"}, as_="owner")
    assert (status, body) == (400, {"message": "400 Bad request - Username has already been taken"})
    # The path of a group, not of a user.
    status, _, body = world.call("POST", path, {"username": "acme"}, as_="owner")
    assert (status, body) == (400, {"message": "400 Bad request - A user, alias, or group already exists with that "
                                               "username."})
    status, _, body = world.call("POST", path, {"email": "ci@example.com"}, as_="owner")
    assert (status, body) == (400, {"message": "400 Bad request - Email has already been taken"})


def test_a_name_fits_in_255_characters(world: World) -> None:
    path = _sa("group", world)
    status, _, body = world.call("POST", path, {"name": "n" * 255}, as_="owner")
    assert status == 201 and body["name"] == "n" * 255
    status, _, body = world.call("POST", path, {"name": "n" * 256}, as_="owner")
    assert (status, body) == (400, {"message": "400 Bad request - Name is too long (maximum is 255 characters)"})


def test_only_accounts_of_this_resource_are_found(world: World) -> None:
    others = [world.users["developer"]["id"]]
    if _served("project", world):
        others.append(world.call("POST", _sa("project", world), {})[2]["id"])
    # A project's account, or a plain user, is not one of the group's accounts.
    for user_id in others:
        status, _, body = world.call("GET", f"{_sa('group', world)}/{user_id}/personal_access_tokens")
        assert (status, body) == (404, {"message": "404 User Not Found"})
    status, _, body = world.call("DELETE", f"{_sa('group', world)}/abc")
    assert (status, body) == (400, {"error": "user_id is invalid"})


@pytest.mark.parametrize("kind", ["group", "project"])
def test_token_parameters_and_model_errors(world: World, kind: str) -> None:
    if not _served(kind, world):
        return
    account = world.call("POST", _sa(kind, world), {})[2]
    tokens = f"{_sa(kind, world)}/{account['id']}/personal_access_tokens"
    assert world.call("POST", tokens, {"scopes": ["api"]})[2] == {"error": "name is missing"}
    assert world.call("POST", tokens, {"name": "x", "scopes": ["nope"]})[2] == {
        "error": "scopes does not have a valid value"}
    # CommaSeparatedToArray: a comma-separated string is a list too.
    status, _, created = world.call("POST", tokens, {"name": "x", "scopes": "api,read_user"})
    assert status == 201 and created["scopes"] == ["api", "read_user"]
    too_late = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    status, _, body = world.call("POST", tokens, {"name": " ", "scopes": ["api"], "expires_at": too_late})
    assert status == 422 and body["message"].startswith("Name can't be blank and Expires at must be before ")
    # Administrator-only scopes are personal-token scopes: the API accepts them for a service account.
    assert world.call("POST", tokens, {"name": "s", "scopes": ["sudo"], "expires_at": in_a_month()})[0] == 201


@pytest.mark.parametrize("kind, missing", [("group", "404 Not Found"),
                                           ("project", "404 Personal Access Token Not Found")])
def test_rotate_and_revoke_find_only_the_accounts_tokens(world: World, kind: str, missing: str) -> None:
    if not _served(kind, world):
        return
    first = world.call("POST", _sa(kind, world), {})[2]
    second = world.call("POST", _sa(kind, world), {})[2]
    body = {"name": "ci", "scopes": ["api"], "expires_at": in_a_month()}
    token = world.call("POST", f"{_sa(kind, world)}/{first['id']}/personal_access_tokens", body)[2]
    other = f"{_sa(kind, world)}/{second['id']}/personal_access_tokens/{token['id']}"
    assert world.call("POST", other + "/rotate")[::2] == (404, {"message": missing})
    assert world.call("DELETE", other)[::2] == (404, {"message": "404 Personal Access Token Not Found"})
    own = f"{_sa(kind, world)}/{first['id']}/personal_access_tokens/{token['id']}"
    assert world.call("DELETE", own)[0] == 204
    assert world.call("DELETE", own)[0] == 204  # revoking a revoked token succeeds
    status, _, body = world.call("GET", "/user", token=token["token"])
    assert status == 401 and body["error"] == "invalid_token"


def test_instance_service_accounts_are_for_administrators(world: World) -> None:
    assert world.call("POST", "/service_accounts", {}, as_="owner")[::2] == (403, {"message": "403 Forbidden"})
    assert world.call("GET", "/service_accounts", as_="owner")[0] == 403
    status, _, created = world.call("POST", "/service_accounts", {"name": "Robot"})
    assert status == 201 and created["name"] == "Robot"


def test_routes_are_counted_and_values_never_logged(world: World) -> None:
    world.sb.reset_counters()
    account = world.call("POST", _sa("group", world), {})[2]
    body = {"name": "ci", "scopes": ["api"], "expires_at": in_a_month()}
    token = world.call("POST", f"{_sa('group', world)}/{account['id']}/personal_access_tokens", body)[2]
    rotated = world.call("POST", f"{_sa('group', world)}/{account['id']}/personal_access_tokens/"
                                 f"{token['id']}/rotate")[2]
    counts = world.sb.counters()
    assert counts["POST /api/v4/groups/:id/service_accounts"] == 1
    assert counts["POST /api/v4/groups/:id/service_accounts/:user_id/personal_access_tokens"] == 1
    assert counts["POST /api/v4/groups/:id/service_accounts/:user_id/personal_access_tokens/:token_id/rotate"] == 1
    log = world.sb.read_log()
    assert token["token"] not in log and rotated["token"] not in log


@pytest.mark.parametrize("operation", ["create", "rotate"])
def test_a_dropped_answer_still_commits_the_token(world: World, operation: str) -> None:
    # The recovery a client needs after a lost answer: the token exists and is listed.
    sb = world.sb
    account = world.call("POST", _sa("group", world), {})[2]
    tokens = f"{_sa('group', world)}/{account['id']}/personal_access_tokens"
    first = world.call("POST", tokens, {"name": "ci", "scopes": ["api"]})[2]
    sb.set_faults(drop_after_commit=[operation])
    url = f"{sb.base_url}/api/v4{tokens}" + (f"/{first['id']}/rotate" if operation == "rotate" else "")
    with pytest.raises(requests.ConnectionError, match="Connection aborted"):
        requests.post(url, json={"name": "dropped", "scopes": ["api"]}, headers={"PRIVATE-TOKEN": sb.admin_token},
                      timeout=10)
    sb.clear_faults()
    listed = world.call("GET", tokens)[2]
    assert len(listed) == 2
    if operation == "rotate":
        assert [t["revoked"] for t in listed] == [True, False]
