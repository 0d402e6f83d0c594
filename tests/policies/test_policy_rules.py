"""Each resource policy on its own: pass, violation, unknown at preview, excluded.

Every case runs for our dynamic resources (snake_case inputs) and for
pulumi-gitlab's (camelCase inputs), built and wrapped as the engine does.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

import gitlab_token_policies as pack
from policy_harness import (
    RESOURCE_TOKEN_TYPES,
    UNKNOWN,
    days_from_today,
    token_props,
    validate,
    validate_stack,
)
from pulumi_gitlab_tokens import catalogue

PERSONAL = catalogue.PULUMI_GITLAB_PERSONAL_TOKEN_TYPE
ALL_TOKEN_TYPES = RESOURCE_TOKEN_TYPES + (PERSONAL,)

RESOURCE_POLICIES = [p for p in pack.POLICIES if isinstance(p, pack.ResourceValidationPolicy)]


@pytest.fixture(params=RESOURCE_TOKEN_TYPES)
def kind(request: pytest.FixtureRequest) -> str:
    """A project or group token type, ours or pulumi-gitlab's."""
    return request.param


@pytest.fixture(params=ALL_TOKEN_TYPES)
def any_kind(request: pytest.FixtureRequest) -> str:
    return request.param


# --- shared behaviour --------------------------------------------------------


@pytest.mark.parametrize("policy", RESOURCE_POLICIES, ids=lambda p: p.name)
def test_compliant_token_has_no_violations(policy, any_kind) -> None:
    outcome = validate(policy, any_kind, token_props(any_kind))
    assert outcome.violations == []


@pytest.mark.parametrize("policy", RESOURCE_POLICIES, ids=lambda p: p.name)
def test_other_resource_types_are_ignored(policy) -> None:
    props = {"scopes": ["api"], "expires_at": None, "description": ""}
    outcome = validate(policy, "gitlab:index/project:Project", props)
    assert outcome.passed


@pytest.mark.parametrize("policy", RESOURCE_POLICIES, ids=lambda p: p.name)
def test_excluded_resource_is_skipped(policy, kind) -> None:
    bad = token_props(
        kind,
        scopes=["api"],
        expires_at=None,
        access_level="owner",
        description="",
        name="Bad Name",
    )
    config = {"exclude": ["^legacy-"], "pattern": "[a-z-]+", "required": True}
    outcome = validate(policy, kind, bad, config, name="legacy-ci")
    assert outcome.violations == []
    assert outcome.not_applicable is not None
    assert "legacy-ci" in outcome.not_applicable and "^legacy-" in outcome.not_applicable


@pytest.mark.parametrize("policy", RESOURCE_POLICIES, ids=lambda p: p.name)
def test_exclude_that_does_not_match_still_checks(policy, kind) -> None:
    bad = token_props(kind, scopes=["api"], expires_at=None, access_level="owner", description="", name="X")
    config = {"exclude": ["^legacy-"], "pattern": "[a-z-]+", "required": True}
    outcome = validate(policy, kind, bad, config, name="ci-deploy")
    assert outcome.violations


@pytest.mark.parametrize("policy", RESOURCE_POLICIES, ids=lambda p: p.name)
def test_invalid_exclude_regex_is_a_violation_naming_the_key(policy, kind) -> None:
    outcome = validate(policy, kind, token_props(kind), {"exclude": ["(unclosed"]})
    assert len(outcome.violations) == 1
    assert "'exclude'" in outcome.violations[0] and "(unclosed" in outcome.violations[0]


@pytest.mark.parametrize("policy", RESOURCE_POLICIES, ids=lambda p: p.name)
def test_everything_unknown_never_crashes(policy, kind) -> None:
    """At preview, every input may be unknown: the policy says so instead of failing."""
    props = {key: UNKNOWN for key in token_props(kind)}
    outcome = validate(policy, kind, props, {"pattern": "[a-z-]+"})
    assert outcome.violations == []
    assert outcome.not_applicable is not None


# --- gitlab-token-scopes -----------------------------------------------------


