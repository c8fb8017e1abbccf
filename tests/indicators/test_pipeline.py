"""The worker's processing steps, driven without faust: dicts for its tables, the messages'
documents in, the output it would publish out. A new Pipeline over the same dicts is the
worker after a restart (faust restores its tables from the changelogs)."""

from __future__ import annotations

import copy
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from samstat_kit.contracts import load_catalogue
from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.pipeline import TABLES, Output, Pipeline

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2024, 3, 1, tzinfo=UTC)
DISCHARGES = "torget_discharges_to_occupation"


def _pipeline(store: dict[str, dict[str, Any]]) -> Pipeline:
    return Pipeline(lambda name: store.setdefault(name, {}), Definitions(load_catalogue()),
                    clock=lambda: NOW)


def _days(area: str, period: str, value: float | None, revision: int = 1,
          withdrawn: bool = False) -> dict[str, Any]:
    doc = {"agency": "forsakringskassan", "measure": "benefit_net_days", "area": area,
           "period": period, "dimensions": {"benefit": "sickness", "sex": "K"},
           "value": value, "revision": revision}
    return doc | ({"withdrawn": True} if withdrawn else {})


def _discharges(area: str, period: str, value: float | None, revision: int = 1,
                withdrawn: bool = False) -> dict[str, Any]:
    doc = {"agency": f"kommun-{area}", "measure": DISCHARGES, "area": area, "period": period,
           "dimensions": {"sex": "_T"}, "value": value, "revision": revision}
    return doc | ({"withdrawn": True} if withdrawn else {})


# SCB's population 20-64 of 2480 in 2023: 1,000, in its two cells (one sex alone is no total).
POPULATION = tuple({"agency": "scb", "measure": "population", "area": "2480", "period": "2023",
                    "dimensions": {"sex": sex, "age": "20-64"}, "value": 500, "revision": 1}
                   for sex in ("K", "M"))


def _message(*observations: dict[str, Any]) -> dict[str, Any]:
    return {"observations": list(observations)}


def _definition(areas: list[str]) -> dict[str, Any]:
    formula = {"kind": "sum", "filters": {"measure": DISCHARGES, "dimensions": {"sex": "_T"}}}
    return {"type": "indicator.upserted", "indicator": {
        "id": "discharges", "formula": formula, "areas": areas, "unit": "persons",
        "rules": []}}


def _values(out: Output, indicator: str = "fye_share") -> dict[tuple[str, str], Any]:
    return {(doc["area"], doc["period"]): doc["value"] for _key, doc in out.values
            if doc["indicator"] == indicator}


def test_state_is_flushed_per_message_and_what_was_said_only_once_confirmed() -> None:
    store: dict[str, dict[str, Any]] = {}
    pipeline = _pipeline(store)
    message = _message(*POPULATION, _days("2480", "2023-05", 3100.0))
    out = pipeline.observations([message])
    assert out.applied == 3  # the population's two cells and the days
    assert _values(out)[("2480", "2023-05")] == 3100.0 / 31 / 1000
    assert set(store) == set(TABLES)
    assert "2480|2023" in store["fye-days-by-year"]  # written through, grouped by year
    assert store["indicator-said"] == {}  # not acknowledged yet
    pipeline.confirm(out)
    assert store["indicator-said"]
    # Redelivered, to this worker or to one restarted from the tables: nothing to say, and
    # the tables stay as they are.
    before = copy.deepcopy(store)
    for again in (pipeline, _pipeline(store)):
        out = again.observations([message])
        assert out.values == [] and out.memos == {}
        again.confirm(out)
        assert store == before


def test_output_lost_before_the_acknowledgement_is_said_again() -> None:
    store: dict[str, dict[str, Any]] = {}
    pipeline = _pipeline(store)
    message = _message(*POPULATION, _days("2480", "2023-05", 3100.0))
    said = _values(pipeline.observations([message]))
    pipeline.discard()  # the sends failed
    assert _values(pipeline.observations([message])) == said
    # A crash instead: the state reached the changelog, the memos did not.
    assert _values(_pipeline(store).observations([message])) == said


def test_revisions_win_by_number_not_by_arrival() -> None:
    in_order: dict[str, dict[str, Any]] = {}
    reordered: dict[str, dict[str, Any]] = {}
    first, second = _days("2480", "2023-05", 3100.0, 1), _days("2480", "2023-05", 6200.0, 2)
    for store, messages in ((in_order, [first, second]), (reordered, [second, first])):
        pipeline = _pipeline(store)
        pipeline.confirm(pipeline.observations([_message(*POPULATION)]))
        outputs = []
        for obs in messages:
            outputs.append(pipeline.observations([_message(obs)]))
            pipeline.confirm(outputs[-1])
        assert _values(outputs[0])[("2480", "2023-05")] == \
            float(messages[0]["value"]) / 31 / 1000
    assert _values(outputs[1]) == {}  # the stale revision came last: nothing to say
    assert in_order["fye-days-by-year"] == reordered["fye-days-by-year"]
    assert in_order["indicator-said"] == reordered["indicator-said"]


