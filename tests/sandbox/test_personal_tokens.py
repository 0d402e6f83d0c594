"""``/personal_access_tokens`` by id: visibility rules, filters, rotation, revocation, expiry."""

from __future__ import annotations

import datetime as dt

from .conftest import World, has, in_a_month


def _token(world: World, user: str, name: str = "t", **extra) -> dict:
    body = {"name": name, "scopes": ["api"], "expires_at": in_a_month(), **extra}
    return world.sb.api("POST", f"/users/{world.users[user]['id']}/personal_access_tokens", body)


def test_lists_show_own_tokens_to_users_and_every_token_to_administrators(world: World) -> None:
    extra = _token(world, "developer", "extra")
    status, headers, own = world.call("GET", "/personal_access_tokens", as_="developer")
    assert status == 200 and {t["user_id"] for t in own} == {world.users["developer"]["id"]}
    assert extra["id"] in {t["id"] for t in own} and headers["X-Total"] == "2"
    assert world.call("GET", f"/personal_access_tokens?user_id={world.users['owner']['id']}",
                      as_="developer")[::2] == (401, {"message": "401 Unauthorized"})
    everyone = world.call("GET", "/personal_access_tokens?per_page=100")[2]
    assert {world.users[name]["id"] for name in world.users} <= {t["user_id"] for t in everyone}
    assert world.call("GET", "/personal_access_tokens?user_id=999999")[::2] == (404, {"message": "404 Not Found"})
    assert world.call("GET", "/personal_access_tokens?user_id=")[0] == 404


def test_list_filters_sort_and_pagination(world: World) -> None:
    developer = world.users["developer"]["id"]
    soon = _token(world, "developer", "deploy soon", expires_at=(dt.date.today() + dt.timedelta(days=3)).isoformat())
    revoked = _token(world, "developer", "deploy old")
    world.sb.api("DELETE", f"/personal_access_tokens/{revoked['id']}", expect=204)
    base = f"/personal_access_tokens?user_id={developer}"
    names = lambda query: [t["name"] for t in world.call("GET", base + query)[2]]  # noqa: E731
    assert names("&search=deploy&sort=name_asc") == ["deploy old", "deploy soon"]
    assert names("&state=inactive") == ["deploy old"]
    assert names("&revoked=false&expires_before=" + (dt.date.today() + dt.timedelta(days=5)).isoformat()) == [
        "deploy soon"]
    status, headers, page = world.call("GET", base + "&per_page=1&page=2")
    assert status == 200 and len(page) == 1 and headers["X-Total"] == "3" and headers["X-Next-Page"] == "3"
    assert soon["id"] in {t["id"] for t in world.call("GET", base)[2]}
    assert world.call("GET", base + "&state=nope")[::2] == (400, {"error": "state does not have a valid value"})


def test_get_and_rotate_answer_others_401_and_only_administrators_404(world: World) -> None:
    owners = _token(world, "owner")
    for method, suffix in (("GET", ""), ("POST", "/rotate")):
        assert world.call(method, f"/personal_access_tokens/{owners['id']}{suffix}", as_="developer")[0] == 401
        assert world.call(method, f"/personal_access_tokens/999999{suffix}", as_="developer")[0] == 401
        assert world.call(method, f"/personal_access_tokens/999999{suffix}")[::2] == (404, {"message": "404 Not Found"})
    status, _, fetched = world.call("GET", f"/personal_access_tokens/{owners['id']}", as_="owner")
    assert status == 200 and "last_used_ips" in fetched and "token" not in fetched
    status, _, rotated = world.call("POST", f"/personal_access_tokens/{owners['id']}/rotate", as_="owner")
    assert status == 200 and rotated["token"] != owners["token"]
    assert rotated["expires_at"] == (dt.date.today() + dt.timedelta(days=7)).isoformat()
    status, _, body = world.call("POST", f"/personal_access_tokens/{owners['id']}/rotate", as_="owner")
    assert (status, body) == (400, {"message": "400 Bad request - Token already revoked"})


def test_revoke_rules(world: World) -> None:
    owners = _token(world, "owner")
    assert world.call("DELETE", "/personal_access_tokens/999999")[::2] == (404, {"message": "404 Not found"})
    refused = ("400 Bad request - Not permitted to revoke" if has(world.sb, "revoke_wording_19")
               else "400 Bad request")
    assert world.call("DELETE", f"/personal_access_tokens/{owners['id']}",
                      as_="developer")[::2] == (400, {"message": refused})
    assert world.call("DELETE", f"/personal_access_tokens/{owners['id']}", as_="owner")[0] == 204
    # Whoever administers a group's service account may revoke its tokens here too.
    account = world.call("POST", f"/groups/{world.group['id']}/service_accounts", {}, as_="owner")[2]
    token = world.sb.api("POST", f"/users/{account['id']}/personal_access_tokens", {"name": "ci", "scopes": ["api"]})
    assert world.call("DELETE", f"/personal_access_tokens/{token['id']}", as_="maintainer")[0] == 400
    assert world.call("DELETE", f"/personal_access_tokens/{token['id']}", as_="owner")[0] == 204


def test_expiry_takes_effect(world: World) -> None:
    token = _token(world, "developer", expires_at=(dt.date.today() + dt.timedelta(days=2)).isoformat())
    assert world.call("GET", "/user", token=token["token"])[0] == 200
    world.sb.set_time(f"{(dt.date.today() + dt.timedelta(days=2)).isoformat()}T00:00:01Z")
    status, _, body = world.call("GET", "/user", token=token["token"])
    assert status == 401 and body["error_description"].startswith("Token is expired")
    listed = world.call("GET", f"/personal_access_tokens/{token['id']}")[2]
    assert listed["active"] is False and listed["revoked"] is False


def test_a_group_owner_reads_its_service_accounts_tokens_only_through_the_group(world: World) -> None:
    # read_user_personal_access_tokens is the user themself or an administrator: the owner uses the group route.
    account = world.call("POST", f"/groups/{world.group['id']}/service_accounts", {}, as_="owner")[2]
    tokens = f"/groups/{world.group['id']}/service_accounts/{account['id']}/personal_access_tokens"
    token = world.call("POST", tokens, {"name": "ci", "scopes": ["api"], "expires_at": in_a_month()}, as_="owner")[2]
    assert world.call("GET", f"/personal_access_tokens/{token['id']}", as_="owner")[0] == 401
    assert world.call("POST", f"/personal_access_tokens/{token['id']}/rotate", as_="owner")[0] == 401
    assert [t["id"] for t in world.call("GET", tokens, as_="owner")[2]] == [token["id"]]
    # The account itself may read its own token by id.
    assert world.call("GET", f"/personal_access_tokens/{token['id']}", token=token["token"])[0] == 200


def test_get_user_by_id_and_404_user_not_found(world: World) -> None:
    """``GET /users/:id`` (``lib/api/users.rb``): administrators see ``is_admin``; a missing user is 404."""
    developer = world.users["developer"]
    status, _, seen = world.call("GET", f"/users/{developer['id']}")
    assert status == 200 and seen["id"] == developer["id"] and seen["is_admin"] is False
    status, _, seen = world.call("GET", f"/users/{developer['id']}", as_="owner")
    assert status == 200 and seen["username"] == developer["username"] and "is_admin" not in seen
    assert world.call("GET", "/users/999999")[::2] == (404, {"message": "404 User Not Found"})
    assert world.sb.gitlab().users.get(developer["id"]).username == developer["username"]
