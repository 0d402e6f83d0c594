"""Cluster agent tokens through the provider, against the GitLab sandbox.

A kind with a name and a description but no scopes, no expiry and no rotate or update
route, hung from an agent of a project, with at most two active tokens per agent. Calls
are counted with the sandbox's counters; the ``world`` fixture fails a test whose secrets
reach logs, output or error messages.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime import config as runtime_config
from test_provider_sandbox import EngineLike, sandbox, world  # noqa: F401  (fixtures)

from pulumi_gitlab_tokens import kinds
from pulumi_gitlab_tokens.common import config_keys
from pulumi_gitlab_tokens.lifecycle import preview_checks, recovery
from pulumi_gitlab_tokens.lifecycle.provider import provider_class
from pulumi_gitlab_tokens.resources.token_lists import list_tokens
from pulumi_gitlab_tokens.rules import ownership

pytestmark = pytest.mark.timeout(120)

_TOKENS = "/projects/:id/cluster_agents/:agent_id/tokens"
CREATE = f"POST {_TOKENS}"
LIST = f"GET {_TOKENS}"
GET = f"GET {_TOKENS}/:token_id"
DELETE = f"DELETE {_TOKENS}/:token_id"
AGENTS = "/projects/acme%2Fapp/cluster_agents"


def new_agent(world, name: str = "production") -> int:
    """An agent of ``acme/app``, registered by the administrator (not counted)."""
    agent = world.sb.api("POST", AGENTS, {"name": name}, expect=201)
    world.calls()
    return int(agent["id"])


def agent_token(agent_id: int, **overrides: Any) -> dict[str, Any]:
    news = {"project": "acme/app", "agent_id": agent_id, "name": "kas", "description": "the production cluster"}
    news.update(overrides)
    return {k: v for k, v in news.items() if v is not None}


def in_gitlab(world, agent_id: int) -> list[dict]:
    """The agent's active tokens as the administrator lists them (GitLab lists no revoked one)."""
    return world.sb.api("GET", f"{AGENTS}/{agent_id}/tokens")


def by_hand(world, agent_id: int, name: str = "by-hand") -> dict:
    """A token made outside Pulumi; its value is kept from logs like the provider's."""
    made = world.sb.api("POST", f"{AGENTS}/{agent_id}/tokens", {"name": name}, expect=201)
    world.values.add(made["token"])
    return made


def provider(world, **identity: str):
    made = world.provider(provider_class(kinds.CLUSTER_AGENT_TOKEN))
    for key, value in identity.items():
        setattr(made, key, value)
    return made


def test_create_is_one_post_with_a_glagent_value_and_the_mark_after_the_description(world):
    agent = new_agent(world)
    token = EngineLike(world, provider(world), agent_token(agent))
    assert token.up() == "create"
    assert world.calls() == {CREATE: 1, LIST: 1}  # the run's one listing, for what a dead run left
    outs = token.outs
    assert token.id == f"acme/app:{agent}:{outs['token_id']}"  # pulumi-gitlab's import id
    assert outs["token"].startswith("glagent-")
    assert (outs["name"], outs["description"], outs["status"], outs["agent_id"]) == (
        "kas", "the production cluster", "active", agent)
    assert not {"scopes", "expires_at", "rotation_configuration", "user_id"} & set(outs)
    (stored,) = in_gitlab(world, agent)
    user_text, mark = ownership.parse(stored["description"])
    assert (user_text, stored["id"], stored["name"]) == ("the production cluster", outs["token_id"], "kas")
    assert mark == token.provider._owner(token.inputs).mark(0, "kas")


