"""Render benchmark results as ``benchmarks/results.md``: machine, versions, tables, findings.

The findings (waste found and fixed, with before and after figures) are
written by hand in ``benchmarks/findings.md`` and copied in verbatim, so a new
``make bench`` run refreshes the tables without losing them.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from .harness import (API_CALL_TARGETS, NATIVE, OPERATIONS, REPO, SDK_POOL, SDK_WORKERS, SMALL_SIZE,
                      SMALL_SIZE_CYCLES, MemoryResult, SizeResult)

if TYPE_CHECKING:
    from .fleet import FleetResult
    from .startup import ImportCost

FINDINGS = REPO / "benchmarks" / "findings.md"
#: The sizes the goals are stated at.
GOAL_SIZES = (100, 500)
#: Goals, the same for both faces: within this of the floor at 0 ms, within this of the bound N x L / P + floor
#: at a latency.
FLOOR_TARGET = 1.10
BOUND_TARGET = 1.25
MEMORY_TARGET_MIB = 100
LATENCY_OPERATIONS = ("up", "refresh", "destroy")
#: How the report names each face's flavor.
FACE_NAMES = {"ours": "dynamic", NATIVE: "native"}


def machine() -> dict[str, str]:
    """Cores, memory and CPU model of this machine."""
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return {"cores": str(os.cpu_count()), "memory": memory, "CPU": model, "OS": platform.platform()}


def versions(pulumi_executable: Path) -> dict[str, str]:
    """The pulumi CLI, the Python SDK, python-gitlab and Python."""
    cli = subprocess.run([str(pulumi_executable), "version"], capture_output=True, text=True, check=False)
    return {
        "commit": _commit(),
        "pulumi CLI": cli.stdout.strip() or "unknown",
        "pulumi (Python SDK)": importlib.metadata.version("pulumi"),
        "python-gitlab": importlib.metadata.version("python-gitlab"),
        "Python": platform.python_version(),
    }


def _commit() -> str:
    """The measured commit, and whether the provider's code differed from it (work in progress)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()

    sha = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "provider")
    return f"{sha} (with uncommitted changes under provider/)" if dirty else sha


