"""Every policy on the kinds after project and group access tokens: personal, service-account,
impersonation and deploy tokens, ours (snake_case) and pulumi-gitlab's (camelCase).

Each kind is judged by its own facts (the pack's ``TOKEN_TYPES``, generated from the kinds' declarations):
its scope list, whether it has a role and a description, how it renews and what its parent is.
"""

from __future__ import annotations

import pytest
from gitlab_token_policies.access_level import token_access_level
from gitlab_token_policies.description import token_description
from gitlab_token_policies.expiring import token_expiring
from gitlab_token_policies.lifetime import token_lifetime
from gitlab_token_policies.naming import token_name
from gitlab_token_policies.rotation import token_rotation
from gitlab_token_policies.scopes import token_scopes
from gitlab_token_policies.tokens import TOKEN_TYPES
from gitlab_token_policies.unique_names import token_unique_names
from policy_harness import (
    ALL_TOKEN_TYPES,
    DEPLOY_TOKEN_TYPES,
    EXPIRING_TOKEN_TYPES,
    NEW_TOKEN_TYPES,
    RESOURCE_TOKEN_TYPES,
    UNKNOWN,
    USER_TOKEN_TYPES,
    days_from_today,
    read_field,
    remediate,
    spelled_for,
    token_props,
    validate,
    validate_stack,
    with_provider,
)

from pulumi_gitlab_tokens.common import catalogue

TYPES = TOKEN_TYPES
#: Kinds whose resource has no rotation_configuration (pulumi-gitlab's deploy and impersonation tokens).
WITHOUT_ROTATION = tuple(t for t in NEW_TOKEN_TYPES if TYPES[t].rotation == catalogue.NO_ROTATION_INPUT)
#: Our deploy and impersonation tokens: their rotation window replaces them.
REPLACED_BY_ROTATION = tuple(t for t in NEW_TOKEN_TYPES if TYPES[t].rotation == catalogue.ROTATION_REPLACES)
#: Personal and service-account tokens that rotate in place.
ROTATED_IN_PLACE = tuple(t for t in NEW_TOKEN_TYPES if TYPES[t].rotation == catalogue.ROTATES_IN_PLACE)
SERVICE_ACCOUNT_TYPES = tuple(t for t in USER_TOKEN_TYPES if TYPES[t].label == "service account token")
PERSONAL_SCOPED_TYPES = tuple(t for t in USER_TOKEN_TYPES if t not in SERVICE_ACCOUNT_TYPES)


def test_the_catalogue_covers_every_kind_both_providers_have() -> None:
    ours = {t for t in TYPES if t.startswith("pulumi-python:dynamic/gitlab:")}
    assert {t.rsplit(":", 1)[1] for t in ours} == {
        "ProjectAccessToken", "GroupAccessToken", "GroupServiceAccountAccessToken", "PersonalAccessToken",
        "ProjectDeployToken", "GroupDeployToken", "PipelineTrigger", "UserImpersonationToken",
        "ProjectServiceAccountAccessToken", "ClusterAgentToken", "ProjectRunner", "GroupRunner",
    }
    for account in (catalogue.SERVICE_ACCOUNT_TYPE, catalogue.PROJECT_SERVICE_ACCOUNT_TYPE,
                    catalogue.PULUMI_GITLAB_PROJECT_SERVICE_ACCOUNT_TYPE):
        assert account not in TYPES, "a service account holds no secret"
    assert {t.rsplit(":", 1)[1] for t in TYPES if t.startswith("gitlab:index/")} == {
        "ProjectAccessToken", "GroupAccessToken", "PersonalAccessToken", "GroupServiceAccountAccessToken",
        "ProjectServiceAccountAccessToken", "UserImpersonationToken", "ProjectDeployToken", "GroupDeployToken",
        "DeployToken", "PipelineTrigger", "ClusterAgentToken", "UserRunner",
    }


