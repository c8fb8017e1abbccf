"""Full-year equivalents in the follow-up: the share of the population 20–64 per municipality
and, for the whole association, for Umeåregionen (the report's top line).

A figure is written as its period's, and compared with the same period a year earlier, only
when it is complete: every month in, from every agency (the indicators worker's ``complete``;
for a region, every member's). The region's period is the latest one complete in all its
members; when the plan year has none yet, the figure is the members' most common period,
marked incomplete ("2 av 3 månader") and not compared: "okt–dec 2024: 5,3 %, året innan
10,2 %" was one agency's months of a quarter against a whole year-ago quarter.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from samstat_kit.contracts import load_catalogue
from samstat_kit.periods import parse
from services.initiatives.report import labels
from services.initiatives.report.client import IndicatorsClient
from services.initiatives.report.data import MEMBER_AREAS, IndicatorDef, InitiativeDef
from services.initiatives.report.judge import Point, moved
from services.initiatives.report.schemas import FyeResult
from services.initiatives.report.series import area_values

REGION = "umearegionen"


def fye_scope(ini: InitiativeDef) -> tuple[str, ...]:
    """The municipalities an initiative works in: those of its indicators' areas (a region
    stands for its members); the association's six when it has no indicators."""
    cat = load_catalogue()
    found: list[str] = []
    for ind in ini.indicators:
        for area in ind.areas:
            for m in cat.municipalities_in(area):
                if m not in found:
                    found.append(m)
    return tuple(found) or MEMBER_AREAS


def fye_row(area: str, period: str | None, share: float | None, ago: float | None,
            complete: bool | None = None, months: tuple[int, int] | None = None
            ) -> FyeResult:
    """A row of the FYE table; an incomplete figure carries no year-ago share and no change
    (it is not comparable), and ``months`` (reported, in the period) when they are known."""
    if complete is False:
        ago = None
    change = None if share is None or ago is None else share - ago
    return FyeResult(area=area, area_name=labels.area_name(area), period=period, share=share,
                     year_ago_share=ago, change_pp=None if change is None else 100 * change,
                     moved=moved(change, "fall", share or 0.0, ago or 0.0),
                     complete=complete, months_reported=months[0] if months else None,
                     months=months[1] if months else None)


def _point_row(area: str, p: Point | None) -> FyeResult:
    if p is None:
        return fye_row(area, None, None, None)
    return fye_row(area, p.period, p.value, p.year_ago_value, p.complete)


def _candidates(picked: list[Point | None]) -> list[str]:
    """The members' periods, the region's first choice first: complete ones, latest end and
    longest first, then the rest by how many members have them."""
    complete = {p.period for p in picked if p is not None and p.complete}
    ranked = sorted(complete, key=lambda c: (parse(c).end, parse(c).n_months), reverse=True)
    common = Counter(p.period for p in picked if p is not None)
    return ranked + [c for c, _n in common.most_common() if c not in complete]


def _months(body: dict[str, Any]) -> tuple[int, int] | None:
    reported, months = body.get("months_reported"), body.get("months")
    if isinstance(reported, int) and isinstance(months, int):
        return reported, months
    return None


async def _region(client: IndicatorsClient, picked: list[Point | None]) -> FyeResult | None:
    """Umeåregionen's row: the first candidate period complete in the region, else the most
    common one, incomplete (:func:`_candidates`)."""
    candidates = _candidates(picked)
    if not candidates:
        return None
    found = await asyncio.gather(*(client.fye(REGION, c) for c in candidates))
    bodies = [(c, b) for c, b in zip(candidates, found, strict=True)
              if b is not None and b.get("share") is not None]
    whole = [(c, b) for c, b in bodies if b.get("complete")]
    if whole:
        period, body = whole[0]
    elif bodies:
        period, body = max(bodies, key=lambda cb: sum(
            1 for p in picked if p is not None and p.period == cb[0]))
    else:
        return None
    ago = None
    if body.get("complete"):
        before = await client.fye(REGION, parse(period).year_ago().code)
        ago = before.get("share") if before else None
    return fye_row(REGION, period, float(body["share"]), None if ago is None else float(ago),
                   bool(body.get("complete")), _months(body))


async def fye_rows(client: IndicatorsClient, fye: IndicatorDef, year: int,
                   areas: tuple[str, ...]) -> list[FyeResult]:
    """FYE share per municipality (its ``fye_share`` series) and, when the scope is the whole
    association, for Umeåregionen from ``/v1/fye`` (summed FYE over summed population: a share
    of the region is never an average of shares) first."""
    picked = [p for p, _line in await asyncio.gather(
        *(area_values(client, fye.code, a, year) for a in areas))]
    rows = [_point_row(a, p) for a, p in zip(areas, picked, strict=True)]
    if set(load_catalogue().municipalities_in(REGION)) <= set(areas):
        region = await _region(client, picked)
        if region is not None:
            rows.insert(0, region)
    return rows