class TestScopes:
    policy = pack.token_scopes

    def test_forbidden_scope_is_named(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, scopes=["read_api", "api"]))
        assert len(outcome.violations) == 1
        assert "Forbidden scopes: api " in outcome.violations[0]

    def test_personal_token_sudo_and_admin_mode(self) -> None:
        props = token_props(PERSONAL, scopes=["sudo", "admin_mode", "read_user"])
        outcome = validate(self.policy, PERSONAL, props)
        assert "sudo, admin_mode" in outcome.violations[0]

    def test_allow_list(self, kind) -> None:
        config = {"allowedScopes": ["read_api", "read_repository"]}
        outcome = validate(self.policy, kind, token_props(kind, scopes=["read_api", "write_repository"]), config)
        assert len(outcome.violations) == 1
        assert "not in allowedScopes: write_repository" in outcome.violations[0]
        assert "read_api, read_repository" in outcome.violations[0]

    def test_forbidden_scopes_config_overrides_default(self, kind) -> None:
        config = {"forbiddenScopes": ["write_repository"]}
        assert validate(self.policy, kind, token_props(kind, scopes=["api"]), config).violations == []
        assert validate(self.policy, kind, token_props(kind, scopes=["write_repository"]), config).violations

    def test_unknown_scopes_list_is_not_applicable(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, scopes=UNKNOWN))
        assert outcome.violations == [] and "unknown" in outcome.not_applicable

    def test_known_forbidden_scope_next_to_unknown_one_is_reported(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, scopes=[UNKNOWN, "api"]))
        assert "api" in outcome.violations[0]

    def test_known_good_scope_next_to_unknown_one_is_not_applicable(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, scopes=["read_api", UNKNOWN]))
        assert outcome.violations == [] and "unknown" in outcome.not_applicable

    def test_scope_typo_in_config_is_a_config_violation(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind), {"forbiddenScopes": ["apii"]})
        assert "'forbiddenScopes'" in outcome.violations[0] and "apii" in outcome.violations[0]


# --- gitlab-token-lifetime ---------------------------------------------------


class TestLifetime:
    policy = pack.token_lifetime

    def test_expires_at_within_max_days_passes(self, kind) -> None:
        assert validate(self.policy, kind, token_props(kind, expires_at=days_from_today(90))).passed

    def test_expires_at_beyond_max_days(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, expires_at=days_from_today(91)))
        assert len(outcome.violations) == 1
        message = outcome.violations[0]
        assert "91 days from today" in message and "maxDays" in message
        assert days_from_today(90) in message  # the fix: the latest allowed date

    def test_max_days_is_configurable(self, kind) -> None:
        props = token_props(kind, expires_at=days_from_today(200))
        assert validate(self.policy, kind, props, {"maxDays": 365}).passed
        assert validate(self.policy, kind, props, {"maxDays": 30}).violations

    def test_expiration_days_beyond_max(self, kind) -> None:
        rotation = {"expiration_days": 120, "rotate_before_days": 7}
        outcome = validate(self.policy, kind, token_props(kind, expires_at=None, rotation_configuration=rotation))
        assert "expiration_days is 120" in outcome.violations[0]

    def test_rotation_wins_over_planned_expires_at(self, kind) -> None:
        """Our check() plans expires_at from expiration_days; the days are what is judged."""
        rotation = {"expiration_days": 60, "rotate_before_days": 7}
        props = token_props(kind, expires_at=days_from_today(400), rotation_configuration=rotation)
        assert validate(self.policy, kind, props).passed

    def test_unknown_expires_at_uses_expiration_days(self, kind) -> None:
        too_long = {"expiration_days": 200, "rotate_before_days": 7}
        props = token_props(kind, expires_at=UNKNOWN, rotation_configuration=too_long)
        assert validate(self.policy, kind, props).violations
        fine = {"expiration_days": 30, "rotate_before_days": 7}
        props = token_props(kind, expires_at=UNKNOWN, rotation_configuration=fine)
        assert validate(self.policy, kind, props).passed

    def test_unknown_expires_at_without_rotation_is_not_applicable(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, expires_at=UNKNOWN))
        assert outcome.violations == [] and "expires_at is unknown" in outcome.not_applicable

    def test_unknown_expiration_days_is_not_applicable(self, kind) -> None:
        rotation = {"expiration_days": UNKNOWN, "rotate_before_days": 7}
        outcome = validate(self.policy, kind, token_props(kind, rotation_configuration=rotation))
        assert outcome.violations == [] and "expiration_days is unknown" in outcome.not_applicable

    def test_missing_expiry(self, kind) -> None:
        props = token_props(kind, expires_at=None)
        assert "never expires" in validate(self.policy, kind, props).violations[0]
        assert validate(self.policy, kind, props, {"requireExpiry": False}).passed

    def test_missing_expiry_with_unknown_rotation_is_not_applicable(self, kind) -> None:
        props = token_props(kind, expires_at=None, rotation_configuration=UNKNOWN)
        assert validate(self.policy, kind, props).not_applicable

    def test_personal_token(self) -> None:
        props = token_props(PERSONAL, expires_at=days_from_today(365))
        assert validate(self.policy, PERSONAL, props).violations


