"""The attacks of issue 12, through the real ingest API on SQLite and PostgreSQL: an
attacker with any token reads every answer (current cells and every revision) and bounds the
small cell by linear programming; it must stay at least the threshold wide around it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from samstat_kit.contracts import load_catalogue
from tests.privacy.attacker import Attacker, key, protected
from tests.privacy.conftest import cell, publish

GK = "gk_referrals"
GROUPS = ("young_activity_compensation", "sick_listed_unemployed", "other")


def gk(value: float | None, group: str, area: str = "2480", period: str = "2023-10",
       revision: int = 1, sex: str = "_T") -> dict[str, Any]:
    return cell(GK, area, period, value, revision, group=group, sex=sex)


def group_equation(area: str = "2480", period: str = "2023-10") -> Any:
    return (key(area, period, group="_T", sex="_T"),
            [key(area, period, group=g, sex="_T") for g in GROUPS])


def test_across_batches_the_missing_part_is_protected_from_the_first_batch(
        client: TestClient, token: Any) -> None:
    fk, reader = token("forsakringskassan"), token("arbetsformedlingen")
    young = key("2480", "2023-10", group="young_activity_compensation", sex="_T")
    publish(client, fk, [gk(20, "_T"), gk(10, "sick_listed_unemployed"), gk(7, "other")])
    spy = Attacker(client, reader)
    spy.read(GK, ["2480"])
    # 20 - 10 - 7 = 3 persons not yet sent: a residual, protected already now.
    assert protected(spy.bounds([group_equation()], [young]), 3)
    receipt = publish(client, fk, [gk(3, "young_activity_compensation")])
    assert [s["kind"] for s in receipt["suppressed"]] == ["primary"]
    spy.read(GK, ["2480"])
    assert protected(spy.bounds([group_equation()], [young]), 3)
    assert 3 not in spy.values_seen()


def test_a_correction_alone_does_not_reveal_the_small_cell(
        client: TestClient, token: Any) -> None:
    fk, reader = token("forsakringskassan"), token("arbetsformedlingen")
    young = key("2480", "2023-10", group="young_activity_compensation", sex="_T")
    first = publish(client, fk, [gk(20, "_T"), gk(10, "sick_listed_unemployed"),
                                 gk(7, "other"), gk(3, "young_activity_compensation")])
    assert {s["index"]: s["kind"] for s in first["suppressed"]} == \
        {2: "secondary", 3: "primary"}
    second = publish(client, fk, [gk(8, "other", revision=2)])
    assert [(s["index"], s["kind"]) for s in second["suppressed"]] == [(0, "held")]
    spy = Attacker(client, reader)
    spy.read(GK, ["2480"])
    assert protected(spy.bounds([group_equation()], [young]), 3)
    assert not {3, 7, 8} & spy.values_seen()


def test_a_region_beside_its_municipalities(client: TestClient, token: Any) -> None:
    fk, reader = token("forsakringskassan"), token("arbetsformedlingen")
    members = load_catalogue().areas["umearegionen"].members
    values = dict(zip(members, [120, 3, 30, 40, 25, 22], strict=True))
    small = next(m for m, v in values.items() if v == 3)
    publish(client, fk, [gk(v, "_T", area=m) for m, v in values.items()]
            + [gk(sum(values.values()), "_T", area="umearegionen")])
    spy = Attacker(client, reader)
    spy.read(GK, [*members, "umearegionen"])
    eq = (key("umearegionen", "2023-10", group="_T", sex="_T"),
          [key(m, "2023-10", group="_T", sex="_T") for m in members])
    assert protected(spy.bounds([eq], [key(small, "2023-10", group="_T", sex="_T")]), 3)


def test_a_quarter_beside_its_months(client: TestClient, token: Any) -> None:
    fk, reader = token("forsakringskassan"), token("arbetsformedlingen")
    months = {"2023-01": 3, "2023-02": 10, "2023-03": 12}
    publish(client, fk, [gk(v, "_T", period=p) for p, v in months.items()]
            + [gk(25, "_T", period="2023-Q1")])
    spy = Attacker(client, reader)
    spy.read(GK, ["2480"])
    eq = (key("2480", "2023-Q1", group="_T", sex="_T"),
          [key("2480", p, group="_T", sex="_T") for p in months])
    assert protected(spy.bounds([eq], [key("2480", "2023-01", group="_T", sex="_T")]), 3)


def test_a_county_beside_its_parts_in_separate_batches(
        client: TestClient, token: Any) -> None:
    af, reader = token("arbetsformedlingen"), token("forsakringskassan")
    cat = load_catalogue()
    parts = sorted(a.code for a in cat.areas.values()
                   if a.level == "municipality" and a.parent == "24")
    values = {m: 40 + i for i, m in enumerate(parts)}
    values[parts[3]] = 2

    def unemployed(area: str, v: float) -> dict[str, Any]:
        return cell("unemployed_persons", area, "2023-10", v, agency="arbetsformedlingen",
                    birth_region="_T", duration="_T")

    publish(client, af, [unemployed("24", sum(values.values()))])
    publish(client, af, [unemployed(m, v) for m, v in values.items()])
    spy = Attacker(client, reader)
    spy.read("unemployed_persons", ["24", *parts])
    eq = (key("24", "2023-10", birth_region="_T", duration="_T"),
          [key(m, "2023-10", birth_region="_T", duration="_T") for m in parts])
    target = key(parts[3], "2023-10", birth_region="_T", duration="_T")
    assert protected(spy.bounds([eq], [target]), 2)


def test_every_token_reads_the_same_protected_cells(client: TestClient, token: Any) -> None:
    fk = token("forsakringskassan")
    publish(client, fk, [gk(20, "_T"), gk(10, "sick_listed_unemployed"), gk(7, "other"),
                         gk(3, "young_activity_compensation")])
    answers = []
    for tok in (fk, token("arbetsformedlingen"), token(scope="admin")):
        r = client.get("/v1/cells", params={"measure": GK, "area": "2480"},
                       headers={"Authorization": f"Bearer {tok}"})
        answers.append({c["dimensions"]["group"]: c["value"] for c in r.json()})
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["young_activity_compensation"] is None
    assert answers[0]["other"] is None
