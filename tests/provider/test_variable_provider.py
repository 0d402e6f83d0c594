"""The CI/CD variable providers against the sandbox: check, diff, create, read, update, delete.

Provider methods are called in the order the engine calls them; API calls are
counted with the sandbox's route counters; after every test no variable value
or credential may appear in logs, output or error messages.
"""

from __future__ import annotations

import base64
import logging
import traceback
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_gitlab_tokens import GitLabTokenError
from pulumi_gitlab_tokens.variables.provider import (
    GroupVariableProvider,
    ProjectVariableProvider,
    VariableProvider,
)

pytestmark = pytest.mark.timeout(120)

SECRET = "s3cr3t-V4lue-one"
OTHER_SECRET = "s3cr3t-V4lue-two"
PROVIDERS = {"project": ProjectVariableProvider, "group": GroupVariableProvider}
PARENTS = {"project": "acme/app", "group": "acme"}


@pytest.fixture(params=["project", "group"])
def kind(request) -> str:
    return request.param


class World:
    def __init__(self, sb, group: dict, project: dict) -> None:
        self.sb, self.group, self.project = sb, group, project
        self.messages: list[str] = []

    def provider(self, kind: str, token: str | None = None) -> VariableProvider:
        provider = PROVIDERS[kind]()
        config = {"gitlab:baseUrl": self.sb.base_url, "gitlab:token": token or self.sb.admin_token}
        provider.configure(ConfigureRequest(Config(config, "infra")))
        assert self.sb.admin_token.encode() not in base64.b64decode(serialize_provider(provider))
        return provider

    def calls(self) -> dict[str, int]:
        counts = {k.replace("/api/v4", ""): v for k, v in self.sb.counters().items() if k != "total"}
        self.sb.reset_counters()
        return counts

    def in_gitlab(self, kind: str, key: str, scope: str = "*") -> dict | None:
        status, _, body = self.sb.request(
            "GET", f"/api/v4/{kind}s/{self.resource_id(kind)}/variables/{key}?filter[environment_scope]={scope}")
        return body if status == 200 else None

    def resource_id(self, kind: str) -> int:
        return self.project["id"] if kind == "project" else self.group["id"]

    def expect_error(self, fn, *args) -> str:
        # Either GitLab's refusal relayed, or the provider's own error naming the variable.
        with pytest.raises(GitLabTokenError, match=r"^(GitLab answered \d{3} |(Creating )?(Project|Group)Variable ')") \
                as caught:
            fn(*args)
        shown = "".join(traceback.format_exception(caught.value))
        self.messages += [str(caught.value), shown]
        return str(caught.value)


@pytest.fixture
def world(sandbox, caplog, capsys):
    sandbox.reset()
    group = sandbox.create_group("acme")
    project = sandbox.create_project("app", group["id"])
    sandbox.reset_counters()
    caplog.set_level(logging.DEBUG)
    w = World(sandbox, group, project)
    yield w
    captured = capsys.readouterr()
    for text in (caplog.text, captured.out, captured.err, sandbox.read_log(), *w.messages):
        for secret in (sandbox.admin_token, SECRET, OTHER_SECRET):
            assert secret not in text, "a secret leaked into logs, output or an error message"


class EngineLike:
    """One resource driven as the engine drives it (create-before-delete unless the diff asks otherwise)."""

    def __init__(self, provider: VariableProvider) -> None:
        self.provider = provider
        self.id: str | None = None
        self.outs: dict[str, Any] = {}

    def check(self, news: dict[str, Any]) -> dict[str, Any]:
        result = self.provider.check({}, dict(news))
        assert result.failures == [], [(f.property, f.reason) for f in result.failures]
        return result.inputs

    def up(self, news: dict[str, Any]) -> str:
        checked = self.check(news)
        if self.id is None:
            created = self.provider.create(checked)
            self.id, self.outs = created.id, created.outs
            return "create"
        diff = self.provider.diff(self.id, self.outs, checked)
        if diff.replaces:
            if diff.delete_before_replace:
                self.provider.delete(self.id, self.outs)
                created = self.provider.create(checked)
            else:
                created = self.provider.create(checked)
                self.provider.delete(self.id, self.outs)
            self.id, self.outs = created.id, created.outs
            return "replace-delete-first" if diff.delete_before_replace else "replace"
        if diff.changes:
            self.outs = self.provider.update(self.id, self.outs, checked).outs
            return "update"
        return "same"

    def refresh(self) -> bool:
        result = self.provider.read(self.id, self.outs)
        if not result.id:
            self.id, self.outs = None, {}
            return False
        self.outs = result.outs
        return True


