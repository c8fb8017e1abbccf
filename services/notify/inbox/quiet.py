"""Quiet times and inhibition, with Alertmanager's semantics as the reference.

* **Mute windows** (Alertmanager's ``time_intervals`` used as ``mute_time_intervals``): a
  convener's recurring quiet times, every year from one day to another in Swedish time,
  both days included (``1 July - 31 July``, ``23 December - 6 January`` across New Year).
  None exist by default. While a window is on, the convener's notifications wait (their
  delivery stays pending until the window ends); the alerts themselves still exist, change
  and show as muted in the inbox; when the window ends, what is still to say is sent.
* **Inhibition** (Alertmanager's ``inhibit_rules``): an open data-quality or stale alert on
  an indicator's inputs mutes the value alerts computed from them - a stale alert of the
  same indicator and area, or a data-quality alert on a measure the indicator's formula
  reads, for the same area and an overlapping period. Inhibited alerts are still shown, with
  the alert that inhibits them.

The calendar arithmetic is pure (property-tested); the queries take a keyword-only session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.anonymity import new_id
from samstat_kit.periods import parse
from services.notify.alerts.models import OPEN_STATUSES, Alert, Definition
from services.notify.inbox.models import MuteWindow
from services.notify.names import quality_parts

STOCKHOLM = ZoneInfo("Europe/Stockholm")
VALUE_RULES_EXEMPT = ("stale", "data_quality")  # these inhibit; they are never inhibited


@dataclass(frozen=True)
class Window:
    """From (start_month, start_day) to (end_month, end_day), both included, every year."""

    start_month: int
    start_day: int
    end_month: int
    end_day: int

    def __post_init__(self) -> None:
        for m, d in ((self.start_month, self.start_day), (self.end_month, self.end_day)):
            date(2024, m, d)  # raises ValueError for 31 June, 30 February... (leap year ok)

    @property
    def wraps(self) -> bool:
        return (self.end_month, self.end_day) < (self.start_month, self.start_day)

    def contains(self, day: date) -> bool:
        md = (day.month, day.day)
        start, end = (self.start_month, self.start_day), (self.end_month, self.end_day)
        return start <= md <= end if not self.wraps else (md >= start or md <= end)

    def end_after(self, day: date) -> date:
        """The last day of the occurrence that contains ``day`` (which it must)."""
        year = day.year + 1 if self.wraps and (day.month, day.day) >= (
            self.start_month, self.start_day) else day.year
        return _day(year, self.end_month, self.end_day)


def _day(year: int, month: int, day: int) -> date:
    """29 February in a year without one counts as 28 February."""
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, day - 1)


def window_of(row: MuteWindow) -> Window:
    return Window(row.start_month, row.start_day, row.end_month, row.end_day)


def muted_until(windows: Iterable[Window], now: datetime) -> datetime | None:
    """When the quiet time that is on at ``now`` ends (midnight after its last day, Swedish
    time, as UTC); None when none is on. Back-to-back windows count as one; each window
    counts once, so one that covers the whole year ends with its current occurrence rather
    than chaining into its next year's."""
    ends: datetime | None = None
    moment = now
    left = set(windows)
    while left:  # windows chained end-to-start
        local = moment.astimezone(STOCKHOLM).date()
        on = [w for w in left if w.contains(local)]
        if not on:
            break
        left.difference_update(on)
        last = max(w.end_after(local) for w in on)
        ends = datetime.combine(last + timedelta(days=1), time(0), STOCKHOLM).astimezone(UTC)
        moment = ends
    return ends


def windows_for(*, session: Session, convener: str) -> list[MuteWindow]:
    return list(session.scalars(select(MuteWindow).where(MuteWindow.convener == convener)
                                .order_by(MuteWindow.start_month, MuteWindow.start_day)))


def convener_muted_until(*, session: Session, convener: str, now: datetime) -> datetime | None:
    return muted_until([window_of(w) for w in windows_for(session=session, convener=convener)],
                       now)


# --- inhibition --------------------------------------------------------------------------------

def formula_measures(formula: Any) -> set[str]:
    """Every ``measure`` named anywhere in a registry formula (filters, numerator, ...)."""
    if isinstance(formula, dict):
        own = {formula["measure"]} if isinstance(formula.get("measure"), str) else set()
        return own.union(*(formula_measures(v) for v in formula.values()))
    if isinstance(formula, list):
        return set().union(*(formula_measures(v) for v in formula))
    return set()


def overlaps(a: str, b: str) -> bool:
    """Do two period codes (2024, 2024-H1, 2024-Q3, 2024-07) share a month?"""
    p, q = parse(a), parse(b)
    p0, q0 = p.year * 12 + p.first_month, q.year * 12 + q.first_month
    return p0 < q0 + q.n_months and q0 < p0 + p.n_months