def test_a_buffer_handled_as_one_batch_ends_as_one_by_one_would() -> None:
    messages = [_message(*POPULATION), _message(_days("2480", "2023-05", 3100.0)),
                _message(_days("2480", "2023-05", 6200.0, 2), _days("2480", "2023-06", 30.0))]
    one_by_one: dict[str, dict[str, Any]] = {}
    batched: dict[str, dict[str, Any]] = {}
    pipeline = _pipeline(one_by_one)
    for message in messages:
        pipeline.confirm(pipeline.observations([message]))
    pipeline = _pipeline(batched)
    out = pipeline.observations(messages)
    pipeline.confirm(out)
    assert out.applied == 5  # every observation of the three messages
    assert batched == one_by_one


def test_a_withdrawn_observation_leaves_the_area_and_its_aggregate() -> None:
    pipeline = _pipeline({})
    assert pipeline.definition(_definition(["2480", "umearegionen"]))
    out = pipeline.observations([_message(_discharges("2480", "2023", 30.0),
                                          _discharges("2460", "2023", 12.0))])
    assert _values(out, "discharges") == {("2480", "2023"): 30.0}  # 2460 alone: not computed
    assert sorted(out.forwards) == ["umearegionen"]
    region = pipeline.internal("umearegionen",
                               {"type": "cells", "observations": out.forwards["umearegionen"]})
    assert region.forwards == {}  # forwarded cells go no further
    assert _values(region, "discharges") == {("umearegionen", "2023"): 42.0}
    out = pipeline.observations([_message(_discharges("2480", "2023", None, 2, withdrawn=True))])
    # nothing left to compute for 2480: its value is taken back (test_withdrawal_retractions)
    assert _values(out, "discharges") == {("2480", "2023"): None}
    assert all(d["withdrawn"] for _k, d in out.values)
    [cell] = out.forwards["umearegionen"]
    assert cell["withdrawn"] is True and cell["via"] == "2480"
    region = pipeline.internal("umearegionen", {"type": "cells", "observations": [cell]})
    assert _values(region, "discharges") == {("umearegionen", "2023"): 12.0}


def test_a_new_definition_for_a_region_is_computed_from_cells_already_held() -> None:
    pipeline = _pipeline({})
    pipeline.observations([_message(_discharges("2480", "2023", 30.0),
                                    _discharges("2460", "2023", 12.0))])
    requests = pipeline.definition(_definition(["umearegionen"]))
    members = load_catalogue().municipalities_in("umearegionen")
    # Every member forwards the measure first; the region recomputes last.
    assert [area for area, _doc in requests] == [*members, "umearegionen"]
    assert requests[-1][1] == {"type": "recompute", "indicator": "discharges"}
    said: dict[tuple[str, str], Any] = {}
    for area, doc in requests:
        out = pipeline.internal(area, doc)
        for aggregate, cells in out.forwards.items():
            said |= _values(pipeline.internal(aggregate, {"type": "cells",
                                                          "observations": cells}), "discharges")
        said |= _values(out, "discharges")
    assert said == {("umearegionen", "2023"): 42.0}
    assert pipeline.definition(_definition(["umearegionen"])) == []  # the periodic snapshot


def test_unknown_internal_messages_and_indicators_change_nothing() -> None:
    store: dict[str, dict[str, Any]] = {}
    pipeline = _pipeline(store)
    for doc in ({"type": "recompute", "indicator": "nobody-defined-this"}, {"type": "other"}):
        out = pipeline.internal("2480", doc)
        assert (out.values, out.quality, out.forwards, out.memos) == ([], [], {}, {})
    assert all(table == {} for table in store.values())


def test_the_domain_and_the_pipeline_import_no_framework() -> None:
    """What the worker computes runs (and is tested) without faust, FastAPI or SQLAlchemy."""
    blocked = ["faust", "fastapi", "starlette", "sqlalchemy", "aiokafka", "alembic"]
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts)
                     for p in (ROOT / "services/indicators/domain").rglob("*.py"))
    assert "services.indicators.domain.fye.processor" in modules
    code = ("import importlib, sys\n"
            f"for name in {blocked!r}: sys.modules[name] = None\n"
            f"for name in {[*modules, 'services.indicators.pipeline']!r}:\n"
            "    importlib.import_module(name)\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)
