"""Drive the real ``pulumi`` CLI against the sandbox and measure what the provider costs.

For each size N the harness makes N projects in one sandbox group, then three
stacks of ``benchmarks/programs/fleet``: ``ours`` (N ``ProjectAccessToken``s of
the dynamic face), ``native`` (N ``ProjectAccessToken``s of the native provider
``gitlab-tokens``, through the Python SDK generated from its schema, in projects
of their own) and ``floor`` (N no-op dynamic resources of the same shape). It
runs ``up``, a no-op ``preview``, ``refresh`` and ``destroy`` on each,
interleaved operation by operation so that drift in a noisy machine hits every
flavor alike, and records for every run:

* the wall time of the CLI command;
* the peak RSS (``VmHWM``) and the CPU time (user + system) of the provider
  process that command started (``python -m pulumi.dynamic``, or the native
  ``pulumi-resource-gitlab-tokens``);
* the GitLab API calls the sandbox counted during it, by route, and the most
  it was answering at the same moment (from its request log).

The sandbox may answer with a latency (``--latency-ms``), as a GitLab across a
network does; then each operation has a physical bound besides the floor: its
GitLab calls, made at most P at a time (the engine's ``--parallel``), each
take the latency, so ``N x L / P`` on top of the floor's time.

The CLI runs with its default ``--parallel``. Nothing here asserts timing:
``make bench`` reports, the smoke test checks only that it works and the API
call counts.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

REPO = Path(__file__).resolve().parents[1]
for _importable in (REPO / "tests", REPO / "toolchain"):  # the engine tests' drivers; the SDK generator
    if str(_importable) not in sys.path:
        sys.path.insert(0, str(_importable))

from support.pulumi_cli import PulumiStack  # noqa: E402
from support.python_sdk import installed_python_sdk  # noqa: E402
from support.sandbox import Sandbox, running_sandbox  # noqa: E402

from pulumi_gitlab_tokens.common import serving

PROGRAM = REPO / "benchmarks" / "programs" / "fleet"
OPERATIONS: tuple[str, ...] = ("up", "preview", "refresh", "destroy")
FLAVORS: tuple[str, ...] = ("ours", "floor")
#: The native face beside ``ours`` (the dynamic face), in every size's runs (not in the fleet's).
NATIVE = "native"
#: The flavors a size runs at 0 ms; at a latency :data:`SDK_POOL` too.
SIZE_FLAVORS: tuple[str, ...] = FLAVORS + (NATIVE,)
#: The executable the engine starts for the native face (``[project.scripts]``), as it appears in
#: the provider process's command line.
NATIVE_PROVIDER = "pulumi-resource-gitlab-tokens"
#: A third flavor for runs at a latency: ours, served 4 at a time as ``pulumi.dynamic`` alone does.
SDK_POOL = "sdk-pool"
SDK_WORKERS = 4
#: GitLab API calls per token each operation should make when nothing goes wrong.
API_CALL_TARGETS: dict[str, int] = {"up": 1, "preview": 0, "refresh": 1, "destroy": 1}
#: On top of those, a run may list each project's tokens once (the fleet has one token per
#: project): the first create there looks for tokens a killed run left (see recovery.py).
LISTING_ROUTE = "GET /api/v4/projects/:id/access_tokens"
#: How often the memory watcher looks at the provider process.
RSS_POLL_SECONDS = 0.05
#: Connections the sandbox serves at once: with a latency each one holds a worker for the whole
#: wait, so every concurrent call of every stack must get one or the sandbox becomes the bound. One
#: stack needs P (8 on 2 cores) and the sandbox's default 32 is enough; the fleet asks for more. Not
#: more than needed: each idle worker wakes 10 times a second, CPU taken from the engine.
SANDBOX_WORKERS = 32
#: Projects created at once when setting up a size (fewer than the sandbox's workers).
PROJECT_MAKERS = 16
#: Sizes up to this run their operations :data:`SMALL_SIZE_CYCLES` times (medians kept): at N = 100 one
#: run of an operation takes 2 to 5 s, and single runs on these shared cores differed by 10 to 20 %.
SMALL_SIZE = 100
SMALL_SIZE_CYCLES = 3


def engine_parallelism() -> int:
    """P: the steps the engine runs at once, its default ``--parallel`` (``PULUMI_PARALLEL``, else 4 x cores)."""
    configured = os.environ.get("PULUMI_PARALLEL", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else 4 * (os.cpu_count() or 1)


def sandbox_args(latency_ms: float, workers: int = SANDBOX_WORKERS) -> list[str]:
    """The sandbox's command line for a run at ``latency_ms`` per answer with ``workers`` connections at once."""
    return ["--latency-ms", f"{latency_ms:g}", "--workers", str(workers), "--max-waiting", str(2 * workers)]