# --- gitlab-token-rotation ---------------------------------------------------


class TestRotation:
    policy = pack.token_rotation

    def test_good_rotation_passes(self, kind) -> None:
        rotation = {"expiration_days": 30, "rotate_before_days": 7}
        assert validate(self.policy, kind, token_props(kind, rotation_configuration=rotation)).passed

    def test_missing_rotation_only_matters_when_required(self, kind) -> None:
        props = token_props(kind)
        assert validate(self.policy, kind, props).violations == []
        outcome = validate(self.policy, kind, props, {"required": True})
        assert "no rotation_configuration" in outcome.violations[0]

    def test_rotate_before_days_too_small(self, kind) -> None:
        rotation = {"expiration_days": 30, "rotate_before_days": 2}
        outcome = validate(self.policy, kind, token_props(kind, rotation_configuration=rotation))
        assert "rotate_before_days is 2" in outcome.violations[0]
        config = {"minRotateBeforeDays": 1}
        assert validate(self.policy, kind, token_props(kind, rotation_configuration=rotation), config).passed

    def test_rotate_before_not_below_expiration(self, kind) -> None:
        rotation = {"expiration_days": 7, "rotate_before_days": 7}
        outcome = validate(self.policy, kind, token_props(kind, rotation_configuration=rotation))
        assert "every update" in outcome.violations[0]

    def test_unknown_rotation_is_not_applicable(self, kind) -> None:
        for rotation in (UNKNOWN, {"expiration_days": 30, "rotate_before_days": UNKNOWN}):
            outcome = validate(self.policy, kind, token_props(kind, rotation_configuration=rotation), {"required": True})
            assert outcome.violations == [] and "unknown" in outcome.not_applicable


# --- gitlab-token-access-level -----------------------------------------------


class TestAccessLevel:
    policy = pack.token_access_level

    @pytest.mark.parametrize("level", ["developer", "maintainer", "Maintainer", 40, "40", "guest", "planner"])
    def test_within_default_max_of_owner_or_maintainer(self, kind, level) -> None:
        config = {"maxAccessLevel": "owner"} if level == "planner" else None
        assert validate(self.policy, kind, token_props(kind, access_level=level), config).violations == []

    @pytest.mark.parametrize("level", ["owner", 50, "50"])
    def test_owner_exceeds_default(self, kind, level) -> None:
        outcome = validate(self.policy, kind, token_props(kind, access_level=level))
        assert "access_level owner (50) exceeds maxAccessLevel maintainer (40)" in outcome.violations[0]

    def test_max_by_number(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, access_level="maintainer"), {"maxAccessLevel": 30})
        assert "maxAccessLevel developer" in outcome.violations[0]

    def test_planner_is_not_within_maintainer(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, access_level="planner"))
        assert "planner" in outcome.violations[0]

    def test_unset_access_level_means_maintainer(self, kind) -> None:
        props = token_props(kind, access_level=None)
        assert validate(self.policy, kind, props).passed
        assert validate(self.policy, kind, props, {"maxAccessLevel": "developer"}).violations

    def test_unassignable_level_is_reported(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, access_level="no one"))
        assert "not an access level" in outcome.violations[0]

    def test_unknown_access_level_is_not_applicable(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, access_level=UNKNOWN))
        assert outcome.violations == [] and "unknown" in outcome.not_applicable

    def test_personal_tokens_have_no_access_level(self) -> None:
        outcome = validate(self.policy, PERSONAL, token_props(PERSONAL))
        assert outcome.not_applicable and "personal" in outcome.not_applicable

    def test_bad_max_in_config(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind), {"maxAccessLevel": "admin"})
        assert "'maxAccessLevel'" in outcome.violations[0]


# --- gitlab-token-description ------------------------------------------------


class TestDescription:
    policy = pack.token_description

    @pytest.mark.parametrize("description", [None, "", "   "])
    def test_missing_description(self, any_kind, description) -> None:
        outcome = validate(self.policy, any_kind, token_props(any_kind, description=description))
        assert "no description" in outcome.violations[0]

    def test_unknown_description_is_not_applicable(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, description=UNKNOWN))
        assert outcome.violations == [] and outcome.not_applicable


