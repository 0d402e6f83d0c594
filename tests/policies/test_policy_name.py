"""``gitlab-token-name``: token names match the configured pattern.
"""

from __future__ import annotations

from gitlab_token_policies.naming import token_name
from policy_harness import UNKNOWN, token_props, validate


class TestName:
    policy = token_name

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