def test_scope_lists_follow_gitlab() -> None:
    assert set(catalogue.DEPLOY_TOKEN_SCOPES) == {
        "read_repository", "read_registry", "write_registry", "read_package_registry", "write_package_registry",
        "read_virtual_registry", "write_virtual_registry",
    }
    for admin_scope in ("sudo", "admin_mode", "read_service_ping"):
        assert admin_scope in catalogue.PERSONAL_TOKEN_SCOPES
        assert admin_scope not in catalogue.SERVICE_ACCOUNT_TOKEN_SCOPES
        assert admin_scope not in catalogue.RESOURCE_TOKEN_SCOPES
    assert "read_user" in catalogue.SERVICE_ACCOUNT_TOKEN_SCOPES
    assert catalogue.ALL_SCOPES == set(catalogue.PERSONAL_TOKEN_SCOPES) | set(catalogue.DEPLOY_TOKEN_SCOPES)


@pytest.fixture(params=NEW_TOKEN_TYPES)
def new_kind(request: pytest.FixtureRequest) -> str:
    """A personal, service-account, impersonation or deploy token type, ours or pulumi-gitlab's."""
    return request.param


@pytest.mark.parametrize(
    "policy",
    [token_scopes, token_lifetime, token_rotation, token_access_level, token_description, token_name],
    ids=lambda p: p.name,
)
def test_a_compliant_token_of_every_new_kind_passes(policy, new_kind) -> None:
    assert validate(policy, new_kind, token_props(new_kind), {"pattern": "[a-z-]+"}).violations == []


# --- scopes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", DEPLOY_TOKEN_TYPES)
def test_deploy_tokens_have_their_own_scope_list(resource_type) -> None:
    outcome = validate(token_scopes, resource_type, token_props(resource_type, scopes=["read_api", "write_repository"]))
    assert len(outcome.violations) == 1
    message = outcome.violations[0]
    assert "deploy token cannot have: read_api, write_repository" in message
    assert ", ".join(catalogue.DEPLOY_TOKEN_SCOPES) in message
    package_scopes = ["read_package_registry", "write_package_registry", "write_registry"]
    assert validate(token_scopes, resource_type, token_props(resource_type, scopes=package_scopes)).passed


@pytest.mark.parametrize("resource_type", DEPLOY_TOKEN_TYPES)
def test_api_on_a_deploy_token_is_a_scope_of_the_wrong_kind_even_if_not_forbidden(resource_type) -> None:
    outcome = validate(token_scopes, resource_type, token_props(resource_type, scopes=["api"]), {"forbiddenScopes": []})
    assert "cannot have: api" in outcome.violations[0]


def test_package_registry_scopes_are_not_access_token_scopes(kind) -> None:
    outcome = validate(token_scopes, kind, token_props(kind, scopes=["read_package_registry"]))
    assert "access token cannot have: read_package_registry" in outcome.violations[0]


@pytest.mark.parametrize("resource_type", PERSONAL_SCOPED_TYPES)
def test_sudo_and_admin_mode_are_personal_token_scopes(resource_type) -> None:
    props = token_props(resource_type, scopes=["read_api", "sudo", "admin_mode"])
    outcome = validate(token_scopes, resource_type, props)
    assert outcome.violations == ["Forbidden scopes: sudo, admin_mode (forbiddenScopes). Remove them and grant "
                                  "the narrowest scopes the job needs, e.g. read_api or read_repository."]
    assert validate(token_scopes, resource_type, props, {"forbiddenScopes": []}).passed


@pytest.mark.parametrize("resource_type", SERVICE_ACCOUNT_TYPES + tuple(RESOURCE_TOKEN_TYPES))
def test_sudo_and_admin_mode_are_not_scopes_of_service_account_or_access_tokens(resource_type) -> None:
    props = token_props(resource_type, scopes=["read_api", "sudo", "admin_mode"])
    outcome = validate(token_scopes, resource_type, props, {"forbiddenScopes": []})
    assert len(outcome.violations) == 1 and "cannot have: sudo, admin_mode" in outcome.violations[0]


@pytest.mark.parametrize("resource_type", SERVICE_ACCOUNT_TYPES)
def test_read_user_is_a_service_account_token_scope(resource_type) -> None:
    assert validate(token_scopes, resource_type, token_props(resource_type, scopes=["read_user"])).passed


