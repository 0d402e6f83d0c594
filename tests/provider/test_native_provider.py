"""The native provider's methods against the sandbox: the calls the engine makes, in its order.

Each request is built as the SDK's server builds it from the engine's (property
values, camelCase, secrets marked), so what is checked here is what a YAML or
TypeScript program gets. GitLab calls are counted with the sandbox's counters.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckRequest,
    ConfigureRequest,
    CreateRequest,
    DeleteRequest,
    DiffRequest,
    GetSchemaRequest,
    InvokeRequest,
    ReadRequest,
    UpdateRequest,
)
from pulumi.runtime import rpc
from support.sandbox import running_sandbox

from pulumi_gitlab_tokens import GitLabTokenError, kinds
from pulumi_gitlab_tokens.common import clock
from pulumi_gitlab_tokens.lifecycle.provider import provider_class
from pulumi_gitlab_tokens.native import provider as native
from pulumi_gitlab_tokens.native.resources import BY_TOKEN
from pulumi_gitlab_tokens.native.schema import package_schema
from pulumi_gitlab_tokens.rules import ownership

pytestmark = pytest.mark.timeout(120)

START = dt.date(2026, 3, 1)
STACK, PROJECT = "dev", "tokens-yaml"


def urn(type_name: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::gitlab-tokens:index:{type_name}::{name}"


def values(**plain: Any) -> dict[str, PropertyValue]:
    return native.wrapped(plain, set())


def over_the_wire(props: dict[str, PropertyValue]) -> dict[str, PropertyValue]:
    """``props`` as the engine gets them and sends them back: marshalled by the SDK's server, unmarshalled."""
    return PropertyValue.unmarshal_map(PropertyValue.marshal_map(props))


def unwrapped(props: dict[str, PropertyValue]) -> dict[str, Any]:
    return {k: native._plain(v) for k, v in props.items()}


@pytest.fixture(scope="module")
def sandbox():
    with running_sandbox() as sb:
        yield sb


@pytest.fixture
def world(sandbox, monkeypatch, capsys):
    sandbox.reset()
    sandbox.clear_faults()
    at(sandbox, monkeypatch, START)
    group = sandbox.create_group("acme")
    sandbox.create_project("app", group["id"])
    sandbox.reset_counters()
    seen: list[str] = []
    yield World(sandbox, monkeypatch, group, seen)
    captured = capsys.readouterr()
    for text in (captured.out, captured.err, *seen):
        assert sandbox.admin_token not in text


def at(sb, monkeypatch, day: dt.date) -> None:
    text = f"{day.isoformat()}T12:00:00Z"
    monkeypatch.setenv(clock.TESTING_TIME_ENV, text)
    sb.set_time(text)


class World:
    def __init__(self, sb, monkeypatch, group: dict, seen: list[str]) -> None:
        self.sb, self.monkeypatch, self.group, self.seen = sb, monkeypatch, group, seen

    def provider(self, workers: int | None = 4, **config: str) -> native.GitLabTokensProvider:
        provider = native.GitLabTokensProvider(workers=workers)
        variables = {"gitlab-tokens:config:baseUrl": self.sb.base_url + "/api/v4",
                     "gitlab-tokens:config:token": self.sb.admin_token,
                     **{f"gitlab-tokens:{k}": v for k, v in config.items()}}
        asyncio.run(provider.configure(ConfigureRequest(variables, {}, True, False)))
        return provider

    def calls(self) -> dict[str, int]:
        counts = {k.replace("/api/v4", ""): v for k, v in self.sb.counters().items() if k != "total"}
        self.sb.reset_counters()
        return counts


