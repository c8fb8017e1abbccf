"""Unit tests of the pure alert rules (no database, no broker)."""

from __future__ import annotations

from datetime import date

import pytest

from samstat_kit.periods import parse
from services.notify.rules import (
    RuleError,
    control_limit,
    evaluate,
    evaluate_stale,
    next_period,
    period_key,
)


def ev(value: float | None, year_ago: float | None = None, period: str = "2024") -> dict:
    return {"value": value, "year_ago_value": year_ago, "period": period}


# --- yoy_rise ---------------------------------------------------------------------------------

def test_yoy_rise_fires_above_tolerance() -> None:
    v = evaluate({"kind": "yoy_rise", "tolerance": 0.005}, ev(0.14, 0.13))
    assert v.firing and v.expected == 0.13
    assert "rose" in v.reason


def test_yoy_rise_at_tolerance_does_not_fire_despite_float_error() -> None:
    # 0.135 - 0.130 is 0.0050000000000000044 in binary floating point.
    v = evaluate({"kind": "yoy_rise", "tolerance": 0.005}, ev(0.135, 0.130))
    assert not v.firing


def test_yoy_rise_fall_and_default_tolerance() -> None:
    assert not evaluate({"kind": "yoy_rise"}, ev(10, 12)).firing
    assert not evaluate({"kind": "yoy_rise"}, ev(12, 12)).firing
    assert evaluate({"kind": "yoy_rise"}, ev(12.5, 12)).firing


def test_yoy_first_period_has_no_year_ago() -> None:
    for rule in ({"kind": "yoy_rise", "tolerance": 0},
                 {"kind": "yoy_wrong_direction", "direction": "rise"}):
        v = evaluate(rule, ev(5, None))
        assert not v.firing and v.expected is None
        assert "year earlier" in v.reason


def test_suppressed_value_never_fires() -> None:
    for rule in ({"kind": "yoy_rise"}, {"kind": "band", "low": 1}, {"kind": "control_limit"},
                 {"kind": "target_missed"}):
        v = evaluate(rule, ev(None, 3), target={"value": 10, "direction": "rise"},
                     history=[1, 2, 3, 4, 5, 6])
        assert not v.firing
        assert "suppressed" in v.reason


def test_revision_that_clears_the_deviation() -> None:
    rule = {"kind": "yoy_rise", "tolerance": 0.5}
    assert evaluate(rule, ev(11, 10)).firing
    assert not evaluate(rule, ev(10.2, 10)).firing  # the worker re-emitted a corrected value
    assert not evaluate(rule, ev(11, 10.8)).firing  # or corrected the year-ago value


# --- yoy_wrong_direction ----------------------------------------------------------------------

def test_wrong_direction_rise() -> None:
    rule = {"kind": "yoy_wrong_direction", "direction": "rise", "tolerance": 0}
    v = evaluate(rule, ev(90, 100))
    assert v.firing and v.expected == 100 and "should rise" in v.reason
    assert not evaluate(rule, ev(110, 100)).firing
    assert not evaluate(rule, ev(100, 100)).firing  # unchanged is not the wrong way


def test_wrong_direction_fall_with_tolerance() -> None:
    rule = {"kind": "yoy_wrong_direction", "direction": "fall", "tolerance": 2}
    assert not evaluate(rule, ev(101, 100)).firing
    assert evaluate(rule, ev(103, 100)).firing
    assert not evaluate(rule, ev(80, 100)).firing


def test_wrong_direction_needs_a_direction() -> None:
    with pytest.raises(RuleError):
        evaluate({"kind": "yoy_wrong_direction"}, ev(1, 2))


# --- band -------------------------------------------------------------------------------------

def test_band() -> None:
    rule = {"kind": "band", "low": 0.1, "high": 0.2}
    low = evaluate(rule, ev(0.05))
    assert low.firing and low.expected == 0.1 and "below" in low.reason
    high = evaluate(rule, ev(0.25))
    assert high.firing and high.expected == 0.2 and "above" in high.reason
    assert not evaluate(rule, ev(0.15)).firing
    assert not evaluate(rule, ev(0.2)).firing  # the bounds belong to the band
    assert not evaluate(rule, ev(0.1)).firing