Progress = Callable[[str], None]


@dataclass
class OperationRun:
    """One CLI command on one stack."""

    seconds: float
    provider_peak_rss_kib: int | None
    provider_cpu_seconds: float | None
    api_calls: dict[str, int]
    #: CPU the sandbox spent answering: GitLab's share of the work, which a real
    #: GitLab does on its own machines but the sandbox does on these 2 cores.
    gitlab_cpu_seconds: float | None = None
    #: The most API requests the sandbox was answering at the same moment.
    peak_concurrent_calls: int | None = None

    @property
    def api_total(self) -> int:
        return self.api_calls.get("total", 0)


@dataclass
class SizeResult:
    """Every operation of both flavors at one size."""

    size: int
    runs: dict[tuple[str, str], OperationRun] = field(default_factory=dict)
    #: The sandbox's latency per answer during these runs.
    latency_ms: float = 0.0
    #: The engine's parallelism P the bound divides by.
    parallel: int = field(default_factory=engine_parallelism)
    #: How many times each operation ran; each run kept is the one of median wall time.
    cycles: int = 1

    def run(self, flavor: str, operation: str) -> OperationRun:
        return self.runs[(flavor, operation)]

    def ratio(self, operation: str, flavor: str = "ours") -> float:
        """Wall time of ``flavor`` (ours by default) over the floor's for ``operation``."""
        return self.run(flavor, operation).seconds / self.run("floor", operation).seconds

    def face_ratio(self, operation: str) -> float:
        """Wall time of the native face over the dynamic face's (ours) for ``operation``, in this one run."""
        return self.run(NATIVE, operation).seconds / self.run("ours", operation).seconds

    def bound_seconds(self, operation: str, calls_per_token: float = 1.0) -> float:
        """The floor's time plus N x calls x L / P: the calls' latency, P at a time, on top of the engine's cost.

        With ``calls_per_token`` 1 (the default) this is the issue's ``N x L / P + floor``, for
        operations that need one GitLab call per token; preview needs none, so its bound is the floor.
        """
        calls = calls_per_token if API_CALL_TARGETS[operation] else 0.0
        return self.run("floor", operation).seconds + self.size * calls * self.latency_ms / 1000 / self.parallel

    def ratio_to_bound(self, operation: str, calls_per_token: float = 1.0, flavor: str = "ours") -> float:
        return self.run(flavor, operation).seconds / self.bound_seconds(operation, calls_per_token)

    def calls_made_per_token(self, operation: str, flavor: str = "ours") -> float:
        """Every GitLab call ``flavor`` made per token, the per-project listings included."""
        return self.run(flavor, operation).api_total / self.size

    def api_calls_per_token(self, operation: str, flavor: str = "ours") -> float:
        """Calls per token, without the per-project listings (see :data:`LISTING_ROUTE`)."""
        run = self.run(flavor, operation)
        return (run.api_total - run.api_calls.get(LISTING_ROUTE, 0)) / self.size

    def listings_per_project(self, operation: str, flavor: str = "ours") -> float:
        return self.run(flavor, operation).api_calls.get(LISTING_ROUTE, 0) / self.size

    @property
    def faces(self) -> tuple[str, ...]:
        """The provider faces measured at this size: ours (dynamic), and native when it ran."""
        return ("ours", NATIVE) if (NATIVE, "up") in self.runs else ("ours",)

    def meets_api_targets(self) -> bool:
        """Every face measured makes the target calls per token and at most one listing per project."""
        return all(self.api_calls_per_token(op, face) == API_CALL_TARGETS[op]
                   and self.listings_per_project(op, face) <= 1
                   for op in OPERATIONS for face in self.faces)


# --- the provider process's memory ---------------------------------------------------------------


