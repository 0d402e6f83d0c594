"""Token lists as data (``list_project_access_tokens``, ...) against the GitLab sandbox over real HTTP.

The functions run in a program's process: they read the stack config the
provider reads (here set as the Pulumi runtime sets it for a program), page
through GitLab's list route with the filters GitLab applies itself, and
return frozen records without token values.
"""

from __future__ import annotations

import dataclasses
import json
import logging

import pytest
from pulumi.runtime import config as runtime_config

from pulumi_gitlab_tokens import (
    GitLabTokenError,
    TokenRecord,
    kinds,
    list_group_access_tokens,
    list_project_access_tokens,
    list_tokens,
)

pytestmark = pytest.mark.timeout(120)

NOW = "2026-03-01T12:00:00Z"


@pytest.fixture
def world(sandbox, caplog, capsys):
    """Group ``acme``, project ``acme/app``; the stack config names the sandbox; no secret may leak."""
    sandbox.reset()
    sandbox.set_time(NOW)
    group = sandbox.create_group("acme")
    project = sandbox.create_project("app", group["id"])
    runtime_config.set_all_config({"gitlab:baseUrl": sandbox.base_url + "/api/v4",
                                   "gitlab:token": sandbox.admin_token}, ["gitlab:token"])
    sandbox.reset_counters()
    caplog.set_level(logging.DEBUG)
    values: list[str] = []
    yield sandbox, project, group, values
    runtime_config.set_all_config({}, [])
    captured = capsys.readouterr()
    for text in (caplog.text, captured.out, captured.err):
        for secret in [sandbox.admin_token, *values]:
            assert secret not in text


def make_token(sb, values: list[str], collection: str, parent_id: int, name: str, *,
               expires_at: str = "2026-06-01", scopes=("read_api",), level: int = 30,
               description: str | None = None) -> dict:
    body = {"name": name, "scopes": list(scopes), "expires_at": expires_at, "access_level": level}
    if description is not None:
        body["description"] = description
    created = sb.api("POST", f"/{collection}/{parent_id}/access_tokens", body, expect=201)
    values.append(created["token"])
    return created


def calls(sb) -> dict[str, int]:
    counts = {k.replace("/api/v4", ""): v for k, v in sb.counters().items() if k != "total"}
    sb.reset_counters()
    return counts


def test_lists_every_token_as_typed_frozen_records_without_values(world):
    sb, project, _group, values = world
    ci = make_token(sb, values, "projects", project["id"], "ci", level=40, description="for CI")
    old = make_token(sb, values, "projects", project["id"], "old", expires_at="2026-04-01")
    sb.api("DELETE", f"/projects/{project['id']}/access_tokens/{old['id']}", expect=204)
    calls(sb)

    records = list_project_access_tokens("acme/app")

    assert calls(sb) == {"GET /projects/:id/access_tokens": 1}
    assert [r.id for r in records] == [ci["id"], old["id"]]
    first = records[0]
    assert isinstance(first, TokenRecord) and isinstance(records, tuple)
    assert (first.name, first.scopes, first.access_level, first.active, first.revoked) == (
        "ci", ("read_api",), "maintainer", True, False)
    assert (first.expires_at, first.user_id, first.description, first.managed) == (
        "2026-06-01", ci["user_id"], "for CI", False)
    assert first.created_at and records[1].revoked and not records[1].active
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'name'"):
        first.name = "other"  # type: ignore[misc]
    exported = json.dumps([r.to_dict() for r in records])
    assert all(v not in exported for v in values) and "token" not in records[0].to_dict()


def test_filters_state_expiry_and_exact_name(world):
    sb, project, _group, values = world
    pid = project["id"]
    ci = make_token(sb, values, "projects", pid, "ci", expires_at="2026-03-20")
    make_token(sb, values, "projects", pid, "ci-nightly", expires_at="2026-03-10")  # "ci" matches it loosely
    late = make_token(sb, values, "projects", pid, "deploy", expires_at="2026-12-01")
    gone = make_token(sb, values, "projects", pid, "ci", expires_at="2026-03-05")
    sb.api("DELETE", f"/projects/{pid}/access_tokens/{gone['id']}", expect=204)
    calls(sb)

    named = list_project_access_tokens(pid, name="ci")
    assert [r.id for r in named] == [ci["id"], gone["id"]]
    assert [r.id for r in list_project_access_tokens(pid, name="ci", state="active")] == [ci["id"]]
    assert [r.id for r in list_project_access_tokens(pid, state="inactive")] == [gone["id"]]
    soon = list_project_access_tokens(pid, expires_before="2026-04-01", state="active")
    assert late["id"] not in [r.id for r in soon] and len(soon) == 2
    assert calls(sb) == {"GET /projects/:id/access_tokens": 4}


