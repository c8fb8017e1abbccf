"""Two consumers writing the same cells at once (a consumer-group rebalance: the old owner's
batch still running while the new owner re-reads from the last committed offset; or a
redelivery). Real threads on the shared test databases; the interleaving is forced by
pausing a thread just before its first write to a table (a cursor-execute hook), i.e.
after whatever it read before writing.

- the same batch twice at once: both succeed, once each (was: unique violation on the
  versions' lookup index, the whole batch failed);
- an older computation whose transaction writes last never replaces a newer one committed
  meanwhile (was: indicators_values went back to the older value until a newer one came).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, select

from samstat_kit.db import get_engine, session_factory, session_scope
from services.indicators.api import service, vintages
from services.indicators.api.models import IndicatorValue, IndicatorVersion

from .test_readmodel_data import delete, value_doc

WAIT = 20  # seconds: a pause that never ends fails the test instead of hanging it


def _upsert(url: str, docs: list[dict[str, Any]]) -> int:
    with session_scope(session_factory(url)) as session:
        return service.upsert_values(session=session, docs=docs)


@contextmanager
def paused_before_write(url: str, table: str, pause: Callable[[], object]) -> Iterator[None]:
    """``pause()`` runs once per thread, right before the thread's first INSERT into or
    UPDATE of ``table`` (whatever statement the code uses to write it)."""
    first_write = re.compile(rf"^\s*(INSERT INTO|UPDATE) {table}\b")
    seen = threading.local()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if first_write.match(statement) and not getattr(seen, "done", False):
            seen.done = True
            pause()

    engine = get_engine(url)
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _run(jobs: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Each job in a thread of that name; its result, or the exception it raised."""
    out: dict[str, Any] = {}

    def run(name: str) -> None:
        try:
            out[name] = jobs[name]()
        except BaseException as exc:  # reported by the test's assertion
            out[name] = exc

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(2 * WAIT)
    return out


def _cell(url: str, ind: str, period: str) -> tuple[float | None, datetime]:
    with session_scope(session_factory(url)) as session:
        row = session.get(IndicatorValue, (ind, "2480", period))
        assert row is not None
        return row.value, vintages.utc(row.computed_at)


def _versions(url: str, ind: str) -> list[tuple[str, float | None, str]]:
    with session_scope(session_factory(url)) as session:
        return [(v.period, v.value, vintages.utc(v.computed_at).isoformat()[:10])
                for v in session.scalars(select(IndicatorVersion)
                                         .where(IndicatorVersion.indicator == ind)
                                         .order_by(IndicatorVersion.period,
                                                   IndicatorVersion.computed_at))]


def test_the_same_batch_on_two_consumers_at_once(db_url: str) -> None:
    """Both threads have checked what is stored (nothing) before either writes a version;
    the second consumer's batch is the same events in another order."""
    ind = f"t_race_{uuid.uuid4().hex[:8]}"
    docs = [value_doc(ind, "2480", p, v, computed_at=at) for p, v, at in (
        ("2081", 1.0, "2024-03-01T00:00:00+00:00"), ("2082", 2.0, "2024-03-01T00:00:00+00:00"),
        ("2083", 3.0, "2024-03-01T00:00:00+00:00"), ("2081", 1.5, "2024-03-02T00:00:00+00:00"))]
    both = threading.Barrier(2)
    try:
        with paused_before_write(db_url, "indicators_value_versions",
                                 lambda: both.wait(WAIT)):
            out = _run({"A": lambda: _upsert(db_url, docs),
                        "B": lambda: _upsert(db_url, docs[::-1])})
        assert out == {"A": 3, "B": 3}, out
        assert _cell(db_url, ind, "2081") == (1.5, datetime(2024, 3, 2, tzinfo=UTC))
        assert _cell(db_url, ind, "2083")[0] == 3.0
        assert _versions(db_url, ind) == [("2081", 1.0, "2024-03-01"),
                                          ("2081", 1.5, "2024-03-02"),
                                          ("2082", 2.0, "2024-03-01"),
                                          ("2083", 3.0, "2024-03-01")]
    finally:
        delete(db_url, docs)


@pytest.mark.parametrize(("late", "early", "newest"), [(3.0, 4.0, 4.0), (4.0, 3.0, 4.0)],
                         ids=["older-writes-last", "newer-writes-last"])
