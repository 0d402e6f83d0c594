"""Stacks that share a PostgreSQL state backend and a project, as CI deployment stacks do.

Each "runner" is a working copy with a ``PULUMI_HOME`` of its own; a new
runner after a crash has an empty one, and finds what the dead run left in
GitLab alone, by the ownership mark. Tokens of one program have equal names in
every stack: only the mark tells them apart.
"""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import GitLabStack
from support.pulumi_cli import PROGRAMS, PulumiStack
from test_kill import kill_tree, wait_for

from pulumi_gitlab_tokens.client import gitlab_client

PROJECT_TYPE = "pulumi-python:dynamic/gitlab:ProjectAccessToken"
GROUP_TYPE = "pulumi-python:dynamic/gitlab:GroupAccessToken"
TOKEN_TYPES = (PROJECT_TYPE, GROUP_TYPE)
SLOW_SECONDS = 1.5

pytestmark = pytest.mark.timeout(400)


class SharedProject:
    """One sandbox group and project, one backend database: the setting every runner here shares."""

    def __init__(self, sandbox, postgres, tmp_path: Path, slug: str) -> None:
        self.sandbox, self.tmp_path = sandbox, tmp_path
        self.backend_url = postgres.new_database()
        self.group = sandbox.create_group(f"{slug}-{int(time.time() * 1000) % 10**8}")
        self.project = sandbox.create_project("app", self.group["id"])
        self.runners = 0

    def _work(self) -> Path:
        self.runners += 1
        return self.tmp_path / f"runner{self.runners}"

    def new_stack(self, stack: str, *, file_backend: bool = False, **config: str) -> GitLabStack:
        """A stack created on a first runner, configured like the tests' other stacks; on the shared
        PostgreSQL backend, or with ``file_backend`` on a file backend in the first runner's directory."""
        pulumi = PulumiStack(PROGRAMS / "tokens", self._work(), stack=stack,
                             extra_env={} if file_backend else {"PULUMI_BACKEND_URL": self.backend_url})
        pulumi.config_set_all({"gitlab:baseUrl": self.sandbox.base_url, "project": self.project["path_with_namespace"],
                               "group": self.group["full_path"], **config}, {"gitlab:token": self.sandbox.admin_token})
        return GitLabStack(pulumi, self.sandbox, self.group, self.project)

    def new_runner(self, previous: GitLabStack, *, moved_to: str | None = None) -> GitLabStack:
        """The same stack on a fresh runner: a new checkout (the stack's config file as committed), an
        empty ``PULUMI_HOME``, the same backend (for a file backend, the first runner's directory), or
        an empty stack of that name on backend ``moved_to``, for a ``pulumi stack import``."""
        work = self._work()
        shutil.copytree(PROGRAMS / "tokens", work / "program", ignore=shutil.ignore_patterns("__pycache__"))
        config_file = f"Pulumi.{previous.stack.stack}.yaml"
        shutil.copy(previous.stack.dir / config_file, work / "program" / config_file)
        backend_url = moved_to or previous.stack.env["PULUMI_BACKEND_URL"]
        pulumi = PulumiStack(PROGRAMS / "tokens", work, stack=previous.stack.stack, init=moved_to is not None,
                             extra_env={"PULUMI_BACKEND_URL": backend_url})
        return GitLabStack(pulumi, self.sandbox, self.group, self.project, set(previous.seen_secrets))


def state_token_ids(gs: GitLabStack) -> list[int]:
    return [int(r["outputs"]["token_id"]) for t in TOKEN_TYPES for r in gs.stack.resources(t)]


def assert_owns_exactly_its_tokens(gs: GitLabStack, expected: int) -> set[int]:
    """The stack's state names ``expected`` distinct tokens, all active, each value authenticating as it."""
    ids = state_token_ids(gs)
    assert len(ids) == expected and len(set(ids)) == expected, Counter(ids).most_common(2)
    active = {t["id"] for t in gs.active_tokens()}
    assert set(ids) <= active, f"the state names inactive tokens: {sorted(set(ids) - active)}"
    outputs = gs.reveal_outputs()
    values = [v for v in outputs.values() if isinstance(v, str) and v.startswith("glpat-")]
    assert len(values) == expected
    for value in values:
        status, _, body = gs.sandbox.request("GET", "/api/v4/personal_access_tokens/self", token=value)
        assert status == 200 and body["id"] in ids, "a token value in the state no longer authenticates"
    return set(ids)


