"""Impersonation tokens (``/users/:user_id/impersonation_tokens``): administrators only, GitLab's bodies."""

from __future__ import annotations

import datetime as dt

import gitlab
import pytest

from support.sandbox import Sandbox

from .conftest import World, in_a_month


def _days(n: int) -> str:
    return (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=n)).isoformat()


def _path(world: World, who: str = "developer") -> str:
    return f"/users/{world.users[who]['id']}/impersonation_tokens"


def test_the_lifecycle_with_python_gitlab(sb: Sandbox) -> None:
    gl = sb.gitlab()
    user = gl.users.create({"username": "alice", "name": "Alice", "email": "alice@example.com",
                            "password": "alice-password-1"})
    tokens = user.impersonationtokens
    created = tokens.create({"name": "support", "scopes": ["api", "read_user"], "expires_at": _days(30)})
    secret = created.token
    assert secret.startswith("glpat-") and created.impersonation is True and created.active
    assert (created.user_id, created.scopes, created.expires_at) == (user.id, ["api", "read_user"], _days(30))
    # It acts as the user.
    as_user = sb.gitlab(secret)
    as_user.auth()
    assert as_user.user is not None and as_user.user.id == user.id

    other = tokens.create({"name": "audit", "scopes": ["read_api"], "expires_at": _days(5)})
    assert [t.id for t in tokens.list()] == [created.id, other.id]
    fetched = tokens.get(created.id)
    assert fetched.name == "support" and "token" not in fetched.attributes

    tokens.delete(other.id)
    assert [t.id for t in tokens.list(state="active")] == [created.id]
    assert [t.id for t in tokens.list(state="inactive")] == [other.id]
    assert tokens.get(other.id).revoked is True
    fetched.delete()
    with pytest.raises(gitlab.GitlabAuthenticationError, match="invalid_token"):
        as_user.auth()
    log = sb.read_log()
    assert secret not in log


def test_only_administrators_and_no_rotate_route(world: World) -> None:
    created = world.call("POST", _path(world), {"name": "x", "scopes": ["api"], "expires_at": in_a_month()})[2]
    one = f"{_path(world)}/{created['id']}"
    # authenticated_as_admin! comes first, before parameters and lookups.
    for method, path, body in (("GET", _path(world), None), ("POST", _path(world), {}), ("GET", one, None),
                               ("DELETE", one, None), ("GET", "/users/abc/impersonation_tokens", None)):
        assert world.call(method, path, body, as_="owner")[::2] == (403, {"message": "403 Forbidden"}), (method, path)
    # The user themself cannot see or revoke it either.
    assert world.call("GET", one, as_="developer")[0] == 403
    # GitLab has no rotate route for impersonation tokens.
    assert world.call("POST", f"{one}/rotate")[::2] == (404, {"error": "404 Not Found"})


def test_parameters_and_lookups(world: World) -> None:
    assert world.call("GET", "/users/abc/impersonation_tokens")[::2] == (400, {"error": "user_id is invalid"})
    assert world.call("POST", "/users/abc/impersonation_tokens", {})[::2] == (
        400, {"error": "user_id is invalid, name is missing"})
    assert world.call("GET", f"{_path(world)}?state=revoked")[::2] == (
        400, {"error": "state does not have a valid value"})
    assert world.call("GET", f"{_path(world)}/x")[::2] == (400, {"error": "impersonation_token_id is invalid"})
    assert world.call("GET", "/users/999999/impersonation_tokens")[::2] == (404, {"message": "404 User Not Found"})
    status, _, body = world.call("POST", "/users/999999/impersonation_tokens", {"name": "x", "scopes": ["api"]})
    assert (status, body) == (404, {"message": "404 User Not Found"})
    missing = (404, {"message": "404 Impersonation Token Not Found"})
    assert world.call("GET", f"{_path(world)}/999999")[::2] == missing
    assert world.call("DELETE", f"{_path(world)}/999999")[::2] == missing
    # Another user's impersonation token, and the user's own personal token, are not this user's impersonation tokens.
    theirs = world.call("POST", _path(world, "outsider"), {"name": "x", "scopes": ["api"],
                                                           "expires_at": in_a_month()})[2]
    assert world.call("GET", f"{_path(world)}/{theirs['id']}")[::2] == missing
    personal = world.call("GET", "/personal_access_tokens/self", token=world.tokens["developer"])[2]
    assert world.call("GET", f"{_path(world)}/{personal['id']}")[::2] == missing
    assert world.call("GET", _path(world))[2] == []


LATEST = "latest"  # replaced by the latest date a token may expire on: today + 365


@pytest.mark.parametrize(("body", "errors"), [
    ({"name": " ", "scopes": ["api"], "expires_at": "2099-01-01"},
     {"name": ["can't be blank"], "expires_at": ["must be before latest"]}),
    ({"name": "x"}, {"scopes": ["can't be blank"], "expires_at": ["can't be blank"]}),
    ({"name": "x", "scopes": ["api", "nope"], "expires_at": "in a month"},
     {"scopes": ["can only contain available scopes"]}),
    ({"name": "n" * 256, "scopes": "api,read_user"}, {"name": ["is too long (maximum is 255 characters)"],
                                                      "expires_at": ["can't be blank"]}),
])
def test_the_models_validations_answer_by_attribute(world: World, body: dict, errors: dict) -> None:
    latest = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=365)).isoformat()
    body = {key: in_a_month() if value == "in a month" else value for key, value in body.items()}
    errors = {key: [m.replace(LATEST, latest) for m in messages] for key, messages in errors.items()}
    status, _, answer = world.call("POST", _path(world), body)
    assert (status, answer) == (400, {"message": errors})
    assert world.call("GET", _path(world))[2] == []


def test_an_impersonation_token_is_a_personal_token_of_the_user(world: World) -> None:
    body = {"name": "imp", "scopes": "api", "expires_at": in_a_month(), "description": "for support"}
    status, _, created = world.call("POST", _path(world), body)
    assert status == 201 and created["description"] == "for support"
    assert list(created)[-2:] == ["impersonation", "token"]
    # The user's own list leaves it out; an administrator's list of the user's tokens has it.
    own = world.call("GET", "/personal_access_tokens", as_="developer")[2]
    assert created["id"] not in [t["id"] for t in own]
    listed = world.call("GET", f"/personal_access_tokens?user_id={world.users['developer']['id']}")[2]
    assert created["id"] in [t["id"] for t in listed]
    # Rotating it by id (RotateService) makes an impersonation token too; revoking one revoked is still 204.
    rotated = world.call("POST", f"/personal_access_tokens/{created['id']}/rotate")[2]
    assert [t["id"] for t in world.call("GET", _path(world))[2]] == [created["id"], rotated["id"]]
    assert world.call("DELETE", f"{_path(world)}/{created['id']}")[0] == 204
    assert world.call("GET", f"{_path(world)}?state=active")[2][0]["id"] == rotated["id"]


def test_routes_are_counted_and_values_never_logged(world: World) -> None:
    sb = world.sb
    sb.reset_counters()
    created = world.call("POST", _path(world), {"name": "x", "scopes": ["api"], "expires_at": in_a_month()})[2]
    world.call("GET", _path(world))
    world.call("GET", f"{_path(world)}/{created['id']}")
    world.call("DELETE", f"{_path(world)}/{created['id']}")
    template = "/api/v4/users/:user_id/impersonation_tokens"
    assert sb.calls() == {f"POST {template}": 1, f"GET {template}": 1,
                          f"GET {template}/:impersonation_token_id": 1, f"DELETE {template}/:impersonation_token_id": 1}
    assert created["token"] not in sb.read_log()
