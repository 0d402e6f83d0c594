"""``gitlab-token-lifetime``: expiry within maxDays, and the remediation that clamps it.

Remediation props arrive as in the servicer's Remediate: secrets kept wrapped
(``__provider`` is one) and unknowns as raw sentinel strings.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gitlab_token_policies.lifetime import token_lifetime
from policy_harness import (
    PERSONAL,
    PROVIDER,
    RESOURCE_TOKEN_TYPES,
    UNKNOWN,
    days_from_today,
    read_field,
    remediate,
    secret,
    token_props,
    validate,
    with_provider,
)


class TestLifetime:
    policy = token_lifetime

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


class TestLifetimeRemediation:
    policy = token_lifetime

    def test_clamps_expiration_days_and_planned_date(self, kind) -> None:
        rotation = {"expiration_days": 200, "rotate_before_days": 7}
        props = with_provider(token_props(kind, expires_at=days_from_today(200), rotation_configuration=rotation))
        fixed = remediate(self.policy, kind, props)
        assert fixed is not None
        assert read_field(fixed, "rotation_configuration", "expiration_days") == 90
        assert read_field(fixed, "rotation_configuration", "rotate_before_days") == 7
        assert read_field(fixed, "expires_at") == days_from_today(90)
        # the fixed token passes validation
        unwrapped = {k: v for k, v in fixed.items() if k != "__provider"}
        assert validate(self.policy, kind, unwrapped).violations == []

    def test_keeps_provider_and_other_inputs(self, kind) -> None:
        props = with_provider(token_props(kind, expires_at=days_from_today(300)))
        fixed = remediate(self.policy, kind, props)
        assert fixed["__provider"] == PROVIDER  # still the wire form of a secret
        assert set(fixed) == set(props)
        assert read_field(fixed, "scopes") == ["read_repository"]
        assert read_field(fixed, "expires_at") == days_from_today(90)

    def test_respects_max_days_config(self, kind) -> None:
        props = with_provider(token_props(kind, expires_at=days_from_today(300)))
        fixed = remediate(self.policy, kind, props, {"maxDays": 30})
        assert read_field(fixed, "expires_at") == days_from_today(30)

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
        assert read_field(fixed, "rotation_configuration", "expiration_days") == 90
        assert read_field(fixed, "rotation_configuration", "rotate_before_days") == UNKNOWN
        assert read_field(fixed, "expires_at") == UNKNOWN

    def test_excluded_resource_is_left_alone(self, kind) -> None:
        props = with_provider(token_props(kind, expires_at=days_from_today(300)))
        assert remediate(self.policy, kind, props, {"exclude": ["deploy"]}) is None

    def test_secret_expires_at_stays_secret(self, kind) -> None:
        props = with_provider(token_props(kind))
        key = "expires_at" if "expires_at" in props else "expiresAt"
        props[key] = secret(days_from_today(300))
        fixed = remediate(self.policy, kind, props)
        assert fixed[key] == secret(days_from_today(90))


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
    assert bool(validate(token_lifetime, kind, props, config).violations) == (days > max_days)
    fixed = remediate(token_lifetime, kind, with_provider(props), config)
    assert (fixed is not None) == (days > max_days)
    if fixed is not None:
        del fixed["__provider"]
        assert validate(token_lifetime, kind, fixed, config).violations == []
