"""Fixed start-up cost that is ours: importing ``pulumi_gitlab_tokens`` in a fresh interpreter.

Every ``pulumi preview`` and ``up`` pays it twice: in the program (the language
host imports the package to declare resources) and in the provider process
(it imports the package to unpickle the provider). ``pulumi`` itself is
imported first and timed apart, since both the floor and ours pay for it.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from dataclasses import dataclass

_PROBE = """
import json, sys, time
started = time.perf_counter()
import pulumi, pulumi.dynamic
pulumi_done = time.perf_counter()
import pulumi_gitlab_tokens
ours_done = time.perf_counter()
print(json.dumps({"pulumi": pulumi_done - started, "ours": ours_done - pulumi_done,
                  "loads": sorted(m for m in ("gitlab", "requests", "urllib3") if m in sys.modules)}))
"""
#: python-gitlab and requests alone, after pulumi: what the package's import would save without them.
_LIBRARY_PROBE = """
import json, time
import pulumi, pulumi.dynamic
started = time.perf_counter()
import requests, gitlab, gitlab.v4.objects
print(json.dumps({"libraries": time.perf_counter() - started}))
"""
ROUNDS = 7


@dataclass
class ImportCost:
    """Median seconds over :data:`ROUNDS` fresh interpreters."""

    pulumi_seconds: float
    ours_seconds: float
    #: Which of python-gitlab, requests and urllib3 the import loads (none need to be, until a GitLab call).
    loads: list[str]
    #: Importing python-gitlab and requests (with urllib3) alone, after pulumi.
    libraries_seconds: float = 0.0


def measure_import_cost(python: str = sys.executable) -> ImportCost:
    """Both probes, alternated, :data:`ROUNDS` times each; medians."""
    samples, libraries = [], []
    for _ in range(ROUNDS):
        samples.append(_probe(python, _PROBE))
        libraries.append(_probe(python, _LIBRARY_PROBE)["libraries"])
    return ImportCost(statistics.median(s["pulumi"] for s in samples), statistics.median(s["ours"] for s in samples),
                      samples[-1]["loads"], statistics.median(libraries))


def _probe(python: str, code: str) -> dict:
    return json.loads(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout)
