"""The worker pool: idle workers and connections wait without polling, yet give way at once; bounded queue."""

from __future__ import annotations

import select
import socket
import threading
import time

from gitlab_token_sandbox.pool import REFUSAL, ServingLimits, WorkerPool


def test_idle_workers_stop_at_once_when_the_pool_stops() -> None:
    pool = WorkerPool(ServingLimits(workers=6, max_waiting=2), lambda conn, addr: None, lambda addr: None)
    started = time.monotonic()
    pool.stop(timeout=5.0)
    assert time.monotonic() - started < 1.0
    assert not any(thread.is_alive() for thread in pool._threads)


def test_past_max_waiting_a_connection_is_refused_and_queued_ones_are_served_then_stop_wakes_all() -> None:
    release = threading.Event()
    served: list[tuple] = []
    refused: list[tuple] = []

    def serve(connection: socket.socket, address: tuple) -> None:
        release.wait(5)
        served.append(address)
        connection.close()

    pool = WorkerPool(ServingLimits(workers=1, max_waiting=2), serve, refused.append)
    pairs = [socket.socketpair() for _ in range(4)]
    pool.submit(pairs[0][0], ("busy",))
    deadline = time.monotonic() + 5
    while pool.others_waiting() and time.monotonic() < deadline:  # the one worker takes the first
        time.sleep(0.01)
    pool.submit(pairs[1][0], ("queued-1",))
    pool.submit(pairs[2][0], ("queued-2",))
    pool.submit(pairs[3][0], ("one-too-many",))
    assert refused == [("one-too-many",)]
    pairs[3][1].settimeout(5)
    assert pairs[3][1].recv(len(REFUSAL) + 1).startswith(b"HTTP/1.1 503")
    release.set()
    deadline = time.monotonic() + 5
    while len(served) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert served == [("busy",), ("queued-1",), ("queued-2",)]
    pool.stop(timeout=5.0)
    assert not any(thread.is_alive() for thread in pool._threads)
    for a, b in pairs:
        a.close()
        b.close()


def test_the_doorbell_rings_exactly_while_a_connection_waits_for_a_worker() -> None:
    release = threading.Event()
    served: list[tuple] = []

    def serve(connection: socket.socket, address: tuple) -> None:
        release.wait(5)
        served.append(address)
        connection.close()

    def ringing() -> bool:
        return bool(select.select([pool.doorbell], [], [], 0)[0])

    def until(condition) -> None:
        deadline = time.monotonic() + 5
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)

    pool = WorkerPool(ServingLimits(workers=1, max_waiting=2), serve, lambda address: None)
    pairs = [socket.socketpair() for _ in range(2)]
    assert not ringing()
    pool.submit(pairs[0][0], ("busy",))
    until(lambda: not pool.others_waiting() and not ringing())
    assert not ringing()  # taken by the worker at once: nobody waits
    pool.submit(pairs[1][0], ("waiting",))
    assert ringing()
    release.set()
    until(lambda: len(served) == 2)
    assert served == [("busy",), ("waiting",)] and not ringing()
    pool.stop(timeout=5.0)
    for a, b in pairs:
        a.close()
        b.close()
