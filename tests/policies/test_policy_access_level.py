"""``gitlab-token-access-level``: no role above maxAccessLevel, by GitLab's own rule.
"""

from __future__ import annotations

import pytest

from gitlab_token_policies.access_level import token_access_level
from policy_harness import PERSONAL, UNKNOWN, token_props, validate
from support.gitlab_roles import ASSIGNABLE_ROLES


class TestAccessLevel:
    policy = token_access_level

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

    def test_security_manager_is_not_within_maintainer(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, access_level="security_manager"))
        assert "access_level security_manager (25) exceeds maxAccessLevel maintainer (40) (a security manager " \
               "has permissions other roles lack)" in outcome.violations[0]

    @pytest.mark.parametrize(("maximum", "level"), [(m, l) for m in ASSIGNABLE_ROLES for l in ASSIGNABLE_ROLES])
    def test_every_pair_of_gitlabs_role_table(self, kind, maximum, level) -> None:
        outcome = validate(self.policy, kind, token_props(kind, access_level=level), {"maxAccessLevel": maximum})
        assert (outcome.violations == []) == (level in ASSIGNABLE_ROLES[maximum])

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