class Engine:
    """One resource driven as the engine drives it: check, diff, create / update, read, delete."""

    def __init__(self, provider: native.GitLabTokensProvider, type_name: str, name: str) -> None:
        self.provider, self.urn = provider, urn(type_name, name)
        self.inputs: dict[str, PropertyValue] = {}
        self.state: dict[str, PropertyValue] = {}
        self.id: str | None = None

    def check(self, news: dict[str, PropertyValue]):
        return asyncio.run(self.provider.check(CheckRequest(self.urn, self.inputs, news, b"")))

    def checked(self, news: dict[str, PropertyValue]) -> dict[str, PropertyValue]:
        result = self.check(news)
        assert not result.failures, [(f.property, f.reason) for f in result.failures]
        return over_the_wire(result.inputs)

    def up(self, news: dict[str, PropertyValue], *, preview: bool = False) -> str:
        inputs = self.checked(news)
        if self.id is None:
            created = asyncio.run(self.provider.create(CreateRequest(self.urn, inputs, 60, preview)))
            if preview:
                self.preview_outputs = created.properties
                return "create"
            self.id, self.state, self.inputs = created.resource_id, over_the_wire(created.properties), inputs
            return "create"
        diff = asyncio.run(self.provider.diff(DiffRequest(self.urn, self.id, self.state, inputs, [])))
        self.last_diff = diff
        assert not diff.replaces, diff.replaces
        if not diff.changes:
            return "same"
        updated = asyncio.run(self.provider.update(
            UpdateRequest(self.urn, self.id, self.state, inputs, 60, [], preview)))
        if not preview:
            self.state, self.inputs = over_the_wire(updated.properties), inputs
        return "update"

    def refresh(self) -> bool:
        read = asyncio.run(self.provider.read(ReadRequest(self.urn, self.id, self.state, self.inputs)))
        if not read.resource_id:
            return False
        assert read.inputs == self.inputs
        self.state = over_the_wire(read.properties)
        return True

    def destroy(self) -> None:
        asyncio.run(self.provider.delete(DeleteRequest(self.urn, self.id, self.state, 60)))


GRACE_DAYS = 2


def rotating_token(**overrides: Any) -> dict[str, PropertyValue]:
    return values(**{"project": "acme/app", "scopes": ["read_registry"], "accessLevel": "developer",
                     "rotationConfiguration": {"expirationDays": 30, "rotateBeforeDays": 7, "gracePeriodDays": GRACE_DAYS},
                     **overrides})


# --- schema ----------------------------------------------------------------------------------


def test_schema_names_every_resource_camel_case_with_secrets_marked():
    schema = json.loads(asyncio.run(native.GitLabTokensProvider(workers=1).get_schema(GetSchemaRequest(0))).schema)
    assert schema == package_schema()
    resources = schema["resources"]
    assert set(resources) == {f"gitlab-tokens:index:{kind.resource_name}" for kind in kinds.ALL} | {
        "gitlab-tokens:index:ProjectVariable", "gitlab-tokens:index:GroupVariable",
        "gitlab-tokens:index:GroupServiceAccount", "gitlab-tokens:index:ProjectServiceAccount"}
    for parent in ("group", "project"):
        account = resources[f"gitlab-tokens:index:{parent.capitalize()}ServiceAccount"]
        assert set(account["inputProperties"]) == {parent, "name", "username", "email"}
        assert account["requiredInputs"] == [parent] and "serviceAccountId" in account["properties"]
        sa_token = resources[f"gitlab-tokens:index:{parent.capitalize()}ServiceAccountAccessToken"]
        assert sa_token["requiredInputs"] == [parent, "userId", "scopes"]
        assert sa_token["properties"]["token"]["secret"] is True and "accessLevel" not in sa_token["inputProperties"]
    token = resources["gitlab-tokens:index:ProjectAccessToken"]
    assert {"expiresAt", "accessLevel", "rotationConfiguration", "project", "scopes"} <= set(token["inputProperties"])
    assert token["properties"]["token"]["secret"] is True and "token" not in token["inputProperties"]
    assert token["requiredInputs"] == ["project", "scopes"]
    rotation = schema["types"]["gitlab-tokens:index:RotationConfiguration"]["properties"]
    assert set(rotation) == {"expirationDays", "rotateBeforeDays", "gracePeriodDays"}
    assert resources["gitlab-tokens:index:ProjectVariable"]["inputProperties"]["value"]["secret"] is True
    assert schema["config"]["variables"]["token"]["secret"] is True
    assert not any("_" in name for r in resources.values() for name in r["properties"])


