"""A thread pool whose threads never hold up the process's exit: for blocking calls that
cannot be cancelled and may never return, such as a host lookup (``getaddrinfo``) of a name
whose DNS drops queries.

``concurrent.futures.ThreadPoolExecutor`` joins every thread it started when the
interpreter exits (even after ``shutdown(wait=False, cancel_futures=True)``): one lookup
hung on an agency's silent name kept a stopped notify running for the resolver's whole
timeouts, past the pod's grace period, to be killed (a red team). These threads are
daemons: what they were doing is abandoned at exit, which for a lookup loses nothing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
_Work = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class DaemonPool(Executor):
    """At most ``workers`` daemon threads, started as work arrives (an idle one first)."""

    def __init__(self, workers: int, name: str) -> None:
        self._workers = workers
        self._name = name
        self._work: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._work.put((future, fn, args, kwargs))
            if not self._idle.acquire(blocking=False) and len(self._threads) < self._workers:
                thread = threading.Thread(target=self._run, daemon=True,
                                          name=f"{self._name}_{len(self._threads)}")
                self._threads.append(thread)
                thread.start()
        return future

    def _run(self) -> None:
        while (item := self._work.get()) is not None:
            future, fn, args, kwargs = item
            del item
            if future.set_running_or_notify_cancel():  # False: cancelled while queued
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as exc:  # the caller's to see, as in ThreadPoolExecutor
                    future.set_exception(exc)
            del future
            self._idle.release()
        self._work.put(None)  # the next thread stops too

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            if cancel_futures:
                while True:
                    try:
                        item = self._work.get_nowait()
                    except queue.Empty:
                        break
                    if item is not None:
                        item[0].cancel()
            self._work.put(None)
        if wait:
            for thread in self._threads:
                thread.join()
