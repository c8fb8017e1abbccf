"""Read-model updates and queries. Plain functions with a keyword-only session; no commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.contracts import Catalogue
from samstat_kit.periods import parse
from services.indicators.fye.indicator import INDICATOR as FYE_SHARE
from services.indicators.fye.maths import combine
from services.indicators.readmodel.models import IndicatorValue
from services.indicators.readmodel.schemas import (
    ComparisonRead,
    ComparisonRow,
    FyeRead,
    SeriesPoint,
    SeriesRead,
)


def _aware(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def upsert_values(*, session: Session, docs: Iterable[dict[str, Any]]) -> int:
    """Apply indicator-value events; an older event never overwrites a newer one."""
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for doc in docs:
        key = (doc["indicator"], doc["area"], doc["period"])
        if key not in latest or doc["computed_at"] >= latest[key]["computed_at"]:
            latest[key] = doc
    now = datetime.now(UTC)
    # The stored rows of the batch in one query: a get per row was one SELECT (and, with
    # autoflush, one INSERT) per value, the read model's main cost under load.
    stored = {(r.indicator, r.area, r.period): r for r in session.scalars(
        select(IndicatorValue).where(
            IndicatorValue.indicator.in_({k[0] for k in latest}),
            IndicatorValue.area.in_({k[1] for k in latest}),
            IndicatorValue.period.in_({k[2] for k in latest})))} if latest else {}
    for (ind, area, period), doc in latest.items():
        computed = datetime.fromisoformat(doc["computed_at"])
        row = stored.get((ind, area, period))
        if row is not None and _aware(row.computed_at) > computed:
            continue
        if row is None:
            p = parse(period)
            row = IndicatorValue(indicator=ind, area=area, period=period, year=p.year,
                                 granularity=p.granularity)
            session.add(row)
        row.value = doc.get("value")
        row.previous_value = doc.get("previous_value")
        row.year_ago_value = doc.get("year_ago_value")
        row.unit = doc.get("unit", "")
        row.complete = bool(doc.get("complete"))
        row.components = doc.get("components") or {}
        row.input_revisions = doc.get("input_revisions") or {}
        # Stored in UTC: SQLite drops offsets, and comparisons must not depend on them.
        row.computed_at = computed.astimezone(UTC)
        row.updated_at = now
    session.flush()
    return len(latest)


def _rows(session: Session, indicator: str, areas: Iterable[str], period: str
          ) -> list[IndicatorValue]:
    q = select(IndicatorValue).where(
        IndicatorValue.indicator == indicator,
        IndicatorValue.area.in_(list(areas)),
        IndicatorValue.period == period,
    )
    return list(session.scalars(q))


def fye(*, session: Session, catalogue: Catalogue, area: str, period: str) -> FyeRead | None:
    """FYE for a municipality, or summed over the municipalities of a region/county/nation."""
    members = catalogue.municipalities_in(area)
    rows = [r for r in _rows(session, FYE_SHARE, members, period) if r.components]
    return _fye_sum(area, period, rows, members) if rows else None


def _fye_sum(area: str, period: str, rows: list[IndicatorValue], members: Sequence[str]
             ) -> FyeRead:
    """The members' FYE values of one period summed into the area's; complete only when every
    member has a complete value."""
    total = combine([r.components for r in rows])
    return FyeRead(
        area=area, period=period, fye=float(total["fye"]),  # type: ignore[arg-type]
        population=total["population"],  # type: ignore[arg-type]
        share=total["share"],  # type: ignore[arg-type]
        by_benefit=total["by_benefit"],  # type: ignore[arg-type]
        by_sex=total["by_sex"],  # type: ignore[arg-type]
        municipalities=sorted(r.area for r in rows),
        complete=all(r.complete for r in rows) and len(rows) == len(members),
    )


def series(*, session: Session, indicator: str, area: str, granularity: str = "month"
           ) -> SeriesRead:
    q = (select(IndicatorValue)
         .where(IndicatorValue.indicator == indicator, IndicatorValue.area == area,
                IndicatorValue.granularity == granularity)
         .order_by(IndicatorValue.period))
    rows = list(session.scalars(q))
    return SeriesRead(
        indicator=indicator, area=area, unit=rows[0].unit if rows else "",
        points=[SeriesPoint(period=r.period, value=r.value, year_ago_value=r.year_ago_value,
                            complete=r.complete) for r in rows],
    )


def comparison(*, session: Session, catalogue: Catalogue, area: str, period: str
               ) -> ComparisonRead:
    """The municipality beside its region(s), its county and the nation."""
    areas = [area]
    areas += [a.code for a in catalogue.areas.values()
              if a.level == "region" and area in a.members]
    county = catalogue.areas[area].parent if area in catalogue.areas else None
    areas += [c for c in (county, "0000") if c]
    out = []
    for code in areas:
        now = fye(session=session, catalogue=catalogue, area=code, period=period)
        ago = fye(session=session, catalogue=catalogue, area=code,
                  period=parse(period).year_ago().code)
        share_ago = ago.share if ago else None
        info = catalogue.areas.get(code)
        out.append(ComparisonRow(
            level=info.level if info else "unknown", area=code, name=info.name if info else code,
            fye=now.fye if now else None, population=now.population if now else None,
            share=now.share if now else None, share_year_ago=share_ago,
            change=(now.share - share_ago) if now and now.share is not None
            and share_ago is not None else None,
        ))
    return ComparisonRead(period=period, rows=out)


# --- exports and pages (readmodel/export.py, readmodel/pages.py) ------------------------------


def values(*, session: Session, indicator: str, areas: Iterable[str] | None = None,
           granularity: str | None = None) -> list[IndicatorValue]:
    """Stored values of one indicator, optionally for some areas and one granularity, ordered by
    area and then chronologically (coarser periods first where they start together)."""
    q = select(IndicatorValue).where(IndicatorValue.indicator == indicator)
    if areas is not None:
        q = q.where(IndicatorValue.area.in_(list(areas)))
    if granularity is not None:
        q = q.where(IndicatorValue.granularity == granularity)
    return sorted(session.scalars(q), key=lambda r: (r.area, parse(r.period)))


def indicator_ids(*, session: Session) -> list[str]:
    """Every indicator that has at least one value."""
    return sorted(session.scalars(select(IndicatorValue.indicator).distinct()))


def indicator_areas(*, session: Session, indicator: str) -> list[str]:
    """The areas that have values of an indicator."""
    q = select(IndicatorValue.area).where(IndicatorValue.indicator == indicator).distinct()
    return sorted(session.scalars(q))


def granularities(*, session: Session, indicator: str, areas: Iterable[str]) -> set[str]:
    """The granularities an indicator has values in for these areas."""
    q = (select(IndicatorValue.granularity)
         .where(IndicatorValue.indicator == indicator, IndicatorValue.area.in_(list(areas)))
         .distinct())
    return set(session.scalars(q))


def fye_series(*, session: Session, catalogue: Catalogue, area: str, granularity: str
               ) -> list[FyeRead]:
    """:func:`fye` for every period of one granularity, chronologically, in a single query.

    Same sums and the same coverage rule as :func:`fye` (a period is complete only when every
    member municipality has a complete value); periods no member reported are left out.
    """
    members = catalogue.municipalities_in(area)
    if not members:
        return []
    by_period: dict[str, list[IndicatorValue]] = {}
    for r in values(session=session, indicator=FYE_SHARE, areas=members,
                    granularity=granularity):
        if r.components:
            by_period.setdefault(r.period, []).append(r)
    return [_fye_sum(area, period, by_period[period], members)
            for period in sorted(by_period, key=parse)]


# --- end of exports and pages ------------------------------------------------------------------
