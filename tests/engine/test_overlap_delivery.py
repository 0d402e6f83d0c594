"""Delivery and rotation through the real CLI: without overlap the old value dies with the run; a killed
overlap rotation, finished on a fresh runner, leaves no orphan and still revokes the predecessor on time.

Both run ``examples/deliver`` (a project token fed into a consumer project's CI/CD
variable); ``test_examples.py`` runs it with overlap on and checks the consumer keeps
working through the grace period, and that on the day it ends preview shows exactly
what up does. Clocks move together: the sandbox's, and the
provider's through ``GITLAB_TESTING_TIME``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import time
import urllib.parse
from pathlib import Path

import pytest
from conftest import GitLabStack
from support.pulumi_cli import REPO, PulumiStack
from test_kill import kill_tree, wait_for

DELIVER = REPO / "examples" / "deliver"
PROJECT_TYPE = "pulumi-python:dynamic/gitlab:ProjectAccessToken"
SLOW_SECONDS = 3.0
#: The example rotates 65 days before a 90-day expiry: day 25 opens the window.
ROTATION_DAY = 26

pytestmark = pytest.mark.timeout(400)


def night(days: int) -> str:
    """02:00 UTC ``days`` from today, as ``GITLAB_TESTING_TIME`` and the sandbox take it."""
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)).strftime("%Y-%m-%dT02:00:00Z")


def delivered(gs: GitLabStack, consumer: dict) -> str:
    """What a consumer's job reads: the variable's value, as GitLab serves it."""
    path = f"/projects/{urllib.parse.quote(consumer['path_with_namespace'], safe='')}/variables/REGISTRY_TOKEN"
    value = gs.sandbox.api("GET", path)["value"]
    gs.seen_secrets.add(value)
    return value


def authenticates(gs: GitLabStack, value: str) -> bool:
    """Whether a job using ``value`` gets through GitLab's authentication."""
    status, _, _ = gs.sandbox.request("GET", "/api/v4/personal_access_tokens/self", token=value)
    return status == 200


def deliver_stack(gitlab_stack, grace: int) -> tuple[GitLabStack, dict]:
    gs = gitlab_stack(DELIVER, gracePeriodDays=str(grace))
    consumer = gs.sandbox.create_project("deployer", gs.group["id"])
    gs.stack.config_set("consumer", consumer["path_with_namespace"])
    return gs, consumer


def test_without_overlap_the_value_a_job_read_fails_right_after_the_rotation(gitlab_stack):
    """Today's behaviour, and why overlap exists: GitLab's rotate revokes the old value at once."""
    gs, consumer = deliver_stack(gitlab_stack, grace=0)
    gs.stack.up()
    before = delivered(gs, consumer)
    assert authenticates(gs, before)
    when = night(ROTATION_DAY)
    gs.sandbox.set_time(when)
    try:
        gs.sandbox.reset_counters()
        gs.stack.up(env={"GITLAB_TESTING_TIME": when})
        calls = gs.sandbox.calls()
        assert calls.get("POST /api/v4/projects/:id/access_tokens/:token_id/rotate") == 1, calls
        after = delivered(gs, consumer)
        assert after != before and authenticates(gs, after)
        assert not authenticates(gs, before), "a job still holding the old value fails mid-way"
        assert len(gs.active_tokens()) == 1
    finally:
        gs.sandbox.set_time(None)
    gs.assert_no_secret_leaks()


def fresh_runner(previous: PulumiStack, work: Path, backend: str) -> PulumiStack:
    """The same stack on another machine: a new checkout with its committed stack config, an empty
    ``PULUMI_HOME``, the same backend."""
    shutil.copytree(DELIVER, work / "program", ignore=shutil.ignore_patterns("__pycache__"))
    config_file = f"Pulumi.{previous.stack}.yaml"
    shutil.copy(previous.dir / config_file, work / "program" / config_file)
    return PulumiStack(DELIVER, work, stack=previous.stack, init=False,
                       extra_env={"PULUMI_BACKEND_URL": backend})