def test_no_op_makes_no_call_and_a_new_name_replaces_it(world):
    agent = new_agent(world)
    token = EngineLike(world, provider(world), agent_token(agent))
    token.up()
    first = dict(token.outs)
    world.calls()
    assert token.up() == "same"
    assert world.calls() == {}
    result = token.provider.diff(token.id, token.outs, token.check(agent_token(agent, name="kas-2")))
    assert (result.changes, result.replaces, result.delete_before_replace) == (True, ["name"], False)
    assert token.up(agent_token(agent, name="kas-2")) == "replace"
    assert world.calls() == {CREATE: 1, DELETE: 1}  # the run's listing is taken already
    assert token.outs["token_id"] != first["token_id"] and token.outs["token"] != first["token"]
    assert [(t["id"], t["name"]) for t in in_gitlab(world, agent)] == [(token.outs["token_id"], "kas-2")]


def test_another_agent_or_description_replaces_it(world):
    agent, other = new_agent(world), new_agent(world, "staging")
    token = EngineLike(world, provider(world), agent_token(agent))
    token.up()
    for changed, field in ((agent_token(other), "agent_id"), (agent_token(agent, description="new"), "description")):
        result = token.provider.diff(token.id, token.outs, token.check(changed))
        assert (result.changes, result.replaces) == (True, [field])


def test_revoked_outside_pulumi_refresh_drops_it_and_up_creates_it_again(world):
    agent = new_agent(world)
    token = EngineLike(world, provider(world), agent_token(agent))
    token.up()
    # GitLab answers 404 Not found for a revoked agent token.
    token.deleted_outside_pulumi(f"{AGENTS}/{agent}/tokens/{token.outs['token_id']}", GET,
                                 lambda: in_gitlab(world, agent))


def test_destroy_is_one_delete_and_a_revoked_token_counts_as_revoked(world):
    agent = new_agent(world)
    token = EngineLike(world, provider(world), agent_token(agent))
    token.up()
    world.calls()
    token.destroy()
    assert world.calls() == {DELETE: 1}
    assert in_gitlab(world, agent) == []
    world.sb.api("DELETE", f"{AGENTS}/{agent}", expect=204)  # the agent goes, its tokens with it: 404 Not found
    world.calls()
    token.destroy()
    assert world.calls() == {DELETE: 1}


def test_the_import_id_is_pulumi_gitlabs_and_names_the_agent():
    kind = kinds.CLUSTER_AGENT_TOKEN
    assert kind.import_id_form == "<project>:<agent_id>:<token id>"
    assert kind.values_from_id("acme/app:7:12") == {"project": "acme/app", "agent_id": 7}
    assert kind.values_from_id("acme/app:12") == {}  # no agent: the read says so
    assert kind.values_from_id("acme/app:0:12") == {}  # not an agent id


def test_inputs_it_does_not_have_are_refused_naming_them(world):
    failures = provider(world).check({}, agent_token(5, scopes=["api"], expires_at="2027-01-01")).failures
    assert {f.property: f.reason.split(";")[0] for f in failures} == {
        "scopes": "scopes is not an input of ClusterAgentToken",
        "expires_at": "expires_at is not an input of ClusterAgentToken",
    }
    (bad,) = provider(world).check({}, agent_token(0)).failures
    assert bad.property == "agent_id" and "a ClusterAgent's agent_id" in bad.reason


@pytest.mark.parametrize(("level", "refused"), [(40, False), (30, True)])
def test_preview_refuses_a_developer_as_the_create_would(world, monkeypatch, level, refused):
    agent = new_agent(world)
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "true")
    preview_checks.reset()
    user = world.sb.create_user(f"member{level}")
    world.sb.add_member("project", world.project["id"], user["id"], level)
    credential = world.sb.create_user_token(user["id"], ["api"])
    world.values.add(credential)
    made = world.provider(provider_class(kinds.CLUSTER_AGENT_TOKEN), token=credential)
    failures = made.check({}, agent_token(agent)).failures
    token = EngineLike(world, made, agent_token(agent))
    if not refused:
        assert failures == []
        assert token.up() == "create"
        return
    (failure,) = failures
    monkeypatch.setenv(config_keys.PREVIEW_CHECKS_ENV, "false")
    err = world.expect_error(token.provider.create, agent_token(agent))
    assert failure.property == "project" and failure.reason == str(err)
    assert "403 Forbidden" in failure.reason and "Maintainer on the project" in failure.reason


