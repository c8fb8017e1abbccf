"""A withdrawn cell stays withdrawn in the worker whatever order its revisions arrive in.

The relay can publish a cell's withdrawal before the value it withdraws (a dead replica's
leased rows go out after its lease), and a replay can too: the worker keeps a tombstone (the
withdrawal's revision) so a lower revision arriving later is refused, and every reader of the
stored cells treats a tombstone as absent."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from samstat_kit.contracts import load_catalogue
from samstat_kit.periods import parse
from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.domain.formulas.evaluate import Inputs, series_values
from services.indicators.domain.formulas.processor import FormulaProcessor
from services.indicators.domain.fye import official
from services.indicators.domain.fye.maths import (
    apply,
    compute_fye,
    fye,
    population_by_sex,
    population_total,
)
from services.indicators.domain.fye.processor import FyeProcessor, state_key
from services.indicators.domain.quality import check_totals
from services.indicators.domain.values import Emitter
from services.indicators.pipeline import Output, Pipeline

NOW = datetime(2024, 3, 1, tzinfo=UTC)
DISCHARGES = "torget_discharges_to_occupation"
KEY = "forsakringskassan/sickness/K"


def _days(period: str, value: float | None, revision: int = 1, withdrawn: bool = False,
          area: str = "2480", sex: str = "K") -> dict[str, Any]:
    doc = {"agency": "forsakringskassan", "measure": "benefit_net_days", "area": area,
           "period": period, "dimensions": {"benefit": "sickness", "sex": sex},
           "value": value, "revision": revision}
    return doc | ({"withdrawn": True} if withdrawn else {})


POPULATION = {"agency": "scb", "measure": "population", "area": "2480", "period": "2023",
              "dimensions": {"sex": "K", "age": "20-64"}, "value": 1000, "revision": 1}


def _pipeline(store: dict[str, dict[str, Any]]) -> Pipeline:
    return Pipeline(lambda name: store.setdefault(name, {}), Definitions(load_catalogue()),
                    clock=lambda: NOW)


def _said(out: Output, indicator: str = "fye_share") -> dict[tuple[str, str], Any]:
    return {(d["area"], d["period"]): d["value"] for _k, d in out.values
            if d["indicator"] == indicator}


# A cell's revisions: revision -> its value, or None for a withdrawal ("withdrawn").
revisions = st.dictionaries(st.integers(1, 6),
                            st.one_of(st.none(), st.floats(0, 1e5)), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(revisions, st.randoms())
def test_any_delivery_order_ends_in_the_state_of_the_highest_revision(
        history: dict[int, float | None], rnd: random.Random) -> None:
    """Withdrawals included, redelivery included: the stored entry is the same as in order,
    and reads as the highest revision (absent when that is a withdrawal)."""
    stream = sorted(history.items())
    delivered = stream + rnd.sample(stream, len(stream) // 2)
    rnd.shuffle(delivered)

    def state(order: list[tuple[int, float | None]]) -> dict[str, Any] | None:
        entry = None
        for rev, value in order:
            entry = apply(entry, KEY, rev, value, withdrawn=value is None) or entry
        return entry

    in_order, shuffled = state(stream), state(delivered)
    assert shuffled == in_order
    top = history[max(history)]
    fyes = compute_fye(parse("2023-01"), lambda p: shuffled)
    if top is None:
        assert fyes is None  # only a tombstone: nothing reported
    else:
        assert fyes is not None and fyes.net_days == top


def test_a_withdrawal_of_an_unknown_cell_refuses_its_older_revisions() -> None:
    entry = apply(None, KEY, 2, None, withdrawn=True)
    assert entry is not None  # remembered: the value it withdraws may still be on its way
    assert apply(entry, KEY, 1, 31000.0) is None
    assert apply(entry, KEY, 2, 31000.0) is None
    assert compute_fye(parse("2023-10"), lambda p: entry) is None
    again = apply(entry, KEY, 3, 62000.0)  # a new value after the withdrawal counts
    assert again is not None
    result = compute_fye(parse("2023-10"), lambda p: again)
    assert result is not None and result.net_days == 62000.0


def test_a_tombstone_is_compact_and_survives_the_changelog() -> None:
    """Faust's tables keep their values as JSON (changelog, RocksDB): a tombstone must come
    back as one, and costs no more than the cell it replaces."""
    live = apply(None, KEY, 1, 31000.0)
    gone = apply(live, KEY, 2, None, withdrawn=True)
    assert gone is not None and live is not None
    restored = json.loads(json.dumps(gone))
    assert restored == gone
    assert apply(restored, KEY, 1, 31000.0) is None
    assert len(json.dumps(gone[KEY])) <= len(json.dumps(live[KEY]))


cells = st.tuples(st.sampled_from(["2480", "2460"]), st.sampled_from(["2022-01", "2023-01"]),
                  st.sampled_from(["sickness", "unemployment"]), st.sampled_from(["K", "M"]))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(cells, st.integers(1, 4)),
                       st.one_of(st.none(), st.floats(0, 1e5)), min_size=1, max_size=25),
       st.randoms())
def test_the_fye_processor_follows_withdrawals_in_any_order(
        history: dict[tuple[Any, int], float | None], rnd: random.Random) -> None:
    stream = [_days(p, v, r, withdrawn=v is None, area=a, sex=s) |
              {"dimensions": {"benefit": b, "sex": s}}
              for ((a, p, b, s), r), v in history.items()]
    delivered = stream + rnd.sample(stream, len(stream) // 2)
    rnd.shuffle(delivered)
    best: dict[tuple[str, ...], tuple[int, float | None]] = {}
    for (cell, r), v in history.items():
        if cell not in best or r > best[cell][0]:
            best[cell] = (r, v)
    totals: dict[str, float] = {}
    for (a, p, _b, _s), (_r, v) in best.items():
        if v is not None:
            totals[f"{a}|{p}"] = totals.get(f"{a}|{p}", 0.0) + v
    proc = FyeProcessor({}, {}, Emitter({}))
    for i in range(0, len(delivered), 3):
        proc.apply_observations(delivered[i:i + 3])
    for a, p in {(a, p) for (a, p, _b, _s), _r in history}:
        got = compute_fye(parse(p), lambda q, a=a: proc.days.get(state_key(a, q.code)))
        if f"{a}|{p}" not in totals:
            assert got is None, f"{a}|{p} counts withdrawn cells"
        else:
            assert got is not None
            assert abs(got.fye - fye(totals[f"{a}|{p}"], parse(p))) < 1e-6


def test_a_withdrawal_overtaken_by_its_value_keeps_the_cell_withdrawn() -> None:
    """The review's relay scenario: revision 2 (the withdrawal) is published before revision 1;
    the worker, and a worker restarted from its changelogs, never count the value."""
    store: dict[str, dict[str, Any]] = {}
    pipeline = _pipeline(store)
    said: dict[tuple[str, str], Any] = {}
    for obs in (POPULATION, _days("2023-10", None, 2, withdrawn=True)):
        out = pipeline.observations([{"observations": [obs]}])
        pipeline.confirm(out)
        said |= _said(out)
    restored = json.loads(json.dumps(store))  # faust restores the tables from JSON
    for worker, tables in ((pipeline, store), (_pipeline(restored), restored)):
        out = worker.observations([{"observations": [_days("2023-10", 31000.0, 1)]}])
        worker.confirm(out)
        assert all(v is None for v in _said(out).values()), _said(out)
        entry = tables["fye-days-by-year"].get("2480|2023", {}).get("2023-10")
        assert compute_fye(parse("2023-10"), lambda p, e=entry: e) is None


def test_a_population_withdrawn_before_its_value_is_no_population() -> None:
    proc = FyeProcessor({}, {}, Emitter({}))
    proc.apply_observations([POPULATION | {"value": None, "revision": 2, "withdrawn": True},
                             POPULATION, _days("2023-10", 31000.0)])
    entry = proc.population.get(state_key("2480", "2023"))
    assert population_total(entry) is None and population_by_sex(entry) == {}
    evaluated = proc._evaluate("2480", parse("2023-10"))
    assert evaluated is not None and evaluated["value"] is None


def test_scbs_official_figure_withdrawn_before_its_value_is_no_figure() -> None:
    off = {"agency": "scb", "measure": "fye_official", "area": "2480", "period": "2023",
           "dimensions": {"benefit": "_T", "sex": "_T"}, "value": 120.0, "revision": 1}
    proc = FyeProcessor({}, {}, Emitter({}))
    proc.apply_observations([off | {"value": None, "revision": 2, "withdrawn": True}, off,
                             POPULATION])
    assert official.parts_of(parse("2023"), lambda code: proc.official.get(
        state_key("2480", code))) == {}
    assert proc.official_event("2480", parse("2023")) is None
    # A year from SCB's months: a withdrawn month is a missing month.
    months = {m.code: {"scb/_T/_T": [1, 10.0]} for m in parse("2023").months}
    months["2023-05"] = {"scb/_T/_T": [2]}
    assert official.parts_of(parse("2023"), months.get) == {}


def test_totals_are_not_checked_against_withdrawn_cells() -> None:
    codes = {"sex": frozenset({"_T", "K", "M"})}
    entry = {"a|sex=_T": [2], "a|sex=K": [1, 10.0], "a|sex=M": [1, 20.0]}
    assert check_totals(entry, codes) == []  # the total is withdrawn: nothing to disagree
    entry = {"a|sex=_T": [1, 50.0], "a|sex=K": [1, 10.0], "a|sex=M": [3]}
    assert check_totals(entry, codes) == []  # a part is withdrawn: the parts are incomplete


def test_series_values_skip_withdrawn_cells() -> None:
    months = {"2023-01": {"a|sex=_T": [1, 10.0]}, "2023-02": {"a|sex=_T": [2]},
              "2023-03": {"a|sex=_T": [1, 5.0]}}
    inputs = Inputs()
    got = series_values(DISCHARGES, "sum", parse("2023-Q1"),
                        lambda _m, p: months.get(p.code), {}, inputs, "2480")
    assert got == {"a|sex=_T": 15.0}
    assert inputs.months_missing == 1 and len(inputs.revisions) == 2
    inputs = Inputs()
    assert series_values(DISCHARGES, "sum", parse("2023-02"),
                         lambda _m, p: months.get(p.code), {}, inputs, "2480") == {}


def _formulas(*areas: str) -> FormulaProcessor:
    defs = Definitions(load_catalogue())
    defs.apply_event({"type": "indicator.upserted", "indicator": {
        "id": "discharges", "areas": list(areas), "unit": "persons", "rules": [],
        "formula": {"kind": "sum", "filters": {"measure": DISCHARGES,
                                                 "dimensions": {"sex": "_T"}}}}})
    return FormulaProcessor({}, {}, Emitter({}), defs, lambda area, year: 1000.0)


def _discharges(area: str, value: float | None, revision: int = 1, withdrawn: bool = False
                ) -> dict[str, Any]:
    doc = {"agency": f"kommun-{area}", "measure": DISCHARGES, "area": area, "period": "2023",
           "dimensions": {"sex": "_T"}, "value": value, "revision": revision}
    return doc | ({"withdrawn": True} if withdrawn else {})


def test_a_forwarded_withdrawal_overtaken_by_its_value_stays_out_of_the_region() -> None:
    proc = _formulas("umearegionen")
    _, forwards = proc.apply_observations([_discharges("2480", 30.0),
                                           _discharges("2480", None, 2, withdrawn=True),
                                           _discharges("2460", 12.0)])
    value, withdrawal, other = (obs for _agg, obs in forwards)
    events, _ = proc.apply_observations([withdrawal, other, value])  # value arrives last
    values = [d["value"] for _k, d in events if d["area"] == "umearegionen"]
    assert values and values[-1] == 12.0, values


def test_existing_cells_forward_their_withdrawals_too() -> None:
    """A region that newly needs a member's cells learns of its withdrawals as well: it may
    still hold the withdrawn value from an earlier definition."""
    member = _formulas("2480")
    member.apply_observations([_discharges("2480", 30.0),
                               _discharges("2480", None, 2, withdrawn=True)])
    region = _formulas("umearegionen")
    region.apply_observations([_discharges("2480", 30.0) | {"area": "umearegionen",
                                                            "via": "2480"}])
    forwarded = member.forward_existing("2480", DISCHARGES, "umearegionen")
    assert [(o["revision"], o.get("withdrawn")) for _a, o in forwarded] == [(2, True)]
    region.apply_observations([o for _a, o in forwarded])
    entry = region.cells.get("umearegionen|2023|" + DISCHARGES)
    assert series_values(DISCHARGES, "sum", parse("2023"), lambda _m, _p: entry, {},
                         Inputs(), "umearegionen") == {}
