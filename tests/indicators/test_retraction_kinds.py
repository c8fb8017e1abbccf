"""A value that can no longer be computed is a withdrawal (``withdrawn: true``, consumers
forget it) only when an input behind it was withdrawn. Inputs withheld (a correction held
back by disclosure control) or a new definition's filters that match nothing make it
``null``, not computable, as indicator-value v1 says; saying them withdrawn made notify
resolve conveners' alerts with a false reason (an independent review of the change)."""
from __future__ import annotations

from typing import Any

import pytest

from .test_withdrawal_retractions import DISCHARGES, _pipeline, _said, _send

FORMULAS = {
    "ratio": {"kind": "ratio",
              "numerator": {"measure": DISCHARGES, "dimensions": {"sex": "K"}},
              "denominator": {"measure": DISCHARGES, "dimensions": {"sex": "_T"}}},
    "yoy_change": {"kind": "yoy_change",
                   "filters": {"measure": DISCHARGES, "dimensions": {"sex": "_T"}}},
}


def _obs(sex: str, value: float | None, revision: int, period: str = "2023") -> dict[str, Any]:
    doc = {"agency": "kommun-2480", "measure": DISCHARGES, "area": "2480", "period": period,
           "dimensions": {"sex": sex}, "value": value, "revision": revision}
    if value is None:
        doc["conf_status"] = "C"  # withheld by disclosure control, not withdrawn
    return doc


@pytest.mark.parametrize("kind", sorted(FORMULAS))
def test_withheld_inputs_are_not_a_withdrawal(kind: str) -> None:
    p = _pipeline()
    p.definition({"type": "indicator.upserted", "indicator": {
        "id": "x", "areas": ["2480"], "unit": "share", "rules": [],
        "formula": FORMULAS[kind]}})
    first = _said(_send(p, _obs("K", 4.0, 1), _obs("_T", 10.0, 1),
                        _obs("_T", 8.0, 1, "2022")), "x")
    assert first[("2480", "2023")]["value"] is not None
    # corrections that ingest withheld (value null, conf_status C): nothing withdrawn
    said = _said(_send(p, _obs("K", None, 2), _obs("_T", None, 2)), "x")
    doc = said.get(("2480", "2023"))
    assert doc is not None, "the withheld correction says nothing: the old value stays"
    assert (doc["value"], doc.get("withdrawn", False)) == (None, False), doc


def test_scbs_withheld_total_is_not_a_withdrawal() -> None:
    from .test_withdrawal_retractions import OFFICIAL, POPULATION
    p = _pipeline()
    assert ("2480", "2023") in _said(_send(p, *POPULATION, OFFICIAL), "fye_share_official")
    withheld = OFFICIAL | {"value": None, "conf_status": "C", "revision": 2}
    doc = _said(_send(p, withheld), "fye_share_official").get(("2480", "2023"))
    assert doc is None or doc.get("withdrawn") is not True, (
        f"SCB's withheld total said as a withdrawal: {doc}")


def _define(p: Any, sex: str) -> Any:
    return p.definition({"type": "indicator.upserted", "indicator": {
        "id": "x", "areas": ["2480"], "unit": "persons", "rules": [],
        "formula": {"kind": "sum", "filters": {"measure": DISCHARGES,
                                                 "dimensions": {"sex": sex}}}}})


def test_a_redefinition_is_not_a_withdrawal() -> None:
    p = _pipeline()
    _define(p, "_T")
    obs = {"agency": "kommun-2480", "measure": DISCHARGES, "area": "2480",
           "period": "2023", "dimensions": {"sex": "_T"}, "value": 10.0, "revision": 1}
    assert _said(_send(p, obs), "x")[("2480", "2023")]["value"] == 10.0
    said: dict[Any, Any] = {}
    for area, doc in _define(p, "K"):  # the new definition reads women only: none sent
        out = p.internal(area, doc)
        p.confirm(out)
        said |= _said(out, "x")
    doc = said.get(("2480", "2023"))
    assert doc is not None and (doc["value"], doc.get("withdrawn", False)) == (None, False)
