"""Every example project, and `make demo`, run against the sandbox through the real CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess

from support.pulumi_cli import REPO, VENV_BIN, policy_pack_args

EXAMPLES = REPO / "examples"


def test_ci_deploy_example(gitlab_stack):
    gs = gitlab_stack(EXAMPLES / "ci-deploy")
    gs.stack.up()
    tokens = sorted(gs.active_tokens(), key=lambda t: t["name"])
    assert [(t["name"], t["scopes"]) for t in tokens] == [
        ("ci-registry-pull", ["read_registry"]),
        ("ci-repo-push", ["write_repository"]),
    ]
    shown = gs.stack.run("stack", "output").output
    assert "[secret]" in shown
    gs.assert_no_secret_leaks()
    gs.stack.destroy()
    assert gs.active_tokens() == []


def test_rotation_example_rotates_in_place_on_a_later_night(gitlab_stack):
    gs = gitlab_stack(EXAMPLES / "rotation")
    gs.stack.up()
    first = gs.reveal_outputs()
    # Night 20: outside the window (expires in 70 days, rotation 65 days before): no change.
    night20 = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=20)).strftime("%Y-%m-%dT02:00:00Z")
    gs.sandbox.set_time(night20)
    try:
        gs.stack.preview("--expect-no-changes", env={"GITLAB_TESTING_TIME": night20})
        # Night 26: inside the window: rotated in place.
        night26 = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=26)).strftime("%Y-%m-%dT02:00:00Z")
        gs.sandbox.set_time(night26)
        gs.stack.up(env={"GITLAB_TESTING_TIME": night26})
        second = gs.reveal_outputs()
        assert second["bot_user_id"] == first["bot_user_id"]
        assert second["token_id"] != first["token_id"]
        assert second["token"] != first["token"]
        assert second["expires_at"] == (dt.date.fromisoformat(night26[:10]) + dt.timedelta(days=90)).isoformat()
        [active] = gs.active_tokens()
        assert active["id"] == second["token_id"]
    finally:
        gs.sandbox.set_time(None)
    gs.assert_no_secret_leaks()


def test_deliver_example_keeps_a_job_that_read_the_old_value_working_through_the_grace(gitlab_stack):
    """Zero downtime: a job that read the variable before the rotation run keeps authenticating for the
    whole grace period, a job reading after it gets the new value, and then exactly one token is left.

    On the day the grace period ends, preview shows exactly what up does: the token and its variable
    no change (their values do not change), the revocation one update with its reason, and up makes
    exactly that one DELETE. (This walk is also the one that scenario needs, so it checks both.)
    """
    from test_overlap_delivery import (
        REVOCATION_TYPE, ROTATION_DAY, TOKEN_DELETE, authenticates, deliver_stack, delivered, night, writes,
    )

    gs, consumer = deliver_stack(gitlab_stack, grace=3)
    gs.stack.up()
    old = delivered(gs, consumer)
    first = gs.stack.outputs()
    rotation_night = night(ROTATION_DAY)
    gs.sandbox.set_time(rotation_night)
    try:
        gs.sandbox.reset_counters()
        gs.stack.up(env={"GITLAB_TESTING_TIME": rotation_night})
        calls = {k: v for k, v in gs.sandbox.counters().items() if k != "total" and v}
        assert calls == {
            "GET /api/v4/projects/:id/access_tokens": 1,  # the run's one listing of the project
            "POST /api/v4/projects/:id/access_tokens": 1,  # the successor
            "PUT /api/v4/projects/:id/variables/:key": 1,  # delivered in the same run
        }, calls
        new = delivered(gs, consumer)
        second = gs.stack.outputs()
        assert new != old and second["bot_user_id"] != first["bot_user_id"]
        for day in range(ROTATION_DAY, ROTATION_DAY + 3):  # the grace period, night by night
            when = night(day)
            gs.sandbox.set_time(when)
            assert authenticates(gs, old) and authenticates(gs, new), f"day {day}"
        gs.stack.preview("--expect-no-changes", env={"GITLAB_TESTING_TIME": when})

        revoke_night = night(ROTATION_DAY + 3)
        gs.sandbox.set_time(revoke_night)
        env = {"GITLAB_TESTING_TIME": revoke_night}
        gs.sandbox.reset_counters()
        preview = gs.stack.preview("--json", env=env)
        assert writes(gs) == {}
        steps = {(s["urn"].rsplit("::", 1)[1], s["op"]) for s in json.loads(preview.stdout)["steps"]
                 if s["op"] != "same"}
        assert steps == {("registry-reader-predecessors", "update")}, steps
        gs.sandbox.reset_counters()
        up = gs.stack.up(env=env)
        calls = {k: v for k, v in gs.sandbox.counters().items() if k != "total" and v}
        assert calls == {TOKEN_DELETE: 1}, calls
        assert "1 updated" in up.output, up
        assert not authenticates(gs, old) and authenticates(gs, delivered(gs, consumer))
        [active] = gs.active_tokens()
        assert active["id"] == second["token_id"]
        [revocation] = gs.stack.resources(REVOCATION_TYPE)
        assert "grace period ended on" in revocation["outputs"]["revoking"][0]["reason"]
        gs.stack.preview("--expect-no-changes", env=env)
    finally:
        gs.sandbox.set_time(None)
    gs.assert_no_secret_leaks()


def test_policy_example_fails_then_passes_with_its_config(gitlab_stack):
    gs = gitlab_stack(EXAMPLES / "policy")
    failing = gs.stack.preview(*policy_pack_args(), check=False)
    assert failing.returncode != 0
    for policy in ("gitlab-token-scopes", "gitlab-token-lifetime"):
        assert policy in failing.output, failing
    passing = gs.stack.preview(*policy_pack_args(config=gs.stack.dir / "policy-config.json"))
    assert passing.returncode == 0


def test_make_demo_twice_converges(tmp_path):
    env = {**os.environ, "GITLAB_TOKENS_DEMO_DIR": str(tmp_path / "demo")}
    env.pop("PULUMI_BACKEND_URL", None)
    demo = [str(VENV_BIN / "python"), str(REPO / "toolchain" / "demo.py")]
    try:
        first = subprocess.run([*demo, "up"], env=env, capture_output=True, text=True, timeout=600)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "+ 3 created" in first.stdout, first.stdout  # the stack and two tokens
        assert "project_token" in first.stdout and "[secret]" in first.stdout
        assert "make demo-down" in first.stdout
        second = subprocess.run([*demo, "up"], env=env, capture_output=True, text=True, timeout=600)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "3 unchanged" in second.stdout, second.stdout
        admin = (tmp_path / "demo" / "admin-token").read_text().strip()
        assert admin not in first.stdout + first.stderr + second.stdout + second.stderr
    finally:
        down = subprocess.run([*demo, "down"], env=env, capture_output=True, text=True, timeout=600)
    assert down.returncode == 0, down.stdout + down.stderr
    assert "sandbox stopped" in down.stdout