def render(results: list[SizeResult], *, machine_info: dict[str, str], version_info: dict[str, str],
           started: dt.datetime, elapsed_seconds: float, note: str = "",
           latency_results: list[SizeResult] | None = None, fleet: list["FleetResult"] | None = None,
           memory: list[MemoryResult] | None = None, imports: "ImportCost | None" = None,
           load: str = "") -> str:
    """The whole of results.md: ``results`` at 0 ms, ``latency_results`` at the sandbox's latency, and the rest."""
    latency_results = latency_results or []
    memory = memory or []
    every_size = sorted({r.size for r in results + latency_results})
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`benchmarks/run.py`) on {started:%Y-%m-%d %H:%M} UTC; the run took "
        f"{elapsed_seconds / 60:.1f} minutes. Sizes: {', '.join(str(n) for n in every_size)}.",
        "",
        "Each size N has N `ProjectAccessToken`s across N sandbox projects (`ours`), and N no-op dynamic "
        "resources of the same shape whose provider does nothing (`floor`: the engine's own cost). Both "
        "stacks run `pulumi up --skip-preview`, a no-op `pulumi preview --expect-no-changes`, "
        "`pulumi refresh --skip-preview` and `pulumi destroy --skip-preview`, interleaved operation by "
        "operation, with the CLI's default `--parallel` P (4 x cores): once each, or for sizes up to "
        f"{SMALL_SIZE} (quick enough, and the noisiest) {SMALL_SIZE_CYCLES} times over, keeping the run of median "
        "wall time. "
        "Every figure is a ratio of two runs made minutes apart in this one run, with its bound beside it: "
        "the machine is shared and noisy, so compare ratios, not absolute seconds across runs.",
        "",
        "Bounds. At 0 ms the bound is the floor. At a latency L per GitLab answer (the sandbox's "
        "`--latency-ms`), an operation needing one GitLab call per token cannot beat its N calls made P at a "
        "time, so its bound is the issue's N x L / P + floor. `up` makes two calls per token in this bench "
        "(each project holds one token, and a run's first create in a project lists the project's tokens "
        "first, to adopt what a killed run left: see `recovery.py`), so its bound counting the calls it "
        "makes, 2N x L / P + floor, is given too. `sdk-pool` is ours served 4 calls at a time, as "
        "`pulumi.dynamic` alone does (`GITLAB_TOKENS_PROVIDER_WORKERS=4`): the before of "
        "`pulumi_gitlab_tokens.common.serving`, measured in the same run.",
        "",
        "Faces. `ours` is the dynamic face. `native` is the same N `ProjectAccessToken`s with the same inputs "
        "on the native provider `gitlab-tokens` (the engine starts `pulumi-resource-gitlab-tokens` from the "
        "virtualenv's `PATH`), declared through the Python SDK generated from its schema, in projects of its "
        "own, run in the same interleaved sequence; it is held to the same floor and bound. native/dynamic "
        "is the wall time of one over the other's within this run (below 1: the native face is faster).",
    ]
    if note:
        lines += ["", note]
    if load:
        lines += ["", load]
    lines += ["", "## Machine and versions", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in {**machine_info, **version_info}.items()]
    lines += ["", *_goals(results, latency_results, fleet or [], memory, imports)]
    for result in results:
        lines += ["", *_size_table(result)]
    for result in latency_results:
        lines += ["", *_latency_table(result)]
    if any(NATIVE in r.faces for r in results + latency_results):
        lines += ["", *_faces_table(results + latency_results)]
    if len(results) > 1:
        lines += ["", *_per_token_table(results)]
    if fleet:
        lines += ["", *_fleet_table(fleet)]
    if memory:
        lines += ["", *_memory_table(memory)]
    lines += ["", *_route_table(results + latency_results)]
    if FINDINGS.exists():
        lines += ["", FINDINGS.read_text().strip()]
    return "\n".join(lines) + "\n"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _goals(results: list[SizeResult], latency_results: list[SizeResult], fleet: list["FleetResult"],
           memory: list[MemoryResult], imports: "ImportCost | None") -> list[str]:
    lines = ["## Goals", "", "| goal | measured in this run | bound or target | verdict |", "|---|---|---|---|"]
    zero = {r.size: r for r in results}
    for size in GOAL_SIZES:
        if size in zero:
            r = zero[size]
            worst = max(OPERATIONS, key=r.ratio)
            figures = ", ".join(f"{op} {r.ratio(op):.2f}" for op in OPERATIONS)
            lines.append(f"| 0 ms, N = {size}: ours / floor | {figures} | at most {FLOOR_TARGET:.2f} "
                         f"| {_verdict(r.ratio(worst) <= FLOOR_TARGET)} (worst: {worst}) |")
            if NATIVE in r.faces:
                lines += _native_goals(r)
    at_latency = {r.size: r for r in latency_results}
    for size in GOAL_SIZES:
        if size in at_latency:
            r = at_latency[size]
            figures = ", ".join(f"{op} {r.ratio_to_bound(op):.2f}" for op in LATENCY_OPERATIONS)
            worst = max(r.ratio_to_bound(op) for op in LATENCY_OPERATIONS)
            lines.append(f"| {r.latency_ms:g} ms, N = {size}: ours / (N x L / P + floor), P = {r.parallel} "
                         f"| {figures} | at most {BOUND_TARGET:.2f} | {_verdict(worst <= BOUND_TARGET)} |")
            up_calls = r.calls_made_per_token("up")
            lines.append(f"| {r.latency_ms:g} ms, N = {size}: up / ({up_calls:g}N x L / P + floor), "
                         f"the calls up makes | {r.ratio_to_bound('up', up_calls):.2f} | at most {BOUND_TARGET:.2f} "
                         f"| {_verdict(r.ratio_to_bound('up', up_calls) <= BOUND_TARGET)} |")
            if NATIVE in r.faces:
                lines += _native_goals(r)
            if (SDK_POOL, "up") in r.runs:
                before = ", ".join(f"{op} {_pool_ratio(r, op):.2f}" for op in LATENCY_OPERATIONS)
                lines.append(f"| {r.latency_ms:g} ms, N = {size}: before (served {SDK_WORKERS} at a time) / "
                             f"(N x L / P + floor) | {before} | - | the before of this table's row above |")
    if 1 in zero:
        r = zero[1]
        lines.append(f"| preview of 1 token: ours / floor | {r.ratio('preview'):.2f} "
                     f"({r.run('ours', 'preview').seconds:.2f} s / {r.run('floor', 'preview').seconds:.2f} s) "
                     f"| at most {FLOOR_TARGET:.2f} | {_verdict(r.ratio('preview') <= FLOOR_TARGET)} |")
    if imports is not None:
        loaded = ", ".join(imports.loads) if imports.loads else "none of python-gitlab, requests, urllib3"
        lines.append(f"| import of `pulumi_gitlab_tokens` after `pulumi` (median of fresh interpreters) "
                     f"| {imports.ours_seconds * 1000:.0f} ms, against {imports.pulumi_seconds * 1000:.0f} ms "
                     f"for `pulumi` itself; it loads {loaded} ({imports.libraries_seconds * 1000:.0f} ms of it "
                     f"alone) | no GitLab client before a GitLab call | "
                     f"{_verdict(not imports.loads)} |")
    if fleet:
        from .fleet import RATE_LIMIT, RATE_PERIOD_SECONDS  # only when there is a fleet to report

        rates = ", ".join(f"K={f.ours.stacks}: {f.ours.tokens_per_second:.1f}" for f in fleet)
        # Growth can stop once the rate limit is reached (GitLab answered 429 at the larger K: it
        # answers none below the limit), or where the engine and the backend alone (the floor, no
        # provider work at all) stop growing: no provider can lift the fleet past either.
        grows = all(b.ours.tokens_per_second > a.ours.tokens_per_second or b.ours.reached_rate_limit
                    or b.floor.tokens_per_second <= a.floor.tokens_per_second
                    for a, b in zip(fleet, fleet[1:]))
        floor_rates = ", ".join(f"{f.floor.tokens_per_second:.1f}" for f in fleet)
        limit = RATE_LIMIT / RATE_PERIOD_SECONDS
        call_rates = ", ".join(f"{f.ours.calls_per_second:.1f}" for f in fleet)
        lines.append(f"| fleet: tokens per second grows with K until the rate limit, or until the floor "
                     f"stops growing | {rates} (floor: {floor_rates}); GitLab calls per second "
                     f"{call_rates}, against the rate limit's {limit:.1f} "
                     f"| bound at the largest K: {fleet[-1].ours.tokens / fleet[-1].bound_seconds:.1f} tokens/s "
                     f"({fleet[-1].bound_source}) | {_verdict(grows)} |")
        lost = sum(f.ours.lost or 0 for f in fleet)
        duplicated = sum(f.ours.duplicated or 0 for f in fleet)
        throttled = sum(f.ours.throttled for f in fleet)
        lines.append(f"| fleet: nothing duplicated or lost | {duplicated} duplicated, {lost} lost, over "
                     f"{sum(f.ours.tokens for f in fleet)} tokens and {throttled} answers 429 | 0 and 0 "
                     f"| {_verdict(lost == 0 and duplicated == 0)} |")
    for face in memory:
        lines.append(f"| provider peak RSS, N = {face.size} in one stack, {FACE_NAMES[face.flavor]} face "
                     f"| {face.peak_mib:.0f} MiB | under {MEMORY_TARGET_MIB} MiB "
                     f"| {_verdict(face.peak_mib < MEMORY_TARGET_MIB)} |")
    every = results + latency_results
    if every:
        for face in ("ours", NATIVE):
            measured = [r for r in every if face in r.faces]
            if not measured:
                continue
            calls = ", ".join(f"{op} {max(r.api_calls_per_token(op, face) for r in measured):g} "
                              f"(target {API_CALL_TARGETS[op]})" for op in OPERATIONS)
            listings = max(r.listings_per_project("up", face) for r in measured)
            met = all(r.api_calls_per_token(op, face) == API_CALL_TARGETS[op] and r.listings_per_project(op, face) <= 1
                      for r in measured for op in OPERATIONS)
            lines.append(f"| GitLab calls per token at their minimum, worst size, {FACE_NAMES[face]} face "
                         f"| {calls}, plus {listings:g} listing per project in up | at most 1 listing per project "
                         f"| {_verdict(met)} |")
    return lines


