"""What every policy shares: pass, other types, exclude, config errors, unknowns, fuzzing.

Every case runs for our dynamic resources (snake_case inputs) and for
pulumi-gitlab's (camelCase inputs), built and wrapped as the engine does.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

import gitlab_token_policies as pack
from policy_harness import ALL_TOKEN_TYPES, UNKNOWN, token_props, validate, validate_stack

RESOURCE_POLICIES = [p for p in pack.POLICIES if isinstance(p, ResourceValidationPolicy)]
STACK_POLICIES = [p for p in pack.POLICIES if isinstance(p, StackValidationPolicy)]


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
          "accessLevel", "expiresAt", "rotationConfiguration", "token", "project", "user_id",
          "group", "userId", "username", "active", "expired", "revoked"]
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
    "gitlab-token-unique-names": ["name"],
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


@pytest.mark.parametrize("policy", STACK_POLICIES, ids=lambda p: p.name)
@_FUZZ
@given(data=st.data())
def test_the_stack_policies_never_raise_and_name_what_is_wrong(policy, data) -> None:
    resources = data.draw(
        st.lists(st.tuples(st.sampled_from(ALL_TOKEN_TYPES), st.text(min_size=1, max_size=8), _props), max_size=4)
    )
    for message, _urn in validate_stack(policy, resources, data.draw(_configs(policy))):
        _assert_names_the_problem(policy, message)
