"""Every endpoint answers, and the counters name each one by its documented route template."""

from __future__ import annotations

from .conftest import DEVELOPER, World, in_a_month

#: The API as documented in docs/sandbox.md; other test suites key on these strings.
DOCUMENTED_ROUTES = {
    "GET /api/v4/version",
    "GET /api/v4/user",
    "GET /api/v4/personal_access_tokens/self",
    "DELETE /api/v4/personal_access_tokens/self",
    "POST /api/v4/personal_access_tokens/self/rotate",
    "POST /api/v4/users",
    "POST /api/v4/users/:user_id/personal_access_tokens",
    "POST /api/v4/groups",
    "GET /api/v4/groups/:id",
    "POST /api/v4/projects",
    "GET /api/v4/projects/:id",
    *(f"{method} /api/v4/{kind}/:id/{suffix}"
      for kind in ("projects", "groups")
      for method, suffix in (("GET", "members"), ("POST", "members"), ("GET", "access_tokens"),
                             ("POST", "access_tokens"), ("GET", "access_tokens/:token_id"),
                             ("DELETE", "access_tokens/:token_id"), ("POST", "access_tokens/:token_id/rotate"),
                             ("POST", "access_tokens/self/rotate"))),
}


def test_every_documented_endpoint_succeeds_once(world: World) -> None:
    sb = world.sb
    sb.reset_counters()
    expected_status: list[tuple[str, str, int, int]] = []

    def call(method: str, path: str, body: object = None, *, token: str | None = None, expect: int = 200) -> dict:
        status, _, answer = world.call(method, path, body, token=token)
        expected_status.append((method, path, expect, status))
        return answer

    call("GET", "/version")
    call("GET", "/user")
    user = call("POST", "/users", {"username": "zed", "name": "Zed", "email": "zed@example.com"}, expect=201)
    pat = call("POST", f"/users/{user['id']}/personal_access_tokens", {"name": "p", "scopes": ["api"]}, expect=201)
    call("GET", "/personal_access_tokens/self", token=pat["token"])
    rotated = call("POST", "/personal_access_tokens/self/rotate", token=pat["token"])
    call("DELETE", "/personal_access_tokens/self", token=rotated["token"], expect=204)
    group = call("POST", "/groups", {"name": "g", "path": "g"}, expect=201)
    call("GET", f"/groups/{group['id']}")
    project = call("POST", "/projects", {"name": "p", "namespace_id": group["id"]}, expect=201)
    call("GET", f"/projects/{project['id']}")
    for kind, rid in (("projects", project["id"]), ("groups", group["id"])):
        call("POST", f"/{kind}/{rid}/members", {"user_id": user["id"], "access_level": DEVELOPER}, expect=201)
        call("GET", f"/{kind}/{rid}/members")
        token = call("POST", f"/{kind}/{rid}/access_tokens", {"name": "t", "scopes": ["api"],
                                                                  "expires_at": in_a_month()}, expect=201)
        call("GET", f"/{kind}/{rid}/access_tokens")
        call("GET", f"/{kind}/{rid}/access_tokens/{token['id']}")
        new = call("POST", f"/{kind}/{rid}/access_tokens/{token['id']}/rotate")
        newer = call("POST", f"/{kind}/{rid}/access_tokens/self/rotate", token=new["token"])
        call("DELETE", f"/{kind}/{rid}/access_tokens/{newer['id']}", expect=204)

    assert [(m, p, e) for m, p, e, got in expected_status if got != e] == []
    counts = sb.counters()
    assert set(counts) - {"total"} == DOCUMENTED_ROUTES
    assert counts["total"] == len(expected_status)


def test_head_is_served_like_get_without_a_body(world: World) -> None:
    status, headers, body = world.sb.request("HEAD", f"/api/v4/projects/{world.project['id']}/access_tokens")
    assert status == 200 and body is None and headers["X-Total"] == "0"
