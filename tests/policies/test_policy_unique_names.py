"""``gitlab-token-unique-names``: no two tokens with the same parent and name in one stack."""

from __future__ import annotations

import pytest
from gitlab_token_policies.unique_names import token_unique_names as policy
from policy_harness import OURS, PERSONAL, PULUMI_GITLAB, UNKNOWN, token_props, validate_stack

from pulumi_gitlab_tokens.common import catalogue

PROJECT_TYPES = (catalogue.PROJECT_TOKEN_TYPE, catalogue.PULUMI_GITLAB_PROJECT_TOKEN_TYPE)
GROUP_TYPES = (catalogue.GROUP_TOKEN_TYPE, catalogue.PULUMI_GITLAB_GROUP_TOKEN_TYPE)


def token(kind: str, resource_name: str, **overrides) -> tuple[str, str, dict]:
    """A stack resource: a token of ``kind`` named ``ci-deploy`` unless overridden."""
    return kind, resource_name, token_props(kind, **overrides)


def resource_names(message: str) -> list[str]:
    return [name for name in ("first", "second", "third", "other") if f"'{name}'" in message]


def test_same_name_in_the_same_project_names_both_resources(kind) -> None:
    reported = validate_stack(policy, [token(kind, "first"), token(kind, "second")])
    assert len(reported) == 1
    message, urn = reported[0]
    assert resource_names(message) == ["first", "second"]
    assert "'ci-deploy'" in message and "acme" in message
    assert urn.endswith("::second")  # the resource that brought in the clash


@pytest.mark.parametrize("ours, theirs", [(OURS[0], PULUMI_GITLAB[0]), (OURS[1], PULUMI_GITLAB[1])])
def test_ours_and_pulumi_gitlabs_clash_with_each_other(ours, theirs) -> None:
    reported = validate_stack(policy, [token(ours, "first"), token(theirs, "second")])
    assert len(reported) == 1 and resource_names(reported[0][0]) == ["first", "second"]


def test_three_alike_are_one_violation_naming_all(kind) -> None:
    reported = validate_stack(policy, [token(kind, "first"), token(kind, "second"), token(kind, "third")])
    assert len(reported) == 1
    assert resource_names(reported[0][0]) == ["first", "second", "third"]


def test_different_names_or_parents_pass(kind) -> None:
    parent = "project" if kind in PROJECT_TYPES else "group"
    assert validate_stack(policy, [token(kind, "first"), token(kind, "second", name="ci-release")]) == []
    assert validate_stack(policy, [token(kind, "first"), token(kind, "second", **{parent: "acme/other"})]) == []


def test_a_project_and_a_group_with_the_same_path_do_not_clash() -> None:
    project = token(catalogue.PROJECT_TOKEN_TYPE, "first", project="acme")
    group = token(catalogue.GROUP_TOKEN_TYPE, "second", group="acme")
    assert validate_stack(policy, [project, group]) == []


@pytest.mark.parametrize("first, second", [(42, "42"), (42, 42.0), (" 42", 42)])
def test_numeric_ids_compare_as_numbers(first, second) -> None:
    kind = catalogue.PROJECT_TOKEN_TYPE
    reported = validate_stack(policy, [token(kind, "first", project=first), token(kind, "second", project=second)])
    assert len(reported) == 1


@pytest.mark.parametrize("second", ["Acme/App", "acme%2Fapp", "acme/app/", " acme/app"])
def test_paths_compare_as_gitlab_resolves_them(kind, second) -> None:
    parent = "project" if kind in PROJECT_TYPES else "group"
    resources = [token(kind, "first", **{parent: "acme/app"}), token(kind, "second", **{parent: second})]
    assert len(validate_stack(policy, resources)) == 1


def test_an_id_and_a_path_are_not_compared() -> None:
    """Whether project 42 is acme/app only GitLab knows; the policy does not guess (documented)."""
    kind = catalogue.PROJECT_TOKEN_TYPE
    resources = [token(kind, "first", project=42), token(kind, "second", project="acme/app")]
    assert validate_stack(policy, resources) == []


def test_names_compare_exactly(kind) -> None:
    assert validate_stack(policy, [token(kind, "first"), token(kind, "second", name="CI-deploy")]) == []


def test_personal_tokens_clash_per_user() -> None:
    same_user = [token(PERSONAL, "first"), token(PERSONAL, "second")]
    assert len(validate_stack(policy, same_user)) == 1
    other_user = [token(PERSONAL, "first"), token(PERSONAL, "second", user_id=43)]
    assert validate_stack(policy, other_user) == []


@pytest.mark.parametrize("unknown", ["name", "parent"])
def test_unknown_values_leave_that_resource_out_and_judge_the_rest(kind, unknown) -> None:
    field = unknown if unknown == "name" else ("project" if kind in PROJECT_TYPES else "group")
    resources = [token(kind, "first"), token(kind, "other", **{field: UNKNOWN}), token(kind, "second")]
    reported = validate_stack(policy, resources)
    assert len(reported) == 1 and resource_names(reported[0][0]) == ["first", "second"]
    assert validate_stack(policy, [token(kind, "first"), token(kind, "other", **{field: UNKNOWN})]) == []


def test_excluded_and_other_resources_are_left_out(kind) -> None:
    resources = [
        token(kind, "legacy-first"),
        token(kind, "second"),
        ("gitlab:index/project:Project", "app", {"name": "ci-deploy", "project": "acme/app"}),
    ]
    assert validate_stack(policy, resources, {"exclude": ["^legacy-"]}) == []
    assert len(validate_stack(policy, resources)) == 1


def test_bad_exclude_regex_is_reported_not_raised(kind) -> None:
    reported = validate_stack(policy, [token(kind, "first")], {"exclude": ["*"]})
    assert len(reported) == 1 and "'exclude'" in reported[0][0] and reported[0][1] is None


def test_group_tokens_with_the_same_name_in_different_groups_pass() -> None:
    kinds = GROUP_TYPES
    resources = [token(kinds[0], "first", group="acme"), token(kinds[1], "second", group="acme/sub")]
    assert validate_stack(policy, resources) == []


def test_message_lists_resources_in_a_fixed_order(kind) -> None:
    """Resources register in parallel, so the stack's order varies; the message must not."""
    forward = validate_stack(policy, [token(kind, "second"), token(kind, "first")])
    assert resource_names(forward[0][0]) == ["first", "second"] and "'first' and 'second'" in forward[0][0]
    assert forward[0][1].endswith("::first")
