"""The follow-up's verdict rules, Swedish number formatting and the SVG chart (pure, no I/O)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from samstat_kit.present import formatting as fmt
from samstat_kit.present.charts import Reference, time_chart
from services.initiatives.report.judge import Point, judge, majority, select, want

RISE = [{"kind": "yoy_wrong_direction", "direction": "rise", "tolerance": 0}]
FALL = [{"kind": "yoy_wrong_direction", "direction": "fall", "tolerance": 0}]


def p(period: str, value: float | None, ago: float | None = None,
      complete: bool = True) -> Point:
    return Point(period, value, ago, complete)


def test_the_value_that_counts_is_the_latest_complete_period_of_the_plan_year() -> None:
    points = [p("2023", 9), p("2024", 12, complete=False), p("2024-H1", 11),
              p("2024-Q2", 10), p("2024-06", 10), p("2024-07", 3, complete=False),
              p("2025", 99)]
    assert select(points, 2024) == p("2024-H1", 11)  # H1 beats June: same end, longer
    assert select([*points, p("2024", 12)], 2024) == p("2024", 12)
    assert select([p("2024-03", 4, complete=False), p("2024-02", 3, complete=False)],
                  2024) == p("2024-03", 4, complete=False)
    assert select(points, 2026) is None
    assert select([p("2024", None)], 2024) is None


def test_an_incomplete_period_counts_only_when_nothing_is_complete_and_is_not_judged() -> None:
    # Only some agencies' October to December: the year and its last quarter are incomplete.
    points = [p("2024", 0.09, 0.10, complete=False), p("2024-Q3", 0.10, 0.10),
              p("2024-Q4", 0.05, 0.10, complete=False)]
    assert select(points, 2024) == p("2024-Q3", 0.10, 0.10)
    # Nothing complete yet: the shortest, then the latest (a month partly in, not its year).
    partial = [p("2024", 0.01, 0.10, complete=False), p("2024-Q1", 0.03, 0.10, complete=False),
               p("2024-01", 0.05, 0.10, complete=False)]
    assert select(partial, 2024) == p("2024-01", 0.05, 0.10, complete=False)
    j = judge(p("2024-Q4", 0.05, 0.10, complete=False), want(FALL, None))
    # half the share "fell, as wanted" against a whole year-ago quarter: not judged at all
    assert (j.verdict, j.change, j.moved) == ("not_judged", None, None)
    assert "inte komplett" in j.reason_sv and "not complete" in j.reason_en


def test_direction_comes_from_the_rules_and_yoy_rise_means_fall() -> None:
    assert want(RISE, None).direction == "rise"
    fye = want([{"kind": "yoy_rise", "tolerance": 0.005}], None)
    assert (fye.direction, fye.tolerance) == ("fall", 0.005)
    milestone = want([{"kind": "target_missed"}], {"value": 1, "direction": "rise",
                                                   "date": "2024-12-31"})
    assert (milestone.direction, milestone.shown) == (None, "rise")
    assert want([], None).shown is None


def test_verdicts() -> None:
    rise, fall = want(RISE, None), want(FALL, None)
    assert judge(p("2024", 15, 12), rise).verdict == "on_track"
    assert judge(p("2024", 15, 12), rise).moved == "wanted"
    assert judge(p("2024", 10, 12), rise).verdict == "off_track"
    assert judge(p("2024", 12, 12), rise).verdict == "on_track"  # not the wrong way
    assert judge(p("2024", 12, 12), rise).moved == "unchanged"
    assert judge(p("2024", 120, 100), fall).verdict == "off_track"
    assert judge(p("2024", 12, None), rise).verdict == "not_judged"
    assert judge(None, rise).verdict == "no_data"
    assert judge(p("2024", 3, 1), want([], None)).verdict == "not_judged"
    # fye_share: a rise within the tolerance is not off track.
    fye = want([{"kind": "yoy_rise", "tolerance": 0.005}], None)
    assert judge(p("2024", 0.123, 0.120), fye).verdict == "on_track"
    assert judge(p("2024", 0.126, 0.120), fye).verdict == "off_track"


def test_targets_are_deadlines() -> None:
    target = want([{"kind": "target_missed"}],
                  {"value": 1, "direction": "rise", "date": "2024-12-31"})
    assert judge(p("2024", 1), target).target_status == "met"
    assert judge(p("2024", 1), target).verdict == "on_track"
    assert judge(p("2024", 0), target).verdict == "off_track"
    early = judge(p("2024-03", 0), target)
    assert (early.verdict, early.target_status) == ("not_judged", "pending")


def test_majority_ties_are_off_track() -> None:
    assert majority(["on_track", "on_track", "off_track", "no_data"]) == "on_track"
    assert majority(["on_track", "off_track"]) == "off_track"
    assert majority(["no_data", "not_judged"]) == "not_judged"
    assert majority(["no_data"]) == majority([]) == "no_data"


def test_swedish_numbers() -> None:
    """The report's numbers, through the kit (samstat_kit.present.formatting)."""
    nb, minus = fmt.NBSP, "\u2212"
    assert fmt.number(1305) == f"1{nb}305"
    assert fmt.number(-0.04, decimals=1) == "0,0"
    assert fmt.number(-1.25, decimals=1) == f"{minus}1,2"
    assert fmt.value(0.115, "share") == f"11,5{nb}%"
    assert fmt.change(-0.005, "share", unit_text="short") == f"{minus}0,5{nb}p.e."
    assert fmt.change(3, "persons", unit_text="short") == "+3"
    assert fmt.value(2833, "persons", with_unit=False) == f"2{nb}833"
    assert fmt.period("2024-H1") == f"jan–jun{nb}2024"
    assert fmt.period("2024-Q2") == f"apr–jun{nb}2024"
    assert fmt.period("2024-03") == f"mars{nb}2024"
    assert fmt.relative(3, 12) == f"+25{nb}%" and fmt.relative(3, 0) == ""


