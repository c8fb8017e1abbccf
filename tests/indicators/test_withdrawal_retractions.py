"""A withdrawal that removes the last cell behind a value takes the value back.

The worker's own processing (:class:`Pipeline`, dict tables) says a retraction
(indicator-value ``withdrawn: true``) for every value it had said and can no longer compute,
and resolves the data-quality findings that have nothing left to compare; the read model
forgets a retracted value in its current answers and keeps it in its history."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from samstat_kit.contracts import load_catalogue, validator
from samstat_kit.db import session_factory, session_scope
from samstat_kit.periods import parse
from services.indicators.api import service
from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.pipeline import Output, Pipeline

from .test_readmodel_data import delete, fye_components, load, value_doc

NOW = datetime(2024, 3, 1, tzinfo=UTC)
DISCHARGES = "torget_discharges_to_occupation"
CHECK = validator("indicator-value", 1)


def _pipeline() -> Pipeline:
    store: dict[str, dict[str, Any]] = {}
    return Pipeline(lambda name: store.setdefault(name, {}), Definitions(load_catalogue()),
                    clock=lambda: NOW)


def _send(p: Pipeline, *observations: dict[str, Any]) -> Output:
    """One message through the pipeline, acknowledged by the broker."""
    out = p.observations([{"observations": list(observations)}])
    for _key, doc in out.values:
        CHECK.validate(doc)  # a retraction is an indicator-value v1 too
    p.confirm(out)
    return out


def _said(out: Output, indicator: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["area"], d["period"]): d for _k, d in out.values if d["indicator"] == indicator}


def _withdrawn(obs: dict[str, Any]) -> dict[str, Any]:
    return obs | {"value": None, "revision": int(obs["revision"]) + 1, "withdrawn": True}


def _days(period: str, value: float, sex: str = "K") -> dict[str, Any]:
    return {"agency": "forsakringskassan", "measure": "benefit_net_days", "area": "2480",
            "period": period, "dimensions": {"benefit": "sickness", "sex": sex},
            "value": value, "revision": 1}


# SCB's population 20-64 of 2480 in 2023: 1,000, in its two cells (one sex alone is no total).
POPULATION = tuple({"agency": "scb", "measure": "population", "area": "2480", "period": "2023",
                    "dimensions": {"sex": sex, "age": "20-64"}, "value": 500, "revision": 1}
                   for sex in ("K", "M"))
OFFICIAL = {"agency": "scb", "measure": "fye_official", "area": "2480", "period": "2023",
            "dimensions": {"benefit": "_T", "sex": "_T"}, "value": 120.0, "revision": 1}


def test_withdrawing_the_only_cell_of_a_month_takes_back_the_month_and_its_enclosing() -> None:
    p = _pipeline()
    march = _days("2023-03", 3100.0)
    _send(p, *POPULATION, march)
    said = _said(_send(p, _withdrawn(march)), "fye_share")
    enclosing = {("2480", c) for c in ("2023-03", "2023-Q1", "2023-H1", "2023")}
    assert set(said) == enclosing, sorted(said)
    month = said[("2480", "2023-03")]
    assert month["withdrawn"] is True and month["value"] is None
    assert month["previous_value"] == pytest.approx(0.1)  # 3100 days / 31 / 1000
    assert month["components"] == {} and month["input_revisions"] == {}
    assert not month["complete"]
    # said once: a redelivered withdrawal has nothing more to say
    assert _said(_send(p, _withdrawn(march)), "fye_share") == {}
    # a value reported again is a value again, news after the retraction
    again = _said(_send(p, march | {"revision": 3}), "fye_share")[("2480", "2023-03")]
    assert again["value"] == pytest.approx(0.1) and again["previous_value"] is None
    assert "withdrawn" not in again


def test_a_month_with_cells_left_is_recomputed_not_taken_back() -> None:
    p = _pipeline()
    k, m = _days("2023-03", 3100.0), _days("2023-03", 1550.0, sex="M")
    _send(p, *POPULATION, k, m)
    said = _said(_send(p, _withdrawn(k)), "fye_share")[("2480", "2023-03")]
    assert said["value"] == pytest.approx(0.05) and "withdrawn" not in said


def test_a_retraction_lost_in_a_crash_is_said_again_on_redelivery() -> None:
    p = _pipeline()
    march = _days("2023-03", 3100.0)
    _send(p, *POPULATION, march)
    lost = p.observations([{"observations": [_withdrawn(march)]}])
    assert _said(lost, "fye_share")
    p.discard()  # sending failed: the broker redelivers the withdrawal
    said = _said(_send(p, _withdrawn(march)), "fye_share")
    assert said[("2480", "2023-03")]["withdrawn"] is True


def test_withdrawing_the_only_cell_of_a_month_takes_back_a_formulas_values() -> None:
    p = _pipeline()
    p.definition({"type": "indicator.upserted", "indicator": {
        "id": "discharges", "areas": ["2480"], "unit": "persons", "rules": [],
        "formula": {"kind": "sum", "filters": {"measure": DISCHARGES,
                                                 "dimensions": {"sex": "_T"}}}}})
    obs = {"agency": "kommun-2480", "measure": DISCHARGES, "area": "2480",
           "period": "2023-01", "dimensions": {"sex": "_T"}, "value": 10.0, "revision": 1}
    assert _said(_send(p, obs), "discharges")[("2480", "2023-Q1")]["value"] == 10.0
    said = _said(_send(p, _withdrawn(obs)), "discharges")
    assert set(said) == {("2480", c) for c in ("2023-01", "2023-Q1", "2023-H1", "2023")}
    assert all(d["withdrawn"] and d["value"] is None and d["previous_value"] == 10.0
               and d["unit"] == "persons" for d in said.values())


def test_withdrawing_scbs_official_figure_takes_back_the_official_share() -> None:
    p = _pipeline()
    assert ("2480", "2023") in _said(_send(p, *POPULATION, OFFICIAL), "fye_share_official")
    said = _said(_send(p, _withdrawn(OFFICIAL)), "fye_share_official")
    assert said[("2480", "2023")]["withdrawn"] is True
    assert said[("2480", "2023")]["previous_value"] == pytest.approx(0.12)


def test_withdrawing_scbs_total_takes_back_the_reconciliation_and_resolves_the_gap() -> None:
    p = _pipeline()
    own = _days("2023", 150.0 * 365)  # samstat's own 2023: 150 FYE, SCB's 120 (+25 %)
    first = _send(p, *POPULATION, OFFICIAL, own)
    assert _said(first, "fye_reconciliation")[("2480", "2023")]["value"] == pytest.approx(30)
    assert [d["status"] for _k, d in first.quality] == ["mismatch"]
    out = _send(p, _withdrawn(OFFICIAL))
    assert _said(out, "fye_reconciliation")[("2480", "2023")]["withdrawn"] is True
    gap = [d for _k, d in out.quality]
    assert [(d["status"], d["compared"], d["measure"]) for d in gap] == [
        ("ok", False, "fye_official")]
    assert (gap[0]["total"], gap[0]["parts_sum"]) == pytest.approx((120.0, 150.0))
    assert _send(p, _withdrawn(OFFICIAL)).quality == []  # said once


def test_samstats_year_becoming_incomplete_resolves_the_gap_as_not_compared() -> None:
    """A gap finding stayed open for good when samstat's own year lost a month: only a
    complete year is compared, and nothing said the comparison was over."""
    p = _pipeline()
    months = [_days(f"2023-{m:02d}", 150.0 * parse(f"2023-{m:02d}").days)
              for m in range(1, 13)]  # 150 FYE every month; SCB says 120 (+25 %)
    first = _send(p, *POPULATION, OFFICIAL, *months)
    assert [d["status"] for _k, d in first.quality] == ["mismatch"]
    out = _send(p, _withdrawn(months[2]))
    gap = [d for _k, d in out.quality]
    assert [(d["status"], d["compared"], d["period"]) for d in gap] == [
        ("ok", False, "2023")]
    assert (gap[0]["total"], gap[0]["parts_sum"]) == pytest.approx((120.0, 150.0))
    assert _send(p, _withdrawn(months[2])).quality == []  # said once
    # the month back: the year compares again, and the finding opens again
    back = _send(p, months[2] | {"revision": 3})
    assert [d["status"] for _k, d in back.quality] == ["mismatch"]


def _need(code: str, value: float) -> dict[str, Any]:
    return {"agency": "samordningsforbundet", "measure": "coordination_need_persons",
            "area": "umearegionen", "period": "2023", "dimensions": {"target_group": code},
            "value": value, "revision": 1}


PARTS = {"im_pupils": 172.0, "young_activity_compensation": 300.0,
         "sick_listed_unemployed": 500.0, "econ_assistance_zero_class": 600.0,
         "long_term_unemployed": 700.0, "no_benefit": 400.0, "probation_complex_needs": 161.0}


@pytest.mark.parametrize("gone", ["_T", "no_benefit"], ids=["the total", "a part"])
def test_withdrawing_the_total_or_a_part_resolves_the_total_versus_parts_finding(
        gone: str) -> None:
    p = _pipeline()
    cells = {"_T": _need("_T", 2670.0)} | {c: _need(c, v) for c, v in PARTS.items()}
    first = _send(p, *cells.values())
    assert [d["status"] for _k, d in first.quality] == ["mismatch"]  # 2670 against 2833
    out = _send(p, _withdrawn(cells[gone]))
    assert [(d["status"], d["compared"]) for _k, d in out.quality] == [("ok", False)]
    doc = out.quality[0][1]
    assert (doc["agency"], doc["dimension"], doc["dimensions"]) == (
        "samordningsforbundet", "target_group", {})
    assert (doc["total"], doc["parts_sum"]) == (2670.0, 2833.0)  # as last compared
    assert _send(p, _withdrawn(cells[gone])).quality == []  # said once


def test_a_consistent_group_losing_its_total_says_nothing() -> None:
    p = _pipeline()
    cells = {"_T": _need("_T", 2833.0)} | {c: _need(c, v) for c, v in PARTS.items()}
    assert _send(p, *cells.values()).quality == []
    assert _send(p, _withdrawn(cells["_T"])).quality == []


# --------------------------------------------------------------------------- read model

PERIOD = "2087-03"
BEFORE, AFTER = "2088-01-10T08:00:00+00:00", "2088-02-10T08:00:00+00:00"


def _fye_doc(area: str, fye: float, computed_at: str = BEFORE) -> dict[str, Any]:
    p = parse(PERIOD)
    return value_doc("fye_share", area, PERIOD, fye / 1000, unit="share",
                     components=fye_components(p, fye, 1000.0), computed_at=computed_at)


def _retraction(area: str, previous: float) -> dict[str, Any]:
    return value_doc("fye_share", area, PERIOD, None, unit="share", complete=False,
                     computed_at=AFTER) | {"previous_value": previous, "withdrawn": True}


@pytest.fixture
def loaded(db_url: str) -> Iterator[list[dict[str, Any]]]:
    docs = [_fye_doc("2480", 100.0), _fye_doc("2460", 50.0), _retraction("2480", 0.1)]
    for doc in docs:
        CHECK.validate(doc)
    load(db_url, docs[:2])
    load(db_url, docs[2:])
    yield docs
    delete(db_url, docs)


def test_the_read_model_forgets_a_retracted_value_but_keeps_its_history(
        db_url: str, loaded: list[dict[str, Any]]) -> None:
    cat = load_catalogue()
    before = datetime.fromisoformat(BEFORE)
    with session_scope(session_factory(db_url)) as session:
        assert service.fye(session=session, catalogue=cat, area="2480", period=PERIOD) is None
        then = service.fye(session=session, catalogue=cat, area="2480", period=PERIOD,
                           as_of=before)
        assert then is not None and then.fye == pytest.approx(100.0)
        # the region sums what is left: Vindeln's 50, no longer Umeå's 100
        region = service.fye(session=session, catalogue=cat, area="umearegionen",
                             period=PERIOD)
        assert region is not None and region.fye == pytest.approx(50.0)
        assert region.municipalities == ["2460"] and not region.complete
        # shown since Umeå's value was taken back, not since Vindeln's came (a review: a
        # reader syncing by computed_at never saw the region's sum change)
        assert region.computed_at == datetime.fromisoformat(AFTER)
        month = next(f for f in service.fye_series(session=session, catalogue=cat,
                                                   area="umearegionen", granularity="month")
                     if f.period == PERIOD)
        assert (month.fye, month.computed_at) == (pytest.approx(50.0),
                                                  datetime.fromisoformat(AFTER))
        was = service.fye(session=session, catalogue=cat, area="umearegionen",
                          period=PERIOD, as_of=before)
        assert was is not None and was.computed_at == before
        points = service.series(session=session, indicator="fye_share", area="2480").points
        assert PERIOD not in [pt.period for pt in points]
        rows = service.values(session=session, indicator="fye_share", areas=["2480", "2460"],
                              granularity="month")
        assert [(r.area, r.period) for r in rows if r.period == PERIOD] == [("2460", PERIOD)]
        series = service.fye_series(session=session, catalogue=cat, area="2480",
                                    granularity="month")
        assert PERIOD not in [f.period for f in series]
        history = service.value_history(session=session, indicator="fye_share",
                                        area="2480", period=PERIOD)
        assert [v.value for v in history] == [pytest.approx(0.1), None]
        shown = service.fye_history(session=session, catalogue=cat, area="2480",
                                    period=PERIOD)
        assert [v.fye for v in shown] == [pytest.approx(100.0), None]


def test_an_older_value_delivered_late_does_not_bring_a_retracted_one_back(
        db_url: str, loaded: list[dict[str, Any]]) -> None:
    load(db_url, [loaded[0]])  # redelivered: computed before the retraction
    with session_scope(session_factory(db_url)) as session:
        assert service.fye(session=session, catalogue=load_catalogue(), area="2480",
                           period=PERIOD) is None


def test_a_reader_syncing_with_updated_after_learns_of_the_retraction(
        db_url: str, loaded: list[dict[str, Any]]) -> None:
    """A client that fetches what changed since its last sync would otherwise keep Umeå's
    withdrawn figure for good: the change since then is that it was taken back."""
    from services.indicators.api import export, formats

    since = datetime.fromisoformat(BEFORE)
    with session_scope(session_factory(db_url)) as session:
        points = service.series(session=session, indicator="fye_share", area="2480",
                                granularity="month", updated_after=since).points
        gone = [pt for pt in points if pt.period == PERIOD]
        assert len(gone) == 1 and gone[0].withdrawn and gone[0].value is None
        # without updated_after the current answer simply has no such point
        now = service.series(session=session, indicator="fye_share", area="2480",
                             granularity="month").points
        assert PERIOD not in [pt.period for pt in now]
        rows = service.values(session=session, indicator="fye_share",
                              areas=["2480", "2460"], granularity="month",
                              updated_after=since)
    assert [(r.area, r.period, bool(r.withdrawn)) for r in rows] == [("2480", PERIOD, True)]
    table = list(csv.DictReader(io.StringIO(export.indicator_csv(rows, load_catalogue()))))
    assert [(t["area"], t["value"], t["withdrawn"]) for t in table] == [("2480", "", "true")]
    sdmx2 = list(csv.DictReader(io.StringIO(formats.indicator_sdmx_csv2("fye_share", rows))))
    assert [(t["REF_AREA"], t["ACTION"], t["OBS_VALUE"]) for t in sdmx2] == [("2480", "D", "")]
    # SDMX-CSV 1.0 has no way to say it: the value is left out, never shown as current
    sdmx1 = list(csv.DictReader(io.StringIO(export.indicator_sdmx_csv("fye_share", rows))))
    assert sdmx1 == []
