"""The fleet: K stacks of N tokens each running ``pulumi up`` at once, as parallel CI jobs of one platform team.

All K stacks share one PostgreSQL state backend (one database, K stacks of one
project), one GitLab (one sandbox answering after a jittered latency) and one
user's rate limit: gitlab.com allows about 2,000 authenticated API requests a
minute per user, and the sandbox counts that rate in 10-second windows
(:data:`RATE_LIMIT` per :data:`RATE_PERIOD_SECONDS`), so a run shorter than a
minute meets it too. Every stack uses the same credential, so they share it.

For each K the fleet runs twice: ``ours`` (real tokens) and ``floor`` (the
no-op provider: the engine's and the backend's cost of K stacks at once on
these cores, with no GitLab call). After ``ours`` every token is checked: each
resource's token is live in GitLab (nothing lost) and each project holds
exactly one unrevoked token (nothing duplicated, 429 storm or not).
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .harness import (
    FLAVORS,
    Progress,
    PulumiStack,
    Sandbox,
    engine_parallelism,
    log_statuses,
    make_projects_with_ids,
    make_stack,
)

#: Latency of every answer during the fleet: 150 ms, spread uniformly over 100 to 200 ms.
LATENCY_MS = 150
JITTER_MS = 50
#: gitlab.com's 2,000 requests a minute per user, counted in 10-second windows.
RATE_LIMIT = 333
RATE_PERIOD_SECONDS = 10.0


def sandbox_args() -> list[str]:
    """The fleet sandbox's latency (its rate limit is switched on over HTTP, see :func:`run_fleets`)."""
    from .harness import sandbox_args as latency_args

    # Up to 8 stacks with P connections each, and the listing's connections besides.
    return [*latency_args(LATENCY_MS, workers=12 * engine_parallelism()), "--latency-jitter-ms", str(JITTER_MS),
            "--latency-seed", "16"]


@dataclass
class FleetRun:
    """K stacks' ``up`` at once, for one flavor."""

    stacks: int
    tokens_per_stack: int
    flavor: str
    seconds: float
    api_calls: int
    throttled: int
    #: Resources whose token is not live in GitLab, and projects holding more than one unrevoked token.
    lost: int | None = None
    duplicated: int | None = None

    @property
    def tokens(self) -> int:
        return self.stacks * self.tokens_per_stack

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds

    @property
    def calls_per_second(self) -> float:
        """GitLab calls sent per second, 429s included: what the rate limit counts."""
        return self.api_calls / self.seconds

    @property
    def reached_rate_limit(self) -> bool:
        """Whether GitLab's rate limit held the run back: it answered 429 (no call is answered 429 below it)."""
        return self.throttled > 0

    @property
    def rate_limit_seconds(self) -> float:
        """The least time GitLab's rate limit allows for the calls that got through (429s not counted).

        The throttle counts in fixed windows, and a window's worth may go at once at its start: the
        calls need ``ceil(calls / limit)`` windows, so at least that many less one whole windows pass.
        """
        windows = math.ceil((self.api_calls - self.throttled) / RATE_LIMIT)
        return max(windows - 1, 0) * RATE_PERIOD_SECONDS


@dataclass
class FleetResult:
    """Both flavors at one K."""

    ours: FleetRun
    floor: FleetRun

    @property
    def latency_seconds(self) -> float:
        """Each stack's calls at the mean latency, P at a time (the stacks run side by side)."""
        calls_per_stack = (self.ours.api_calls - self.ours.throttled) / self.ours.stacks
        return calls_per_stack * LATENCY_MS / 1000 / engine_parallelism()

    @property
    def bound_seconds(self) -> float:
        """The larger of: the floor plus the latency; and the rate limit's least time."""
        return max(self.floor.seconds + self.latency_seconds, self.ours.rate_limit_seconds)

    @property
    def bound_source(self) -> str:
        if self.ours.rate_limit_seconds > self.floor.seconds + self.latency_seconds:
            return "rate limit"
        return "engine and backend (the floor)" if self.floor.seconds > self.latency_seconds else "latency / P"


