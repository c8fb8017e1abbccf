"""The overarching indicator ``fye_share`` for one area and period. Pure: state comes in through
lookup functions, the indicator-value document goes out."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from samstat_kit.cells import cell_key
from samstat_kit.periods import Period, parse
from services.indicators.domain.fye.maths import (
    Entry,
    compute_fye,
    population_by_sex,
    population_total,
    share,
    sources,
)

INDICATOR = "fye_share"
RECONCILIATION = "fye_reconciliation"  # agency-derived FYE minus SCB's official figure
MEASURE = "benefit_net_days"
Lookup = Callable[[str, Period], Entry | None]  # (area, period) -> entry


def population_for(area: str, year: int, lookup_pop: Lookup) -> tuple[float | None, int | None]:
    """SCB's population for the year, or the year before (SCB publishes with a lag)."""
    for y in (year, year - 1):
        total = population_total(lookup_pop(area, Period(y, 1, 12)))
        if total is not None:
            return total, y
    return None, None


def evaluate(area: str, period: Period, lookup_days: Lookup, lookup_pop: Lookup,
             with_revisions: bool = True) -> dict[str, Any] | None:
    """Value and components of fye_share, or None when nothing was reported for the period."""
    def days(p: Period) -> Entry | None:
        return lookup_days(area, p)

    # Complete only when the agencies of the same period a year earlier are in too: the value
    # is compared with that one, and a quarter of one agency's months is not like for like.
    res = compute_fye(period, days, with_revisions=with_revisions,
                      expected=sources(period.year_ago(), days))
    if res is None:
        return None
    population, pop_year = population_for(area, period.year, lookup_pop)
    pop_sex = population_by_sex(lookup_pop(area, Period(pop_year, 1, 12))) if pop_year else {}
    return {
        "value": share(res.fye, population),
        # The year before's population stands in while SCB's new figure is not out yet.
        "complete": res.complete and population is not None,
        "components": {
            "fye": res.fye,
            "net_days": res.net_days,
            "days": period.days,
            "population": population,
            "population_year": pop_year,
            "by_benefit": res.by_benefit,
            "by_sex": res.by_sex,
            "by_benefit_sex": res.by_benefit_sex,
            "population_by_sex": pop_sex,
            "months_reported": res.months_reported,
            "months": res.months,
        },
        # In the state's own keys ("agency/benefit/sex@period"): cheap to compare, and turned
        # into the ingest log's cell keys (input_cell_keys) only for an event that goes out.
        "revisions": res.revisions,
    }


def input_cell_keys(area: str, revisions: dict[str, int]) -> dict[str, int]:
    """The ``input_revisions`` of an event: ingest cell key -> revision."""
    return {_cell_key(area, k): rev for k, rev in revisions.items()}


# Every event names all its input cells, and a month's cell is an input of its quarter, half
# and year and of the next year's comparisons: the same keys were built over and over
# (a fifth of the processor's time). Bounded by one area's working set (messages come area
# by area): 4,096 keys hit as often as 65,536, which held 26 MiB at national scale.
@functools.lru_cache(maxsize=1 << 12)
def _cell_key(area: str, revision_key: str) -> str:
    """"agency/benefit/sex@period" -> the ingest log's cell key, to look up its history."""
    series, period = revision_key.split("@")
    agency, benefit, sex = series.split("/")
    return cell_key(agency, MEASURE, area, period, {"benefit": benefit, "sex": sex})


@functools.lru_cache(maxsize=4096)
def affected_by_days(period_code: str) -> frozenset[Period]:
    """Periods whose value (or year-ago value) changes when a cell of this period changes."""
    p = parse(period_code)
    out = set(p.enclosing())
    return frozenset(out | {q.shift_years(1) for q in out})


@functools.lru_cache(maxsize=256)
def affected_by_population(year: int) -> frozenset[Period]:
    """Periods that use this year's population: directly, as next year's fallback, or through
    their year-ago value."""
    out: set[Period] = set()
    for y in (year, year + 1, year + 2):
        for n in (1, 3, 6, 12):
            out.update(Period(y, first, n) for first in range(1, 13, n))
    return frozenset(out)
