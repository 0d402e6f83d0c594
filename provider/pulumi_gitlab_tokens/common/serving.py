"""Let the dynamic provider process serve as many requests at once as the engine sends.

``python -m pulumi.dynamic`` serves the engine's calls from an executor of 4 workers; from inside
``configure`` :func:`serve_everything_the_engine_sends` raises its limit to :data:`PROVIDER_WORKERS`,
and changes nothing where the SDK is not as expected. Why and what it buys: docs/limits.md.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import thread as executor_threads

#: Calls served at once. Above any ``--parallel`` the engine is usually given; a thread exists only
#: once that many calls were waiting at the same moment, so a generous limit costs nothing.
PROVIDER_WORKERS = 64
#: Environment variable that sets another limit (a positive whole number; 4 keeps the SDK's pool).
WORKERS_ENV = "GITLAB_TOKENS_PROVIDER_WORKERS"

_DYNAMIC_PROVIDER_MAIN = "pulumi.dynamic.__main__"
_widened = threading.Event()


def in_dynamic_provider_process() -> bool:
    """Whether this process is the SDK's dynamic provider server (``python -m pulumi.dynamic``)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == _DYNAMIC_PROVIDER_MAIN


def serve_everything_the_engine_sends(workers: int | None = None) -> bool:
    """Raise the provider server's worker limit to ``workers``; whether it is (now or already) raised.

    ``workers`` defaults to ``$GITLAB_TOKENS_PROVIDER_WORKERS``, else
    :data:`PROVIDER_WORKERS`. Call it from a provider method: only there is
    the current thread one of the server's workers. Outside the provider
    process it does nothing.
    """
    workers = workers or configured_workers()
    if _widened.is_set():
        return True
    if not in_dynamic_provider_process():
        return False
    executor = serving_executor()
    if executor is None or not widen(executor, workers):
        return False
    _widened.set()  # one server per process: the next call need not look again
    return True


def configured_workers() -> int:
    """``$GITLAB_TOKENS_PROVIDER_WORKERS``, else :data:`PROVIDER_WORKERS` when it is unset or empty.

    Raises :class:`~.errors.GitLabTokenError` naming the variable for anything but a positive whole
    number in ASCII digits (``²`` is a digit to Python's ``isdigit``, not to ``int``).
    """
    text = os.environ.get(WORKERS_ENV, "").strip()
    if not text:
        return PROVIDER_WORKERS
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        from .errors import GitLabTokenError, shorten

        raise GitLabTokenError(f"{WORKERS_ENV} is {shorten(text, 40)!r}; set it to a positive whole number of "
                               f"calls served at once, in ASCII digits (like 16), or unset it for {PROVIDER_WORKERS}")
    return int(text)


def serving_executor() -> ThreadPoolExecutor | None:
    """The ``ThreadPoolExecutor`` whose worker is running this code, if it is one."""
    current = threading.current_thread()
    if getattr(current, "_target", None) is not executor_threads._worker:
        return None
    owner = getattr(current, "_args", (None,))[0]
    executor = owner() if isinstance(owner, weakref.ref) else None
    return executor if isinstance(executor, ThreadPoolExecutor) else None


def widen(executor: ThreadPoolExecutor, workers: int) -> bool:
    """Let ``executor`` run up to ``workers`` tasks at once (never fewer than it already could).

    Raising the limit is not enough once calls have queued: CPython's executor
    (3.8 to 3.12) counts a worker as idle each time it finishes a task, even
    when it goes straight on to a queued one, and starts a thread only when
    that count is zero. After a burst (``destroy`` sends P deletes at once,
    and the first one is what runs this) it believes workers are idle that
    are not, and would keep queueing. So the count is cleared - a worker that
    really is idle adds itself back when it next finishes - and a thread is
    started for every call waiting now.
    """
    limit = getattr(executor, "_max_workers", None)
    idle = getattr(executor, "_idle_semaphore", None)
    lock = getattr(executor, "_shutdown_lock", None)
    backlog = getattr(executor, "_work_queue", None)
    start_thread = getattr(executor, "_adjust_thread_count", None)
    if not isinstance(limit, int) or idle is None or lock is None or backlog is None or not callable(start_thread):
        return False
    with lock:  # what submit() holds while it decides whether to start a thread
        if limit < workers:
            executor._max_workers = workers
        while idle.acquire(blocking=False):
            pass
        for _waiting_call in range(backlog.qsize()):
            start_thread()
    return True