def test_open_band_and_bad_band() -> None:
    assert evaluate({"kind": "band", "high": 3}, ev(4)).firing
    assert not evaluate({"kind": "band", "low": 3}, ev(400)).firing
    with pytest.raises(RuleError):
        evaluate({"kind": "band"}, ev(1))
    with pytest.raises(RuleError):
        evaluate({"kind": "band", "low": 3, "high": 1}, ev(1))
    with pytest.raises(RuleError):
        evaluate({"kind": "band", "low": "x"}, ev(1))


# --- target_missed ----------------------------------------------------------------------------

def test_target_rise_missed_after_deadline() -> None:
    target = {"value": 50, "direction": "rise", "date": "2024-12-31"}
    v = evaluate({"kind": "target_missed"}, ev(40, period="2024"), target=target)
    assert v.firing and v.expected == 50 and "below the target" in v.reason
    assert not evaluate({"kind": "target_missed"}, ev(55, period="2024"), target=target).firing


def test_target_not_judged_before_its_date() -> None:
    target = {"value": 50, "direction": "rise", "date": "2024-12-31"}
    v = evaluate({"kind": "target_missed"}, ev(10, period="2024-06"), target=target)
    assert not v.firing and "applies from" in v.reason


def test_target_fall_without_date_and_missing_target() -> None:
    target = {"value": 120, "direction": "fall", "date": None}
    assert evaluate({"kind": "target_missed"}, ev(130, period="2023-H1"), target=target).firing
    assert not evaluate({"kind": "target_missed"}, ev(120, period="2023-H1"),
                        target=target).firing
    v = evaluate({"kind": "target_missed"}, ev(130), target=None)
    assert not v.firing and "no target" in v.reason


# --- control_limit ----------------------------------------------------------------------------

HISTORY = [10.0, 12.0, 11.0, 13.0, 12.0, 11.0]  # mean 11.5, mean moving range 1.4


def test_xmr_limits() -> None:
    upper = 11.5 + 2.66 * 1.4
    lower = 11.5 - 2.66 * 1.4
    hi = control_limit(15.5, HISTORY)
    assert hi.firing and hi.expected == pytest.approx(upper)
    lo = control_limit(7.0, HISTORY)
    assert lo.firing and lo.expected == pytest.approx(lower)
    inside = control_limit(14.0, HISTORY)
    assert not inside.firing and inside.expected == pytest.approx(11.5)


def test_xmr_needs_six_points() -> None:
    v = evaluate({"kind": "control_limit"}, ev(100), history=HISTORY[:5])
    assert not v.firing and "need 6" in v.reason
    assert evaluate({"kind": "control_limit"}, ev(100), history=HISTORY).firing


def test_xmr_uses_last_24_points_and_skips_gaps() -> None:
    # With the ten old points of another level in the window, 20 would look normal.
    recent = [*[1000.0] * 10, *[11.0, 12.0] * 12]
    assert control_limit(20.0, recent).firing
    assert not control_limit(20.0, [*recent[-34:], 1000.0]).firing
    assert control_limit(20.0, [None, *HISTORY]).firing  # type: ignore[list-item]


def test_xmr_flat_history() -> None:
    assert control_limit(5.0, [5.0] * 6).firing is False
    assert control_limit(5.1, [5.0] * 6).firing


# --- stale and others -------------------------------------------------------------------------

def test_stale_fires_for_the_missing_period() -> None:
    rule = {"kind": "stale", "grace_days": 30}
    v = evaluate_stale(rule, "2024-03", date(2024, 5, 31))
    assert v.firing and v.period == "2024-04" and v.expected is None
    assert not evaluate_stale(rule, "2024-03", date(2024, 5, 30)).firing
    assert evaluate_stale({"kind": "stale"}, "2023-H2", date(2024, 8, 1)).period == "2024-H1"
    with pytest.raises(RuleError):
        evaluate_stale({"kind": "stale", "grace_days": -1}, "2024", date(2030, 1, 1))


def test_stale_on_an_arriving_value_and_data_quality() -> None:
    assert not evaluate({"kind": "stale"}, ev(1)).firing
    assert not evaluate({"kind": "data_quality"}, ev(1)).firing
    with pytest.raises(RuleError):
        evaluate({"kind": "nonsense"}, ev(1))


def test_periods() -> None:
    assert next_period(parse("2023-12")).code == "2024-01"
    assert next_period(parse("2023-Q4")).code == "2024-Q1"
    assert next_period(parse("2023")).code == "2024"
    codes = ["2024-02", "2023-11", "2024-01"]
    assert sorted(codes, key=period_key) == ["2023-11", "2024-01", "2024-02"]
