"""Cluster agents and their tokens (``/projects/:id/cluster_agents``): who may do what, GitLab's bodies."""

from __future__ import annotations

import re

import gitlab
import pytest
import requests

from support.sandbox import Sandbox

from .conftest import World

NOT_FOUND = (404, {"message": "404 Not found"})
FORBIDDEN = (403, {"message": "403 Forbidden"})


def _agents(world: World) -> str:
    return f"/projects/{world.project['id']}/cluster_agents"


def _new_agent(world: World, name: str = "production") -> dict:
    status, _, agent = world.call("POST", _agents(world), {"name": name})
    assert status == 201, agent
    return agent


def test_agents_with_python_gitlab(sb: Sandbox) -> None:
    gl = sb.gitlab()
    group = gl.groups.create({"name": "Acme", "path": "acme"})
    project = gl.projects.create({"name": "app", "namespace_id": group.id})
    staging = project.cluster_agents.create({"name": "staging"})
    production = project.cluster_agents.create({"name": "production"})
    assert staging.config_project["path_with_namespace"] == "acme/app"
    assert staging.created_by_user_id == gl.http_get("/user")["id"] and staging.is_receptive is False
    # AgentsFinder orders by name.
    assert [a.name for a in project.cluster_agents.list()] == ["production", "staging"]
    assert project.cluster_agents.get(staging.id).name == "staging"
    with pytest.raises(gitlab.GitlabCreateError) as taken:
        project.cluster_agents.create({"name": "staging"})
    assert taken.value.response_code == 400
    assert taken.value.error_message == '400 Bad request - ["Name has already been taken"]'
    production.delete()
    assert [a.name for a in project.cluster_agents.list()] == ["staging"]
    with pytest.raises(gitlab.GitlabGetError) as gone:
        project.cluster_agents.get(production.id)
    assert gone.value.response_code == 404


def test_the_token_lifecycle(world: World) -> None:
    agent = _new_agent(world)
    tokens = f"{_agents(world)}/{agent['id']}/tokens"
    status, _, created = world.call("POST", tokens, {"name": "kas", "description": "the production cluster"})
    assert status == 201
    assert list(created) == ["id", "name", "description", "agent_id", "status", "created_at", "created_by_user_id",
                             "last_used_at", "token"]
    assert created["status"] == "active" and created["agent_id"] == agent["id"]
    assert re.fullmatch(r"glagent-[A-Za-z0-9_-]+\.01\.[0-9a-z]{9}", created["token"])
    # No expiry and no rotate route: GitLab's agent tokens have neither.
    assert "expires_at" not in created
    assert world.call("POST", f"{tokens}/{created['id']}/rotate")[::2] == (404, {"error": "404 Not Found"})
    # The list is AgentTokenBasic (no last_used_at); get is AgentToken without the value.
    listed = world.call("GET", tokens)[2]
    assert [t["id"] for t in listed] == [created["id"]] and "last_used_at" not in listed[0]
    fetched = world.call("GET", f"{tokens}/{created['id']}")[2]
    assert fetched == {key: value for key, value in created.items() if key != "token"}
    # Not an API credential.
    assert world.call("GET", "/user", token=created["token"])[0] == 401
    # Revoke: 204, then it is neither listed nor found, and revoking it again is still 204.
    assert world.call("DELETE", f"{tokens}/{created['id']}")[0] == 204
    assert world.call("GET", tokens)[2] == []
    assert world.call("GET", f"{tokens}/{created['id']}")[::2] == NOT_FOUND
    assert world.call("DELETE", f"{tokens}/{created['id']}")[0] == 204
    assert created["token"] not in world.sb.read_log()


def test_two_active_tokens_at_most(world: World) -> None:
    tokens = f"{_agents(world)}/{_new_agent(world)['id']}/tokens"
    first, second = (world.call("POST", tokens, {"name": n})[2] for n in ("a", "b"))
    status, _, body = world.call("POST", tokens, {"name": "c"})
    assert (status, body) == (400, {"message": "400 Bad request - An agent can have only two active tokens at a time"})
    # Revoking one makes room: the rotation GitLab offers.
    assert world.call("DELETE", f"{tokens}/{first['id']}")[0] == 204
    third = world.call("POST", tokens, {"name": "c"})[2]
    assert [t["id"] for t in world.call("GET", tokens)[2]] == [second["id"], third["id"]]


@pytest.mark.parametrize(("name", "messages"), [
    ("", ["Name can't be blank", "Name can contain only lowercase letters, digits, and '-', but cannot start or end "
                                 "with '-'"]),
    ("Prod", ["Name can contain only lowercase letters, digits, and '-', but cannot start or end with '-'"]),
    ("prod-", ["Name can contain only lowercase letters, digits, and '-', but cannot start or end with '-'"]),
    ("a" * 64, ["Name is too long (maximum is 63 characters)"]),
])
def test_agent_names_gitlab_refuses(world: World, name: str, messages: list[str]) -> None:
    status, _, body = world.call("POST", _agents(world), {"name": name})
    quoted = ", ".join(f'"{m}"' for m in messages)
    assert (status, body) == (400, {"message": f"400 Bad request - [{quoted}]"})


def test_agent_names_gitlab_accepts(world: World) -> None:
    for name in ("a", "prod-eu-1", "0", "a" * 63):
        assert world.call("POST", _agents(world), {"name": name})[0] == 201, name


