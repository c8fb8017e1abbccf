"""An attacker who takes cells never sent for unchanged across corrections (a red team's
attacks, 2026-12-06; docs/privacy.md, "Snapshot model"): persons moved between parts,
members or months whose total was never sent, and a part corrected with its published total
beside parts never sent, around withdrawals. Each test failed before the attack took that
assumption into account; the attacker is the independent LP of tests/privacy/attacker.py
over what any token reads (current cells and history), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.privacy.attacker import Attacker, key, protected
from tests.privacy.conftest import cell, publish
from tests.privacy.test_history import GK, GROUPS, at, exposed, gk

YOUNG, SICK, OTHER = GROUPS


def withdraw_young(revision: int) -> dict[str, Any]:
    doc = cell(GK, "2480", "2023-10", None, revision, group=YOUNG, sex="_T")
    return doc | {"withdrawn": True, "conf_status": "F"}


def groups(young: float, sick: float, other: float) -> list[dict[str, Any]]:
    """2480's October groups (its total never sent), first revisions."""
    return [gk(young, "2480", group=YOUNG), gk(sick, "2480", group=SICK),
            gk(other, "2480", group=OTHER)]


def reclassified() -> list[dict[str, Any]]:
    """Persons moved from young (30 -> 3) to other (50 -> 77) under 2480's October total,
    never sent (100 throughout)."""
    return [gk(3, "2480", 2, group=YOUNG), gk(77, "2480", 2, group=OTHER)]


def young_reclassified_is_protected(client: TestClient, spy: Attacker, areas: list[str],
                                    receipt: dict[str, Any]) -> None:
    """Young's 3 (30 before) against whoever takes 2480's total for unchanged."""
    spy.read(GK, areas)
    equations = [(at("2480"), [at("2480", g) for g in GROUPS])]
    bounds = spy.history_bounds(equations, [(at("2480", YOUNG), 2)], unsent_unchanged=True)
    assert protected(bounds, 3), (bounds, receipt["suppressed"])


def test_a_withdrawal_in_between_hides_that_the_unsent_parts_did_not_change(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2480's total (80) and young (20) published, sick and other never sent (60 in all,
    throughout). Young withdrawn; then young sent again as 3 (hidden) with the total
    corrected to 63 (published). The only assumption: the groups never sent did not change
    (true). Before the withdrawal 80 = 20 + sick + other, now 63 = young + sick + other:
    young = 63 - 60 = 3. The moment young stood withdrawn tells nothing either way; the
    one before it does."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    assert not publish(client, fk, [gk(80, "2480"), gk(20, "2480", group=YOUNG)])["suppressed"]
    publish(client, fk, [withdraw_young(2)])
    receipt = publish(client, fk, [gk(63, "2480", 2), gk(3, "2480", 3, group=YOUNG)])
    spy.read(GK, ["2480"])
    equations = [(at("2480"), [at("2480", g) for g in GROUPS])]
    bounds = spy.history_bounds(equations, [(at("2480", YOUNG), 3)], unsent_unchanged=True)
    assert protected(bounds, 3), (bounds, receipt["suppressed"])
    assert exposed(privacy_db, monkeypatch) == []


REGION_VALUES = {"2480": 120, "2404": 30, "2409": 35, "2401": 40, "2403": 50}  # 2460: never