def test_state_filter_is_applied_by_gitlab_and_pages_are_all_read(world):
    """120 revoked tokens and 3 live ones: the full list takes two pages, the active one fits in one."""
    sb, project, _group, values = world
    pid = project["id"]
    for n in range(120):
        made = make_token(sb, values, "projects", pid, f"old-{n}")
        sb.api("DELETE", f"/projects/{pid}/access_tokens/{made['id']}", expect=204)
    live = [make_token(sb, values, "projects", pid, f"live-{n}")["id"] for n in range(3)]
    calls(sb)

    assert len(list_project_access_tokens(pid)) == 123
    assert calls(sb) == {"GET /projects/:id/access_tokens": 2}
    assert [r.id for r in list_project_access_tokens(pid, state="active")] == live
    assert calls(sb) == {"GET /projects/:id/access_tokens": 1}


def test_group_tokens_and_the_generic_function(world):
    sb, _project, group, values = world
    made = make_token(sb, values, "groups", group["id"], "platform", level=50)
    calls(sb)
    records = list_group_access_tokens("acme")
    assert [(r.id, r.access_level) for r in records] == [(made["id"], "owner")]
    assert list_tokens(kinds.GROUP, group["id"]) == records
    assert calls(sb) == {"GET /groups/:id/access_tokens": 2}


def test_managed_tokens_are_told_apart_and_the_mark_is_not_shown(world):
    sb, project, _group, values = world
    make_token(sb, values, "projects", project["id"], "mine", description="ops [pgt:0123456789abcdef.89abcdef]")
    (record,) = list_project_access_tokens("acme/app")
    assert record.managed and record.description == "ops"


def test_bad_filters_name_the_filter_and_call_nothing(world):
    sb, *_ = world
    with pytest.raises(GitLabTokenError, match="state is 'open'; use one of active, inactive"):
        list_project_access_tokens("acme/app", state="open")
    with pytest.raises(GitLabTokenError, match="expires_before is 'soon'; give a date like"):
        list_project_access_tokens("acme/app", expires_before="soon")
    with pytest.raises(GitLabTokenError, match="name must be a non-empty string"):
        list_project_access_tokens("acme/app", name="  ")
    assert calls(sb) == {}


def test_gitlab_errors_name_the_route_and_never_the_credential(world):
    sb, *_ = world
    with pytest.raises(GitLabTokenError, match="404 Project Not Found") as missing:
        list_project_access_tokens("acme/nope")
    assert "GET /projects/acme%2Fnope/access_tokens" in str(missing.value)
    assert "404" in str(missing.value) and sb.admin_token not in str(missing.value)
    runtime_config.set_config("gitlab:token", "glpat-not-a-real-credential-0000")
    with pytest.raises(GitLabTokenError, match="401 Unauthorized") as refused:
        list_project_access_tokens("acme/app")
    assert "401" in str(refused.value) and "glpat-not-a-real-credential-0000" not in str(refused.value)


def test_without_stack_config_the_environment_is_read_as_the_provider_reads_it(world, monkeypatch):
    sb, project, _group, values = world
    runtime_config.set_all_config({}, [])
    monkeypatch.setenv("GITLAB_BASE_URL", sb.base_url)
    monkeypatch.setenv("GITLAB_TOKEN", sb.admin_token)
    made = make_token(sb, values, "projects", project["id"], "env")
    assert [r.id for r in list_project_access_tokens("acme/app")] == [made["id"]]


def test_a_kind_whose_list_takes_only_active_gets_only_that_and_records_from_expired():
    """Deploy tokens: the list route filters by ``active=true`` only and reports ``expired``, not ``active``."""
    from pulumi_gitlab_tokens.resources.token_lists import _Filters

    deploy_like = dataclasses.replace(kinds.PROJECT, list_filters=frozenset({"active"}), inputs=tuple(
        f for f in kinds.PROJECT.inputs if f.name != "access_level"))
    wanted = _Filters.parse(deploy_like, state="active", expires_before="2026-05-01", name="ci")
    assert wanted.query(deploy_like) == {"active": "true"}
    assert wanted.query(kinds.PROJECT) == {"state": "active", "expires_before": "2026-05-01", "search": "ci"}
    record = TokenRecord.from_answer(deploy_like, {"id": 3, "name": "ci", "username": "gitlab+deploy-token-3",
                                                   "expires_at": "2026-04-01T00:00:00.000Z", "scopes": ["read_registry"],
                                                   "revoked": False, "expired": True, "token": "gldt-x"})
    assert (record.active, record.access_level, record.user_id) == (False, None, None)
    assert not wanted.keeps(record), "expired is not active"
    assert _Filters.parse(deploy_like, state="inactive", expires_before="2026-05-01", name="ci").keeps(record)
    assert "gldt-x" not in json.dumps(record.to_dict())


def test_a_users_personal_tokens_and_only_theirs(world):
    from pulumi_gitlab_tokens import list_personal_access_tokens

    sb, _project, _group, values = world
    alice, bob = sb.create_user("alice"), sb.create_user("bob")
    made = {}
    for user, name in ((alice, "laptop"), (alice, "ci"), (bob, "laptop")):
        made[(user["username"], name)] = sb.api("POST", f"/users/{user['id']}/personal_access_tokens",
                                                {"name": name, "scopes": ["read_api"], "expires_at": "2026-05-01"},
                                                expect=201)
        values.append(made[(user["username"], name)]["token"])
    calls(sb)
    records = list_personal_access_tokens(alice["id"], state="active", name="laptop")
    assert [(r.id, r.user_id, r.access_level) for r in records] == [
        (made[("alice", "laptop")]["id"], alice["id"], None)]
    assert calls(sb) == {"GET /personal_access_tokens": 1}
    assert len(list_personal_access_tokens(alice["id"])) == 2


