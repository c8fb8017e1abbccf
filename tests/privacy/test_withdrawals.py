"""Withdrawals (SDMX ACTION=D, ``withdrawn: true``) and what was shown before them.

Withdrawing a published cell once dropped its value from the attack (its state became
"hidden by the agency, value unknown"), while every history answer, and ``as_of`` before the
withdrawal, still serve it. An attacker combined the withdrawn total's old value with values
published afterwards and pinned a hidden small cell, and the audit reported nothing (an
independent review). The last value shown now stays a constant of the attack."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from samstat.cli import app
from samstat_kit.db import session_factory, session_scope
from services.ingest.observations.models import OutboxMessage
from tests.privacy.attacker import key, lp_bounds, protected
from tests.privacy.conftest import cell, publish

GK = "gk_referrals"
GROUPS = ("young_activity_compensation", "sick_listed_unemployed", "other")
SICK = "sick_listed_unemployed"


def gk(value: float | None, group: str, period: str = "2023-10", revision: int = 1,
       area: str = "2480") -> dict[str, Any]:
    return cell(GK, area, period, value, revision, group=group, sex="_T")


def withdraw(group: str, period: str = "2023-10", revision: int = 2,
             area: str = "2480") -> dict[str, Any]:
    d = gk(None, group, period, revision, area)
    d["withdrawn"], d["conf_status"] = True, "F"
    return d


def every_value_ever(client: TestClient, tok: str, area: str) -> dict[Any, float]:
    """The attacker: for each cell, the newest value any answer ever gave (history)."""
    h = {"Authorization": f"Bearer {tok}"}
    known: dict[Any, float] = {}
    for c in client.get("/v1/cells", params={"measure": GK, "area": area}, headers=h).json():
        hist = client.get("/v1/cells/history", params={"cell_key": c["cell_key"]},
                          headers=h).json()
        values = [x["value"] for x in hist if x["value"] is not None]
        if values:
            known[(c["area"], c["period"], tuple(sorted(c["dimensions"].items())))] = values[-1]
    return known


def young_bounds(known: dict[Any, float]) -> tuple[float, float]:
    eqs = [(key("2480", "2023-10", group="_T", sex="_T"),
            [key("2480", "2023-10", group=g, sex="_T") for g in GROUPS]),
           (key("2480", "2023-Q4", group=SICK, sex="_T"),
            [key("2480", p, group=SICK, sex="_T") for p in ("2023-10", "2023-11", "2023-12")])]
    return lp_bounds(known, eqs, [key("2480", "2023-10", group="young_activity_compensation",
                                      sex="_T")])


def withhold(group: str, value: float | None, period: str = "2023-10", revision: int = 2,
             area: str = "2480") -> dict[str, Any]:
    d = gk(value, group, period, revision, area)
    d["conf_status"] = "C"
    return d


def scenario(client: TestClient, token: Any, withdraw_total: bool,
             then: dict[str, Any] | None = None) -> tuple[Any, Any]:
    fk, reader = token("forsakringskassan"), token("arbetsformedlingen")
    # October: young 3 (primary), sick 9 (the cheapest partner: secondary), other 12, 24.
    first = publish(client, fk, [gk(24, "_T"), gk(9, SICK), gk(12, "other"),
                                 gk(3, "young_activity_compensation")])
    assert {s["index"]: s["kind"] for s in first["suppressed"]} == \
        {1: "secondary", 3: "primary"}
    if withdraw_total:  # the agency withdraws October's total (SDMX ACTION=D)
        publish(client, fk, [then or withdraw("_T")])
    # Later: sick for November, December and the quarter (9 + 10 + 10).
    later = publish(client, fk, [gk(10, SICK, "2023-11"), gk(10, SICK, "2023-12"),
                                 gk(29, SICK, "2023-Q4")])
    return later, young_bounds(every_value_ever(client, reader, "2480"))


def test_control_without_the_withdrawal_the_quarter_is_protected(
        client: TestClient, token: Any) -> None:
    later, bounds = scenario(client, token, withdraw_total=False)
    assert later["suppressed"], "control: the check holds a value back"
    assert protected(bounds, 3)


def test_withdrawing_a_published_total_leaves_later_values_unable_to_pin_the_small_cell(
        client: TestClient, token: Any) -> None:
    later, bounds = scenario(client, token, withdraw_total=True)
    assert protected(bounds, 3), \
        f"young (3) pinned to {bounds}; held back in the later batch: {later['suppressed']}"


@pytest.mark.parametrize("value", [None, 24.0], ids=["no value", "the value shown"])
def test_a_published_total_marked_confidential_afterwards_is_still_known(
        client: TestClient, token: Any, value: float | None) -> None:
    """The same when the agency marks the total confidential (C) afterwards, without a value
    or with the value already shown: readers still hold the value shown."""
    later, bounds = scenario(client, token, withdraw_total=True, then=withhold("_T", value))
    assert protected(bounds, 3), \
        f"young (3) pinned to {bounds}; held back in the later batch: {later['suppressed']}"


def test_after_a_withdrawal_the_audit_finds_nothing_exposed(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """The audit attacks the same states, the withdrawn total's last value included."""
    _, bounds = scenario(client, token, withdraw_total=True)
    assert protected(bounds, 3)
    monkeypatch.setenv("SAMSTAT_DATABASE_URL", privacy_db)
    r = CliRunner().invoke(app, ["privacy", "audit", "--agency", "forsakringskassan"])
    assert r.exit_code == 0, r.output


def test_a_withdrawal_marked_c_is_a_withdrawal_everywhere(
        client: TestClient, token: Any, privacy_db: str) -> None:
    """A withdrawal needs no conf_status; one sent with C reached the indicators as a
    withdrawal, while the log kept it as a withheld value (history, /v1/cells, replay)."""
    fk, reader = token("forsakringskassan"), token("arbetsformedlingen")
    publish(client, fk, [gk(24, "_T")])
    w = withdraw("_T")
    w["conf_status"] = "C"
    publish(client, fk, [w])
    with session_scope(session_factory(privacy_db)) as s:
        outbox = b"".join(s.scalars(select(OutboxMessage.payload)))
    assert b'"withdrawn":true' in outbox.replace(b" ", b"")
    [c] = client.get("/v1/cells", params={"measure": GK, "area": "2480"},
                     headers={"Authorization": f"Bearer {reader}"}).json()
    assert c["withdrawn"] is True, c
