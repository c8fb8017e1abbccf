"""Corrections against the snapshots before them (an independent review's attacks): history
and ``as_of`` serve every revision, so the attacker sets each relation up as it stood at each
moment, with each cell's revision standing then, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.privacy.attacker import Attacker, key, protected
from tests.privacy.conftest import cell, publish

GK = "gk_referrals"
MEMBERS = ("2480", "2460", "2404", "2409", "2401", "2403")  # the Umeå region's six
VALUES = dict(zip(MEMBERS, (120, 3, 30, 35, 40, 50), strict=True))  # 2460: a small count
GROUPS = ("young_activity_compensation", "sick_listed_unemployed", "other")


def gk(value: float, area: str, revision: int = 1, group: str = "_T",
       conf: str | None = None) -> dict[str, Any]:
    doc = cell(GK, area, "2023-10", value, revision, group=group, sex="_T")
    return doc | ({"conf_status": conf} if conf else {})


def at(area: str, group: str = "_T") -> Any:
    return key(area, "2023-10", group=group, sex="_T")


REGION = [(at("umearegionen"), [at(a) for a in MEMBERS])]


def first_batch(client: TestClient, fk: str) -> None:
    receipt = publish(client, fk, [gk(v, a) for a, v in VALUES.items()]
                      + [gk(sum(VALUES.values()), "umearegionen")])
    assert {s["kind"] for s in receipt["suppressed"]} == {"primary", "secondary"}


def exposed(db: str, monkeypatch: Any) -> list[str]:
    """What ``samstat privacy audit`` finds exposed."""
    from samstat.cli import app
    monkeypatch.setenv("SAMSTAT_DATABASE_URL", db)
    got = CliRunner().invoke(app, ["privacy", "audit", "--quiet"])
    assert got.exit_code in (0, 1), got.output
    found = [line for line in got.output.splitlines() if line.startswith("EXPOSED")]
    assert bool(found) == (got.exit_code == 1), got.output
    return found


def test_a_correction_to_a_small_count_is_not_read_from_the_snapshot_before_it(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2409 corrected from 35 to 4 (primary) with the region's total: the region's change
    (278 → 247) minus what the public saw of 2409 before (35) is its new value."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    first_batch(client, fk)
    region = sum(VALUES.values())
    receipt = publish(client, fk, [gk(4, "2409", 2), gk(region - 31, "umearegionen", 2)])
    # The region's correction is what gets held back: the 4 is the region's change.
    assert [s["kind"] for s in receipt["suppressed"]] == ["primary", "secondary"]
    spy.read(GK, [*MEMBERS, "umearegionen"])
    assert protected(spy.history_bounds(REGION, [(at("2409"), 2)]), 4)
    assert protected(spy.history_bounds(REGION, [(at("2460"), 1)]), 3)
    assert exposed(privacy_db, monkeypatch) == []


def test_a_confidential_correction_keeps_its_value_protected(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2409 corrected to 33 and marked confidential (C), with the region: the snapshot
    before gives the hidden pair's sum, and the new region its new value."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    first_batch(client, fk)
    region = sum(VALUES.values())
    publish(client, fk, [gk(33, "2409", 2, conf="C"), gk(region - 2, "umearegionen", 2)])
    spy.read(GK, [*MEMBERS, "umearegionen"])
    assert protected(spy.history_bounds(REGION, [(at("2409"), 2)]), 33)
    assert exposed(privacy_db, monkeypatch) == []


def test_a_breakdown_published_after_a_correction_does_not_pin_the_small_cell(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """2409 corrected to 31 (C), the region left as it was; then 2404's breakdown by group.
    The snapshot before the correction pins 2460 + 2404 at 33, and the breakdown 2404.
    (The confidential 31 itself stays near the 35 published before, beside the region that
    was not corrected: what was shown cannot be unshown, and the audit says so.)"""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    first_batch(client, fk)
    publish(client, fk, [gk(31, "2409", 2, conf="C")])
    publish(client, fk, [gk(10, "2404", group=g) for g in GROUPS])
    spy.read(GK, [*MEMBERS, "umearegionen"])
    equations = [*REGION, (at("2404"), [at("2404", g) for g in GROUPS])]
    assert protected(spy.history_bounds(equations, [(at("2460"), 1)]), 3)
    assert [line for line in exposed(privacy_db, monkeypatch) if "2460" in line] == []


def withdraw(group: str, revision: int, sex: str = "_T") -> dict[str, Any]:
    doc = cell(GK, "2480", "2023-10", None, revision, group=group, sex=sex)
    return doc | {"withdrawn": True, "conf_status": "F"}


def test_a_withdrawn_cell_is_not_read_from_totals_corrected_after_it(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """A red team: a breakdown published in full, "other" withdrawn for each sex, then the
    totals corrected by 36: the withdrawn cells' values now (2 and 2, sent again later as
    small counts) were the totals' differences, since the attack kept "other" at its last
    shown value for good. Withdrawn, a cell's value is unknown as a cell not sent is."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    parts = {(g, s): v for g, (k, m) in zip(GROUPS, ((10, 10), (15, 15), (20, 20)),
                                          strict=True) for s, v in (("K", k), ("M", m))}

    def full(values: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
        out = dict(values) | {(g, "_T"): values[(g, "K")] + values[(g, "M")] for g in GROUPS}
        return out | {("_T", s): sum(out[(g, s)] for g in GROUPS) for s in ("K", "M", "_T")}

    first = full(parts)
    assert not publish(client, fk, [cell(GK, "2480", "2023-10", v, group=g, sex=s)
                                    for (g, s), v in first.items()])["suppressed"]
    publish(client, fk, [withdraw("other", 2, s) for s in ("K", "M", "_T")])
    now = full(parts | {("other", "K"): 2, ("other", "M"): 2})
    publish(client, fk, [cell(GK, "2480", "2023-10", now[("_T", s)], 2, group="_T", sex=s)
                         for s in ("K", "M", "_T")])
    spy.read(GK, ["2480"])
    at2 = lambda g, s: key("2480", "2023-10", group=g, sex=s)  # noqa: E731
    equations = [(at2("_T", s), [at2(g, s) for g in GROUPS]) for s in ("K", "M", "_T")]
    equations += [(at2(g, "_T"), [at2(g, "K"), at2(g, "M")]) for g in (*GROUPS, "_T")]
    for s in ("K", "M"):  # "other" as it is now: withdrawn, 2
        assert protected(spy.history_bounds(equations, [spy.now(at2("other", s))]), 2)
    assert exposed(privacy_db, monkeypatch) == []


def test_a_withdrawal_then_a_correction_raises_no_false_alarm(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """A red team: "other" 40 withdrawn, the total corrected from 90 to 54, "other" sent
    again as 4. The audit said the 4 exposed for good: the withdrawn revision was one value
    from the withdrawal to the re-send, so the snapshots pinned the corrected total at 90."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    assert not publish(client, fk, [gk(90, "2480"), gk(20, "2480", group=GROUPS[0]),
                                    gk(30, "2480", group=GROUPS[1]),
                                    gk(40, "2480", group="other")])["suppressed"]
    publish(client, fk, [withdraw("other", 2)])
    publish(client, fk, [gk(54, "2480", 2)])
    publish(client, fk, [gk(4, "2480", 3, group="other")])
    spy.read(GK, ["2480"])
    equations = [(at("2480"), [at("2480", g) for g in GROUPS])]
    assert protected(spy.history_bounds(equations, [(at("2480", "other"), 3)]), 4)
    assert exposed(privacy_db, monkeypatch) == []


def test_a_cell_sent_after_its_total_is_what_the_total_counted_in_earlier_snapshots(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """A red team: the region (200) published with every member but 2460, 2480's 3 hidden;
    2409 (10) withdrawn; then 2460 sent as 17. Before the withdrawal the region was
    200 = 2480 + 2460 + 70 + 10 + 50 + 50, and 2460 is what it was sent as: 2480 = 3. A cell
    not sent at a moment was a value of its own there, so nothing was held back."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    truth = {"2480": 3, "2460": 17, "2404": 70, "2409": 10, "2401": 50, "2403": 50}
    publish(client, fk, [gk(sum(truth.values()), "umearegionen")]
            + [gk(v, a) for a, v in truth.items() if a != "2460"])
    publish(client, fk, [withdraw_at("2409", 2)])
    publish(client, fk, [gk(truth["2460"], "2460")])
    spy.read(GK, [*MEMBERS, "umearegionen"])
    bounds = spy.history_bounds(REGION, [(at("2480"), 1)], sent_as_counted=True)
    assert protected(bounds, 3), bounds
    assert exposed(privacy_db, monkeypatch) == []


def test_a_month_sent_after_its_quarter_is_what_the_quarter_counted(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """The same through the periods: Q4 (63) with October (3, hidden) and December (20);
    December withdrawn; November sent as 40: October = 63 - 40 - 20 before the withdrawal."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    month = lambda v, p, r=1: cell(GK, "2480", p, v, r, group="_T", sex="_T")  # noqa: E731
    publish(client, fk, [month(63, "2023-Q4"), month(3, "2023-10"), month(20, "2023-12")])
    publish(client, fk, [cell(GK, "2480", "2023-12", None, 2, group="_T", sex="_T")
                         | {"withdrawn": True, "conf_status": "F"}])
    publish(client, fk, [month(40, "2023-11")])
    spy.read(GK, ["2480"])
    quarter = [(key("2480", "2023-Q4", group="_T", sex="_T"),
                [key("2480", p, group="_T", sex="_T") for p in ("2023-10", "2023-11",
                                                               "2023-12")])]
    bounds = spy.history_bounds(quarter, [(key("2480", "2023-10", group="_T", sex="_T"), 1)],
                                sent_as_counted=True)
    assert protected(bounds, 3), bounds
    assert exposed(privacy_db, monkeypatch) == []


def test_a_part_corrected_with_its_total_is_not_the_totals_difference(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """The limit the snapshots had: 2480's total (80) and young (20) published, the other
    groups never sent; then both corrected, young to 3. An attacker who takes the unsent
    groups for unchanged reads young's 3 as 20 + (63 - 80), and the data bear them out: the
    groups' sum is 60 before and after. The total's correction is what gets held back."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    young = GROUPS[0]
    assert not publish(client, fk, [gk(80, "2480"), gk(20, "2480", group=young)])["suppressed"]
    receipt = publish(client, fk, [gk(63, "2480", 2), gk(3, "2480", 2, group=young)])
    assert sorted(s["kind"] for s in receipt["suppressed"]) == ["primary", "secondary"]
    spy.read(GK, ["2480"])
    equations = [(at("2480"), [at("2480", g) for g in GROUPS])]
    bounds = spy.history_bounds(equations, [(at("2480", young), 2)], unsent_unchanged=True)
    assert protected(bounds, 3), bounds
    assert exposed(privacy_db, monkeypatch) == []


def test_a_total_corrected_for_its_unsent_parts_is_published(
        client: TestClient, token: Any, privacy_db: str) -> None:
    """Where the data say the unsent groups did change (the total corrected, young not),
    taking them for unchanged pins nothing true: the correction is published."""
    fk = token("forsakringskassan")
    young = GROUPS[0]
    publish(client, fk, [gk(80, "2480"), gk(20, "2480", group=young)])
    assert not publish(client, fk, [gk(76, "2480", 2)])["suppressed"]


def withdraw_at(area: str, revision: int) -> dict[str, Any]:
    doc = cell(GK, area, "2023-10", None, revision, group="_T", sex="_T")
    return doc | {"withdrawn": True, "conf_status": "F"}
