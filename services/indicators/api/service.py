"""Read-model updates and queries. Plain functions with a keyword-only session; no commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.contracts import Catalogue
from samstat_kit.db import insert_for
from samstat_kit.periods import parse
from services.indicators.api import vintages
from services.indicators.api.groups import Group
from services.indicators.api.models import IndicatorTitle, IndicatorValue, IndicatorVersion
from services.indicators.api.schemas import (
    ComparisonRead,
    ComparisonRow,
    FyeRead,
    FyeVersion,
    SeriesPoint,
    SeriesRead,
)
from services.indicators.domain.fye.indicator import INDICATOR as FYE_SHARE
from services.indicators.domain.fye.indicator import RECONCILIATION
from services.indicators.domain.fye.maths import combine, share
from services.indicators.domain.fye.official import INDICATOR as OFFICIAL
from services.indicators.domain.fye.official import SOURCE as SOURCE_OFFICIAL


def upsert_values(*, session: Session, docs: Iterable[dict[str, Any]]) -> int:
    """Apply indicator-value events; an older event never overwrites a newer one (a tie in
    ``computed_at``: the later delivered wins). Every event is also kept as a version
    (:mod:`vintages`).

    INSERT ... ON CONFLICT DO UPDATE, its WHERE comparing ``computed_at`` with the row as
    committed; no read before the write. Two consumers may handle the same cell at once (a
    rebalance overlap, a redelivery): with the row read first and written later, the one
    holding the older computation wrote it over the newer one committed meanwhile (or both
    inserted a new cell: unique violation)."""
    docs = list(docs)
    now = datetime.now(UTC)
    vintages.record(session=session, docs=docs, now=now)
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for doc in docs:
        row = _value_row(doc, now)
        key = (row["indicator"], row["area"], row["period"])
        if key not in latest or row["computed_at"] >= latest[key]["computed_at"]:
            latest[key] = row
    if not latest:
        return 0
    table = IndicatorValue.__table__
    stmt = insert_for(session, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=("indicator", "area", "period"),
        set_={c: stmt.excluded[c] for c in _UPDATED},
        where=table.c.computed_at <= stmt.excluded.computed_at)
    # The rows as parameters (executemany: compiled once; compiled into one VALUES list, a
    # 1200-row batch took twice as long as the old read-then-write), in key order, so that
    # batches sharing cells lock them in one order (no deadlock).
    session.execute(stmt, [latest[k] for k in sorted(latest)])
    return len(latest)


# What an event rewrites in its cell (year and granularity follow from the period).
_UPDATED = ("value", "previous_value", "year_ago_value", "unit", "complete", "components",
            "input_revisions", "computed_at", "updated_at", "withdrawn")


def _value_row(doc: dict[str, Any], now: datetime) -> dict[str, Any]:
    p = parse(doc["period"])
    return {"indicator": doc["indicator"], "area": doc["area"], "period": doc["period"],
            "year": p.year, "granularity": p.granularity, "value": doc.get("value"),
            "previous_value": doc.get("previous_value"),
            "year_ago_value": doc.get("year_ago_value"), "unit": doc.get("unit", ""),
            "complete": bool(doc.get("complete")), "components": doc.get("components") or {},
            "input_revisions": doc.get("input_revisions") or {},
            # Stored in UTC: SQLite drops offsets, and the comparison of the upsert's WHERE
            # (text on SQLite) must not depend on them.
            "computed_at": vintages.utc(datetime.fromisoformat(doc["computed_at"])),
            "updated_at": now, "withdrawn": vintages.withdrawn(doc)}


def fye(*, session: Session, catalogue: Catalogue, area: str, period: str,
        as_of: datetime | None = None) -> FyeRead | None:
    """FYE for an area: samstat's own sum over its municipalities when every member has a
    complete value, else SCB's official figure where there is one, else the partial sum."""
    members = catalogue.municipalities_in(area)
    by_period, gone = _member_values(session, members, period=period, as_of=as_of)
    rows = by_period.get(period, [])
    computed = _fye_sum(area, period, rows, members, gone=gone.get(period)) if rows else None
    if computed is not None and computed.complete:
        return computed
    return _official(session, catalogue, area, [period], as_of).get(period) or computed


