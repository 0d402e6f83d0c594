"""Serving limits: a fixed pool of workers, a bounded wait, and a deadline on every request.

A thread per connection, as ``ThreadingHTTPServer`` does, lets any number of
idle or slow clients hold any number of threads. Instead:

- ``workers`` threads serve connections; accepted connections wait in a queue
  of at most ``max_waiting``; past that a connection is answered ``503`` (with
  ``Retry-After``) and closed without anything of it being read or run.
- A connection waiting for its next request gives up its worker after
  ``idle_timeout`` seconds, or at once when other connections are waiting for a
  worker (HTTP lets a server close an idle persistent connection at any time).
  It learns of those from the pool's doorbell, a pipe that is readable exactly
  while connections wait, so an idle connection uses no CPU until then.
- Once the first byte of a request arrives, the whole request (line, headers
  and body) must arrive within ``request_timeout`` seconds, however slowly it
  drips; otherwise the connection is closed and the request is not run.

A request runs only once it has been read whole, inside one transaction, so a
refused, cut or timed-out connection never leaves half a change behind.
"""

from __future__ import annotations

import io
import os
import queue
import select
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable


#: How long a connection waiting for its next request still waits for it once others need its worker.
_YIELD_GRACE_SECONDS = 0.1

#: A refused connection gets this long to take the 503, and then to finish sending, before it is closed.
_REFUSAL_SECONDS = 1.0

#: Refusals that may linger at once (each in a short-lived thread); past that a refusal is a plain close.
_MAX_LINGERING_REFUSALS = 16

REFUSAL_BODY = b'{"message":"503 Service Unavailable"}'
REFUSAL = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           b"Content-Length: " + str(len(REFUSAL_BODY)).encode() + b"\r\nRetry-After: 1\r\n"
           b"Connection: close\r\n\r\n" + REFUSAL_BODY)


@dataclass(frozen=True)
class ServingLimits:
    """How many clients the sandbox serves at once, and for how long it waits on each."""

    workers: int = 32
    max_waiting: int = 64
    request_timeout: float = 30.0
    idle_timeout: float = 60.0

    def problems(self) -> list[str]:
        """What is wrong with these limits, as command-line messages; empty when they are usable."""
        found = []
        if self.workers < 1:
            found.append("--workers must be at least 1")
        if self.max_waiting < 1:
            found.append("--max-waiting must be at least 1")
        if not self.request_timeout > 0:
            found.append("--request-timeout must be more than 0 seconds")
        if not self.idle_timeout > 0:
            found.append("--idle-timeout must be more than 0 seconds")
        return found


class DeadlineReader(io.RawIOBase):
    """A socket's read side that enforces the idle wait and the whole-request deadline.

    Wrapped in a :class:`io.BufferedReader`, it replaces the handler's ``rfile``.
    Reads raise :class:`TimeoutError` past the deadline; they return end-of-file
    when the idle wait ends, which the HTTP handler takes as a clean close.
    """

    def __init__(self, connection: socket.socket, limits: ServingLimits,
                 should_yield: Callable[[], bool], doorbell: int) -> None:
        super().__init__()
        self._connection = connection
        self._limits = limits
        self._should_yield = should_yield
        self._doorbell = doorbell
        self._request_deadline: float | None = None

    def readable(self) -> bool:
        return True

    def next_request(self) -> None:
        """The current request is done; the next one's clock starts at its first byte."""
        self._request_deadline = None

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._request_deadline is None:
            if not self._wait_for_first_byte():
                return 0
            self._request_deadline = time.monotonic() + self._limits.request_timeout
        remaining = self._request_deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"request not received within {self._limits.request_timeout:g}s")
        self._connection.settimeout(remaining)
        try:
            return self._connection.recv_into(buffer)
        except socket.timeout:
            raise TimeoutError(f"request not received within {self._limits.request_timeout:g}s") from None

    def _wait_for_first_byte(self) -> bool:
        """True once data (or the client's close) is ready; False to give the worker up."""
        idle_until = time.monotonic() + self._limits.idle_timeout
        while True:
            remaining = idle_until - time.monotonic()
            if remaining <= 0:
                return False
            ready, _, _ = select.select([self._connection, self._doorbell], [], [], remaining)
            if self._connection in ready:
                return True
            if not ready:
                continue  # the idle wait is over
            # Others wait: still give a request that is on its way a moment to arrive before giving up.
            ready, _, _ = select.select([self._connection], [], [], min(remaining, _YIELD_GRACE_SECONDS))
            if ready:
                return True
            if self._should_yield():
                return False


