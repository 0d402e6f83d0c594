"""``make bench``: measure the providers against the engine's floor and write ``benchmarks/results.md``.

    .venv/bin/python benchmarks/run.py [--sizes 10,100,500] [--out benchmarks/results.md]

Starts its own sandbox, works under ``benchmarks/work/`` (kept out of git), and
prints a progress line per CLI command; the default sizes take several minutes.
See :mod:`benchmarks.harness` for what is measured.
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

from benchmarks import report  # noqa: E402
from benchmarks.harness import run_benchmark  # noqa: E402
from support.pulumi_cli import pulumi_executable  # noqa: E402  (harness put tests/ on the path)

WORK = REPO / "benchmarks" / "work"
PROFILING = REPO / "benchmarks" / "profiling"


def parse_sizes(text: str) -> list[int]:
    sizes = [int(part) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive whole numbers, like 10,100,500")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=parse_sizes, default=[10, 100, 500],
                        help="comma-separated numbers of tokens (default 10,100,500)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results.md",
                        help="where to write the report (default benchmarks/results.md)")
    parser.add_argument("--note", default="", help="a sentence to put at the top of the report")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="sample the provider processes' stacks into DIR (see benchmarks/profiling/)")
    args = parser.parse_args(argv)
    if args.profile:
        # Inherited by the CLI and so by the provider process, whose sitecustomize starts the sampler.
        os.environ["BENCH_PROFILE_DIR"] = str(args.profile.resolve())
        os.environ["BENCH_EXTRA_PYTHONPATH"] = str(PROFILING)

    started = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    # A clean work directory each run: stale stacks from an interrupted run would skew nothing, but fill the disk.
    shutil.rmtree(WORK, ignore_errors=True)
    results = run_benchmark(args.sizes, WORK, progress=lambda line: print(line, flush=True))
    elapsed = time.perf_counter() - clock
    text = report.render(results, machine_info=report.machine(), version_info=report.versions(pulumi_executable()),
                         started=started, elapsed_seconds=elapsed, note=args.note)
    args.out.write_text(text)
    print(f"wrote {args.out} ({elapsed / 60:.1f} minutes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