@pytest.mark.parametrize("resource_type", DEPLOY_TOKEN_TYPES)
def test_use_only_lists_the_allowed_scopes_of_the_kind(resource_type) -> None:
    config = {"allowedScopes": ["read_api", "read_repository"]}
    outcome = validate(token_scopes, resource_type, token_props(resource_type, scopes=["read_registry"]), config)
    assert outcome.violations == ["Scopes not in allowedScopes: read_registry. Use only: read_repository."]


@pytest.mark.parametrize("resource_type", DEPLOY_TOKEN_TYPES + SERVICE_ACCOUNT_TYPES)
def test_remediation_drops_scopes_of_the_wrong_kind(resource_type) -> None:
    props = with_provider(token_props(resource_type, scopes=["sudo", "read_repository", "api"]))
    fixed = remediate(token_scopes, resource_type, props, {"forbiddenScopes": []})
    expected = ["read_repository"] if resource_type in DEPLOY_TOKEN_TYPES else ["read_repository", "api"]
    assert read_field(fixed, "scopes") == expected


# --- lifetime -----------------------------------------------------------------------------------


def test_lifetime_limit_holds_for_every_new_kind(new_kind) -> None:
    outcome = validate(token_lifetime, new_kind, token_props(new_kind, expires_at=days_from_today(120)))
    assert "120 days from today" in outcome.violations[0]
    mentions_rotation = "rotation_configuration" in outcome.violations[0]
    assert mentions_rotation == (new_kind not in WITHOUT_ROTATION)


def test_a_token_that_never_expires_is_told_what_its_kind_can_set(new_kind) -> None:
    outcome = validate(token_lifetime, new_kind, token_props(new_kind, expires_at=None))
    assert "never expires" in outcome.violations[0]
    assert ("expiration_days" in outcome.violations[0]) == (new_kind not in WITHOUT_ROTATION)


@pytest.mark.parametrize("resource_type", DEPLOY_TOKEN_TYPES)
def test_deploy_token_timestamps_are_judged_and_clamped_in_their_own_format(resource_type) -> None:
    props = token_props(resource_type, expires_at=days_from_today(200) + "T12:00:00.000Z")
    assert validate(token_lifetime, resource_type, props).violations
    fixed = remediate(token_lifetime, resource_type, with_provider(props))
    assert read_field(fixed, "expires_at") == days_from_today(90) + "T12:00:00.000Z"
    assert validate(token_lifetime, resource_type, token_props(resource_type, expires_at=fixed["expiresAt" if
                    "expiresAt" in fixed else "expires_at"])).passed


@pytest.mark.parametrize("resource_type", REPLACED_BY_ROTATION + ROTATED_IN_PLACE)
def test_expiration_days_is_the_lifetime_where_the_kind_has_rotation(resource_type) -> None:
    rotation = {"expiration_days": 365, "rotate_before_days": 7}
    props = token_props(resource_type, expires_at=None, rotation_configuration=rotation)
    assert "expiration_days is 365" in validate(token_lifetime, resource_type, props).violations[0]
    fixed = remediate(token_lifetime, resource_type, with_provider(props))
    assert read_field(fixed, "rotation_configuration", "expiration_days") == 90


# --- rotation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", WITHOUT_ROTATION)
def test_kinds_without_rotation_input_need_an_expiry_when_rotation_is_required(resource_type) -> None:
    outcome = validate(token_rotation, resource_type, token_props(resource_type))
    assert outcome.violations == [] and "cannot rotate automatically" in outcome.not_applicable
    assert validate(token_rotation, resource_type, token_props(resource_type), {"required": True}).passed
    outcome = validate(token_rotation, resource_type, token_props(resource_type, expires_at=None), {"required": True})
    assert "must at least expire: set expires_at" in outcome.violations[0]
    deploy = resource_type in DEPLOY_TOKEN_TYPES
    assert ("GitLab has no rotate API for deploy tokens" in outcome.violations[0]) == deploy
    unknown = validate(token_rotation, resource_type, token_props(resource_type, expires_at=UNKNOWN), {"required": True})
    assert unknown.violations == [] and "unknown" in unknown.not_applicable