def test_an_agent_that_does_not_exist_is_named_in_the_error(world):
    new_agent(world)
    err = world.expect_error(provider(world).create, agent_token(999999))
    assert "404 Not Found on POST /projects/acme%2Fapp/cluster_agents/999999/tokens: 404 Not found" in str(err)
    assert "check the agent_id input" in str(err)
    assert world.calls()[CREATE] == 1


def test_a_replacement_at_the_two_token_limit_says_what_to_do(world):
    agent = new_agent(world)
    token = EngineLike(world, provider(world), agent_token(agent))
    token.up()
    other = by_hand(world, agent)
    err = world.expect_error(token.up, agent_token(agent, name="kas-2"))  # create before delete: a third token
    message = str(err)
    assert "400 Bad Request" in message and "An agent can have only two active tokens at a time" in message
    assert "revoke a token no longer in use" in message and "delete_before_replace=True" in message
    assert sorted(t["id"] for t in in_gitlab(world, agent)) == sorted([token.outs["token_id"], other["id"]])
    # What the error advises: the old token revoked first, then the new one created.
    replacing = provider(world)
    replacing.delete(token.id, token.outs)
    created = replacing.create(token.check(agent_token(agent, name="kas-2")))
    assert sorted(t["id"] for t in in_gitlab(world, agent)) == sorted([created.outs["token_id"], other["id"]])


def test_a_lost_create_answer_leaves_exactly_the_held_token(world):
    agent = new_agent(world)
    world.sb.set_faults(drop_after_commit=["create"], drop_rate=0.5, seed=1)
    token = EngineLike(world, provider(world), agent_token(agent))
    token.up()
    world.sb.clear_faults()
    assert world.calls()[CREATE] >= 2, "the seed must drop at least one committed answer"
    (live,) = in_gitlab(world, agent)  # the lost ones revoked: no value to take them over with
    assert live["id"] == token.outs["token_id"]


def test_a_dead_runs_token_is_revoked_and_others_are_never_touched(world):
    agent = new_agent(world)
    mine = dict(owner="acme/infra/prod", resource="pulumi-python:dynamic/gitlab:ClusterAgentToken::kas")
    EngineLike(world, provider(world, **mine), agent_token(agent)).up()  # a run that died after GitLab committed
    EngineLike(world, provider(world, owner="acme/infra/dev", resource=mine["resource"]), agent_token(agent)).up()
    leftover, other = (t["id"] for t in in_gitlab(world, agent))  # the agent's two: at its limit
    ownership.forget_held()  # a new run
    recovery.forget_listings()
    token = EngineLike(world, provider(world, **mine), agent_token(agent))
    token.up()  # revoked before the POST, so the limit is not hit
    ids = [t["id"] for t in in_gitlab(world, agent)]
    assert leftover not in ids, "the dead run's token cannot be taken over without its value: revoked"
    assert ids == [other, token.outs["token_id"]]


def test_the_list_shows_every_active_token_without_its_value_and_which_are_managed(world):
    agent = new_agent(world)
    token = EngineLike(world, provider(world), agent_token(agent))
    token.up()
    by_hand(world, agent)
    runtime_config.set_all_config({"gitlab:baseUrl": world.sb.base_url + "/api/v4",
                                   "gitlab:token": world.sb.admin_token}, ["gitlab:token"])
    try:
        records = list_tokens(kinds.CLUSTER_AGENT_TOKEN, "acme/app", agent_id=agent)
    finally:
        runtime_config.set_all_config({}, [])
    assert [(r.name, r.description, r.managed, r.active) for r in records] == [
        ("kas", "the production cluster", True, True), ("by-hand", None, False, True)]
    assert records[0].id == token.outs["token_id"]
    assert token.outs["token"] not in repr(records)
