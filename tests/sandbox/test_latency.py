"""``--latency-ms`` and ``--latency-jitter-ms``: API answers wait like a GitLab across a network.

Only lower bounds on elapsed time are asserted: a loaded machine can make an
answer later, never earlier, so these cannot fail from noise.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time

from gitlab_token_sandbox.latency import AnswerLatency

from support.sandbox import running_sandbox


def test_fixed_latency_has_no_spread() -> None:
    assert [AnswerLatency(150).draw_seconds() for _ in range(3)] == [0.15, 0.15, 0.15]
    assert AnswerLatency().draw_seconds() == 0.0


def test_jitter_spreads_around_the_latency_within_its_bounds_and_repeats_with_a_seed() -> None:
    latency = AnswerLatency(100, 40, seed=7)
    draws = [latency.draw_seconds() for _ in range(2000)]
    assert all(0.06 <= d <= 0.14 for d in draws)
    assert min(draws) < 0.07 and max(draws) > 0.13  # uniform over the whole range, not a point
    assert abs(statistics.mean(draws) - 0.1) < 0.005  # centred: the mean latency stays what was asked
    again = AnswerLatency(100, 40, seed=7)
    assert [again.draw_seconds() for _ in range(2000)] == draws


def test_jitter_larger_than_the_latency_never_waits_less_than_zero() -> None:
    latency = AnswerLatency(10, 50, seed=1)
    draws = [latency.draw_seconds() for _ in range(500)]
    assert min(draws) == 0.0 and max(draws) > 0.05


def test_every_api_answer_waits_and_concurrent_answers_wait_together() -> None:
    with running_sandbox(extra_args=["--latency-ms", "500"]) as sb:
        started = time.monotonic()
        assert sb.api("GET", "/version")["version"]
        assert time.monotonic() - started >= 0.5

        # Eight calls at once take one latency, not eight: the wait holds a worker, not the server.
        answered: list[float] = []

        def call() -> None:
            sb.api("GET", "/version")
            answered.append(time.monotonic())

        started = time.monotonic()
        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(answered) == 8 and min(answered) - started >= 0.5
        # Served one at a time they would need 8 x 0.5 s; overlapping, the last comes well before.
        assert max(answered) - started < 8 * 0.5, "the latency serialised the answers"


def test_latency_options_are_checked_at_start() -> None:
    for args, message in ((["--latency-ms", "-1"], "--latency-ms must be 0 or more"),
                          (["--latency-jitter-ms", "-5"], "--latency-jitter-ms must be 0 or more"),
                          (["--latency-ms", "nan"], "--latency-ms must be 0 or more")):
        result = subprocess.run([sys.executable, "-m", "gitlab_token_sandbox", *args], capture_output=True,
                                text=True, timeout=30)
        assert result.returncode == 2 and message in result.stderr, result.stderr