@pytest.mark.parametrize("resource_type", REPLACED_BY_ROTATION)
def test_our_deploy_and_impersonation_tokens_rotation_window_means_replacement(resource_type) -> None:
    good = {"expiration_days": 30, "rotate_before_days": 7}
    assert validate(token_rotation, resource_type, token_props(resource_type, rotation_configuration=good)).passed
    short = {"expiration_days": 30, "rotate_before_days": 2}
    outcome = validate(token_rotation, resource_type, token_props(resource_type, rotation_configuration=short))
    assert "rotate_before_days is 2" in outcome.violations[0]
    assert f"For {TYPES[resource_type].label}s the rotation window means replacement" in outcome.violations[0]
    missing = validate(token_rotation, resource_type, token_props(resource_type), {"required": True})
    assert "no rotation_configuration" in missing.violations[0] and "replacement" in missing.violations[0]
    every_update = {"expiration_days": 7, "rotate_before_days": 7}
    outcome = validate(token_rotation, resource_type, token_props(resource_type, rotation_configuration=every_update))
    assert "would be replaced on every update" in outcome.violations[0]


@pytest.mark.parametrize("resource_type", ROTATED_IN_PLACE)
def test_personal_and_service_account_tokens_rotate_in_place(resource_type) -> None:
    short = {"expiration_days": 30, "rotate_before_days": 2}
    outcome = validate(token_rotation, resource_type, token_props(resource_type, rotation_configuration=short))
    assert "rotate_before_days is 2" in outcome.violations[0] and "replacement" not in outcome.violations[0]
    missing = validate(token_rotation, resource_type, token_props(resource_type), {"required": True})
    assert "no rotation_configuration" in missing.violations[0]


# --- access level, description, name -------------------------------------------------------------


def test_new_kinds_have_no_access_level(new_kind) -> None:
    outcome = validate(token_access_level, new_kind, token_props(new_kind, access_level="owner"))
    assert outcome.violations == []
    assert outcome.not_applicable == f"a {TYPES[new_kind].label} has no access level"


#: pulumi-gitlab's token types without a description input (its 10.x schema).
WITHOUT_DESCRIPTION_INPUT = (
    catalogue.PULUMI_GITLAB_SERVICE_ACCOUNT_TOKEN_TYPE,
    catalogue.PULUMI_GITLAB_PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE,
    catalogue.PULUMI_GITLAB_IMPERSONATION_TOKEN_TYPE,
)


def test_description_is_judged_where_the_kind_has_one(new_kind) -> None:
    outcome = validate(token_description, new_kind, token_props(new_kind, description=""))
    if new_kind in DEPLOY_TOKEN_TYPES:
        assert outcome.violations == [] and "deploy token has no description in GitLab" in outcome.not_applicable
    elif new_kind in WITHOUT_DESCRIPTION_INPUT:
        assert outcome.violations == [] and "no description in this resource type's" in outcome.not_applicable
    else:  # ours (personal, service account) and pulumi-gitlab's PersonalAccessToken
        assert "no description" in outcome.violations[0]


def test_naming_pattern_holds_for_every_new_kind(new_kind) -> None:
    outcome = validate(token_name, new_kind, token_props(new_kind, name="Bad Name"), {"pattern": "[a-z-]+"})
    assert "'Bad Name' does not match" in outcome.violations[0]


# --- expiring (outputs) -------------------------------------------------------------------------


def outputs(resource_type: str, **overrides) -> dict:
    """Outputs of a created token of its kind expiring in 10 days: deploy tokens report `expired`,
    the others `active`."""
    props = {"name": "ci-deploy", "expires_at": days_from_today(10), "revoked": False}
    if resource_type in DEPLOY_TOKEN_TYPES:
        props["expired"] = False
    else:
        props["active"] = True
    if TYPES[resource_type].rotation != catalogue.NO_ROTATION_INPUT:
        props["rotation_configuration"] = None
    props.update(overrides)
    return spelled_for(resource_type, props)