def test_a_killed_overlap_rotation_finished_on_a_fresh_runner_leaves_no_orphan_and_revokes_on_time(
        gitlab_stack, tmp_path):
    probe, consumer = deliver_stack(gitlab_stack, grace=3)  # its group and projects; its stack stays unused
    backend = f"file://{tmp_path / 'shared-backend'}"
    (tmp_path / "shared-backend").mkdir()
    stack = PulumiStack(DELIVER, tmp_path / "runner1", extra_env={"PULUMI_BACKEND_URL": backend})
    for key in ("gitlab:baseUrl", "project", "consumer", "gracePeriodDays"):
        stack.config_set(key, probe.stack.run("config", "get", key).stdout.strip())
    stack.config_set("gitlab:token", probe.sandbox.admin_token, secret=True)
    gs = GitLabStack(stack, probe.sandbox, probe.group, probe.project)
    sandbox = gs.sandbox
    stack.up()
    [first] = stack.resources(PROJECT_TYPE)
    first_id = int(first["outputs"]["token_id"])
    before = delivered(gs, consumer)

    when = night(ROTATION_DAY)
    sandbox.set_time(when)
    try:
        # Kill the run while the successor's create is in flight; the slowed sandbox commits it afterwards.
        sandbox.reset_counters()
        sandbox.set_faults(slow_rate=1.0, slow_seconds=SLOW_SECONDS, methods=["POST"], seed=5)
        stack.extra_env["GITLAB_TESTING_TIME"] = when
        args = ["up", "--yes", "--skip-preview"]
        proc = stack.spawn(*args)
        wait_for(lambda: sandbox.counters().get("POST /api/v4/projects/:id/access_tokens", 0) >= 1
                 or proc.poll() is not None, 120, "the successor's create to be sent")
        assert proc.poll() is None, f"pulumi up finished before it could be killed:\n{stack.reap(proc, args)}"
        kill_tree(proc.pid)
        stack.reap(proc, args)
        assert proc.returncode == -signal.SIGKILL
        time.sleep(SLOW_SECONDS + 1)
        sandbox.clear_faults()
        active = {t["id"] for t in gs.active_tokens()}
        assert len(active) == 2 and first_id in active, "the kill left no committed-but-unrecorded successor"
        assert [int(r["outputs"]["token_id"]) for r in stack.resources(PROJECT_TYPE)] == [first_id]
        assert delivered(gs, consumer) == before

        # A fresh runner finishes the night's rotation: it adopts the dead run's successor by its mark.
        runner = fresh_runner(stack, tmp_path / "runner2", backend)
        runner.run("cancel", "--yes", check=False)
        runner.up(env={"GITLAB_TESTING_TIME": when})
        [resource] = runner.resources(PROJECT_TYPE)
        current = int(resource["outputs"]["token_id"])
        recorded = [int(p["token_id"]) for p in resource["outputs"]["predecessors"]]
        assert recorded == [first_id]
        active = {t["id"] for t in gs.active_tokens()}
        assert active == {current, first_id}, f"orphans: {sorted(active - {current, first_id})}"
        after = delivered(gs, consumer)
        assert after != before and authenticates(gs, after) and authenticates(gs, before)

        # Three days later, yet another runner: the predecessor is revoked, one token is left.
        revoke_day = night(ROTATION_DAY + 3)
        sandbox.set_time(revoke_day)
        third = fresh_runner(stack, tmp_path / "runner3", backend)
        third.up(env={"GITLAB_TESTING_TIME": revoke_day})
        assert {t["id"] for t in gs.active_tokens()} == {current}
        assert not authenticates(gs, before) and authenticates(gs, after)
        [revocation] = third.resources(REVOCATION_TYPE)
        assert [p["token_id"] for p in revocation["outputs"]["revoking"]] == [first_id]
        third.preview("--expect-no-changes", env={"GITLAB_TESTING_TIME": revoke_day})
    finally:
        sandbox.clear_faults()
        sandbox.set_time(None)
    gs.assert_no_secret_leaks()


WRITES = ("POST", "PUT", "DELETE")
VARIABLE_PUT = "PUT /api/v4/projects/:id/variables/:key"
TOKEN_DELETE = "DELETE /api/v4/projects/:id/access_tokens/:token_id"
REVOCATION_TYPE = "pulumi-python:dynamic/gitlab:PredecessorRevocation"


def writes(gs: GitLabStack) -> dict[str, int]:
    """The API writes the sandbox served since its counters were reset."""
    return {k: v for k, v in gs.sandbox.counters().items() if v and k.split(" ", 1)[0] in WRITES}


