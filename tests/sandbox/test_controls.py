"""The /-/sandbox/ controls: counters, clock, faults, rate limit, reset, token census."""

from __future__ import annotations

import datetime as dt
import email.utils
import time

import gitlab
import pytest
import requests

from support.sandbox import Sandbox

from .conftest import World, in_a_month


def test_controls_need_an_admin_token(world: World) -> None:
    sb = world.sb
    assert sb.request("GET", "/-/sandbox/counters", anonymous=True)[0] == 401
    assert sb.request("GET", "/-/sandbox/counters", token=world.tokens["owner"])[0] == 403
    assert sb.request("GET", "/-/sandbox/nothing")[::2] == (404, {"error": "404 Not Found"})
    assert sb.request("GET", "/api/v4/-/sandbox/counters")[0] == 404  # never under /api/v4


def test_counters_count_api_requests_by_route_template(world: World) -> None:
    sb = world.sb
    sb.reset_counters()
    created = world.create_token("project")
    pid = world.project["id"]
    world.call("GET", f"/projects/{pid}/access_tokens/{created['id']}")
    world.call("GET", f"/projects/{pid}/access_tokens/{created['id']}")
    world.call("POST", f"/projects/{pid}/access_tokens/{created['id']}/rotate")
    world.call("DELETE", f"/groups/{world.group['id']}/access_tokens/1")
    world.call("GET", "/projects/acme%2Fapp")
    sb.counters()  # controls are not counted
    counts = sb.counters()
    assert counts == {
        "POST /api/v4/projects/:id/access_tokens": 1,
        "GET /api/v4/projects/:id/access_tokens/:token_id": 2,
        "POST /api/v4/projects/:id/access_tokens/:token_id/rotate": 1,
        "DELETE /api/v4/groups/:id/access_tokens/:token_id": 1,
        "GET /api/v4/projects/:id": 1,
        "total": 6,
    }
    sb.reset_counters()
    assert sb.counters() == {"total": 0}


def test_time_control_moves_expiry(world: World) -> None:
    sb = world.sb
    sb.set_time("2031-05-05T08:00:00Z")
    assert sb.control("GET", "time") == {"now": "2031-05-05T08:00:00.000Z", "today": "2031-05-05",
                                         "overridden": True}
    created = world.create_token("project", {"expires_at": "2031-05-06"})
    assert created["created_at"] == "2031-05-05T08:00:00.000Z" and created["active"] is True
    sb.set_time("2031-05-06T00:00:00+00:00")
    _, _, got = world.call("GET", f"/projects/{world.project['id']}/access_tokens/{created['id']}")
    assert got["active"] is False
    sb.set_time(None)
    assert sb.control("GET", "time")["overridden"] is False
    assert sb.request("POST", "/-/sandbox/time", {"now": "tomorrow"})[0] == 400


def test_error_faults_answer_5xx(sb: Sandbox) -> None:
    sb.set_faults(error_rate=1.0, error_status=503)
    assert sb.request("GET", "/api/v4/version")[::2] == (503, {"message": "503 Service Unavailable"})
    assert sb.control("GET", "faults")["error_status"] == 503  # controls are never faulted
    sb.clear_faults()
    assert sb.request("GET", "/api/v4/version")[0] == 200


def test_faults_can_target_methods_and_are_reproducible_with_a_seed(world: World) -> None:
    sb = world.sb
    sb.set_faults(error_rate=1.0, methods=["POST"])
    assert world.call("GET", "/version")[0] == 200
    assert world.call("POST", "/groups", {"name": "x", "path": "x"})[0] == 500

    def draw() -> list[int]:
        sb.set_faults(error_rate=0.5, seed=7)
        return [world.call("GET", "/version")[0] for _ in range(20)]

    first = draw()
    assert first == draw() and set(first) == {200, 500}


def test_python_gitlab_retries_injected_transient_errors(world: World) -> None:
    sb = world.sb
    sb.set_faults(error_rate=0.5, seed=3)
    gl = sb.gitlab(retry_transient_errors=True)
    for _ in range(5):
        assert gl.projects.get(world.project["id"]).id == world.project["id"]
    assert sb.counters()["GET /api/v4/projects/:id"] > 5  # some attempts failed and were retried


def test_injected_429_carries_rate_limit_headers(sb: Sandbox) -> None:
    sb.set_faults(rate_limit_rate=1.0, retry_after=3)
    status, headers, body = sb.request("GET", "/api/v4/version")
    assert (status, body) == (429, "Retry later\n")
    assert headers["Content-Type"] == "text/plain" and headers["Retry-After"] == "3"
    for name in ("RateLimit-Name", "RateLimit-Limit", "RateLimit-Observed", "RateLimit-Remaining",
                 "RateLimit-Reset", "RateLimit-ResetTime"):
        assert name in headers


def test_slow_faults_delay_answers(sb: Sandbox) -> None:
    sb.set_faults(slow_rate=1.0, slow_seconds=0.3)
    started = time.monotonic()
    assert sb.request("GET", "/api/v4/version")[0] == 200
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("operation", ["create", "rotate"])
def test_drop_after_commit_commits_then_hangs_up(world: World, operation: str) -> None:
    sb = world.sb
    pid = world.project["id"]
    existing = world.create_token("project", {"name": "existing"})
    sb.set_faults(drop_after_commit=[operation])
    url = f"{sb.base_url}/api/v4/projects/{pid}/access_tokens"
    if operation == "rotate":
        url += f"/{existing['id']}/rotate"
    with pytest.raises(requests.ConnectionError, match="Connection aborted"):
        requests.post(url, json={"name": "dropped", "scopes": ["api"], "expires_at": in_a_month()},
                      headers={"PRIVATE-TOKEN": sb.admin_token}, timeout=10)
    sb.clear_faults()
    census = sb.tokens()
    assert len(census) == 2  # the new token exists although the client never heard of it
    if operation == "rotate":
        assert census[0]["revoked"] is True and census[1]["previous_token_id"] == existing["id"]
    else:
        assert census[1]["name"] == "dropped" and census[1]["active"] is True
    # Other requests are not dropped.
    assert world.call("GET", f"/projects/{pid}/access_tokens")[0] == 200


