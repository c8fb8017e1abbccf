"""Another association's plan (seed 003, Matchningsarena Timrå): its target styles are rules
that judge (relative to a baseline, staged), results split by the measures' dimensions, and
the plan loads into its own association beside Umeåregionen's."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from services.initiatives.registry import service
from services.initiatives.registry.errors import Conflict, Invalid
from services.initiatives.registry.plan_file import PLANS_DIR, PlanFileError, load_plan, parse_plan
from services.initiatives.registry.schemas import IndicatorCreate
from services.initiatives.report.judge import Point, judge, want

TIMRA = PLANS_DIR / "timra-2011.yaml"
STAGED = {"kind": "staged_target", "start": "2009-08-15", "direction": "rise",
          "stages": [{"after_months": 6, "value": 0.05}, {"after_months": 12, "value": 0.08},
                     {"after_months": 36, "value": 0.15}]}


def _doc() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(TIMRA.read_text(encoding="utf-8"))


def test_timra_loads_into_its_own_association_beside_umearegionen(session: Session) -> None:
    service.seed(session=session, year=2024)
    report = service.seed(session=session, plan=load_plan(TIMRA))
    assert (report.year, report.initiatives, report.indicators) == (2011, 5, 18)
    plans = {p.year: p for p in service.list_plans(session=session)}
    assert plans[2011].association == "samordningsforbundet-harnosand-timra"
    assert plans[2024].association == "samordningsforbundet"
    # Umeåregionen's 2024 plan stays the published one.
    assert {e["plan_year"] for e in service.registry_events(session=session)} == {2024}
    ini = service.get_initiative(session=session, number=4, year=2011)
    assert ini.convener == "kommun-2262" and ini.indicators[0].rules[0]["kind"] == \
        "staged_target"
    other = copy.deepcopy(_doc()) | {"association": {"code": "samordningsforbundet",
                                                     "name": "Umeåregionen"}}
    with pytest.raises(Conflict, match="belongs to samordningsforbundet-harnosand-timra"):
        service.seed(session=session, plan=parse_plan(other))


def test_results_split_by_the_dimensions_the_measures_have() -> None:
    by_id = {i["id"]: i for i in load_plan(TIMRA).indicators}
    women = by_id["t5_activity_compensation_to_work_studies__sex_k"]
    assert women["formula"]["numerator"]["dimensions"]["sex"] == "K"
    assert women["formula"]["denominator"]["dimensions"]["sex"] == "K"
    assert women["rules"] == [] and women["title_sv"].endswith("– kvinnor")
    assert {k for k in by_id if k.startswith("t1_transitions_to_work__")} == {
        f"t1_transitions_to_work__{d}" for d in (
            "group_adult", "group_youth", "disability_no", "disability_yes",
            "education_below_upper_secondary", "education_upper_secondary_or_more")}
    assert by_id["t2_long_term_unemployed__birth_region_outside_europe"]["formula"][
        "filters"]["dimensions"]["birth_region"] == "outside_europe"
    doc = _doc()
    doc["indicators"][3]["breakdowns"] = ["sex"]  # matching_cases has no sex
    with pytest.raises(PlanFileError, match=r"indicators\[3\]\.breakdowns.*'sex'"):
        parse_plan(doc, source="timra")


@pytest.mark.parametrize("value, verdict", [(13.8, "on_track"), (13.7, "off_track")])
def test_plus_15_percent_against_the_baseline(value: float, verdict: str) -> None:
    w = want([{"kind": "relative_to_baseline", "change": 0.15, "direction": "rise"}], None,
             {"period": "2009-08", "value": 12})
    assert w.shown == "rise"
    assert judge(Point("2011-01", value, None, True), w).verdict == verdict


def test_fewer_by_15_percent() -> None:
    w = want([{"kind": "relative_to_baseline", "change": 0.15, "direction": "fall"}], None,
             {"period": "2009-08", "value": 200})
    assert judge(Point("2011-01", 170, None, True), w).verdict == "on_track"
    assert judge(Point("2011-01", 171, None, True), w).verdict == "off_track"


@pytest.mark.parametrize("period, value, verdict", [
    ("2009-12", 0.0, "not_judged"),     # no stage due yet (the first is 2010-02-15)
    ("2010-02", 0.04, "off_track"),     # the first stage is due 2010-02-15, inside February
    ("2010-03", 0.05, "on_track"),      # 5 % after 6 months
    ("2010-03", 0.049, "off_track"),
    ("2010-09", 0.07, "off_track"),     # 8 % after 12 months (another 3 %)
    ("2010-09", 0.08, "on_track"),
    ("2012-08", 0.149, "off_track"),    # 15 % at the end
    ("2012-09", 0.15, "on_track"),
])
def test_staged_targets(period: str, value: float, verdict: str) -> None:
    assert judge(Point(period, value, None, True), want([STAGED], None)).verdict == verdict


def test_rules_are_checked_when_the_plan_is_loaded(session: Session) -> None:
    base = {"plan_year": 2011, "id": "x", "initiative": 1, "title_sv": "x", "title_en": "x",
            "unit": "persons", "areas": ["2262"],
            "formula": {"kind": "sum", "filters": {"measure": "matching_cases"}}}
    with pytest.raises(ValidationError, match="in order"):
        IndicatorCreate.model_validate(base | {"rules": [STAGED | {"stages": [
            {"after_months": 12, "value": 0.08}, {"after_months": 6, "value": 0.05}]}]})
    doc = _doc()
    doc["year"] = 2079
    doc["indicators"][0].pop("baseline")
    with pytest.raises(Invalid, match="relative_to_baseline needs a baseline"):
        service.seed(session=session, plan=parse_plan(doc))


def test_the_report_names_the_association_whose_plan_it_is(session: Session) -> None:
    """Timrå's report is headed by Samordningsförbundet Härnösand-Timrå, not Umeåregionen
    (the name was written into the page)."""
    from datetime import UTC, datetime

    from services.initiatives.report import data
    from services.initiatives.report.build import association_name, summarise
    from services.initiatives.report.html import report_page
    from services.initiatives.report.schemas import PlanReport

    service.seed(session=session, year=2024)
    service.seed(session=session, plan=load_plan(TIMRA))
    names = {year: association_name(data.load_plan(session, year).association)
             for year in (2011, 2024)}
    assert names == {2011: "Samordningsförbundet Härnösand-Timrå",
                     2024: "Samordningsförbundet Umeåregionen"}
    page = report_page(PlanReport(
        plan_year=2011, association=names[2011], plan_status="decided", decided_at=None,
        generated_at=datetime(2011, 2, 1, tzinfo=UTC), summary=summarise([]), fye=[],
        initiatives=[], source_errors=[]))
    assert "Samordningsförbundet Härnösand-Timrå · plan" in str(page.body) and \
        "Umeåregionen" not in str(page.body)
