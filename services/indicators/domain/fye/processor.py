"""Applies validated observations to the current-cell state and derives indicator values.

Framework-free: the state is any MutableMapping (faust tables in the worker, dicts in tests).
Each cell keeps its highest revision, and every value is recomputed from current cells, so
processing a message twice, or messages out of order, gives the same state and the same values.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from datetime import UTC, datetime
from sys import intern
from typing import Any

from samstat_kit.periods import Period, parse
from services.indicators.domain.fye import indicator, official
from services.indicators.domain.fye.maths import Entry, apply, holds_withdrawal
from services.indicators.domain.values import Emitter, Event


def state_key(area: str, period: str) -> str:
    return f"{area}|{period}"


class FyeProcessor:
    def __init__(
        self,
        days: MutableMapping[str, Any],
        population: MutableMapping[str, Any],
        emitter: Emitter,
        official: MutableMapping[str, Any] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.days = days
        self.population = population
        self.emitter = emitter
        self.official = official if official is not None else {}
        self.clock = clock
        # Evaluations within one apply_observations: the state does not change while its
        # events are made, and a period's value is also the next year's year-ago value.
        # (area, period) -> (evaluated with revisions?, the evaluation)
        self._evaluated: dict[tuple[str, Period], tuple[bool, dict[str, Any] | None]] = {}
        self._batching = False
        self.quality_events: list[Event] = []

    def _lookup(self, table: MutableMapping[str, Any]) -> indicator.Lookup:
        def get(area: str, period: Period) -> Entry | None:
            value: Entry | None = table.get(state_key(area, period.code))
            return value

        return get

    def apply_observations(self, observations: Iterable[dict[str, Any]]) -> list[Event]:
        touched: dict[str, set[Period]] = defaultdict(set)
        # The period codes each area's cells were reported for: a message holds many cells
        # of few periods, and the periods they affect are added once per code.
        reported: dict[str, set[str]] = defaultdict(set)
        # (area -> years) whose official figure (or its population) changed
        official_years: dict[str, set[int]] = defaultdict(set)
        for obs in observations:
            dims = obs.get("dimensions") or {}
            area, period, rev = obs["area"], obs["period"], int(obs.get("revision", 1))
            gone = obs.get("withdrawn") is True  # a withdrawal: the cell is forgotten
            key = state_key(area, period)
            if obs["measure"] == "benefit_net_days":
                # Interned: a national state holds half a million cells under a few dozen
                # distinct keys (46 of 209 MiB of state were copies of them).
                inner = intern(f"{obs['agency']}/{dims.get('benefit')}/{dims.get('sex')}")
                new = apply(self.days.get(key), inner, rev, obs.get("value"), gone)
                if new is not None:
                    self.days[key] = new
                # Recomputed even when the cell did not change: a redelivered message may be
                # one whose output was lost in a crash (the emitter skips what was said).
                reported[area].add(period)
            elif obs["measure"] == "fye_official":
                inner = f"{obs['agency']}/{dims.get('benefit')}/{dims.get('sex')}"
                new = apply(self.official.get(key), inner, rev, obs.get("value"), gone)
                if new is not None:
                    self.official[key] = new
                p = parse(period)
                # SCB's month also completes or changes its year: compared with samstat's
                # own year, which usually came first (SCB publishes with a lag).
                touched[area] |= {p, Period(p.year, 1, 12)}
                official_years[area] |= {p.year, p.year + 1}
            elif obs["measure"] == "population" and dims.get("age", "20-64") == "20-64":
                inner = f"{obs['agency']}/{dims.get('sex', '_T')}/{dims.get('age', '20-64')}"
                new = apply(self.population.get(key), inner, rev, obs.get("value"), gone)
                if new is not None:
                    self.population[key] = new
                touched[area] |= indicator.affected_by_population(parse(period).year)
                y = parse(period).year
                official_years[area] |= {y, y + 1, y + 2}  # fallback and year-ago
        for area, codes in reported.items():
            for code in codes:
                touched[area] |= indicator.affected_by_days(code)
        events: list[Event] = []
        self._batching = True
        try:
            for area, periods in touched.items():
                for p in sorted(periods):
                    ev = self.event(area, p)
                    if ev is not None:
                        events.append(ev)
                    rec = self.reconciliation(area, p)
                    if rec is not None:
                        events.append(rec)
            for area, years in official_years.items():
                for y in sorted(years):
                    ev = self.official_event(area, Period(y, 1, 12))
                    if ev is not None:
                        events.append(ev)
        finally:
            self._batching = False
            self._evaluated.clear()
        return events

    def _evaluate(self, area: str, period: Period, with_revisions: bool = True
                  ) -> dict[str, Any] | None:
        key = (area, period)
        if self._batching and key in self._evaluated:
            had_revisions, known = self._evaluated[key]
            if known is None or had_revisions or not with_revisions:
                return known
        known = indicator.evaluate(area, period, self._lookup(self.days),
                                   self._lookup(self.population), with_revisions)
        if self._batching:
            self._evaluated[key] = (with_revisions, known)
        return known

    def reconciliation(self, area: str, period: Period) -> Event | None:
        """Agency-derived FYE minus SCB's official figure, once both exist for the period."""
        scb = official.values_of(period, self._official_parts(area, period))
        total = scb.get((official.TOTAL, official.TOTAL))
        # Most periods have no official figure: the evaluation is skipped.
        current = self._evaluate(area, period) if total is not None else None
        if total is None or current is None:
            return self._reconciliation_gone(area, period)
        derived = float(current["components"]["fye"])
        value = derived - float(total)
        pair = official.comparable(self._whole(area, period, current["components"]), scb) \
            if current["complete"] else None
        if pair is not None:
            self._gap_finding(area, period, *pair)
        else:  # a month not in yet (or withdrawn, or SCB's part withheld): nothing to compare
            self._gap_not_compared(area, period)
        return self._emit(indicator.RECONCILIATION, area, period, value, None, "fye",
                          {"derived": derived, "official": float(total),
                           "relative": value / float(total) if total else None},
                          current["revisions"], bool(current["complete"]))

    def _whole(self, area: str, period: Period, components: dict[str, Any]) -> dict[str, Any]:
        """``components`` with only the benefits every month of ``period`` has: an agency
        whose year is half in (its months arrive in several messages) is a benefit not in
        yet, not a figure half of SCB's (a review saw the demo's comparisons open and close
        again while each agency's year arrived)."""
        if period.n_months == 1:
            return components
        months = [self._evaluate(area, m) for m in period.months]
        if any(m is None for m in months):
            return components  # a figure of the period itself (a yearly report)
        every = set.intersection(*(set(m["components"].get("by_benefit") or {})
                                   for m in months if m is not None))
        by_benefit = components.get("by_benefit") or {}
        if every >= set(by_benefit):
            return components
        return components | {"by_benefit": {b: v for b, v in by_benefit.items() if b in every}}

    def _reconciliation_gone(self, area: str, period: Period) -> Event | None:
        """SCB's total or samstat's own figure is gone (withdrawn): the reconciliation said
        for the period is taken back and its gap finding resolved, as there is nothing left
        to compare; consumers would otherwise keep both."""
        if self.emitter.said(f"{indicator.RECONCILIATION}|{area}|{period.code}") is None:
            return None  # never compared (most periods): no finding either
        self._gap_not_compared(area, period)
        return self.emitter.retraction_event(
            indicator=indicator.RECONCILIATION, area=area, period=period, unit="fye",
            now=self.clock(), withdrawn=withdrawn(self.official, area, period)
            or withdrawn(self.days, area, period))

    def _gap_not_compared(self, area: str, period: Period) -> None:
        """A gap finding open for a period whose figures no longer compare (one gone, or
        samstat's incomplete again) is resolved as such: it would otherwise stay open until
        the figures compare again, which may be never."""
        key = f"dq|{area}|{period.code}|{official.MEASURE}|gap"
        said = self.emitter.said(key)
        if said is not None and said[0] != "ok":
            # The last figures compared: notify shows what the finding was about.
            self.emitter.propose(key, ["ok", said[1], said[2]])
            self.quality_events.append(self._gap_event(
                area, period, "ok", float(said[1]), float(said[2]), None, compared=False))

    def _retraction(self, ind: str, area: str, period: Period, unit: str,
                    table: Mapping[str, Any]) -> Event | None:
        """What was said for a figure that cannot be computed any more: taken back if an
        input behind it was withdrawn, else (inputs withheld) ``null``, not computable
        (indicator-value v1: ``withdrawn``)."""
        return self.emitter.retraction_event(indicator=ind, area=area, period=period,
                                             unit=unit, now=self.clock(),
                                             withdrawn=withdrawn(table, area, period))

    def take_quality_events(self) -> list[Event]:
        """Gap findings since the last call (for the data-quality topic)."""
        out, self.quality_events = self.quality_events, []
        return out

    def _gap_finding(self, area: str, period: Period, derived: float, total: float) -> None:
        """samstat's complete FYE against SCB's official one: a finding when they drift
        apart beyond the tolerance, and when they agree again. Shaped as notify's
        total-versus-parts finding (SCB's total, the agencies' sum as the part), owned by
        the association, which coordinates the exchange."""
        status, relative = official.gap(derived, total)
        key = f"dq|{area}|{period.code}|{official.MEASURE}|gap"
        if status == "ok" and self.emitter.said(key) is None:
            return
        if not self.emitter.propose(key, [status, round(total, 6), round(derived, 6)])[0]:
            return
        self.quality_events.append(self._gap_event(area, period, status, total, derived,
                                                   relative))

    def _gap_event(self, area: str, period: Period, status: str, total: float,
                   derived: float, relative: float | None, compared: bool = True) -> Event:
        doc = {
            "event_id": str(uuid.uuid4()), "kind": "total_mismatch", "status": status,
            "agency": "samordningsforbundet", "measure": official.MEASURE, "area": area,
            "period": period.code, "dimension": "source", "dimensions": {},
            "total": total, "parts": {"computed": derived}, "parts_sum": derived,
            "difference": derived - total, "relative": relative,
            "tolerance": official.GAP_TOLERANCE, "detected_at": self.clock().isoformat(),
        }
        # compared false: ok because a figure is gone, not because the two agree again
        return area, doc | ({} if compared else {"compared": False})

    def _official_parts(self, area: str, period: Period) -> official.Parts:
        return official.parts_of(period, lambda code: self.official.get(state_key(area, code)))

    def official_event(self, area: str, period: Period) -> Event | None:
        """SCB's official share for (area, year), or None when there is none (or no news)."""
        pop = self._lookup(self.population)
        current = official.evaluate(area, period, self._official_parts(area, period), pop)
        if current is None:  # none (most areas), or SCB withdrew it: taken back if said
            return self._retraction(official.INDICATOR, area, period, "share", self.official)
        ago = official.evaluate(area, period.year_ago(),
                                self._official_parts(area, period.year_ago()), pop)
        return self.emitter.value_event(
            indicator=official.INDICATOR, area=area, period=period, value=current["value"],
            year_ago_value=ago["value"] if ago else None, unit="share",
            components=current["components"], revisions=current["revisions"],
            complete=current["complete"], now=self.clock())

    def event(self, area: str, period: Period) -> Event | None:
        """The indicator-value event for (area, period), or None if nothing new to say."""
        current = self._evaluate(area, period)
        if current is None:  # no cell (left) for the period: taken back if it was said
            return self._retraction(indicator.INDICATOR, area, period, "share", self.days)
        year_ago = self._evaluate(area, period.year_ago(), with_revisions=False)
        return self._emit(indicator.INDICATOR, area, period, current["value"],
                          year_ago["value"] if year_ago else None, "share",
                          current["components"], current["revisions"],
                          current["complete"])

    def _emit(self, ind: str, area: str, period: Period, value: float | None,
              year_ago_value: float | None, unit: str, components: dict[str, Any],
              revisions: dict[str, int], complete: bool) -> Event | None:
        return self.emitter.value_event(
            indicator=ind, area=area, period=period, value=value, year_ago_value=year_ago_value,
            unit=unit, components=components, revisions=revisions, complete=complete,
            now=self.clock(), revisions_as=lambda r: indicator.input_cell_keys(area, r))


def withdrawn(table: Mapping[str, Any], area: str, period: Period) -> bool:
    """Whether the period's cells in ``table`` (its own and its months') hold a withdrawal."""
    return holds_withdrawal(table.get(state_key(area, q.code)) for q in (period, *period.months))