def _member_values(session: Session, members: Sequence[str], *, period: str | None = None,
                   granularity: str | None = None, as_of: datetime | None = None
                   ) -> tuple[dict[str, list[IndicatorValue]], dict[str, datetime]]:
    """The members' current fye_share values by period, and per period when one of them was
    last taken back (a sum over them changed then too)."""
    every = vintages.rows(session=session, indicator=FYE_SHARE, areas=members, period=period,
                          granularity=granularity, as_of=as_of, taken_back=True)
    by_period: dict[str, list[IndicatorValue]] = {}
    for r in every:
        if r.components and not r.withdrawn:
            by_period.setdefault(r.period, []).append(r)
    return by_period, vintages.taken_back_at(every)


def _official(session: Session, catalogue: Catalogue, area: str, periods: list[str] | None,
              as_of: datetime | None) -> dict[str, FyeRead]:
    """SCB's official figures for the area by period: its own where SCB publishes the area
    (municipality, county, nation), else the sum over its members when all have one."""
    members = catalogue.municipalities_in(area)
    own = [r for p in (periods or [None]) for r in vintages.rows(  # type: ignore[list-item]
        session=session, indicator=OFFICIAL, areas=[area], period=p, granularity="year",
        as_of=as_of) if r.components]
    if own:
        return {r.period: _fye_sum(area, r.period, [r], members, source=SOURCE_OFFICIAL)
                for r in own}
    if catalogue.areas[area].level != "region":
        return {}
    by_period: dict[str, list[IndicatorValue]] = {}
    for p in periods or [None]:  # type: ignore[list-item]
        for r in vintages.rows(session=session, indicator=OFFICIAL, areas=members, period=p,
                               granularity="year", as_of=as_of):
            if r.components:
                by_period.setdefault(r.period, []).append(r)
    return {p: _fye_sum(area, p, rs, members, source=SOURCE_OFFICIAL)
            for p, rs in by_period.items() if len(rs) == len(members)}


def fye_history(*, session: Session, catalogue: Catalogue, area: str, period: str
                ) -> list[FyeVersion]:
    """The area's FYE for the period at every instant any of its inputs changed."""
    members = catalogue.municipalities_in(area)
    out: list[FyeVersion] = []
    for at in vintages.instants(session=session, indicators=(FYE_SHARE, OFFICIAL),
                                areas=[area, *members], period=period):
        f = fye(session=session, catalogue=catalogue, area=area, period=period, as_of=at)
        if f is None and not out:
            continue  # nothing shown yet
        # No figure after one was shown: its inputs were withdrawn, a version of its own
        # (an empty one), so that the history does not end on a figure no longer shown.
        shown = (f.fye, f.share, f.source) if f is not None else (None, None, None)
        if not out or (out[-1].fye, out[-1].share, out[-1].source) != shown:
            out.append(FyeVersion(computed_at=at, fye=shown[0], share=shown[1],
                                  source=shown[2], complete=f is not None and f.complete))
    return out


def value_history(*, session: Session, indicator: str, area: str, period: str
                  ) -> list[FyeVersion]:
    """Every version of one stored value, oldest first."""
    q = (select(IndicatorVersion).where(IndicatorVersion.indicator == indicator,
                                        IndicatorVersion.area == area,
                                        IndicatorVersion.period == period)
         .order_by(IndicatorVersion.computed_at))
    return [FyeVersion(computed_at=vintages.utc(v.computed_at), value=v.value,
                       complete=v.complete) for v in session.scalars(q)]