# --- a rotating project access token ---------------------------------------------------------


def test_project_token_lifecycle_with_overlap_rotation(world):
    provider = world.provider()
    token = Engine(provider, "ProjectAccessToken", "ci-token")

    assert token.up(rotating_token(), preview=True) == "create"
    planned = token.preview_outputs
    assert planned["token"].value == rpc.UNKNOWN and planned["token"].is_secret
    assert PropertyValue.marshal_map(planned), "the engine gets the preview's outputs"
    assert world.calls() == {}, "a preview with the preview checks off calls no GitLab"

    assert token.up(rotating_token()) == "create"
    state = unwrapped(token.state)
    assert token.state["token"].is_secret and state["token"].startswith("glpat-")
    assert state["name"] == "ci-token", "the name defaults to the resource's name"
    assert state["expiresAt"] == (START + dt.timedelta(days=30)).isoformat()
    assert token.id == f"acme/app:{int(state['tokenId'])}"
    assert world.calls() == {"GET /projects/:id/access_tokens": 1, "POST /projects/:id/access_tokens": 1}

    # The mark names this stack and the resource's type and name, as the dynamic face's does.
    owner = ownership.Owner(
        identity=ownership.owner_identity(ownership.backend_identity(),
                                          ownership.stack_owner("organization", PROJECT, STACK),
                                          "gitlab-tokens:index:ProjectAccessToken::ci-token"),
        key=ownership.signing_key(None, world.sb.admin_token))
    minted = [t for t in world.sb.tokens() if t["name"] == "ci-token"]
    assert [owner.awaited(t) for t in minted] == [True]
    other_stack = dataclasses.replace(owner, identity=ownership.owner_identity(
        ownership.backend_identity(), ownership.stack_owner("organization", PROJECT, "other"),
        "gitlab-tokens:index:ProjectAccessToken::ci-token"))
    assert not other_stack.minted(ownership.mark_of(minted[0]), "ci-token")
    world.calls()

    assert token.up(rotating_token()) == "same"
    assert token.refresh()
    assert token.up(rotating_token()) == "same"
    assert world.calls() == {"GET /projects/:id/access_tokens/:token_id": 1}, "only the refresh calls GitLab"

    at(world.sb, world.monkeypatch, START + dt.timedelta(days=24))
    first = unwrapped(token.state)
    assert token.up(rotating_token(), preview=True) == "update"
    assert token.last_diff.detailed_diff["expiresAt"].kind.name == "UPDATE"
    assert world.calls() == {}, "a preview never writes"
    assert token.up(rotating_token()) == "update"
    rotated = unwrapped(token.state)
    assert rotated["token"] != first["token"] and rotated["tokenId"] != first["tokenId"]
    assert [p["tokenId"] for p in rotated["predecessors"]] == [first["tokenId"]]
    assert token.state["token"].is_secret

    # No <name>-predecessors child in this face: once the grace period is over, the token's own
    # up revokes the predecessor (by the calendar), and its preview shows that update first.
    at(world.sb, world.monkeypatch, START + dt.timedelta(days=24 + GRACE_DAYS))
    world.calls()
    assert token.up(rotating_token(), preview=True) == "update"
    assert world.calls() == {}, "a preview never writes"
    assert token.up(rotating_token()) == "update"
    assert world.calls().get("DELETE /projects/:id/access_tokens/:token_id") == 1
    assert not unwrapped(token.state).get("predecessors")
    assert {t["id"]: t["active"] for t in world.sb.tokens() if t["name"] == "ci-token"} == {
        int(first["tokenId"]): False, int(rotated["tokenId"]): True}

    token.destroy()
    assert not [t for t in world.sb.tokens() if t["active"]], "delete revokes the token and its predecessor"