def variable(kind: str, **overrides: Any) -> dict[str, Any]:
    news = {kind: PARENTS[kind], "key": "DEPLOY_TOKEN", "value": SECRET, "masked": True, "protected": True}
    news.update(overrides)
    return news


def test_lifecycle_counts_one_call_per_operation(world: World, kind: str) -> None:
    route = f"/{kind}s/:id/variables"
    engine = EngineLike(world.provider(kind))
    assert engine.up(variable(kind)) == "create"
    assert world.calls() == {f"POST {route}": 1}
    assert engine.id == f"{PARENTS[kind]}:DEPLOY_TOKEN:*"
    assert {k: engine.outs[k] for k in ("value", "masked", "protected", "hidden", "raw", "variable_type",
                                         "environment_scope")} == {
        "value": SECRET, "masked": True, "protected": True, "hidden": False, "raw": False,
        "variable_type": "env_var", "environment_scope": "*"}

    assert engine.up(variable(kind)) == "same"
    assert world.calls() == {}

    assert engine.up(variable(kind, value=OTHER_SECRET, protected=False, description="for deploys")) == "update"
    assert world.calls() == {f"PUT {route}/:key": 1}
    stored = world.in_gitlab(kind, "DEPLOY_TOKEN")
    assert stored and (stored["value"], stored["protected"], stored["description"]) == (
        OTHER_SECRET, False, "for deploys")
    world.calls()

    assert engine.refresh() is True
    assert world.calls() == {f"GET {route}/:key": 1}

    engine.provider.delete(engine.id, engine.outs)
    assert world.calls() == {f"DELETE {route}/:key": 1}
    assert world.in_gitlab(kind, "DEPLOY_TOKEN") is None
    engine.provider.delete(engine.id, engine.outs)  # already gone: still deleted, no error


def test_what_replaces_and_how(world: World, kind: str) -> None:
    route = f"/{kind}s/:id/variables"
    engine = EngineLike(world.provider(kind))
    engine.up(variable(kind))
    world.calls()

    # Another scope is another variable: the new one is made before the old one goes.
    assert engine.up(variable(kind, environment_scope="production")) == "replace"
    assert world.calls() == {f"POST {route}": 1, f"DELETE {route}/:key": 1}
    assert world.in_gitlab(kind, "DEPLOY_TOKEN", "production") and not world.in_gitlab(kind, "DEPLOY_TOKEN")
    world.calls()

    # Hidden is fixed at creation; same key and scope, so the old one must go first.
    assert engine.up(variable(kind, environment_scope="production", hidden=True)) == "replace-delete-first"
    assert world.calls() == {f"DELETE {route}/:key": 1, f"POST {route}": 1}
    stored = world.in_gitlab(kind, "DEPLOY_TOKEN", "production")
    assert stored and stored["hidden"] is True and stored["value"] is None
    assert engine.outs["value"] == SECRET  # GitLab never gives it back; the state keeps the input
    world.calls()

    # A hidden variable's value still updates in place.
    assert engine.up(variable(kind, environment_scope="production", hidden=True, value=OTHER_SECRET)) == "update"
    assert world.calls() == {f"PUT {route}/:key": 1}

    assert engine.up(variable(kind, environment_scope="production", hidden=True, value=OTHER_SECRET,
                              key="REGISTRY_TOKEN")) == "replace"
    assert world.in_gitlab(kind, "REGISTRY_TOKEN", "production") and not world.in_gitlab(kind, "DEPLOY_TOKEN",
                                                                                       "production")


