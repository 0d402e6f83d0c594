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

from .harness import API_CALL_TARGETS, OPERATIONS, REPO, SizeResult

FINDINGS = REPO / "benchmarks" / "findings.md"
#: The size the issue's ratio target is stated at, and the size the per-token trend starts from.
REFERENCE_SIZE = 100
RATIO_TARGET = 1.2


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
           started: dt.datetime, elapsed_seconds: float, note: str = "") -> str:
    """The whole of results.md."""
    by_size = {r.size: r for r in results}
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`benchmarks/run.py`) on {started:%Y-%m-%d %H:%M} UTC; the run took "
        f"{elapsed_seconds / 60:.1f} minutes. Sizes: {', '.join(str(r.size) for r in results)}.",
        "",
        "Each size N has N `ProjectAccessToken`s across N sandbox projects (`ours`), and N no-op dynamic "
        "resources of the same shape whose provider does nothing (`floor`: the engine's own cost). Both "
        "stacks run `pulumi up --skip-preview`, a no-op `pulumi preview --expect-no-changes`, "
        "`pulumi refresh --skip-preview` and `pulumi destroy --skip-preview`, interleaved operation by "
        "operation, once each. Parallelism: the CLI's default `--parallel` (8 in pulumi 3.259); the "
        "dynamic provider process serves 4 requests at a time (`pulumi.dynamic`'s thread pool). "
        "The machine is noisy, so compare the ratios measured within this run, not absolute seconds "
        "across runs.",
    ]
    if note:
        lines += ["", note]
    lines += ["", "## Machine and versions", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in {**machine_info, **version_info}.items()]
    lines += ["", *_summary(by_size)]
    for result in results:
        lines += ["", *_size_table(result)]
    lines += ["", *_per_token_table(results), "", *_route_table(results)]
    if FINDINGS.exists():
        lines += ["", FINDINGS.read_text().strip()]
    return "\n".join(lines) + "\n"


def _summary(by_size: dict[int, SizeResult]) -> list[str]:
    lines = ["## Headline", ""]
    reference = by_size.get(REFERENCE_SIZE)
    if reference is not None:
        ratios = ", ".join(f"{op} {reference.ratio(op):.2f}" for op in OPERATIONS)
        worst = max(reference.ratio(op) for op in OPERATIONS)
        verdict = "within" if worst <= RATIO_TARGET else "above"
        lines.append(f"- Wall time ours/floor at N = {REFERENCE_SIZE}: {ratios} "
                     f"(aim: at most {RATIO_TARGET}; worst is {verdict} it).")
        sandbox = ", ".join(f"{op} {_cpu(reference.run('ours', op).gitlab_cpu_seconds)} s" for op in OPERATIONS)
        lines.append(f"- CPU the sandbox spent serving ours at N = {REFERENCE_SIZE} (GitLab's own work, done here "
                     f"on the same 2 cores as the engine and the provider): {sandbox}.")
    largest = max(by_size)
    if reference is not None and largest > REFERENCE_SIZE:
        changes = ", ".join(f"{op} {_per_token_change(reference, by_size[largest], op):+.0%}" for op in OPERATIONS)
        lines.append(f"- Time per token from N = {REFERENCE_SIZE} to N = {largest} (ours): {changes} "
                     f"(negative: it shrinks; fixed start-up cost is spread over more tokens).")
    peak = _peaks(by_size)
    lines.append(f"- Provider process peak RSS, largest over every run: ours {peak['ours'] / 1024:.0f} MiB, "
                 f"floor {peak['floor'] / 1024:.0f} MiB.")
    calls = ", ".join(
        f"{op} {max(r.api_calls_per_token(op) for r in by_size.values()):g} (target {API_CALL_TARGETS[op]})"
        for op in OPERATIONS)
    met = all(r.meets_api_targets() for r in by_size.values())
    listings = max(r.listings_per_project("up") for r in by_size.values())
    lines.append(f"- GitLab API calls per token, worst size: {calls}, plus {listings:g} listing per project "
                 f"in up (at most 1 allowed); {'every target met at every size' if met else 'SOME TARGETS MISSED'}.")
    return lines


def _peaks(by_size: dict[int, SizeResult]) -> dict[str, int]:
    peaks = {"ours": 0, "floor": 0}
    for result in by_size.values():
        for (flavor, _operation), run in result.runs.items():
            peaks[flavor] = max(peaks[flavor], run.provider_peak_rss_kib or 0)
    return peaks


def _size_table(result: SizeResult) -> list[str]:
    n = result.size
    lines = [
        f"## N = {n}",
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


def _per_token_table(results: list[SizeResult]) -> list[str]:
    """Per-token wall time at each size, and the marginal cost of a token between sizes."""
    sizes = [r.size for r in results]
    lines = [
        "## Time per token as N grows (ours)",
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


def _route_table(results: list[SizeResult]) -> list[str]:
    """Every route the sandbox counted for ours, per token: any project lookup would show here."""
    lines = ["## GitLab calls by route (ours, per token)", "", "| N | operation | route | calls per token |",
             "|---:|---|---|---:|"]
    for result in results:
        for op in OPERATIONS:
            routes = {k: v for k, v in result.run("ours", op).api_calls.items() if k != "total"}
            if not routes:
                lines.append(f"| {result.size} | {op} | (none) | 0 |")
            for route, count in sorted(routes.items()):
                lines.append(f"| {result.size} | {op} | `{route}` | {count / result.size:g} |")
    return lines


def _per_token_change(small: SizeResult, large: SizeResult, operation: str) -> float:
    before = small.run("ours", operation).seconds / small.size
    after = large.run("ours", operation).seconds / large.size
    return after / before - 1


def _marginal_ms(small: SizeResult, large: SizeResult, operation: str) -> float:
    extra = large.run("ours", operation).seconds - small.run("ours", operation).seconds
    return extra / (large.size - small.size) * 1000


def _cpu(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.2f}"


def _mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.0f}"