def test_check_failures_name_the_camel_case_field_with_the_dynamic_face_message(world):
    provider = world.provider()
    news = rotating_token(scopes=["no_such_scope"])
    result = Engine(provider, "ProjectAccessToken", "bad").check(news)
    dynamic = provider_class(kinds.PROJECT)().check({}, {**native.plain(news), "name": "bad"})
    assert [(f.property, f.reason) for f in result.failures] == [
        (native.camel(f.property), f.reason) for f in dynamic.failures]
    assert result.failures and result.failures[0].property == "scopes"
    bad_rotation = Engine(provider, "ProjectAccessToken", "bad").check(
        values(project="acme/app", scopes=["api"], rotationConfiguration={"expirationDays": 30}))
    assert [f.property for f in bad_rotation.failures] == ["rotationConfiguration.rotateBeforeDays"]
    assert world.calls() == {}


def test_preview_checks_run_as_the_dynamic_face_runs_them(world, monkeypatch):
    monkeypatch.delenv("GITLAB_TOKENS_PREVIEW_CHECKS", raising=False)
    provider = world.provider(previewChecks="true")
    result = Engine(provider, "ProjectAccessToken", "ci").check(rotating_token(project="acme/missing"))
    assert [f.property for f in result.failures] == ["project"]
    assert "404 Project Not Found" in result.failures[0].reason
    assert all(key.startswith("GET ") for key in world.calls()), "a preview never writes"


def test_unknown_resource_type_is_a_clear_error(world):
    provider = world.provider()
    with pytest.raises(GitLabTokenError, match="gitlab-tokens:index:Nope is not a resource of gitlab-tokens"):
        asyncio.run(provider.create(CreateRequest(urn("Nope", "x"), {}, 60, False)))


# --- a variable and a service account with its token ----------------------------------------


def test_masked_variable_keeps_its_value_secret(world):
    provider = world.provider()
    variable = Engine(provider, "ProjectVariable", "deploy-token")
    value = "s3cr3t-value-1234"
    news = values(project="acme/app", key="DEPLOY_TOKEN", masked=True, protected=False)
    news["value"] = PropertyValue(value)  # given as plain text: the provider makes it a secret
    inputs = variable.checked(news)
    assert inputs["value"].is_secret
    variable.up(news)
    assert variable.state["value"].is_secret and unwrapped(variable.state)["value"] == value
    assert world.calls() == {"POST /projects/:id/variables": 1}
    assert variable.up(news) == "same" and world.calls() == {}
    variable.destroy()
    assert world.calls() == {"DELETE /projects/:id/variables/:key": 1}


@pytest.mark.parametrize("parent, ref", [("group", "acme"), ("project", "acme/app")])
def test_service_account_and_its_token(world, parent, ref):
    provider = world.provider()
    account = Engine(provider, f"{parent.capitalize()}ServiceAccount", "robot")
    account.up(values(**{parent: ref}, name="robot"))
    account_id = unwrapped(account.state)["serviceAccountId"]
    assert account_id and unwrapped(account.state)["name"] == "robot"
    assert account.id == f"{ref}:{int(account_id)}"

    token = Engine(provider, f"{parent.capitalize()}ServiceAccountAccessToken", "robot-token")
    token.up(values(**{parent: ref}, userId=account_id, scopes=["read_api"],
                    rotationConfiguration={"expirationDays": 30, "rotateBeforeDays": 7}))
    state = unwrapped(token.state)
    assert token.state["token"].is_secret and state["userId"] == account_id
    assert token.id == f"{ref}:{int(account_id)}:{int(state['tokenId'])}"
    token.destroy()
    account.destroy()
    assert not [t for t in world.sb.tokens() if t["active"]]
    assert world.sb.api("GET", f"/{parent}s/{ref.replace('/', '%2F')}/service_accounts") == []


def test_a_replacing_change_is_reported_by_its_camel_case_name_without_a_call(world):
    provider = world.provider()
    token = Engine(provider, "ProjectAccessToken", "ci")
    token.up(rotating_token())
    world.calls()
    inputs = token.checked(rotating_token(scopes=["read_api"], accessLevel="reporter"))
    diff = asyncio.run(provider.diff(DiffRequest(token.urn, token.id, token.state, inputs, [])))
    assert diff.changes and sorted(diff.replaces) == ["accessLevel", "scopes"]
    assert {name: d.kind.name for name, d in diff.detailed_diff.items()} == {
        "accessLevel": "UPDATE_REPLACE", "scopes": "UPDATE_REPLACE"}
    assert world.calls() == {}
    token.destroy()


