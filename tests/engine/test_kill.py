"""A ``pulumi up`` killed with SIGKILL mid-run, then ``refresh`` and ``up``: no orphan, no duplicate.

The CLI starts the language host and the provider in process groups of their
own, and they outlive a SIGKILL of ``pulumi`` itself (reparented to init,
still finishing their requests). A crash of the machine or of a CI runner
takes all of them at once, and that is the case worth testing: creates that
GitLab committed but whose answers died with the provider. So the test kills
the CLI and every process under it, by id.

The slowed sandbox keeps creates in flight when the kill lands; it commits
them after the client has gone, exactly like a GitLab that finished a request
whose connection dropped.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

COUNT = 30
PROJECT_TYPE = "pulumi-python:dynamic/gitlab:ProjectAccessToken"
SLOW_SECONDS = 1.5

pytestmark = pytest.mark.timeout(300)


def descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (children, grandchildren, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is parenthesised and may hold spaces; the parent pid follows it.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(pid: int) -> list[int]:
    """SIGKILL ``pid`` and all its descendants at once, as a crash would; returns the pids killed."""
    victims = [pid, *descendants(pid)]
    for victim in victims:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return victims


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_up_killed_mid_run_then_refresh_and_up_leaves_no_orphan_or_duplicate(gitlab_stack):
    gs = gitlab_stack(count=str(COUNT), withGroup="false")
    sandbox, stack = gs.sandbox, gs.stack
    try:
        sandbox.set_faults(slow_rate=1.0, slow_seconds=SLOW_SECONDS, methods=["POST"], seed=3)
        args = ["up", "--yes", "--skip-preview"]
        proc = stack.spawn(*args)
        # Kill once a third of the tokens exist: more are in flight, the rest not started.
        wait_for(lambda: len(gs.active_tokens()) >= COUNT // 3 or proc.poll() is not None, 120,
                 "the first tokens to be created")
        assert proc.poll() is None, f"pulumi up finished before it could be killed:\n{stack.reap(proc, args)}"
        killed = kill_tree(proc.pid)
        assert len(killed) >= 3, "expected the CLI, its language host and its provider"
        stack.reap(proc, args)
        assert proc.returncode == -signal.SIGKILL
        for pid in killed[1:]:
            wait_for(lambda: not Path(f"/proc/{pid}").exists() or "Z" in _state(pid), 10, f"pid {pid} to die")
        # Requests in flight at the kill are still being committed by the (slowed) server.
        time.sleep(SLOW_SECONDS + 1)
        sandbox.clear_faults()

        in_state = {int(r["outputs"]["token_id"]) for r in stack.resources(PROJECT_TYPE)}
        active = {t["id"] for t in gs.active_tokens()}
        assert active - in_state, "the kill left no committed-but-unrecorded create; the test proved nothing"
        assert stack.export()["deployment"].get("pending_operations"), "the engine recorded no pending create"

        # What an operator does after a crash: release the dead run's lock, refresh
        # (dropping the creates the state only knows as pending), then up again.
        stack.run("cancel", "--yes")
        stack.refresh("--clear-pending-creates")
        stack.up()

        resources = stack.resources(PROJECT_TYPE)
        state_ids = [int(r["outputs"]["token_id"]) for r in resources]
        assert len(resources) == COUNT
        assert len(set(state_ids)) == COUNT, f"two resources hold one token: {Counter(state_ids).most_common(2)}"
        active_tokens = gs.active_tokens()
        active = {t["id"] for t in active_tokens}
        assert active - set(state_ids) == set(), f"orphans: {sorted(active - set(state_ids))}"
        assert set(state_ids) - active == set(), f"state names inactive tokens: {sorted(set(state_ids) - active)}"
        names = Counter(t["name"] for t in active_tokens)
        assert max(names.values()) == 1, f"duplicate active tokens: {names.most_common(2)}"
        stack.preview("--expect-no-changes")
        gs.assert_no_secret_leaks()
    finally:
        sandbox.clear_faults()


def _state(pid: int) -> str:
    """The one-letter process state (``Z`` for a zombie) or ``""`` if it is gone."""
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def test_an_emptied_checkpoint_sidecar_fails_every_command_until_it_is_deleted(make_stack):
    """The file backend's tear a kill can leave (see ``PulumiStack.remove_torn_sidecars``), and its cure.

    What docs/recovery.md tells an operator to do, through the real CLI: the
    checkpoint is whole, only its metadata file is empty.
    """
    stack = make_stack("echo")
    stack.up()
    [sidecar] = (stack.work / "state").rglob(f"stacks/*/{stack.stack}.json.attrs")
    sidecar.write_bytes(b"")
    failed = stack.run("stack", "export", check=False)
    assert failed.returncode != 0 and "failed to load checkpoint: EOF" in failed.output
    assert stack.remove_torn_sidecars() == [sidecar]
    exported = json.loads(stack.export_text())["deployment"]["resources"]  # through the CLI again
    assert [r["id"] for r in exported if r["type"] == "pulumi-python:dynamic/demo:Echo"] == ["echo-hello-world"]
    stack.preview("--expect-no-changes")
