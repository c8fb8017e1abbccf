"""A withdrawn cell (SDMX ACTION=D, observation ``withdrawn: true``) is forgotten by the
indicators worker: every sum over it, every aggregate area built from it."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from samstat_kit.contracts import load_catalogue
from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.domain.formulas.processor import FormulaProcessor
from services.indicators.domain.fye.maths import Entry, apply
from services.indicators.domain.values import Emitter

MEASURE = "torget_discharges_to_occupation"
SUM = {"kind": "sum", "filters": {"measure": MEASURE, "dimensions": {"sex": "_T"}}}


def _obs(area: str, period: str, value: float | None, revision: int = 1,
         withdrawn: bool = False) -> dict[str, Any]:
    doc = {"agency": f"kommun-{area}", "measure": MEASURE, "area": area, "period": period,
           "dimensions": {"sex": "_T"}, "value": value, "revision": revision}
    return doc | ({"withdrawn": True} if withdrawn else {})


def _processor(areas: list[str]) -> FormulaProcessor:
    defs = Definitions(load_catalogue())
    defs.apply_event({"type": "indicator.upserted", "indicator": {
        "id": "d", "formula": SUM, "areas": areas, "unit": "persons", "rules": []}})
    return FormulaProcessor({}, {}, Emitter({}), defs, lambda area, year: 1000.0)


def _values(events: list[Any]) -> dict[tuple[str, str], Any]:
    return {(doc["area"], doc["period"]): doc for _k, doc in events}


def test_a_withdrawn_month_leaves_the_quarter() -> None:
    proc = _processor(["2480"])
    proc.apply_observations([_obs("2480", f"2023-0{m}", 10.0) for m in (1, 2, 3)])
    events, _ = proc.apply_observations([_obs("2480", "2023-02", None, 2, withdrawn=True)])
    q1 = _values(events)[("2480", "2023-Q1")]
    assert q1["value"] == 20.0 and q1["previous_value"] == 30.0
    assert ("2480", "2023-02") not in _values(events) or \
        _values(events)[("2480", "2023-02")]["value"] is None
    # Withheld is not withdrawn: a null value without ``withdrawn`` is a missing month.
    proc2 = _processor(["2480"])
    proc2.apply_observations([_obs("2480", f"2023-0{m}", 10.0) for m in (1, 2, 3)])
    events, _ = proc2.apply_observations([_obs("2480", "2023-02", None, 2)])
    assert _values(events)[("2480", "2023-Q1")] != q1


def test_the_region_forgets_a_withdrawn_member_cell() -> None:
    proc = _processor(["umearegionen"])
    _, fwd = proc.apply_observations([_obs("2480", "2023", 30.0), _obs("2460", "2023", 12.0)])
    events, _ = proc.apply_observations([o for _a, o in fwd])
    assert _values(events)[("umearegionen", "2023")]["value"] == 42.0
    _, fwd = proc.apply_observations([_obs("2460", "2023", None, 2, withdrawn=True)])
    assert fwd and all(o.get("withdrawn") is True for _a, o in fwd)
    events, _ = proc.apply_observations([o for _a, o in fwd])
    assert _values(events)[("umearegionen", "2023")]["value"] == 30.0


Step = tuple[int, float | None, bool]  # (revision, value, withdrawn)


@st.composite
def histories(draw: st.DrawFn) -> list[Step]:
    """A cell's revisions as ingest passes them on: strictly rising, each a value, a withheld
    value (None) or a withdrawal."""
    n = draw(st.integers(1, 8))
    revs = sorted(draw(st.sets(st.integers(1, 50), min_size=n, max_size=n)))
    return [(r, draw(st.one_of(st.none(), st.floats(0, 1e6))), draw(st.booleans()))
            for r in revs]


def _run(entry: Entry | None, steps: list[Step]) -> Entry | None:
    for rev, value, gone in steps:
        new = apply(entry, "s", rev, None if gone else value, gone)
        entry = entry if new is None else new
    return entry


@given(histories(), st.data())
def test_the_cell_ends_as_its_last_revision_says_even_when_redelivered(
        steps: list[Step], data: st.DataObject) -> None:
    entry = _run(None, steps)
    rev, value, gone = steps[-1]
    assert (entry or {}).get("s") == ([rev] if gone else [rev, value])  # [rev]: a tombstone
    # At-least-once: a suffix of the partition read again, in order, changes nothing.
    start = data.draw(st.integers(0, len(steps) - 1))
    assert _run(entry, steps[start:]) == entry