def test_drift_outside_pulumi_is_seen_and_undone(world: World, kind: str) -> None:
    engine = EngineLike(world.provider(kind))
    engine.up(variable(kind))
    path = f"/api/v4/{kind}s/{world.resource_id(kind)}/variables/DEPLOY_TOKEN"
    world.sb.request("PUT", path, {"value": OTHER_SECRET, "protected": False, "variable_type": "file"})
    world.calls()

    assert engine.refresh() is True
    assert (engine.outs["value"], engine.outs["protected"], engine.outs["variable_type"]) == (
        OTHER_SECRET, False, "file")
    assert engine.up(variable(kind)) == "update"
    stored = world.in_gitlab(kind, "DEPLOY_TOKEN")
    assert stored and (stored["value"], stored["protected"], stored["variable_type"]) == (SECRET, True, "env_var")

    # Deleted outside: a refresh drops it, the next up creates it again.
    world.sb.request("DELETE", path)
    assert engine.refresh() is False
    assert engine.up(variable(kind)) == "create"
    assert world.in_gitlab(kind, "DEPLOY_TOKEN")

    # Deleted outside and no refresh: the update creates it again.
    world.sb.request("DELETE", path)
    world.calls()
    assert engine.up(variable(kind, value=OTHER_SECRET)) == "update"
    route = f"/{kind}s/:id/variables"
    assert world.calls() == {f"PUT {route}/:key": 1, f"POST {route}": 1}
    stored = world.in_gitlab(kind, "DEPLOY_TOKEN")
    assert stored and stored["value"] == OTHER_SECRET


def test_the_same_key_in_two_scopes_is_two_resources(world: World, kind: str) -> None:
    production = EngineLike(world.provider(kind))
    staging = EngineLike(world.provider(kind))
    production.up(variable(kind, environment_scope="production"))
    staging.up(variable(kind, environment_scope="staging", value=OTHER_SECRET))
    assert production.id != staging.id

    staging.up(variable(kind, environment_scope="staging", value=SECRET, protected=False))
    kept = world.in_gitlab(kind, "DEPLOY_TOKEN", "production")
    assert kept and (kept["value"], kept["protected"]) == (SECRET, True)
    assert production.refresh() and production.outs["protected"] is True

    production.provider.delete(production.id, production.outs)
    assert world.in_gitlab(kind, "DEPLOY_TOKEN", "staging") and staging.refresh()


def test_gitlab_refusals_name_the_problem_never_the_value(world: World, kind: str) -> None:
    # A variable made outside this resource is not taken over.
    world.sb.request("POST", f"/api/v4/{kind}s/{world.resource_id(kind)}/variables",
                     {"key": "DEPLOY_TOKEN", "value": OTHER_SECRET})
    engine = EngineLike(world.provider(kind))
    message = world.expect_error(engine.up, variable(kind))
    assert "'DEPLOY_TOKEN' (environment_scope '*')" in message and "already exists" in message
    assert "no ownership mark" in message and "left as it is" in message

    # A Developer may not manage variables (a Maintainer of the group may not manage the group's).
    user = world.sb.create_user("dev")
    world.sb.add_member(kind, world.resource_id(kind), user["id"], 30)
    token = world.sb.create_user_token(user["id"])
    message = world.expect_error(EngineLike(world.provider(kind, token)).up, variable(kind, key="OTHER"))
    assert "403" in message and ("Maintainer" if kind == "project" else "Owner") in message


