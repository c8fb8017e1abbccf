"""FYE arithmetic and the stream processor's invariance under redelivery and reordering."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samstat_kit.cells import cell_key
from samstat_kit.periods import parse
from services.indicators.domain.fye.maths import combine, compute_fye, fye
from services.indicators.domain.fye.processor import FyeProcessor, state_key
from services.indicators.domain.values import Emitter


def test_two_half_years_of_full_unemployment_make_one_fye() -> None:
    # The definition's own example: two people fully unemployed for half a year each.
    year = parse("2023")
    h1, h2 = parse("2023-H1"), parse("2023-H2")
    assert fye(h1.days + h2.days, year) == 1.0
    entries = {"2023-H1": {"af/unemployment/K": [1, float(h1.days)]},
               "2023-H2": {"af/unemployment/M": [1, float(h2.days)]}}
    # Reported per half-year, read for the whole year: the year sums its months, so give months.
    months = {m.code: {"af/unemployment/K": [1, float(m.days)]} for m in h1.months}
    months |= {m.code: {"af/unemployment/M": [1, float(m.days)]} for m in h2.months}
    res = compute_fye(year, lambda p: months.get(p.code))
    assert res is not None
    assert abs(res.fye - 1.0) < 1e-12
    assert res.complete
    assert res.by_sex == {"K": h1.days / 365, "M": h2.days / 365}
    # A figure reported for the exact period wins over months.
    res_h1 = compute_fye(h1, lambda p: entries.get(p.code))
    assert res_h1 is not None and res_h1.fye == 1.0


def test_monthly_figures_add_up_to_the_year() -> None:
    months = {m.code: {"fk/sickness/K": [1, 100.0 * m.days]} for m in parse("2023").months}
    year = compute_fye(parse("2023"), lambda p: months.get(p.code))
    q2 = compute_fye(parse("2023-Q2"), lambda p: months.get(p.code))
    assert year is not None and q2 is not None
    assert abs(year.fye - 100.0) < 1e-9
    assert abs(q2.fye - 100.0) < 1e-9


def test_partial_and_suppressed_periods_are_incomplete() -> None:
    months = {"2023-01": {"fk/sickness/K": [1, 31.0]}, "2023-02": {"fk/sickness/K": [1, None]}}
    res = compute_fye(parse("2023-Q1"), lambda p: months.get(p.code))
    assert res is not None
    assert res.months_reported == 2 and not res.complete
    assert res.missing_values == 1


def test_combine_recomputes_the_share_from_sums() -> None:
    a = {"fye": 10.0, "population": 100.0, "by_benefit": {"x": 10.0}, "by_sex": {"K": 10.0}}
    b = {"fye": 30.0, "population": 100.0, "by_benefit": {"x": 30.0}, "by_sex": {"M": 30.0}}
    total = combine([a, b])
    assert total["share"] == 0.2
    assert total["by_sex"] == {"K": 10.0, "M": 30.0}
    assert combine([a, b | {"population": None}])["share"] is None


def _obs(area: str, period: str, benefit: str, sex: str, value: float | None,
         revision: int) -> dict[str, Any]:
    return {"agency": "forsakringskassan", "measure": "benefit_net_days", "area": area,
            "period": period, "dimensions": {"benefit": benefit, "sex": sex},
            "value": value, "revision": revision}


def _final_values(stream: list[dict[str, Any]]) -> dict[str, Any]:
    proc = FyeProcessor({}, {}, Emitter({}))
    latest: dict[str, Any] = {}
    for i in range(0, len(stream), 3):
        for _key, doc in proc.apply_observations(stream[i:i + 3]):
            latest[f"{doc['area']}|{doc['period']}"] = (doc["value"], doc["components"]["fye"])
    return latest


cells = st.tuples(st.sampled_from(["2480", "2460"]), st.sampled_from(["2022-01", "2023-01"]),
                  st.sampled_from(["sickness", "sickness_activity_compensation"]),
                  st.sampled_from(["K", "M"]))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(cells, st.integers(1, 5)), st.floats(0, 1e5), min_size=1,
                       max_size=25),
       st.randoms())
def test_processor_follows_current_cell_values(
    revisions: dict[tuple[Any, int], float], rnd: random.Random
) -> None:
    """Any order, with redelivery, gives the values of the highest revision of each cell."""
    stream = [_obs(a, p, b, s, v, r) for ((a, p, b, s), r), v in revisions.items()]
    delivered = stream + rnd.sample(stream, len(stream) // 2)
    rnd.shuffle(delivered)
    best: dict[tuple[str, ...], tuple[int, float]] = {}
    for (cell, r), v in revisions.items():
        if cell not in best or r > best[cell][0]:
            best[cell] = (r, v)
    totals: dict[str, float] = defaultdict(float)
    for (a, p, _b, _s), (_r, v) in best.items():
        totals[f"{a}|{p}"] += v
    got = _final_values(delivered)
    for key, total in totals.items():
        assert abs(got[key][1] - fye(total, parse(key.split("|")[1]))) < 1e-6


def test_year_ago_correction_reemits_the_later_year() -> None:
    proc = FyeProcessor({}, {}, Emitter({}))
    pop = [{"agency": "scb", "measure": "population", "area": "2480", "period": y,
            "dimensions": {"sex": sex, "age": "20-64"}, "value": 500, "revision": 1}
           for y in ("2022", "2023") for sex in ("K", "M")]
    proc.apply_observations(pop)
    proc.apply_observations([_obs("2480", "2022-05", "sickness", "K", 3100.0, 1),
                             _obs("2480", "2023-05", "sickness", "K", 6200.0, 1)])
    events = proc.apply_observations([_obs("2480", "2022-05", "sickness", "K", 6200.0, 2)])
    by_period = {doc["period"]: doc for _k, doc in events}
    assert by_period["2023-05"]["year_ago_value"] == by_period["2023-05"]["value"] == 0.2
    assert by_period["2022-05"]["previous_value"] == 0.1
    # input_revisions name the ingest log's cells (samstat_kit.cells), with their revisions
    cell = cell_key("forsakringskassan", "benefit_net_days", "2480", "2022-05",
                    {"benefit": "sickness", "sex": "K"})
    assert by_period["2022-05"]["input_revisions"] == {cell: 2}
    assert state_key("2480", "2022-05") in proc.days
    # The same message again changes nothing and says nothing.
    assert proc.apply_observations([_obs("2480", "2022-05", "sickness", "K", 6200.0, 2)]) == []


def test_reconciliation_against_scb_official_figure() -> None:
    proc = FyeProcessor({}, {}, Emitter({}))
    proc.apply_observations([_obs("2480", f"2023-{m:02d}", "sickness", "K", 3650.0 / 12,
                                  1) for m in range(1, 13)])
    events = proc.apply_observations([{
        "agency": "scb", "measure": "fye_official", "area": "2480", "period": "2023",
        "dimensions": {"benefit": "_T", "sex": "_T"}, "value": 9.5, "revision": 1}])
    [(key, doc)] = [e for e in events if e[1]["indicator"] == "fye_reconciliation"]
    assert key == "fye_reconciliation|2480"
    assert doc["components"]["derived"] == pytest.approx(10.0)
    assert doc["value"] == pytest.approx(0.5)
    # A later correction of the agency figures moves the gap.
    events = proc.apply_observations([_obs("2480", "2023-01", "sickness", "K", 0.0, 2)])
    rec = [d for _k, d in events if d["indicator"] == "fye_reconciliation"]
    assert rec[0]["value"] == pytest.approx(10.0 - 3650.0 / 12 / 365 - 9.5)


def test_output_lost_in_a_crash_is_said_again_on_redelivery() -> None:
    """The changelog kept the new cell but the event never reached the broker."""
    emitter = Emitter({})
    days: dict[str, Any] = {}
    proc = FyeProcessor(days, {}, emitter)
    message = [_obs("2480", "2023-05", "sickness", "K", 310.0, 1)]
    assert proc.apply_observations(message)
    emitter.discard()  # the sends failed: nothing is remembered as said
    again = FyeProcessor(days, {}, emitter).apply_observations(message)  # redelivered
    assert {doc["period"] for _k, doc in again} >= {"2023-05", "2023"}
    emitter.confirm()
    assert FyeProcessor(days, {}, emitter).apply_observations(message) == []


def test_what_was_sent_is_remembered_only_once_acknowledged() -> None:
    """The worker sends a buffer of messages, then awaits the acknowledgements once."""
    emitted: dict[str, Any] = {}
    emitter = Emitter(emitted)
    days: dict[str, Any] = {}
    proc = FyeProcessor(days, {}, emitter)
    first = [_obs("2480", "2023-05", "sickness", "K", 310.0, 1)]
    assert proc.apply_observations(first)
    memos = emitter.take()  # sent, not yet acknowledged
    assert not emitted
    # The next message of the buffer already knows what was said: no duplicate events.
    assert proc.apply_observations(first) == []
    second = [_obs("2480", "2023-06", "sickness", "K", 300.0, 1)]
    assert {doc["period"] for _k, doc in proc.apply_observations(second)} >= {"2023-06"}
    emitter.take()
    emitter.confirm(memos)  # the first message's output was acknowledged
    assert set(emitted) == set(memos) and emitter.unconfirmed
    emitter.discard()  # the second's sends failed: only the first is remembered
    assert "2023-05" not in {doc["period"] for _k, doc in
                             FyeProcessor(days, {}, emitter).apply_observations(first)}
    emitter.discard()
    again = FyeProcessor(days, {}, emitter).apply_observations(second)  # redelivered
    assert {doc["period"] for _k, doc in again} >= {"2023-06"}


def _population(year: str, sex: str, value: int) -> dict[str, Any]:
    return {"agency": "scb", "measure": "population", "area": "2480", "period": year,
            "dimensions": {"sex": sex, "age": "20-64"}, "value": value, "revision": 1}


def test_one_sexs_population_is_no_denominator() -> None:
    """The FYE counts both sexes: over one sex's population the share came out about twice
    the truth. Until the year's second cell is in, the year before's population stands in,
    and without one the share is not given."""
    proc = FyeProcessor({}, {}, Emitter({}))
    proc.apply_observations([_population("2023", "K", 500)])
    events = proc.apply_observations([_obs("2480", "2023-05", "sickness", "K", 3100.0, 1)])
    may = {doc["period"]: doc for _k, doc in events}["2023-05"]
    assert may["value"] is None and may["complete"] is False
    proc.apply_observations([_population("2022", "K", 480), _population("2022", "M", 520)])
    events = proc.apply_observations([_obs("2480", "2023-05", "sickness", "K", 6200.0, 2)])
    may = {doc["period"]: doc for _k, doc in events}["2023-05"]
    assert may["value"] == pytest.approx(6200.0 / 31 / 1000)
    assert may["components"]["population_year"] == 2022
    events = proc.apply_observations([_population("2023", "M", 500)])
    may = {doc["period"]: doc for _k, doc in events}["2023-05"]
    assert may["value"] == pytest.approx(0.2) and may["components"]["population_year"] == 2023


def test_a_period_is_complete_only_when_every_agency_has_every_month() -> None:
    # The demo's start: Försäkringskassan's October to December are in, Arbetsförmedlingen's
    # not yet. Every month had a cell, so the quarter read as complete, at half the share.
    q4 = parse("2024-Q4")
    cells = {m.code: {"fk/sickness/K": [1, 31.0], "af/unemployment/M": [1, 31.0]}
             for m in q4.months}
    cells["2024-12"] = {"fk/sickness/K": [1, 31.0]}
    res = compute_fye(q4, lambda p: cells.get(p.code))
    assert res is not None and (res.months_reported, res.complete) == (2, False)
    # Arbetsförmedlingen has none of the quarter yet: the year-ago quarter says it is expected.
    fk_only = {m.code: {"fk/sickness/K": [1, 31.0]} for m in q4.months}
    res = compute_fye(q4, lambda p: fk_only.get(p.code), expected=frozenset({"fk", "af"}))
    assert res is not None and (res.months_reported, res.complete) == (0, False)
    assert compute_fye(q4, lambda p: fk_only.get(p.code), expected=frozenset({"fk"})).complete
    # A yearly figure of one agency covers its own months, not another agency's.
    year = parse("2024")
    mixed = {"2024": {"kv/economic_assistance/K": [1, 366.0]}}
    mixed |= {m.code: {"fk/sickness/K": [1, 1.0]} for m in year.months[:11]}
    res = compute_fye(year, lambda p: mixed.get(p.code))
    assert res is not None and (res.months_reported, res.complete) == (11, False)
    mixed["2024-12"] = {"fk/sickness/K": [1, 1.0]}
    assert compute_fye(year, lambda p: mixed.get(p.code)).complete
