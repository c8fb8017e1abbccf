"""What changed in an area's full-year equivalents: the figures changed or taken back since an
instant (``updated_after``) and every version of a figure (``include_history``), for the FYE
exports (:mod:`export`, :mod:`fye_export`).

An area's FYE is no stored value but a sum over its members' ``fye_share`` values (or SCB's
figure), so a withdrawal leaves no row of its own to find: it is found in those values, the way
:func:`vintages.rows` tells a reader syncing an indicator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from samstat_kit.contracts import Catalogue
from samstat_kit.db import session_scope
from samstat_kit.periods import parse
from services.indicators.api import service, vintages
from services.indicators.api.schemas import FyeRead
from services.indicators.domain.fye.indicator import INDICATOR as FYE_SHARE
from services.indicators.domain.fye.official import INDICATOR as OFFICIAL

MAX_HISTORY_FIGURES = 60


def series(*, session: Session, catalogue: Catalogue, area: str, granularity: str,
           as_of: datetime | None = None, updated_after: datetime | None = None
           ) -> list[FyeRead]:
    """:func:`service.fye_series`, or with ``updated_after`` the figures that changed since:
    computed after it, or with an input taken back after it. Such a figure comes as it now
    stands (a region that lost a member, a figure computed again), or, where none is left, as
    it was last shown marked ``withdrawn``: a reader syncing changes would otherwise keep a
    withdrawn figure for good (a review)."""
    figures = service.fye_series(session=session, catalogue=catalogue, area=area,
                                 granularity=granularity, as_of=as_of)
    if updated_after is None:
        return figures
    members = catalogue.municipalities_in(area)
    gone: dict[str, datetime] = {}
    # samstat's own values are the members'; SCB's (yearly) also the area's own
    for indicator in (FYE_SHARE, OFFICIAL):
        for period, at in vintages.withdrawals(
                session=session, indicator=indicator, areas=[area, *members],
                granularity=granularity, as_of=as_of, updated_after=updated_after).items():
            gone[period] = max(at, gone.get(period, at))
    shown = {f.period for f in figures}
    out = [f for f in figures if f.period in gone or f.computed_at is None
           or f.computed_at > updated_after]
    for period, at in gone.items():
        if period in shown:
            continue
        # the figure just before its last input went: its keys are what SDMX deletes
        last = service.fye(session=session, catalogue=catalogue, area=area, period=period,
                           as_of=at - timedelta(microseconds=1))
        if last is not None:  # never shown: nothing to take back
            out.append(last.model_copy(update={"withdrawn": True, "computed_at": at}))
    return sorted(out, key=lambda f: parse(f.period))


def fye_versions(request: Request, series: Sequence[FyeRead]) -> list[FyeRead]:
    """Every version of each figure (include_history): the area's FYE at each instant one of
    its inputs changed, oldest first; a figure whose inputs were all taken back is a version
    of its own (``withdrawn``), as in an indicator's history."""
    if len(series) > MAX_HISTORY_FIGURES:
        # Each figure's history is recomputed at every instant an input changed: a
        # request for the nation's months over years would hold a worker and the
        # database for minutes (a review). The plain export has no such limit.
        raise HTTPException(422, f"include_history: at most {MAX_HISTORY_FIGURES} figures "
                                 f"(areas × periods) at a time, not {len(series)}; name "
                                 "fewer areas or a coarser granularity")
    catalogue = request.app.state.catalogue
    out: list[FyeRead] = []
    with session_scope(request.app.state.session_factory) as session:
        for f in series:
            last: FyeRead | None = None
            for v in service.fye_history(session=session, catalogue=catalogue, area=f.area,
                                         period=f.period):
                if f.computed_at is not None and v.computed_at > f.computed_at:
                    break  # later than the answer asked for (as_of)
                then = service.fye(session=session, catalogue=catalogue, area=f.area,
                                   period=f.period, as_of=v.computed_at)
                if then is None and last is not None:
                    then = last.model_copy(update={"withdrawn": True})
                if then is not None:
                    last = then.model_copy(update={"computed_at": v.computed_at})
                    out.append(last)
    return out