def test_expiring_soon_is_reported_with_the_kinds_way_to_renew(new_kind) -> None:
    reported = validate_stack(token_expiring, [(new_kind, "t", outputs(new_kind))])
    assert len(reported) == 1 and "in 10 days" in reported[0][0]
    message = reported[0][0]
    if new_kind in WITHOUT_ROTATION:
        assert "cannot rotate: give it a new expires_at (which replaces it)" in message
    elif new_kind in REPLACED_BY_ROTATION:
        assert f"GitLab cannot rotate {TYPES[new_kind].label}s, so its rotation window replaces it" in message
    else:
        assert "Rotate it now, or add rotation_configuration." in message


@pytest.mark.parametrize("resource_type", DEPLOY_TOKEN_TYPES)
def test_deploy_token_state_outputs(resource_type) -> None:
    expired = validate_stack(token_expiring, [(resource_type, "t", outputs(resource_type, expired=True,
                                                                          expires_at=days_from_today(-3)))])
    assert "3 days ago" in expired[0][0]
    assert validate_stack(token_expiring, [(resource_type, "t", outputs(resource_type, revoked=True))]) == []
    not_created = outputs(resource_type)
    del not_created["expired"]
    assert validate_stack(token_expiring, [(resource_type, "t", not_created)]) == []


@pytest.mark.parametrize("resource_type", REPLACED_BY_ROTATION + ROTATED_IN_PLACE)
def test_tokens_that_renew_themselves_are_not_reported(resource_type) -> None:
    rotation = {"expiration_days": 30, "rotate_before_days": 7}
    props = outputs(resource_type, rotation_configuration=rotation)
    assert validate_stack(token_expiring, [(resource_type, "t", props)]) == []


def test_retention_only_deletes_access_tokens(new_kind, kind) -> None:
    """40 days after expiry an access token's family is gone; other kinds are never deleted by it."""
    long_expired = {"expires_at": days_from_today(-40)}
    reported = validate_stack(token_expiring, [(new_kind, "t", outputs(new_kind, **long_expired))])
    assert all("retention" not in message for message, _ in reported)
    access = spelled_for(kind, {"name": "a", "expires_at": days_from_today(-40), "active": False, "revoked": False})
    assert "past GitLab's retention window" in validate_stack(token_expiring, [(kind, "a", access)])[0][0]


# --- unique names -------------------------------------------------------------------------------


def stack_token(resource_type: str, resource_name: str, **overrides) -> tuple[str, str, dict]:
    return resource_type, resource_name, token_props(resource_type, **overrides)


@pytest.mark.parametrize("first", USER_TOKEN_TYPES)
@pytest.mark.parametrize("second", USER_TOKEN_TYPES)
def test_a_users_tokens_clash_whatever_their_kind(first, second) -> None:
    reported = validate_stack(token_unique_names, [stack_token(first, "first"), stack_token(second, "second")])
    assert len(reported) == 1
    assert "'first' and 'second'" in reported[0][0]
    assert "in user 42 among its personal access tokens" in reported[0][0]
    other_user = [stack_token(first, "first"), stack_token(second, "second", user_id=43)]
    assert validate_stack(token_unique_names, other_user) == []


@pytest.mark.parametrize("resource_type", SERVICE_ACCOUNT_TYPES)
def test_service_account_tokens_are_grouped_by_user_not_by_group(resource_type) -> None:
    home = "project" if "project" in resource_type.lower() else "group"
    resources = [stack_token(resource_type, "first"), stack_token(resource_type, "second", **{home: "elsewhere"})]
    assert len(validate_stack(token_unique_names, resources)) == 1


PROJECT_DEPLOY = (catalogue.PROJECT_DEPLOY_TOKEN_TYPE, catalogue.PULUMI_GITLAB_PROJECT_DEPLOY_TOKEN_TYPE)
GROUP_DEPLOY = (catalogue.GROUP_DEPLOY_TOKEN_TYPE, catalogue.PULUMI_GITLAB_GROUP_DEPLOY_TOKEN_TYPE)
GENERIC_DEPLOY = catalogue.PULUMI_GITLAB_DEPLOY_TOKEN_TYPE