class ProviderWatcher:
    """Peak RSS and CPU time of the provider processes started by CLI runs using one ``PULUMI_HOME``.

    The engine starts the provider itself, so the harness finds it in ``/proc``:
    a command line running ``pulumi.dynamic`` or :data:`NATIVE_PROVIDER` whose
    environment has this stack's ``PULUMI_HOME`` (other stacks' providers on the
    machine are ignored).
    ``VmHWM`` is the kernel's own high-water mark, so polling only has to see
    the process once before it exits. CPU time is the last sample before it
    exits, so it may miss the final poll interval (the provider idles then).
    """

    def __init__(self, pulumi_home: Path) -> None:
        self._home = f"PULUMI_HOME={pulumi_home}".encode()
        self._peaks: dict[int, int] = {}
        self._cpu_ticks: dict[int, int] = {}
        self._verdicts: dict[int, bool] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "ProviderWatcher":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_kib(self) -> int | None:
        return max(self._peaks.values(), default=None)

    @property
    def cpu_seconds(self) -> float | None:
        """User + system CPU time of every provider process seen, summed."""
        if not self._cpu_ticks:
            return None
        return sum(self._cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")

    def _poll(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(RSS_POLL_SECONDS):
                self._sample()
                return

    def _sample(self) -> None:
        for pid in _pids():
            if not self._is_ours(pid):
                continue
            hwm = _vm_hwm_kib(pid)
            if hwm is not None:
                self._peaks[pid] = max(hwm, self._peaks.get(pid, 0))
            ticks = _cpu_ticks(pid)
            if ticks is not None:
                self._cpu_ticks[pid] = max(ticks, self._cpu_ticks.get(pid, 0))

    def _is_ours(self, pid: int) -> bool:
        verdict = self._verdicts.get(pid)
        if verdict is not None:
            return verdict
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            verdict = ((b"pulumi.dynamic" in cmdline or NATIVE_PROVIDER.encode() in cmdline)
                       and self._home in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"))
        except OSError:
            return False  # gone, or not ours to read
        # A forked pulumi process (the CLI, the provider's shell shim) may not have
        # exec'd the provider yet: look again next time instead of remembering "no".
        if verdict or b"pulumi" not in cmdline:
            self._verdicts[pid] = verdict
        return verdict


def _pids() -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


def _vm_hwm_kib(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def _cpu_ticks(pid: int) -> int | None:
    """utime + stime of ``pid`` in clock ticks (fields 14 and 15 of ``/proc/<pid>/stat``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after it are split safely.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


# --- the runs -------------------------------------------------------------------------------------


def make_projects(sandbox: Sandbox, size: int) -> str:
    """A fresh group with ``size`` projects ``p0000``...; returns the group's full path."""
    return make_projects_with_ids(sandbox, size)[0]


def make_projects_with_ids(sandbox: Sandbox, size: int) -> tuple[str, set[int]]:
    """A fresh group with ``size`` projects; its full path and the projects' ids.

    Made many at a time: with a latency every one of these API calls waits for it.
    """
    group = sandbox.create_group(f"bench-{size}-{uuid.uuid4().hex[:6]}")
    with ThreadPoolExecutor(max_workers=PROJECT_MAKERS) as makers:
        projects = list(makers.map(lambda index: sandbox.create_project(f"p{index:04d}", group["id"]), range(size)))
    return group["full_path"], {project["id"] for project in projects}


def native_sdk(work: Path) -> Path:
    """The Python SDK generated from the native provider's schema, installed under ``work`` once.

    Returns the directory a native stack's program reads it from (its ``PYTHONPATH``), as a user's
    program has the SDK installed; the engine finds the provider itself on ``PATH`` in the virtualenv.
    """
    site = work / "native-sdk" / "site"
    if not site.is_dir():
        site = installed_python_sdk(work / "native-sdk")
    return site


def make_stack(sandbox: Sandbox, work: Path, flavor: str, size: int, group: str, *, stack_name: str = "test",
               extra_env: dict[str, str] | None = None) -> PulumiStack:
    """A stack of the fleet program; ``extra_env`` (a shared backend's URL) applies from ``stack init`` on.

    A :data:`NATIVE` stack reads the generated SDK from ``native_sdk(work)``.
    """
    env = dict(extra_env or {})
    # The floor's provider module sits next to the program; its provider process must import it.
    # BENCH_EXTRA_PYTHONPATH: run.py --profile adds the sampler's sitecustomize this way.
    program_dir = work / f"n{size}-{flavor}" / "program"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(program_dir), str(native_sdk(work)) if flavor == NATIVE else "",
                    os.environ.get("BENCH_EXTRA_PYTHONPATH", "")) if p)
    if flavor == SDK_POOL:
        env[serving.WORKERS_ENV] = str(SDK_WORKERS)
    stack = PulumiStack(PROGRAM, work / f"n{size}-{flavor}", stack=stack_name, extra_env=env)
    assert stack.dir == program_dir, "PulumiStack puts the program under <work>/program"
    # The native provider is configured with its own package's keys only (docs/native-provider.md).
    namespace = "gitlab-tokens" if flavor == NATIVE else "gitlab"
    stack.config_set(f"{namespace}:baseUrl", sandbox.base_url)
    stack.config_set(f"{namespace}:token", sandbox.admin_token, secret=True)
    # The token operations alone, against a floor that asks GitLab nothing: the early
    # checks' GETs (one per run and one per project, at preview and in up) are a
    # separate, documented cost (docs/preview-checks.md). The same key for both faces.
    stack.config_set("gitlab-tokens:previewChecks", "false")
    stack.config_set("count", str(size))
    stack.config_set("group", group)
    stack.config_set("flavor", "ours" if flavor == SDK_POOL else flavor)
    return stack


_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \S+ (/api/v4/\S*) (\S+) ([0-9.]+)ms$")


def peak_concurrent_calls(log_lines: Sequence[str]) -> int:
    """The most API requests in flight at once, from the sandbox's request log.

    Each line is written when a request has been handled, with its duration, so
    it spans [logged - duration, logged]; the answer to that line follows it.
    """
    events: list[tuple[float, int]] = []
    for line in log_lines:
        found = _LOG_LINE.match(line)
        if not found:
            continue
        ended = dt.datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        events += [(ended - float(found[4]) / 1000, 1), (ended, -1)]
    peak = in_flight = 0
    for _when, change in sorted(events):  # an end sorts before a start at the same instant
        in_flight += change
        peak = max(peak, in_flight)
    return peak


def log_statuses(log_lines: Sequence[str]) -> dict[str, int]:
    """How many API answers of each status the sandbox's request log shows."""
    statuses: dict[str, int] = {}
    for line in log_lines:
        found = _LOG_LINE.match(line)
        if found:
            statuses[found[3]] = statuses.get(found[3], 0) + 1
    return statuses


def _log_lines_since(sandbox: Sandbox, offset: int) -> list[str]:
    return sandbox.read_log()[offset:].splitlines()


def run_operation(stack: PulumiStack, sandbox: Sandbox, operation: str) -> OperationRun:
    """Run one CLI command, timing it, watching its provider and counting its GitLab calls."""
    command = {
        "up": stack.up,
        # --expect-no-changes: the CLI fails if the preview plans anything, so "no-op" is checked.
        "preview": lambda: stack.preview("--expect-no-changes"),
        "refresh": stack.refresh,
        "destroy": stack.destroy,
    }[operation]
    sandbox.reset_counters()
    log_offset = len(sandbox.read_log())
    sandbox_pid = sandbox.process.pid if sandbox.process is not None else -1
    sandbox_ticks = _cpu_ticks(sandbox_pid)
    with ProviderWatcher(stack.work / "home") as watcher:
        started = time.perf_counter()
        command()
        seconds = time.perf_counter() - started
    after = _cpu_ticks(sandbox_pid)
    gitlab_cpu = (after - sandbox_ticks) / os.sysconf("SC_CLK_TCK") if None not in (after, sandbox_ticks) else None
    return OperationRun(seconds, watcher.peak_kib, watcher.cpu_seconds, sandbox.counters(), gitlab_cpu,
                        peak_concurrent_calls(_log_lines_since(sandbox, log_offset)))


def cycles_for(size: int) -> int:
    """How many times a size runs its operations: small sizes are quick and their ratios the noisiest."""
    return SMALL_SIZE_CYCLES if size <= SMALL_SIZE else 1


def run_size(sandbox: Sandbox, size: int, work: Path, progress: Progress, latency_ms: float = 0.0,
             cycles: int = 1) -> SizeResult:
    """Every flavor through every operation at one size, ``cycles`` times; each run kept is the median one.

    The native face runs in projects of its own, so that each face's first create in a project
    lists only its own tokens. At a latency, ours is also run served 4 at a time (:data:`SDK_POOL`,
    the SDK's own pool), in projects of its own, for what :mod:`pulumi_gitlab_tokens.common.serving` gains
    in the same run.
    """
    label = f"L={latency_ms:g}ms N={size}"
    flavors = SIZE_FLAVORS + ((SDK_POOL,) if latency_ms else ())
    own_projects = [flavor for flavor in flavors if flavor != "floor"]  # the floor asks GitLab nothing
    progress(f"{label}: creating {size} projects {len(own_projects)} times")
    groups = {flavor: make_projects(sandbox, size) for flavor in own_projects}
    groups["floor"] = groups["ours"]
    stacks = {flavor: make_stack(sandbox, work / f"l{latency_ms:g}", flavor, size, groups[flavor])
              for flavor in flavors}
    result = SizeResult(size, latency_ms=latency_ms)
    every: dict[tuple[str, str], list[OperationRun]] = {}
    for cycle in range(cycles):
        for index, operation in enumerate(OPERATIONS):
            # Alternate which flavor goes first so neither always pays for cold caches.
            order = flavors if (index + cycle) % 2 == 0 else flavors[::-1]
            for flavor in order:
                if flavor == SDK_POOL and not API_CALL_TARGETS[operation]:
                    continue  # no GitLab call, so nothing for the pool to change
                run = run_operation(stacks[flavor], sandbox, operation)
                every.setdefault((flavor, operation), []).append(run)
                progress(f"{label}: {operation:<8} {flavor:<8} {run.seconds:7.1f} s  {run.api_total:5d} GitLab "
                         f"calls, at most {run.peak_concurrent_calls} at once  provider peak RSS "
                         f"{_mib(run.provider_peak_rss_kib)}, CPU {run.provider_cpu_seconds or 0:.2f} s")
    for key, runs in every.items():
        result.runs[key] = sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]
    result.cycles = cycles
    return result


def run_benchmark(sizes: list[int], work: Path, progress: Progress = print, sandbox: Sandbox | None = None,
                  latency_ms: float = 0.0, cycles: int | None = None) -> list[SizeResult]:
    """Every size, in order, against ``sandbox`` (or a sandbox of its own answering after ``latency_ms``).

    A given ``sandbox`` must have been started with ``sandbox_args(latency_ms)``. ``cycles``:
    how many times each size runs its operations (default: :func:`cycles_for` the size).
    """
    if sandbox is None:
        with running_sandbox(extra_args=sandbox_args(latency_ms)) as own:
            return run_benchmark(sizes, work, progress, own, latency_ms, cycles)
    work.mkdir(parents=True, exist_ok=True)
    return [run_size(sandbox, size, work, progress, latency_ms, cycles_for(size) if cycles is None else cycles)
            for size in sizes]


def _mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.0f} MiB"


