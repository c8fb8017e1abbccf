"""A red team's attacks (2026-12-07) on two changes to disclosure control, kept as tests.

A. A stock's quarter/half/year that nothing was ever sent of is its last month under
   another name (services/ingest/disclosure/links.py leaves its period relations out).
B. Area totals never sent (the Umeå region for gk_referrals; county and nation for
   unemployed_persons) join the second view (an attacker who takes cells never sent for
   unchanged) where a walked cell has an earlier revision (protect.attack_from, ``free``).

Every equation written here is a fact of the catalogue (schemas/measures/*.json,
schemas/codelists/areas.json): a region or county is the sum of its municipalities, a
group total the sum of its groups, a flow's quarter the sum of its months, a stock's
quarter its last month. The "unchanged" assumption is only ever made of cells that truly
did not change in the sequence, so a narrowed interval is a real leak. The B probes failed
before change B. B1, B2, B6 and B9 read the small cell exactly ([3, 3]) through a total
never sent over parts never sent that each moved while their sum did not, before and after
change B; they pass since that evidence is read off the parts' breakdowns
(breakdowns.flat). The A probes pass with change A as they did before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.testclient import TestClient

from tests.privacy.attacker import Attacker, key, protected
from tests.privacy.conftest import cell, publish
from tests.privacy.test_history import GK, GROUPS, MEMBERS, exposed

YOUNG, SICK, OTHER = GROUPS
UP = "unemployed_persons"
REGIONS = ("sweden", "europe", "outside_europe")
COUNTY24 = ("2401", "2403", "2404", "2409", "2417", "2418", "2421", "2422", "2425",
            "2460", "2462", "2463", "2480", "2481", "2482")


def g(value: float, area: str, period: str = "2023-10", revision: int = 1,
      group: str = "_T", sex: str = "_T") -> dict[str, Any]:
    return cell(GK, area, period, value, revision, group=group, sex=sex)


def gat(area: str, period: str = "2023-10", group: str = "_T", sex: str = "_T") -> Any:
    return key(area, period, group=group, sex=sex)


def up(area: str, period: str, values: Mapping[str, float], revision: int = 1,
       duration: str = "_T") -> list[dict[str, Any]]:
    return [cell(UP, area, period, v, revision, agency="arbetsformedlingen",
                 birth_region=b, duration=duration) for b, v in values.items()]


def uat(area: str, period: str, region: str = "_T", duration: str = "_T") -> Any:
    return key(area, period, birth_region=region, duration=duration)


# --------------------------------------------------------------------------------------
# B: area totals never sent, across corrections
# --------------------------------------------------------------------------------------

MEMBER_GROUPS = {"2480": (40, 30, 50), "2460": (10, 10, 20), "2404": (30, 20, 50),
                 "2409": (25, 15, 50), "2401": (20, 10, 30), "2403": (15, 10, 25)}


def test_B1_persons_moved_between_members_and_groups_under_a_region_never_sent(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Read exactly before breakdowns.flat. The Umeå region never sent, and no member's group
    total (_T) either: each member publishes its October groups only (young, sick, other;
    all >= 10, nothing hidden). A correction moves 27 persons from 2404's young (30 -> 3,
    hidden, primary) to 2409's other (50 -> 77, published): persons registered in the wrong
    member and group. The region's total never changed (true: 435 throughout). Attacker's
    facts: region_T = sum over its six members of (young + sick + other), and region_T,
    never sent, is one value at both moments. Then young_2404 = 30 + 50 - 77 = 3 exactly.
    The product's second view takes a cell never sent for unchanged only with evidence from
    a relation holding a sent cell; region_T's own relation (region_T = members' _T) holds
    only cells never sent, and each member's _T moved, so nothing takes region_T for
    unchanged."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    first = [g(v, m, group=grp) for m, vs in MEMBER_GROUPS.items()
             for grp, v in zip(GROUPS, vs, strict=True)]
    r1 = publish(client, fk, first)
    receipt = publish(client, fk, [g(3, "2404", revision=2, group=YOUNG),
                                   g(77, "2409", revision=2, group=OTHER)])
    spy.read(GK, list(MEMBERS))
    equations = [(gat("umearegionen"), [gat(m, group=grp) for m in MEMBERS for grp in GROUPS])]
    bounds = spy.history_bounds(equations, [(gat("2404", group=YOUNG), 2)],
                                unsent_unchanged=True)
    audit = exposed(privacy_db, monkeypatch)  # the product's own audit
    assert protected(bounds, 3), (audit, bounds, r1["suppressed"], receipt["suppressed"])


def test_B2_persons_moved_between_members_and_months_under_a_region_never_sent(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Read exactly before breakdowns.flat. The region never sent (any month, nor its quarter);
    its six members publish October, November and December totals. A correction re-dates and
    re-assigns 27 referrals: 2404's October 30 -> 3 (hidden), 2409's November 35 -> 62
    (published). The region's Q4 never changed (true). Attacker's facts: region_Q4 = sum
    over members and months (a flow's quarter is the sum of its months; the region the sum
    of its members), region_Q4 one value at both moments: 2404_Oct = 30 + 35 - 62 = 3. The
    free relations are the region's per month (each moved) and the region's quarter is
    reached by no walk (its parts never sent are walked no further)."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    months = ("2023-10", "2023-11", "2023-12")
    base = {"2480": 120, "2460": 25, "2404": 30, "2409": 35, "2401": 40, "2403": 50}
    first = [g(v + 5 * i, m, p) for i, p in enumerate(months) for m, v in base.items()]
    first = [d if not (d["area"] == "2409" and d["period"] == "2023-11") else g(35, "2409",
             "2023-11") for d in first]
    first = [d if not (d["area"] == "2404" and d["period"] == "2023-10") else g(30, "2404",
             "2023-10") for d in first]
    r1 = publish(client, fk, first)
    receipt = publish(client, fk, [g(3, "2404", "2023-10", 2), g(62, "2409", "2023-11", 2)])
    spy.read(GK, list(MEMBERS))
    equations = [(gat("umearegionen", "2023-Q4"), [gat(m, p) for m in MEMBERS for p in months])]
    bounds = spy.history_bounds(equations, [(gat("2404", "2023-10"), 2)],
                                unsent_unchanged=True)
    audit = exposed(privacy_db, monkeypatch)  # the product's own audit
    assert protected(bounds, 3), (audit, bounds, r1["suppressed"], receipt["suppressed"])


def test_B3_persons_moved_out_of_the_region_within_its_county_never_sent_probe(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Probe (stocks: county never sent). unemployed_persons in Västerbotten's 15
    municipalities published for March (_T x _T), county 24 and nation never sent. 27
    persons re-registered from 2404 (30 -> 3, hidden) to 2421 (35 -> 62, published). The
    county, never sent, did not change (true): 2404 = 30 + 35 - 62 = 3 to whoever takes
    it for unchanged. The county's relation holds sent cells whose remainder stayed:
    the second view should take it."""
    af, spy = token("arbetsformedlingen"), Attacker(client, token("forsakringskassan"))
    first = {m: 40 + i for i, m in enumerate(COUNTY24)} | {"2404": 30, "2421": 35}
    r1 = publish(client, af, [d for m, v in first.items() for d in up(m, "2023-03", {"_T": v})])
    receipt = publish(client, af, up("2404", "2023-03", {"_T": 3}, 2)
                      + up("2421", "2023-03", {"_T": 62}, 2))
    spy.read(UP, list(COUNTY24))
    equations = [(uat("24", "2023-03"), [uat(m, "2023-03") for m in COUNTY24])]
    bounds = spy.history_bounds(equations, [(uat("2404", "2023-03"), 2)],
                                unsent_unchanged=True)
    assert protected(bounds, 3), (bounds, r1["suppressed"], receipt["suppressed"])
    assert exposed(privacy_db, monkeypatch) == []