@pytest.mark.parametrize(("overrides", "field", "rule"), [
    ({"value": "short1"}, "value", "at least 8 characters"),
    ({"value": "two\nlines-of-text"}, "value", "single line"),
    ({"value": "has a space in it"}, "value", "whitespace"),
    ({"value": "dollar$sign!here"}, "value", "only letters, digits and the characters"),
    ({"value": "tab\there-raw-value", "raw": True}, "value", "whitespace"),
    ({"masked": False, "hidden": True}, "masked", "masked must be true when hidden"),
    ({"masked": False, "hidden": True, "raw": True}, "masked", "masked must be true"),
    ({"value": "short", "masked": None, "hidden": True}, "value", "at least 8 characters"),
    ({"key": "NO-DASHES"}, "key", "only letters, digits and '_'"),
    ({"key": "K" * 256}, "key", "at most 255"),
    ({"key": None}, "key", "key is required"),
    ({"value": None}, "value", "value is required"),
    ({"variable_type": "secret"}, "variable_type", "env_var, file"),
    ({"environment_scope": "prod!"}, "environment_scope", "may contain only"),
    ({"description": "d" * 256}, "description", "GitLab allows 255"),
    ({"protected": "yes"}, "protected", "true or false"),
    ({"expires_at": "2030-01-01"}, "expires_at", "not an input"),
    ({"description": "release \u202egnp.exe"}, "description", "U+202E (RIGHT-TO-LEFT OVERRIDE) at position 8"),
    ({"description": "line one\nline two"}, "description", "LINE FEED"),
    ({"description": "bell\x07"}, "description", "control"),
    ({"value": "nul\0in-the-middle", "masked": False}, "value", "NUL character (U+0000) at position 3"),
    ({"value": "x" * (128 * 1024 + 1), "masked": False}, "value", "GitLab's limit for a env_var variable is 131072"),
    ({"value": "é" * (64 * 1024 + 1), "masked": False}, "value", "131074 bytes long"),
    ({"value": "x" * (1024 * 1024 + 1), "masked": False, "variable_type": "file"}, "value",
     "limit for a file variable is 1048576 bytes"),
    ({"delivered_token_id": "12"}, "delivered_token_id", "leave it unset"),
])
def test_check_rejects_what_gitlab_would(world: World, kind: str, overrides: dict, field: str, rule: str) -> None:
    provider = world.provider(kind)
    result = provider.check({}, variable(kind, **overrides))
    assert [f.property for f in result.failures] == [field]
    assert rule in result.failures[0].reason
    value = overrides.get("value")
    if value:
        assert value not in result.failures[0].reason
    assert world.calls() == {}


def test_check_accepts_what_gitlab_accepts(world: World, kind: str) -> None:
    provider = world.provider(kind)
    for news in (variable(kind, value="p@ss!%^&*()w0rd", raw=True),
                 variable(kind, value="any thing\ngoes", masked=False),
                 variable(kind, value="a+b=c/d@e:f.g~h-i_j"), variable(kind, hidden=True, masked=None)):
        result = provider.check({}, news)
        assert result.failures == [], result.failures
    assert provider.check({}, variable(kind, hidden=True, masked=None)).inputs["masked"] is True
    assert provider.check({}, variable(kind, environment_scope=" review/* ")).inputs["environment_scope"] == "review/*"
    big = "x" * (128 * 1024)  # the limits themselves are accepted
    assert provider.check({}, variable(kind, value=big, masked=False)).failures == []
    assert provider.check({}, variable(kind, value=big * 8, masked=False, variable_type="file")).failures == []
    assert provider.check({}, variable(kind, description="déploiement 🚀 prod")).failures == []
    # A value not known yet at preview (a token being minted) is checked when known.
    assert provider.check({}, variable(kind, value="04da6b54-80e4-46f7-96ec-b56ff0331ba9")).failures == []


# Characters near every edge of GitLab's two masking patterns: the Base64 alphabet and its extras,
# shell and regex specials, ASCII whitespace and line breaks, and Unicode spaces that Ruby's ``\s`` lets through.
_EDGE_CHARACTERS = "aZ09_+=/@:.~-$!%&*()[]{}'\" \t\n\r\f\v\u00a0\u2003\u2028é€"


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(alphabet=_EDGE_CHARACTERS, max_size=12), raw=st.booleans(), hidden=st.booleans())
def test_check_agrees_with_gitlab_on_every_masked_value(world: World, value: str, raw: bool, hidden: bool) -> None:
    """What check refuses for a masked or hidden value is exactly what GitLab (the sandbox) refuses."""
    provider = world.provider("project")
    news = variable("project", value=value, raw=raw, hidden=hidden, key="PROBE")
    refused_at_preview = [f.property for f in provider.check({}, news).failures] == ["value"]
    status, _, body = world.sb.request("POST", f"/api/v4/projects/{world.project['id']}/variables", {
        "key": "PROBE", "value": value, "masked": True, "raw": raw, "masked_and_hidden": hidden})
    if status == 201:
        world.sb.request("DELETE", f"/api/v4/projects/{world.project['id']}/variables/PROBE")
    assert refused_at_preview == (status == 400), (status, body)