def test_a_variable_that_cannot_be_updated_keeps_the_predecessor_alive_whatever_the_calendar(gitlab_stack):
    """The grace scenario: from the rotation night on, the consumer's variable PUT answers 500 night after
    night, past the end of the grace period. Its value (the predecessor) keeps authenticating; no
    ``preview --refresh`` writes; the night GitLab answers again, the value is delivered and only then is
    the predecessor revoked, by the token's predecessor revocation, as the preview said."""
    gs, consumer = deliver_stack(gitlab_stack, grace=3)
    gs.stack.config_set("gitlab:retries", "1")  # each failing night gives up after one retry of the PUT
    gs.stack.up()
    old = delivered(gs, consumer)
    [token] = gs.stack.resources(PROJECT_TYPE)
    first_id = int(token["outputs"]["token_id"])
    try:
        for day in range(ROTATION_DAY, ROTATION_DAY + 4):  # the rotation night, then past the grace period
            when = night(day)
            gs.sandbox.set_time(when)
            gs.sandbox.set_faults(error_rate=1.0, methods=["PUT"], seed=day)
            env = {"GITLAB_TESTING_TIME": when}
            if day == ROTATION_DAY + 3:  # the predecessor is due: a refreshing preview still writes nothing
                gs.sandbox.reset_counters()
                gs.stack.preview("--refresh", env=env)
                assert writes(gs) == {}, writes(gs)
            gs.sandbox.reset_counters()
            failed = gs.stack.up(env=env, check=False)
            assert failed.returncode != 0 and "500" in failed.output, failed
            calls = writes(gs)
            assert calls.get(VARIABLE_PUT) == 2, calls  # the PUT, retried once like a read
            assert TOKEN_DELETE not in calls, f"day {day}: the predecessor was revoked: {calls}"
            assert delivered(gs, consumer) == old and authenticates(gs, old), f"day {day}: the consumer got 401"

        when = night(ROTATION_DAY + 4)  # GitLab answers again
        gs.sandbox.set_time(when)
        gs.sandbox.clear_faults()
        env = {"GITLAB_TESTING_TIME": when}
        preview = gs.stack.preview("--diff", env=env)
        assert "PredecessorRevocation" in preview.output and "grace period ended on" in preview.output, preview
        gs.sandbox.reset_counters()
        gs.stack.up(env=env)
        assert writes(gs) == {VARIABLE_PUT: 1, TOKEN_DELETE: 1}, writes(gs)
        new = delivered(gs, consumer)
        assert new != old and authenticates(gs, new) and not authenticates(gs, old)
        [token] = gs.stack.resources(PROJECT_TYPE)
        assert {t["id"] for t in gs.active_tokens()} == {int(token["outputs"]["token_id"])} != {first_id}
        gs.stack.preview("--expect-no-changes", env=env)
    finally:
        gs.sandbox.clear_faults()
        gs.sandbox.set_time(None)
    gs.assert_no_secret_leaks()


def test_a_token_fed_to_two_variables_is_revoked_after_both_hold_its_successor(gitlab_stack):
    """The revocation depends on every variable fed from the token and records what each holds."""
    gs = gitlab_stack("variables", mintedGracePeriodDays="3")
    gs.stack.config_set("value", "s3cr3t-first-value-0001", secret=True)
    gs.seen_secrets.add("s3cr3t-first-value-0001")
    gs.stack.up()
    [minted] = [t for t in gs.stack.resources(PROJECT_TYPE) if t["urn"].endswith("::minted")]
    variables = [r for r in gs.stack.export()["deployment"]["resources"]
                 if r["urn"].endswith(("::minted-token", "::minted-token-group"))]
    [revocation] = [r for r in gs.stack.export()["deployment"]["resources"] if r["type"] == REVOCATION_TYPE]
    assert revocation["parent"] == minted["urn"]
    assert {v["urn"] for v in variables} <= set(revocation["dependencies"]), revocation["dependencies"]
    assert revocation["inputs"]["holders"] == [minted["outputs"]["token_id"]] * 2
    first = gs.reveal_outputs()["minted_token"]
    try:
        for day, expected in ((24, {"POST /api/v4/projects/:id/access_tokens": 1, VARIABLE_PUT: 1,
                                    "PUT /api/v4/groups/:id/variables/:key": 1}),
                              (27, {TOKEN_DELETE: 1})):  # the rotation night, then the end of the grace period
            when = night(day)
            gs.sandbox.set_time(when)
            gs.sandbox.reset_counters()
            gs.stack.up(env={"GITLAB_TESTING_TIME": when})
            assert writes(gs) == expected, (day, writes(gs))
            current = gs.reveal_outputs()["minted_token"]
            assert authenticates(gs, current) and authenticates(gs, first) is (day < 27)
        [revocation] = [r for r in gs.stack.export()["deployment"]["resources"] if r["type"] == REVOCATION_TYPE]
        [minted] = [t for t in gs.stack.resources(PROJECT_TYPE) if t["urn"].endswith("::minted")]
        assert revocation["inputs"]["holders"] == [minted["outputs"]["token_id"]] * 2
    finally:
        gs.sandbox.set_time(None)
    gs.assert_no_secret_leaks()
