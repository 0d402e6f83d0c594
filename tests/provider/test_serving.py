"""``serving``: the provider process serves as many calls at once as the engine sends, not 4.

The engine test ``test_provider_concurrency.py`` shows it in a real provider
process; these pin the mechanism on a plain executor of the SDK's shape.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_gitlab_tokens.common import serving
from pulumi_gitlab_tokens.common.errors import GitLabTokenError

#: The SDK's pool: ``futures.ThreadPoolExecutor(max_workers=4)`` in ``pulumi/dynamic/__main__.py``.
SDK_WORKERS = 4


def _all_run_at_once(executor: ThreadPoolExecutor, count: int, timeout: float) -> bool:
    """Whether ``count`` tasks that each wait for all the others can all finish."""
    barrier = threading.Barrier(count, timeout=timeout)

    def meet() -> bool:
        try:
            barrier.wait()
            return True
        except threading.BrokenBarrierError:
            return False

    return all(f.result() for f in [executor.submit(meet) for _ in range(count)])


def test_an_executor_widened_from_its_own_worker_runs_that_many_calls_at_once() -> None:
    with ThreadPoolExecutor(max_workers=SDK_WORKERS) as executor:
        # As in the provider: the widening runs inside a call, on one of the executor's workers.
        found = executor.submit(serving.serving_executor).result()
        assert found is executor
        assert executor.submit(serving.widen, found, 16).result() is True
        assert _all_run_at_once(executor, 16, timeout=60)


def test_widening_during_a_burst_starts_threads_for_the_calls_already_waiting() -> None:
    # As in a destroy: the engine sends its deletes at once, 4 run, the rest wait, and the first
    # one is what widens. Earlier bursts left the executor counting workers as idle that are not.
    burst = 12
    with ThreadPoolExecutor(max_workers=SDK_WORKERS) as executor:
        for done in [executor.submit(lambda: None) for _ in range(40)]:
            done.result()
        barrier = threading.Barrier(burst, timeout=60)

        def call(first: bool) -> bool:
            if first:
                assert serving.widen(serving.serving_executor(), 16)
            try:
                barrier.wait()
                return True
            except threading.BrokenBarrierError:
                return False

        assert all(f.result() for f in [executor.submit(call, index == 0) for index in range(burst)])


def test_without_widening_the_sdks_pool_cannot_serve_more_than_4_at_once() -> None:
    # The control for the test above: its barrier would never open with 4 workers.
    with ThreadPoolExecutor(max_workers=SDK_WORKERS) as executor:
        assert not _all_run_at_once(executor, SDK_WORKERS + 1, timeout=1)


def test_widening_never_lowers_a_larger_limit() -> None:
    with ThreadPoolExecutor(max_workers=100) as executor:
        assert serving.widen(executor, 16) is True
        assert _all_run_at_once(executor, 50, timeout=60)


@pytest.mark.parametrize("where", ["main thread", "plain thread"])
def test_outside_an_executors_worker_there_is_nothing_to_widen(where: str) -> None:
    found: list[object] = []
    if where == "main thread":
        found.append(serving.serving_executor())
    else:
        worker = threading.Thread(target=lambda: found.append(serving.serving_executor()))
        worker.start()
        worker.join()
    assert found == [None]


def test_outside_the_provider_process_nothing_is_changed() -> None:
    with ThreadPoolExecutor(max_workers=SDK_WORKERS) as executor:
        assert not serving.in_dynamic_provider_process()  # pytest's __main__, not pulumi.dynamic's
        assert executor.submit(serving.serve_everything_the_engine_sends).result() is False
        assert not _all_run_at_once(executor, SDK_WORKERS + 1, timeout=1)


def test_the_gitlab_session_keeps_a_connection_for_every_call_served_at_once(caplog) -> None:
    # requests keeps 10 connections per host: past that, urllib3 opens one per call and warns as it
    # throws it away. Calls overlap here because the sandbox answers after 200 ms.
    from support.sandbox import running_sandbox

    from pulumi_gitlab_tokens.client.transport import GitLabSession

    calls = 24
    with running_sandbox(extra_args=["--latency-ms", "200"]) as sb:
        session = GitLabSession(sb.base_url)
        with ThreadPoolExecutor(max_workers=calls) as executor:
            for _round in range(2):
                answers = list(executor.map(
                    lambda _: session.get(f"{sb.base_url}/api/v4/version",
                                          headers={"PRIVATE-TOKEN": sb.admin_token}).status_code,
                    range(calls)))
                assert answers == [200] * calls
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()], "connections were thrown away"


def test_the_limit_can_be_set_in_the_environment(monkeypatch) -> None:
    monkeypatch.setenv(serving.WORKERS_ENV, "4")
    assert serving.configured_workers() == 4
    monkeypatch.setenv(serving.WORKERS_ENV, "")
    assert serving.configured_workers() == serving.PROVIDER_WORKERS


@pytest.mark.parametrize("unusable", ["0", "00", "-3", "many", "\u00b2", "\u0661\u0662", "1e3"])
def test_a_limit_that_is_not_a_positive_ascii_number_is_an_error_naming_the_variable(monkeypatch, unusable) -> None:
    """``²`` and Arabic-Indic digits pass ``str.isdigit``; ``0`` would serve nothing. Each is refused, never 64."""
    monkeypatch.setenv(serving.WORKERS_ENV, unusable)
    with pytest.raises(GitLabTokenError) as raised:
        serving.configured_workers()
    assert serving.WORKERS_ENV in str(raised.value) and "positive whole number" in str(raised.value)