@pytest.mark.parametrize("resource_type", PROJECT_DEPLOY + GROUP_DEPLOY)
def test_deploy_tokens_clash_in_their_project_or_group(resource_type) -> None:
    parent = "project" if resource_type in PROJECT_DEPLOY else "group"
    generic = stack_token(GENERIC_DEPLOY, "second", **{"project": None, parent: token_props(resource_type)[parent]})
    reported = validate_stack(token_unique_names, [stack_token(resource_type, "first"), generic])
    assert len(reported) == 1
    assert f"in {parent} " in reported[0][0] and "among its deploy tokens" in reported[0][0]
    moved = stack_token(resource_type, "second", **{parent: "acme/other"})
    assert validate_stack(token_unique_names, [stack_token(resource_type, "first"), moved]) == []


def test_ours_and_pulumi_gitlabs_deploy_tokens_clash() -> None:
    ours, theirs = PROJECT_DEPLOY
    reported = validate_stack(token_unique_names, [stack_token(ours, "first"), stack_token(theirs, "second")])
    assert len(reported) == 1


def test_deploy_and_access_tokens_of_one_project_may_share_a_name() -> None:
    resources = [stack_token(catalogue.PROJECT_TOKEN_TYPE, "first"),
                 stack_token(catalogue.PROJECT_DEPLOY_TOKEN_TYPE, "second")]
    assert validate_stack(token_unique_names, resources) == []


def test_a_deploy_tokens_unknown_parent_leaves_it_out() -> None:
    resources = [stack_token(GENERIC_DEPLOY, "first"), stack_token(GENERIC_DEPLOY, "second", project=UNKNOWN),
                 stack_token(GENERIC_DEPLOY, "third")]
    reported = validate_stack(token_unique_names, resources)
    assert len(reported) == 1 and "'first' and 'third'" in reported[0][0]


@pytest.mark.parametrize("resource_type", EXPIRING_TOKEN_TYPES)
def test_an_rfc3339_expiry_is_judged_by_the_utc_date_it_names(resource_type) -> None:
    """pulumi-gitlab writes deploy tokens' expiresAt in RFC 3339; an offset moves the UTC date."""
    inside = token_props(resource_type, expires_at=days_from_today(90) + "T00:00:00Z")
    assert validate(token_lifetime, resource_type, inside).passed
    # 01:00 on day 91 at +02:00 is 23:00 UTC on day 90: inside.
    assert validate(token_lifetime, resource_type,
                    token_props(resource_type, expires_at=days_from_today(91) + "T01:00:00+02:00")).passed
    outside = token_props(resource_type, expires_at=days_from_today(91) + "T00:00:00Z")
    assert "91 days from today" in validate(token_lifetime, resource_type, outside).violations[0]


@pytest.mark.parametrize("resource_type", EXPIRING_TOKEN_TYPES)
@pytest.mark.parametrize("unreadable", ["next spring", "2027-02-30", "2027-02-05T00:00:00", "20270205"])
def test_an_expiry_that_cannot_be_read_is_judged_unreadable_not_absent(resource_type, unreadable) -> None:
    outcome = validate(token_lifetime, resource_type, token_props(resource_type, expires_at=unreadable))
    assert outcome.violations == []
    assert "cannot be read as a date" in outcome.not_applicable and "never expires" not in outcome.not_applicable


@pytest.mark.parametrize("resource_type", [catalogue.PIPELINE_TRIGGER_TYPE, catalogue.PULUMI_GITLAB_PIPELINE_TRIGGER_TYPE])
def test_a_pipeline_trigger_is_judged_by_what_it_has(resource_type: str) -> None:
    """No expiry, scopes or name: the expiry policies say why they do not apply; its description is judged."""
    for policy in (token_lifetime, token_rotation):
        outcome = validate(policy, resource_type, token_props(resource_type),
                           config={"requireExpiry": True} if policy is token_lifetime else {"required": True})
        assert outcome.violations == []
        assert "GitLab keeps no expiry for a pipeline trigger token" in (outcome.not_applicable or "")
    blank = validate(token_description, resource_type, token_props(resource_type, description=""))
    assert blank.violations, "a trigger without a description is judged as any token's"


