"""Ownership by the deployment and a secret, not by names (docs/ownership.md), through the real CLI.

Stacks of equal organization, project, stack and resource names on two
backends; and a stack whose key or backend changes between a killed run and
its recovery on a fresh runner. Runners and the kill come from the shared
backend's tests.
"""

from __future__ import annotations

import pytest
from conftest import GitLabStack
from test_ownership_on_a_shared_backend import (
    SharedProject,
    _kill_when,
    _recover_on_a_new_runner,
    assert_owns_exactly_its_tokens,
    state_token_ids,
)

pytestmark = pytest.mark.timeout(500)

UP = ["up", "--yes", "--skip-preview"]
#: How long the sandbox holds a create's answer after committing it: longer than the kill takes.
HELD_SECONDS = 20


def _killed_mid_create(gs: GitLabStack, others: set[int], adding: int) -> set[int]:
    """Kill an ``up`` adding ``adding`` tokens once some exist; the committed tokens no state holds."""
    before = {t["id"] for t in gs.active_tokens()}
    try:
        # Each create commits, then its answer is held back: the kill comes while none is recorded.
        gs.sandbox.set_faults(drop_after_commit=["create"], drop_after_seconds=HELD_SECONDS)
        _kill_when(gs, UP, lambda: len(gs.active_tokens()) >= len(before) + adding // 2, "the first new tokens")
    finally:
        gs.sandbox.clear_faults()
    gs.stack.remove_torn_sidecars()
    left = {t["id"] for t in gs.active_tokens()} - before - set(state_token_ids(gs)) - others
    assert left, "the kill left no committed-but-unrecorded create; the test proved nothing"
    return left


def _generations(gs: GitLabStack) -> dict[str, int]:
    """Each token resource's ``ownership_generation`` as the state stores it, by resource name."""
    resources = gs.stack.export()["deployment"]["resources"]
    return {r["urn"].rsplit("::", 1)[1]: r["inputs"]["ownership_generation"]
            for r in resources if "ownership_generation" in r.get("inputs", {})}


def test_equal_names_on_two_backends_never_touch_each_others_tokens(sandbox, postgres, tmp_path):
    shared = SharedProject(sandbox, postgres, tmp_path, "two-backends")
    local = shared.new_stack("prod", file_backend=True, count="2")  # a developer's stack
    ci = shared.new_stack("prod", count="2")                          # CI's, same names, on PostgreSQL
    local.stack.up()
    local_ids = assert_owns_exactly_its_tokens(local, 3)
    ci.stack.up()
    assert assert_owns_exactly_its_tokens(local, 3) == local_ids, "the other backend's plain up took a token"
    ci_ids = assert_owns_exactly_its_tokens(ci, 3)
    assert not local_ids & ci_ids

    ci.stack.config_set("count", "3")
    try:
        sandbox.set_faults(drop_after_commit=["create"], drop_rate=1.0)
        ci.stack.up()
    finally:
        sandbox.clear_faults()
    ci_ids = assert_owns_exactly_its_tokens(ci, 4)
    assert assert_owns_exactly_its_tokens(local, 3) == local_ids, "a lost answer took the other backend's token"
    assert _generations(ci) == {"project-token": 2, "project-token-1": 2, "project-token-2": 1, "group-token": 2}, \
        "the engine keeps check's inputs for an unchanged resource too: each up is a generation"

    local.stack.config_set("count", "8")
    _killed_mid_create(local, ci_ids, 6)
    runner = _recover_on_a_new_runner(shared, local)
    local_ids = assert_owns_exactly_its_tokens(runner, 9)
    assert assert_owns_exactly_its_tokens(ci, 4) == ci_ids, "the recovery touched the other backend's tokens"
    assert {t["id"] for t in ci.active_tokens()} == local_ids | ci_ids, "an orphan is left"
    runner.stack.preview("--expect-no-changes")
    ci.stack.preview("--expect-no-changes")
    runner.assert_no_secret_leaks()


def _new_admin_credential(sandbox) -> str:
    """A second credential of the sandbox's administrator: what rotating ``gitlab:token`` gives."""
    admin = sandbox.api("GET", "/user")
    return sandbox.create_user_token(admin["id"], ["api"])


#: The changes between a kill and its recovery, each on a stack of its own beside the same other stack.
CHANGES = ("credential rotated, ownershipKey set", "credential rotated", "state moved to another backend")


def test_a_key_or_backend_change_between_a_kill_and_its_recovery(sandbox, postgres, tmp_path):
    """docs/ownership.md: with ``ownershipKey`` the key survives a credential rotation, and the dead run's
    orphans are recovered; otherwise they are left alone, live, and nothing else is touched.

    The three changes run one after the other in one project, beside one other stack (they share it
    and its set-up); each checks that everything made before it, the other stack's and the earlier
    changes' tokens and orphans, is still there, live and untouched."""
    shared = SharedProject(sandbox, postgres, tmp_path, "key-change")
    other = shared.new_stack("other", count="2")
    other.stack.up()
    other_ids = assert_owns_exactly_its_tokens(other, 3)
    earlier: set[int] = set()  # the active tokens the changes before this one left
    for number, change in enumerate(CHANGES):
        gs = shared.new_stack(f"deploy{number}", count="2", withGroup="false")
        if "ownershipKey" in change:
            gs.stack.config_set("gitlab-tokens:ownershipKey", "a stack's own ownership key, 42 chars long",
                                secret=True)
        gs.stack.up()
        gs.stack.config_set("count", "8")
        left = _killed_mid_create(gs, other_ids | earlier, 6)

        if change.startswith("credential rotated"):
            runner = shared.new_runner(gs)
            credential = _new_admin_credential(sandbox)
            runner.seen_secrets.add(credential)
            runner.stack.config_set("gitlab:token", credential, secret=True)
            runner.stack.run("cancel", "--yes")
        else:
            exported = tmp_path / "exported.json"
            exported.write_text(gs.stack.export_text())
            (tmp_path / "moved-state").mkdir()
            runner = shared.new_runner(gs, moved_to=f"file://{tmp_path / 'moved-state'}")
            runner.stack.run("stack", "import", "--file", str(exported))
        runner.stack.refresh("--clear-pending-creates")
        runner.stack.up()

        ids = assert_owns_exactly_its_tokens(runner, 8)
        assert assert_owns_exactly_its_tokens(other, 3) == other_ids, f"{change}: another stack's tokens were touched"
        active = {t["id"] for t in runner.active_tokens()}
        if "ownershipKey" in change:
            assert active == ids | other_ids | earlier, f"{change}: the dead run's orphans were not recovered"
        else:
            assert active == ids | other_ids | earlier | left, \
                f"{change}: the dead run's orphans are left alone, live, and nothing else"
        runner.stack.preview("--expect-no-changes")
        runner.assert_no_secret_leaks()
        earlier = active - other_ids
