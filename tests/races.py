"""Forcing an interleaving of real threads, for the concurrency tests: run jobs released
together, and make each thread wait at ``Session.add`` of a model until all are there (all
have passed their check, none has inserted yet)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy.orm import Session


def race(jobs: list[Callable[[], Any]], timeout: float = 60) -> list[Any]:
    """Run the jobs in threads released together; each one's result or exception."""
    start = threading.Barrier(len(jobs))
    out: list[Any] = [RuntimeError("not run")] * len(jobs)

    def run(i: int) -> None:
        start.wait()
        try:
            out[i] = jobs[i]()
        except BaseException as exc:  # reported by the test, not swallowed
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return out


@contextmanager
def meet_at_add(monkeypatch: pytest.MonkeyPatch, model: type, n: int) -> Iterator[None]:
    """The first ``Session.add`` of a ``model`` in each thread waits for ``n`` threads."""
    barrier, original, seen = threading.Barrier(n), Session.add, threading.local()

    def add(session: Session, instance: object, *args: Any, **kwargs: Any) -> None:
        if isinstance(instance, model) and not getattr(seen, "done", False):
            seen.done = True
            barrier.wait(20)
        original(session, instance, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(Session, "add", add)
        yield


def second_waits(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str,
                 first: Callable[[], Any], second: Callable[[], Any],
                 patience: float = 1.0) -> tuple[bool, dict[str, Any]]:
    """Run ``first`` until its call of ``owner.name`` has returned and hold it there; then
    run ``second``. Whether ``second`` was still waiting ``patience`` seconds later (for a
    lock ``first`` holds), and both results (``first``, ``second``)."""
    original, paused, release = getattr(owner, name), threading.Event(), threading.Event()

    def hold(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if threading.current_thread().name == "first":
            paused.set()
            release.wait(30)
        return result

    out: dict[str, Any] = {}

    def run(key: str, job: Callable[[], Any]) -> None:
        try:
            out[key] = job()
        except BaseException as exc:  # reported by the test, not swallowed
            out[key] = exc

    with monkeypatch.context() as m:
        m.setattr(owner, name, hold)
        a = threading.Thread(name="first", target=run, args=("first", first))
        b = threading.Thread(name="second", target=run, args=("second", second))
        a.start()
        assert paused.wait(30), f"the first job never called {name}"
        b.start()
        b.join(patience)
        waited = b.is_alive()
        release.set()
        a.join(30)
        b.join(30)
    return waited, out
