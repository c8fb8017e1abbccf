"""Registry formulas over current cell values, and aggregate areas built from members."""

from __future__ import annotations

from typing import Any

import pytest

from samstat_kit.contracts import load_catalogue
from samstat_kit.periods import parse
from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.domain.formulas.evaluate import evaluate, series_key
from services.indicators.domain.formulas.processor import FormulaProcessor
from services.indicators.domain.values import Emitter


def _obs(measure: str, area: str, period: str, dims: dict[str, str], value: float | None,
         revision: int = 1, agency: str | None = None) -> dict[str, Any]:
    return {"agency": agency or f"kommun-{area}", "measure": measure, "area": area,
            "period": period, "dimensions": dims, "value": value, "revision": revision}


def _definition(ident: str, formula: dict[str, Any], areas: list[str]) -> dict[str, Any]:
    return {"type": "indicator.upserted",
            "indicator": {"id": ident, "formula": formula, "areas": areas, "unit": "persons",
                          "rules": []}}


def _processor(*events: dict[str, Any]) -> FormulaProcessor:
    defs = Definitions(load_catalogue())
    for e in events:
        defs.apply_event(e)
    return FormulaProcessor({}, {}, Emitter({}), defs, lambda area, year: 1000.0)


DISCHARGES = {"kind": "sum", "filters": {"measure": "torget_discharges_to_occupation",
                                         "dimensions": {"sex": "_T"}}}


def _values(events: list[Any]) -> dict[tuple[str, str], Any]:
    return {(doc["area"], doc["period"]): doc for _k, doc in events}


def test_sum_rolls_months_up_and_follows_revisions() -> None:
    proc = _processor(_definition("d", DISCHARGES, ["2480"]))
    months = [_obs("torget_discharges_to_occupation", "2480", f"2023-0{m}", {"sex": "_T"}, 10.0)
              for m in (1, 2, 3)]
    events, forwards = proc.apply_observations(months)
    got = _values(events)
    assert got[("2480", "2023-Q1")]["value"] == 30.0
    assert got[("2480", "2023-Q1")]["complete"]
    assert not got[("2480", "2023")]["complete"]  # nine months missing
    assert forwards == []
    events, _ = proc.apply_observations([_obs("torget_discharges_to_occupation", "2480",
                                              "2023-02", {"sex": "_T"}, 25.0, revision=2)])
    q1 = _values(events)[("2480", "2023-Q1")]
    assert q1["value"] == 45.0 and q1["previous_value"] == 30.0
    key = "kommun-2480|torget_discharges_to_occupation|2480|2023-02|sex=_T"
    assert q1["input_revisions"][key] == 2
    # Stale and repeated revisions change nothing.
    assert proc.apply_observations([_obs("torget_discharges_to_occupation", "2480", "2023-02",
                                         {"sex": "_T"}, 99.0, revision=1)]) == ([], [])


def test_ratio_with_complement_and_year_ago() -> None:
    ratio = {"kind": "ratio", "complement": True,
             "numerator": {"measure": "matching_cases", "dimensions": {"stage": "referred"}},
             "denominator": {"measure": "matching_cases", "dimensions": {"stage": "identified"}}}
    proc = _processor(_definition("r", ratio, ["2480"]))
    cells = []
    for year, referred in (("2022", 20.0), ("2023", 10.0)):
        for stage, v in (("identified", 40.0), ("referred", referred)):
            dims = {"stage": stage} | {k: "_T" for k in
                                       load_catalogue().measures["matching_cases"].dimensions
                                       if k != "stage"}
            cells.append(_obs("matching_cases", "2480", year, dims, v))
    got = _values(proc.apply_observations(cells)[0])
    assert got[("2480", "2023")]["value"] == pytest.approx(0.75)
    assert got[("2480", "2023")]["year_ago_value"] == pytest.approx(0.5)