def test_a_second_stack_losing_every_create_answer_never_touches_the_first_stacks_tokens(
        sandbox, postgres, tmp_path):
    shared = SharedProject(sandbox, postgres, tmp_path, "two-stacks")
    prod = shared.new_stack("prod", count="2")
    prod.stack.up()
    prod_ids = assert_owns_exactly_its_tokens(prod, 3)
    dev = shared.new_stack("dev", count="2")
    try:
        sandbox.set_faults(drop_after_commit=["create"], drop_rate=1.0)
        dev.stack.up()
    finally:
        sandbox.clear_faults()
    assert assert_owns_exactly_its_tokens(prod, 3) == prod_ids, "the first stack's tokens changed"
    dev_ids = assert_owns_exactly_its_tokens(dev, 3)
    assert {t["id"] for t in prod.active_tokens()} == prod_ids | dev_ids, "an orphan is left"
    dev.stack.preview("--expect-no-changes")
    prod.stack.preview("--expect-no-changes")


def test_four_stacks_running_up_at_once_each_end_with_exactly_their_own_tokens(sandbox, postgres, tmp_path):
    shared = SharedProject(sandbox, postgres, tmp_path, "four-stacks")
    stacks = [shared.new_stack(f"ci-{n}", count="2") for n in range(4)]
    args = ["up", "--yes", "--skip-preview"]
    runs = [gs.stack.spawn(*args) for gs in stacks]
    for gs, proc in zip(stacks, runs):
        result = gs.stack.reap(proc, args, timeout=300)
        assert result.returncode == 0, result
    owned = [assert_owns_exactly_its_tokens(gs, 3) for gs in stacks]
    assert len(set().union(*owned)) == 12, "two stacks hold one token"
    assert {t["id"] for t in stacks[0].active_tokens()} == set().union(*owned), "an orphan is left"


def _kill_when(gs: GitLabStack, args: list[str], ready, what: str, env: dict[str, str] | None = None) -> None:
    """Run ``pulumi ARGS`` and SIGKILL its whole process tree once ``ready()``, as a lost runner would."""
    proc = gs.stack.spawn(*args) if env is None else _spawn_with(gs.stack, args, env)
    wait_for(lambda: ready() or proc.poll() is not None, 120, what)
    assert proc.poll() is None, f"pulumi finished before it could be killed:\n{gs.stack.reap(proc, args)}"
    kill_tree(proc.pid)
    gs.stack.reap(proc, args)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(SLOW_SECONDS + 1)  # requests in flight at the kill are still being committed


def _spawn_with(stack: PulumiStack, args: list[str], env: dict[str, str]):
    stack.extra_env.update(env)
    try:
        return stack.spawn(*args)
    finally:
        for key in env:
            stack.extra_env.pop(key, None)


def _recover_on_a_new_runner(shared: SharedProject, gs: GitLabStack, env: dict[str, str] | None = None) -> GitLabStack:
    """What the next CI job does after a crash: cancel, refresh dropping pending creates, up."""
    runner = shared.new_runner(gs)
    runner.stack.run("cancel", "--yes", env=env)
    runner.stack.refresh("--clear-pending-creates", env=env)
    runner.stack.up(env=env)
    return runner


