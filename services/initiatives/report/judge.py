"""How the follow-up judges an indicator: which way it must go, which value counts, and the
verdict. Pure functions, no I/O.

* **Wanted direction** comes from the indicator's rules, as the alerts use them:
  ``yoy_wrong_direction`` says rise/fall, ``yoy_rise`` (used for ``fye_share``) means "must not
  rise", i.e. fall. Without such a rule the target's direction is shown, but a target is judged
  as a target, not as a trend.
* **The value that counts** for plan year *Y* is the latest complete period inside *Y*: the
  latest end, then the longest period (a complete year beats its December). Complete is the
  indicators worker's word: every month in, from every source (for ``fye_share`` also every
  agency of the same period a year earlier). Only when *Y* has no complete period yet does an
  incomplete one count, the shortest and then the latest (not a year of one month), and it
  is shown as incomplete and never judged against a year earlier: a quarter of which one
  agency's months had arrived read "okt–dec 2024: 5,3 %, året innan 10,2 %". Periods outside
  *Y* never count, so a report on 2024 made in 2026 still judges 2024.
* **Verdict** for one area: ``no_data`` without a value; a target that is met is
  ``on_track``, one that is missed by its date ``off_track``; otherwise the change against the
  same period a year earlier decides: ``off_track`` when it moved the wrong way by more than
  the rule's tolerance, ``on_track`` otherwise (an unchanged value has not gone the wrong way —
  the same reading as the alert rules). ``not_judged`` when there is a value but nothing to
  judge it by (no wanted direction, no year-ago value, a target not yet due).
* **As shown**: the values judged are the two the report writes
  (:func:`as_shown`: :func:`samstat_kit.present.formatting.shown` at the indicator's one
  precision, :func:`places`), so "100,4 → 100,4" beside "±0,0" is unchanged, never "fel
  riktning" for a difference the reader cannot see; a target is met or missed as written too.
* **Majority**: an indicator over several areas, and an initiative over its indicators, is on
  track when more of its judged parts are on track than off track; a tie is off track, so
  "on track" always means most of what is measured goes the way the plan wants.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from samstat_kit.periods import Period, parse
from samstat_kit.present import formatting

Verdict = Literal["on_track", "off_track", "no_data", "not_judged"]
Direction = Literal["rise", "fall"]
Moved = Literal["wanted", "unwanted", "unchanged"]
TargetStatus = Literal["met", "missed", "pending"]


@dataclass(frozen=True)
class Point:
    period: str
    value: float | None
    year_ago_value: float | None
    complete: bool

    @property
    def parsed(self) -> Period | None:
        try:
            return parse(self.period)
        except ValueError:
            return None


@dataclass(frozen=True)
class Want:
    """What the plan wants of an indicator."""

    direction: Direction | None  # judged against a year earlier
    tolerance: float
    shown: Direction | None  # what the report says it must do (rule, else target)
    target: Mapping[str, Any] | None
    # Seed 003's styles: a level relative to the baseline ("+15 %"), or dated stages
    # ("5 % after 6 months, 8 % after 12"), each judged like a target due now.
    relative: tuple[float, Direction] | None = None  # (target value, direction)
    stages: tuple[tuple[date, float], ...] = ()
    stage_direction: Direction = "rise"


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    change: float | None
    moved: Moved | None
    target_status: TargetStatus | None
    reason_sv: str
    reason_en: str


def day(value: object, lang: str = "sv") -> str:
    """A due date as readers write it in running text ("31 december 2024"); a date that
    cannot be read as it is."""
    if isinstance(value, date):
        return formatting.date(value, lang)
    try:
        return formatting.date(date.fromisoformat(str(value)[:10]), lang)
    except ValueError:
        return str(value)


def _add_months(start: date, months: int) -> date:
    y, m = divmod(start.month - 1 + months, 12)
    return date(start.year + y, m + 1, min(start.day, 28))


def _styles(rules: Sequence[Mapping[str, Any]], baseline: Mapping[str, Any] | None
            ) -> dict[str, Any]:
    """The relative-to-baseline and staged targets among ``rules``, as Want's fields."""
    out: dict[str, Any] = {}
    for rule in rules:
        kind, way = rule.get("kind"), rule.get("direction", "rise")
        if kind == "relative_to_baseline" and baseline and baseline.get("value") is not None:
            change = float(rule["change"]) * (1 if way == "rise" else -1)
            out["relative"] = (float(baseline["value"]) * (1 + change), way)
        elif kind == "staged_target":
            start = date.fromisoformat(str(rule["start"])[:10])
            out["stages"] = tuple((_add_months(start, int(st["after_months"])),
                                   float(st["value"])) for st in rule["stages"])
            out["stage_direction"] = way
    return out


