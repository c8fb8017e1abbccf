"""A formula's value is complete only when every source of the year-ago period has reported.

Red team: a sum over two agencies' cells, or a region's sum over its members, was marked
complete while one of them had sent nothing at all for the period (a partial period is
caught month by month; a wholly missing source was not). The report then showed it as the
period's figure and the rules judged it: a "must rise" alert on half the data.
"""

from __future__ import annotations

from typing import Any

from tests.indicators.test_formulas import DISCHARGES, _definition, _obs, _processor, _values

M = "torget_discharges_to_occupation"
T = {"sex": "_T"}


def _sent(proc: Any, *cells: dict[str, Any]) -> dict[tuple[str, str], Any]:
    events, forwards = proc.apply_observations(list(cells))
    got = _values(events)
    if forwards:
        got |= _values(proc.apply_observations([obs for _agg, obs in forwards])[0])
    return got


def test_an_agency_that_sent_nothing_for_the_period_leaves_it_incomplete() -> None:
    proc = _processor(_definition("d", DISCHARGES, ["2480"]))
    _sent(proc, _obs(M, "2480", "2023", T, 10.0), _obs(M, "2480", "2023", T, 5.0, agency="af"))
    got = _sent(proc, _obs(M, "2480", "2024", T, 12.0))
    assert got[("2480", "2024")]["value"] == 12.0
    assert got[("2480", "2024")]["complete"] is False
    got = _sent(proc, _obs(M, "2480", "2024", T, 6.0, agency="af"))
    assert got[("2480", "2024")]["value"] == 18.0 and got[("2480", "2024")]["complete"]
    # An agency that reported nothing a year ago is no gap, and its arrival none either.
    got = _sent(proc, _obs(M, "2480", "2024", T, 1.0, agency="fk"))
    assert got[("2480", "2024")]["complete"]


def test_a_withdrawal_is_a_report_not_a_gap() -> None:
    proc = _processor(_definition("d", DISCHARGES, ["2480"]))
    _sent(proc, _obs(M, "2480", "2023", T, 10.0), _obs(M, "2480", "2023", T, 5.0, agency="af"))
    _sent(proc, _obs(M, "2480", "2024", T, 12.0), _obs(M, "2480", "2024", T, 6.0, agency="af"))
    withdrawn = _obs(M, "2480", "2024", T, None, revision=2, agency="af") | {"withdrawn": True}
    got = _sent(proc, withdrawn)
    assert got[("2480", "2024")]["value"] == 12.0 and got[("2480", "2024")]["complete"]


def test_months_of_a_source_missing_all_year_leave_the_year_incomplete() -> None:
    proc = _processor(_definition("d", DISCHARGES, ["2480"]))
    for agency in ("kommun-2480", "af"):
        _sent(proc, *(_obs(M, "2480", f"2023-{m:02d}", T, 1.0, agency=agency)
                      for m in range(1, 13)))
    got = _sent(proc, *(_obs(M, "2480", f"2024-{m:02d}", T, 2.0) for m in range(1, 13)))
    assert got[("2480", "2024")]["value"] == 24.0
    assert got[("2480", "2024")]["complete"] is False
    assert got[("2480", "2024-Q1")]["complete"] is False


def test_a_member_that_sent_nothing_leaves_the_region_incomplete() -> None:
    proc = _processor(_definition("reg", DISCHARGES, ["umearegionen"]))
    _sent(proc, _obs(M, "2480", "2023", T, 30.0), _obs(M, "2460", "2023", T, 12.0))
    got = _sent(proc, _obs(M, "2480", "2024", T, 31.0))
    assert got[("umearegionen", "2024")]["value"] == 31.0
    assert got[("umearegionen", "2024")]["complete"] is False
    got = _sent(proc, _obs(M, "2460", "2024", T, 11.0))
    assert got[("umearegionen", "2024")]["complete"]


def test_year_on_year_change_judges_this_year_s_sources_only() -> None:
    change = {"kind": "yoy_change", "filters": DISCHARGES["filters"]}
    proc = _processor(_definition("c", change, ["2480"]))
    for year in ("2022", "2023"):
        _sent(proc, _obs(M, "2480", year, T, 10.0), _obs(M, "2480", year, T, 5.0, agency="af"))
    got = _sent(proc, _obs(M, "2480", "2024", T, 12.0))
    # af reported 2023: its absence from 2024 is a gap, though 2024's change reads 2023 too.
    assert got[("2480", "2024")]["complete"] is False


def test_a_row_left_out_of_a_table_that_was_sent_is_no_gap() -> None:
    # The municipality had men discharged a year ago and none this year: it sends women and
    # the total, not a row of nothing for men. Its table is in; the filter on men reads only
    # Arbetsförmedlingen's row, and that is the whole figure.
    men = {"kind": "sum", "filters": {"measure": M, "dimensions": {"sex": "M"}}}
    proc = _processor(_definition("m", men, ["2480"]))
    _sent(proc, _obs(M, "2480", "2023", {"sex": "M"}, 4.0), _obs(M, "2480", "2023", T, 9.0),
          _obs(M, "2480", "2023", {"sex": "M"}, 2.0, agency="af"))
    got = _sent(proc, _obs(M, "2480", "2024", {"sex": "M"}, 5.0, agency="af"))
    assert got[("2480", "2024")]["complete"] is False  # the municipality: nothing yet
    got = _sent(proc, _obs(M, "2480", "2024", {"sex": "K"}, 3.0), _obs(M, "2480", "2024", T, 3.0))
    assert got[("2480", "2024")]["value"] == 5.0 and got[("2480", "2024")]["complete"]


def test_a_figure_withdrawn_a_year_ago_is_not_expected_now() -> None:
    # Review: af's 2023 figure was withdrawn, so 2023's value is the municipality's alone;
    # 2024 waited for af for ever.
    proc = _processor(_definition("d", DISCHARGES, ["2480"]))
    _sent(proc, _obs(M, "2480", "2023", T, 10.0), _obs(M, "2480", "2023", T, 5.0, agency="af"))
    _sent(proc, _obs(M, "2480", "2023", T, None, revision=2, agency="af") | {"withdrawn": True})
    got = _sent(proc, _obs(M, "2480", "2024", T, 12.0))
    assert got[("2480", "2024")]["value"] == 12.0 and got[("2480", "2024")]["complete"]


def test_a_member_that_left_the_region_is_no_gap() -> None:
    # 2482 (Skellefteå) stands in for a municipality that was a member a year ago: its
    # cells were forwarded into the region then. It is not one now, so 2024 waits only for
    # the members the region has.
    proc = _processor(_definition("reg", DISCHARGES, ["umearegionen"]))
    _sent(proc, _obs(M, "2480", "2023", T, 30.0))
    former = _obs(M, "umearegionen", "2023", T, 9.0, agency="kommun-2482") | {"via": "2482"}
    assert _sent(proc, former)[("umearegionen", "2023")]["value"] == 39.0
    got = _sent(proc, _obs(M, "2480", "2024", T, 31.0))
    assert got[("umearegionen", "2024")]["value"] == 31.0
    assert got[("umearegionen", "2024")]["complete"]
