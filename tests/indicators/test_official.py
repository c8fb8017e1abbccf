"""Nation and county from SCB's official figures until samstat's own sum is complete; the gap
between the two raises a data-quality finding. SCB's samples go through the worker's FYE
processor and into the read model on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat_kit.contracts import validator
from samstat_kit.periods import Period, parse
from services.indicators.app import create_app
from services.indicators.config import IndicatorsSettings
from services.indicators.domain.fye import official as scb_figures
from services.indicators.domain.fye.official import GAP_TOLERANCE

from .official_data import (
    delete,
    load,
    official_docs,
    official_total,
    processor,
    scb_observations,
)

NATION_FYE_2021, NATION_POP_2021 = 784_018, 5_903_486
REGION = ("2401", "2403", "2404", "2409", "2460", "2480")


@pytest.fixture
def official(db_url: str) -> Iterator[list[dict[str, Any]]]:
    docs = official_docs()
    load(db_url, docs)
    yield docs
    delete(db_url, docs)


def _obs(area: str, period: str, benefit: str, sex: str, value: float) -> dict[str, Any]:
    agency = "forsakringskassan" if benefit.startswith("sick") else "arbetsformedlingen"
    return {"agency": agency, "measure": "benefit_net_days", "area": area, "period": period,
            "dimensions": {"benefit": benefit, "sex": sex}, "value": value, "revision": 1}


def test_the_processor_publishes_scbs_official_share() -> None:
    docs = {(d["area"], d["period"]): d for d in official_docs()
            if d["indicator"] == "fye_share_official"}
    nation = docs[("0000", "2021")]
    assert nation["value"] == pytest.approx(NATION_FYE_2021 / NATION_POP_2021)
    assert round(nation["value"], 3) == 0.133  # SCB: 13.3 % in 2021
    c = nation["components"]
    # SCB publishes months; the year is their day-weighted mean (rounded months: ±0.5)
    assert c["fye"] == pytest.approx(NATION_FYE_2021, abs=0.5)
    assert c["population"] == NATION_POP_2021
    check = validator("indicator-value", 1)  # the public contract of the event
    for doc in official_docs():
        check.validate(doc)
    assert sum(c["population_by_sex"].values()) == NATION_POP_2021
    assert sum(c["by_sex"].values()) == pytest.approx(NATION_FYE_2021)
    assert sum(sum(r.values()) for r in c["by_benefit_sex"].values()) == \
        pytest.approx(NATION_FYE_2021)
    assert {a for a, _p in docs} == {"0000", "24", *REGION}
    assert {p for _a, p in docs} == {str(y) for y in range(2014, 2025)}
    assert nation["year_ago_value"] == docs[("0000", "2020")]["value"]


def test_nation_and_county_come_from_scb_until_every_member_reported(
        client: TestClient, bearer: dict, official: list) -> None:
    r = client.get("/v1/fye/0000/2021", headers=bearer)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "scb-official"
    assert body["fye"] == pytest.approx(NATION_FYE_2021, abs=0.5)
    assert body["population"] == NATION_POP_2021 and body["members"] == 290
    assert body["share_by_sex"]["K"] == pytest.approx(
        body["by_sex"]["K"] / body["population_by_sex"]["K"])
    county = client.get("/v1/fye/24/2019", headers=bearer).json()
    assert county["source"] == "scb-official" and county["members"] == 15
    # the region is not an SCB area: the sum of its members' official figures
    region = client.get("/v1/fye/umearegionen/2019", headers=bearer).json()
    members = [client.get(f"/v1/fye/{m}/2019", headers=bearer).json() for m in REGION]
    assert region["source"] == "scb-official"
    assert region["fye"] == pytest.approx(sum(m["fye"] for m in members))
    assert region["population"] == pytest.approx(sum(m["population"] for m in members))
    rows = client.get("/v1/fye/2480/2021/comparison", headers=bearer).json()["rows"]
    assert [(x["area"], x["source"]) for x in rows] == [
        ("2480", "scb-official"), ("umearegionen", "scb-official"), ("24", "scb-official"),
        ("0000", "scb-official"), ("group:large-university-towns", None)]
    # the default group of similar towns: none of Luleå, Uppsala ... has a figure here
    assert rows[4]["level"] == "group" and rows[4]["share"] is None
    assert "2580" in rows[4]["members"]
    assert rows[3]["share"] == pytest.approx(NATION_FYE_2021 / NATION_POP_2021)
    assert rows[3]["share_year_ago"] is not None and rows[3]["change"] is not None


def test_own_complete_figures_replace_the_official_ones(
        client: TestClient, bearer: dict, official: list, db_url: str) -> None:
    fye = processor()
    fye.apply_observations(scb_observations())
    obs = [_obs(m, "2022", b, s, 1000.0) for m in REGION
           for b in ("sickness", "unemployment") for s in ("K", "M")]
    computed = [d for _k, d in fye.apply_observations(obs)]
    load(db_url, computed)
    try:
        region = client.get("/v1/fye/umearegionen/2022", headers=bearer).json()
        assert region["source"] == "computed" and region["complete"]
        assert region["fye"] == pytest.approx(6 * 4 * 1000 / 365)
        assert sorted(region["municipalities"]) == sorted(REGION)
        assert region["by_benefit_sex"]["sickness"]["K"] == pytest.approx(6 * 1000 / 365)
        # 6 of Västerbotten's 15 municipalities reported: the county stays official
        county = client.get("/v1/fye/24/2022", headers=bearer).json()
        assert county["source"] == "scb-official"
    finally:
        delete(db_url, computed)


def test_a_gap_beyond_the_tolerance_raises_a_finding_for_the_association() -> None:
    fye = processor()
    fye.apply_observations(scb_observations())
    year = Period(2021, 1, 12)
    official = official_total(fye, "2480", year)
    # samstat's own figure 20 % above SCB's: a mismatch
    findings = _gap_findings(fye, _like_scb(fye, "2480", year, 1.2))
    assert [(f["status"], f["agency"], f["measure"]) for f in findings] == [
        ("mismatch", "samordningsforbundet", "fye_official")]
    assert findings[0]["total"] == official
    assert findings[0]["parts_sum"] == pytest.approx(official * 1.2, rel=0.01)
    # a revision brings it within the tolerance: resolved, once
    revised = _like_scb(fye, "2480", year, 1 + GAP_TOLERANCE / 2, revision=2)
    assert [f["status"] for f in _gap_findings(fye, revised)] == ["ok"]
    assert _gap_findings(fye, revised) == []  # redelivery says nothing again


def _like_scb(fye: Any, area: str, period: Period, factor: float, revision: int = 1
              ) -> list[dict[str, Any]]:
    """samstat's own net days for ``period``: every benefit and sex SCB has for it, each
    ``factor`` times SCB's figure (the two compare only when samstat's covers SCB's
    benefits)."""
    parts = scb_figures.parts_of(period, lambda code: fye.official.get(f"{area}|{code}"))
    return [_obs(area, period.code, b, s, v * factor * period.days) | {"revision": revision}
            for (b, s), v in scb_figures.values_of(period, parts).items()
            if scb_figures.TOTAL not in (b, s) and v]


def _gap_findings(fye: Any, obs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    fye.apply_observations(obs)
    fye.emitter.confirm()
    return [d for _k, d in fye.take_quality_events()]


def test_an_incomplete_own_figure_raises_no_finding() -> None:
    """One month of 2021 is a complete month and an incomplete year: SCB's month is
    compared, its year is not."""
    fye = processor()
    fye.apply_observations(scb_observations())
    findings = _gap_findings(fye, _like_scb(fye, "2480", Period(2021, 1, 1), 0.5))
    assert [f["period"] for f in findings] == ["2021-01"]


def test_samstats_figure_lacking_a_benefit_is_compared_on_the_benefits_it_has() -> None:
    """Every month in, but one agency's benefits not (a first load of history, an agency
    late): compared with SCB's whole total, samstat's sum opened a finding that the agency's
    figures closed a moment later (the demo's first minute: 156 of them). Like with like:
    the benefits both have."""
    fye = processor()
    fye.apply_observations(scb_observations())
    year = Period(2021, 1, 12)
    own = _like_scb(fye, "2480", year, 1.0)
    late = [o for o in own if o["dimensions"]["benefit"] == "unemployment"]
    assert late and len(late) < len(own)
    assert _gap_findings(fye, [o for o in own if o not in late]) == []
    assert _gap_findings(fye, late) == []  # whole now, and it agrees


def test_an_agencys_year_half_in_is_not_compared_as_half_of_scbs() -> None:
    """Each agency's months arrive in several messages: while one has sent half its year,
    that benefit is not in yet, not a figure half of SCB's (a review saw the comparisons of
    the demo open and close again as each agency's year arrived)."""
    fye = processor()
    fye.apply_observations(scb_observations())
    months = [Period(2021, m, 1) for m in range(1, 13)]
    own = [o for m in months for o in _like_scb(fye, "2480", m, 1.0)]
    late = [o for o in own if o["dimensions"]["benefit"] == "unemployment"
            and o["period"] >= "2021-07"]
    assert late
    first = _gap_findings(fye, [o for o in own if o not in late])
    assert [f for f in first if f["period"] == "2021"] == []
    assert [f for f in _gap_findings(fye, late) if f["period"] == "2021"] == []


def test_a_benefit_off_from_scbs_is_found_while_another_is_not_in() -> None:
    fye = processor()
    fye.apply_observations(scb_observations())
    year = Period(2021, 1, 12)
    high = [o for o in _like_scb(fye, "2480", year, 1.5)
            if o["dimensions"]["benefit"] != "unemployment"]
    [found] = _gap_findings(fye, high)
    shared = sum(v for (b, s), v in scb_figures.values_of(year, scb_figures.parts_of(
        year, lambda code: fye.official.get(f"2480|{code}"))).items()
        if s == "_T" and b not in ("_T", "unemployment") and v)
    assert found["status"] == "mismatch"
    assert found["total"] == pytest.approx(shared)
    assert found["parts_sum"] == pytest.approx(shared * 1.5, rel=0.01)


def test_a_benefit_reported_as_zero_is_compared_and_keeps_a_finding_open() -> None:
    """An agency's 0 is a figure, not a benefit not in yet (a review: a 0 hid a real gap
    and closed an open finding as 'not compared')."""
    fye = processor()
    fye.apply_observations(scb_observations())
    year = Period(2021, 1, 12)
    zeroed = [o | {"value": 0.0} if o["dimensions"]["benefit"] == "unemployment" else o
              for o in _like_scb(fye, "2480", year, 1.0)]
    assert [f["status"] for f in _gap_findings(fye, zeroed)] == ["mismatch"]
    other = processor()
    other.apply_observations(scb_observations())
    assert [f["status"] for f in _gap_findings(
        other, _like_scb(other, "2480", year, 1.5))] == ["mismatch"]
    again = [o | {"value": 0.0, "revision": 2} for o in _like_scb(other, "2480", year, 1.5)
             if o["dimensions"]["benefit"] == "unemployment"]
    assert [f["status"] for f in _gap_findings(other, again)] in ([], ["mismatch"])


def test_a_month_is_compared_with_scbs_month() -> None:
    fye = processor()
    fye.apply_observations(scb_observations())
    month = Period(2021, 3, 1)
    official = official_total(fye, "2480", month)
    assert official == fye.official["2480|2021-03"]["scb/_T/_T"][1]
    assert _gap_findings(fye, _like_scb(fye, "2480", month, 1 + GAP_TOLERANCE / 2)) == []
    far = _gap_findings(fye, _like_scb(fye, "2480", month, 2 + GAP_TOLERANCE, revision=2))
    assert [(f["period"], f["status"]) for f in far] == [("2021-03", "mismatch")]
    assert far[0]["total"] == official


def test_scbs_months_arriving_after_samstats_own_year_are_compared_with_it() -> None:
    """SCB publishes with a lag: samstat's own 2021 is complete first, and the year is
    compared when SCB's last month arrives, not only the months."""
    scb = scb_observations()
    fye = processor()
    fye.apply_observations([o for o in scb if o["measure"] == "population"])
    own = [_obs("2480", o["period"], o["dimensions"]["benefit"], o["dimensions"]["sex"],
                o["value"] * 1.2 * parse(o["period"]).days)
           for o in scb if o["measure"] == "fye_official" and o["area"] == "2480"
           and o["period"].startswith("2021-") and o["value"]
           and "_T" not in o["dimensions"].values()]
    assert _gap_findings(fye, own) == []  # nothing of SCB's yet
    findings = _gap_findings(fye, [o for o in scb if o["measure"] == "fye_official"])
    year = [f for f in findings if (f["area"], f["period"]) == ("2480", "2021")]
    assert [f["status"] for f in year] == ["mismatch"]
    assert year[0]["total"] == pytest.approx(official_total(fye, "2480", Period(2021, 1, 12)))
    assert year[0]["parts_sum"] == pytest.approx(year[0]["total"] * 1.2, rel=0.01)


def test_a_year_needs_all_twelve_of_scbs_months() -> None:
    """SCB's year is the day-weighted mean of its months; eleven months are no year, and a
    month withheld ("..") withholds the year's cell."""
    obs = scb_observations()
    days = {f"2021-{m:02d}": Period(2021, m, 1).days for m in range(1, 13)}
    nation = [o for o in obs if (o["area"], o["measure"]) == ("0000", "fye_official")
              and o["period"] in days and o["dimensions"] == {"benefit": "_T", "sex": "_T"}]
    assert sum(o["value"] * days[o["period"]] for o in nation) / 365 == pytest.approx(
        NATION_FYE_2021, abs=0.5)
    without_may = [o for o in obs if not (o["area"] == "0000" and o["period"] == "2021-05"
                                          and o["measure"] == "fye_official")]
    docs = {(d["indicator"], d["area"], d["period"]) for d in official_docs(
        processor(), without_may)}
    assert ("fye_share_official", "0000", "2021") not in docs
    assert ("fye_share_official", "0000", "2022") in docs
    withheld = [o | {"value": None, "conf_status": "C"} if o["area"] == "2480"
                and o["period"] == "2021-07" and o["dimensions"]["benefit"] == "sickness"
                and o["measure"] == "fye_official" else o for o in obs]
    umea = next(d for d in official_docs(processor(), withheld)
                if (d["indicator"], d["area"], d["period"]) == ("fye_share_official", "2480",
                                                                 "2021"))
    assert "sickness" not in umea["components"]["by_benefit"]
    assert umea["components"]["by_benefit"]["unemployment"] > 0


def test_a_configured_comparison_group_is_summed_like_a_region(
        db_url: str, bearer: dict, official: list, tmp_path: Path) -> None:
    groups = tmp_path / "groups.json"
    groups.write_text(json.dumps({"groups": [
        {"id": "small", "name": "Små grannkommuner", "members": ["2401", "2403", "2404"],
         "for": ["2409"]}]}))
    client = TestClient(create_app(IndicatorsSettings(database_url=db_url,
                                                      comparison_groups_file=groups)))
    rows = client.get("/v1/fye/2409/2020/comparison", headers=bearer).json()["rows"]
    group = rows[-1]
    members = [client.get(f"/v1/fye/{m}/2020", headers=bearer).json()
               for m in ("2401", "2403", "2404")]
    assert (group["area"], group["name"], group["source"]) == (
        "group:small", "Små grannkommuner", "scb-official")
    assert group["share"] == pytest.approx(sum(m["fye"] for m in members)
                                           / sum(m["population"] for m in members))
    assert group["change"] is not None
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"groups": [{"id": "x", "members": ["9999"]}]}))
    with pytest.raises(ValueError, match="unknown municipalities"):
        create_app(IndicatorsSettings(database_url=db_url, comparison_groups_file=bad))


def test_the_gap_finding_becomes_an_alert_for_the_association(session: Any) -> None:
    """The finding as notify takes it from the data-quality topic (its own handler, a real
    database): an alert whose convener is the association, resolved when the gap closes."""
    from datetime import UTC, datetime

    from services.notify.alerts.quality import handle_data_quality

    fye = processor()
    fye.apply_observations(scb_observations())
    far = _gap_findings(fye, _like_scb(fye, "2409", Period(2020, 1, 12), 2.0))
    alert = handle_data_quality(session=session, doc=far[0], now=datetime.now(UTC))
    assert alert is not None and alert.status == "firing"
    assert (alert.convener, alert.area, alert.period) == ("samordningsforbundet", "2409",
                                                          "2020")
    near = _gap_findings(fye, _like_scb(fye, "2409", Period(2020, 1, 12), 1.0, revision=2))
    resolved = handle_data_quality(session=session, doc=near[0], now=datetime.now(UTC))
    assert resolved is not None and resolved.status == "resolved"