def test_a_runner_killed_mid_create_leaves_nothing_for_the_next_runner_to_orphan(sandbox, postgres, tmp_path):
    shared = SharedProject(sandbox, postgres, tmp_path, "killed-create")
    gs = shared.new_stack("deploy", count="8")
    try:
        sandbox.set_faults(slow_rate=1.0, slow_seconds=SLOW_SECONDS, methods=["POST"], seed=3)
        _kill_when(gs, ["up", "--yes", "--skip-preview"], lambda: len(gs.active_tokens()) >= 3,
                   "the first tokens to be created")
    finally:
        sandbox.clear_faults()
    left = {t["id"] for t in gs.active_tokens()} - set(state_token_ids(gs))
    assert left, "the kill left no committed-but-unrecorded create; the test proved nothing"
    runner = _recover_on_a_new_runner(shared, gs)
    ids = assert_owns_exactly_its_tokens(runner, 9)
    assert {t["id"] for t in runner.active_tokens()} == ids, "active tokens outside the state"
    runner.stack.preview("--expect-no-changes")
    runner.assert_no_secret_leaks()


def test_a_runner_killed_mid_rotation_has_its_rotations_finished_by_the_next_runner(sandbox, postgres, tmp_path):
    shared = SharedProject(sandbox, postgres, tmp_path, "killed-rotation")
    gs = shared.new_stack("deploy", count="8", expirationDays="30", rotateBeforeDays="7")
    gs.stack.up()
    first = {t["id"]: t for t in gs.active_tokens()}
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=24)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sandbox.set_time(later)
    env = {"GITLAB_TESTING_TIME": later}
    try:
        sandbox.set_faults(slow_rate=1.0, slow_seconds=SLOW_SECONDS, methods=["POST"], seed=5)
        rotated = lambda: sum(1 for t in gs.tokens() if t["id"] in first and not t["active"]) >= 3  # noqa: E731
        _kill_when(gs, ["up", "--yes", "--skip-preview"], rotated, "the first rotations", env=env)
        sandbox.clear_faults()
        successors = {t["id"] for t in gs.active_tokens()} - set(state_token_ids(gs))
        assert successors, "the kill left no unrecorded rotation; the test proved nothing"
        runner = _recover_on_a_new_runner(shared, gs, env)
        ids = assert_owns_exactly_its_tokens(runner, 9)
        active = {t["id"]: t for t in runner.active_tokens()}
        assert set(active) == ids, "active tokens outside the state"
        assert not ids & set(first), "every token was rotated"
        assert {t["user_id"] for t in active.values()} == {t["user_id"] for t in first.values()}, \
            "each bot user is kept: the successors were adopted, not replaced by new bots"
        runner.stack.preview("--expect-no-changes", env=env)
    finally:
        sandbox.clear_faults()
        sandbox.set_time(None)


def test_a_create_landing_after_the_client_timeout_is_revoked_by_the_next_up(sandbox, postgres, tmp_path):
    """GitLab commits the first POST after the provider gave up on it (its 30 s timeout) and posted again."""
    shared = SharedProject(sandbox, postgres, tmp_path, "late-create")
    gs = shared.new_stack("deploy", withGroup="false")
    create_route = "POST /api/v4/projects/:id/access_tokens"
    late_seconds = gitlab_client.REQUEST_TIMEOUT_SECONDS + 4
    args = ["up", "--yes", "--skip-preview"]
    try:
        sandbox.reset_counters()
        sandbox.set_faults(slow_rate=1.0, slow_seconds=late_seconds, methods=["POST"])
        proc = gs.stack.spawn(*args)
        # Only the first POST is slow: the retry after the timeout is answered at once.
        wait_for(lambda: sandbox.counters().get(create_route, 0) >= 1, 60, "the first create to arrive")
        sandbox.clear_faults()
        result = gs.stack.reap(proc, args, timeout=120)
        assert result.returncode == 0, result
    finally:
        sandbox.clear_faults()
    (state_id,) = state_token_ids(gs)
    wait_for(lambda: len(gs.active_tokens()) == 2, late_seconds, "the first create to land")
    assert {t["id"] for t in gs.active_tokens()} - {state_id}, "nothing landed late; the test proved nothing"
    gs.stack.up()
    assert [t["id"] for t in gs.active_tokens()] == state_token_ids(gs) == [state_id]
    gs.stack.preview("--expect-no-changes")