def test_last_aggregation_takes_the_period_end_stock() -> None:
    months = {f"2023-0{m}": {series_key("kommun-2480", {"x": "a"}): [1, float(m)]}
              for m in (1, 2, 3)}
    res = evaluate({"kind": "sum", "filters": {"measure": "m", "dimensions": {"x": "a"}}},
                   "2480", parse("2023-Q1"), lambda _m, p: months.get(p.code),
                   lambda _m: "last", lambda _y: None)
    assert res is not None and res.value == 3.0


def test_region_is_computed_from_forwarded_member_cells() -> None:
    proc = _processor(_definition("reg", DISCHARGES, ["umearegionen"]))
    events, forwards = proc.apply_observations([
        _obs("torget_discharges_to_occupation", "2480", "2023", {"sex": "_T"}, 30.0),
        _obs("torget_discharges_to_occupation", "2460", "2023", {"sex": "_T"}, 12.0),
    ])
    assert events == []  # the municipalities themselves are not computed for this indicator
    assert sorted(agg for agg, _ in forwards) == ["umearegionen", "umearegionen"]
    events, again = proc.apply_observations([obs for _agg, obs in forwards])
    assert again == []  # forwarded cells are not forwarded again
    got = _values(events)
    assert got[("umearegionen", "2023")]["value"] == 42.0
    # The region's inputs name the members' own cells.
    assert any("|2460|2023|" in k for k in got[("umearegionen", "2023")]["input_revisions"])
    # A member's correction reaches the region.
    _, fwd = proc.apply_observations([_obs("torget_discharges_to_occupation", "2460", "2023",
                                           {"sex": "_T"}, 2.0, revision=2)])
    events, _ = proc.apply_observations([obs for _agg, obs in fwd])
    assert _values(events)[("umearegionen", "2023")]["value"] == 32.0


def test_a_new_definition_is_computed_from_cells_already_held() -> None:
    proc = _processor()
    proc.apply_observations([_obs("torget_discharges_to_occupation", "2480", "2023-05",
                                  {"sex": "_T"}, 7.0)])
    definition = _definition("late", DISCHARGES, ["2480"])
    changed = proc.definitions.apply_event(definition)
    assert changed is not None
    got = _values(proc.recompute(changed, "2480"))
    assert got[("2480", "2023-05")]["value"] == 7.0
    assert got[("2480", "2023")]["value"] == 7.0
    assert proc.definitions.apply_event(definition) is None  # the periodic snapshot


FIGUR_4 = {"im_pupils": 172, "young_activity_compensation": 365, "sick_listed_unemployed": 523,
           "econ_assistance_zero_class": 274, "long_term_unemployed": 1305, "no_benefit": 125,
           "probation_complex_needs": 69}


def test_a_total_that_disagrees_with_its_parts_is_reported_then_cleared() -> None:
    """Seed 004's Figur 4: the document says 2 670 where its rows add up to 2 833."""
    proc = _processor()

    def need(group: str, value: float, revision: int = 1) -> dict[str, Any]:
        return _obs("coordination_need_persons", "umearegionen", "2023",
                    {"target_group": group}, value, revision, agency="samordningsforbundet")

    proc.apply_observations([need(g, v) for g, v in list(FIGUR_4.items())[:-1]])
    proc.apply_observations([need("_T", 2670)])
    assert proc.take_quality_events() == []  # a part is still missing: nothing to compare
    proc.apply_observations([need("probation_complex_needs", 69)])
    [(key, finding)] = proc.take_quality_events()
    assert key == "umearegionen"
    assert (finding["status"], finding["total"], finding["parts_sum"]) == ("mismatch", 2670,
                                                                           2833)
    assert finding["difference"] == 163 and finding["dimension"] == "target_group"
    proc.apply_observations([need("_T", 2670, revision=1)])  # redelivery: said once only
    assert proc.take_quality_events() == []
    proc.apply_observations([need("_T", 2833, revision=2)])  # the association corrects it
    [(_, cleared)] = proc.take_quality_events()
    assert cleared["status"] == "ok"
