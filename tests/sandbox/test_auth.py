"""Authentication: credentials, expired/revoked tokens, scopes, sudo, the self endpoints."""

from __future__ import annotations

import datetime as dt
import urllib.request

import gitlab
import pytest

from support.sandbox import Sandbox

from .conftest import World, has

EXPIRED = {"error": "invalid_token",
           "error_description": "Token is expired. You can either do re-authorization or token refresh."}
REVOKED = {"error": "invalid_token",
           "error_description": "Token was revoked. You have to re-authorize from the user."}


def raw_get(sb: Sandbox, path: str, headers: dict[str, str]) -> int:
    req = urllib.request.Request(sb.base_url + path, headers=headers)
    try:
        with urllib.request.urlopen(req) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_row1_no_credentials_or_garbage_is_401(sb: Sandbox) -> None:
    assert sb.request("GET", "/api/v4/user", anonymous=True)[::2] == (401, {"message": "401 Unauthorized"})
    assert sb.request("GET", "/api/v4/user", token="glpat-nope")[::2] == (401, {"message": "401 Unauthorized"})
    assert sb.request("GET", "/api/v4/version", anonymous=True)[0] == 401


def test_every_accepted_way_to_send_a_token(sb: Sandbox) -> None:
    token = sb.admin_token
    assert raw_get(sb, "/api/v4/user", {"PRIVATE-TOKEN": token}) == 200
    assert raw_get(sb, "/api/v4/user", {"Authorization": f"Bearer {token}"}) == 200
    assert raw_get(sb, f"/api/v4/user?private_token={token}", {}) == 200
    assert raw_get(sb, f"/api/v4/user?access_token={token}", {}) == 200
    oauth = gitlab.Gitlab(sb.base_url, oauth_token=token)
    oauth.auth()
    assert oauth.user.username == "root"


def test_private_token_parameter_wins_over_the_header(sb: Sandbox) -> None:
    # auth_finders.rb: params[:private_token].presence || env["HTTP_PRIVATE_TOKEN"].presence || oauth
    token = sb.admin_token
    assert raw_get(sb, "/api/v4/user?private_token=glpat-nope", {"PRIVATE-TOKEN": token}) == 401
    assert raw_get(sb, f"/api/v4/user?private_token={token}", {"PRIVATE-TOKEN": "glpat-nope"}) == 200
    assert raw_get(sb, "/api/v4/user?private_token=", {"PRIVATE-TOKEN": token}) == 200  # blank is absent


def test_job_tokens_are_refused(sb: Sandbox) -> None:
    assert raw_get(sb, "/api/v4/user", {"JOB-TOKEN": sb.admin_token}) == 401
    with pytest.raises(gitlab.GitlabAuthenticationError, match="401 Unauthorized"):
        gitlab.Gitlab(sb.base_url, job_token=sb.admin_token).projects.get(1)


def test_row2_expired_token_is_401_with_the_oauth_body(world: World) -> None:
    sb = world.sb
    token = sb.create_user_token(world.users["owner"]["id"])
    assert world.call("GET", "/user", token=token)[0] == 200
    # Tokens expire at 00:00 UTC of expires_at: the default is a year from today.
    expiry = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=365)
    sb.set_time(f"{expiry - dt.timedelta(days=1)}T23:59:59Z")
    assert world.call("GET", "/user", token=token)[0] == 200
    sb.set_time(f"{expiry}T00:00:00Z")
    status, headers, body = world.call("GET", "/user", token=token)
    assert (status, body) == (401, EXPIRED)
    assert headers["WWW-Authenticate"].startswith('Bearer realm="Protected by OAuth 2.0", error="invalid_token"')


def test_row3_revoked_token_is_401_and_expiry_is_checked_first(world: World) -> None:
    sb = world.sb
    token = sb.create_user_token(world.users["owner"]["id"])
    assert world.call("DELETE", "/personal_access_tokens/self", token=token)[0] == 204
    assert world.call("GET", "/user", token=token)[::2] == (401, REVOKED)
    sb.set_time("2999-01-01T00:00:00Z")
    assert world.call("GET", "/user", token=token)[::2] == (401, EXPIRED)


def test_row4_read_api_allows_only_reads(world: World) -> None:
    token = world.sb.create_user_token(world.users["owner"]["id"], ["read_api"])
    gid = world.group["id"]
    assert world.call("GET", f"/groups/{gid}", token=token)[0] == 200
    status, headers, body = world.call("POST", f"/groups/{gid}/access_tokens",
                                       {"name": "x", "scopes": ["api"]}, token=token)
    assert status == 403
    assert body == {"error": "insufficient_scope",
                    "error_description": "The request requires higher privileges than provided by the access token.",
                    "scope": "api"}
    assert 'error="insufficient_scope"' in headers["WWW-Authenticate"]
    assert world.call("DELETE", f"/groups/{gid}/access_tokens/1", token=token)[0] == 403


