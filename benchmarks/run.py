"""``make bench``: measure the provider against the engine's floor and its bounds; write ``benchmarks/results.md``.

    .venv/bin/python benchmarks/run.py [--sizes 1,100,500] [--latency-ms 150] [--latency-sizes 100,500]
                                       [--fleet 1,4,8] [--fleet-size 100] [--memory-size 2000]
                                       [--out benchmarks/results.md]

Parts, in order: both faces (ours, the dynamic one, and the native provider)
against the floor at 0 ms; the same at ``--latency-ms`` (with ours also served 4
at a time, the SDK's pool); one stack of ``--memory-size`` tokens per face for
the provider's peak RSS; the fleet (K stacks of the dynamic face at once on one
sandbox with latency and rate limit, one PostgreSQL backend); the import cost
of the package. An empty list (``--fleet ""``, ``--memory-size 0``) skips a
part. Starts its own sandboxes and PostgreSQL, works under ``benchmarks/work/``
(kept out of git), and prints a progress line per CLI command; the defaults
take about half an hour on 2 cores. See :mod:`benchmarks.harness`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # run as a script: make the benchmarks package importable

from benchmarks import fleet as fleet_bench, report  # noqa: E402
from benchmarks.harness import NATIVE, run_benchmark, run_memory, sandbox_args  # noqa: E402
from benchmarks.startup import measure_import_cost  # noqa: E402
from support.postgres import running_postgres  # noqa: E402  (harness put tests/ on the path)
from support.pulumi_cli import pulumi_executable  # noqa: E402
from support.sandbox import running_sandbox  # noqa: E402

WORK = REPO / "benchmarks" / "work"
PROFILING = REPO / "benchmarks" / "profiling"


def parse_sizes(text: str) -> list[int]:
    sizes = [int(part) for part in text.split(",") if part.strip()]
    if sizes and min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive whole numbers, like 10,100,500")
    return sizes


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages: how busy the shared machine was."""
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=parse_sizes, default=[1, 100, 500],
                        help="numbers of tokens at 0 ms latency (default 1,100,500)")
    parser.add_argument("--latency-ms", type=float, default=150.0,
                        help="the sandbox's latency per answer for the second part (default 150)")
    parser.add_argument("--latency-sizes", type=parse_sizes, default=[100, 500],
                        help="numbers of tokens at --latency-ms (default 100,500)")
    parser.add_argument("--fleet", type=parse_sizes, default=[1, 4, 8],
                        help="numbers of stacks running up at once (default 1,4,8)")
    parser.add_argument("--fleet-size", type=int, default=100, help="tokens per fleet stack (default 100)")
    parser.add_argument("--memory-size", type=int, default=2000,
                        help="tokens in one stack per face for the provider's peak RSS; 0 skips (default 2000)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results.md",
                        help="where to write the report (default benchmarks/results.md)")
    parser.add_argument("--note", default="", help="a sentence to put at the top of the report")
    parser.add_argument("--work", type=Path, default=WORK,
                        help="working directory, emptied first (default benchmarks/work; give each concurrent run its own)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="sample the provider processes' stacks into DIR (see benchmarks/profiling/)")
    args = parser.parse_args(argv)
    if args.profile:
        # Inherited by the CLI and so by the provider process, whose sitecustomize starts the sampler.
        os.environ["BENCH_PROFILE_DIR"] = str(args.profile.resolve())
        os.environ["BENCH_EXTRA_PYTHONPATH"] = str(PROFILING)

    started = dt.datetime.now(dt.timezone.utc)
    load_before = load_average()
    clock = time.perf_counter()
    # A clean work directory each run: stale stacks from an interrupted run would skew nothing, but fill the disk.
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    progress = lambda line: print(line, flush=True)  # noqa: E731
    parts: dict = {"results": [], "latency_results": [], "fleet": [], "memory": [], "imports": None}

    def write(final: bool) -> float:
        """The report of the parts done so far: an interrupted run still leaves its figures."""
        elapsed = time.perf_counter() - clock
        load = (f"Load on the shared 2 cores (1-, 5- and 15-minute load averages): {load_before} at the start, "
                f"{load_average()} {'at the end' if final else 'when this was written, mid-run'}.")
        note = args.note if final else " ".join(filter(None, [args.note, "**Written mid-run: later parts missing.**"]))
        text = report.render(parts["results"], machine_info=machine_info, version_info=version_info, started=started,
                             elapsed_seconds=elapsed, note=note, latency_results=parts["latency_results"],
                             fleet=parts["fleet"], memory=parts["memory"], imports=parts["imports"], load=load)
        args.out.write_text(text)
        return elapsed

    machine_info, version_info = report.machine(), report.versions(pulumi_executable())
    if args.sizes:
        parts["results"] = run_benchmark(args.sizes, work / "zero", progress)
        write(final=False)
    if args.latency_sizes and args.latency_ms > 0:
        parts["latency_results"] = run_benchmark(args.latency_sizes, work / "latency", progress,
                                                 latency_ms=args.latency_ms)
        write(final=False)
    if args.memory_size:
        with running_sandbox(extra_args=sandbox_args(0)) as sandbox:
            for face in ("ours", NATIVE):
                parts["memory"].append(run_memory(sandbox, args.memory_size, work / "memory", progress, face))
        write(final=False)
    if args.fleet:
        with running_sandbox(extra_args=fleet_bench.sandbox_args()) as sandbox, running_postgres() as postgres:
            parts["fleet"] = fleet_bench.run_fleets(sandbox, postgres.new_database(), work / "fleet", args.fleet,
                                                    args.fleet_size, progress)
        write(final=False)
    parts["imports"] = measure_import_cost()
    elapsed = write(final=True)
    print(f"wrote {args.out} ({elapsed / 60:.1f} minutes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
