"""Remediations: what they change, what they never touch (``__provider``), when they hold back.

Props reach a remediation as they do in the servicer's Remediate: secrets
kept wrapped (``__provider`` is one) and unknowns as raw sentinel strings.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gitlab_token_policies as pack
from policy_harness import (
    RESOURCE_TOKEN_TYPES,
    UNKNOWN,
    days_from_today,
    remediate,
    secret,
    spelled_for,
    token_props,
    validate,
)

PROVIDER = secret("gASV...serialized-provider...")


@pytest.fixture(params=RESOURCE_TOKEN_TYPES)
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def with_provider(props: dict) -> dict:
    return {**props, "__provider": PROVIDER}


def field(kind: str, props: dict, *path: str):
    """Read a field from remediated props by its snake_case path, in the type's spelling."""
    value = props
    for name in path:
        value = value[name] if name in value else value[pack.camel_case(name)]
    return value


class TestLifetimeRemediation:
    policy = pack.token_lifetime

    def test_clamps_expiration_days_and_planned_date(self, kind) -> None:
        rotation = {"expiration_days": 200, "rotate_before_days": 7}
        props = with_provider(token_props(kind, expires_at=days_from_today(200), rotation_configuration=rotation))
        fixed = remediate(self.policy, kind, props)
        assert fixed is not None
        assert field(kind, fixed, "rotation_configuration", "expiration_days") == 90
        assert field(kind, fixed, "rotation_configuration", "rotate_before_days") == 7
        assert field(kind, fixed, "expires_at") == days_from_today(90)
        # the fixed token passes validation
        unwrapped = {k: v for k, v in fixed.items() if k != "__provider"}
        assert validate(self.policy, kind, unwrapped).violations == []

    def test_keeps_provider_and_other_inputs(self, kind) -> None:
        props = with_provider(token_props(kind, expires_at=days_from_today(300)))
        fixed = remediate(self.policy, kind, props)
        assert fixed["__provider"] == PROVIDER  # still the wire form of a secret
        assert set(fixed) == set(props)
        assert field(kind, fixed, "scopes") == ["read_repository"]
        assert field(kind, fixed, "expires_at") == days_from_today(90)

    def test_respects_max_days_config(self, kind) -> None:
        props = with_provider(token_props(kind, expires_at=days_from_today(300)))
        fixed = remediate(self.policy, kind, props, {"maxDays": 30})
        assert field(kind, fixed, "expires_at") == days_from_today(30)

    def test_compliant_token_is_left_alone(self, kind) -> None:
        assert remediate(self.policy, kind, with_provider(token_props(kind))) is None

    def test_never_invents_an_expiry(self, kind) -> None:
        assert remediate(self.policy, kind, with_provider(token_props(kind, expires_at=None))) is None

    def test_unknown_values_are_left_alone(self, kind) -> None:
        rotation = {"expiration_days": UNKNOWN, "rotate_before_days": 7}
        props = with_provider(token_props(kind, expires_at=UNKNOWN, rotation_configuration=rotation))
        assert remediate(self.policy, kind, props) is None

    def test_unknown_sibling_survives_clamping(self, kind) -> None:
        rotation = {"expiration_days": 200, "rotate_before_days": UNKNOWN}
        props = with_provider(token_props(kind, expires_at=UNKNOWN, rotation_configuration=rotation))
        fixed = remediate(self.policy, kind, props)
        assert field(kind, fixed, "rotation_configuration", "expiration_days") == 90
        assert field(kind, fixed, "rotation_configuration", "rotate_before_days") == UNKNOWN
        assert field(kind, fixed, "expires_at") == UNKNOWN

    def test_excluded_resource_is_left_alone(self, kind) -> None:
        props = with_provider(token_props(kind, expires_at=days_from_today(300)))
        assert remediate(self.policy, kind, props, {"exclude": ["deploy"]}) is None

    def test_secret_expires_at_stays_secret(self, kind) -> None:
        props = with_provider(token_props(kind))
        key = "expires_at" if "expires_at" in props else "expiresAt"
        props[key] = secret(days_from_today(300))
        fixed = remediate(self.policy, kind, props)
        assert fixed[key] == secret(days_from_today(90))


class TestScopesRemediation:
    policy = pack.token_scopes

    def test_drops_forbidden_scopes_when_others_remain(self, kind) -> None:
        props = with_provider(token_props(kind, scopes=["api", "read_repository", "sudo"]))
        fixed = remediate(self.policy, kind, props)
        assert field(kind, fixed, "scopes") == ["read_repository"]
        assert fixed["__provider"] == PROVIDER

    def test_drops_scopes_outside_the_allow_list(self, kind) -> None:
        props = with_provider(token_props(kind, scopes=["read_api", "write_repository"]))
        fixed = remediate(self.policy, kind, props, {"allowedScopes": ["read_api"]})
        assert field(kind, fixed, "scopes") == ["read_api"]

    def test_never_leaves_a_token_without_scopes(self, kind) -> None:
        assert remediate(self.policy, kind, with_provider(token_props(kind, scopes=["api"]))) is None

    def test_list_with_unknown_entries_is_left_alone(self, kind) -> None:
        props = with_provider(token_props(kind, scopes=["api", UNKNOWN, "read_api"]))
        assert remediate(self.policy, kind, props) is None


def test_spelling_helper_matches_pulumi_gitlab() -> None:
    """The camelCase spelling the tests use is the one pulumi-gitlab's SDK sends."""
    props = spelled_for(
        "gitlab:index/projectAccessToken:ProjectAccessToken",
        {"access_level": 1, "expires_at": 2, "rotation_configuration": {"expiration_days": 3, "rotate_before_days": 4}},
    )
    assert props == {"accessLevel": 1, "expiresAt": 2, "rotationConfiguration": {"expirationDays": 3, "rotateBeforeDays": 4}}


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(RESOURCE_TOKEN_TYPES),
    max_days=st.integers(min_value=1, max_value=400),
    days=st.integers(min_value=1, max_value=800),
    use_rotation=st.booleans(),
)
def test_lifetime_verdict_and_remediation_agree(kind, max_days, days, use_rotation) -> None:
    """For any lifetime: a violation iff it exceeds maxDays, and the remediated token always passes."""
    if use_rotation:
        props = token_props(kind, rotation_configuration={"expiration_days": days, "rotate_before_days": 1})
    else:
        props = token_props(kind, expires_at=days_from_today(days))
    config = {"maxDays": max_days}
    assert bool(validate(pack.token_lifetime, kind, props, config).violations) == (days > max_days)
    fixed = remediate(pack.token_lifetime, kind, with_provider(props), config)
    assert (fixed is not None) == (days > max_days)
    if fixed is not None:
        del fixed["__provider"]
        assert validate(pack.token_lifetime, kind, fixed, config).violations == []
