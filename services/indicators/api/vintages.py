"""Vintages: the read model's values as they stood at any instant (transaction time).

Every indicator-value event is kept in ``indicators_value_versions`` by its ``computed_at`` (the
moment the worker computed it from what samstat had received; never the agencies'
``produced_at``). ``as_of=T`` answers with, per value, the newest version computed at or before
T; ``updated_after=T`` keeps the values computed after T. Without ``as_of`` the queries read
``indicators_values``, the table of latest values, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samstat_kit.db import insert_for
from samstat_kit.periods import parse
from services.indicators.api.models import IndicatorValue, IndicatorVersion


def utc(ts: datetime) -> datetime:
    """Aware UTC; a naive instant is taken as UTC (SQLite gives naive ones back)."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def record(*, session: Session, docs: Iterable[dict[str, Any]], now: datetime) -> int:
    """Keep every version once. A redelivered event (same key and computed_at) rewrites its
    version with what it says, as the table of latest values does on a tie: two computations
    at the same instant are the same vintage, and the later one delivered is the newer.

    No read before the write: two consumers may handle the same batch at once (a rebalance
    overlap, a redelivery), and a version both found missing was inserted twice (unique
    violation, the whole batch failed). ON CONFLICT lets the database settle it instead."""
    new: dict[tuple[str, str, str, datetime], dict[str, Any]] = {}
    for doc in docs:
        at = utc(datetime.fromisoformat(doc["computed_at"]))
        new[(doc["indicator"], doc["area"], doc["period"], at)] = doc
    # In the unique index's order, so that batches sharing versions lock them in one order
    # (no deadlock between two consumers writing the same cells).
    rows = [_version_row(key, doc, now) for key, doc in
            sorted(new.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][1], kv[0][3]))]
    if not rows:
        return 0
    table = IndicatorVersion.__table__
    # The rows as parameters (executemany): compiled once and cached (compiled into one
    # VALUES list, a 1200-row batch took twice as long as the old read-then-write). With
    # RETURNING, SQLAlchemy sends them as multi-row statements (up to 1000 rows each); it
    # gives the versions inserted (the count). The others were there already: a redelivery,
    # rewritten by the second statement.
    new_only = insert_for(session, table).on_conflict_do_nothing(index_elements=_VERSION_KEY)
    added = {(r.indicator, r.area, r.period, utc(r.computed_at)) for r in session.execute(
        new_only.returning(table.c.indicator, table.c.area, table.c.period,
                           table.c.computed_at), rows)}
    redelivered = [r for r in rows if (r["indicator"], r["area"], r["period"],
                                       r["computed_at"]) not in added]
    if redelivered:
        stmt = insert_for(session, table)
        session.execute(stmt.on_conflict_do_update(
            index_elements=_VERSION_KEY, set_={c: stmt.excluded[c] for c in _CONTENT}),
            redelivered)
    return len(added)


# The unique index ix_indicators_value_versions_lookup, and what a redelivery may rewrite
# (never recorded_at: when samstat first learnt of the version).
_VERSION_KEY = ("indicator", "period", "area", "computed_at")
_CONTENT = ("value", "year_ago_value", "unit", "complete", "components", "withdrawn")


def withdrawn(doc: dict[str, Any]) -> bool:
    """Whether an indicator-value event takes its value back (every input withdrawn)."""
    return doc.get("withdrawn") is True


def _version_row(key: tuple[str, str, str, datetime], doc: dict[str, Any], now: datetime
                 ) -> dict[str, Any]:
    p = parse(key[2])
    return {"indicator": key[0], "area": key[1], "period": key[2], "year": p.year,
            "granularity": p.granularity, "computed_at": key[3], "recorded_at": now,
            "value": doc.get("value"), "year_ago_value": doc.get("year_ago_value"),
            "unit": doc.get("unit", ""), "complete": bool(doc.get("complete")),
            "components": doc.get("components") or {}, "withdrawn": withdrawn(doc)}


def rows(*, session: Session, indicator: str, areas: Iterable[str] | None = None,
         period: str | None = None, granularity: str | None = None,
         as_of: datetime | None = None, updated_after: datetime | None = None,
         taken_back: bool = False) -> list[Any]:
    """Values of one indicator (some areas, one period or granularity) as they stood at
    ``as_of`` (default: now), optionally only those computed after ``updated_after``, which
    then include the values taken back since (``withdrawn`` set): a reader syncing changes
    would otherwise keep a withdrawn figure for good. ``taken_back``: those too without it
    (when one was taken back is when a sum over it changed).

    Plain rows (attribute access like the ORM's: ``area``, ``period``, ``value``,
    ``components``, ``computed_at`` ...), not ORM objects: building an instrumented object per
    row was half the time of a national ``as_of`` query (290 rows)."""
    area_list = list(areas) if areas is not None else None
    table: Any
    if as_of is None:
        table = IndicatorValue.__table__
        q = select(table).where(table.c.indicator == indicator)
    else:
        table = IndicatorVersion.__table__
        q = _newest(session, table, indicator, utc(as_of), area_list, period, granularity)
    q = _narrow(q, table.c, area_list, period, granularity)
    if updated_after is not None:
        q = q.where(table.c.computed_at > utc(updated_after))
    # A value taken back (withdrawn) is no current answer, but is a change. Dropped only after
    # the newest version was picked: filtered before, as_of would show the value it took back.
    changes = updated_after is not None or taken_back
    return sorted((r for r in session.execute(q).all() if changes or not r.withdrawn),
                  key=lambda r: (r.area, parse(r.period)))