def test_a_dropped_answer_can_be_held_open_after_the_commit(world: World) -> None:
    """drop_after_seconds: the create is committed at once, the connection closes only later."""
    sb = world.sb
    sb.set_faults(drop_after_commit=["create"], drop_after_seconds=0.5)
    url = f"{sb.base_url}/api/v4/projects/{world.project['id']}/access_tokens"
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError, match="Connection aborted"):
        requests.post(url, json={"name": "held", "scopes": ["api"], "expires_at": in_a_month()},
                      headers={"PRIVATE-TOKEN": sb.admin_token}, timeout=10)
    assert time.monotonic() - started >= 0.5
    sb.clear_faults()
    assert [t["name"] for t in sb.tokens()] == ["held"]
    assert sb.request("POST", "/-/sandbox/faults", {"drop_after_seconds": -1})[0] == 400


@pytest.mark.parametrize(("operation", "path", "body", "listed"), [
    ("create_variable", "/groups/{gid}/variables", {"key": "DROPPED", "value": "v"}, "/groups/{gid}/variables"),
    ("create_service_account", "/groups/{gid}/service_accounts", {"username": "dropped"},
     "/groups/{gid}/service_accounts"),
])
def test_variable_and_service_account_creates_can_be_dropped_after_commit(world: World, operation: str, path: str,
                                                                          body: dict, listed: str) -> None:
    sb, gid = world.sb, world.group["id"]
    sb.set_faults(drop_after_commit=[operation])
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{sb.base_url}/api/v4{path.format(gid=gid)}", json=body,
                      headers={"PRIVATE-TOKEN": sb.admin_token}, timeout=10)
    assert world.call("POST", f"/groups/{gid}/access_tokens",
                      {"name": "kept", "scopes": ["api"], "expires_at": in_a_month()})[0] == 201, \
        "a token create is not dropped by the other operations"
    sb.clear_faults()
    found = world.call("GET", listed.format(gid=gid))[2]
    assert [body.get("key") or body.get("username")] == [v.get("key") or v.get("username") for v in found]


def test_faults_reject_unknown_options(sb: Sandbox) -> None:
    status, _, body = sb.request("POST", "/-/sandbox/faults", {"eror_rate": 1})
    assert status == 400 and "eror_rate" in body["error"]
    assert sb.request("POST", "/-/sandbox/faults", {"drop_after_commit": ["delete"]})[0] == 400


def test_rate_limit(sb: Sandbox) -> None:
    sb.set_rate_limit(3, period_seconds=60)
    statuses = [sb.request("GET", "/api/v4/version")[0] for _ in range(3)]
    status, headers, body = sb.request("GET", "/api/v4/version")
    assert statuses == [200, 200, 200] and (status, body) == (429, "Retry later\n")
    assert headers["RateLimit-Name"] == "throttle_authenticated_api"
    assert (headers["RateLimit-Limit"], headers["RateLimit-Observed"], headers["RateLimit-Remaining"]) == (
        "3", "4", "0")
    reset_at = int(headers["RateLimit-Reset"])
    assert 0 < reset_at - time.time() <= 61
    assert 0 < int(headers["Retry-After"]) <= 60
    assert email.utils.parsedate_to_datetime(headers["RateLimit-ResetTime"]) == dt.datetime.fromtimestamp(
        reset_at, dt.timezone.utc)
    # Controls are not throttled, and turning the limit off lets requests through.
    sb.set_rate_limit(None)
    assert sb.request("GET", "/api/v4/version")[0] == 200


def test_python_gitlab_waits_out_a_short_rate_limit(sb: Sandbox) -> None:
    sb.set_rate_limit(2, period_seconds=1)
    gl = sb.gitlab()
    started = time.monotonic()
    for _ in range(4):
        gl.version()
        gl._server_version = None  # ask again
    assert time.monotonic() - started >= 0.2
    assert sb.counters()["GET /api/v4/version"] > 4  # at least one 429 was retried


def test_reset_wipes_data_but_keeps_root_and_the_admin_token(world: World) -> None:
    sb = world.sb
    world.create_token("project")
    sb.set_faults(error_rate=0.0)
    sb.set_time("2040-01-01T00:00:00Z")
    sb.reset()
    assert sb.tokens() == []
    assert sb.request("GET", f"/api/v4/projects/{world.project['id']}")[0] == 404
    assert sb.request("GET", "/api/v4/user")[2]["username"] == "root"
    assert sb.control("GET", "time")["overridden"] is False
    assert sb.counters() == {"GET /api/v4/projects/:id": 1, "GET /api/v4/user": 1, "total": 2}
    assert sb.request("GET", "/api/v4/user", token=world.tokens["owner"])[0] == 401


def test_census_lists_tokens_without_secrets(world: World) -> None:
    created = world.create_token("group")
    personal = world.tokens["owner"]
    census = world.sb.tokens()
    assert [t["id"] for t in census] == [created["id"]]  # only access tokens by default
    _, _, everything = world.sb.request("GET", "/-/sandbox/tokens?include_personal=true")
    assert len(everything) == 1 + len(world.tokens) + 1  # + the admin token
    assert personal not in repr(everything)
    with pytest.raises(gitlab.GitlabAuthenticationError, match="401 Unauthorized"):
        world.sb.gitlab("glpat-wrong").auth()
