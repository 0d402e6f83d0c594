"""Project and group CI/CD variables, over real HTTP, as GitLab serves them.

Facts from GitLab's source (``lib/api/ci/variables.rb``, ``lib/api/group_variables.rb``,
``Ci::HasVariable``, ``Ci::Maskable``, ``Ci::HidableVariable``, ``Entities::Ci::Variable``);
python-gitlab is used unmodified wherever it can express the call.
"""

from __future__ import annotations

import gitlab
import pytest

from support.sandbox import Sandbox

from .conftest import World

NOT_FOUND = {"project": {"message": "404 Variable Not Found"}, "group": {"message": "404 GroupVariable Not Found"}}
AMBIGUOUS = "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'"


def _parent(sb: Sandbox, world: World, kind: str):
    gl = sb.gitlab()
    return gl.projects.get(world.project["id"]) if kind == "project" else gl.groups.get(world.group["id"])


def _path(world: World, kind: str, suffix: str = "") -> str:
    return f"/{kind}s/{world.resource_id(kind)}/variables{suffix}"


def test_lifecycle_with_python_gitlab(sb: Sandbox, world: World, kind: str) -> None:
    parent = _parent(sb, world, kind)
    sb.reset_counters()
    created = parent.variables.create({"key": "DEPLOY_TOKEN", "value": "s3cr3t-value", "protected": True,
                                       "masked": True, "variable_type": "file", "description": "for deploys"})
    assert {k: v for k, v in created.attributes.items() if not k.endswith("_id")} == {
        "variable_type": "file", "key": "DEPLOY_TOKEN", "value": "s3cr3t-value", "hidden": False,
        "protected": True, "masked": True, "raw": False, "environment_scope": "*", "description": "for deploys"}
    assert parent.variables.get("DEPLOY_TOKEN").value == "s3cr3t-value"
    assert [v.key for v in parent.variables.list()] == ["DEPLOY_TOKEN"]

    created.value = "n3w-s3cr3t-value"
    created.protected = False
    created.save()
    fetched = parent.variables.get("DEPLOY_TOKEN")
    assert (fetched.value, fetched.protected, fetched.masked, fetched.description) == (
        "n3w-s3cr3t-value", False, True, "for deploys")

    parent.variables.delete("DEPLOY_TOKEN")
    with pytest.raises(gitlab.GitlabGetError, match="404 (GroupVariable|Variable) Not Found") as caught:
        parent.variables.get("DEPLOY_TOKEN")
    assert caught.value.response_code == 404
    route = f"/api/v4/{kind}s/:id/variables"
    counts = sb.counters()
    assert (counts[f"POST {route}"], counts[f"GET {route}/:key"], counts[f"GET {route}"],
            counts[f"PUT {route}/:key"], counts[f"DELETE {route}/:key"]) == (1, 3, 1, 1, 1)
    assert "s3cr3t-value" not in sb.read_log()


def test_key_and_environment_scope_are_unique_together(sb: Sandbox, world: World, kind: str) -> None:
    world.call("POST", _path(world, kind), {"key": "URL", "value": "a", "environment_scope": "production"})
    status, _, body = world.call("POST", _path(world, kind), {"key": "URL", "value": "b",
                                                              "environment_scope": "production"})
    assert (status, body) == (400, {"message": {"key": ["(URL) has already been taken"]}})
    status, _, _ = world.call("POST", _path(world, kind), {"key": "URL", "value": "c", "environment_scope": "review/*"})
    assert status == 201

    # Two scopes share the key: without a filter, GitLab cannot tell which one is meant.
    status, _, body = world.call("GET", _path(world, kind, "/URL"))
    assert (status, body) == (409, {"message": AMBIGUOUS})
    status, _, body = world.call("GET", _path(world, kind, "/URL?filter[environment_scope]=review/*"))
    assert (status, body["value"], body["environment_scope"]) == (200, "c", "review/*")
    status, _, body = world.call("GET", _path(world, kind, "/URL?filter[environment_scope]=staging"))
    assert (status, body) == (404, NOT_FOUND[kind])

    status, _, body = world.call("PUT", _path(world, kind, "/URL?filter[environment_scope]=production"),
                                 {"value": "a2"})
    assert (status, body["value"], body["environment_scope"]) == (200, "a2", "production")
    # A group PUT without a filter updates the first variable with the key; a project PUT refuses.
    status, _, body = world.call("PUT", _path(world, kind, "/URL"), {"description": "first"})
    if kind == "project":
        assert (status, body) == (409, {"message": AMBIGUOUS})
    else:
        assert (status, body["environment_scope"], body["description"]) == (200, "production", "first")
    # Moving one scope onto the other's is refused like a duplicate create.
    status, _, body = world.call("PUT", _path(world, kind, "/URL?filter[environment_scope]=review/*"),
                                 {"environment_scope": "production"})
    assert (status, body) == (400, {"message": {"key": ["(URL) has already been taken"]}})

    status, _, _ = world.call("DELETE", _path(world, kind, "/URL?filter[environment_scope]=production"))
    assert status == 204
    status, _, body = world.call("GET", _path(world, kind, "/URL"))
    assert (status, body["environment_scope"]) == (200, "review/*")


