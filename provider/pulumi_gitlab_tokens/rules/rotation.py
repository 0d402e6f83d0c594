"""When a token is kept, rotated or replaced, and which expiry date it gets.

One pure function, :func:`decide` (after terraform-provider-gitlab's ``utils/token_rotation.go``),
called by ``check`` to plan the date and by ``diff`` to choose the action; :func:`due_predecessors`
says which tokens an overlapping rotation superseded are due for revocation. Dates are UTC
calendar dates. docs/rotation.md ("How the date is planned") says how the two calls fit together.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True)
class RotationConfiguration:
    """Keep a token alive: rotate it ``rotate_before_days`` before it expires,
    giving the new token ``expiration_days`` of life."""

    expiration_days: int
    rotate_before_days: int
    #: Days the predecessor keeps working after a rotation (0: GitLab's rotate, which revokes it at
    #: once). Not part of the schedule, so not compared: adding or changing it never rotates by itself.
    grace_period_days: int = field(default=0, compare=False)

    @property
    def overlaps(self) -> bool:
        """A rotation mints a successor and keeps the predecessor for the grace period."""
        return self.grace_period_days > 0


@dataclass(frozen=True)
class PreviousToken:
    """What is known of the token as it stands.

    From ``check`` (old inputs) ``revoked`` is always false: inputs do not
    carry it. From ``diff`` (old outputs) it is GitLab's answer at the last
    create, update or refresh.
    """

    expires_at: dt.date | None
    rotation: RotationConfiguration | None
    revoked: bool = False


@dataclass(frozen=True)
class WantedExpiry:
    """What the program asks for.

    ``expires_at`` is the user's fixed date when ``rotation`` is ``None``.
    Under ``rotation`` it is a date already planned by ``check`` (``diff``
    passes it), or ``None`` when the date is still to be planned (``check``).
    """

    expires_at: dt.date | None
    rotation: RotationConfiguration | None


class Action(enum.Enum):
    CREATE = "create"
    KEEP = "keep"
    ROTATE = "rotate"
    REPLACE = "replace"


@dataclass(frozen=True)
class Decision:
    """What to do, the expiry the token should have afterwards, and why."""

    action: Action
    expires_at: dt.date | None
    reason: str
    #: A ``ROTATE`` that mints a successor and keeps the predecessor until :attr:`revoke_predecessor_on`.
    overlap: bool = False
    revoke_predecessor_on: dt.date | None = None


@dataclass(frozen=True)
class Predecessor:
    """A token superseded by an overlap rotation, still valid until it is revoked on ``revoke_on``."""

    token_id: int
    revoke_on: dt.date


def due_predecessors(
    predecessors: Iterable[Predecessor], today: dt.date
) -> tuple[list[Predecessor], list[Predecessor]]:
    """The predecessors to revoke today (their grace period has passed) and those still in grace."""
    due, waiting = [], []
    for predecessor in predecessors:
        (due if today >= predecessor.revoke_on else waiting).append(predecessor)
    return due, waiting


def rotation_window_reached(
    expires_at: dt.date | None, rotation: RotationConfiguration, today: dt.date
) -> bool:
    """Whether ``today`` is ``rotate_before_days`` or less before ``expires_at``.

    A token without an expiry date (possible on instances that allow it) is
    always due, so adopting ``rotation_configuration`` gives it one.
    """
    if expires_at is None:
        return True
    return today >= expires_at - dt.timedelta(days=rotation.rotate_before_days)


def fresh_expiry(rotation: RotationConfiguration, today: dt.date) -> dt.date:
    """The expiry a token under ``rotation`` gets when created or rotated today."""
    return today + dt.timedelta(days=rotation.expiration_days)


def decide(previous: PreviousToken | None, wanted: WantedExpiry, today: dt.date) -> Decision:
    """Keep, rotate or replace a token, and the expiry date it ends up with.

    Rules, in order:

    1. No previous token: create it with the wanted date (fixed, planned, or
       ``today + expiration_days``).
    2. Revoked: a dead token that is still wanted (under rotation, or with a
       fixed date still in the future) is replaced - GitLab refuses to rotate
       a revoked token. A revoked token whose fixed date has passed is left
       alone: there is nothing left to renew.
    3. The target date differs from the current one: rotate in place (same
       bot user, new token id and value). Under rotation the target moves
       when the window is reached - expired tokens included, since GitLab
       rotates expired tokens - or when the configuration changed.
       Under a grace period (and while the old token still works) the
       rotation is an overlap: a successor is minted, and the predecessor is
       revoked ``grace_period_days`` after today.
    4. Otherwise keep it. A fixed-date token that expired stays as it is;
       ``active: false`` shows the drift.
    """
    target = _target_expiry(previous, wanted, today)
    if previous is None:
        return Decision(Action.CREATE, target, "new token")
    if previous.revoked:
        if wanted.rotation is not None:
            return Decision(Action.REPLACE, target, "revoked outside Pulumi; rotation_configuration keeps it alive")
        if target is not None and target > today:
            return Decision(Action.REPLACE, target, "revoked outside Pulumi before its expiry date")
        return Decision(Action.KEEP, previous.expires_at, "revoked and past its expiry date")
    if target != previous.expires_at:
        reason = _rotation_reason(previous, wanted, today)
        rotation = wanted.rotation
        # Overlap only while the old value still works: an expired one has nothing left to keep.
        if rotation is not None and rotation.overlaps and (
                previous.expires_at is None or previous.expires_at > today):
            revoke_on = today + dt.timedelta(days=rotation.grace_period_days)
            return Decision(Action.ROTATE, target, f"{reason}; the old value stays valid until {revoke_on}",
                            overlap=True, revoke_predecessor_on=revoke_on)
        return Decision(Action.ROTATE, target, reason)
    return Decision(Action.KEEP, previous.expires_at, "expiry unchanged")


def _target_expiry(
    previous: PreviousToken | None, wanted: WantedExpiry, today: dt.date
) -> dt.date | None:
    rotation = wanted.rotation
    if rotation is None or wanted.expires_at is not None:
        return wanted.expires_at
    fresh = fresh_expiry(rotation, today)
    if (
        previous is not None
        and not previous.revoked
        and previous.rotation == rotation
        and not rotation_window_reached(previous.expires_at, rotation, today)
        # Never further out than a fresh token would be: only a clock moved
        # back gets here, and the configured lifetime is a promise.
        and previous.expires_at is not None
        and previous.expires_at <= fresh
    ):
        return previous.expires_at
    return fresh


def _rotation_reason(previous: PreviousToken, wanted: WantedExpiry, today: dt.date) -> str:
    if wanted.rotation is None:
        return "expires_at changed"
    if previous.rotation != wanted.rotation:
        return "rotation_configuration changed"
    if previous.expires_at is not None and previous.expires_at <= today:
        return "expired; rotation_configuration renews it"
    return "rotation window reached"
