"""A red team's attacks (2026-12-07, eighth session) on the two items docs/privacy.md listed
as still open under "An attacker who assumes that cells never sent did not change":

1. a part sent late in a correction batch beside a part never sent: the attacker takes the
   late part for what it was first sent as at the moment before (what the total counted
   then) and the part never sent for unchanged, both in one relation;
2. a total corrected in the batch that withdraws a part, the part then sent again small,
   or withdrawn for good.

The attacker is the independent LP of tests/privacy/attacker.py over everything any token
reads (current cells and every revision's history), on SQLite and PostgreSQL. Every
"unchanged" or "what it was first sent as" it assumes is true in the sequence, so a
narrowed interval is a real leak."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.privacy.attacker import Attacker, protected
from tests.privacy.conftest import cell, publish
from tests.privacy.test_history import GK, GROUPS, at, exposed, gk

YOUNG, SICK, OTHER = GROUPS
MEMBERS = ("2480", "2460", "2404", "2409", "2401", "2403")
GROUP_TOTAL = [(at("2480"), [at("2480", g) for g in GROUPS])]
REGION = [(at("umearegionen"), [at(a) for a in MEMBERS])]


def withdraw(area: str, revision: int, group: str = "_T") -> dict[str, Any]:
    doc = cell(GK, area, "2023-10", None, revision, group=group, sex="_T")
    return doc | {"withdrawn": True, "conf_status": "F"}


# --------------------------------------------------------------------------------------
# 1. A part sent late beside a part never sent
# --------------------------------------------------------------------------------------

def test_1a_late_part_and_never_sent_part_in_one_relation(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2480's total (100) and young (30) published; sick (20) and other (50) not sent. One
    correction batch: young 30 -> 3 (hidden), the total 100 -> 73, and other sent late as
    50 (its truth all along). Attacker: other counted 50 in the total before (what it was
    first sent as), sick never sent and unchanged: 100 = 30 + sick + 50, so sick = 20, and
    73 = young + 20 + 50: young = 3."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    assert not publish(client, fk, [gk(100, "2480"), gk(30, "2480", group=YOUNG)])["suppressed"]
    receipt = publish(client, fk, [gk(73, "2480", 2), gk(3, "2480", 2, group=YOUNG),
                                   gk(50, "2480", group=OTHER)])
    spy.read(GK, ["2480"])
    bounds = spy.history_bounds(GROUP_TOTAL, [(at("2480", YOUNG), 2)],
                                sent_as_counted=True, unsent_unchanged=True)
    audit = exposed(privacy_db, monkeypatch)
    assert protected(bounds, 3), (audit, bounds, receipt["suppressed"])
    assert audit == []


def test_1b_late_member_and_never_sent_member_under_the_region(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """The same through the areas: the region (300) with 2480 120, 2404 30, 2409 35 and 2401
    40 published; 2460 (25) and 2403 (50) not sent. One correction batch: 2404 30 -> 3
    (hidden), the region 300 -> 273, and 2403 sent late as 50. 2460 unchanged: 2404 = 3."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    first = {"2480": 120, "2404": 30, "2409": 35, "2401": 40}
    assert not publish(client, fk, [gk(v, a) for a, v in first.items()]
                       + [gk(300, "umearegionen")])["suppressed"]
    receipt = publish(client, fk, [gk(273, "umearegionen", 2), gk(3, "2404", 2),
                                   gk(50, "2403")])
    spy.read(GK, [*MEMBERS, "umearegionen"])
    bounds = spy.history_bounds(REGION, [(at("2404"), 2)], sent_as_counted=True,
                                unsent_unchanged=True)
    audit = exposed(privacy_db, monkeypatch)
    assert protected(bounds, 3), (audit, bounds, receipt["suppressed"])
    assert audit == []


# --------------------------------------------------------------------------------------
# 2. A total corrected in the batch that withdraws a part
# --------------------------------------------------------------------------------------

