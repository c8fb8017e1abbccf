"""Alert rules as pure functions: a rule, an indicator value (and history) in, a verdict out.

No I/O and no framework imports, so every rule can be tested on plain dicts and reused by the
lifecycle, the re-evaluation after a definition change and the stale sweep alike.

The rule kinds are those of ``docs/contracts-internal.md``. A verdict never "resolves" anything
itself: it says whether the condition holds *now*; the alert lifecycle turns a non-firing verdict
for an open alert into a resolution (for instance after a revision cleared the deviation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from samstat_kit.periods import Period, parse

VALUE_RULES = ("yoy_rise", "yoy_wrong_direction", "band", "target_missed", "control_limit")
"""Rules evaluated on every indicator-value event."""
TIME_RULES = ("stale",)
"""Rules evaluated by the periodic sweep (they fire because nothing arrived)."""
EXTERNAL_RULES = ("data_quality",)
"""Rules fed by another topic; an indicator value never fires them."""

XMR_FACTOR = 2.66
"""3 / d2 with d2 = 1.128, the bias constant of a moving range of two points."""
XMR_MIN_POINTS = 6
XMR_MAX_POINTS = 24
# Indicator values are ratios and averages computed in floating point: 0.135 - 0.130 is
# 0.0050000000000000044, which must not count as "more than a tolerance of 0.005".
_EPS = 1e-9


class RuleError(ValueError):
    """The rule is malformed (missing or wrong parameters); the caller skips it."""


@dataclass(frozen=True)
class Verdict:
    """Whether a rule fires, the value it expected, and a short human reason.

    ``period`` is set only when the verdict is about another period than the event's
    (the stale rule fires for the period that did not arrive).
    """

    firing: bool
    expected: float | None
    reason: str
    period: str | None = None


def _num(rule: Mapping[str, Any], key: str, default: float | None = None) -> float | None:
    raw = rule.get(key, default)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise RuleError(f"{rule.get('kind')}: {key} must be a number, got {raw!r}")
    return float(raw)


def _direction(raw: Any, kind: str) -> str:
    if raw not in ("rise", "fall"):
        raise RuleError(f"{kind}: direction must be 'rise' or 'fall', got {raw!r}")
    return str(raw)


def _exceeds(diff: float, tolerance: float, *values: float) -> bool:
    scale = max([1.0, *(abs(v) for v in values)])
    return diff - tolerance > _EPS * scale


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def evaluate(
    rule: Mapping[str, Any],
    event: Mapping[str, Any],
    *,
    target: Mapping[str, Any] | None = None,
    history: Sequence[float] = (),
) -> Verdict:
    """Evaluate one rule against one indicator-value event.

    ``event`` needs ``value``, ``year_ago_value`` and ``period`` (indicator-value v1).
    ``target`` is the indicator's target (for ``target_missed``); ``history`` the values of the
    same indicator and area for the periods *before* the event's, oldest first, same
    granularity (for ``control_limit``). Raises :class:`RuleError` for a malformed rule.
    """
    kind = rule.get("kind")
    value = event.get("value")
    if kind in TIME_RULES:
        # A value arrived for this period, so it is not missing.
        return Verdict(False, None, "a value arrived for the period")
    if kind in EXTERNAL_RULES:
        return Verdict(False, None, f"{kind} is evaluated from its own topic")
    if kind not in VALUE_RULES:
        raise RuleError(f"unknown rule kind {kind!r}")
    if value is None:
        # Suppressed or not computable: silence is not evidence of a deviation.
        return Verdict(False, None, "no value (suppressed or missing inputs)")
    value = float(value)
    if kind == "yoy_rise":
        return _yoy_rise(rule, value, event.get("year_ago_value"))
    if kind == "yoy_wrong_direction":
        return _yoy_wrong_direction(rule, value, event.get("year_ago_value"))
    if kind == "band":
        return _band(rule, value)
    if kind == "target_missed":
        return _target_missed(target, value, str(event["period"]))
    return control_limit(value, history)


def _yoy_rise(rule: Mapping[str, Any], value: float, year_ago: Any) -> Verdict:
    tolerance = _num(rule, "tolerance", 0.0) or 0.0
    if year_ago is None:
        return Verdict(False, None, "no value a year earlier to compare with")
    ago = float(year_ago)
    diff = value - ago
    if _exceeds(diff, tolerance, value, ago):
        return Verdict(True, ago, f"rose by {_fmt(diff)} against a year earlier "
                                  f"({_fmt(ago)} → {_fmt(value)}), tolerance {_fmt(tolerance)}")
    return Verdict(False, ago, f"change {_fmt(diff)} against a year earlier is within "
                               f"tolerance {_fmt(tolerance)}")


def _yoy_wrong_direction(rule: Mapping[str, Any], value: float, year_ago: Any) -> Verdict:
    """The value must move in ``direction`` against a year earlier.

    It fires when the value moved the *other* way by more than ``tolerance``; an unchanged
    value has not gone the wrong way. ``direction: fall`` is therefore ``yoy_rise``.
    """
    direction = _direction(rule.get("direction"), "yoy_wrong_direction")
    tolerance = _num(rule, "tolerance", 0.0) or 0.0
    if year_ago is None:
        return Verdict(False, None, "no value a year earlier to compare with")
    ago = float(year_ago)
    wrong = (ago - value) if direction == "rise" else (value - ago)
    if _exceeds(wrong, tolerance, value, ago):
        moved = "fell" if direction == "rise" else "rose"
        return Verdict(True, ago, f"{moved} by {_fmt(abs(value - ago))} against a year earlier "
                                  f"({_fmt(ago)} → {_fmt(value)}) but should {direction}")
    return Verdict(False, ago, f"moved as it should ({direction}) or within tolerance")


def _band(rule: Mapping[str, Any], value: float) -> Verdict:
    low, high = _num(rule, "low"), _num(rule, "high")
    if low is None and high is None:
        raise RuleError("band: needs low, high or both")
    if low is not None and high is not None and low > high:
        raise RuleError(f"band: low {low} is above high {high}")
    if low is not None and _exceeds(low - value, 0.0, low, value):
        return Verdict(True, low, f"{_fmt(value)} is below the band's low {_fmt(low)}")
    if high is not None and _exceeds(value - high, 0.0, high, value):
        return Verdict(True, high, f"{_fmt(value)} is above the band's high {_fmt(high)}")
    return Verdict(False, None, "within the band")


def _target_missed(target: Mapping[str, Any] | None, value: float, period: str) -> Verdict:
    """The target ``{value, direction, date}`` is met when the value is at or beyond it.

    ``direction: rise`` means "at least", ``fall`` "at most". A target with a date is a
    deadline: periods ending before it are not judged, because the initiative still has time.
    """
    if not target or target.get("value") is None:
        return Verdict(False, None, "the indicator has no target")
    goal = _num(target, "value")
    assert goal is not None
    direction = _direction(target.get("direction"), "target_missed")
    deadline = target.get("date")
    if deadline:
        try:
            due = date.fromisoformat(str(deadline)[:10])
        except ValueError:
            raise RuleError(f"target_missed: date {deadline!r} is not YYYY-MM-DD") from None
        if parse(period).end < due:
            return Verdict(False, goal, f"the target applies from {due.isoformat()}")
    short = goal - value if direction == "rise" else value - goal
    if _exceeds(short, 0.0, goal, value):
        word = "below" if direction == "rise" else "above"
        return Verdict(True, goal, f"{_fmt(value)} is {word} the target {_fmt(goal)}")
    return Verdict(False, goal, "the target is met")


def control_limit(value: float, history: Sequence[float]) -> Verdict:
    """XmR (individuals and moving range) chart on the indicator's own history.

    Centre line = mean of the history; limits = mean ± 2.66 × mean moving range, where a
    moving range is |x[i] − x[i−1]| of consecutive periods. The newest value is compared with
    limits computed from the periods before it, so an outlier cannot widen its own limits.
    At most the last 24 periods are used and at least 6 are needed.

    Why XmR rather than EWMA for these series: they are short (a municipality's monthly
    series spans a few years, a half-yearly one gives two points a year) and what a convener
    must act on is one clearly unusual period. XmR has no tuning parameters, estimates the
    routine period-to-period variation from moving ranges (which a level shift or slow trend
    inflates far less than a global standard deviation does) and gives usable limits from six
    points. EWMA is built to detect small *sustained* drifts over many observations: it needs
    a smoothing weight and a long in-control baseline to estimate its mean and sigma, its
    start-up value dominates a short series, and its smoothing delays or hides exactly the
    single large jump that matters here (with half-yearly data the delay is years).
    """
    points = [float(x) for x in history if x is not None][-XMR_MAX_POINTS:]
    if len(points) < XMR_MIN_POINTS:
        return Verdict(False, None, f"control limits need {XMR_MIN_POINTS} earlier periods, "
                                    f"have {len(points)}")
    centre = sum(points) / len(points)
    ranges = [abs(b - a) for a, b in pairwise(points)]
    mr = sum(ranges) / len(ranges)
    upper, lower = centre + XMR_FACTOR * mr, centre - XMR_FACTOR * mr
    if _exceeds(value - upper, 0.0, value, upper):
        return Verdict(True, upper, f"{_fmt(value)} is above the upper control limit "
                                    f"{_fmt(upper)} (centre {_fmt(centre)})")
    if _exceeds(lower - value, 0.0, value, lower):
        return Verdict(True, lower, f"{_fmt(value)} is below the lower control limit "
                                    f"{_fmt(lower)} (centre {_fmt(centre)})")
    return Verdict(False, centre, f"within control limits {_fmt(lower)}–{_fmt(upper)}")


def next_period(period: Period) -> Period:
    """The period of the same granularity right after ``period``."""
    months = period.year * 12 + period.first_month - 1 + period.n_months
    return Period(months // 12, months % 12 + 1, period.n_months)


def evaluate_stale(rule: Mapping[str, Any], latest_period: str, today: date) -> Verdict:
    """The ``stale`` rule: the period after ``latest_period`` is overdue.

    The next period is due ``grace_days`` (default 30) after it ends; past that day without a
    value the rule fires *for the missing period* (``Verdict.period``). Feeding a value for it
    later resolves the alert like any other non-firing verdict.
    """
    grace = _num(rule, "grace_days", 30.0)
    if grace is None or grace < 0:
        raise RuleError("stale: grace_days must be a non-negative number")
    missing = next_period(parse(latest_period))
    due = missing.end + timedelta(days=int(grace))
    if today > due:
        return Verdict(True, None, f"no value for {missing.code} since {due.isoformat()} "
                                   f"({int(grace)} days after the period ended)",
                       period=missing.code)
    return Verdict(False, None, f"{missing.code} is due {due.isoformat()}", period=missing.code)


def period_key(code: str) -> tuple[int, int, int]:
    """Sort key putting periods of one granularity in time order."""
    p = parse(code)
    return (p.n_months, p.year, p.first_month)

