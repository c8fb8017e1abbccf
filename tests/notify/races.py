"""Two notify replicas at the same moment, on real connections and threads, in a fixed order.

Replica A does its work in a transaction it keeps open; replica B does the same work in a
thread of its own. Once B has made its checks (on a database without A's rows) and is about
to write, and on PostgreSQL once it waits for A's transaction, A commits. That is the order in
which a check-then-insert loses: no sleeps, so the outcome is the same on every run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from samstat_kit.db import get_engine, session_factory, session_scope

T = TypeVar("T")
REPLICA_B = "replica-b"


class Replica(threading.Thread):
    """Runs ``job`` in a thread; ``outcome()`` returns what it returned or raises what it
    raised."""

    def __init__(self, job: Callable[[], Any], name: str = REPLICA_B) -> None:
        super().__init__(name=name, daemon=True)
        self.job = job
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.job()
        except BaseException as exc:  # handed to the test's thread by outcome()
            self.error = exc

    def outcome(self, timeout: float = 30) -> Any:
        self.join(timeout)
        assert not self.is_alive(), f"{self.name} did not finish within {timeout}s"
        if self.error is not None:
            raise self.error
        return self.result


def wait_until_blocked(engine: Engine, by_pid: int, replica: Replica,
                       timeout: float = 8) -> bool:
    """Until some backend waits for a lock ``by_pid`` holds (PostgreSQL): True, or False if
    ``replica`` finished without waiting. Shorter than the engine's lock_timeout (10 s), so
    the waiter is still waiting when this returns True."""
    deadline = time.monotonic() + timeout
    with engine.connect() as c:
        while replica.is_alive():
            if c.scalar(text("SELECT count(*) FROM pg_stat_activity "
                             "WHERE :pid = ANY(pg_blocking_pids(pid))"), {"pid": by_pid}):
                return True
            c.rollback()  # a fresh snapshot of pg_stat_activity next time
            assert time.monotonic() < deadline, f"{replica.name} neither waited nor finished"
            time.sleep(0.01)
    return False


def behind(url: str, hold: Callable[[Session], object], contend: Callable[[], T], *,
           writes: str | tuple[str, ...], timeout: float = 20) -> T:
    """A does ``hold`` and keeps its transaction open; B runs ``contend`` (its own sessions)
    until it is about to execute a statement starting with ``writes`` (e.g. ``INSERT INTO
    notify_alerts``; or any of several, where the code before a fix wrote otherwise) and, on
    PostgreSQL, waits for A; then A commits. Returns what B returned, or raises what it
    raised."""
    engine = get_engine(url)
    reached = threading.Event()
    prefix = tuple(w.lower() for w in ((writes,) if isinstance(writes, str) else writes))

    def spy(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name == REPLICA_B and \
                statement.lstrip().lower().startswith(prefix):
            reached.set()

    b = Replica(contend)
    event.listen(engine, "before_cursor_execute", spy)
    try:
        with session_scope(session_factory(url)) as a:
            hold(a)
            a.flush()
            postgres = engine.dialect.name == "postgresql"
            pid = a.scalar(text("SELECT pg_backend_pid()")) if postgres else None
            b.start()
            deadline = time.monotonic() + timeout
            while not reached.wait(0.01):
                assert b.is_alive() and time.monotonic() < deadline, \
                    f"replica B never ran {writes!r} (it raised {b.error!r})"
            if pid is not None:
                wait_until_blocked(engine, pid, b)
        return b.outcome(timeout)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
