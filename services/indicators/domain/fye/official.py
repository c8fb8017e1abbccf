"""SCB's official full-year equivalents as an indicator of their own (``fye_share_official``).

Pure. The read model shows them for a county or the nation (or any area) until samstat's own,
bottom-up figure is complete, marked ``"source": "scb-official"``; the worker compares the two
where both exist (:func:`gap`) and raises a data-quality finding when they drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from samstat_kit.cells import cell_key
from samstat_kit.periods import Period
from services.indicators.domain.fye.indicator import Lookup, population_for
from services.indicators.domain.fye.maths import Cell, population_by_sex, share

INDICATOR = "fye_share_official"
MEASURE = "fye_official"
SOURCE = "scb-official"
TOTAL = "_T"
# Samstat's FYE (net days from the agencies) and SCB's are made from different registers at
# different times; within 5 % they tell the same story, beyond it someone should look.
GAP_TOLERANCE = 0.05


def evaluate(area: str, period: Period, official: Mapping[str, Cell] | None,
             lookup_pop: Lookup) -> dict[str, Any] | None:
    """The official figure for (area, year), or None when SCB published no total for it."""
    if not official or period.n_months != 12:
        return None
    cells = {tuple(k.split("/")[1:]): v for k, (_r, v) in official.items()}
    total = cells.get((TOTAL, TOTAL))
    if total is None:
        return None
    population, pop_year = population_for(area, period.year, lookup_pop)
    pop_sex = population_by_sex(lookup_pop(area, Period(pop_year, 1, 12))) if pop_year else {}
    by_benefit_sex: dict[str, dict[str, float]] = {}
    for (benefit, sex), v in cells.items():
        if benefit != TOTAL and sex != TOTAL and v is not None:
            by_benefit_sex.setdefault(benefit, {})[sex] = float(v)
    return {
        "value": share(float(total), population),
        "complete": population is not None,
        # No "source" in components (numbers only, schemas/indicator-value.v1): the
        # indicator id itself says the figure is SCB's.
        "components": {
            "fye": float(total),
            "population": population,
            "population_year": pop_year,
            "population_by_sex": pop_sex,
            "by_benefit": {b: float(v) for (b, s), v in cells.items()
                           if s == TOTAL and b != TOTAL and v is not None},
            "by_sex": {s: float(v) for (b, s), v in cells.items()
                       if b == TOTAL and s != TOTAL and v is not None},
            "by_benefit_sex": by_benefit_sex,
            "months_reported": 12, "months": 12,
        },
        "revisions": {cell_key(k.split("/")[0], MEASURE, area, period.code,
                               {"benefit": k.split("/")[1], "sex": k.split("/")[2]}): int(r or 1)
                      for k, (r, _v) in official.items()},
    }


def gap(derived: float, official: float) -> tuple[str, float | None]:
    """("ok" | "mismatch", relative difference) of samstat's FYE against SCB's."""
    if not official:
        return ("ok" if not derived else "mismatch"), None
    relative = (derived - official) / official
    return ("mismatch" if abs(relative) > GAP_TOLERANCE else "ok"), relative