def want(rules: Sequence[Mapping[str, Any]], target: Mapping[str, Any] | None,
         baseline: Mapping[str, Any] | None = None) -> Want:
    styles = _styles(rules, baseline)
    direction: Direction | None = None
    tolerance = 0.0
    for rule in rules:
        kind = rule.get("kind")
        if kind == "yoy_wrong_direction" and rule.get("direction") in ("rise", "fall"):
            direction = rule["direction"]
        elif kind == "yoy_rise":
            direction = "fall"
        else:
            continue
        tolerance = float(rule.get("tolerance") or 0.0)
        break
    if target is not None and target.get("value") is None:
        target = None
    shown = direction
    if shown is None and target is not None and target.get("direction") in ("rise", "fall"):
        shown = target["direction"]
    if shown is None and "relative" in styles:
        shown = styles["relative"][1]
    if shown is None and "stages" in styles:
        shown = styles["stage_direction"]
    return Want(direction=direction, tolerance=tolerance, shown=shown, target=target,
                **styles)


def _staged(point: Point, w: Want) -> Judgement | None:
    """The target of the latest stage (or the baseline-relative level) due by the period's
    end, judged like a target that is due; None when the indicator has neither."""
    parsed, value = point.parsed, point.value
    if value is None or parsed is None or not (w.relative or w.stages):
        return None
    if w.relative:
        goal, way = w.relative
        sv, en = f"mot {goal:g} (baslinjen + förändringen)", f"against {goal:g} (baseline + change)"
    else:
        due = [(d, v) for d, v in w.stages if d <= parsed.end]
        if not due:
            first = w.stages[0][0]
            return Judgement("not_judged", None, None, "pending", f"första steget gäller från "
                             f"{day(first)}", f"the first stage applies from {day(first, 'en')}")
        when, goal = due[-1]
        way = w.stage_direction
        sv, en = f"steget {day(when)}: {goal:g}", f"stage {day(when, 'en')}: {goal:g}"
    short = goal - value if way == "rise" else value - goal
    if not _beyond(short, 0.0, goal, value):
        return Judgement("on_track", None, None, "met", "nått " + sv, "reached " + en)
    return Judgement("off_track", None, None, "missed", "inte nått " + sv, "not reached " + en)


def select(points: Iterable[Point], year: int) -> Point | None:
    """The point that counts for ``year`` (see the module docstring)."""
    best: tuple[tuple[bool, int, int], Point] | None = None
    for p in points:
        parsed = p.parsed
        if p.value is None or parsed is None or parsed.year != year:
            continue
        end = parsed.end.toordinal()
        # incomplete: the shortest, then the latest (a month partly in, not a year of it)
        key = ((True, end, parsed.n_months) if p.complete
               else (False, -parsed.n_months, end))
        if best is None or key > best[0]:
            best = (key, p)
    return best[1] if best else None


def places(values: Iterable[tuple[float | None, float | None]]) -> int:
    """The one precision the report writes an indicator's values at: of every area's value
    and value a year earlier (:func:`samstat_kit.present.formatting.decimals_for`)."""
    return formatting.decimals_for(v for pair in values for v in pair)


def as_shown(point: Point | None, unit: str | None, decimals: int | None) -> Point | None:
    """The point with its value and its value a year earlier as the report writes them (at
    ``decimals``, :func:`places`): what is judged is what the reader sees."""
    if point is None:
        return None
    return Point(point.period, formatting.shown(point.value, unit, decimals),
                 formatting.shown(point.year_ago_value, unit, decimals), point.complete)


def _beyond(amount: float, tolerance: float, *scale: float) -> bool:
    """``amount > tolerance``, ignoring floating-point noise."""
    eps = 1e-9 * max([1.0, *(abs(s) for s in scale)])
    return amount - tolerance > eps


