from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request

from samstat_kit import periods
from samstat_kit.db import session_scope
from samstat_kit.http import AnyToken
from services.indicators.readmodel import service
from services.indicators.readmodel.schemas import ComparisonRead, FyeRead, SeriesRead

router = APIRouter(tags=["indicators"])

_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown area, or nothing reported for the period yet"}}
AreaCode = Annotated[str, Path(max_length=32, description='e.g. "2480", "umearegionen", "0000"')]
PeriodCode = Annotated[str, Path(max_length=8,
                                 description='"2023", "2023-H1", "2023-Q2", "2023-10"')]


def _check(request: Request, area: str, period: str) -> None:
    if area not in request.app.state.catalogue.areas:
        raise HTTPException(404, f"unknown area {area!r}")
    try:
        periods.parse(period)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/v1/fye/{area}/{period}", response_model=FyeRead, responses=_404,
            summary="Full-year equivalents for an area and period")
def get_fye(request: Request, _p: AnyToken, area: AreaCode, period: PeriodCode) -> FyeRead:
    _check(request, area, period)
    with session_scope(request.app.state.session_factory) as session:
        result = service.fye(session=session, catalogue=request.app.state.catalogue,
                             area=area, period=period)
    if result is None:
        raise HTTPException(404, f"no full-year equivalents for {area} {period} yet")
    return result


@router.get("/v1/fye/{area}/{period}/comparison", response_model=ComparisonRead,
            responses=_404, summary="A municipality beside its region, county and the nation")
def get_comparison(request: Request, _p: AnyToken, area: AreaCode,
                   period: PeriodCode) -> ComparisonRead:
    _check(request, area, period)
    with session_scope(request.app.state.session_factory) as session:
        return service.comparison(session=session, catalogue=request.app.state.catalogue,
                                  area=area, period=period)


@router.get("/v1/indicators/{indicator}/series", response_model=SeriesRead, responses=_404,
            summary="Time series of an indicator for one area")
def get_series(
    request: Request, _p: AnyToken,
    indicator: Annotated[str, Path(max_length=64)],
    area: Annotated[str, Query(max_length=32)],
    granularity: Annotated[str, Query(pattern="^(month|quarter|half|year)$")] = "month",
) -> SeriesRead:
    if area not in request.app.state.catalogue.areas:
        raise HTTPException(404, f"unknown area {area!r}")
    with session_scope(request.app.state.session_factory) as session:
        return service.series(session=session, indicator=indicator, area=area,
                              granularity=granularity)