# --- one large stack: the provider's memory ------------------------------------------------------


@dataclass
class MemoryResult:
    """One face alone at one large size: the provider process's peak RSS in each operation."""

    size: int
    runs: dict[str, OperationRun]
    #: ``ours`` (the dynamic face) or :data:`NATIVE`.
    flavor: str = "ours"

    @property
    def peak_mib(self) -> float:
        return max(run.provider_peak_rss_kib or 0 for run in self.runs.values()) / 1024


def run_memory(sandbox: Sandbox, size: int, work: Path, progress: Progress, flavor: str = "ours") -> MemoryResult:
    """``up``, ``refresh`` and ``destroy`` of ``size`` tokens of one face, watching the provider's peak RSS.

    The engine is told to skip its intermediate checkpoints (``PULUMI_SKIP_CHECKPOINTS``):
    with the file backend it rewrites the whole state after every step, which at this size
    costs minutes of engine time and nothing in the provider process measured here.
    """
    label = f"memory {flavor} N={size}"
    progress(f"{label}: creating {size} projects")
    group = make_projects(sandbox, size)
    stack = make_stack(sandbox, work / "memory", flavor, size, group, extra_env={"PULUMI_SKIP_CHECKPOINTS": "true"})
    runs = {}
    for operation in ("up", "refresh", "destroy"):
        run = runs[operation] = run_operation(stack, sandbox, operation)
        progress(f"{label}: {operation:<8} {run.seconds:7.1f} s  {run.api_total:5d} GitLab calls  "
                 f"provider peak RSS {_mib(run.provider_peak_rss_kib)}")
    return MemoryResult(size, runs, flavor)
