"""``make bench`` in miniature: the harness runs end to end at N = 3 and the GitLab call targets hold.

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
from benchmarks.harness import API_CALL_TARGETS, FLAVORS, OPERATIONS, run_benchmark  # noqa: E402

SIZE = 3


def test_bench_runs_and_meets_the_api_call_targets(tmp_path):
    lines: list[str] = []
    with running_sandbox() as sandbox:  # its own, so its counters see only this test's calls
        [result] = run_benchmark([SIZE], tmp_path / "work", progress=lines.append, sandbox=sandbox, cycles=1)

    assert set(result.runs) == {(flavor, op) for flavor in FLAVORS for op in OPERATIONS}
    assert len(lines) == 1 + len(FLAVORS) * len(OPERATIONS)  # one line per CLI command, plus the projects
    for (flavor, operation), run in result.runs.items():
        assert run.seconds > 0
        assert run.provider_peak_rss_kib, f"no provider process seen for {flavor} {operation}"
        if flavor == "floor":
            assert run.api_total == 0, f"the floor called GitLab during {operation}"
    per_token = {op: result.api_calls_per_token(op) for op in OPERATIONS}
    assert per_token == API_CALL_TARGETS  # create 1, no-op preview 0, refresh 1, destroy 1
    listings = {op: result.listings_per_project(op) for op in OPERATIONS}
    assert listings == {"up": 1, "preview": 0, "refresh": 0, "destroy": 0}, "one listing per project, at create"
    assert result.meets_api_targets()

    text = report.render([result], machine_info=report.machine(), version_info=report.versions(pulumi_executable()),
                         started=dt.datetime.now(dt.timezone.utc), elapsed_seconds=1.0)
    assert f"## 0 ms, N = {SIZE}" in text
    [calls_goal] = [line for line in text.splitlines() if line.startswith("| GitLab calls per token at their minimum")]
    assert calls_goal.endswith("| met |"), calls_goal
    for operation in OPERATIONS:
        assert f"| {operation} |" in text
