"""Two notify replicas handling the same cell at once, as during a consumer-group rebalance:
replica A has stored an event of the cell and not yet committed when replica B's batch reaches
it. B's batch must go through (it used to fail on the key of a new cell), and the cell must end
with the newest event whichever replica had it (B used to store an older value over A's newer
one, decided on the row as it read it before A committed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from samstat_kit.db import session_factory, session_scope
from services.notify.alerts import service
from services.notify.alerts.definitions import DefinitionCache
from services.notify.alerts.models import IndicatorValue, aware
from services.notify.consumers import Processor
from services.notify.events import IndicatorValueEvent

from .factory import NOW, indicator_id, later, record, upserted, value_doc
from .races import behind
from .test_replica_races import alerts_of, transitions

YOY = [{"kind": "yoy_rise", "tolerance": 0.5}]
# Where B meets A: its insert of the cell; on SQLite, the consumer's write lock taken before
# it reads anything (services.notify.rows.write_lock), which waits for A just the same.
VALUES = ("INSERT INTO notify_indicator_values", "UPDATE notify_alerts")


def defined(factory: sessionmaker[Session]) -> str:
    ind = indicator_id("vr")
    with session_scope(factory) as s:
        service.handle_registry_event(session=s, event=upserted(ind, YOY), now=NOW)
    return ind


def stored(factory: sessionmaker[Session], ind: str) -> tuple[float | None, object]:
    with session_scope(factory) as s:
        row = s.get(IndicatorValue, (ind, "2480", "2023"))
        assert row is not None
        return row.value, aware(row.computed_at)


def a_stores(doc: dict[str, Any]) -> Callable[[Session], object]:
    """Replica A's work: the event handled in A's open transaction."""
    return lambda a: service.handle_indicator_value(
        session=a, event=IndicatorValueEvent.model_validate(doc), now=NOW)


def b_batch(factory: sessionmaker[Session], doc: dict[str, Any]) -> Callable[[], None]:
    """Replica B's work: a polled batch with the event, as the consumer handles it."""
    return lambda: Processor(factory, DefinitionCache()).indicator_values([record(doc)])


def test_an_event_two_replicas_handle_at_once_is_stored_and_evaluated_once(
        db_url: str) -> None:
    f = session_factory(db_url)
    ind = defined(f)
    doc = value_doc(ind, "2023", 12.0, 11.0)
    behind(db_url, a_stores(doc), b_batch(f, doc), writes=VALUES)
    assert stored(f, ind) == (12.0, NOW)
    assert alerts_of(f, ind) == [("forsakringskassan", "yoy_rise", "firing")]
    assert transitions(f, ind) == ["opened"]


@pytest.mark.parametrize("newer", ["a", "b"])
def test_a_new_cell_ends_with_the_newest_event_of_two_replicas(db_url: str, newer: str) -> None:
    f = session_factory(db_url)
    ind = defined(f)
    old = value_doc(ind, "2023", 12.0, 11.0, computed_at=later(1))
    new = value_doc(ind, "2023", 10.0, 11.0, computed_at=later(2))  # a correction: no rise
    a, b = (new, old) if newer == "a" else (old, new)
    behind(db_url, a_stores(a), b_batch(f, b), writes=VALUES)
    assert stored(f, ind) == (10.0, later(2))
    # A's older value opened the alert, B's correction resolved it; B's older value, coming
    # after A's correction, changes nothing.
    assert transitions(f, ind) == ([] if newer == "a" else ["opened", "resolved"])


@pytest.mark.parametrize("newer", ["a", "b"])
def test_a_stored_cell_ends_with_the_newest_event_of_two_replicas(
        db_url: str, newer: str) -> None:
    f = session_factory(db_url)
    ind = defined(f)
    with session_scope(f) as s:  # the cell as both replicas find it: no rise
        service.handle_indicator_value(
            session=s, event=IndicatorValueEvent.model_validate(
                value_doc(ind, "2023", 10.0, 11.0)), now=NOW)
    old = value_doc(ind, "2023", 12.0, 11.0, computed_at=later(1))
    new = value_doc(ind, "2023", 13.0, 11.0, computed_at=later(2))
    a, b = (new, old) if newer == "a" else (old, new)
    # Before the fix B decided on the row it read before A committed (an UPDATE at the end);
    # now it inserts first (nothing) and reads the row locked.
    behind(db_url, a_stores(a), b_batch(f, b),
           writes=(*VALUES, "UPDATE notify_indicator_values"))
    assert stored(f, ind) == (13.0, later(2))
    assert alerts_of(f, ind) == [("forsakringskassan", "yoy_rise", "firing")]
    assert transitions(f, ind) == (["opened"] if newer == "a" else ["opened", "updated"])
