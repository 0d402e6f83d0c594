"""The stack policy ``gitlab-token-expiring``, on resource outputs."""

from __future__ import annotations

import pytest

from gitlab_token_policies.expiring import token_expiring as policy
from policy_harness import UNKNOWN, days_from_today, spelled_for, validate_stack


def outputs(kind: str, **overrides) -> dict:
    """Outputs of a created, active token expiring in 10 days, without rotation."""
    props = {
        "name": "ci-deploy",
        "expires_at": days_from_today(10),
        "rotation_configuration": None,
        "active": True,
        "revoked": False,
    }
    props.update(overrides)
    return spelled_for(kind, props)


def test_reports_token_expiring_soon_with_name_and_days(kind) -> None:
    reported = validate_stack(policy, [(kind, "deploy-token", outputs(kind))])
    assert len(reported) == 1
    message, urn = reported[0]
    assert "'deploy-token'" in message and "in 10 days" in message and days_from_today(10) in message
    assert urn.endswith("::deploy-token")


def test_already_expired_token(kind) -> None:
    reported = validate_stack(policy, [(kind, "old", outputs(kind, expires_at=days_from_today(-3)))])
    assert "3 days ago" in reported[0][0]


def test_far_expiry_passes_and_within_days_is_configurable(kind) -> None:
    later = [(kind, "t", outputs(kind, expires_at=days_from_today(20)))]
    assert validate_stack(policy, later) == []
    assert len(validate_stack(policy, later, {"withinDays": 30})) == 1


def test_boundary_is_inclusive(kind) -> None:
    assert validate_stack(policy, [(kind, "t", outputs(kind, expires_at=days_from_today(14)))])
    assert not validate_stack(policy, [(kind, "t", outputs(kind, expires_at=days_from_today(15)))])


@pytest.mark.parametrize(
    "overrides",
    [
        {"rotation_configuration": {"expiration_days": 30, "rotate_before_days": 7}},
        {"rotation_configuration": UNKNOWN},
        {"revoked": True},
        {"active": False},
        {"active": None},  # not created yet: no outputs from the provider
        {"active": UNKNOWN},
        {"expires_at": UNKNOWN},
        {"expires_at": None},
    ],
    ids=lambda o: ",".join(f"{k}={v!r:.12}" for k, v in o.items()),
)
def test_skipped_tokens(kind, overrides) -> None:
    assert validate_stack(policy, [(kind, "t", outputs(kind, **overrides))]) == []


def test_excluded_and_other_resources_are_skipped(kind) -> None:
    resources = [
        (kind, "legacy-token", outputs(kind)),
        ("gitlab:index/project:Project", "app", {"expires_at": days_from_today(1), "active": True}),
        (kind, "ci-token", outputs(kind)),
    ]
    reported = validate_stack(policy, resources, {"exclude": ["^legacy-"]})
    assert [urn.rsplit("::", 1)[1] for _, urn in reported] == ["ci-token"]


def test_bad_exclude_regex_is_reported_not_raised(kind) -> None:
    reported = validate_stack(policy, [(kind, "t", outputs(kind))], {"exclude": ["*"]})
    assert len(reported) == 1 and "'exclude'" in reported[0][0] and reported[0][1] is None