def test_chart_is_valid_svg_and_escapes_labels() -> None:
    svg = time_chart([("Umeå <b>", [("2023-01", 3.0), ("2023-12", 5.0), ("2024-06", 4.0)]),
                      ("Vännäs", [("2024-06", 1.0)])],
                     unit="persons", band=(date(2024, 1, 1), date(2024, 12, 31), "planår 2024"),
                     target=Reference(6.0, "mål (target)"), title="A & B")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert "Umeå &lt;b&gt;" in svg and "A &amp; B" in svg
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 1
    assert "planår 2024" in svg and "mål (target)" in svg
    assert time_chart([("x", [])], unit="share") == ""


def test_a_milestone_is_judged_done_or_not_never_by_its_trend() -> None:
    """A milestone with a rising rule but no target read "fel riktning" when it was reached
    last year and not (yet) this year; its initiative got that badge."""
    from services.initiatives.report.judge import judge_milestone

    no_target = want(RISE, None)
    assert judge(p("2024", 0, 1), no_target).verdict == "off_track"  # the trend's reading
    assert judge_milestone(p("2024", 0, 1), no_target).verdict == "not_judged"
    assert judge_milestone(p("2024", 1, 0), no_target).verdict == "on_track"
    dated = want([{"kind": "target_missed"}],
                 {"value": 1, "direction": "rise", "date": "2024-12-31"})
    late = judge_milestone(p("2024", 0, 0), dated)
    assert (late.verdict, late.target_status, late.reason_sv) == (
        "off_track", "missed", "inte klart (senast 31 december 2024)")
    assert judge_milestone(p("2024-03", 0), dated).verdict == "not_judged"
    assert judge_milestone(None, dated).verdict == "no_data"


def test_a_chart_ends_at_its_last_complete_period() -> None:
    from services.initiatives.report.series import chart_points

    points = [p("2024-07", 10), p("2024-08", 4, complete=False), p("2024-09", 11),
              p("2024-10", 5, complete=False), p("2024-11", 2, complete=False),
              p("2025-01", 9)]
    # a period still arriving is no last point (it dipped); one settled incomplete stays
    assert chart_points(points, 2024) == [("2024-07", 10), ("2024-08", 4), ("2024-09", 11)]
    assert chart_points([p("2024-01", 3, complete=False)], 2024) == []


def test_an_incomplete_fye_figure_says_how_much_of_its_period_is_in() -> None:
    from services.initiatives.report.fye import fye_row
    from services.initiatives.report.html import _fye_period, _fye_sentence

    partial = fye_row("umearegionen", "2024-Q4", 0.053, 0.102, False, (2, 3))
    assert (partial.year_ago_share, partial.change_pp, partial.moved) == (None, None, None)
    assert _fye_period(partial, "sv") == "okt–dec\xa02024 (ofullständig: 2 av 3 månader inne)"
    assert _fye_period(partial, "en") == "Oct–Dec\xa02024 (incomplete: 2 of 3 months in)"
    line = _fye_sentence([partial])
    assert "hittills" in line and "året innan 10" not in line and "−4,9" not in line
    whole = fye_row("umearegionen", "2024-Q4", 0.101, 0.102, True, (3, 3))
    assert _fye_period(whole, "sv") == "okt–dec\xa02024"
    assert "året innan 10,2" in _fye_sentence([whole])
