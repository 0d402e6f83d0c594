"""``gitlab-token-scopes``: allowed and forbidden scopes, and the remediation that drops them.
"""

from __future__ import annotations

from gitlab_token_policies.scopes import token_scopes
from policy_harness import PERSONAL, PROVIDER, UNKNOWN, read_field, remediate, token_props, validate, with_provider


class TestScopes:
    policy = token_scopes

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


class TestScopesRemediation:
    policy = token_scopes

    def test_drops_forbidden_scopes_when_others_remain(self, kind) -> None:
        props = with_provider(token_props(kind, scopes=["api", "read_repository", "sudo"]))
        fixed = remediate(self.policy, kind, props)
        assert read_field(fixed, "scopes") == ["read_repository"]
        assert fixed["__provider"] == PROVIDER

    def test_drops_scopes_outside_the_allow_list(self, kind) -> None:
        props = with_provider(token_props(kind, scopes=["read_api", "write_repository"]))
        fixed = remediate(self.policy, kind, props, {"allowedScopes": ["read_api"]})
        assert read_field(fixed, "scopes") == ["read_api"]

    def test_never_leaves_a_token_without_scopes(self, kind) -> None:
        assert remediate(self.policy, kind, with_provider(token_props(kind, scopes=["api"]))) is None

    def test_list_with_unknown_entries_is_left_alone(self, kind) -> None:
        props = with_provider(token_props(kind, scopes=["api", UNKNOWN, "read_api"]))
        assert remediate(self.policy, kind, props) is None
