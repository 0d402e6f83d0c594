"""GitLab's inactive-token retention, seen by the provider through the real CLI.

GitLab deletes an inactive token family and its bot user 30 days after the
family's last active token became inactive. Inside that window an expired
rotation-configured token is rotated back to life by the next ``up``; past it,
the token is gone, and the provider must make a new one, with a new bot user,
whether or not a ``refresh`` ran first.
"""

from __future__ import annotations

import datetime as dt

import pytest

PROJECT_TYPE = "pulumi-python:dynamic/gitlab:ProjectAccessToken"


def _clock(day: dt.date) -> str:
    return f"{day.isoformat()}T02:00:00Z"


@pytest.mark.parametrize("refresh_first", [True, False], ids=["refresh-then-up", "up-alone"])
def test_a_family_deleted_by_retention_is_recreated_with_a_new_bot(gitlab_stack, refresh_first):
    gs = gitlab_stack(expirationDays="10", rotateBeforeDays="3", withGroup="false")
    sandbox, stack = gs.sandbox, gs.stack
    stack.up()
    [first] = gs.active_tokens()
    expires = dt.date.fromisoformat(first["expires_at"])

    # 31 days after expiry: GitLab's retention has deleted the family and its bot.
    clock = _clock(expires + dt.timedelta(days=31))
    sandbox.set_time(clock)
    try:
        env = {"GITLAB_TESTING_TIME": clock}
        assert gs.tokens() == [], "the sandbox should have deleted the inactive family"
        if refresh_first:
            # A refresh sees the token gone (GET answers "404 ... Access Token Not Found"); up then creates it.
            stack.refresh(env=env)
        # Without a refresh, up rotates by id, gets GitLab's bare 404, finds the token gone and creates one.
        stack.up(env=env)
        [again] = gs.active_tokens()
        assert again["id"] != first["id"]
        assert again["user_id"] != first["user_id"], "a deleted family comes back with a new bot user"
        assert again["expires_at"] == (expires + dt.timedelta(days=31 + 10)).isoformat()
        outputs = gs.reveal_outputs()
        assert outputs["project_token_id"] == again["id"] and outputs["project_user_id"] == again["user_id"]
        stack.preview("--expect-no-changes", env=env)
        gs.assert_no_secret_leaks()
    finally:
        sandbox.set_time(None)
