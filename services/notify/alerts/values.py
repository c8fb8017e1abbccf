"""Indicator values as notify keeps them: the latest event per cell (so a redelivered or older
event changes nothing), read in bulk for a batch, and the history the control-limit rule uses.
Plain functions with a keyword-only ``session``; nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.periods import parse
from services.notify import rules
from services.notify.alerts.models import OPEN_STATUSES, Alert, IndicatorValue, aware
from services.notify.events import IndicatorValueEvent
from services.notify.rows import insert_all_new

Cell = tuple[str, str, str]  # (indicator, area, period)


@dataclass
class Claimed:
    """Cells with their rows, each locked until the transaction ends (on SQLite: the write
    lock the insert took), so the "newest wins" decision is made on the row as it is."""

    rows: dict[Cell, IndicatorValue]
    fresh: set[Cell]  # rows this transaction inserted, whose first event is not applied yet


@dataclass
class Prefetched:
    """What a batch of values needs from the database, claimed and read in three statements
    up front instead of several round trips per value (notify's main cost on PostgreSQL
    under load)."""

    values: Claimed  # every cell of the batch
    open_cells: set[Cell]  # cells of the batch's indicators and areas with an open alert


def prefetch(*, session: Session, events: Iterable[IndicatorValueEvent],
             now: datetime) -> Prefetched:
    claimed = claim(session=session, events=events, now=now)
    cells = claimed.rows.keys()
    indicators, areas = {c[0] for c in cells}, {c[1] for c in cells}
    open_cells = {(a.indicator, a.area, a.period) for a in session.scalars(select(Alert).where(
        Alert.status.in_(OPEN_STATUSES), Alert.indicator.in_(indicators),
        Alert.area.in_(areas)))}
    return Prefetched(claimed, open_cells)


def claim(*, session: Session, events: Iterable[IndicatorValueEvent],
          now: datetime) -> Claimed:
    """The events' cells with their rows, locked: those not stored yet inserted (with the
    cell's first event: :func:`record_value` applies it), in one statement that does nothing
    where a row exists; the others read ``FOR UPDATE`` in a second one.

    Two replicas handle the same cells at once during a rebalance: a check, then an insert,
    failed the second one's batch on the key; an update decided on a row read unlocked
    could store an older value over the newer one committed meanwhile. On PostgreSQL the
    insert waits for another transaction's uncommitted row of a cell; on SQLite it takes the
    write lock before anything is read. Cells in one order, so two batches sharing cells
    wait for each other instead of deadlocking.
    """
    first: dict[Cell, IndicatorValueEvent] = {}
    for e in events:
        first.setdefault((e.indicator, e.area, e.period), e)
    cells = sorted(first)
    inserted = insert_all_new(session, IndicatorValue, [_fields(first[c], now) for c in cells])
    rows = {(r.indicator, r.area, r.period): r for r in inserted}
    fresh = set(rows)
    if rest := [c for c in cells if c not in rows]:
        for row in session.scalars(select(IndicatorValue).where(
                IndicatorValue.indicator.in_({c[0] for c in rest}),
                IndicatorValue.area.in_({c[1] for c in rest}),
                IndicatorValue.period.in_({c[2] for c in rest}))
                .order_by(IndicatorValue.indicator, IndicatorValue.area, IndicatorValue.period)
                .with_for_update().execution_options(populate_existing=True)):
            rows.setdefault((row.indicator, row.area, row.period), row)
    return Claimed({c: rows[c] for c in cells}, fresh)  # values are never deleted


def _fields(event: IndicatorValueEvent, now: datetime) -> dict[str, Any]:
    return {"indicator": event.indicator, "area": event.area, "period": event.period,
            "event_id": event.event_id, "value": event.value,
            "previous_value": event.previous_value, "year_ago_value": event.year_ago_value,
            "unit": event.unit, "complete": event.complete, "computed_at": event.computed_at,
            "received_at": now, "withdrawn": event.withdrawn}


def record_value(*, session: Session, event: IndicatorValueEvent, now: datetime,
                 known: Claimed | None = None) -> IndicatorValue | None:
    """Keep the latest event per cell; None when this one is a duplicate or older.

    "Older" is by ``computed_at``: a redelivered batch replays old events after newer ones
    were stored, and those must not roll the cell back. ``known``: the batch's cells as
    :func:`prefetch` claimed them (kept up to date here); without it, this event's cell is
    claimed now (two queries at most).
    """
    cell = (event.indicator, event.area, event.period)
    if known is None or cell not in known.rows:
        mine = claim(session=session, events=[event], now=now)
        if known is None:
            known = mine
        else:
            known.rows.update(mine.rows)
            known.fresh |= mine.fresh
    row = known.rows[cell]
    if cell in known.fresh:
        known.fresh.discard(cell)  # inserted by this transaction: nothing stored before it
        if row.event_id == event.event_id:
            return row  # inserted with this very event (no UPDATE of the same fields)
    else:
        stored = aware(row.computed_at)
        if row.event_id == event.event_id or (stored and event.computed_at < stored):
            return None
    for name, value in _fields(event, now).items():
        setattr(row, name, value)
    # No flush here: the session flushes before its next query, or once at commit for the
    # many values that need none (areas a definition does not cover).
    return row


def series(*, session: Session, indicator: str, area: str) -> list[IndicatorValue]:
    """Every stored value of one indicator and area, oldest period first per granularity."""
    rows = session.scalars(select(IndicatorValue).where(
        IndicatorValue.indicator == indicator, IndicatorValue.area == area))
    return sorted(rows, key=lambda r: rules.period_key(r.period))


def earlier_values(cells: Iterable[IndicatorValue], period: str) -> list[float]:
    """Values of the periods before ``period`` of the same granularity (control-limit history)."""
    p = parse(period)
    out = []
    for c in sorted(cells, key=lambda r: rules.period_key(r.period)):
        q = parse(c.period)
        if q.n_months == p.n_months and q < p and c.value is not None:
            out.append(c.value)
    return out