def test_a_region_member_withdrawn_then_corrected_small_beside_a_member_never_sent(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """The withdrawal case through the area hierarchy: the Umeå region (300) with five
    members published, 2460 never sent (25, throughout). 2409 (35) withdrawn; then 2409
    sent again as 4 (hidden) with the region corrected to 269 (published). Assuming 2460
    did not change: 2460 = 300 - 275 = 25 and 2409 = 269 - 240 - 25 = 4."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    members = ("2480", "2460", "2404", "2409", "2401", "2403")
    region = sum(REGION_VALUES.values()) + 25
    assert not publish(client, fk, [gk(v, a) for a, v in REGION_VALUES.items()]
                       + [gk(region, "umearegionen")])["suppressed"]
    publish(client, fk, [cell(GK, "2409", "2023-10", None, 2, group="_T", sex="_T")
                         | {"withdrawn": True, "conf_status": "F"}])
    receipt = publish(client, fk, [gk(4, "2409", 3), gk(region - 31, "umearegionen", 2)])
    spy.read(GK, [*members, "umearegionen"])
    equations = [(at("umearegionen"), [at(a) for a in members])]
    bounds = spy.history_bounds(equations, [(at("2409"), 3)], unsent_unchanged=True)
    assert protected(bounds, 4), (bounds, receipt["suppressed"])


def test_a_reclassification_under_a_total_never_sent_gives_the_small_part_away(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2480's groups published, its total never sent (nor anything above it): young 30,
    sick 20, other 50. Then persons reclassified from young to other: young 30 -> 3
    (hidden), other 50 -> 77 (published). Assuming only that the total, never sent, did not
    change (true: 100 throughout; the groups leave it the same remainder then and now):
    young = 30 + 50 - 77 = 3. The total is dark (a part only of totals not sent): its
    relations join the attack where it is taken for unchanged."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    assert not publish(client, fk, groups(30, 20, 50))["suppressed"]
    young_reclassified_is_protected(client, spy, ["2480"], publish(client, fk, reclassified()))


def test_persons_moved_between_members_of_a_region_never_sent(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """The same through the areas: the Umeå region never sent, its six members published;
    27 persons moved from 2404 (30 -> 3, hidden) to 2409 (35 -> 62, published). Assuming
    the region, never sent, did not change (true): 2404 = 30 + 35 - 62 = 3."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    members = ("2480", "2460", "2404", "2409", "2401", "2403")
    first = dict(zip(members, (120, 25, 30, 35, 40, 50), strict=True))
    assert not publish(client, fk, [gk(v, a) for a, v in first.items()])["suppressed"]
    receipt = publish(client, fk, [gk(3, "2404", 2), gk(62, "2409", 2)])
    spy.read(GK, list(members))
    equations = [(at("umearegionen"), [at(a) for a in members])]
    bounds = spy.history_bounds(equations, [(at("2404"), 2)], unsent_unchanged=True)
    assert protected(bounds, 3), (bounds, receipt["suppressed"])


def test_persons_moved_between_months_of_a_quarter_never_sent(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """The same through the periods: 2480's October 30, November 20, December 50
    published, Q4 never sent; referrals re-dated from October to December (October 30 -> 3,
    hidden; December 50 -> 77, published). Assuming Q4, never sent, did not change (true):
    October = 30 + 50 - 77 = 3."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    month = lambda v, p, r=1: cell(GK, "2480", p, v, r, group="_T", sex="_T")  # noqa: E731
    assert not publish(client, fk, [month(30, "2023-10"), month(20, "2023-11"),
                                    month(50, "2023-12")])["suppressed"]
    receipt = publish(client, fk, [month(3, "2023-10", 2), month(77, "2023-12", 2)])
    spy.read(GK, ["2480"])
    k = lambda p: key("2480", p, group="_T", sex="_T")  # noqa: E731
    equations = [(k("2023-Q4"), [k("2023-10"), k("2023-11"), k("2023-12")])]
    bounds = spy.history_bounds(equations, [(k("2023-10"), 2)], unsent_unchanged=True)
    assert protected(bounds, 3), (bounds, receipt["suppressed"])


def test_hidden_part_then_a_late_person_counted_back_alarm_never_clears(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2480's groups, total never sent: young 3 (hidden), sick 20, other 50. A late
    registration: other 50 -> 51 (published). Then young corrected 3 -> 2 (held back).
    The total (never sent) was 73, 74, 73. The attacker sees (h, 20, 50), (h, 20, 51),
    (h', 20, 51): taking the total for unchanged throughout contradicts itself; taking it
    unchanged since the second snapshot gives nothing, since the first gives
    young_then = young_now + 1. Only samstat's hidden truths would pick the first: the
    remainder must stay the same at every revision since, or it is no evidence (an
    independent review: the audit said EXPOSED, an alarm nothing could clear)."""
    fk = token("forsakringskassan")
    publish(client, fk, groups(3, 20, 50))
    publish(client, fk, [gk(51, "2480", 2, group=OTHER)])
    publish(client, fk, [gk(2, "2480", 2, group=YOUNG)])
    assert exposed(privacy_db, monkeypatch) == []


def test_a_member_corrected_beside_a_reclassification_under_a_total_never_sent(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2480's groups published (young 30, sick 20, other 50), its total never sent; the
    region's other members published, the region never sent. One correction batch:
    young 30 -> 3 (hidden) and other 50 -> 77 (persons reclassified: 2480's total stays
    100), and 2404 30 -> 40 (late registrations: the region changes). The region's relation
    moved, and it holds 2480's total too; the region's change explains that alone. An
    attacker assuming only that 2480's total did not change (true; nothing published
    contradicts it): young = 30 + 50 - 77 = 3 (an independent review)."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    others = {"2460": 25, "2404": 30, "2409": 35, "2401": 40, "2403": 50}
    r1 = publish(client, fk, groups(30, 20, 50) + [gk(v, a) for a, v in others.items()]
                 # The region published for another month: its area is present.
                 + [cell(GK, "umearegionen", "2023-11", 400, group="_T", sex="_T")])
    assert not r1["suppressed"]
    young_reclassified_is_protected(client, spy, ["2480", *others],
                                    publish(client, fk, [*reclassified(), gk(40, "2404", 2)]))


def test_next_month_corrected_beside_a_reclassification_under_a_total_never_sent(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """As above through the periods: 2480's October groups published (young 30, sick 20,
    other 50), October's total never sent, November's total published (90). One correction
    batch: young 30 -> 3 (hidden), other 50 -> 77 (October's total stays 100) and November
    90 -> 95. Q4 (never sent) = October + November + December moved, which November
    explains; young = 30 + 50 - 77 = 3 to whoever takes October's total for unchanged
    (true; an independent review)."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    nov = lambda v, r=1: cell(GK, "2480", "2023-11", v, r, group="_T", sex="_T")  # noqa: E731
    assert not publish(client, fk, [*groups(30, 20, 50), nov(90)])["suppressed"]
    young_reclassified_is_protected(client, spy, ["2480"],
                                    publish(client, fk, [*reclassified(), nov(95, 2)]))


def test_a_reclassification_in_two_deliveries_alarm_rests_on_the_hidden_truth(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2480's groups published (young 30, sick 20, other 50), the total never sent. The
    agency corrects other 50 -> 77 first (published: nothing hidden), young 30 -> 3 a
    delivery later (the only new value). The public snapshots: (30, 20, 50), (30, 20, 77),
    (?, 20, 77). Taking the total for unchanged throughout contradicts itself (100 vs 127);
    taken unchanged since the second snapshot young is 30, since the first it is 3: the
    data cannot tell which, only samstat's hidden 3 would: no alarm (an independent review:
    the audit reported young EXPOSED for good)."""
    fk = token("forsakringskassan")
    publish(client, fk, groups(30, 20, 50))
    publish(client, fk, [gk(77, "2480", 2, group=OTHER)])
    publish(client, fk, [gk(3, "2480", 2, group=YOUNG)])
    assert exposed(privacy_db, monkeypatch) == []
