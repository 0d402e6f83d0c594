"""A sampling profiler for the dynamic provider process, loaded only by ``benchmarks/run.py --profile``.

The engine starts ``python -m pulumi.dynamic`` itself and kills it when done,
so cProfile (one thread, stats written at exit) cannot see it. Instead, when
this directory is on ``PYTHONPATH`` and ``BENCH_PROFILE_DIR`` is set, a
daemon thread samples every thread's stack every millisecond and rewrites
``<dir>/provider-<pid>.txt`` twice a second: the functions seen most often,
by self samples (innermost frame) and by inclusive samples (anywhere on the stack).
"""

from __future__ import annotations

import collections
import os
import sys
import threading
import time

SAMPLE_SECONDS = 0.001
WRITE_EVERY_SAMPLES = 500
SHOWN = 40
#: Innermost frames of threads that are waiting for work, not doing any: not counted.
IDLE = {"python3.11/threading.py:wait", "futures/thread.py:_worker", "grpc/_server.py:_serve",
        "_channel.py:_poll_connectivity", "_channel.py:channel_spin", "grpc/_server.py:_process_event_and_continue"}


def _is_provider_process() -> bool:
    try:
        with open("/proc/self/cmdline", "rb") as cmdline:
            return b"pulumi.dynamic" in cmdline.read()
    except OSError:
        return False


def _label(code: object) -> str:
    filename = getattr(code, "co_filename", "?")
    short = "/".join(filename.split("/")[-2:])
    return f"{short}:{getattr(code, 'co_name', '?')}"


def _sample_forever(out_path: str) -> None:
    me = threading.get_ident()
    inner: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    samples = 0
    while True:
        time.sleep(SAMPLE_SECONDS)
        for ident, frame in sys._current_frames().items():
            if ident == me:
                continue
            leaf = _label(frame.f_code)
            if leaf in IDLE:
                continue
            inner[leaf] += 1
            seen = set()
            while frame is not None:
                seen.add(_label(frame.f_code))
                frame = frame.f_back
            inclusive.update(seen)
            samples += 1
        if samples and samples % WRITE_EVERY_SAMPLES < 4:
            _write(out_path, samples, inner, inclusive)


def _write(path: str, samples: int, inner: collections.Counter[str], inclusive: collections.Counter[str]) -> None:
    lines = [f"{samples} busy-thread samples", "", "self (innermost frame):"]
    lines += [f"{count:7d} {name}" for name, count in inner.most_common(SHOWN)]
    lines += ["", "inclusive (anywhere on the stack):"]
    lines += [f"{count:7d} {name}" for name, count in inclusive.most_common(SHOWN)]
    with open(path + ".tmp", "w") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


_directory = os.environ.get("BENCH_PROFILE_DIR")
if _directory and _is_provider_process():
    os.makedirs(_directory, exist_ok=True)
    threading.Thread(target=_sample_forever, args=(os.path.join(_directory, f"provider-{os.getpid()}.txt"),),
                     daemon=True).start()