def dq_measure(alert: Alert) -> str | None:
    """The measure of a data-quality alert (names.quality_parts reads its id, in either
    form: the agency's first or, stored before 0006, not there)."""
    if alert.rule != "data_quality":
        return None
    parts = quality_parts(alert.indicator)
    return parts.measure if parts is not None else None


def _inhibits(other: Alert, alert: Alert, measures: Callable[[], set[str]]) -> bool:
    """Does the open data-quality or stale alert ``other`` (same area) mute ``alert``?
    ``measures``: the measures the alert's indicator reads (asked only when needed)."""
    if other.rule == "stale":
        return other.indicator == alert.indicator
    measure = dq_measure(other)
    return measure is not None and measure in measures() and overlaps(other.period,
                                                                       alert.period)


def _measures_of(definition: Definition | None) -> set[str]:
    return formula_measures((definition.body or {}).get("formula")) \
        if definition is not None else set()


def _sources(session: Session, *where: Any) -> list[Alert]:
    """The open data-quality and stale alerts (the ones that mute), oldest first."""
    return list(session.scalars(select(Alert).where(
        Alert.status.in_(OPEN_STATUSES), Alert.rule.in_(VALUE_RULES_EXEMPT), *where)
        .order_by(Alert.created_at, Alert.id)))


def inhibitor(*, session: Session, alert: Alert) -> Alert | None:
    """The open data-quality or stale alert that mutes this value alert, if any."""
    if alert.rule in VALUE_RULES_EXEMPT:
        return None
    measures: set[str] | None = None

    def reads() -> set[str]:
        nonlocal measures
        if measures is None:
            measures = _measures_of(session.get(Definition, alert.indicator))
        return measures

    for other in _sources(session, Alert.area == alert.area, Alert.id != alert.id):
        if _inhibits(other, alert, reads):
            return other
    return None


def inhibitions(*, session: Session, where: Iterable[Any] = ()) -> dict[str, Alert]:
    """Every open value alert (of those ``where`` selects) that an open data-quality or stale
    alert mutes, with the alert that mutes it (the oldest, as :func:`inhibitor` names it):
    what the inbox's "muted" filter and its badges need, in three queries however many
    alerts, the sources indexed so each alert is checked against its own area's few."""
    sources = _sources(session)
    if not sources:
        return {}
    stale: dict[tuple[str, str], tuple[int, Alert]] = {}
    quality: dict[str, list[tuple[int, str, str, Alert]]] = {}
    for rank, other in enumerate(sources):  # oldest first
        if other.rule == "stale":
            stale.setdefault((other.indicator, other.area), (rank, other))
        elif (measure := dq_measure(other)) is not None:
            quality.setdefault(other.area, []).append((rank, measure, other.period, other))
    targets = list(session.scalars(select(Alert).where(
        Alert.status.in_(OPEN_STATUSES), Alert.rule.not_in(VALUE_RULES_EXEMPT),
        Alert.area.in_({o.area for o in sources}), *where)))
    indicators = {a.indicator for a in targets}
    reads = {d.id: _measures_of(d) for d in session.scalars(select(Definition).where(
        Definition.id.in_(indicators)))} if indicators else {}
    out: dict[str, Alert] = {}
    for alert in targets:
        indicator, area = alert.indicator, alert.area
        found = stale.get((indicator, area))
        measures = reads.get(indicator, set())
        for rank, measure, period, other in quality.get(area, ()):
            if found is not None and rank > found[0]:
                break
            if measure in measures and overlaps(period, alert.period):
                found = (rank, other)
                break
        if found is not None:
            out[alert.id] = found[1]
    return out


def muted_conveners(*, session: Session, now: datetime) -> dict[str, datetime]:
    """The conveners in a quiet time at ``now``, with when it ends."""
    windows: dict[str, list[Window]] = {}
    for row in session.scalars(select(MuteWindow)):
        windows.setdefault(row.convener, []).append(window_of(row))
    ends = {c: muted_until(ws, now) for c, ws in windows.items()}
    return {c: end for c, end in ends.items() if end is not None}


# --- managing the windows ------------------------------------------------------------------------

def add_window(*, session: Session, convener: str, start: tuple[int, int],
               end: tuple[int, int], comment: str, created_by: str, now: datetime
               ) -> MuteWindow:
    """``start``/``end``: (month, day); raises ValueError for a day no year has."""
    Window(start[0], start[1], end[0], end[1])
    row = MuteWindow(id=new_id(), convener=convener, start_month=start[0],
                     start_day=start[1], end_month=end[0], end_day=end[1],
                     comment=comment, created_by=created_by, created_at=now)
    session.add(row)
    session.flush()
    return row


def delete_window(*, session: Session, window_id: str) -> MuteWindow | None:
    row = session.get(MuteWindow, window_id)
    if row is not None:
        session.delete(row)
        session.flush()
    return row