def run_fleet(sandbox: Sandbox, backend_url: str, work: Path, stacks: int, size: int, flavor: str,
              progress: Progress) -> FleetRun:
    """``stacks`` stacks of ``size`` tokens (``flavor``), their ``pulumi up`` started together."""
    projects = [make_projects_with_ids(sandbox, size) for _ in range(stacks)] if flavor == "ours" else \
        [(f"fleet-floor-{uuid.uuid4().hex[:8]}", set()) for _ in range(stacks)]
    run_id = uuid.uuid4().hex[:6]
    fleet = [make_stack(sandbox, work / f"k{stacks}-{flavor}-{index}", flavor, size, group,
                        stack_name=f"k{stacks}-{flavor}-{index}-{run_id}",
                        extra_env={"PULUMI_BACKEND_URL": backend_url})
             for index, (group, _ids) in enumerate(projects)]
    sandbox.reset_counters()
    log_offset = len(sandbox.read_log())
    # Only the stacks' calls count against the limit, not the set-up's; each K starts with a fresh window.
    sandbox.set_rate_limit(RATE_LIMIT, RATE_PERIOD_SECONDS)
    try:
        started = time.perf_counter()
        running = [stack.spawn("up", "--yes", "--skip-preview") for stack in fleet]
        for stack, process in zip(fleet, running):
            result = stack.reap(process, ["up"], timeout=1800)
            if result.returncode != 0:
                raise RuntimeError(f"fleet K={stacks} {flavor}: a stack's up failed:\n{result}")
        seconds = time.perf_counter() - started
    finally:
        sandbox.set_rate_limit(None)
    calls = sandbox.counters().get("total", 0)
    statuses = log_statuses(sandbox.read_log()[log_offset:].splitlines())
    run = FleetRun(stacks, size, flavor, seconds, calls, statuses.get("429", 0))
    if flavor == "ours":
        run.lost, run.duplicated = _check_tokens(sandbox, fleet, projects)
    progress(f"fleet K={stacks} {flavor:<5} {seconds:6.1f} s  {run.tokens_per_second:5.1f} tokens/s  "
             f"{calls} GitLab calls, {run.throttled} answered 429"
             + (f", {run.lost} lost, {run.duplicated} duplicated" if flavor == "ours" else ""))
    return run


def _check_tokens(sandbox: Sandbox, fleet: list[PulumiStack], projects: list[tuple[str, set[int]]]) -> tuple[int, int]:
    """Resources whose token is not live in GitLab, and projects with more or fewer than one unrevoked token."""
    live = [t for t in sandbox.tokens() if str(t["resource_type"]).lower() == "project" and not t["revoked"]]
    live_ids = {t["id"] for t in live}
    lost = 0
    for stack in fleet:
        resources = stack.resources("pulumi-python:dynamic/gitlab:ProjectAccessToken")
        lost += sum(1 for r in resources if r["outputs"].get("token_id") not in live_ids)
        lost += max(0, stack_size(stack) - len(resources))
    duplicated = 0
    for _group, ids in projects:
        per_project = {project_id: 0 for project_id in ids}
        for token in live:
            if token["resource_id"] in per_project:
                per_project[token["resource_id"]] += 1
        duplicated += sum(count - 1 for count in per_project.values() if count > 1)
    return lost, duplicated


def stack_size(stack: PulumiStack) -> int:
    return int(stack.run("config", "get", "count").stdout.strip())


def run_fleets(sandbox: Sandbox, backend_url: str, work: Path, ks: list[int], size: int,
               progress: Progress) -> list[FleetResult]:
    """Every K, ``ours`` then ``floor``, with the rate limit on while the stacks run."""
    results = []
    for stacks in ks:
        runs = {flavor: run_fleet(sandbox, backend_url, work, stacks, size, flavor, progress) for flavor in FLAVORS}
        results.append(FleetResult(runs["ours"], runs["floor"]))
    return results