def test_the_newest_computation_wins_whichever_commits_first(
        db_url: str, late: float, early: float, newest: float) -> None:
    """X read the cell (t1) and holds one computation; Y commits another meanwhile; then X
    writes. The value computed later (t4) must stay, whichever transaction wrote last.
    The value is the day of its computation: 3.0 computed on 2024-03-03, 4.0 on the 4th."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: X holds the write lock from its version insert "
                    "on, so Y cannot commit while X waits (the interleaving cannot happen)")
    ind = f"t_race_{uuid.uuid4().hex[:8]}"

    def doc(value: float) -> dict[str, Any]:
        return value_doc(ind, "2480", "2081", value,
                         computed_at=f"2024-03-0{int(value)}T00:00:00+00:00")

    x_paused, y_done, waited = threading.Event(), threading.Event(), []

    def pause() -> None:
        if threading.current_thread().name == "X":  # Y writes straight through
            x_paused.set()
            waited.append(y_done.wait(WAIT))

    try:
        _upsert(db_url, [doc(1.0)])
        with paused_before_write(db_url, "indicators_values", pause):
            x = threading.Thread(target=_upsert, args=(db_url, [doc(late)]), name="X")
            x.start()
            assert x_paused.wait(WAIT), "X never got to its write"
            _upsert(db_url, [doc(early)])
            y_done.set()
            x.join(2 * WAIT)
        assert waited == [True], "Y could not commit while X was paused"
        assert _cell(db_url, ind, "2081") == (newest, datetime(2024, 3, int(newest),
                                                               tzinfo=UTC))
        assert [v for _p, v, _at in _versions(db_url, ind)] == [1.0, 3.0, 4.0]
    finally:
        delete(db_url, [doc(1.0)])


def test_order_ties_redeliveries_and_large_batches(db_url: str) -> None:
    """The semantics the upsert keeps, one consumer: a stale event changes nothing but its
    version; a tie rewrites (the later delivered is the newer), in the table of latest
    values and in its version; a batch longer than one statement is written whole."""
    ind = f"t_upsert_{uuid.uuid4().hex[:8]}"
    t1, t2 = "2024-03-01T00:00:00+00:00", "2024-03-02T01:00:00+01:00"  # t2: offset, not UTC
    many = [value_doc(ind, "2480", f"{2000 + n % 80}-{n // 80 + 1:02d}", float(n),
                      computed_at=t1) for n in range(960)]
    try:
        assert _upsert(db_url, [value_doc(ind, "2480", "2081", 2.0, computed_at=t2)]) == 1
        assert _upsert(db_url, [value_doc(ind, "2480", "2081", 1.0, computed_at=t1)]) == 1
        assert _cell(db_url, ind, "2081") == (2.0, datetime(2024, 3, 2, tzinfo=UTC))
        with session_scope(session_factory(db_url)) as session:
            again = value_doc(ind, "2480", "2081", 2.5, computed_at=t2)
            assert vintages.record(session=session, docs=[again], now=datetime.now(UTC)) == 0
            assert service.upsert_values(session=session, docs=[again]) == 1
        assert _cell(db_url, ind, "2081") == (2.5, datetime(2024, 3, 2, tzinfo=UTC))
        assert _versions(db_url, ind) == [("2081", 1.0, "2024-03-01"),
                                          ("2081", 2.5, "2024-03-02")]
        assert _upsert(db_url, many) == 960
        assert len(_versions(db_url, ind)) == 962
        assert _cell(db_url, ind, "2079-12")[0] == 959.0
    finally:
        delete(db_url, [value_doc(ind, "2480", "2081", 0.0), *many])


def test_batches_sharing_cells_in_opposite_orders_do_not_deadlock(db_url: str) -> None:
    """Rows are written in key order whatever the batch's order: without it, two long
    batches of the same cells in opposite orders deadlocked on PostgreSQL in about 2 runs
    of 5 (each waits for a row the other inserted). A probabilistic guard: it cannot fail
    with the ordering, it may miss its absence."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: batches never interleave, nothing to deadlock")
    for _round in range(3):
        ind = f"t_race_{uuid.uuid4().hex[:8]}"
        docs = [value_doc(ind, "2480", f"{2000 + n % 80}-{n // 80 + 1:02d}", float(n),
                          computed_at="2024-03-01T00:00:00+00:00") for n in range(400)]
        try:
            out = _run({"A": partial(_upsert, db_url, docs),
                        "B": partial(_upsert, db_url, docs[::-1])})
            assert out == {"A": 400, "B": 400}, out
        finally:
            delete(db_url, docs)


def test_the_same_new_title_on_two_consumers_at_once(db_url: str) -> None:
    """Both consumers see the same new indicator.upserted event: the title is stored once and
    neither batch fails (was: both found no row, both inserted, one unique violation)."""
    from services.indicators.api import titles
    from services.indicators.api.models import IndicatorTitle
    from tests.races import race

    ident = f"t_{uuid.uuid4().hex[:10]}"
    event_doc = {"type": "indicator.upserted", "version": 2,
                 "indicator": {"id": ident, "title_sv": "Andel", "title_en": "Share"}}
    meet = threading.Barrier(2)

    def record() -> int:
        with session_scope(session_factory(db_url)) as session:
            return titles.record(session=session, events=[event_doc])

    # Both are held right before their first write, after whatever they read.
    with paused_before_write(db_url, "indicators_titles", lambda: meet.wait(WAIT)):
        out = race([record, record])
    assert sorted(out) == [0, 1], out
    with session_scope(session_factory(db_url)) as session:
        row = session.get(IndicatorTitle, ident)
        assert row is not None and (row.version, row.title_sv) == (2, "Andel")
        session.delete(row)