def test_deploy_tokens_send_only_active_and_filter_the_rest_here(world):
    from pulumi_gitlab_tokens import list_group_deploy_tokens, list_project_deploy_tokens

    sb, project, group, values = world
    made = {}
    for name, expires in (("registry", "2026-03-10T00:00:00Z"), ("registry-ci", "2026-09-01T00:00:00Z"),
                          ("pull", None)):
        body = {"name": name, "scopes": ["read_registry"], **({"expires_at": expires} if expires else {})}
        made[name] = sb.api("POST", f"/projects/{project['id']}/deploy_tokens", body, expect=201)
        values.append(made[name]["token"])
    grouped = sb.api("POST", f"/groups/{group['id']}/deploy_tokens", {"name": "g", "scopes": ["read_registry"]},
                     expect=201)
    values.append(grouped["token"])
    sb.set_time("2026-04-01T12:00:00Z")  # "registry" has expired
    calls(sb)

    active = list_project_deploy_tokens("acme/app", state="active")
    assert [r.name for r in active] == ["registry-ci", "pull"] and all(r.access_level is None for r in active)
    assert [r.name for r in list_project_deploy_tokens("acme/app", name="registry")] == ["registry"]
    assert [r.id for r in list_project_deploy_tokens("acme/app", state="inactive")] == [made["registry"]["id"]]
    assert [r.name for r in list_project_deploy_tokens("acme/app", expires_before="2026-12-31")] == [
        "registry", "registry-ci"]
    assert calls(sb) == {"GET /projects/:id/deploy_tokens": 4}
    assert [r.id for r in list_group_deploy_tokens("acme")] == [grouped["id"]]


@pytest.mark.parametrize("parent, ref", [("group", "acme"), ("project", "acme/app")])
def test_a_service_accounts_tokens_are_listed_under_the_parent_and_the_account(world, parent, ref):
    from pulumi_gitlab_tokens import (
        list_group_service_account_access_tokens,
        list_project_service_account_access_tokens,
    )

    listed = {"group": list_group_service_account_access_tokens,
              "project": list_project_service_account_access_tokens}[parent]
    kind = {"group": kinds.GROUP_SERVICE_ACCOUNT, "project": kinds.PROJECT_SERVICE_ACCOUNT}[parent]
    sb, project, group, values = world
    accounts = f"/{parent}s/{(group if parent == 'group' else project)['id']}/service_accounts"
    robot, other = (sb.api("POST", accounts, {"name": n}, expect=201) for n in ("CI robot", "Other robot"))
    made = {}
    for account, name in ((robot, "ci"), (robot, "old"), (other, "ci")):
        made[(account["id"], name)] = sb.api(
            "POST", f"{accounts}/{account['id']}/personal_access_tokens",
            {"name": name, "scopes": ["read_api"], "expires_at": "2026-05-01"}, expect=201)
        values.append(made[(account["id"], name)]["token"])
    sb.api("DELETE", f"{accounts}/{robot['id']}/personal_access_tokens/{made[(robot['id'], 'old')]['id']}",
           expect=204)
    calls(sb)

    records = listed(ref, robot["id"], state="active")
    assert [(r.id, r.name, r.user_id, r.access_level, r.active) for r in records] == [
        (made[(robot["id"], "ci")]["id"], "ci", robot["id"], None, True)]
    assert calls(sb) == {f"GET /{parent}s/:id/service_accounts/:user_id/personal_access_tokens": 1}
    every = list_tokens(kind, ref, user_id=robot["id"])
    assert [(r.name, r.revoked) for r in every] == [("ci", False), ("old", True)], "only this account's"
    assert [r.user_id for r in listed(ref, other["id"])] == [other["id"]]


def test_a_service_account_list_without_its_account_is_an_error_naming_user_id(world):
    from pulumi_gitlab_tokens import list_group_service_account_access_tokens

    sb, *_ = world
    with pytest.raises(GitLabTokenError, match="user_id is missing; its list route needs it"):
        list_tokens(kinds.GROUP_SERVICE_ACCOUNT, "acme")
    with pytest.raises(GitLabTokenError, match="user_id must be the service account's numeric user id"):
        list_group_service_account_access_tokens("acme", 0)
    with pytest.raises(GitLabTokenError, match="user_id is not a filter of this list; it takes state, expires_"):
        list_tokens(kinds.GROUP, "acme", user_id=3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'user_id'"):
        list_group_access_tokens("acme", user_id=3)  # type: ignore[call-arg]  # its signature says what it takes
    assert calls(sb) == {}
    with pytest.raises(GitLabTokenError, match="404 User Not Found") as gone:
        list_group_service_account_access_tokens("acme", 999999)
    assert "GET /groups/acme/service_accounts/999999/personal_access_tokens" in str(gone.value)
    assert "404" in str(gone.value)
