from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from sqlalchemy.orm import Session

from samstat_kit import periods
from samstat_kit.db import session_scope
from samstat_kit.http import AnyToken
from samstat_kit.instants import parse_instant
from services.indicators.api import service
from services.indicators.api.groups import groups_for
from services.indicators.api.schemas import ComparisonRead, FyeRead, SeriesRead

router = APIRouter(tags=["indicators"])

_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown area, or nothing reported for the period yet"}}
_SERIES_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown indicator or area"}}
AreaCode = Annotated[str, Path(max_length=32, description='e.g. "2480", "umearegionen", "0000"')]
PeriodCode = Annotated[str, Path(max_length=8,
                                 description='"2023", "2023-H1", "2023-Q2", "2023-10"')]
AsOf = Annotated[str | None, Query(
    max_length=40, description='What samstat showed then (transaction time): "2024-06-10" '
                               '(the end of that day in Sweden) or an ISO instant')]
UpdatedAfter = Annotated[str | None, Query(
    max_length=40, description="Only what changed after this instant or date: values "
                               "computed since, and those taken back since (withdrawn)")]
IncludeHistory = Annotated[bool, Query(description="Every earlier version too")]


def instant(raw: str | None, name: str) -> datetime | None:
    try:
        return parse_instant(raw)
    except ValueError:
        raise HTTPException(422, f"{name}: {raw[:40]!r} is not a date or ISO instant"
                            if raw else f"{name}: empty") from None


def require_indicator(session: Session, indicator: str) -> None:
    """404 unless samstat knows the indicator (:func:`service.known_indicator`)."""
    if not service.known_indicator(session=session, indicator=indicator):
        raise HTTPException(404, f"unknown indicator {indicator[:64]!r}")


def _check(request: Request, area: str, period: str) -> None:
    if area not in request.app.state.catalogue.areas:
        raise HTTPException(404, f"unknown area {area!r}")
    try:
        periods.parse(period)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/v1/fye/{area}/{period}", response_model=FyeRead, responses=_404,
            summary="Full-year equivalents for an area and period")
def get_fye(request: Request, _p: AnyToken, area: AreaCode, period: PeriodCode,
            as_of: AsOf = None, updated_after: UpdatedAfter = None,
            include_history: IncludeHistory = False) -> FyeRead:
    _check(request, area, period)
    at, after = instant(as_of, "as_of"), instant(updated_after, "updated_after")
    catalogue = request.app.state.catalogue
    with session_scope(request.app.state.session_factory) as session:
        result = service.fye(session=session, catalogue=catalogue, area=area, period=period,
                             as_of=at)
        if result is not None and include_history:
            result.history = [v for v in service.fye_history(
                session=session, catalogue=catalogue, area=area, period=period)
                if at is None or v.computed_at <= at]
    if result is None:
        raise HTTPException(404, f"no full-year equivalents for {area} {period} yet")
    if after is not None and result.computed_at is not None and result.computed_at <= after:
        raise HTTPException(404, f"nothing new for {area} {period} since {after.isoformat()}")
    return result


@router.get("/v1/fye/{area}/{period}/comparison", response_model=ComparisonRead,
            responses=_404, summary="A municipality beside its region, county and the nation")
def get_comparison(request: Request, _p: AnyToken, area: AreaCode, period: PeriodCode,
                   as_of: AsOf = None, updated_after: UpdatedAfter = None,
                   include_history: IncludeHistory = False) -> ComparisonRead:
    _check(request, area, period)
    at, after = instant(as_of, "as_of"), instant(updated_after, "updated_after")
    catalogue = request.app.state.catalogue
    with session_scope(request.app.state.session_factory) as session:
        result = service.comparison(
            session=session, catalogue=catalogue, area=area, period=period, as_of=at,
            groups=groups_for(request.app.state.groups, area))
        for row in result.rows:
            history = service.fye_history(session=session, catalogue=catalogue,
                                          area=row.area, period=period) \
                if include_history or after is not None else []
            if include_history:
                row.history = [v for v in history if at is None or v.computed_at <= at]
            if after is not None and not any(v.computed_at > after for v in history):
                row.fye = row.population = row.share = row.change = None
                row.source = "unchanged"
    return result


@router.get("/v1/indicators/{indicator}/series", response_model=SeriesRead,
            responses=_SERIES_404,
            summary="Time series of an indicator for one area")
def get_series(
    request: Request, _p: AnyToken,
    indicator: Annotated[str, Path(max_length=64)],
    area: Annotated[str, Query(max_length=32)],
    granularity: Annotated[str, Query(pattern="^(month|quarter|half|year)$")] = "month",
    as_of: AsOf = None, updated_after: UpdatedAfter = None,
    include_history: IncludeHistory = False,
) -> SeriesRead:
    if area not in request.app.state.catalogue.areas:
        raise HTTPException(404, f"unknown area {area!r}")
    at, after = instant(as_of, "as_of"), instant(updated_after, "updated_after")
    with session_scope(request.app.state.session_factory) as session:
        require_indicator(session, indicator)
        result = service.series(session=session, indicator=indicator, area=area,
                                granularity=granularity, as_of=at, updated_after=after)
        if include_history:
            for point in result.points:
                point.history = [v for v in service.value_history(
                    session=session, indicator=indicator, area=area, period=point.period)
                    if at is None or v.computed_at <= at]
    return result
