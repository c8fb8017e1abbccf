"""What a measured change is worth (services/initiatives/report/worth.py): people and public
cost from the unit costs, with the assumptions beside every figure."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.initiatives.report.worth import load_unit_costs, shown_sek, worth

COSTS: dict[str, Any] = {
    "currency": "SEK", "price_year": 2024,
    "per_fye": {"unemployment": {"sek": 200000, "source_sv": "a-kassa", "source_en": "UI"}},
    "per_young_person_outside_work": {"sek": 14000000, "source_sv": "seed 000",
                                      "source_en": "seed 000"},
    "indicators": {
        "up": {"benefit": "unemployment", "fye_per_person": 0.5, "why_sv": "halvår",
               "why_en": "half a year"},
        "down": {"benefit": "unemployment", "fye_per_person": 1.0},
        "young": {"benefit": "unemployment", "fye_per_person": 0.25, "young": True},
    },
}


def test_people_follow_the_wanted_direction_and_cost_the_unit_price() -> None:
    w = worth([("up", "rise", 10.0), ("down", "fall", -4.0), ("share", "rise", 0.1)], COSTS)
    assert [(x.indicator, x.people, x.fye, x.annual_sek) for x in w.lines] == [
        ("up", 10.0, 5.0, 1_000_000.0), ("down", 4.0, 4.0, 800_000.0)]
    assert (w.people, w.annual_sek, w.untranslated) == (14.0, 1_800_000.0, ["share"])
    assert "0.5 full-year equivalent per person (half a year)" in w.lines[0].assumption_en
    assert "200\u00a0000\u00a0kr per helårsekvivalent (a-kassa)" in w.lines[0].assumption_sv
    assert "SEK\u00a0200,000 per full-year equivalent" in w.lines[0].assumption_en
    assert w.lines[0].assumption_sv.startswith("0,5 helårsekvivalent per person")


def test_the_wrong_way_is_a_cost_and_young_people_have_a_lifetime_bound() -> None:
    w = worth([("young", "rise", 3.0), ("up", "rise", -2.0)], COSTS)
    young, up = w.lines
    assert young.lifetime_sek_max == 42_000_000 and "14\u00a0000\u00a0000" in young.assumption_sv
    assert up.people == -2.0 and up.annual_sek == -200_000.0 and up.lifetime_sek_max is None
    assert w.lifetime_sek_max == 42_000_000


def test_nothing_to_translate() -> None:
    w = worth([("up", None, 3.0), ("down", "fall", None)], COSTS)
    assert (w.lines, w.people, w.annual_sek, w.lifetime_sek_max) == ([], None, None, None)


def test_the_totals_add_the_lines_as_the_report_writes_them() -> None:
    """A line's people are written as whole people and the totals were the unrounded sums:
    lines written "+24 · 1,1 mnkr" twice were totalled 2,3 mnkr (1 121 000 twice, from
    23,6 people) beside "summan av raderna". Now a line is whole people, its FYE and cost
    follow from them, and the totals add the lines as written."""
    costs = {**COSTS, "per_fye": {"sickness": {"sek": 190000, "source_sv": "s",
                                               "source_en": "s"}},
             "indicators": {c: {"benefit": "sickness", "fye_per_person": 0.25}
                            for c in ("a", "b")}}
    w = worth([("a", "rise", 23.6), ("b", "fall", -24.4)], costs)
    assert [(x.people, x.fye, x.annual_sek) for x in w.lines] == [
        (24.0, 6.0, 1_140_000.0), (24.0, 6.0, 1_140_000.0)]
    assert (w.people, w.annual_sek) == (48.0, 2_200_000.0)
    assert [shown_sek(x) for x in (1_140_000.0, 999_960.4, -1_260_000.0)] == [
        1_100_000.0, 999_960.0, -1_300_000.0]


def test_an_amount_is_totalled_as_the_line_writes_it_at_a_half() -> None:
    """A line of 1 050 000 kr is written "1,1 mnkr" (as the report rounds 1,05), but the total
    rounded it half to even, to 1 000 000: "1,1 mnkr" on the line, "1,0 mnkr" as "the rows
    summed" (14 people at 0,5 of 150 000 kr, the shipped i04's)."""
    from samstat_kit.present import formatting

    costs = {**COSTS, "per_fye": {"economic_assistance": {"sek": 150000, "source_sv": "s",
                                                          "source_en": "s"}},
             "indicators": {"a": {"benefit": "economic_assistance", "fye_per_person": 0.5}}}
    w = worth([("a", "rise", 14.0)], costs)
    assert w.lines[0].annual_sek == 1_050_000.0 and w.annual_sek == 1_100_000.0
    for k in range(20, 400):  # every half a tenth of a million, either way
        for x in (k * 50_000.0, -k * 50_000.0):
            written = formatting.number(x / 1e6, decimals=1)
            assert formatting.number(shown_sek(x) / 1e6, decimals=1) == written, x
            assert shown_sek(x) == round(shown_sek(x)), x  # whole kronor


def test_a_line_writes_its_full_year_equivalents_as_people_times_per_person() -> None:
    """A column's one precision capped 41 people × 0,25 (10,25 FYE) at a decimal: "+10,2"."""
    from types import SimpleNamespace

    from services.initiatives.report import html

    costs = {**COSTS, "indicators": {"a": {"benefit": "unemployment", "fye_per_person": 0.25}}}
    w = worth([("a", "rise", 41.0)], costs)
    ini = SimpleNamespace(worth=w, indicators=[SimpleNamespace(id="a", title_sv="A",
                                                               title_en="A")])
    page = html._worth(ini)  # type: ignore[arg-type]
    assert '<span class="sv">+10,25</span>' in page and "+10,2<" not in page


@given(st.lists(st.tuples(st.sampled_from(["up", "down", "young", "other"]),
                          st.sampled_from(["rise", "fall"]),
                          st.floats(-1e5, 1e5, allow_nan=False)), max_size=8))
def test_totals_are_the_sum_of_the_lines(changes: list[tuple[str, str, float]]) -> None:
    w = worth(changes, COSTS)
    if w.lines:
        assert w.people == sum(x.people for x in w.lines)
        assert all(x.people == round(x.people) for x in w.lines)  # whole people
        assert w.annual_sek == sum(shown_sek(x.annual_sek) for x in w.lines)  # as written
        for x in w.lines:
            price = COSTS["per_fye"][x.benefit]["sek"]
            assert abs(x.annual_sek - x.people * COSTS["indicators"][x.indicator]
                       ["fye_per_person"] * price) <= 1e-6 * max(1.0, abs(x.annual_sek))
    else:
        assert w.people is None


def test_the_shipped_unit_costs_name_known_benefits_and_plan_indicators() -> None:
    costs = load_unit_costs()
    benefits = {"sickness", "sickness_activity_compensation", "unemployment",
                "labour_market_programme", "economic_assistance", "establishment"}
    assert set(costs["per_fye"]) == benefits
    from services.initiatives.registry.plan_file import load_plan
    persons = {i["id"] for i in load_plan().indicators if i["unit"] == "persons"}
    for code, spec in costs["indicators"].items():
        assert code in persons and spec["benefit"] in benefits, code
    assert costs["per_young_person_outside_work"]["sek"] == 14_000_000
