"""SCB's official full-year equivalents as an indicator of their own (``fye_share_official``).

Pure. The read model shows them for a county or the nation (or any area) until samstat's own,
bottom-up figure is complete, marked ``"source": "scb-official"``; the worker compares the two
where both exist (:func:`gap`) and raises a data-quality finding when they drift apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from samstat_kit.cells import cell_key
from samstat_kit.periods import Period, parse
from services.indicators.domain.fye.indicator import Lookup, population_for
from services.indicators.domain.fye.maths import Cell, live, population_by_sex, share

INDICATOR = "fye_share_official"
MEASURE = "fye_official"
SOURCE = "scb-official"
TOTAL = "_T"
# Samstat's FYE (net days from the agencies) and SCB's are made from different registers at
# different times; within 5 % they tell the same story, beyond it someone should look.
GAP_TOLERANCE = 0.05


# period code -> the official state of that period (inner cell key -> [revision, value])
Parts = Mapping[str, Mapping[str, Cell]]


def parts_of(period: Period, get: Callable[[str], Mapping[str, Cell] | None]) -> Parts:
    """SCB's official states that make up a period: its own (a month, or a yearly figure),
    else for a year its twelve months; nothing while a month is missing, since a year of
    eleven months is not SCB's yearly figure. Withdrawn cells (tombstones) are left out: a
    state of tombstones only is no figure."""
    own = live(get(period.code))
    if own:
        return {period.code: own}
    if period.n_months != 12:
        return {}
    months = {}
    for month in period.months:  # stops at the first gap: most areas have no figure
        state = live(get(month.code))
        if not state:
            return {}
        months[month.code] = state
    return months


def comparable(components: Mapping[str, Any], scb: Mapping[tuple[str, str], float | None]
               ) -> tuple[float, float] | None:
    """(samstat's figure, SCB's) to compare, like with like: the totals when samstat has a
    figure (0 included) for every benefit SCB's has; else each side's sum over the benefits
    both have. None when nothing is shared or one of SCB's shared parts is withheld.

    The agencies report their benefits separately: while one has not (a first load of
    history, an agency late), samstat's total lacks its benefits by design, and compared with
    SCB's whole total it opened a finding per area and year that the agency's figures closed
    a moment later (156 in the demo's first minute). A benefit an agency never reports is
    then left out of the comparison, not the comparison itself (a review)."""
    own: Mapping[str, float] = components.get("by_benefit") or {}
    theirs = {b for (b, _s) in scb if b != TOTAL}
    total = scb.get((TOTAL, TOTAL))
    if theirs <= set(own):
        return (float(components["fye"]), float(total)) if total is not None else None
    shared = sorted(theirs & set(own))
    parts = [_benefit_total(scb, b) for b in shared]
    if not shared or any(p is None for p in parts):
        return None
    return float(sum(own[b] for b in shared)), float(sum(p for p in parts if p is not None))


def _benefit_total(scb: Mapping[tuple[str, str], float | None], benefit: str) -> float | None:
    """SCB's figure for one benefit: its total, else the sum of its sexes (None if withheld)."""
    if (benefit, TOTAL) in scb:
        return scb[(benefit, TOTAL)]
    sexes = [v for (b, s), v in scb.items() if b == benefit and s != TOTAL]
    return None if not sexes or any(v is None for v in sexes) else float(sum(
        v for v in sexes if v is not None))


def values_of(period: Period, parts: Parts) -> dict[tuple[str, str], float | None]:
    """(benefit, sex) -> full-year equivalents over the period: a month's figure is already
    a full-year equivalent, so a year is the day-weighted mean of its months (domain.md:
    monthly figures add up to the year). A cell withheld in any month is withheld."""
    sums: dict[tuple[str, str], float] = {}
    seen: Counter[tuple[str, str]] = Counter()
    withheld: set[tuple[str, str]] = set()
    for code, state in parts.items():
        weight = parse(code).days / period.days
        for k, (_r, v) in state.items():
            _agency, benefit, sex = k.split("/")[:3]
            seen[(benefit, sex)] += 1
            if v is None:
                withheld.add((benefit, sex))
            else:
                sums[(benefit, sex)] = sums.get((benefit, sex), 0.0) + float(v) * weight
    return {cell: None if cell in withheld or n < len(parts) else sums[cell]
            for cell, n in seen.items()}


def evaluate(area: str, period: Period, parts: Parts, lookup_pop: Lookup
             ) -> dict[str, Any] | None:
    """The official figure for (area, year), or None when SCB published no total for it."""
    if not parts or period.n_months != 12:
        return None
    cells = values_of(period, parts)
    total = cells.get((TOTAL, TOTAL))
    if total is None:
        return None
    population, pop_year = population_for(area, period.year, lookup_pop)
    pop_sex = population_by_sex(lookup_pop(area, Period(pop_year, 1, 12))) if pop_year else {}
    by_benefit_sex: dict[str, dict[str, float]] = {}
    for (benefit, sex), v in cells.items():
        if benefit != TOTAL and sex != TOTAL and v is not None:
            by_benefit_sex.setdefault(benefit, {})[sex] = v
    return {
        "value": share(total, population),
        "complete": population is not None,
        # No "source" in components (numbers only, schemas/indicator-value.v1): the
        # indicator id itself says the figure is SCB's.
        "components": {
            "fye": total,
            "population": population,
            "population_year": pop_year,
            "population_by_sex": pop_sex,
            "by_benefit": {b: v for (b, s), v in cells.items()
                           if s == TOTAL and b != TOTAL and v is not None},
            "by_sex": {s: v for (b, s), v in cells.items()
                       if b == TOTAL and s != TOTAL and v is not None},
            "by_benefit_sex": by_benefit_sex,
            "months_reported": 12, "months": 12,
        },
        "revisions": {cell_key(k.split("/")[0], MEASURE, area, code,
                               {"benefit": k.split("/")[1], "sex": k.split("/")[2]}): int(r or 1)
                      for code, state in parts.items() for k, (r, _v) in state.items()},
    }


def gap(derived: float, official: float) -> tuple[str, float | None]:
    """("ok" | "mismatch", relative difference) of samstat's FYE against SCB's."""
    if not official:
        return ("ok" if not derived else "mismatch"), None
    relative = (derived - official) / official
    return ("mismatch" if abs(relative) > GAP_TOLERANCE else "ok"), relative
