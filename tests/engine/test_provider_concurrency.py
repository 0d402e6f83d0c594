"""The provider process serves more calls at once than the SDK's 4, up to what the engine sends.

Against a sandbox that answers after 300 ms, the most GitLab calls in flight at
the same moment (read from the sandbox's request log) is what the provider
served at once: ``pulumi.dynamic`` alone caps it at 4, while the engine sends up
to its ``--parallel`` (4 x cores). No timing is asserted; concurrency is.
"""

from __future__ import annotations

import sys

from support.pulumi_cli import REPO
from support.sandbox import running_sandbox

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the benchmarks package lives at the repository root

from benchmarks import harness  # noqa: E402

TOKENS = 12
LATENCY_MS = 300
#: What ``python -m pulumi.dynamic`` serves at once on its own (its ThreadPoolExecutor).
SDK_WORKERS = 4


def test_up_refresh_and_destroy_overlap_more_calls_than_the_sdks_pool(tmp_path):
    assert harness.engine_parallelism() > SDK_WORKERS, "the engine itself must allow more than 4 for this to show"
    with running_sandbox(extra_args=harness.sandbox_args(LATENCY_MS)) as sandbox:
        group = harness.make_projects(sandbox, TOKENS)
        stack = harness.make_stack(sandbox, tmp_path, "ours", TOKENS, group)
        peaks = {}
        for operation in ("up", "refresh", "destroy"):
            run = harness.run_operation(stack, sandbox, operation)
            assert run.api_total >= TOKENS, f"{operation} made {run.api_total} GitLab calls"
            peaks[operation] = run.peak_concurrent_calls
    # destroy matters most: its deletes arrive as one burst before the provider has run any of our code.
    assert all(peak > SDK_WORKERS for peak in peaks.values()), f"most GitLab calls at once: {peaks}"
