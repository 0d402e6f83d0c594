"""Every service-account, personal-token and deploy-token route succeeds once and is counted by its template."""

from __future__ import annotations

from .conftest import ROUTE_NOT_FOUND, World, in_a_month

NEW_ROUTES = {
    "POST /api/v4/service_accounts",
    "GET /api/v4/service_accounts",
    "GET /api/v4/personal_access_tokens",
    "GET /api/v4/personal_access_tokens/:id",
    "POST /api/v4/personal_access_tokens/:id/rotate",
    "DELETE /api/v4/personal_access_tokens/:id",
    "GET /api/v4/deploy_tokens",
    *(f"{method} /api/v4/{kind}/:id/{suffix}"
      for kind in ("projects", "groups")
      for method, suffix in (("POST", "service_accounts"), ("GET", "service_accounts"),
                             ("DELETE", "service_accounts/:user_id"),
                             ("GET", "service_accounts/:user_id/personal_access_tokens"),
                             ("POST", "service_accounts/:user_id/personal_access_tokens"),
                             ("POST", "service_accounts/:user_id/personal_access_tokens/:token_id/rotate"),
                             ("DELETE", "service_accounts/:user_id/personal_access_tokens/:token_id"),
                             ("GET", "deploy_tokens"), ("POST", "deploy_tokens"),
                             ("GET", "deploy_tokens/:token_id"), ("DELETE", "deploy_tokens/:token_id"))),
}


def test_every_new_route_succeeds_once_and_is_counted(world: World) -> None:
    sb = world.sb
    sb.reset_counters()

    def call(method: str, path: str, body: dict | None = None, expect: int = 200) -> dict:
        status, _, payload = world.call(method, path, body)
        assert status == expect, (method, path, payload)
        return payload

    instance = call("POST", "/service_accounts", {}, 201)
    call("GET", "/service_accounts")
    for kind in ("projects", "groups"):
        base = f"/{kind}/{world.resource_id(kind[:-1])}"
        deploy = call("POST", f"{base}/deploy_tokens", {"name": "d", "scopes": ["read_repository"]}, 201)
        call("GET", f"{base}/deploy_tokens")
        call("GET", f"{base}/deploy_tokens/{deploy['id']}")
        call("DELETE", f"{base}/deploy_tokens/{deploy['id']}", expect=204)
        if not world.serves_service_accounts_of(kind[:-1]):
            assert world.call("POST", f"{base}/service_accounts", {})[::2] == ROUTE_NOT_FOUND
            continue
        account = call("POST", f"{base}/service_accounts", {}, 201)
        call("GET", f"{base}/service_accounts")
        tokens = f"{base}/service_accounts/{account['id']}/personal_access_tokens"
        token = call("POST", tokens, {"name": "ci", "scopes": ["api"], "expires_at": in_a_month()}, 201)
        call("GET", tokens)
        rotated = call("POST", f"{tokens}/{token['id']}/rotate")
        call("DELETE", f"{tokens}/{rotated['id']}", expect=204)
        call("DELETE", f"{base}/service_accounts/{account['id']}", expect=204)
    personal = sb.api("POST", f"/users/{instance['id']}/personal_access_tokens", {"name": "p", "scopes": ["api"]})
    call("GET", f"/personal_access_tokens?user_id={instance['id']}")
    call("GET", f"/personal_access_tokens/{personal['id']}")
    successor = call("POST", f"/personal_access_tokens/{personal['id']}/rotate")
    call("DELETE", f"/personal_access_tokens/{successor['id']}", expect=204)
    call("GET", "/deploy_tokens")

    counts = sb.counters()
    served = {key for key in NEW_ROUTES
              if "/projects/:id/service_accounts" not in key or world.serves_service_accounts_of("project")}
    assert {key for key in served if counts.get(key, 0) >= 1} == served