@pytest.mark.parametrize(("value", "raw", "accepted"), [
    ("abcd1234", False, True),            # 8 characters: the minimum
    ("abc1234", False, False),            # 7
    ("a+b=c/d@e:f.g~h-i_j", False, True),  # the Base64 alphabet plus @ : . ~
    ("abcd 1234", False, False),          # a space
    ("abcd1234\nabcd", False, False),     # two lines
    ("abcd$VAR1234", False, False),       # $ is not allowed when the value is expanded...
    ("abcd$VAR1234", True, True),         # ...but is when it is raw
    ("p@ss!%^&*()w0rd", True, True),      # raw: any non-space character
    ("abcd 1234", True, False),           # raw: still no space
    ("abcd1234\tx", True, False),         # raw: no tab
    ("abc!", True, False),                # raw: still at least 8
])
def test_masked_values_follow_gitlabs_rules(world: World, kind: str, value: str, raw: bool, accepted: bool) -> None:
    status, _, body = world.call("POST", _path(world, kind), {"key": "M", "value": value, "masked": True, "raw": raw})
    if accepted:
        assert status == 201 and body["masked"] is True and body["raw"] is raw
    else:
        assert (status, body) == (400, {"message": {"value": ["is invalid"]}})
    # Unmasked, anything goes.
    status, _, _ = world.call("POST", _path(world, kind), {"key": "PLAIN", "value": value})
    assert status == 201


def test_hidden_variables_never_give_their_value_back(sb: Sandbox, world: World, kind: str) -> None:
    parent = _parent(sb, world, kind)
    created = parent.variables.create({"key": "HIDDEN", "value": "hidden-s3cr3t", "masked_and_hidden": True})
    assert (created.value, created.hidden, created.masked) == (None, True, True)
    assert parent.variables.get("HIDDEN").value is None
    assert [v.value for v in parent.variables.list()] == [None]

    # The value and the description may change; masked may not, and hidden cannot be undone.
    status, _, body = world.call("PUT", _path(world, kind, "/HIDDEN"), {"value": "other-s3cr3t", "description": "d"})
    assert (status, body["value"], body["description"]) == (200, None, "d")
    status, _, body = world.call("PUT", _path(world, kind, "/HIDDEN"), {"masked": False})
    assert (status, body) == (400, {"message": {
        "base": ["The visibility setting cannot be changed for masked and hidden variables."]}})
    status, _, body = world.call("PUT", _path(world, kind, "/HIDDEN"), {"masked_and_hidden": False})
    assert status == 200 and body["hidden"] is True  # not a parameter of the update
    # A hidden value is still checked as a masked one.
    status, _, body = world.call("POST", _path(world, kind), {"key": "H2", "value": "short", "masked_and_hidden": True})
    assert (status, body) == (400, {"message": {"value": ["is invalid"]}})
    assert "hidden-s3cr3t" not in sb.read_log() and "other-s3cr3t" not in sb.read_log()


def test_parameters_and_model_errors(world: World, kind: str) -> None:
    status, _, body = world.call("POST", _path(world, kind), {})
    assert (status, body) == (400, {"error": "key is missing, value is missing"})
    status, _, body = world.call("POST", _path(world, kind), {"key": "K", "value": "v", "variable_type": "secret",
                                                              "protected": "maybe"})
    assert (status, body) == (400, {"error": "protected is invalid, variable_type does not have a valid value"})
    status, _, body = world.call("POST", _path(world, kind), {
        "key": "NO-DASH", "value": "v", "description": "d" * 256, "environment_scope": "prod!"})
    assert (status, body["message"]["key"], list(body["message"])) == (
        400, ["can contain only letters, digits and '_'."], ["key", "environment_scope", "description"])
    status, _, body = world.call("POST", _path(world, kind), {"key": "K" * 256, "value": "v"})
    assert (status, body) == (400, {"message": {"key": ["is too long (maximum is 255 characters)"]}})
    # The key and the environment scope are stripped, as GitLab's setters do.
    status, _, body = world.call("POST", _path(world, kind), {"key": "  PADDED ", "value": "v",
                                                              "environment_scope": " review/* "})
    assert (status, body["key"], body["environment_scope"]) == (201, "PADDED", "review/*")
    for method in ("GET", "PUT", "DELETE"):
        status, _, body = world.call(method, _path(world, kind, "/MISSING"), {} if method == "PUT" else None)
        assert (status, body) == (404, NOT_FOUND[kind])


def test_only_maintainers_of_projects_and_owners_of_groups_manage_variables(world: World, kind: str) -> None:
    allowed = {"project": ("owner", "maintainer"), "group": ("owner",)}[kind]
    for person in ("owner", "maintainer", "developer"):
        status, _, body = world.call("POST", _path(world, kind), {"key": f"BY_{person.upper()}", "value": "v"},
                                     as_=person)
        if person in allowed:
            assert status == 201
        else:
            assert (status, body) == (403, {"message": "403 Forbidden"})
            status, _, body = world.call("GET", _path(world, kind), as_=person)
            assert status == 403
    # Who cannot see the parent learns nothing about it, not even that it exists.
    status, _, body = world.call("GET", _path(world, kind), as_="outsider")
    assert (status, body) == (404, {"message": f"404 {kind.capitalize()} Not Found"})
    # Permission comes before parameter validation (Grape's ``before`` callbacks run first).
    status, _, body = world.call("POST", _path(world, kind), {}, as_="developer")
    assert status == 403


def test_listing_is_paginated(sb: Sandbox, world: World, kind: str) -> None:
    for number in range(25):
        world.call("POST", _path(world, kind), {"key": f"K{number:02d}", "value": "v"})
    status, headers, body = world.call("GET", _path(world, kind, "?per_page=10&page=3"))
    assert status == 200 and [v["key"] for v in body] == [f"K{n}" for n in range(20, 25)]
    assert (headers["X-Total"], headers["X-Total-Pages"], headers["X-Page"]) == ("25", "3", "3")
    every = _parent(sb, world, kind).variables.list(get_all=True, per_page=10)
    assert len(every) == 25
