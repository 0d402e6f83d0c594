"""``gitlab-token-rotation``: rotation configured, early enough before expiry.
"""

from __future__ import annotations

from gitlab_token_policies.rotation import token_rotation
from policy_harness import UNKNOWN, token_props, validate


class TestRotation:
    policy = token_rotation

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
