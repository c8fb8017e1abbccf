"""Indicator values as notify keeps them: the latest event per cell (so a redelivered or older
event changes nothing), read in bulk for a batch, and the history the control-limit rule uses.
Plain functions with a keyword-only ``session``; nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.periods import parse
from services.notify import rules
from services.notify.alerts.models import OPEN_STATUSES, Alert, IndicatorValue, aware
from services.notify.events import IndicatorValueEvent

Cell = tuple[str, str, str]  # (indicator, area, period)


@dataclass
class Prefetched:
    """What a batch of values needs from the database, read in two queries up front instead
    of several round trips per value (notify's main cost on PostgreSQL under load)."""

    values: dict[Cell, IndicatorValue | None]  # every cell of the batch; None: not stored yet
    open_cells: set[Cell]  # cells of the batch's indicators and areas with an open alert


def prefetch(*, session: Session, events: Iterable[IndicatorValueEvent]) -> Prefetched:
    cells = {(e.indicator, e.area, e.period) for e in events}
    indicators, areas = {c[0] for c in cells}, {c[1] for c in cells}
    values: dict[Cell, IndicatorValue | None] = dict.fromkeys(cells)
    for row in session.scalars(select(IndicatorValue).where(
            IndicatorValue.indicator.in_(indicators), IndicatorValue.area.in_(areas),
            IndicatorValue.period.in_({c[2] for c in cells}))):
        if (cell := (row.indicator, row.area, row.period)) in values:
            values[cell] = row
    open_cells = {(a.indicator, a.area, a.period) for a in session.scalars(select(Alert).where(
        Alert.status.in_(OPEN_STATUSES), Alert.indicator.in_(indicators),
        Alert.area.in_(areas)))}
    return Prefetched(values, open_cells)


def record_value(*, session: Session, event: IndicatorValueEvent, now: datetime,
                 known: dict[Cell, IndicatorValue | None] | None = None
                 ) -> IndicatorValue | None:
    """Keep the latest event per cell; None when this one is a duplicate or older.

    "Older" is by ``computed_at``: a redelivered batch replays old events after newer ones
    were stored, and those must not roll the cell back. ``known``: the batch's cells as
    :func:`prefetch` read them (kept up to date here).
    """
    cell = (event.indicator, event.area, event.period)
    row = known[cell] if known is not None and cell in known else session.get(IndicatorValue,
                                                                              cell)
    if row is not None:
        stored = aware(row.computed_at)
        if row.event_id == event.event_id or (stored and event.computed_at < stored):
            return None
    else:
        row = IndicatorValue(indicator=event.indicator, area=event.area, period=event.period)
        session.add(row)
        if known is not None:
            known[cell] = row
    row.event_id = event.event_id
    row.value, row.previous_value = event.value, event.previous_value
    row.year_ago_value = event.year_ago_value
    row.unit, row.complete = event.unit, event.complete
    row.computed_at, row.received_at = event.computed_at, now
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