def withdrawals(*, session: Session, indicator: str, areas: Iterable[str],
                granularity: str | None = None, as_of: datetime | None = None,
                updated_after: datetime) -> dict[str, datetime]:
    """Per period, the latest instant after ``updated_after`` at which one of these values
    was taken back (as it stood at ``as_of``): what :func:`rows` tells a reader syncing an
    indicator, for a figure made of several values (an area's FYE over its members)."""
    return taken_back_at(rows(session=session, indicator=indicator, areas=areas,
                              granularity=granularity, as_of=as_of,
                              updated_after=updated_after))


def taken_back_at(values: Iterable[Any]) -> dict[str, datetime]:
    """Per period, when the last of these values was taken back (of those that were)."""
    out: dict[str, datetime] = {}
    for r in values:
        if r.withdrawn:
            at = utc(r.computed_at)
            out[r.period] = max(at, out.get(r.period, at))
    return out


def _newest(session: Session, table: Any, indicator: str, at: datetime,
            areas: list[str] | None, period: str | None, granularity: str | None) -> Any:
    """Per value, the newest version computed at or before ``at``. PostgreSQL picks it in one
    pass with DISTINCT ON (a national query: 36 ms p50 against 26 ms for the latest values
    with the join below, docs/benchmarks.md section 9); elsewhere a join to the maximum."""
    c = table.c
    if session.get_bind().dialect.name == "postgresql":
        return (select(table).where(c.indicator == indicator, c.computed_at <= at)
                .distinct(c.area, c.period).order_by(c.area, c.period, c.computed_at.desc()))
    newest = (select(c.area, c.period, func.max(c.computed_at).label("at"))
              .where(c.indicator == indicator, c.computed_at <= at))
    sub = _narrow(newest, c, areas, period, granularity).group_by(c.area, c.period).subquery()
    return select(table).join(sub, (c.area == sub.c.area) & (c.period == sub.c.period)
                              & (c.computed_at == sub.c.at)).where(c.indicator == indicator)


def _narrow(q: Any, cols: Any, areas: list[str] | None, period: str | None,
            granularity: str | None) -> Any:
    """``cols``: a table's ``.c`` or an ORM class (both have the columns as attributes)."""
    if areas is not None:
        q = q.where(cols.area.in_(areas))
    if period is not None:
        q = q.where(cols.period == period)
    if granularity is not None:
        q = q.where(cols.granularity == granularity)
    return q


MAX_VERSIONS = 500  # instants one history answer holds


class TooManyVersions(ValueError):
    """A history longer than an answer holds (a 422 with this reason): it used to be cut to
    its newest versions, silently, losing the first figures a board saw (a review)."""


def instants(*, session: Session, indicators: Iterable[str], areas: Iterable[str],
             period: str | None = None, limit: int = MAX_VERSIONS) -> list[datetime]:
    """The distinct instants at which any of these values changed (for include_history);
    TooManyVersions past ``limit``."""
    q = (select(IndicatorVersion.computed_at).distinct()
         .where(IndicatorVersion.indicator.in_(list(indicators)),
                IndicatorVersion.area.in_(list(areas))))
    if period is not None:
        q = q.where(IndicatorVersion.period == period)
    found = list(session.scalars(q.order_by(IndicatorVersion.computed_at.desc())
                                 .limit(limit + 1)))
    if len(found) > limit:
        raise TooManyVersions(
            f"include_history: {period or 'the figure'} has more than {limit} versions, "
            "more than one answer holds; ask for the history as it was at an instant "
            "(as_of), or without include_history")
    return sorted({utc(t) for t in found})


def every_version(*, session: Session, indicator: str, areas: Iterable[str] | None = None,
                  granularity: str | None = None, as_of: datetime | None = None
                  ) -> list[Any]:
    """Every version of the values (include_history), oldest first per value."""
    table: Any = IndicatorVersion.__table__
    q = select(table).where(table.c.indicator == indicator)
    q = _narrow(q, table.c, list(areas) if areas is not None else None, None, granularity)
    if as_of is not None:
        q = q.where(table.c.computed_at <= utc(as_of))
    return sorted(session.execute(q).all(),
                  key=lambda r: (r.area, parse(r.period), utc(r.computed_at)))