def test_token_fields_gitlab_refuses(world: World) -> None:
    tokens = f"{_agents(world)}/{_new_agent(world)['id']}/tokens"
    assert world.call("POST", tokens, {})[::2] == (400, {"error": "name is missing"})
    status, _, body = world.call("POST", tokens, {"name": " ", "description": "d" * 1025})
    assert (status, body) == (400, {"message": '400 Bad request - ["Description is too long (maximum is 1024 '
                                               'characters)", "Name can\'t be blank"]'})
    status, _, body = world.call("POST", tokens, {"name": "n" * 256})
    assert (status, body) == (400, {"message": '400 Bad request - ["Name is too long (maximum is 255 characters)"]'})
    assert world.call("GET", tokens)[2] == []


def test_who_may_do_what(world: World) -> None:
    agent = _new_agent(world)
    tokens = f"{_agents(world)}/{agent['id']}/tokens"
    token = world.call("POST", tokens, {"name": "kas"})[2]
    one = f"{tokens}/{token['id']}"
    # A Developer reads (read_cluster_agent) but may not create, revoke or delete (create_cluster, admin_cluster).
    assert [a["id"] for a in world.call("GET", _agents(world), as_="developer")[2]] == [agent["id"]]
    assert world.call("GET", one, as_="developer")[0] == 200
    assert world.call("POST", _agents(world), {"name": "x"}, as_="developer")[::2] == FORBIDDEN
    assert world.call("POST", tokens, {"name": "x"}, as_="developer")[::2] == FORBIDDEN
    assert world.call("DELETE", one, as_="developer")[::2] == FORBIDDEN
    assert world.call("DELETE", f"{_agents(world)}/{agent['id']}", as_="developer")[::2] == FORBIDDEN
    # A Maintainer (of the group, so of the project) may.
    created = world.call("POST", tokens, {"name": "m"}, as_="maintainer")[2]
    assert created["created_by_user_id"] == world.users["maintainer"]["id"]
    assert world.call("DELETE", f"{tokens}/{created['id']}", as_="maintainer")[0] == 204
    # A Reporter sees the project but not its agents.
    reporter = world.sb.create_user("reporter")
    world.sb.add_member("project", world.project["id"], reporter["id"], 20)
    as_reporter = world.sb.create_user_token(reporter["id"])
    assert world.call("GET", _agents(world), token=as_reporter)[::2] == (
        404, {"message": "404 ClusterAgents Not Found"})
    assert world.call("GET", f"{_agents(world)}/{agent['id']}", token=as_reporter)[::2] == NOT_FOUND
    assert world.call("GET", tokens, token=as_reporter)[::2] == NOT_FOUND
    # An outsider does not see the private project.
    assert world.call("GET", _agents(world), as_="outsider")[::2] == (404, {"message": "404 Project Not Found"})


def test_lookups_and_parameters(world: World) -> None:
    agent = _new_agent(world)
    other = world.sb.create_project("other", world.group["id"])
    elsewhere = f"/projects/{other['id']}/cluster_agents/{agent['id']}"
    # An agent of another project is not found there, nor are its tokens.
    assert world.call("GET", elsewhere)[::2] == NOT_FOUND
    assert world.call("POST", f"{elsewhere}/tokens", {"name": "x"})[::2] == NOT_FOUND
    tokens = f"{_agents(world)}/{agent['id']}/tokens"
    assert world.call("GET", f"{tokens}/999999")[::2] == NOT_FOUND
    assert world.call("DELETE", f"{tokens}/999999")[::2] == NOT_FOUND
    assert world.call("GET", f"{_agents(world)}/x")[::2] == (400, {"error": "agent_id is invalid"})
    assert world.call("POST", f"{_agents(world)}/x/tokens", {})[::2] == (
        400, {"error": "agent_id is invalid, name is missing"})
    assert world.call("DELETE", f"{tokens}/x")[::2] == (400, {"error": "token_id is invalid"})
    # Deleting the agent takes its tokens.
    token = world.call("POST", tokens, {"name": "kas"})[2]
    assert world.call("DELETE", f"{_agents(world)}/{agent['id']}")[0] == 204
    assert world.call("GET", f"{tokens}/{token['id']}")[::2] == NOT_FOUND
    assert world.call("GET", _agents(world))[2] == []


def test_routes_are_counted(world: World) -> None:
    sb = world.sb
    sb.reset_counters()
    agent = _new_agent(world)
    tokens = f"{_agents(world)}/{agent['id']}/tokens"
    token = world.call("POST", tokens, {"name": "kas"})[2]
    for method, path in (("GET", _agents(world)), ("GET", f"{_agents(world)}/{agent['id']}"), ("GET", tokens),
                         ("GET", f"{tokens}/{token['id']}"), ("DELETE", f"{tokens}/{token['id']}"),
                         ("DELETE", f"{_agents(world)}/{agent['id']}")):
        assert world.call(method, path)[0] in (200, 204)
    base = "/api/v4/projects/:id/cluster_agents"
    assert sb.calls() == {f"{method} {base}{suffix}": 1 for method, suffix in (
        ("POST", ""), ("GET", ""), ("GET", "/:agent_id"), ("DELETE", "/:agent_id"), ("POST", "/:agent_id/tokens"),
        ("GET", "/:agent_id/tokens"), ("GET", "/:agent_id/tokens/:token_id"),
        ("DELETE", "/:agent_id/tokens/:token_id"))}


def test_a_dropped_answer_still_commits_the_token(world: World) -> None:
    sb = world.sb
    tokens = f"{_agents(world)}/{_new_agent(world)['id']}/tokens"
    sb.set_faults(drop_after_commit=["create"])
    with pytest.raises(requests.ConnectionError, match="Connection aborted"):
        requests.post(f"{sb.base_url}/api/v4{tokens}", json={"name": "dropped"},
                      headers={"PRIVATE-TOKEN": sb.admin_token}, timeout=10)
    sb.clear_faults()
    assert [t["name"] for t in world.call("GET", tokens)[2]] == ["dropped"]
