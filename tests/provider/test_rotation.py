"""The rotation decision: keep, rotate or replace, and the expiry it plans."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulumi_gitlab_tokens.rules.rotation import (
    Action,
    PreviousToken,
    RotationConfiguration,
    WantedExpiry,
    decide,
    fresh_expiry,
    rotation_window_reached,
)

TODAY = dt.date(2026, 3, 1)
R30_7 = RotationConfiguration(expiration_days=30, rotate_before_days=7)


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


# --- creation ------------------------------------------------------------------------


def test_create_with_rotation_plans_today_plus_expiration_days():
    decision = decide(None, WantedExpiry(None, R30_7), TODAY)
    assert decision == decision.__class__(Action.CREATE, day(30), "new token")


def test_create_with_fixed_date_uses_it():
    assert decide(None, WantedExpiry(day(90), None), TODAY).expires_at == day(90)


def test_create_with_already_planned_date_uses_the_plan_not_the_clock():
    assert decide(None, WantedExpiry(day(12), R30_7), TODAY).expires_at == day(12)


# --- the rotation window ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_in", "due"),
    [(30, False), (8, False), (7, True), (1, True), (0, True), (-5, True)],
)
def test_window_opens_rotate_before_days_before_expiry(expires_in, due):
    assert rotation_window_reached(day(expires_in), R30_7, TODAY) is due


def test_token_without_expiry_is_always_due():
    assert rotation_window_reached(None, R30_7, TODAY)


def test_outside_window_keeps_the_previous_planned_date():
    previous = PreviousToken(day(20), R30_7)
    decision = decide(previous, WantedExpiry(None, R30_7), TODAY)
    assert (decision.action, decision.expires_at) == (Action.KEEP, day(20))


def test_inside_window_rotates_to_a_fresh_date():
    decision = decide(PreviousToken(day(7), R30_7), WantedExpiry(None, R30_7), TODAY)
    assert (decision.action, decision.expires_at) == (Action.ROTATE, day(30))
    assert decision.reason == "rotation window reached"


def test_expired_token_under_rotation_is_rotated_not_left_dead():
    decision = decide(PreviousToken(day(-3), R30_7), WantedExpiry(None, R30_7), TODAY)
    assert (decision.action, decision.expires_at) == (Action.ROTATE, day(30))
    assert "expired" in decision.reason


def test_changed_rotation_configuration_rotates_immediately():
    previous = PreviousToken(day(25), R30_7)
    decision = decide(previous, WantedExpiry(None, RotationConfiguration(60, 7)), TODAY)
    assert (decision.action, decision.expires_at) == (Action.ROTATE, day(60))
    assert decision.reason == "rotation_configuration changed"


def test_changed_configuration_landing_on_the_same_date_keeps_the_token():
    # Created today with (30, 7); switching to (30, 5) today plans the same date: no pointless rotation.
    previous = PreviousToken(day(30), R30_7)
    decision = decide(previous, WantedExpiry(None, RotationConfiguration(30, 5)), TODAY)
    assert decision.action is Action.KEEP


def test_switching_from_fixed_date_to_rotation_rotates():
    decision = decide(PreviousToken(day(100), None), WantedExpiry(None, R30_7), TODAY)
    assert (decision.action, decision.expires_at) == (Action.ROTATE, day(30))


def test_switching_from_rotation_to_a_fixed_date_rotates_to_that_date():
    decision = decide(PreviousToken(day(20), R30_7), WantedExpiry(day(200), None), TODAY)
    assert (decision.action, decision.expires_at, decision.reason) == (Action.ROTATE, day(200), "expires_at changed")


# --- fixed dates ---------------------------------------------------------------------------


def test_changed_fixed_date_rotates_in_place():
    decision = decide(PreviousToken(day(100), None), WantedExpiry(day(120), None), TODAY)
    assert (decision.action, decision.expires_at) == (Action.ROTATE, day(120))


def test_unchanged_fixed_date_keeps():
    assert decide(PreviousToken(day(100), None), WantedExpiry(day(100), None), TODAY).action is Action.KEEP


def test_expired_fixed_date_token_is_left_alone():
    # Drift shows as active: false; nothing renews a fixed date.
    assert decide(PreviousToken(day(-1), None), WantedExpiry(day(-1), None), TODAY).action is Action.KEEP


# --- revoked outside Pulumi ------------------------------------------------------------------


def test_revoked_token_under_rotation_is_replaced():
    decision = decide(PreviousToken(day(20), R30_7, revoked=True), WantedExpiry(None, R30_7), TODAY)
    assert (decision.action, decision.expires_at) == (Action.REPLACE, day(30))


def test_revoked_token_with_future_fixed_date_is_replaced_with_that_date():
    decision = decide(PreviousToken(day(50), None, revoked=True), WantedExpiry(day(50), None), TODAY)
    assert (decision.action, decision.expires_at) == (Action.REPLACE, day(50))


def test_revoked_token_past_its_fixed_date_is_left_alone():
    decision = decide(PreviousToken(day(-2), None, revoked=True), WantedExpiry(day(-2), None), TODAY)
    assert decision.action is Action.KEEP


def test_revoked_token_with_planned_date_is_replaced_with_the_planned_date():
    decision = decide(PreviousToken(day(20), R30_7, revoked=True), WantedExpiry(day(20), R30_7), TODAY)
    assert (decision.action, decision.expires_at) == (Action.REPLACE, day(20))


# --- diff with a planned date (what the provider's diff sees) ------------------------------


def test_diff_rotates_exactly_to_the_planned_date():
    decision = decide(PreviousToken(day(3), R30_7), WantedExpiry(day(29), R30_7), TODAY)
    assert (decision.action, decision.expires_at) == (Action.ROTATE, day(29))


def test_diff_keeps_when_planned_date_equals_current():
    assert decide(PreviousToken(day(20), R30_7), WantedExpiry(day(20), R30_7), TODAY).action is Action.KEEP


# --- properties ------------------------------------------------------------------------------

rotations = st.builds(
    lambda exp, before: RotationConfiguration(exp, before),
    st.integers(2, 400),
    st.integers(1, 399),
).filter(lambda r: r.rotate_before_days < r.expiration_days)
dates = st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31))
optional_dates = st.none() | dates


@given(rotation=rotations, today=dates, previous_expiry=optional_dates, previous_rotation=st.none() | rotations)
def test_planned_rotation_date_is_always_outside_the_window(rotation, today, previous_expiry, previous_rotation):
    previous = PreviousToken(previous_expiry, previous_rotation)
    planned = decide(previous, WantedExpiry(None, rotation), today).expires_at
    assert planned is not None
    assert not rotation_window_reached(planned, rotation, today)
    assert planned > today  # never left dead
    assert planned <= fresh_expiry(rotation, today)


@given(rotation=st.none() | rotations, today=dates, previous_expiry=optional_dates, fixed=dates)
def test_deciding_again_after_applying_is_a_no_op(rotation, today, previous_expiry, fixed):
    """Idempotence: once the decided date is applied, the same inputs keep the token."""
    wanted = WantedExpiry(None if rotation else fixed, rotation)
    first = decide(PreviousToken(previous_expiry, rotation), wanted, today)
    if first.action is Action.ROTATE:
        second = decide(PreviousToken(first.expires_at, rotation), wanted, today)
        assert second.action is Action.KEEP
        assert second.expires_at == first.expires_at


@given(rotation=st.none() | rotations, today=dates, previous_expiry=optional_dates, fixed=dates)
def test_check_then_diff_agree(rotation, today, previous_expiry, fixed):
    """check plans from the old inputs; diff, given that plan and the same old expiry, acts on it."""
    previous = PreviousToken(previous_expiry, rotation)
    wanted = WantedExpiry(None if rotation else fixed, rotation)
    planned = decide(previous, wanted, today).expires_at
    in_diff = decide(previous, WantedExpiry(planned, rotation), today)
    assert in_diff.expires_at == planned
    assert (in_diff.action is Action.ROTATE) == (planned != previous_expiry)


@given(rotation=st.none() | rotations, today=dates, previous_expiry=optional_dates, fixed=dates, revoked=st.booleans())
def test_rotate_only_ever_changes_the_date(rotation, today, previous_expiry, fixed, revoked):
    wanted = WantedExpiry(None if rotation else fixed, rotation)
    decision = decide(PreviousToken(previous_expiry, rotation, revoked=revoked), wanted, today)
    if decision.action is Action.ROTATE:
        assert decision.expires_at != previous_expiry
        assert not revoked  # GitLab refuses to rotate a revoked token
    if revoked and rotation is not None:
        assert decision.action is Action.REPLACE