class WorkerPool:
    """``workers`` threads taking accepted connections from a queue of at most ``max_waiting``."""

    def __init__(self, limits: ServingLimits, serve: Callable[[socket.socket, tuple], None],
                 refused: Callable[[tuple], None]) -> None:
        self.limits = limits
        self._serve = serve
        self._refused = refused
        # Unbounded: ``submit`` enforces ``max_waiting``, so that ``stop`` can always add one wake-up per worker.
        self._waiting: queue.Queue[tuple[socket.socket, tuple] | None] = queue.Queue()
        self._stopping = threading.Event()
        # The doorbell (see the module docstring): rung and silenced only in _update_doorbell, under its lock.
        self._bell_read, self._bell_write = os.pipe()
        self._bell_lock = threading.Lock()
        self._bell_rung = False
        self._bell_closed = False
        self._lingering = threading.BoundedSemaphore(_MAX_LINGERING_REFUSALS)
        self._threads = [threading.Thread(target=self._work, name=f"sandbox-worker-{n}", daemon=True)
                         for n in range(limits.workers)]
        for thread in self._threads:
            thread.start()

    def others_waiting(self) -> bool:
        """Whether a connection is queued for a worker (or the server is stopping)."""
        return self._stopping.is_set() or not self._waiting.empty()

    @property
    def doorbell(self) -> int:
        """A file descriptor that is readable while :meth:`others_waiting` is true (select on it, never read it)."""
        return self._bell_read

    def _update_doorbell(self) -> None:
        """Ring or silence the doorbell to match the queue; called after every change to it."""
        with self._bell_lock:
            wanted = self.others_waiting()
            if wanted and not self._bell_rung:
                os.write(self._bell_write, b"!")
            elif not wanted and self._bell_rung:
                os.read(self._bell_read, 1)
            self._bell_rung = wanted

    def submit(self, connection: socket.socket, address: tuple) -> None:
        """Queue a connection for a worker, or answer 503 and close it when the queue is full."""
        # Only the accepting thread queues connections, so the queue cannot grow between check and put.
        if self._waiting.qsize() < self.limits.max_waiting:
            self._waiting.put_nowait((connection, address))
            self._update_doorbell()
            return
        self._refused(address)
        if self._lingering.acquire(blocking=False):
            threading.Thread(target=self._refuse, args=(connection,), name="sandbox-refusal", daemon=True).start()
        else:
            connection.close()

    def _refuse(self, connection: socket.socket) -> None:
        """Send the 503, then read (and drop) what the client still sends until it closes, for a moment.

        Closing with unread bytes resets the connection, and the client would lose the 503 with it.
        """
        try:
            connection.settimeout(_REFUSAL_SECONDS)
            connection.sendall(REFUSAL)
            connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + _REFUSAL_SECONDS
            while time.monotonic() < deadline and connection.recv(8192):
                pass
        except OSError:
            pass
        finally:
            connection.close()
            self._lingering.release()

    def _work(self) -> None:
        # A blocking get: an idle worker uses no CPU (polling, 32 idle workers took about 1% of a core,
        # taken from whatever shares the machine). ``stop`` wakes each worker with a ``None``.
        while True:
            item = self._waiting.get()
            if item is None:
                return
            self._update_doorbell()
            connection, address = item
            if self._stopping.is_set():
                connection.close()
                continue
            self._serve(connection, address)

    def stop(self, timeout: float) -> None:
        """Close what is still queued, let the workers finish their connections, for up to ``timeout``.

        Connections waiting for their next request give their worker up at once.
        """
        self._stopping.set()
        while True:
            try:
                item = self._waiting.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].close()
        self._update_doorbell()  # stopping: every idle connection gives its worker up now
        for _ in self._threads:
            self._waiting.put_nowait(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0))
        # Only once no worker can still be selecting on it (a closed descriptor's number may be reused).
        if not self._bell_closed and not any(thread.is_alive() for thread in self._threads):
            self._bell_closed = True
            os.close(self._bell_read)
            os.close(self._bell_write)