# --- gitlab-token-name -------------------------------------------------------


class TestName:
    policy = pack.token_name

    def test_no_pattern_by_default(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, name="Anything Goes"))
        assert outcome.violations == [] and "no pattern" in outcome.not_applicable

    def test_pattern_must_match_the_whole_name(self, kind) -> None:
        config = {"pattern": "ci-[a-z]+"}
        assert validate(self.policy, kind, token_props(kind, name="ci-deploy"), config).passed
        outcome = validate(self.policy, kind, token_props(kind, name="ci-deploy-2"), config)
        assert "'ci-deploy-2' does not match the pattern 'ci-[a-z]+'" in outcome.violations[0]

    def test_bad_pattern_names_the_key(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind), {"pattern": "[oops"})
        assert "'pattern'" in outcome.violations[0]

    def test_unknown_name_is_not_applicable(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, name=UNKNOWN), {"pattern": "x"})
        assert outcome.violations == [] and "unknown" in outcome.not_applicable


# --- fuzzing: arbitrary props and config never raise, every violation says where -------------

#: What the engine can deliver through a Struct: JSON values (finite numbers), unknowns, odd strings.
_scalars = (
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20) | st.sampled_from([UNKNOWN, "x" * 100_000, "2026-02-30", "-1", "owner", "api", ""])
)
_json = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
_PROPS = ["name", "scopes", "access_level", "expires_at", "description", "rotation_configuration",
          "accessLevel", "expiresAt", "rotationConfiguration", "token", "project", "user_id"]
_props = st.dictionaries(st.sampled_from(_PROPS) | st.text(max_size=8), _json, max_size=8)
_ROTATION = st.fixed_dictionaries({}, optional={
    "expiration_days": _json, "rotate_before_days": _json, "expirationDays": _json, "rotateBeforeDays": _json})
_FUZZ = settings(max_examples=200, deadline=None, derandomize=True)


def _config_keys(policy) -> list[str]:
    return list(policy.config_schema.properties) if policy.config_schema else []


def _configs(policy) -> st.SearchStrategy[dict]:
    return st.dictionaries(st.sampled_from(_config_keys(policy)), _json, max_size=3)


def _words(key: str) -> set[str]:
    """How a message may name a property: ``expires_at``, ``expiresAt``, ``expires at``."""
    return {key, pack.camel_case(key), key.replace("_", " ")}


#: The property (or properties) each policy judges: its messages must name one of them or a config key.
_JUDGES = {
    "gitlab-token-scopes": ["scopes", "scope"],
    "gitlab-token-lifetime": ["expires_at", "expiration_days", "rotation_configuration", "lifetime"],
    "gitlab-token-rotation": ["rotation_configuration", "rotate_before_days", "expires_at", "rotation"],
    "gitlab-token-access-level": ["access_level"],
    "gitlab-token-description": ["description"],
    "gitlab-token-name": ["name"],
    "gitlab-token-expiring": ["expires_at", "expires", "expired"],
}


def _assert_names_the_problem(policy, message: str) -> None:
    words = set().union(*(_words(k) for k in _JUDGES[policy.name] + _config_keys(policy)))
    assert len(message) < 2_000, f"a huge input was echoed whole: {message[:200]}"
    assert any(w.lower() in message.lower() for w in words), (policy.name, message)
    assert " object at 0x" not in message, f"a Python repr reached the user: {message}"


@pytest.mark.parametrize("policy", RESOURCE_POLICIES, ids=lambda p: p.name)
@_FUZZ
@given(data=st.data())
def test_resource_policies_never_raise_and_name_what_is_wrong(policy, data) -> None:
    resource_type = data.draw(st.sampled_from(ALL_TOKEN_TYPES))
    props = data.draw(_props)
    if data.draw(st.booleans()):
        props["rotation_configuration"] = data.draw(_ROTATION)
    config = data.draw(_configs(policy))
    outcome = validate(policy, resource_type, props, config)
    for message in outcome.violations:
        _assert_names_the_problem(policy, message)


@_FUZZ
@given(resources=st.lists(st.tuples(st.sampled_from(ALL_TOKEN_TYPES), st.text(min_size=1, max_size=8), _props),
                          max_size=4),
       config=_configs(pack.token_expiring))
def test_the_stack_policy_never_raises_and_names_what_is_wrong(resources, config) -> None:
    for message, _urn in validate_stack(pack.token_expiring, resources, config):
        _assert_names_the_problem(pack.token_expiring, message)
