"""``make bench`` in miniature: the harness runs end to end at N = 3, both faces (the dynamic provider
and the native one) meet the GitLab call targets, and the report sets them side by side.

Timing is reported by ``make bench``, never asserted here: the machine is noisy.
"""

from __future__ import annotations

import datetime as dt
import sys

from support.pulumi_cli import REPO, pulumi_executable
from support.sandbox import running_sandbox

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the benchmarks package lives at the repository root

from benchmarks import report  # noqa: E402
from benchmarks.harness import API_CALL_TARGETS, NATIVE, OPERATIONS, SIZE_FLAVORS, run_benchmark  # noqa: E402

SIZE = 3


def test_bench_runs_and_meets_the_api_call_targets(tmp_path):
    lines: list[str] = []
    with running_sandbox() as sandbox:  # its own, so its counters see only this test's calls
        [result] = run_benchmark([SIZE], tmp_path / "work", progress=lines.append, sandbox=sandbox, cycles=1)

    assert set(result.runs) == {(flavor, op) for flavor in SIZE_FLAVORS for op in OPERATIONS}
    assert len(lines) == 1 + len(SIZE_FLAVORS) * len(OPERATIONS)  # one line per CLI command, plus the projects
    for (flavor, operation), run in result.runs.items():
        assert run.seconds > 0
        # The watcher finds each face's provider process: python -m pulumi.dynamic, or the native executable.
        assert run.provider_peak_rss_kib and run.provider_cpu_seconds is not None, \
            f"no provider process seen for {flavor} {operation}"
        if flavor == "floor":
            assert run.api_total == 0, f"the floor called GitLab during {operation}"
    assert result.faces == ("ours", NATIVE)
    for face in result.faces:
        per_token = {op: result.api_calls_per_token(op, face) for op in OPERATIONS}
        assert per_token == API_CALL_TARGETS, face  # create 1, no-op preview 0, refresh 1, destroy 1
        listings = {op: result.listings_per_project(op, face) for op in OPERATIONS}
        assert listings == {"up": 1, "preview": 0, "refresh": 0, "destroy": 0}, f"{face}: one listing per project"
    assert result.meets_api_targets()
    assert all(result.face_ratio(op) > 0 for op in OPERATIONS)

    text = report.render([result], machine_info=report.machine(), version_info=report.versions(pulumi_executable()),
                         started=dt.datetime.now(dt.timezone.utc), elapsed_seconds=1.0)
    assert f"## 0 ms, N = {SIZE}" in text
    calls_goals = [line for line in text.splitlines() if line.startswith("| GitLab calls per token at their minimum")]
    assert [goal.split("|")[1].rsplit(", ", 1)[1].strip() for goal in calls_goals] == ["dynamic face", "native face"]
    assert all(goal.endswith("| met |") for goal in calls_goals), calls_goals
    for operation in OPERATIONS:
        assert f"| {operation} |" in text
    assert "## The two faces side by side" in text
    side_by_side = [line for line in text.splitlines() if line.startswith(f"| 0 | {SIZE} | ")]
    assert [line.split(" | ")[2] for line in side_by_side] == list(OPERATIONS)
    for line, operation in zip(side_by_side, OPERATIONS):
        assert line.split(" | ")[5] == f"{result.face_ratio(operation):.2f}", line  # native/dynamic
