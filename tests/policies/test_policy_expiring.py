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


# --- GitLab's retention of inactive tokens ---------------------------------------


def test_a_token_past_the_retention_window_is_reported_as_unrecoverable(kind) -> None:
    expired = outputs(kind, expires_at=days_from_today(-31), active=False)
    [(message, urn)] = validate_stack(policy, [(kind, "old", expired)])
    assert urn.endswith("::old")
    assert "'old'" in message and days_from_today(-31) in message and "past GitLab's retention window" in message
    assert "bot user" in message and "rotation can no longer bring it back" in message
    assert "days ago" not in message, "one message per token: the retention one, not the expiry one too"


def test_the_window_ends_exactly_retention_days_after_expiry(kind) -> None:
    on_the_day = validate_stack(policy, [(kind, "t", outputs(kind, expires_at=days_from_today(-30)))])
    assert "past GitLab's retention window" in on_the_day[0][0]
    day_before = validate_stack(policy, [(kind, "t", outputs(kind, expires_at=days_from_today(-29)))])
    assert "ends in 1 day:" in day_before[0][0]


@pytest.mark.parametrize("rotation", [None, {"expiration_days": 30, "rotate_before_days": 7}])
def test_a_token_within_the_warning_days_is_warned_with_or_without_rotation(kind, rotation) -> None:
    nearly = outputs(kind, expires_at=days_from_today(-24), active=False, rotation_configuration=rotation)
    [(message, _)] = validate_stack(policy, [(kind, "t", nearly)])
    assert "retention window ends in 6 days" in message and "`pulumi up`" in message
    assert "30 days" in message and "bot user" in message


def test_the_warning_starts_retention_warning_days_before_the_end(kind) -> None:
    rotated = {"expiration_days": 30, "rotate_before_days": 7}
    at_start = [(kind, "t", outputs(kind, expires_at=days_from_today(-23), rotation_configuration=rotated))]
    assert "ends in 7 days" in validate_stack(policy, at_start)[0][0]
    before = [(kind, "t", outputs(kind, expires_at=days_from_today(-22), rotation_configuration=rotated))]
    assert validate_stack(policy, before) == []
    assert "ends in 8 days" in validate_stack(policy, before, {"retentionWarningDays": 10})[0][0]


def test_a_revoked_token_is_judged_by_its_expiry(kind) -> None:
    past = outputs(kind, expires_at=days_from_today(-40), revoked=True, active=False)
    assert "past GitLab's retention window" in validate_stack(policy, [(kind, "t", past)])[0][0]
    still_ahead = outputs(kind, expires_at=days_from_today(5), revoked=True, active=False)
    assert validate_stack(policy, [(kind, "t", still_ahead)]) == []


def test_the_retention_window_follows_the_instance_setting(kind) -> None:
    expired = [(kind, "t", outputs(kind, expires_at=days_from_today(-10), active=False))]
    assert validate_stack(policy, expired) == []
    [(message, _)] = validate_stack(policy, expired, {"inactiveRetentionDays": 14})
    assert "ends in 4 days" in message and "14 days" in message
    assert "past GitLab's retention window" in validate_stack(policy, expired, {"inactiveRetentionDays": 7})[0][0]


def test_retention_zero_turns_the_retention_reports_off(kind) -> None:
    ancient = [(kind, "t", outputs(kind, expires_at=days_from_today(-400), active=False))]
    assert validate_stack(policy, ancient, {"inactiveRetentionDays": 0}) == []
    # The expiry report of a live-looking token without rotation stays.
    live = [(kind, "t", outputs(kind, expires_at=days_from_today(-400)))]
    assert "400 days ago" in validate_stack(policy, live, {"inactiveRetentionDays": 0})[0][0]


@pytest.mark.parametrize("overrides", [{"active": None}, {"active": UNKNOWN}, {"expires_at": UNKNOWN}])
def test_retention_skips_tokens_not_created_or_unknown(kind, overrides) -> None:
    token = outputs(kind, **{"expires_at": days_from_today(-40), **overrides})
    assert validate_stack(policy, [(kind, "t", token)]) == []


def test_a_negative_retention_setting_is_reported_not_raised(kind) -> None:
    reported = validate_stack(policy, [(kind, "t", outputs(kind))], {"inactiveRetentionDays": -1})
    assert len(reported) == 1 and "inactiveRetentionDays" in reported[0][0] and reported[0][1] is None