def _fye_sum(area: str, period: str, rows: list[IndicatorValue], members: Sequence[str],
             source: str = "computed", gone: datetime | None = None) -> FyeRead:
    """The members' FYE values of one period summed into the area's; complete only when every
    member has a complete value (an official figure is one value for the whole area).
    ``gone``: when a member's value was last taken back, since when the sum stands as it is
    if no value left is newer."""
    total = combine([r.components for r in rows])
    official = source == SOURCE_OFFICIAL
    pop_sex: dict[str, float] = total["population_by_sex"]  # type: ignore[assignment]
    by_sex: dict[str, float] = total["by_sex"]  # type: ignore[assignment]
    return FyeRead(
        area=area, period=period, fye=float(total["fye"]),  # type: ignore[arg-type]
        population=total["population"],  # type: ignore[arg-type]
        share=total["share"],  # type: ignore[arg-type]
        by_benefit=total["by_benefit"],  # type: ignore[arg-type]
        by_sex=by_sex,
        municipalities=[] if official else sorted(r.area for r in rows),
        complete=all(r.complete for r in rows) and (official or len(rows) == len(members)),
        source=source, members=len(members), population_by_sex=pop_sex,
        population_years=total["population_years"],  # type: ignore[arg-type]
        share_by_sex={s: share(v, pop_sex.get(s)) for s, v in by_sex.items()},
        by_benefit_sex=total["by_benefit_sex"],  # type: ignore[arg-type]
        computed_at=max([vintages.utc(r.computed_at) for r in rows] + ([gone] if gone else [])),
        months=int(rows[0].components.get("months") or parse(period).n_months),
        # an aggregate has a month only when every member has it
        months_reported=min(int(r.components.get("months_reported", 0) or 0) for r in rows)
        if official or len(rows) == len(members) else 0,
    )


def series(*, session: Session, indicator: str, area: str, granularity: str = "month",
           as_of: datetime | None = None, updated_after: datetime | None = None
           ) -> SeriesRead:
    # With updated_after, a value taken back since is a point of its own (withdrawn, no value).
    rows = vintages.rows(session=session, indicator=indicator, areas=[area],
                         granularity=granularity, as_of=as_of, updated_after=updated_after)
    return SeriesRead(
        indicator=indicator, area=area,
        unit=next((r.unit for r in rows if not r.withdrawn), ""),
        points=[SeriesPoint(period=r.period, value=None if r.withdrawn else r.value,
                            year_ago_value=None if r.withdrawn else r.year_ago_value,
                            complete=r.complete, computed_at=vintages.utc(r.computed_at),
                            withdrawn=bool(r.withdrawn))
                for r in rows],
    )


def group_fye(*, session: Session, catalogue: Catalogue, group: Group, period: str,
              as_of: datetime | None = None) -> FyeRead | None:
    """A comparison group's FYE: its members' figures (each samstat's own when complete, else
    SCB's) summed like a region's; None until every member has one."""
    found = [fye(session=session, catalogue=catalogue, area=m, period=period, as_of=as_of)
             for m in group.members]
    have = [f for f in found if f is not None]
    if len(have) < len(group.members):
        return None
    total = combine([f.model_dump() | {"population_by_sex": f.population_by_sex}
                     for f in have])
    return FyeRead(
        area=group.code, period=period, fye=float(total["fye"]),  # type: ignore[arg-type]
        population=total["population"],  # type: ignore[arg-type]
        share=total["share"],  # type: ignore[arg-type]
        by_benefit=total["by_benefit"],  # type: ignore[arg-type]
        by_sex=total["by_sex"],  # type: ignore[arg-type]
        population_years=total["population_years"],  # type: ignore[arg-type]
        municipalities=list(group.members), complete=all(f.complete for f in have),
        source="scb-official" if all(f.source == SOURCE_OFFICIAL for f in have)
        else "computed", members=len(group.members))


def comparison(*, session: Session, catalogue: Catalogue, area: str, period: str,
               as_of: datetime | None = None, groups: Iterable[Group] = ()
               ) -> ComparisonRead:
    """The municipality beside its region(s), its county, the nation and its comparison
    groups (similar municipalities)."""
    areas = [area]
    areas += [a.code for a in catalogue.areas.values()
              if a.level == "region" and area in a.members]
    county = catalogue.areas[area].parent if area in catalogue.areas else None
    areas += [c for c in (county, "0000") if c and c not in areas]
    out = []
    for code in areas:
        now = fye(session=session, catalogue=catalogue, area=code, period=period, as_of=as_of)
        ago = fye(session=session, catalogue=catalogue, area=code,
                  period=parse(period).year_ago().code, as_of=as_of)
        share_ago = ago.share if ago else None
        info = catalogue.areas.get(code)
        out.append(ComparisonRow(
            level=info.level if info else "unknown", area=code, name=info.name if info else code,
            fye=now.fye if now else None, population=now.population if now else None,
            share=now.share if now else None, share_year_ago=share_ago,
            change=(now.share - share_ago) if now and now.share is not None
            and share_ago is not None else None,
            source=now.source if now else None,
            share_by_sex=now.share_by_sex if now else {},
        ))
    for g in groups:
        now = group_fye(session=session, catalogue=catalogue, group=g, period=period,
                        as_of=as_of)
        ago = group_fye(session=session, catalogue=catalogue, group=g,
                        period=parse(period).year_ago().code, as_of=as_of)
        out.append(ComparisonRow(
            level="group", area=g.code, name=g.name, fye=now.fye if now else None,
            population=now.population if now else None, share=now.share if now else None,
            share_year_ago=ago.share if ago else None,
            change=(now.share - ago.share) if now and ago and now.share is not None
            and ago.share is not None else None,
            source=now.source if now else None, members=list(g.members)))
    return ComparisonRead(period=period, rows=out)


