"""Many clients at once: no lost, no duplicated token, consistent bots."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from .conftest import World, in_a_month

THREADS = 50


def test_50_concurrent_creates_lose_and_duplicate_nothing(world: World) -> None:
    sb = world.sb
    pid = world.project["id"]
    url = f"{sb.base_url}/api/v4/projects/{pid}/access_tokens"

    def create(number: int) -> dict:
        # One connection per thread, like 50 independent clients.
        with requests.Session() as session:
            response = session.post(url, json={"name": f"t{number}", "scopes": ["api"], "expires_at": in_a_month()},
                                    headers={"PRIVATE-TOKEN": world.tokens["owner"]}, timeout=60)
        assert response.status_code == 201, response.text
        return response.json()

    with ThreadPoolExecutor(THREADS) as pool:
        created = list(pool.map(create, range(THREADS)))

    ids = [t["id"] for t in created]
    assert len(set(ids)) == THREADS
    assert len({t["token"] for t in created}) == THREADS
    assert len({t["user_id"] for t in created}) == THREADS
    census = sb.tokens()
    assert sorted(t["id"] for t in census) == sorted(ids)
    assert sorted(t["name"] for t in census) == sorted(f"t{n}" for n in range(THREADS))
    status, headers, listed = world.call("GET", f"/projects/{pid}/access_tokens?per_page=100")
    assert status == 200 and headers["X-Total"] == str(THREADS) and len(listed) == THREADS
    _, _, members = world.call("GET", f"/projects/{pid}/members?per_page=100")
    assert {t["user_id"] for t in created} <= {m["id"] for m in members}


def test_concurrent_rotations_of_one_token_yield_exactly_one_winner(world: World) -> None:
    sb = world.sb
    pid = world.project["id"]
    token = world.create_token("project")
    url = f"{sb.base_url}/api/v4/projects/{pid}/access_tokens/{token['id']}/rotate"

    def rotate(_: int) -> int:
        return requests.post(url, headers={"PRIVATE-TOKEN": sb.admin_token}, timeout=60).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(rotate, range(20)))
    assert sorted(statuses) == [200] + [400] * 19
    census = sb.tokens()
    assert len(census) == 2 and [t["active"] for t in census] == [False, True]


def test_concurrent_self_rotations_of_one_token_yield_exactly_one_winner(world: World) -> None:
    sb = world.sb
    token = world.create_token("project")
    url = f"{sb.base_url}/api/v4/projects/{world.project['id']}/access_tokens/self/rotate"

    def rotate(_: int) -> int:
        return requests.post(url, headers={"PRIVATE-TOKEN": token["token"]}, timeout=60).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(rotate, range(20)))
    assert statuses.count(200) == 1
    # Losers either raced past authentication (400 Token already revoked) or presented the
    # now-revoked token on a rotate path: that is reuse, which revokes the whole family (401).
    assert set(statuses) <= {200, 400, 401}
    census = sb.tokens()
    assert len(census) == 2 and census[0]["active"] is False
    assert census[1]["active"] is (401 not in statuses)
