"""A stock (``aggregation: last``): its quarter is its last month, whether or not it is sent.

Never sent, the quarter is the month under another name, and the check walks nothing
through it (services/ingest/disclosure/links.py): the month's small cell is protected by its
own range, and the attacker below, who knows every identity, still cannot narrow it. Sent
later, the quarter's cells repeat the month's hidden ones, and they are held back."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.privacy.attacker import Attacker, key, protected
from tests.privacy.conftest import cell, publish
from tests.privacy.test_history import exposed

UP = "unemployed_persons"
REGIONS = ("sweden", "europe", "outside_europe")
MARCH = {"_T": 60, "sweden": 40, "europe": 17, "outside_europe": 3}


def up(period: str, values: dict[str, float]) -> list[dict[str, Any]]:
    return [cell(UP, "2480", period, v, agency="arbetsformedlingen", birth_region=b,
                 duration="_T") for b, v in values.items()]


def at(period: str, region: str) -> Any:
    return key("2480", period, birth_region=region, duration="_T")


def equations() -> list[Any]:
    """Each period's regions add up; the quarter is March, cell for cell."""
    out = [(at(p, "_T"), [at(p, b) for b in REGIONS]) for p in ("2023-03", "2023-Q1")]
    return out + [(at("2023-Q1", b), [at("2023-03", b)]) for b in ("_T", *REGIONS)]


def test_a_stocks_quarter_never_sent_leaves_the_month_protected_by_its_own_range(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    af, spy = token("arbetsformedlingen"), Attacker(client, token("forsakringskassan"))
    receipt = publish(client, af, up("2023-03", MARCH))
    assert sorted(s["kind"] for s in receipt["suppressed"]) == ["primary", "secondary"]
    spy.read(UP, ["2480"])
    for target in (at("2023-03", "outside_europe"), at("2023-Q1", "outside_europe")):
        assert protected(spy.bounds(equations(), [target]), 3), target
    assert exposed(privacy_db, monkeypatch) == []  # the audit judges the quarter alike


def test_a_stocks_quarter_sent_later_repeats_the_hidden_month_and_is_held_back(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Only the quarter's total and the regions hidden in March come later: published, they
    would name March's hidden cells, and March's small one with them."""
    af, spy = token("arbetsformedlingen"), Attacker(client, token("forsakringskassan"))
    first = publish(client, af, up("2023-03", MARCH))
    hidden = [list(MARCH)[s["index"]] for s in first["suppressed"]]
    secondary = [b for b in hidden if b != "outside_europe"]
    later = publish(client, af, up("2023-Q1", {b: MARCH[b] for b in ["_T", *secondary]}))
    assert {s["index"] for s in later["suppressed"]} >= {1 + i for i in range(len(secondary))}
    spy.read(UP, ["2480"])
    assert protected(spy.bounds(equations(), [at("2023-03", "outside_europe")]), 3)
    assert 3 not in spy.values_seen()
    assert exposed(privacy_db, monkeypatch) == []
