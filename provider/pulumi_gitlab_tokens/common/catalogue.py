"""What GitLab accepts for access tokens: scopes, access levels, lifetimes.

This module is the single source of truth for those facts on the provider's
side: the provider's ``check()`` imports it and the CrossGuard policy pack
carries a generated copy (``make pack``). The GitLab sandbox keeps its own copy,
written from GitLab's source (``gitlab_token_sandbox.rules``); a test compares
the two.

The values follow GitLab 17.9 and later (the 18.x profile): see docs/sandbox.md,
section "Version profiles".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Mapping

#: Scopes GitLab accepts for project and group access tokens
#: (``Gitlab::Auth.resource_bot_scopes``), in GitLab's documentation order.
RESOURCE_TOKEN_SCOPES: Final[tuple[str, ...]] = (
    "api",
    "read_api",
    "read_repository",
    "write_repository",
    "read_registry",
    "write_registry",
    "read_virtual_registry",
    "write_virtual_registry",
    "create_runner",
    "manage_runner",
    "k8s_proxy",
    "self_rotate",
    "ai_features",
    "read_observability",
    "write_observability",
    "mcp",
)

#: Scopes a personal access token may have on top of the resource-token ones.
#: Only the policy pack needs these (for pulumi-gitlab's PersonalAccessToken).
PERSONAL_ONLY_SCOPES: Final[tuple[str, ...]] = (
    "read_user",
    "sudo",
    "admin_mode",
    "read_service_ping",
)

PERSONAL_TOKEN_SCOPES: Final[tuple[str, ...]] = RESOURCE_TOKEN_SCOPES + PERSONAL_ONLY_SCOPES

#: Scopes of a service account's token (group, project or instance service account).
#: GitLab's ``ADMIN_SCOPES`` (``sudo``, ``admin_mode``, ``read_service_ping``) only act
#: on an administrator's token and a service account is never an administrator, so
#: they are left out, although the service-account endpoint's parameter check lets
#: every scope of ``all_available_scopes`` through.
SERVICE_ACCOUNT_TOKEN_SCOPES: Final[tuple[str, ...]] = RESOURCE_TOKEN_SCOPES + ("read_user",)

#: Scopes of project and group deploy tokens (``DeployToken::AVAILABLE_SCOPES``), in
#: GitLab's order. A list of its own: deploy tokens know no ``api`` scope at all.
DEPLOY_TOKEN_SCOPES: Final[tuple[str, ...]] = (
    "read_repository",
    "read_registry",
    "write_registry",
    "read_package_registry",
    "write_package_registry",
    "read_virtual_registry",
    "write_virtual_registry",
)

#: Every scope name any GitLab token can carry, personal-token order first.
ALL_SCOPE_NAMES: Final[tuple[str, ...]] = PERSONAL_TOKEN_SCOPES + tuple(
    scope for scope in DEPLOY_TOKEN_SCOPES if scope not in PERSONAL_TOKEN_SCOPES
)

#: Every scope name any GitLab token can carry.
ALL_SCOPES: Final[frozenset[str]] = frozenset(ALL_SCOPE_NAMES)

#: Scopes that only allow reads; ``read_api`` tokens may only use GET and HEAD.
READ_ONLY_SCOPES: Final[frozenset[str]] = frozenset(
    {"read_api", "read_repository", "read_registry", "read_virtual_registry", "read_observability", "read_user"}
)

#: GitLab's member roles for tokens, by the names pulumi-gitlab uses.
ACCESS_LEVELS: Final[Mapping[str, int]] = {
    "guest": 10,
    "planner": 15,
    "reporter": 20,
    "security_manager": 25,
    "developer": 30,
    "maintainer": 40,
    "owner": 50,
}

#: Roles that hold permissions the roles above them by number lack (Planner, and 19.x's
#: Security Manager): only an Owner or a holder of the same role may give a token one.
NON_HIERARCHY_LEVELS: Final[tuple[int, ...]] = (ACCESS_LEVELS["planner"], ACCESS_LEVELS["security_manager"])

#: pulumi-gitlab also knows these names; GitLab refuses them for tokens.
UNASSIGNABLE_ACCESS_LEVELS: Final[Mapping[str, int]] = {"no one": 0, "minimal": 5}

ACCESS_LEVEL_NAMES: Final[Mapping[int, str]] = {v: k for k, v in ACCESS_LEVELS.items()}

DEFAULT_ACCESS_LEVEL: Final[str] = "maintainer"

#: GitLab's hard cap on a token's lifetime (``MAX_PERSONAL_ACCESS_TOKEN_LIFETIME_IN_DAYS``).
#: Instances can lower it (EE) or raise it to 400 (feature flag), hence configurable.
MAX_LIFETIME_DAYS: Final[int] = 365

#: What rotate gives a token when no ``expires_at`` is sent.
ROTATION_DEFAULT_DAYS: Final[int] = 7

NAME_MAX_LENGTH: Final[int] = 255
DESCRIPTION_MAX_LENGTH: Final[int] = 255

TOKEN_PREFIX: Final[str] = "glpat-"

#: Prefixes GitLab puts on the secrets it issues (``TOKEN_PREFIX`` first): personal,
#: project and group access tokens, deploy, runner, CI job, pipeline trigger, feed,
#: incoming mail, OAuth application secret, SCIM, agent, feature flag client and
#: workspace tokens. Error messages are scrubbed of anything carrying one.
TOKEN_PREFIXES: Final[tuple[str, ...]] = (
    TOKEN_PREFIX, "gldt-", "glrt-", "glcbt-", "glptt-", "glft-", "glimt-", "gloas-", "glsoat-",
    "glagent-", "glffct-", "glwt-",
)

#: Pulumi type tokens of our dynamic resources.
PROJECT_TOKEN_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:ProjectAccessToken"
GROUP_TOKEN_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:GroupAccessToken"
SERVICE_ACCOUNT_TOKEN_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:GroupServiceAccountAccessToken"
PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:ProjectServiceAccountAccessToken"
PERSONAL_TOKEN_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:PersonalAccessToken"
IMPERSONATION_TOKEN_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:UserImpersonationToken"
PROJECT_DEPLOY_TOKEN_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:ProjectDeployToken"
GROUP_DEPLOY_TOKEN_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:GroupDeployToken"
PIPELINE_TRIGGER_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:PipelineTrigger"
CLUSTER_AGENT_TOKEN_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:ClusterAgentToken"
PROJECT_RUNNER_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:ProjectRunner"
GROUP_RUNNER_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:GroupRunner"
#: A service account holds no secret of its own, so no token policy looks at it.
SERVICE_ACCOUNT_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:GroupServiceAccount"
PROJECT_SERVICE_ACCOUNT_TYPE: Final[str] = "pulumi-python:dynamic/gitlab:ProjectServiceAccount"

#: The native provider's type tokens (``gitlab-tokens:index:<Kind>``): the same resources, for every language.
NATIVE_TYPE_PREFIX: Final[str] = "gitlab-tokens:index:"


def native_type(dynamic_type: str) -> str:
    """The native provider's type token of one of our dynamic resources' (same name, same inputs)."""
    return NATIVE_TYPE_PREFIX + dynamic_type.rsplit(":", 1)[-1]


#: pulumi-gitlab's type tokens for the same things (same input names).
PULUMI_GITLAB_PROJECT_TOKEN_TYPE: Final[str] = "gitlab:index/projectAccessToken:ProjectAccessToken"
PULUMI_GITLAB_GROUP_TOKEN_TYPE: Final[str] = "gitlab:index/groupAccessToken:GroupAccessToken"
PULUMI_GITLAB_PERSONAL_TOKEN_TYPE: Final[str] = "gitlab:index/personalAccessToken:PersonalAccessToken"
PULUMI_GITLAB_SERVICE_ACCOUNT_TOKEN_TYPE: Final[str] = (
    "gitlab:index/groupServiceAccountAccessToken:GroupServiceAccountAccessToken"
)
PULUMI_GITLAB_PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE: Final[str] = (
    "gitlab:index/projectServiceAccountAccessToken:ProjectServiceAccountAccessToken"
)
#: pulumi-gitlab's project service account: no secret either, so no token policy looks at it.
PULUMI_GITLAB_PROJECT_SERVICE_ACCOUNT_TYPE: Final[str] = "gitlab:index/projectServiceAccount:ProjectServiceAccount"
PULUMI_GITLAB_IMPERSONATION_TOKEN_TYPE: Final[str] = "gitlab:index/userImpersonationToken:UserImpersonationToken"
PULUMI_GITLAB_PIPELINE_TRIGGER_TYPE: Final[str] = "gitlab:index/pipelineTrigger:PipelineTrigger"
PULUMI_GITLAB_CLUSTER_AGENT_TOKEN_TYPE: Final[str] = "gitlab:index/clusterAgentToken:ClusterAgentToken"
PULUMI_GITLAB_USER_RUNNER_TYPE: Final[str] = "gitlab:index/userRunner:UserRunner"
PULUMI_GITLAB_PROJECT_DEPLOY_TOKEN_TYPE: Final[str] = "gitlab:index/projectDeployToken:ProjectDeployToken"
PULUMI_GITLAB_GROUP_DEPLOY_TOKEN_TYPE: Final[str] = "gitlab:index/groupDeployToken:GroupDeployToken"
#: pulumi-gitlab's older deploy token for a project *or* a group (removed upstream in 19.0).
PULUMI_GITLAB_DEPLOY_TOKEN_TYPE: Final[str] = "gitlab:index/deployToken:DeployToken"

#: How a token type renews itself (``TokenType.rotation``):
#: ``rotation_configuration`` rotates the token in place (same id family, same user);
ROTATES_IN_PLACE: Final[str] = "rotates"
#: ``rotation_configuration``'s window replaces the token (GitLab has no rotate API for it);
ROTATION_REPLACES: Final[str] = "replaces"
#: the resource has no ``rotation_configuration``: only a new ``expires_at`` renews it.
NO_ROTATION_INPUT: Final[str] = "none"
#: GitLab keeps no expiry for the token (pipeline triggers, agent tokens): it lives until it is deleted.
NO_EXPIRY: Final[str] = "never"


@dataclass(frozen=True)
class TokenType:
    """What GitLab and the resource's schema allow for one token resource type: a row of the policy
    pack's table, which ``make pack`` writes from the kinds' declarations (``TokenKind.token_type``)."""

    #: The kind's name in messages ("deploy token").
    label: str
    #: Scopes GitLab accepts for this kind.
    scopes: tuple[str, ...]
    #: Inputs that name the token's parent, with the parent's kind, in the order they are
    #: read; the first one set is the parent (pulumi-gitlab's DeployToken takes either).
    parents: tuple[tuple[str, str], ...]
    #: Tokens whose names GitLab lists together: tokens of one family and parent must be
    #: told apart by name (a user's personal, service-account and impersonation tokens
    #: are all that user's personal access tokens).
    family: str
    #: Whether the token has a role (``access_level``).
    has_access_level: bool
    #: Whether the resource has a ``description`` input: deploy tokens have none in GitLab,
    #: and pulumi-gitlab's service-account and impersonation tokens none in its schema.
    has_description: bool
    #: ROTATES_IN_PLACE, ROTATION_REPLACES, NO_ROTATION_INPUT or NO_EXPIRY.
    rotation: str
    #: Whether GitLab deletes the token and its bot user some days after it became
    #: inactive (``inactive_resource_access_tokens_delete_after_days``): project and
    #: group access tokens only.
    retention_deletes: bool


def access_level_value(level: str | int) -> int:
    """Return GitLab's number for an access level given by name or number.

    Raises ``ValueError`` naming the accepted values when ``level`` is not one.
    """
    if isinstance(level, bool):
        raise ValueError(_bad_level_message(level))
    if isinstance(level, int):
        if level in ACCESS_LEVEL_NAMES:
            return level
        raise ValueError(_bad_level_message(level))
    if isinstance(level, str):
        key = level.strip().lower().replace("-", "_")
        if key in ACCESS_LEVELS:
            return ACCESS_LEVELS[key]
        if key.isdigit() and int(key) in ACCESS_LEVEL_NAMES:
            return int(key)
    raise ValueError(_bad_level_message(level))


def access_level_name(level: str | int) -> str:
    """Return the canonical name (``"developer"``) of an access level."""
    return ACCESS_LEVEL_NAMES[access_level_value(level)]


#: The access levels a token may have, as error messages list them.
ACCESS_LEVEL_CHOICES: Final[str] = ", ".join(f"{name} ({value})" for name, value in ACCESS_LEVELS.items())


def _bad_level_message(level: object) -> str:
    return f"{level!r} is not an access level GitLab accepts for tokens; use one of: {ACCESS_LEVEL_CHOICES}"


def may_assign(caller_level: int, token_level: int) -> bool:
    """Whether a member at ``caller_level`` may give a token ``token_level``.

    GitLab's "encompasses" rule: Owners may assign anything; a role outside the
    hierarchy (:data:`NON_HIERARCHY_LEVELS`) only its own holders and Owners,
    whatever its number; any other level whoever has that level or a higher one.
    """
    if caller_level >= ACCESS_LEVELS["owner"]:
        return True
    if token_level in NON_HIERARCHY_LEVELS:
        return caller_level == token_level
    return token_level <= caller_level


def invalid_scopes(scopes: object, valid: tuple[str, ...] = RESOURCE_TOKEN_SCOPES) -> list[str]:
    """Return the entries of ``scopes`` that are not in ``valid`` (as strings)."""
    if not isinstance(scopes, (list, tuple)):
        return []
    return [str(s) for s in scopes if s not in valid]