def moved(change: float | None, direction: Direction | None, *scale: float) -> Moved | None:
    if change is None or direction is None:
        return None
    if not _beyond(abs(change), 0.0, *scale):
        return "unchanged"
    return "wanted" if (change > 0) == (direction == "rise") else "unwanted"


def _target_status(target: Mapping[str, Any], value: float, point: Point) -> TargetStatus:
    goal = float(target["value"])
    short = goal - value if target.get("direction", "rise") == "rise" else value - goal
    if not _beyond(short, 0.0, goal, value):
        return "met"
    due = target.get("date")
    parsed = point.parsed
    if due and parsed is not None:
        try:
            if parsed.end < date.fromisoformat(str(due)[:10]):
                return "pending"
        except ValueError:
            pass
    return "missed"


def judge(point: Point | None, w: Want) -> Judgement:
    if point is None or point.value is None:
        return Judgement("no_data", None, None, None,
                         "inget värde för planåret", "no value for the plan year")
    if not point.complete:
        return Judgement("not_judged", None, None, None,
                         "perioden är inte komplett: inte jämförd med året innan",
                         "the period is not complete: not compared with a year earlier")
    styled = _staged(point, w)
    if styled is not None:
        return styled
    value = float(point.value)
    ago = None if point.year_ago_value is None else float(point.year_ago_value)
    change = None if ago is None else value - ago
    mv = moved(change, w.direction, value, ago or 0.0)
    status: TargetStatus | None = None
    if w.target is not None:
        status = _target_status(w.target, value, point)
        if status == "met":
            return Judgement("on_track", change, mv, status, "målet nått", "target met")
        if status == "missed":
            due = w.target.get("date")
            return Judgement("off_track", change, mv, status,
                             "målet inte nått" + (f" (senast {day(due)})" if due else ""),
                             "target missed" + (f" (due {day(due, 'en')})" if due else ""))
    if w.direction is None:
        if status == "pending":
            due = w.target.get("date") if w.target else ""
            return Judgement("not_judged", change, mv, status, f"målet gäller från {day(due)}",
                             f"the target applies from {day(due, 'en')}")
        return Judgement("not_judged", change, mv, status, "ingen önskad riktning",
                         "no wanted direction")
    if change is None or ago is None:
        return Judgement("not_judged", None, None, status, "inget värde året innan",
                         "no value a year earlier")
    wrong = -change if w.direction == "rise" else change
    if _beyond(wrong, w.tolerance, value, ago):
        return Judgement("off_track", change, mv, status,
                         "åt fel håll mot året innan",
                         "moved the wrong way against a year earlier")
    if mv == "wanted":
        return Judgement("on_track", change, mv, status,
                         "åt rätt håll mot året innan",
                         "moved the wanted way against a year earlier")
    return Judgement("on_track", change, mv, status,
                     "oförändrat eller inom toleransen", "unchanged or within tolerance")


def judge_milestone(point: Point | None, w: Want) -> Judgement:
    """A milestone (unit ``done``: 1 when reached) is on track when done, off track when its
    date passed undone, else not judged yet; never by its trend (a review: a milestone not yet
    reached read "fel riktning", and an initiative of one milestone got that badge)."""
    if point is None or point.value is None:
        return judge(point, w)
    value = float(point.value)
    if value >= 1:
        return Judgement("on_track", None, None, "met" if w.target else None, "klart", "done")
    status = _target_status(w.target, value, point) if w.target is not None else None
    if status == "missed":
        due = w.target.get("date") if w.target else None
        return Judgement("off_track", None, None, status,
                         "inte klart" + (f" (senast {day(due)})" if due else ""),
                         "not done" + (f" (due {day(due, 'en')})" if due else ""))
    return Judgement("not_judged", None, None, status, "inte klart än", "not done yet")


def majority(verdicts: Iterable[Verdict]) -> Verdict:
    seen = list(verdicts)
    on, off = seen.count("on_track"), seen.count("off_track")
    if on + off == 0:
        return "not_judged" if "not_judged" in seen else "no_data"
    return "on_track" if on > off else "off_track"