def test_2a_total_corrected_as_a_part_is_withdrawn_then_the_part_sent_small(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2480's total (80) and young (20) published; sick and other never sent (60 in all,
    throughout). One batch: young withdrawn and the total corrected 80 -> 63. Later young
    sent again as 3 (hidden). Before: 80 = 20 + S, so S = 60; now 63 = young + S: young = 3.
    The total's 63 was published while young's value was unknown to samstat."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    assert not publish(client, fk, [gk(80, "2480"), gk(20, "2480", group=YOUNG)])["suppressed"]
    r2 = publish(client, fk, [withdraw("2480", 2, YOUNG), gk(63, "2480", 2)])
    receipt = publish(client, fk, [gk(3, "2480", 3, group=YOUNG)])
    spy.read(GK, ["2480"])
    bounds = spy.history_bounds(GROUP_TOTAL, [(at("2480", YOUNG), 3)], unsent_unchanged=True)
    audit = exposed(privacy_db, monkeypatch)
    assert protected(bounds, 3), (audit, bounds, r2["suppressed"], receipt["suppressed"])
    assert audit == []


def test_2b_total_corrected_as_a_part_is_withdrawn_for_good(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """As 2a, young never sent again: its value now (a cell withdrawn is unknown, as one not
    sent, and may be sent again small) is 63 - 60 = 3 to whoever takes sick and other for
    unchanged."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    assert not publish(client, fk, [gk(80, "2480"), gk(20, "2480", group=YOUNG)])["suppressed"]
    r2 = publish(client, fk, [withdraw("2480", 2, YOUNG), gk(63, "2480", 2)])
    spy.read(GK, ["2480"])
    bounds = spy.history_bounds(GROUP_TOTAL, [spy.now(at("2480", YOUNG))],
                                unsent_unchanged=True)
    assert protected(bounds, 3), (bounds, r2["suppressed"])


def test_2c_region_corrected_as_a_member_is_withdrawn_then_sent_small(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Through the areas: the region (300) with five members published, 2460 (25) never
    sent. One batch: 2409 (35) withdrawn and the region corrected to 269. Later 2409 sent
    again as 4 (hidden): 2460 = 300 - 275 = 25, 2409 = 269 - 240 - 25 = 4."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    first = {"2480": 120, "2404": 30, "2409": 35, "2401": 40, "2403": 50}
    assert not publish(client, fk, [gk(v, a) for a, v in first.items()]
                       + [gk(300, "umearegionen")])["suppressed"]
    r2 = publish(client, fk, [withdraw("2409", 2), gk(269, "umearegionen", 2)])
    receipt = publish(client, fk, [gk(4, "2409", 3)])
    spy.read(GK, [*MEMBERS, "umearegionen"])
    bounds = spy.history_bounds(REGION, [(at("2409"), 3)], unsent_unchanged=True)
    audit = exposed(privacy_db, monkeypatch)
    assert protected(bounds, 4), (audit, bounds, r2["suppressed"], receipt["suppressed"])
    assert audit == []


def test_2d_part_withdrawn_then_total_corrected_then_the_part_sent_small(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2a spread over three batches: young withdrawn; the total corrected 80 -> 63 while
    young stands withdrawn; young sent again as 3. Read [3, 3] before the fix too (the
    audit then said EXPOSED); the 63 is held back now."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    assert not publish(client, fk, [gk(80, "2480"), gk(20, "2480", group=YOUNG)])["suppressed"]
    publish(client, fk, [withdraw("2480", 2, YOUNG)])
    r3 = publish(client, fk, [gk(63, "2480", 2)])
    receipt = publish(client, fk, [gk(3, "2480", 3, group=YOUNG)])
    spy.read(GK, ["2480"])
    bounds = spy.history_bounds(GROUP_TOTAL, [(at("2480", YOUNG), 3)], unsent_unchanged=True)
    audit = exposed(privacy_db, monkeypatch)
    assert protected(bounds, 3), (audit, bounds, r3["suppressed"], receipt["suppressed"])
    assert audit == []
