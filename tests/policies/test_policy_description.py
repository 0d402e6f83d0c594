"""``gitlab-token-description``: every token has one.
"""

from __future__ import annotations

import pytest
from gitlab_token_policies.description import token_description
from gitlab_token_policies.tokens import TOKEN_TYPES
from policy_harness import UNKNOWN, token_props, validate

from pulumi_gitlab_tokens.common import catalogue


class TestDescription:
    policy = token_description

    @pytest.mark.parametrize("description", [None, "", "   "])
    def test_missing_description(self, any_kind, description) -> None:
        outcome = validate(self.policy, any_kind, token_props(any_kind, description=description))
        if TOKEN_TYPES[any_kind].has_description:
            assert "no description" in outcome.violations[0]
        else:  # deploy tokens, and pulumi-gitlab's kinds without a description input
            assert outcome.violations == [] and "has no description in" in outcome.not_applicable

    def test_unknown_description_is_not_applicable(self, kind) -> None:
        outcome = validate(self.policy, kind, token_props(kind, description=UNKNOWN))
        assert outcome.violations == [] and outcome.not_applicable
