"""Network latency: every ``/api/v4`` answer waits a fixed time, optionally jittered.

The sandbox answers in well under a millisecond; a GitLab reached over the
network does not (gitlab.com or a self-managed instance answers a token call
in roughly 50 to 300 ms from a CI runner). ``--latency-ms`` makes each API
answer wait that long before it is sent, and ``--latency-jitter-ms`` spreads
the wait uniformly over ``latency ± jitter`` (never below zero), so a client
that serves calls one at a time pays the latency once per call, and one that
overlaps them pays it once per batch, as against a real GitLab.

The wait holds the connection's worker, like a slow server: give the sandbox
enough ``--workers`` for the clients' concurrency. ``/-/sandbox`` controls are
answered at once.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AnswerLatency:
    """How long each API answer waits: ``fixed_ms``, spread uniformly by ``± jitter_ms``."""

    fixed_ms: float = 0.0
    jitter_ms: float = 0.0
    #: Seed of the jitter's random draws, for runs that must repeat exactly.
    seed: int | None = None
    _random: random.Random = field(default_factory=random.Random, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._random.seed(self.seed)

    def problems(self) -> list[str]:
        """What is wrong with the options, as command-line errors."""
        found = []
        if not self.fixed_ms >= 0:
            found.append("--latency-ms must be 0 or more")
        if not self.jitter_ms >= 0:
            found.append("--latency-jitter-ms must be 0 or more")
        return found

    def draw_seconds(self) -> float:
        """The wait for one answer, in seconds."""
        if not self.jitter_ms:
            return self.fixed_ms / 1000
        with self._lock:  # one generator shared by every worker thread
            spread = self._random.uniform(-self.jitter_ms, self.jitter_ms)
        return max(0.0, self.fixed_ms + spread) / 1000

    def wait(self) -> None:
        """Hold the current answer back for one draw of the latency."""
        seconds = self.draw_seconds()
        if seconds > 0:
            time.sleep(seconds)