# --- impersonation tokens: ours and pulumi-gitlab's ----------------------------------------------------

IMPERSONATION_TYPES = (catalogue.IMPERSONATION_TOKEN_TYPE, catalogue.PULUMI_GITLAB_IMPERSONATION_TOKEN_TYPE)
#: Inputs each face may be given, and the policy that must object to them.
_IMPERSONATION_CASES = {
    "admin scopes": (dict(scopes=["read_api", "sudo", "admin_mode"]), token_scopes),
    "a scope of deploy tokens": (dict(scopes=["read_package_registry"]), token_scopes),
    "too long a life": (dict(expires_at=days_from_today(200)), token_lifetime),
    "never expires": (dict(expires_at=None), token_lifetime),
    "a bad name": (dict(name="Bad Name"), token_name),
    "a role": (dict(access_level="owner"), None),
}


@pytest.mark.parametrize("case", _IMPERSONATION_CASES, ids=str)
@pytest.mark.parametrize(
    "policy", [token_scopes, token_lifetime, token_name, token_access_level], ids=lambda p: p.name)
def test_ours_and_pulumi_gitlabs_impersonation_tokens_are_judged_alike(policy, case) -> None:
    overrides, objecting = _IMPERSONATION_CASES[case]
    ours, theirs = (validate(policy, t, token_props(t, **overrides), {"pattern": "[a-z-]+"})
                    for t in IMPERSONATION_TYPES)
    # The same verdict in the same words; ours may add that rotation_configuration is a way out.
    assert len(ours.violations) == len(theirs.violations)
    assert all(mine.startswith(its.rstrip(".")) for mine, its in zip(ours.violations, theirs.violations))
    assert bool(ours.violations) == (policy is objecting), f"{policy.name} on {case}: {ours.violations}"


@pytest.mark.parametrize("resource_type", IMPERSONATION_TYPES)
def test_sudo_and_admin_mode_on_an_impersonation_token_are_forbidden_by_default_and_remediated(resource_type) -> None:
    props = token_props(resource_type, scopes=["read_api", "sudo", "admin_mode"])
    outcome = validate(token_scopes, resource_type, props)
    assert outcome.violations == ["Forbidden scopes: sudo, admin_mode (forbiddenScopes). Remove them and grant "
                                  "the narrowest scopes the job needs, e.g. read_api or read_repository."]
    fixed = remediate(token_scopes, resource_type, with_provider(props))
    assert read_field(fixed, "scopes") == ["read_api"]
    assert validate(token_scopes, resource_type, props, {"forbiddenScopes": []}).passed


def test_our_impersonation_token_has_a_description_and_rotation_pulumi_gitlabs_has_neither() -> None:
    ours, theirs = catalogue.IMPERSONATION_TOKEN_TYPE, catalogue.PULUMI_GITLAB_IMPERSONATION_TOKEN_TYPE
    assert "no description" in validate(token_description, ours, token_props(ours, description="")).violations[0]
    rotation = {"expiration_days": 30, "rotate_before_days": 7}
    assert validate(token_rotation, ours, token_props(ours, rotation_configuration=rotation)).passed
    required = validate(token_rotation, theirs, token_props(theirs, expires_at=None), {"required": True})
    assert "cannot rotate automatically" in required.violations[0]


#: Each project service account token type with the group type it must be judged like.
PROJECT_AND_GROUP_ACCOUNT_TOKENS = [
    (catalogue.PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE, catalogue.SERVICE_ACCOUNT_TOKEN_TYPE),
    (catalogue.native_type(catalogue.PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE),
     catalogue.native_type(catalogue.SERVICE_ACCOUNT_TOKEN_TYPE)),
    (catalogue.PULUMI_GITLAB_PROJECT_SERVICE_ACCOUNT_TOKEN_TYPE, catalogue.PULUMI_GITLAB_SERVICE_ACCOUNT_TOKEN_TYPE),
]
#: Tokens each policy has something to say about (snake_case; respelled for pulumi-gitlab's types).
JUDGED = [
    {}, {"scopes": ["sudo", "read_api"]}, {"scopes": ["read_user"]}, {"expires_at": None},
    {"expires_at": days_from_today(400)}, {"description": ""}, {"name": "x"}, {"access_level": "owner"},
    {"rotation_configuration": {"expiration_days": 30, "rotate_before_days": 1}},
]