def _native_goals(r: SizeResult) -> list[str]:
    """The native face's rows at one size: the same floor or bound as ours, and native / dynamic."""
    at = f"{r.latency_ms:g} ms, N = {r.size}"
    if r.latency_ms:
        figures = ", ".join(f"{op} {r.ratio_to_bound(op, flavor=NATIVE):.2f}" for op in LATENCY_OPERATIONS)
        worst = max(r.ratio_to_bound(op, flavor=NATIVE) for op in LATENCY_OPERATIONS)
        goal = [f"| {at}: native / (N x L / P + floor), P = {r.parallel} | {figures} | at most {BOUND_TARGET:.2f} "
                f"| {_verdict(worst <= BOUND_TARGET)} |"]
    else:
        figures = ", ".join(f"{op} {r.ratio(op, NATIVE):.2f}" for op in OPERATIONS)
        worst_op = max(OPERATIONS, key=lambda op: r.ratio(op, NATIVE))
        goal = [f"| {at}: native / floor | {figures} | at most {FLOOR_TARGET:.2f} "
                f"| {_verdict(r.ratio(worst_op, NATIVE) <= FLOOR_TARGET)} (worst: {worst_op}) |"]
    faces = ", ".join(f"{op} {r.face_ratio(op):.2f}" for op in OPERATIONS)
    return goal + [f"| {at}: native / dynamic, wall time in this run | {faces} | - | reported, not a goal |"]