def test_B4_region_never_sent_member_withdrawn_then_small_beside_a_move_probe(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Probe. The region never sent, its six members published (_T). 2404 (30) withdrawn;
    then 2404 sent again as 3 (hidden) with 2409 35 -> 62 (published): the persons moved
    while 2404 stood withdrawn. The region never changed (true). Before the withdrawal:
    region = 300; now: region = 2404 + 62 + 208: 2404 = 3."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    base = {"2480": 120, "2460": 25, "2404": 30, "2409": 35, "2401": 40, "2403": 50}
    publish(client, fk, [g(v, m) for m, v in base.items()])
    publish(client, fk, [cell(GK, "2404", "2023-10", None, 2, group="_T", sex="_T")
                         | {"withdrawn": True, "conf_status": "F"}])
    receipt = publish(client, fk, [g(3, "2404", revision=3), g(62, "2409", revision=2)])
    spy.read(GK, list(MEMBERS))
    equations = [(gat("umearegionen"), [gat(m) for m in MEMBERS])]
    bounds = spy.history_bounds(equations, [(gat("2404"), 3)], unsent_unchanged=True)
    assert protected(bounds, 3), (bounds, receipt["suppressed"])
    assert exposed(privacy_db, monkeypatch) == []


def test_B5_a_group_moved_between_members_under_a_region_group_never_sent_probe(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Probe. Members publish groups and totals; the region never sent. 27 young moved
    from 2404 (30 -> 3, hidden) to 2409 (25 -> 52), both members' _T corrected too
    (published): region_young, never sent, unchanged (true)."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    first = [g(v, m, group=grp) for m, vs in MEMBER_GROUPS.items()
             for grp, v in zip(GROUPS, vs, strict=True)]
    first += [g(sum(vs), m) for m, vs in MEMBER_GROUPS.items()]
    publish(client, fk, first)
    receipt = publish(client, fk, [g(3, "2404", revision=2, group=YOUNG),
                                   g(52, "2409", revision=2, group=YOUNG),
                                   g(73, "2404", revision=2), g(117, "2409", revision=2)])
    spy.read(GK, list(MEMBERS))
    equations = [(gat("umearegionen", group=YOUNG), [gat(m, group=YOUNG) for m in MEMBERS]),
                 (gat("umearegionen"), [gat(m) for m in MEMBERS])]
    equations += [(gat(m), [gat(m, group=grp) for grp in GROUPS]) for m in MEMBERS]
    bounds = spy.history_bounds(equations, [(gat("2404", group=YOUNG), 2)],
                                unsent_unchanged=True)
    assert protected(bounds, 3), (bounds, receipt["suppressed"])
    assert exposed(privacy_db, monkeypatch) == []


def test_B6_persons_moved_between_groups_and_sexes_total_never_sent(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Read exactly before breakdowns.flat (the docs' "longer chains", not areas: the same shape
    as B1 through the two dimensions). 2480's October by group x sex published (6 cells),
    every margin never sent. 27 referrals corrected from young/K (30 -> 3, hidden) to
    other/M (50 -> 77, published). The grand total (_T, _T) never changed (true): it is the
    sum of the six cells, so young/K = 30 + 50 - 77 = 3. Every relation holding the grand
    total holds only cells never sent (its margins), each margin of a moved cell moved."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    cells = {(YOUNG, "K"): 30, (YOUNG, "M"): 25, (SICK, "K"): 20, (SICK, "M"): 15,
             (OTHER, "K"): 40, (OTHER, "M"): 50}
    publish(client, fk, [g(v, "2480", group=grp, sex=s) for (grp, s), v in cells.items()])
    receipt = publish(client, fk, [g(3, "2480", revision=2, group=YOUNG, sex="K"),
                                   g(77, "2480", revision=2, group=OTHER, sex="M")])
    spy.read(GK, ["2480"])
    equations = [(gat("2480"), [gat("2480", group=grp, sex=s) for grp, s in cells])]
    bounds = spy.history_bounds(equations, [(gat("2480", group=YOUNG, sex="K"), 2)],
                                unsent_unchanged=True)
    audit = exposed(privacy_db, monkeypatch)  # the product's own audit
    assert protected(bounds, 3), (audit, bounds, receipt["suppressed"])


# --------------------------------------------------------------------------------------
# A: a stock's period never sent is its last month
# --------------------------------------------------------------------------------------

MARCH = {"_T": 60, "sweden": 40, "europe": 17, "outside_europe": 3}


def stock_equations(area: str, periods: tuple[str, ...]) -> list[Any]:
    """Each period's regions add up; every coarser period is its last month, cell by cell."""
    out = [(uat(area, p), [uat(area, p, b) for b in REGIONS]) for p in periods]
    for p in periods[1:]:
        out += [(uat(area, p, b), [uat(area, periods[0], b)]) for b in ("_T", *REGIONS)]
    return out


def test_A1_quarter_sent_elsewhere_march_corrected_after_probe(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Probe. 2480's March published (outside 3 hidden, a secondary with it); 2404's Q1
    sent (so Q1 is in the table's periods); then 2480's March corrected (outside 3 -> 4,
    sweden 40 -> 39, published) and only later 2480's Q1 sent, repeating the corrected
    March. An attacker with every identity at every moment, and one who takes Q1's first
    values for what it counted before it was sent."""
    af, spy = token("arbetsformedlingen"), Attacker(client, token("forsakringskassan"))
    publish(client, af, up("2480", "2023-03", MARCH))
    publish(client, af, up("2404", "2023-Q1", {"_T": 80, "sweden": 50, "europe": 15,
                                                 "outside_europe": 15}))
    publish(client, af, up("2480", "2023-03", {"sweden": 39, "outside_europe": 4}, 2))
    later = {"_T": 60, "sweden": 39, "europe": 17, "outside_europe": 4}
    receipt = publish(client, af, up("2480", "2023-Q1", later))
    spy.read(UP, ["2480", "2404"])
    eqs = stock_equations("2480", ("2023-03", "2023-Q1"))
    assert 3 not in spy.values_seen() and 4 not in spy.values_seen()
    for assume in ({}, {"sent_as_counted": True}):
        b = spy.history_bounds(eqs, [(uat("2480", "2023-03", "outside_europe"), 2)], **assume)
        assert protected(b, 4), (b, receipt["suppressed"])
        b = spy.history_bounds(eqs, [(uat("2480", "2023-03", "outside_europe"), 1)], **assume)
        assert protected(b, 3), (b, receipt["suppressed"])
    assert exposed(privacy_db, monkeypatch) == []


def test_A2_half_sent_while_its_quarters_never_are_probe(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Probe. June published (outside 3 hidden); then H1 sent (Q2 never): H1 = Q2 = June.
    The half's cells repeating June's hidden ones must be held back; the year never sent.
    Then June corrected by reclassification (outside 3 -> 2 hidden, europe 17 -> 18)."""
    af, spy = token("arbetsformedlingen"), Attacker(client, token("forsakringskassan"))
    publish(client, af, up("2480", "2023-06", MARCH))
    receipt = publish(client, af, up("2480", "2023-H1", MARCH))
    publish(client, af, up("2480", "2023-06", {"europe": 18, "outside_europe": 2}, 2))
    spy.read(UP, ["2480"])
    eqs = stock_equations("2480", ("2023-06", "2023-Q2", "2023-H1"))
    assert 3 not in spy.values_seen() and 2 not in spy.values_seen()
    assert protected(spy.bounds(eqs, [uat("2480", "2023-06", "outside_europe")]), 2)
    b = spy.history_bounds(eqs, [(uat("2480", "2023-06", "outside_europe"), 2)],
                           unsent_unchanged=True)
    assert protected(b, 2), (b, receipt["suppressed"])
    assert exposed(privacy_db, monkeypatch) == []


def test_A3_stock_reclassified_in_march_quarter_never_sent_probe(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Probe. 2480's March by birth region published, its _T never sent (nor Q1, county,
    nation). Persons reclassified: outside 30 -> 3 (hidden), europe 17 -> 44. Attacker 1:
    March's _T unchanged (true: 87 then and now; the only cell never sent in its
    equations). Attacker 2: every identity of the quarter (Q1 = March, cell by cell) at
    every moment, nothing assumed (Q1's cells are NOT unchanged: they follow March)."""
    af, spy = token("arbetsformedlingen"), Attacker(client, token("forsakringskassan"))
    publish(client, af, up("2480", "2023-03", {"sweden": 40, "europe": 17,
                                               "outside_europe": 30}))
    receipt = publish(client, af, up("2480", "2023-03", {"europe": 44, "outside_europe": 3}, 2))
    spy.read(UP, ["2480"])
    target = [(uat("2480", "2023-03", "outside_europe"), 2)]
    b = spy.history_bounds(stock_equations("2480", ("2023-03",)), target, unsent_unchanged=True)
    assert protected(b, 3), (b, receipt["suppressed"])
    b = spy.history_bounds(stock_equations("2480", ("2023-03", "2023-Q1")), target)
    assert protected(b, 3), (b, receipt["suppressed"])
    assert exposed(privacy_db, monkeypatch) == []


def test_B9_stock_persons_moved_between_municipalities_and_regions_county_never_sent(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Read exactly before breakdowns.flat (change B for a stock, B1's shape: county 24 never
    sent, every municipality's March _T never sent, birth regions published). 27 persons re-
    registered from 2404's outside_europe (30 -> 3, hidden) to 2421's europe (17 -> 44,
    published). County 24's March _T unchanged (true). Attacker: county_T = sum over the 15
    municipalities of their three birth regions, one value at both moments: 3 = 30 + 17 -
    44."""
    af, spy = token("arbetsformedlingen"), Attacker(client, token("forsakringskassan"))
    first: list[dict[str, Any]] = []
    for i, m in enumerate(COUNTY24):
        vals = {"sweden": 40 + i, "europe": 17, "outside_europe": 30}
        first += up(m, "2023-03", vals)
    publish(client, af, first)
    receipt = publish(client, af, up("2404", "2023-03", {"outside_europe": 3}, 2)
                      + up("2421", "2023-03", {"europe": 44}, 2))
    spy.read(UP, list(COUNTY24))
    eqs = [(uat("24", "2023-03"), [uat(m, "2023-03", b) for m in COUNTY24 for b in REGIONS])]
    b = spy.history_bounds(eqs, [(uat("2404", "2023-03", "outside_europe"), 2)],
                           unsent_unchanged=True)
    audit = exposed(privacy_db, monkeypatch)  # the product's own audit
    assert protected(b, 3), (audit, b, receipt["suppressed"])


def test_B7_persons_moved_across_counties_nation_never_sent_probe(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Probe (stocks). Only 2404 and 0180 ever sent (March _T: 30 and 35); counties and
    nation never sent. 27 persons re-registered 2404 -> 0180 (30 -> 3 hidden, 35 -> 62).
    True: the nation and the 288 other municipalities did not change. nation = sum of
    the 290 municipalities: 2404 = 30 + 35 - 62."""
    import json
    from pathlib import Path
    areas = json.loads(Path("schemas/codelists/areas.json").read_text())
    munis = [a["code"] for a in areas if a["level"] == "municipality"]
    af, spy = token("arbetsformedlingen"), Attacker(client, token("forsakringskassan"))
    publish(client, af, up("2404", "2023-03", {"_T": 30}) + up("0180", "2023-03", {"_T": 35}))
    receipt = publish(client, af, up("2404", "2023-03", {"_T": 3}, 2)
                      + up("0180", "2023-03", {"_T": 62}, 2))
    spy.read(UP, ["2404", "0180"])
    eqs = [(uat("0000", "2023-03"), [uat(m, "2023-03") for m in munis])]
    b = spy.history_bounds(eqs, [(uat("2404", "2023-03"), 2)], unsent_unchanged=True)
    assert protected(b, 3), (b, receipt["suppressed"])
    assert exposed(privacy_db, monkeypatch) == []


def test_B8_young_moved_between_members_whose_totals_were_never_sent_probe(
        client: TestClient, token: Any, privacy_db: str, monkeypatch: Any) -> None:
    """Probe. Members publish groups only (no _T), the region never sent. 27 young moved
    2404 -> 2409 (30 -> 3 hidden, 25 -> 52 published). region_young never sent and
    unchanged (true): 2404 young = 30 + 25 - 52."""
    fk, spy = token("forsakringskassan"), Attacker(client, token("arbetsformedlingen"))
    publish(client, fk, [g(v, m, group=grp) for m, vs in MEMBER_GROUPS.items()
                         for grp, v in zip(GROUPS, vs, strict=True)])
    receipt = publish(client, fk, [g(3, "2404", revision=2, group=YOUNG),
                                   g(52, "2409", revision=2, group=YOUNG)])
    spy.read(GK, list(MEMBERS))
    eqs = [(gat("umearegionen", group=YOUNG), [gat(m, group=YOUNG) for m in MEMBERS])]
    b = spy.history_bounds(eqs, [(gat("2404", group=YOUNG), 2)], unsent_unchanged=True)
    assert protected(b, 3), (b, receipt["suppressed"])
    assert exposed(privacy_db, monkeypatch) == []