@pytest.mark.parametrize("project_type, group_type", PROJECT_AND_GROUP_ACCOUNT_TOKENS,
                         ids=lambda t: t.rsplit(":", 1)[0])
@pytest.mark.parametrize("policy", [token_scopes, token_lifetime, token_rotation, token_access_level,
                                    token_description, token_name], ids=lambda p: p.name)
def test_a_project_service_account_token_is_judged_like_a_group_one(project_type, group_type, policy) -> None:
    assert TYPES[project_type].label == TYPES[group_type].label == "service account token"
    for overrides in JUDGED:
        project = validate(policy, project_type, token_props(project_type, **overrides), {"required": True})
        group = validate(policy, group_type, token_props(group_type, **overrides), {"required": True})
        assert (project.violations, project.not_applicable) == (group.violations, group.not_applicable), overrides


AGENT_TOKEN_TYPES = (catalogue.CLUSTER_AGENT_TOKEN_TYPE, catalogue.native_type(catalogue.CLUSTER_AGENT_TOKEN_TYPE),
                     catalogue.PULUMI_GITLAB_CLUSTER_AGENT_TOKEN_TYPE)


RUNNER_TYPES = (catalogue.PROJECT_RUNNER_TYPE, catalogue.GROUP_RUNNER_TYPE,
                catalogue.native_type(catalogue.PROJECT_RUNNER_TYPE), catalogue.PULUMI_GITLAB_USER_RUNNER_TYPE)


@pytest.mark.parametrize(("resource_type", "label"), [(t, "cluster agent token") for t in AGENT_TOKEN_TYPES]
                         + [(t, "runner authentication token") for t in RUNNER_TYPES])
def test_a_token_without_expiry_or_scopes_is_judged_by_what_it_has(resource_type: str, label: str) -> None:
    """No expiry and no scopes (agent tokens, runners): the expiry and scope policies say why they do not apply,
    naming the kind; its description is judged."""
    for policy in (token_lifetime, token_rotation):
        outcome = validate(policy, resource_type, token_props(resource_type),
                           config={"requireExpiry": True} if policy is token_lifetime else {"required": True})
        assert outcome.violations == []
        assert f"GitLab keeps no expiry for a {label}" in (outcome.not_applicable or "")
    assert "sets no scopes" in (validate(token_scopes, resource_type, token_props(resource_type)).not_applicable or "")
    assert validate(token_description, resource_type, token_props(resource_type, description="")).violations
    assert not validate(token_description, resource_type, token_props(resource_type)).violations


@pytest.mark.parametrize("resource_type", AGENT_TOKEN_TYPES)
def test_an_agent_tokens_name_is_judged(resource_type: str) -> None:
    assert validate(token_name, resource_type, token_props(resource_type, name="Bad Name"),
                    config={"pattern": "[a-z-]+"}).violations


@pytest.mark.parametrize("resource_type", AGENT_TOKEN_TYPES)
def test_agent_tokens_share_a_name_only_within_one_agent(resource_type: str) -> None:
    """GitLab lists an agent's tokens apart: one name on two agents of a project is no clash, on one agent it is."""
    first = (resource_type, "first", token_props(resource_type, agent_id=7))
    assert validate_stack(token_unique_names, [first, (resource_type, "second", token_props(resource_type,
                                                                                            agent_id=8))]) == []
    (reported,) = validate_stack(token_unique_names, [first, (resource_type, "second", token_props(resource_type,
                                                                                                 agent_id=7.0))])
    assert "'first' and 'second'" in reported[0] and "in agent 7 among its tokens" in reported[0]
