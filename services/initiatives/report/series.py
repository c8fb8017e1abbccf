"""An indicator's values in one area as the follow-up uses them: the point that counts for the
plan year (:func:`.judge.select`) and the line its chart draws.

Both leave out what is still arriving. The point is the latest *complete* period (an
incomplete one only when the plan year has nothing complete, and then it is shown as such and
not judged); the chart line ends at its last complete period, so that its last point is never
a quarter of which only some months or some agencies are in (it dipped to half).
"""

from __future__ import annotations

import asyncio

from services.initiatives.report import labels
from services.initiatives.report.client import IndicatorsClient
from services.initiatives.report.judge import Point, select
from services.initiatives.report.schemas import SeriesLine

CHART_POINTS = 24  # at most this many periods per chart line


def chart_points(points: list[Point], year: int) -> list[tuple[str, float]]:
    """The points a chart draws, up to the plan year: those with a value, up to the last
    complete one (the periods after it are still arriving), at most :data:`CHART_POINTS`."""
    shown = [p for p in points
             if p.value is not None and p.parsed is not None and p.parsed.year <= year]
    last = max((i for i, p in enumerate(shown) if p.complete), default=-1)
    return [(p.period, p.value) for p in shown[:last + 1]
            if p.value is not None][-CHART_POINTS:]


async def area_values(client: IndicatorsClient, code: str, area: str, year: int
                      ) -> tuple[Point | None, SeriesLine | None]:
    """The point that counts for ``year`` and the chart line. The yearly series comes first:
    when the plan year is complete there, nothing finer is needed. A measure reported only
    quarterly (or half-yearly) may have no yearly values at all, so an empty yearly series
    sends us to the finer ones too."""
    fetched = {"year": await client.series(code, area, "year")}
    chosen = select(fetched["year"], year)
    if chosen is None or not chosen.complete:
        finer = ("half", "quarter", "month")
        for g, pts in zip(finer, await asyncio.gather(
                *(client.series(code, area, g) for g in finer)), strict=True):
            fetched[g] = pts
        chosen = select([p for pts in fetched.values() for p in pts], year)

    lines = {g: chart_points(pts, year) for g, pts in fetched.items()}
    # The finest granularity that shows a trend; the yearly one if that is all there is.
    granularity = next((g for g in ("month", "quarter", "half", "year")
                        if len(lines.get(g, [])) >= 3), "year")
    if not lines.get(granularity):
        granularity = max(lines, key=lambda g: len(lines[g]))
    line = None
    if lines.get(granularity):
        line = SeriesLine(area=area, area_name=labels.area_name(area), granularity=granularity,
                          points=lines[granularity])
    return chosen, line
