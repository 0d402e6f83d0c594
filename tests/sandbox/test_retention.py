"""Retention: GitLab deletes an inactive token family and its bot some days after it went inactive.

``inactive_resource_access_tokens_delete_after_days`` (default 30): once none
of a family's tokens is active, and the last one became inactive that many
days ago, the tokens and the bot user are gone. The sandbox runs GitLab's
daily job before every request, so moving its clock is enough.
"""

from __future__ import annotations

import datetime as dt

import gitlab
import pytest
from gitlab_token_sandbox import SandboxConfig, SandboxServer
from gitlab_token_sandbox.store import Store

from support.sandbox import running_sandbox

from .conftest import World, in_a_month


def _at(day: dt.date) -> str:
    return f"{day.isoformat()}T12:00:00Z"


def test_an_expired_family_is_rotatable_inside_the_window_and_gone_after(world: World, kind: str) -> None:
    sb, rid = world.sb, world.resource_id(kind)
    today = dt.date.fromisoformat(sb.control("GET", "time")["today"])
    expires = today + dt.timedelta(days=10)
    first = world.create_token(kind, {"expires_at": expires.isoformat()})
    second = world.create_token(kind, {"expires_at": expires.isoformat()})
    # 29 days after expiry: still there, and an expired token can be rotated back to life.
    sb.set_time(_at(expires + dt.timedelta(days=29)))
    status, _, rotated = world.call("POST", f"/{kind}s/{rid}/access_tokens/{first['id']}/rotate")
    assert status == 200 and rotated["user_id"] == first["user_id"]
    # 30 days after expiry: the family nobody rotated is deleted with its bot; the rotated one lives.
    sb.set_time(_at(expires + dt.timedelta(days=30)))
    assert world.call("GET", f"/{kind}s/{rid}/access_tokens/{second['id']}")[0] == 404
    assert world.call("GET", f"/{kind}s/{rid}/access_tokens/{rotated['id']}")[0] == 200
    members = [m["id"] for m in world.call("GET", f"/{kind}s/{rid}/members")[2]]
    assert second["user_id"] not in members and first["user_id"] in members
    census = {t["id"] for t in sb.tokens()}
    assert census == {first["id"], rotated["id"]}


def test_a_revoked_family_is_deleted_30_days_after_its_revocation(world: World, kind: str) -> None:
    sb, rid = world.sb, world.resource_id(kind)
    today = dt.date.fromisoformat(sb.control("GET", "time")["today"])
    sb.set_time(_at(today))
    token = world.create_token(kind)
    assert world.call("DELETE", f"/{kind}s/{rid}/access_tokens/{token['id']}")[0] == 204
    sb.set_time(_at(today + dt.timedelta(days=29)))
    assert world.call("GET", f"/{kind}s/{rid}/access_tokens/{token['id']}")[0] == 200
    sb.set_time(_at(today + dt.timedelta(days=30)))
    assert world.call("GET", f"/{kind}s/{rid}/access_tokens/{token['id']}")[0] == 404
    assert sb.tokens() == []


def test_retention_is_configurable_and_zero_keeps_families_forever() -> None:
    for days, kept in (("0", True), ("3", False)):
        with running_sandbox(extra_args=["--inactive-token-retention-days", days]) as sb:
            group = sb.create_group("acme")
            today = dt.date.fromisoformat(sb.control("GET", "time")["today"])
            created = sb.api("POST", f"/groups/{group['id']}/access_tokens",
                             {"name": "t", "scopes": ["api"], "expires_at": (today + dt.timedelta(days=1)).isoformat()})
            sb.set_time(_at(today + dt.timedelta(days=400)))
            status = sb.request("GET", f"/api/v4/groups/{group['id']}/access_tokens/{created['id']}")[0]
            assert status == (200 if kept else 404)


def test_a_token_created_already_expired_long_ago_is_swept_at_the_next_request(world: World, kind: str) -> None:
    """GitLab accepts a past ``expires_at``; such a family is past the cutoff the moment it exists."""
    sb, rid = world.sb, world.resource_id(kind)
    today = dt.date.fromisoformat(sb.control("GET", "time")["today"])
    kept = world.create_token(kind)
    born_expired = world.create_token(kind, {"expires_at": (today - dt.timedelta(days=40)).isoformat()})
    assert world.call("GET", f"/{kind}s/{rid}/access_tokens/{born_expired['id']}")[0] == 404
    assert world.call("GET", f"/{kind}s/{rid}/access_tokens/{kept['id']}")[0] == 200
    assert {t["id"] for t in sb.tokens()} == {kept["id"]}


def test_api_writes_do_not_make_the_next_request_scan_every_family_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of revocations (a destroy) scans for inactive families once, not once per token.

    In-process, to count the scans; the clock moving still makes the next request scan.
    """
    scans: list[str] = []
    original = Store.bots_without_active_tokens

    def counted(store: Store, today: str) -> list:
        scans.append(today)
        return original(store, today)

    monkeypatch.setattr(Store, "bots_without_active_tokens", counted)
    server = SandboxServer(SandboxConfig(port=0))
    server.start()
    try:
        gl = gitlab.Gitlab(server.base_url, private_token=server.admin_token)
        time_control = f"{server.base_url}/-/sandbox/time"  # outside /api/v4: named by its full URL
        group = gl.groups.create({"name": "acme", "path": "acme"})
        tokens = [group.access_tokens.create({"name": f"t{i}", "scopes": ["api"], "expires_at": in_a_month()})
                  for i in range(3)]
        scans.clear()
        for token in tokens:
            group.access_tokens.delete(token.id)
            assert group.access_tokens.get(token.id).revoked is True
        assert scans == []
        today = dt.date.fromisoformat(gl.http_get(time_control)["today"])
        gl.http_post(time_control, post_data={"now": _at(today + dt.timedelta(days=31))})
        with pytest.raises(gitlab.GitlabGetError, match="404 group Access Token Not Found") as gone:
            group.access_tokens.get(tokens[0].id)
        assert gone.value.response_code == 404
        assert len(scans) >= 1
    finally:
        server.stop()
