"""Indicator-value documents for the read-model tests (exports, pages), and a check that they
are what the worker publishes (schema indicator-value.v1).

The shared test databases live for the whole session, so callers use years of their own and a
unique indicator id where they can, and :func:`delete` what they loaded.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete as sql_delete

from samstat_kit.contracts import validator
from samstat_kit.db import session_factory, session_scope
from samstat_kit.periods import Period, parse
from services.indicators.api import service
from services.indicators.api.models import IndicatorValue, IndicatorVersion
from services.indicators.domain.fye.maths import BENEFITS

REGION = ("2480", "2460", "2404", "2409", "2401", "2403")
# population 20-64 and a yearly FYE share, roughly like the real municipalities
PROFILE = {"2480": (79021, 0.108), "2460": (4800, 0.121), "2404": (3000, 0.139),
           "2409": (3700, 0.115), "2401": (3900, 0.131), "2403": (1300, 0.152)}
BENEFIT_SPLIT = dict(zip(BENEFITS, (0.20, 0.28, 0.23, 0.10, 0.15, 0.04), strict=True))
SEX_SPLIT = {"K": 0.53, "M": 0.47}
SEASON = (1.04, 1.05, 1.03, 1.0, 0.98, 0.95, 0.93, 0.94, 0.98, 1.01, 1.03, 1.06)


def value_doc(indicator: str, area: str, period: str, value: float | None, *,
              year_ago: float | None = None, unit: str = "persons", complete: bool = True,
              components: dict[str, Any] | None = None,
              computed_at: str = "2024-02-23T09:41:07+00:00") -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "indicator": indicator, "area": area, "period": period,
        "value": value, "previous_value": None, "year_ago_value": year_ago, "unit": unit,
        "components": components or {}, "input_revisions": {}, "complete": complete,
        "computed_at": computed_at,
    }


def fye_components(period: Period, fye: float, population: float | None) -> dict[str, Any]:
    return {
        "fye": fye, "net_days": fye * period.days, "days": period.days,
        "population": population, "population_year": period.year if population else None,
        "by_benefit": {b: fye * f for b, f in BENEFIT_SPLIT.items()},
        "by_sex": {s: fye * f for s, f in SEX_SPLIT.items()},
        "months_reported": period.n_months, "months": period.n_months,
    }


def fye_docs(years: Iterable[int], areas: Iterable[str] = REGION, *, last_year_months: int = 12,
             trend: float = -0.003) -> list[dict[str, Any]]:
    """fye_share for each area, by month and by year, like the worker emits them. The share
    falls by ``trend`` a year; the last year has only ``last_year_months`` months (provisional).
    """
    docs: list[dict[str, Any]] = []
    years = sorted(years)
    for area in areas:
        population, share = PROFILE[area]
        values: dict[str, float | None] = {}
        for n, year in enumerate(years):
            last = year == years[-1]
            months = last_year_months if last else 12
            s = share + trend * n
            year_days = 0.0
            for m in range(1, months + 1):
                p = Period(year, m, 1)
                fye = population * s * SEASON[m - 1]
                year_days += fye * p.days
                values[p.code] = fye / population
                ago = values.get(p.shift_years(-1).code)
                docs.append(value_doc("fye_share", area, p.code, fye / population, year_ago=ago,
                                      unit="share", components=fye_components(p, fye, population)))
            yp = Period(year, 1, 12)
            fye_year = year_days / yp.days
            values[yp.code] = fye_year / population
            comps = fye_components(yp, fye_year, population) | {"months_reported": months}
            docs.append(value_doc("fye_share", area, yp.code, fye_year / population,
                                  year_ago=values.get(str(year - 1)), unit="share",
                                  complete=months == 12, components=comps))
    return docs


def load(db_url: str, docs: list[dict[str, Any]]) -> None:
    with session_scope(session_factory(db_url)) as session:
        service.upsert_values(session=session, docs=docs)


def delete(db_url: str, docs: Iterable[dict[str, Any]]) -> None:
    keys = {(d["indicator"], d["area"], d["period"]) for d in docs}
    with session_scope(session_factory(db_url)) as session:
        for indicator in {k[0] for k in keys}:
            periods = {k[2] for k in keys if k[0] == indicator}
            areas = {k[1] for k in keys if k[0] == indicator}
            for model in (IndicatorValue, IndicatorVersion):  # and its history (as_of)
                session.execute(sql_delete(model).where(
                    model.indicator == indicator, model.area.in_(areas),
                    model.period.in_(periods)))


def test_the_documents_are_indicator_values() -> None:
    docs = [*fye_docs([2081, 2082], last_year_months=3),
            value_doc("t_x", "2480", "2081-H1", 4.0, year_ago=None)]
    check = validator("indicator-value", 1)
    for doc in docs:
        check.validate(doc)
    years = {d["period"]: d for d in docs if d["area"] == "2480" and len(d["period"]) == 4}
    assert years["2081"]["complete"] and not years["2082"]["complete"]
    assert years["2082"]["year_ago_value"] == years["2081"]["value"]
    # a year is the day-weighted mean of its months
    months = [d for d in docs if d["area"] == "2480" and d["indicator"] == "fye_share"
              and d["period"].startswith("2081-")]
    mean = sum(d["components"]["fye"] * parse(d["period"]).days for d in months) / 365
    assert abs(mean - years["2081"]["components"]["fye"]) < 1e-6
