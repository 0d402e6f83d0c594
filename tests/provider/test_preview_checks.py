"""The preview checks against the GitLab sandbox: what ``check`` asks before a token is created.

For every refusal, the line ``check`` reports is compared with the error the
same ``create`` gets from the sandbox, so preview and ``up`` say the same thing.
Calls are counted with the sandbox's request counters.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, Callable

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.output import Unknown
from support.gitlab_roles import ASSIGNABLE_ROLES

from pulumi_gitlab_tokens import GitLabTokenError
from pulumi_gitlab_tokens.client import gitlab_client
from pulumi_gitlab_tokens.client.gitlab_errors import credential_needed
from pulumi_gitlab_tokens.common import catalogue, config_keys
from pulumi_gitlab_tokens.common.errors import CredentialMissingError
from pulumi_gitlab_tokens.kinds import GROUP, PROJECT
from pulumi_gitlab_tokens.lifecycle import preview_checks
from pulumi_gitlab_tokens.lifecycle.preview_checks import Caller, refusal_reason
from pulumi_gitlab_tokens.lifecycle.provider import GroupAccessTokenProvider, ProjectAccessTokenProvider

pytestmark = pytest.mark.timeout(120)

GUEST, PLANNER, DEVELOPER, MAINTAINER, OWNER = 10, 15, 30, 40, 50
USER_ROUTE = "GET /user"
PROJECT_MEMBER_ROUTE = "GET /projects/:id/members/all/:user_id"
GROUP_MEMBER_ROUTE = "GET /groups/:id/members/all/:user_id"


@pytest.fixture(autouse=True)
def checks_on_by_default(monkeypatch):
    """As for a user: nothing in the environment turns the checks off."""
    monkeypatch.delenv(config_keys.PREVIEW_CHECKS_ENV, raising=False)


def in_days(days: int) -> str:
    return (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=days)).isoformat()


class World:
    """Group ``acme`` with project ``acme/app`` (and subgroup project ``acme/team/svc``) in a clean sandbox."""

    def __init__(self, sb) -> None:
        self.sb = sb
        sb.reset()
        self.group = sb.create_group("acme")
        self.project = sb.create_project("app", self.group["id"])
        self.subgroup = sb.create_group("team", self.group["id"])
        self.subproject = sb.create_project("svc", self.subgroup["id"])
        self.secrets: set[str] = {sb.admin_token}
        sb.reset_counters()

    def provider(self, cls=ProjectAccessTokenProvider, credential: str | None = None, **config: Any):
        provider = cls()
        settings: dict[str, Any] = {"gitlab:baseUrl": self.sb.base_url, **config}
        if credential is not None:
            settings["gitlab:token"] = credential
        provider.configure(ConfigureRequest(Config(settings, "infra")))
        return provider

    def admin(self, cls=ProjectAccessTokenProvider, **config: Any):
        return self.provider(cls, self.sb.admin_token, **config)

    def user_credential(self, username: str, memberships: dict[tuple[str, int], int]) -> str:
        """A personal access token (``api``) of a new user with ``{(kind, id): level}`` memberships."""
        user = self.sb.create_user(username)
        for (kind, ident), level in memberships.items():
            self.sb.add_member(kind, ident, user["id"], level)
        credential = self.sb.create_user_token(user["id"], ["api"])
        self.secrets.add(credential)
        return credential

    def calls(self) -> dict[str, int]:
        counts = {k.replace("/api/v4", ""): v for k, v in self.sb.counters().items() if k != "total"}
        self.sb.reset_counters()
        return counts

    def token_count(self) -> int:
        return len(self.sb.tokens())


@pytest.fixture
def world(sandbox):
    return World(sandbox)


def project_token(**overrides: Any) -> dict[str, Any]:
    news = {"project": "acme/app", "name": "deploy", "scopes": ["read_registry"], "access_level": "developer",
            "rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7}}
    news.update(overrides)
    return news


def group_token(**overrides: Any) -> dict[str, Any]:
    news = {"group": "acme", "name": "ci", "scopes": ["read_api"], "access_level": "reporter",
            "expires_at": in_days(60)}
    news.update(overrides)
    return news


# --- when the checks ask, and how often ------------------------------------------------------------


def test_creating_asks_once_per_credential_and_once_per_project_or_group(world):
    project_provider = world.admin()
    group_provider = world.admin(GroupAccessTokenProvider)
    for name in ("one", "two", "three"):
        assert project_provider.check({}, project_token(name=name)).failures == []
    assert group_provider.check({}, group_token()).failures == []
    assert project_provider.check({}, project_token(project="acme/team/svc")).failures == []
    assert world.calls() == {USER_ROUTE: 1, PROJECT_MEMBER_ROUTE: 2, GROUP_MEMBER_ROUTE: 1}


def test_a_no_op_or_an_update_asks_nothing_and_a_replacement_asks_again(world):
    provider = world.admin()
    planned = provider.check({}, project_token()).inputs
    preview_checks.reset()  # a new process: nothing remembered
    world.calls()
    assert provider.check(planned, project_token()).failures == []
    rotation = {"expiration_days": 60, "rotate_before_days": 7}
    assert provider.check(planned, project_token(rotation_configuration=rotation)).failures == []
    assert world.calls() == {}, "no-op and update previews make no GitLab call"
    assert provider.check(planned, project_token(scopes=["read_api"])).failures == []
    assert world.calls() == {USER_ROUTE: 1, PROJECT_MEMBER_ROUTE: 1}


def test_switched_off_by_config_or_environment_asks_nothing(world, monkeypatch):
    missing = project_token(project="acme/ghost")
    off = world.admin(**{"gitlab-tokens:previewChecks": "false"})
    assert off.check({}, missing).failures == []
    monkeypatch.setenv("GITLAB_TOKENS_PREVIEW_CHECKS", "false")
    assert world.admin().check({}, missing).failures == []
    assert world.calls() == {}


def test_a_parent_unknown_at_preview_is_not_asked_about(world):
    assert world.admin().check({}, project_token(project=Unknown())).failures == []
    assert world.calls() == {}


def test_an_answer_the_checks_cannot_read_is_one_line_not_a_crash(world, monkeypatch):
    monkeypatch.setattr(gitlab_client, "read_path", lambda path: ["not", "a", "user"])
    failures = world.admin().check({}, project_token()).failures
    assert [f.property for f in failures] == [""]
    assert failures[0].reason.startswith("the preview checks failed unexpectedly (TypeError); "
                                         "`pulumi config set gitlab-tokens:previewChecks false` skips them.")


def test_no_credential_is_the_message_up_gives_without_a_call(world):
    failures = world.provider().check({}, project_token()).failures
    assert [(f.property, f.reason) for f in failures] == [("", CredentialMissingError(credential_needed(PROJECT)).message)]
    assert world.calls() == {}


# --- every refusal reads as the create's own error ----------------------------------------------


def wrong_credential(world: World):
    return world.provider(credential="glpat-wrongwrongwrong0000"), project_token()


def missing_project(world: World):
    return world.admin(), project_token(project="acme/ghost")


def missing_group(world: World):
    return world.admin(GroupAccessTokenProvider), group_token(group="nobody")


def project_token_as_credential(world: World):
    bot = world.sb.api("POST", f"/projects/{world.project['id']}/access_tokens",
                       {"name": "bot", "scopes": ["api"], "access_level": OWNER, "expires_at": in_days(30)},
                       expect=201)
    world.secrets.add(bot["token"])
    return world.provider(credential=bot["token"]), project_token(access_level="guest")


def developer_of_the_project(world: World):
    credential = world.user_credential("dev", {("project", world.project["id"]): DEVELOPER})
    return world.provider(credential=credential), project_token(access_level="guest")


def maintainer_asking_for_an_owner_token(world: World):
    credential = world.user_credential("maint", {("project", world.project["id"]): MAINTAINER})
    return world.provider(credential=credential), project_token(access_level="owner")


def maintainer_asking_for_a_planner_token(world: World):
    credential = world.user_credential("maint", {("project", world.project["id"]): MAINTAINER})
    return world.provider(credential=credential), project_token(access_level="planner")


def maintainer_asking_for_a_security_manager_token(world: World):
    credential = world.user_credential("maint", {("project", world.project["id"]): MAINTAINER})
    return world.provider(credential=credential), project_token(access_level="security_manager")


def group_maintainer_asking_for_a_group_token(world: World):
    credential = world.user_credential("maint", {("group", world.group["id"]): MAINTAINER})
    return world.provider(GroupAccessTokenProvider, credential), group_token(access_level="guest")


def stranger_to_a_private_project(world: World):
    credential = world.user_credential("stranger", {})
    return world.provider(credential=credential), project_token()


REFUSALS: dict[str, tuple[Callable[[World], Any], str, str]] = {
    # name: (scenario, property named, what the line says)
    "wrong credential": (wrong_credential, "", "401 Unauthorized"),
    "missing project": (missing_project, "project", "404 Project Not Found"),
    "missing group": (missing_group, "group", "404 Group Not Found"),
    "a project access token as credential": (project_token_as_credential, "project",
                                              "User does not have permission to create project access token"),
    "developer": (developer_of_the_project, "project", "needs Maintainer (or higher) on the project"),
    "owner token from a maintainer": (maintainer_asking_for_an_owner_token, "project",
                                      "Access level of the token contains permissions not held by the creating user"),
    "planner token from a maintainer": (maintainer_asking_for_a_planner_token, "project",
                                        "Access level of the token contains permissions not held by the creating user"),
    "security manager token from a maintainer": (
        maintainer_asking_for_a_security_manager_token, "project",
        "Access level of the token contains permissions not held by the creating user"),
    "group token from a group maintainer": (group_maintainer_asking_for_a_group_token, "group",
                                            "User does not have permission to create group access token"),
    "private project of another team": (stranger_to_a_private_project, "project", "404 Project Not Found"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_each_refusal_at_preview_is_the_line_up_gives(world, case):
    scenario, prop, says = REFUSALS[case]
    provider, news = scenario(world)
    world.calls()
    tokens_before = world.token_count()

    failures = provider.check({}, news).failures
    assert [f.property for f in failures] == [prop]
    reason = failures[0].reason
    assert says in reason and "\n" not in reason
    asked = world.calls()
    assert asked and all(route.startswith("GET ") for route in asked), asked
    assert asked.get(USER_ROUTE) == 1

    # What `pulumi up` would print: the same create without the checks.
    checked = provider.check({}, news).inputs  # answered from what this process already knows
    assert world.calls() == {}
    with pytest.raises(GitLabTokenError, match=r"^GitLab answered \d{3} ") as created:
        provider.create(checked)
    assert reason == str(created.value)
    assert world.token_count() == tokens_before
    for secret in world.secrets:
        assert secret not in reason


# --- what GitLab allows passes ---------------------------------------------------------------------


def test_what_gitlab_allows_passes_and_creates(world):
    owner_above = world.user_credential("lead", {("group", world.group["id"]): OWNER})
    maintainer = world.user_credential("maint", {("project", world.project["id"]): MAINTAINER})
    admin = world.sb.admin_token
    # A group the admin is no member of: administrators may all the same.
    solo = world.sb.request("POST", "/api/v4/groups", {"name": "solo", "path": "solo"}, token=owner_above)[2]
    world.sb.request("POST", "/api/v4/projects", {"path": "app", "namespace_id": solo["id"]}, token=owner_above)
    assert world.sb.request("GET", "/api/v4/projects/solo%2Fapp/members/all/1")[0] == 404
    allowed = [
        (ProjectAccessTokenProvider, admin, project_token(project="solo/app", access_level="owner")),
        (ProjectAccessTokenProvider, admin, project_token(access_level="owner")),  # admins are Owners everywhere
        (ProjectAccessTokenProvider, admin, project_token(project="acme/team/svc", access_level="planner")),
        (ProjectAccessTokenProvider, owner_above, project_token(access_level="security_manager")),
        (ProjectAccessTokenProvider, owner_above, project_token(project="acme/team/svc", access_level="owner")),
        (GroupAccessTokenProvider, owner_above, group_token(group="acme/team")),
        (ProjectAccessTokenProvider, maintainer, project_token(access_level="maintainer")),
    ]
    for index, (cls, credential, news) in enumerate(allowed):
        provider = world.provider(cls, credential)  # settings are per process: one credential at a time
        news["name"] = f"allowed-{index}"
        result = provider.check({}, news)
        assert result.failures == [], (index, [(f.property, f.reason) for f in result.failures])
        created = provider.create(result.inputs)  # and GitLab agrees
        world.secrets.add(created.outs["token"])
    assert world.token_count() == len(allowed)


def test_a_refused_credential_is_asked_about_once(world):
    provider = world.provider(credential="glpat-wrongwrongwrong0000")
    for name in ("one", "two"):
        assert [f.property for f in provider.check({}, project_token(name=name)).failures] == [""]
    other_credential = world.admin(GroupAccessTokenProvider)  # asked about separately
    assert other_credential.check({}, group_token()).failures == []
    assert world.calls() == {USER_ROUTE: 2, GROUP_MEMBER_ROUTE: 1}


# --- the rules, for callers the sandbox does not model ----------------------------------------------


def caller(**overrides: Any) -> Caller:
    fields = {"user_id": 7, "is_admin": False, "is_bot": False, "username": "alice"}
    fields.update(overrides)
    return Caller(**fields)


def test_service_accounts_are_bots_whose_level_gitlab_does_not_compare():
    service_account = caller(is_bot=True, username="service_account_group_9_0a1b")
    assert refusal_reason(PROJECT, service_account, MAINTAINER, PLANNER) is None
    assert refusal_reason(PROJECT, caller(), MAINTAINER, PLANNER) is not None
    assert refusal_reason(PROJECT, service_account, DEVELOPER, GUEST) == (
        "User does not have permission to create project access token")


@pytest.mark.parametrize("username", ["project_12_bot_0123456789abcdef0123456789abcdef", "group_3_bot_ffee",
                                      "project_12_bot", "project_12_bot1"])
def test_project_and_group_bots_may_never_create(username):
    bot = caller(is_bot=True, username=username)
    assert bot.is_resource_bot
    assert refusal_reason(GROUP, bot, OWNER, GUEST) == "User does not have permission to create group access token"
    assert not caller(username=username).is_resource_bot, "a human with such a name is no bot"


@pytest.mark.parametrize(("role", "wanted"), list(itertools.product(ASSIGNABLE_ROLES, ASSIGNABLE_ROLES)))
def test_every_pair_of_gitlabs_role_table(role: str, wanted: str) -> None:
    levels = catalogue.ACCESS_LEVELS
    reason = refusal_reason(PROJECT, caller(), levels[role], levels[wanted])
    if levels[role] < MAINTAINER:
        assert reason == "User does not have permission to create project access token"
    elif wanted in ASSIGNABLE_ROLES[role]:
        assert reason is None
    else:
        assert reason == "Access level of the token contains permissions not held by the creating user"
