"""Per-route request counters, read through ``GET /-/sandbox/counters``."""

from __future__ import annotations

import threading
from collections import Counter


class RequestCounters:
    """Counts /api/v4 requests by ``"<METHOD> <route template>"``."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def record(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1
            self._counts["total"] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            counts = dict(self._counts)
        counts.setdefault("total", 0)
        return counts

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