def test_a_token_without_api_scopes_cannot_call_the_api_but_can_read_itself(world: World) -> None:
    token = world.sb.create_user_token(world.users["owner"]["id"], ["read_repository"])
    assert world.call("GET", f"/groups/{world.group['id']}", token=token)[0] == 403
    status, _, me = world.call("GET", "/personal_access_tokens/self", token=token)
    # 18.1 records no IPs; 19.x records where the token was just used from.
    ips = ["127.0.0.1"] if has(world.sb, "entity_19") else []
    assert status == 200 and me["scopes"] == ["read_repository"] and me["last_used_ips"] == ips
    assert "token" not in me and "access_level" not in me


def test_read_user_scope_reads_the_current_user(world: World) -> None:
    token = world.sb.create_user_token(world.users["owner"]["id"], ["read_user"])
    status, _, me = world.call("GET", "/user", token=token)
    assert status == 200 and me["username"] == "owner" and "is_admin" not in me


def test_personal_token_self_rotate(world: World) -> None:
    token = world.sb.create_user_token(world.users["owner"]["id"], ["api"])
    _, _, before = world.call("GET", "/personal_access_tokens/self", token=token)
    status, _, new = world.call("POST", "/personal_access_tokens/self/rotate", token=token)
    assert status == 200 and new["token"] != token and new["id"] != before["id"]
    assert new["user_id"] == before["user_id"] and "access_level" not in new
    assert world.call("GET", "/user", token=token)[::2] == (401, REVOKED)
    assert world.call("GET", "/user", token=new["token"])[0] == 200


def test_personal_token_self_rotate_through_python_gitlab(world: World) -> None:
    token = world.sb.create_user_token(world.users["owner"]["id"], ["api"])
    gl = world.sb.gitlab(token)
    pat = gl.personal_access_tokens.get("self")
    result = pat.rotate(self_rotate=True)
    assert result["token"] != token
    assert world.sb.gitlab(result["token"]).personal_access_tokens.get("self").id == result["id"]


def test_last_used_at_is_recorded(world: World) -> None:
    token = world.sb.create_user_token(world.users["owner"]["id"], ["api"])
    world.call("GET", "/user", token=token)
    _, _, me = world.call("GET", "/personal_access_tokens/self", token=token)
    assert me["last_used_at"] is not None


def test_last_used_at_left_in_the_future_catches_up_with_the_clock(world: World) -> None:
    # Updated when older than 10 minutes OR later than now, so moving the clock back repairs it.
    token = world.sb.create_user_token(world.users["owner"]["id"], ["api"])
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    world.sb.set_time(future)
    world.call("GET", "/user", token=token)
    assert world.call("GET", "/personal_access_tokens/self", token=token)[2]["last_used_at"].startswith(future[:19])
    world.sb.set_time(None)
    world.call("GET", "/user", token=token)
    _, _, me = world.call("GET", "/personal_access_tokens/self", token=token)
    assert me["last_used_at"] < future and me["last_used_at"][:10] <= dt.datetime.now(dt.timezone.utc).date().isoformat()


def test_controls_do_not_count_as_token_use(world: World) -> None:
    sb = world.sb
    admin = sb.api("POST", "/users", {"username": "ops", "name": "Ops", "email": "ops@example.com", "admin": True})
    token = sb.create_user_token(admin["id"], ["api"])
    for control in ("counters", "time", "faults", "tokens"):
        assert sb.request("GET", f"/-/sandbox/{control}", token=token)[0] == 200
    census = sb.control("GET", "tokens?include_personal=true")
    assert [t["last_used_at"] for t in census if t["user_id"] == admin["id"]] == [None]


def test_sudo(world: World) -> None:
    owner = world.users["owner"]
    status, _, me = world.sb.request("GET", "/api/v4/user", headers={"Sudo": "owner"})
    assert status == 200 and me["id"] == owner["id"]
    # Only admins may sudo, and only with a sudo-scoped token.
    assert world.call("GET", "/user", as_="maintainer")[0] == 200
    status, _, body = world.sb.request("GET", "/api/v4/user", token=world.tokens["maintainer"],
                                       headers={"Sudo": "owner"})
    assert (status, body) == (403, {"message": "403 Forbidden - Must be admin to use sudo"})
    assert world.sb.request("GET", "/api/v4/user", headers={"Sudo": "nobody"})[::2] == (
        404, {"message": "404 User with ID or username 'nobody' Not Found"})


def test_unknown_routes_use_grapes_error_key(sb: Sandbox) -> None:
    assert sb.request("GET", "/api/v4/nothing/here")[::2] == (404, {"error": "404 Not Found"})
    assert sb.request("PUT", "/api/v4/projects/1/access_tokens/1")[::2] == (404, {"error": "404 Not Found"})
