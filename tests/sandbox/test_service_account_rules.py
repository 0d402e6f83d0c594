"""What GitLab refuses in a new service account (``User``'s validations), and its creation rate limit."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import World, has

PREFIX = "400 Bad request - "
OCI = ("Username can only include non-accented letters, digits, '_', '-' and '.'. It must not start with '-', '_', "
       "or '.', nor end with '-', '_', '.', '.git', or '.atom'.")
NAMESPACE = ("Username can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', "
             "'.git' or '.atom'.")
EXTENSION = "Username ending with a reserved file extension is not allowed."


def _path(world: World) -> str:
    return f"/groups/{world.group['id']}/service_accounts"


@pytest.mark.parametrize(("fields", "messages"), [
    ({"username": "admin"}, ["Username admin is a reserved name"]),
    ({"username": "api"}, ["Username api is a reserved name"]),
    ({"username": "robot.json"}, [EXTENSION]),
    ({"username": "robot.git"}, [NAMESPACE]),
    ({"username": "bad name!", "email": "bad@example.com"}, [OCI, NAMESPACE]),
    ({"username": "bad name!"}, ["Email is invalid", OCI, NAMESPACE]),  # the default email has the space too
    ({"username": "../../admin"}, [OCI, NAMESPACE]),
    ({"username": "a__b"}, [OCI]),
    ({"username": "robot_"}, [OCI]),
    ({"username": ".robot"}, [OCI]),
    ({"username": "-robot"}, [OCI, NAMESPACE]),
    ({"username": "r"}, ["Username is too short (minimum is 2 characters)"]),
    ({"username": "r" * 256}, ["Username is too long (maximum is 255 characters)"]),
    ({"email": "robot@"}, ["Email is invalid"]),
    ({"email": "robot at example.com"}, ["Email is invalid"]),
    ({"name": "n" * 256}, ["Name is too long (maximum is 255 characters)"]),
    ({"username": "robot.json", "email": "robot@"}, ["Email is invalid", EXTENSION]),
])
def test_gitlab_refuses_these(world: World, fields: dict, messages: list[str]) -> None:
    status, _, body = world.call("POST", _path(world), fields, as_="owner")
    sentence = messages[0] if len(messages) == 1 else ", ".join(messages[:-1]) + " and " + messages[-1]
    assert (status, body) == (400, {"message": PREFIX + sentence})


@pytest.mark.parametrize("username", ["duo-helper", "duo_helper", "ai-bot", "AI_bot"])
def test_names_kept_for_gitlabs_ai_agents_are_refused(world: World, username: str) -> None:
    status, _, body = world.call("POST", _path(world), {"username": username}, as_="owner")
    assert status == 400 and "reserved prefix" in body["message"]


@pytest.mark.parametrize("username", ["robot", "ci-bot", "ci.bot", "ci_bot", "r2", "robotjson", "admin2", "x" * 255])
def test_gitlab_accepts_these(world: World, username: str) -> None:
    status, _, body = world.call("POST", _path(world), {"username": username, "email": f"{username[:60]}@example.com"},
                                 as_="owner")
    assert status == 201 and body["username"] == username


def test_angle_brackets_in_a_name_are_rewritten(world: World) -> None:
    status, _, body = world.call("POST", _path(world), {"name": "CI <b>robot</b> > you"}, as_="owner")
    assert status == 201 and body["name"] == "CI -robot- - you"


def test_creation_is_limited_to_ten_a_minute_per_user(world: World) -> None:
    sb = world.sb
    sb.set_time("2026-03-02T10:00:00Z")
    created = [world.call("POST", _path(world), {}, as_="owner")[0] for _ in range(10)]
    assert created == [201] * 10
    status, headers, body = world.call("POST", _path(world), {}, as_="owner")
    if not has(sb, "service_accounts_18_11"):
        assert status == 201  # no such limit before 18.11
        return
    assert (status, body) == (429, {"message": {"error": "This endpoint has been requested too many times. "
                                                         "Try again later."}})
    assert headers["Retry-After"] == "60"
    # Per user: the administrator is counted apart.
    assert world.call("POST", _path(world), {})[0] == 201
    # Refused calls count too, and the window is the minute after the first call.
    sb.set_time("2026-03-02T10:00:59Z")
    assert world.call("POST", _path(world), {}, as_="owner")[0] == 429
    sb.set_time("2026-03-02T10:01:00Z")
    assert world.call("POST", _path(world), {}, as_="owner")[0] == 201


def test_the_limit_can_be_changed_for_a_test(world: World) -> None:
    if not has(world.sb, "service_accounts_18_11"):
        return
    world.sb.control("POST", "application-rate-limits",
                     {"service_account_creation": {"threshold": 1, "interval_seconds": 5}})
    now = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)
    world.sb.set_time(now.isoformat())
    assert world.call("POST", _path(world), {}, as_="owner")[0] == 201
    status, headers, _ = world.call("POST", _path(world), {}, as_="owner")
    assert (status, headers["Retry-After"]) == (429, "5")
    world.sb.reset()
    assert world.sb.control("GET", "application-rate-limits") == {
        "service_account_creation": {"threshold": 10, "interval_seconds": 60.0}}
    status, _, body = world.sb.request("POST", "/-/sandbox/application-rate-limits", {"nope": {"threshold": 1}})
    assert (status, body) == (400, {"error": "unknown rate limit 'nope'; known: service_account_creation"})
    status, _, body = world.sb.request("POST", "/-/sandbox/application-rate-limits",
                                       {"service_account_creation": {"threshold": -1}})
    assert (status, body) == (400, {"error": "service_account_creation.threshold must be a non-negative integer"})