# --- exports and pages (api/export.py, web/pages.py) ------------------------------------------


def values(*, session: Session, indicator: str, areas: Iterable[str] | None = None,
           granularity: str | None = None, as_of: datetime | None = None,
           updated_after: datetime | None = None) -> list[IndicatorValue]:
    """Stored values of one indicator, optionally for some areas and one granularity, ordered by
    area and then chronologically (coarser periods first where they start together). With
    ``updated_after``, the values taken back since come too (``withdrawn``)."""
    return vintages.rows(session=session, indicator=indicator, areas=areas,
                         granularity=granularity, as_of=as_of, updated_after=updated_after)


def indicator_ids(*, session: Session) -> list[str]:
    """Every indicator that has at least one value."""
    return sorted(session.scalars(select(IndicatorValue.indicator).distinct()
                                  .where(IndicatorValue.withdrawn.is_(False))))


# samstat's own indicators, computed by the worker: known before their first value.
OWN_INDICATORS = frozenset({FYE_SHARE, OFFICIAL, RECONCILIATION})


def known_indicator(*, session: Session, indicator: str) -> bool:
    """Whether ``indicator`` is one samstat knows: its own, one the registry has defined (a
    title, kept after a deletion), or one with values (withdrawn ones too: a reader syncing
    with ``updated_after`` learns of them). Every indicator-keyed route answers 404 for the
    others: an unknown id was a 200 with no points, as if it merely had no values yet."""
    if indicator in OWN_INDICATORS:
        return True
    for column in (IndicatorTitle.indicator, IndicatorValue.indicator):
        if session.scalars(select(column).where(column == indicator).limit(1)).first():
            return True
    return False


def indicator_areas(*, session: Session, indicator: str) -> list[str]:
    """The areas that have values of an indicator."""
    q = select(IndicatorValue.area).where(IndicatorValue.indicator == indicator,
                                          IndicatorValue.withdrawn.is_(False)).distinct()
    return sorted(session.scalars(q))


def granularities(*, session: Session, indicator: str, areas: Iterable[str]) -> set[str]:
    """The granularities an indicator has values in for these areas."""
    q = (select(IndicatorValue.granularity)
         .where(IndicatorValue.indicator == indicator, IndicatorValue.area.in_(list(areas)),
                IndicatorValue.withdrawn.is_(False))
         .distinct())
    return set(session.scalars(q))


def fye_series(*, session: Session, catalogue: Catalogue, area: str, granularity: str,
               as_of: datetime | None = None) -> list[FyeRead]:
    """:func:`fye` for every period of one granularity, chronologically, in a single query.

    Same sums and the same coverage rule as :func:`fye` (a period is complete only when every
    member municipality has a complete value); periods no member reported are left out.
    """
    members = catalogue.municipalities_in(area)
    if not members:
        return []
    by_period, gone = _member_values(session, members, granularity=granularity, as_of=as_of)
    computed = {p: _fye_sum(area, p, rs, members, gone=gone.get(p))
                for p, rs in by_period.items()}
    official = (_official(session, catalogue, area, None, as_of) if granularity == "year"
                else {})
    out = []
    for p in sorted(set(computed) | set(official), key=parse):
        mine = computed.get(p)
        out.append(mine if mine is not None and (mine.complete or p not in official)
                   else official[p])
    return out


# --- end of exports and pages ------------------------------------------------------------------