def _pool_ratio(result: SizeResult, operation: str) -> float:
    return result.run(SDK_POOL, operation).seconds / result.bound_seconds(operation)


def _size_table(result: SizeResult) -> list[str]:
    n = result.size
    lines = [
        f"## 0 ms, N = {n}",
        "",
        "| operation | ours (s) | floor (s) | ours/floor | ours per token (ms) | floor per token (ms) "
        "| provider CPU ours / floor (s) | sandbox CPU ours / floor (s) "
        "| provider peak RSS ours / floor (MiB) | GitLab calls per token (target) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for op in OPERATIONS:
        ours, floor = result.run("ours", op), result.run("floor", op)
        per_token = result.api_calls_per_token(op)
        mark = "met" if per_token == API_CALL_TARGETS[op] else "MISSED"
        lines.append(
            f"| {op} | {ours.seconds:.2f} | {floor.seconds:.2f} | {result.ratio(op):.2f} "
            f"| {ours.seconds / n * 1000:.1f} | {floor.seconds / n * 1000:.1f} "
            f"| {_cpu(ours.provider_cpu_seconds)} / {_cpu(floor.provider_cpu_seconds)} "
            f"| {_cpu(ours.gitlab_cpu_seconds)} / {_cpu(floor.gitlab_cpu_seconds)} "
            f"| {_mib(ours.provider_peak_rss_kib)} / {_mib(floor.provider_peak_rss_kib)} "
            f"| {per_token:g} ({API_CALL_TARGETS[op]}, {mark}) |"
        )
    return lines


def _latency_table(result: SizeResult) -> list[str]:
    n, latency, p = result.size, result.latency_ms, result.parallel
    lines = [
        f"## {latency:g} ms, N = {n}",
        "",
        f"Bound: N x L / P + floor with L = {latency:g} ms and P = {p}; for up also with the calls it makes. "
        "\"At once\" is the most GitLab calls the sandbox was answering at the same moment.",
        "",
        "| operation | ours (s) | floor (s) | bound (s) | ours/bound | calls per token | bound with those calls (s) "
        "| ours/that bound | ours at once | sdk-pool (s) | sdk-pool/bound | sdk-pool at once "
        "| provider peak RSS ours (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for op in OPERATIONS:
        ours, floor = result.run("ours", op), result.run("floor", op)
        calls = result.calls_made_per_token(op)
        pool = result.runs.get((SDK_POOL, op))
        pool_cells = (f"{pool.seconds:.2f} | {_pool_ratio(result, op):.2f} | {pool.peak_concurrent_calls}"
                      if pool else "- | - | -")
        lines.append(
            f"| {op} | {ours.seconds:.2f} | {floor.seconds:.2f} | {result.bound_seconds(op):.2f} "
            f"| {result.ratio_to_bound(op):.2f} | {calls:g} | {result.bound_seconds(op, calls):.2f} "
            f"| {result.ratio_to_bound(op, calls):.2f} | {ours.peak_concurrent_calls} | {pool_cells} "
            f"| {_mib(ours.provider_peak_rss_kib)} |"
        )
    return lines


def _per_token_table(results: list[SizeResult]) -> list[str]:
    """Per-token wall time at each size, and the marginal cost of a token between sizes."""
    sizes = [r.size for r in results]
    lines = [
        "## Time per token as N grows (ours, 0 ms)",
        "",
        "Per token is wall time / N; it includes the CLI's fixed start-up, so it falls as N grows. "
        "Marginal is the extra wall time per extra token between consecutive sizes, "
        "(t(N2) - t(N1)) / (N2 - N1): if it does not grow, the cost of a token does not grow with N.",
        "",
        "| operation | " + " | ".join(f"per token N={n} (ms)" for n in sizes)
        + "".join(f" | marginal {a}→{b} (ms)" for a, b in zip(sizes, sizes[1:])) + " |",
        "|---|" + "---:|" * (len(sizes) + max(len(sizes) - 1, 0)),
    ]
    for op in OPERATIONS:
        cells = [f"{r.run('ours', op).seconds / r.size * 1000:.1f}" for r in results]
        cells += [f"{_marginal_ms(a, b, op):.1f}" for a, b in zip(results, results[1:])]
        lines.append(f"| {op} | " + " | ".join(cells) + " |")
    return lines


def _fleet_table(fleet: list["FleetResult"]) -> list[str]:
    from .fleet import JITTER_MS, LATENCY_MS, RATE_LIMIT, RATE_PERIOD_SECONDS

    first = fleet[0].ours
    lines = [
        f"## Fleet: K stacks of {first.tokens_per_stack} tokens, `up` at once",
        "",
        f"One sandbox answering after {LATENCY_MS} ± {JITTER_MS} ms with GitLab's rate limit on "
        f"({RATE_LIMIT} requests per {RATE_PERIOD_SECONDS:g} s for the one user every stack authenticates as: "
        f"gitlab.com's 2,000 a minute, in 10-second windows), one PostgreSQL state backend for every stack. "
        "Floor: the same K stacks of no-op resources at once (the engine's and the backend's cost on these "
        "cores). Bounds: the floor plus each stack's calls at L, P at a time (the stacks run side by side); "
        f"and the rate limit's least time for the calls that got through: the {RATE_PERIOD_SECONDS:g}-second "
        "windows they need, less one (a window's worth may go at once at its start). The larger is the bound.",
        "",
        "| K | tokens | ours (s) | tokens/s | floor (s) | latency / P (s) | rate limit (s) | bound (s) "
        "| ours/bound | bound from | GitLab calls | answered 429 | duplicated | lost |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for f in fleet:
        lines.append(
            f"| {f.ours.stacks} | {f.ours.tokens} | {f.ours.seconds:.1f} | {f.ours.tokens_per_second:.1f} "
            f"| {f.floor.seconds:.1f} | {f.latency_seconds:.1f} | {f.ours.rate_limit_seconds:.1f} "
            f"| {f.bound_seconds:.1f} | {f.ours.seconds / f.bound_seconds:.2f} | {f.bound_source} "
            f"| {f.ours.api_calls} | {f.ours.throttled} | {f.ours.duplicated} | {f.ours.lost} |"
        )
    return lines


def _faces_table(results: list[SizeResult]) -> list[str]:
    """Native beside dynamic at every size and latency measured, with the floor and bound both are held to."""
    lines = [
        "## The two faces side by side",
        "",
        "Both faces' runs of the tables above (the native face's are not shown there), made in the same "
        "interleaved sequence. Bound: the floor at 0 ms, N x L / P + floor at a latency. Calls per token "
        "count every GitLab call, the per-project listings in up included.",
        "",
        "| L (ms) | N | operation | dynamic (s) | native (s) | native/dynamic | floor (s) | bound (s) "
        "| dynamic/bound | native/bound | provider CPU dynamic / native (s) "
        "| provider peak RSS dynamic / native (MiB) | GitLab calls per token dynamic / native |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if NATIVE not in r.faces:
            continue
        for op in OPERATIONS:
            dynamic, native = r.run("ours", op), r.run(NATIVE, op)
            lines.append(
                f"| {r.latency_ms:g} | {r.size} | {op} | {dynamic.seconds:.2f} | {native.seconds:.2f} "
                f"| {r.face_ratio(op):.2f} | {r.run('floor', op).seconds:.2f} | {r.bound_seconds(op):.2f} "
                f"| {r.ratio_to_bound(op):.2f} | {r.ratio_to_bound(op, flavor=NATIVE):.2f} "
                f"| {_cpu(dynamic.provider_cpu_seconds)} / {_cpu(native.provider_cpu_seconds)} "
                f"| {_mib(dynamic.provider_peak_rss_kib)} / {_mib(native.provider_peak_rss_kib)} "
                f"| {r.calls_made_per_token(op):g} / {r.calls_made_per_token(op, NATIVE):g} |"
            )
    return lines


def _memory_table(memory: list[MemoryResult]) -> list[str]:
    sizes = sorted({face.size for face in memory})
    lines = [
        f"## One stack of {', '.join(str(n) for n in sizes)} tokens: the provider's memory (0 ms)",
        "",
        "Each face alone, one after the other; the engine skips its intermediate checkpoints "
        "(`PULUMI_SKIP_CHECKPOINTS`), which at this size cost the engine minutes and the provider nothing.",
        "",
        "| face | operation | seconds | GitLab calls | provider peak RSS (MiB) | provider CPU (s) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for face in memory:
        for op, run in face.runs.items():
            lines.append(f"| {FACE_NAMES[face.flavor]} | {op} | {run.seconds:.1f} | {run.api_total} "
                         f"| {_mib(run.provider_peak_rss_kib)} | {_cpu(run.provider_cpu_seconds)} |")
    return lines


def _route_table(results: list[SizeResult]) -> list[str]:
    """Every route the sandbox counted for each face, per token: any project lookup would show here."""
    lines = ["## GitLab calls by route (per token)", "",
             "| face | L (ms) | N | operation | route | calls per token |", "|---|---:|---:|---|---|---:|"]
    for result in results:
        for face in result.faces:
            for op in OPERATIONS:
                at = f"| {FACE_NAMES[face]} | {result.latency_ms:g} | {result.size} | {op}"
                routes = {k: v for k, v in result.run(face, op).api_calls.items() if k != "total"}
                if not routes:
                    lines.append(f"{at} | (none) | 0 |")
                for route, count in sorted(routes.items()):
                    lines.append(f"{at} | `{route}` | {count / result.size:g} |")
    return lines


def _marginal_ms(small: SizeResult, large: SizeResult, operation: str) -> float:
    extra = large.run("ours", operation).seconds - small.run("ours", operation).seconds
    return extra / (large.size - small.size) * 1000


def _cpu(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.2f}"


def _mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.0f}"