def test_a_refused_variable_value_is_named_never_quoted(world):
    provider = world.provider()
    secret = "short!"
    news = values(project="acme/app", key="SHORT", masked=True)
    news["value"] = PropertyValue(secret, is_secret=True)
    result = Engine(provider, "ProjectVariable", "short").check(news)
    assert [f.property for f in result.failures] == ["value"]
    assert all(secret not in f.reason for f in result.failures)
    world.seen += [f.reason for f in result.failures]


def test_the_credential_may_come_from_the_environment(world, monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", world.sb.admin_token)
    provider = native.GitLabTokensProvider(workers=2)
    asyncio.run(provider.configure(ConfigureRequest(
        {"gitlab-tokens:baseUrl": world.sb.base_url}, {}, True, False)))
    variable = Engine(provider, "GroupVariable", "from-env")
    variable.up(values(group="acme", key="FROM_ENV", value="value-from-env"))
    assert world.calls() == {"POST /groups/:id/variables": 1}
    variable.destroy()


# --- config ----------------------------------------------------------------------------------


def test_config_keys_in_the_providers_own_namespace():
    own = native.provider_config({"gitlab-tokens:config:baseUrl": "https://a/api/v4", "gitlab-tokens:retries": "2",
                                  "gitlab:token": "ignored", "other:token": "ignored"})
    assert own == {"baseUrl": "https://a/api/v4", "retries": "2"}
    get = native.config_reader(own)
    assert get("gitlab:baseUrl") == "https://a/api/v4" and get("gitlab:retries") == "2"
    assert get("gitlab:maxTokenLifetimeDays") is None, "the legacy key has no place in the native face"


def test_policy_pack_knows_every_native_token_type_as_its_dynamic_twin():
    from gitlab_token_policies import tokens as pack_tokens  # the pack's generated copy of the catalogue

    for kind in kinds.ALL:
        native_type = f"gitlab-tokens:index:{kind.resource_name}"
        assert native_type in BY_TOKEN
        assert pack_tokens.TOKEN_TYPES[native_type] == pack_tokens.TOKEN_TYPES[kind.type_token]


# --- concurrency -----------------------------------------------------------------------------

#: What ``python -m pulumi.dynamic`` serves at once on its own.
SDK_WORKERS = 4


def test_calls_the_engine_sends_at_once_reach_gitlab_at_once(tmp_path, monkeypatch):
    """Against a sandbox answering after 300 ms, ten creates sent together are in flight together
    (read from the sandbox's request log; no timing asserted)."""
    import sys

    from support.pulumi_cli import REPO

    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # the benchmarks package lives at the repository root
    from benchmarks import harness

    with running_sandbox(extra_args=harness.sandbox_args(300, workers=16)) as sb:
        group = sb.create_group("acme")
        sb.create_project("app", group["id"])
        world = World(sb, monkeypatch, group, [])
        provider = world.provider(workers=None)  # GITLAB_TOKENS_PROVIDER_WORKERS, else 64
        offset = len(sb.read_log())

        async def create_all() -> list:
            requests = [CreateRequest(urn("ProjectVariable", f"v{n}"), values(
                project="acme/app", key=f"VARIABLE_{n}", value=f"value-{n}-0000"), 60, False) for n in range(10)]
            return await asyncio.gather(*(provider.create(request) for request in requests))

        created = asyncio.run(create_all())
        assert len({response.resource_id for response in created}) == 10
        peak = harness.peak_concurrent_calls(sb.read_log()[offset:].splitlines())
        assert peak > SDK_WORKERS, f"most GitLab calls at once: {peak}"


# --- pulumi import ---------------------------------------------------------------------------


def out_of_band_token(world: World, **body: Any) -> dict:
    """A project access token made in GitLab by hand, as ``pulumi import`` finds one."""
    return world.sb.api("POST", "/projects/acme%2Fapp/access_tokens",
                        {"name": "ci-token", "scopes": ["read_registry"], "access_level": 30,
                         "expires_at": (START + dt.timedelta(days=20)).isoformat(), **body}, expect=201)


def imported(engine: Engine, import_id: str, given: dict[str, PropertyValue] | None = None):
    """``pulumi import``'s calls: read by id alone, then check the inputs read returned against themselves."""
    read = asyncio.run(engine.provider.read(ReadRequest(engine.urn, import_id, {}, given or {})))
    assert read.resource_id == import_id
    engine.id, engine.state, engine.inputs = import_id, over_the_wire(read.properties), over_the_wire(read.inputs)
    return read


def test_import_reads_every_input_gitlab_knows_and_previews_no_change(world):
    made = out_of_band_token(world)
    world.calls()
    token = Engine(world.provider(), "ProjectAccessToken", "ci-token")
    imported(token, f"acme/app:{made['id']}")
    assert world.calls() == {"GET /projects/:id/access_tokens/:token_id": 1}, "an import only reads"
    inputs, state = unwrapped(token.inputs), unwrapped(token.state)
    assert inputs == {"project": "acme/app", "name": "ci-token", "scopes": ["read_registry"],
                      "accessLevel": "developer", "expiresAt": (START + dt.timedelta(days=20)).isoformat()}
    # ...but for the ownership generation, which check plans afresh and an imported program never names.
    rechecked = token.checked(token.inputs)
    assert rechecked.pop("ownershipGeneration").value == 1 and "ownershipGeneration" not in token.inputs
    assert rechecked == token.inputs, "read answers the inputs as check does"
    assert token.state["token"].is_secret and state["token"] == "", "GitLab never shows the value again"
    assert int(state["tokenId"]) == made["id"]

    # The program `pulumi import` prints previews with no change and calls no GitLab.
    program = values(project="acme/app", scopes=["read_registry"], accessLevel="developer",
                     expiresAt=(START + dt.timedelta(days=20)).isoformat())
    assert token.up(program, preview=True) == "same" and world.calls() == {}
    # Held by id: the next rotation (here: the program takes a rotation plan) mints its value.
    rotating = rotating_token()
    assert token.up(rotating, preview=True) == "update" and world.calls() == {}
    assert token.up(rotating) == "update"
    rotated = unwrapped(token.state)
    assert rotated["token"].startswith("glpat-") and int(rotated["tokenId"]) != made["id"]
    token.destroy()
    assert not [t for t in world.sb.tokens() if t["active"]], "destroy revokes the imported token's line"


def test_import_with_the_programs_rotation_plan_keeps_the_token(world):
    """The ``import`` resource option sends the program's inputs: its rotation plan, which GitLab
    cannot tell, is kept, and the token (not in its rotation window) stays as it is."""
    made = out_of_band_token(world)
    token = Engine(world.provider(), "ProjectAccessToken", "ci-token")
    program = rotating_token()
    imported(token, f"acme/app:{made['id']}", program)
    assert unwrapped(token.inputs)["rotationConfiguration"] == unwrapped(program)["rotationConfiguration"]
    world.calls()
    assert token.up(program, preview=True) == "same" and world.calls() == {}


def test_import_ids_with_route_inputs_and_user_ids(world):
    account = world.sb.api("POST", f"/groups/{world.group['id']}/service_accounts", {"name": "robot"}, expect=201)
    made = world.sb.api("POST", f"/groups/{world.group['id']}/service_accounts/{account['id']}/personal_access_tokens",
                        {"name": "robot-token", "scopes": ["read_api"],
                         "expires_at": (START + dt.timedelta(days=20)).isoformat()}, expect=201)
    token = Engine(world.provider(), "GroupServiceAccountAccessToken", "robot-token")
    imported(token, f"acme:{account['id']}:{made['id']}")
    inputs = unwrapped(token.inputs)
    assert inputs["group"] == "acme" and int(inputs["userId"]) == account["id"] and inputs["name"] == "robot-token"

    unreadable = Engine(world.provider(), "GroupServiceAccountAccessToken", "odd")
    with pytest.raises(GitLabTokenError, match="expected an id like '<group>:<user_id>:<token id>'"):
        asyncio.run(unreadable.provider.read(ReadRequest(unreadable.urn, f"acme:{made['id']}", {}, {})))


# --- invokes ---------------------------------------------------------------------------------


def invoke(provider: native.GitLabTokensProvider, function: str, **args: Any):
    return asyncio.run(provider.invoke(InvokeRequest(f"gitlab-tokens:index:{function}", values(**args))))


def test_token_lists_are_invokes_with_the_same_filters_and_no_secret(world):
    provider = world.provider()
    token = Engine(provider, "ProjectAccessToken", "ci-token")
    token.up(rotating_token())
    out_of_band_token(world, name="by-hand")
    world.calls()

    listed = invoke(provider, "getProjectAccessTokens", project="acme/app", state="active")
    assert not listed.failures
    tokens = unwrapped(listed.return_value)["tokens"]
    assert [(t["name"], t["managed"], t["accessLevel"]) for t in tokens] == [
        ("ci-token", True, "developer"), ("by-hand", False, "developer")]
    assert not any(v.contains_secret() for v in listed.return_value.values())
    assert unwrapped(token.state)["token"] not in json.dumps(tokens)
    assert world.calls() == {"GET /projects/:id/access_tokens": 1}

    named = invoke(provider, "getProjectAccessTokens", project="acme/app", name="by-hand")
    assert [t["name"] for t in unwrapped(named.return_value)["tokens"]] == ["by-hand"]
    soon = invoke(provider, "getProjectAccessTokens", project="acme/app",
                  expiresBefore=(START + dt.timedelta(days=25)).isoformat())
    assert [t["name"] for t in unwrapped(soon.return_value)["tokens"]] == ["by-hand"]

    bad = invoke(provider, "getProjectAccessTokens", project="acme/app", state="alive")
    assert [f.reason for f in bad.failures] == [
        "listing ProjectAccessToken tokens: state is 'alive'; use one of active, inactive, or leave it out"]
    with pytest.raises(GitLabTokenError, match="getProjectTokens is not a function of gitlab-tokens"):
        invoke(provider, "getProjectTokens", project="acme/app")
    token.destroy()


def test_schema_declares_a_function_per_token_list():
    functions = package_schema()["functions"]
    assert set(functions) == {f"gitlab-tokens:index:get{kind.resource_name}s" for kind in kinds.ALL}
    service = functions["gitlab-tokens:index:getGroupServiceAccountAccessTokens"]
    assert set(service["inputs"]["properties"]) == {"group", "userId", "state", "expiresBefore", "name"}
    assert service["inputs"]["required"] == ["group", "userId"]
    record = package_schema()["types"]["gitlab-tokens:index:TokenRecord"]["properties"]
    assert "token" not in record and not any(p.get("secret") for p in record.values())


#: A variable's value is a secret the provider registers for scrubbing in this process: one of its own,
#: sharing no long run with the hosts other tests print (``gitlab.example.com``).
DEPLOY_URL = "https://deploy-target.test/pipelines"


def test_variables_and_service_accounts_import_by_their_resource_id(world):
    provider = world.provider()
    made = Engine(provider, "ProjectVariable", "made")
    made.up(values(project="acme/app", key="DEPLOY_URL", value=DEPLOY_URL))
    account = Engine(provider, "GroupServiceAccount", "robot")
    account.up(values(group="acme", name="robot"))
    world.calls()

    variable = Engine(provider, "ProjectVariable", "deploy-url")
    imported(variable, made.id)
    assert unwrapped(variable.inputs)["key"] == "DEPLOY_URL" and variable.inputs["value"].is_secret
    assert variable.up(values(project="acme/app", key="DEPLOY_URL", value=DEPLOY_URL)) == "same"
    robot = Engine(provider, "GroupServiceAccount", "robot-again")
    imported(robot, account.id)
    assert unwrapped(robot.inputs)["group"] == "acme"
    assert robot.up(values(group="acme", name="robot")) == "same"
    assert not [k for k in world.calls() if k.split(" ")[0] in ("POST", "PUT", "DELETE")], "an import only reads"
