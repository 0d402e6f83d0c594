"""Listing access tokens: filters, sorting and GitLab's pagination headers."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from .conftest import World


def names(items: list[dict]) -> list[str]:
    return [item["name"] for item in items]


@pytest.fixture
def spread(world: World, kind: str) -> tuple[World, str, dict[str, dict]]:
    """Four tokens made on different days: active, revoked, expired, used."""
    sb = world.sb
    sb.set_time("2030-03-01T10:00:00Z")
    made = {"a_test_1": world.create_token(kind, {"name": "a_test_1", "expires_at": "2030-12-31"})}
    sb.set_time("2030-03-02T10:00:00Z")
    made["revoked"] = world.create_token(kind, {"name": "revoked", "expires_at": "2030-06-30"})
    world.call("DELETE", f"/{kind}s/{world.resource_id(kind)}/access_tokens/{made['revoked']['id']}")
    made["expired"] = world.create_token(kind, {"name": "expired", "expires_at": "2030-03-03"})
    sb.set_time("2030-03-03T10:00:00Z")
    made["used"] = world.create_token(kind, {"name": "used", "expires_at": "2030-09-01"})
    world.call("GET", "/user", token=made["used"]["token"])
    sb.set_time("2030-03-05T10:00:00Z")
    return world, f"/{kind}s/{world.resource_id(kind)}/access_tokens", made


def listed(world: World, path: str, query: str = "") -> list[str]:
    status, _, items = world.call("GET", f"{path}?{query}")
    assert status == 200, items
    return names(items)


def test_list_includes_every_state_in_id_order(spread) -> None:
    world, path, made = spread
    assert listed(world, path) == ["a_test_1", "revoked", "expired", "used"]
    _, _, items = world.call("GET", path)
    by_name = {item["name"]: item for item in items}
    assert by_name["expired"]["active"] is False and by_name["expired"]["revoked"] is False
    assert by_name["revoked"]["active"] is False and by_name["revoked"]["revoked"] is True


def test_state_and_revoked_filters(spread) -> None:
    world, path, _ = spread
    assert listed(world, path, "state=active") == ["a_test_1", "used"]
    assert listed(world, path, "state=inactive") == ["revoked", "expired"]
    assert listed(world, path, "revoked=true") == ["revoked"]
    assert listed(world, path, "revoked=false") == ["a_test_1", "expired", "used"]
    assert world.call("GET", f"{path}?state=gone")[::2] == (400, {"error": "state does not have a valid value"})


def test_date_filters(spread) -> None:
    world, path, _ = spread
    assert listed(world, path, "created_before=2030-03-01T12:00:00Z") == ["a_test_1"]
    assert listed(world, path, "created_after=2030-03-02T00:00:00Z") == ["revoked", "expired", "used"]
    assert listed(world, path, "last_used_after=2030-03-03T00:00:00Z") == ["used"]
    assert listed(world, path, "last_used_before=2030-03-01T00:00:00Z") == []
    assert listed(world, path, "expires_before=2030-03-04") == ["expired"]
    assert listed(world, path, "expires_after=2030-07-01") == ["a_test_1", "used"]
    assert world.call("GET", f"{path}?created_before=yesterday")[::2] == (
        400, {"error": "created_before is invalid"})


def test_search_and_sort(spread) -> None:
    world, path, _ = spread
    assert listed(world, path, "search=a_test") == ["a_test_1"]
    assert listed(world, path, "search=USE") == ["used"]  # case-insensitive
    assert listed(world, path, "search=ed") == []  # under 3 characters: whole-name match only
    assert listed(world, path, "search=%25") == []  # LIKE wildcards are literal
    assert listed(world, path, "sort=name_asc") == ["a_test_1", "expired", "revoked", "used"]
    assert listed(world, path, "sort=name_desc") == ["used", "revoked", "expired", "a_test_1"]
    assert listed(world, path, "sort=expires_asc") == ["expired", "revoked", "used", "a_test_1"]
    assert listed(world, path, "sort=created_desc")[0] == "used"
    assert listed(world, path, "sort=bogus") == ["a_test_1", "revoked", "expired", "used"]  # ignored, like GitLab


def test_search_is_gitlabs_fuzzy_search(world: World) -> None:
    # Gitlab::SQL::Pattern#fuzzy_search: words of 3+ characters are substrings, all required;
    # with no such word the whole (squished) query must equal the name, ignoring case.
    path = f"/projects/{world.project['id']}/access_tokens"
    for name in ("beta", "Alpha", "a_test_1", "gamma", "alpha2", "ab", "beta alpha"):
        world.create_token("project", {"name": name})

    def found(query: str) -> list[str]:
        return listed(world, path, urlencode({"search": query}))

    assert found("a") == []
    assert found("ab") == ["ab"]
    assert found("AB") == ["ab"]
    assert found("  ab ") == ["ab"]  # squished first
    assert found("ab x") == []  # no long word: the whole query is compared
    assert found("alpha") == ["Alpha", "alpha2", "beta alpha"]
    assert found("alpha beta") == ["beta alpha"]  # every long word must match
    assert found("gam ab") == ["gamma"]  # short words are dropped when a long one exists
    assert found('"beta alpha"') == ["beta alpha"]  # a quoted phrase is one word
    assert found('"alpha beta"') == []
    assert found("a_t") == ["a_test_1"]
    assert found("a%t") == [] and found("___") == []  # LIKE wildcards are literal


def test_sorts_follow_gitlabs_order_clauses(world: World) -> None:
    # Names sort by lower(name) (Sortable); expiry and last use break ties by id DESC
    # (order_expires_at_*_id_desc, order_last_used_at_*_id_desc).
    sb, path = world.sb, f"/projects/{world.project['id']}/access_tokens"
    sb.set_time("2030-03-01T10:00:00Z")
    made = {name: world.create_token("project", {"name": name, "expires_at": expires})
            for name, expires in (("beta", "2030-09-01"), ("Alpha", "2030-06-01"), ("alpha2", "2030-06-01"),
                                  ("Gamma", "2030-12-01"))}
    for name in ("beta", "Gamma"):  # same instant: a tie on last_used_at
        world.call("GET", "/user", token=made[name]["token"])
    assert listed(world, path, "sort=name_asc") == ["Alpha", "alpha2", "beta", "Gamma"]
    assert listed(world, path, "sort=name_desc") == ["Gamma", "beta", "alpha2", "Alpha"]
    assert listed(world, path, "sort=expires_asc") == ["alpha2", "Alpha", "beta", "Gamma"]
    assert listed(world, path, "sort=expires_desc") == ["Gamma", "beta", "alpha2", "Alpha"]
    # PostgreSQL: NULLs last ascending, first descending.
    assert listed(world, path, "sort=last_used_asc") == ["Gamma", "beta", "alpha2", "Alpha"]
    assert listed(world, path, "sort=last_used_desc") == ["alpha2", "Alpha", "Gamma", "beta"]


def test_tokens_of_other_resources_are_never_listed(world: World, kind: str) -> None:
    other = "group" if kind == "project" else "project"
    world.create_token(other)
    status, headers, items = world.call("GET", f"/{kind}s/{world.resource_id(kind)}/access_tokens")
    assert (status, items) == (200, [])
    assert headers["X-Total"] == "0" and headers["X-Total-Pages"] == "1"


def test_pagination_headers_across_pages(world: World) -> None:
    path = f"/projects/{world.project['id']}/access_tokens"
    for number in range(7):
        world.create_token("project", {"name": f"t{number}"})
    status, headers, items = world.call("GET", f"{path}?per_page=3&page=2&state=active")
    assert status == 200 and names(items) == ["t3", "t4", "t5"]
    assert (headers["X-Page"], headers["X-Per-Page"], headers["X-Total"], headers["X-Total-Pages"]) == (
        "2", "3", "7", "3")
    assert (headers["X-Next-Page"], headers["X-Prev-Page"]) == ("3", "1")
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', headers["Link"]))
    assert list(links) == ["prev", "next", "first", "last"]
    base = f"{world.sb.base_url}/api/v4{path}?"
    assert links["next"] == base + "state=active&page=3&per_page=3"  # other query params kept
    assert links["last"] == base + "state=active&page=3&per_page=3"
    assert links["first"] == base + "state=active&page=1&per_page=3"

    _, headers, items = world.call("GET", f"{path}?per_page=3&page=3")
    assert names(items) == ["t6"] and headers["X-Next-Page"] == "" and 'rel="next"' not in headers["Link"]
    _, headers, items = world.call("GET", f"{path}")
    assert len(items) == 7 and headers["X-Per-Page"] == "20" and headers["X-Prev-Page"] == ""
    _, headers, _ = world.call("GET", f"{path}?per_page=500")
    assert headers["X-Per-Page"] == "100"


def test_no_prev_page_past_the_last_page(world: World) -> None:
    # Kaminari's prev_page is nil whenever page > total_pages.
    path = f"/projects/{world.project['id']}/access_tokens"
    for number in range(5):
        world.create_token("project", {"name": f"t{number}"})
    _, headers, items = world.call("GET", f"{path}?per_page=2&page=3")
    assert names(items) == ["t4"] and headers["X-Prev-Page"] == "2" and 'rel="prev"' in headers["Link"]
    _, headers, items = world.call("GET", f"{path}?per_page=2&page=4")
    assert items == [] and headers["X-Total-Pages"] == "3"
    assert headers["X-Prev-Page"] == "" and headers["X-Next-Page"] == "" and 'rel="prev"' not in headers["Link"]


def test_python_gitlab_follows_the_link_header(world: World) -> None:
    for number in range(5):
        world.create_token("group", {"name": f"g{number}", "access_level": 30})
    group = world.sb.gitlab().groups.get(world.group["id"])
    everything = group.access_tokens.list(per_page=2, get_all=True)
    assert [t.name for t in everything] == [f"g{n}" for n in range(5)]
    pages = group.access_tokens.list(per_page=2, iterator=True)
    assert pages.total == 5 and pages.total_pages == 3
    assert len(list(pages)) == 5
