"""Applies observations of the catalogue's measures to current-cell state and evaluates the
registry's indicator formulas. Framework-free, like the FYE processor.

Aggregate areas (a region, a county, the nation) are computed from their member
municipalities' cells, which the member's partition *forwards* to the aggregate's partition
(the caller publishes them keyed by the aggregate area); forwarded cells keep their member in
the series key, so the aggregate's sums add up the members.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from samstat_kit.periods import Period, parse
from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.domain.formulas.evaluate import (
    evaluate,
    measures_of,
    missing_sources,
    series_key,
)
from services.indicators.domain.fye.maths import Entry, apply, holds_withdrawal, is_withdrawn
from services.indicators.domain.quality import check_totals
from services.indicators.domain.values import Emitter, Event

Forward = tuple[str, dict[str, Any]]  # (aggregate area, observation with "via")
SKIP = {"benefit_net_days", "population"}  # kept by the FYE processor


def cell_key(area: str, period: str, measure: str) -> str:
    return f"{area}|{period}|{measure}"


class FormulaProcessor:
    def __init__(
        self,
        cells: MutableMapping[str, Any],
        periods: MutableMapping[str, Any],
        emitter: Emitter,
        definitions: Definitions,
        population: Callable[[str, int], float | None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.cells = cells
        self.periods = periods  # "area|measure" -> reported period codes
        self.emitter = emitter
        self.definitions = definitions
        self.population = population
        self.clock = clock
        self.quality_events: list[Event] = []

    def apply_observations(self, observations: Iterable[dict[str, Any]]
                           ) -> tuple[list[Event], list[Forward]]:
        touched: dict[tuple[str, str], set[Period]] = defaultdict(set)
        forwards: list[Forward] = []
        quality: list[Event] = []
        for obs in observations:
            measure = obs["measure"]
            if measure in SKIP:
                continue
            area, period, member = obs["area"], obs["period"], obs.get("via")
            series = series_key(obs["agency"], obs.get("dimensions") or {}, member)
            key = cell_key(area, period, measure)
            new = apply(self.cells.get(key), series, int(obs.get("revision", 1)),
                        obs.get("value"), withdrawn=obs.get("withdrawn") is True)
            if new is not None:
                self.cells[key] = new
                self._remember_period(area, measure, period)
            # Even an unchanged cell is recomputed and forwarded: a redelivered message may be
            # one whose output was lost in a crash; the emitter skips what was already said.
            if member is None:
                quality += self._quality(area, period, measure, self.cells.get(key) or {},
                                         series)
            p = parse(period)
            touched[(area, measure)] |= {q for e in p.enclosing() for q in (e, e.shift_years(1))}
            if member is None:
                forwards += [(agg, obs | {"area": agg, "via": area})
                             for agg in self.definitions.aggregates_for(area, measure)]
        events: list[Event] = []
        for (area, measure), periods in touched.items():
            for definition in self.definitions.using(measure):
                if self.definitions.computes(definition, area):
                    events += self._events(definition, area, periods)
        self.quality_events += quality
        return events, forwards

    def take_quality_events(self) -> list[Event]:
        """Data-quality events produced since the last call (for the data-quality topic)."""
        out, self.quality_events = self.quality_events, []
        return out

    def _quality(self, area: str, period: str, measure: str, entry: Entry, series: str
                 ) -> list[Event]:
        """A total-versus-parts finding that appeared, changed or went away; ``series`` is
        the cell just applied."""
        meta = self.definitions.catalogue.measures.get(measure)
        if meta is None or meta.aggregation == "mean":
            return []  # means and rates do not add up across dimensions
        out = []
        ck = meta.disclosure.cell_key
        noise = ck.max_noise if ck and meta.disclosure.cell_key_applies(period) else 0.0
        findings = check_totals(entry, meta.dimensions, noise)
        # The groups of the cell just applied that check_totals no longer gives (its total
        # or a part withdrawn or withheld): a mismatch said for one has nothing left to
        # compare and must be resolved. Every group the cell belongs to is looked at, not
        # only those it just left, so a redelivery says what a crash lost.
        for group in _groups_of(series) - {f.group for f in findings}:
            out += self._quality_gone(area, period, measure, group)
        for f in findings:
            key = f"dq|{area}|{period}|{measure}|{f.group}"
            status = "ok" if f.consistent else "mismatch"
            if status == "ok" and self.emitter.said(key) is None:
                continue  # consistent from the start: nothing to say
            if not self.emitter.propose(key, [status, f.total, f.parts_sum])[0]:
                continue
            out.append((area, {
                "event_id": str(uuid.uuid4()), "kind": "total_mismatch", "status": status,
                "agency": f.agency, "measure": measure, "area": area, "period": period,
                "dimension": f.dimension, "dimensions": f.dimensions, "total": f.total,
                "parts": f.parts, "parts_sum": f.parts_sum,
                "difference": f.parts_sum - f.total,
                "detected_at": self.clock().isoformat(),
            }))
        return out

    def _quality_gone(self, area: str, period: str, measure: str, group: str
                      ) -> list[Event]:
        """Resolve the mismatch said for a group that can no longer be compared."""
        key = f"dq|{area}|{period}|{measure}|{group}"
        said = self.emitter.said(key)
        if said is None or said[0] == "ok":
            return []
        total, parts_sum = float(said[1]), float(said[2])
        self.emitter.propose(key, ["ok", total, parts_sum])
        agency, dimension, rest = group.split("|", 2)
        return [(area, {
            "event_id": str(uuid.uuid4()), "kind": "total_mismatch", "status": "ok",
            "agency": agency, "measure": measure, "area": area, "period": period,
            "dimension": dimension,
            "dimensions": dict(p.split("=", 1) for p in rest.split(",") if p),
            # The figures last compared, so the resolved alert still shows them; ok
            # because nothing is left to compare, not because they agree (compared false).
            "total": total, "parts": {}, "parts_sum": parts_sum,
            "difference": parts_sum - total, "compared": False,
            "detected_at": self.clock().isoformat(),
        })]

    def _remember_period(self, area: str, measure: str, period: str) -> None:
        key = f"{area}|{measure}"
        known = self.periods.get(key) or []
        if period not in known:
            self.periods[key] = sorted([*known, period])

    def reported_periods(self, area: str, definition: dict[str, Any]) -> set[Period]:
        out: set[Period] = set()
        for measure in measures_of(definition["formula"]):
            for code in self.periods.get(f"{area}|{measure}") or []:
                out |= {q for e in parse(code).enclosing() for q in (e, e.shift_years(1))}
        return out

    def recompute(self, definition: dict[str, Any], area: str) -> list[Event]:
        """All values of one indicator for one area (after its definition changed)."""
        return self._events(definition, area, self.reported_periods(area, definition))

    def forward_existing(self, area: str, measure: str, aggregate: str) -> list[Forward]:
        """Re-send a member's cells of a measure to an aggregate that newly needs them."""
        out: list[Forward] = []
        for code in self.periods.get(f"{area}|{measure}") or []:
            for series, cell in (self.cells.get(cell_key(area, code, measure))
                                 or {}).items():
                if ":" in series:
                    continue  # already a forwarded cell
                agency, dims = series.split("|", 1)
                # A tombstone goes as its withdrawal: the aggregate may still hold the value
                # (needed by an earlier definition), or get it later, out of order.
                gone = is_withdrawn(cell)
                out.append((aggregate, {
                    "agency": agency, "measure": measure, "area": aggregate, "period": code,
                    "dimensions": dict(p.split("=", 1) for p in dims.split(",") if p),
                    "value": None if gone else cell[1], "revision": cell[0], "via": area}
                    | ({"withdrawn": True} if gone else {})))
        return out

    def _events(self, definition: dict[str, Any], area: str, periods: Iterable[Period]
                ) -> list[Event]:
        out = []
        for p in sorted(periods):
            ev = self.event(definition, area, p)
            if ev is not None:
                out.append(ev)
        return out

    def _evaluate(self, definition: dict[str, Any], area: str, period: Period) -> Any:
        cat = self.definitions.catalogue

        def lookup(measure: str, p: Period) -> Any:
            return self.cells.get(cell_key(area, p.code, measure))

        def aggregation(measure: str) -> str:
            m = cat.measures.get(measure)
            return m.aggregation if m else "sum"

        return evaluate(definition["formula"], area, period, lookup, aggregation,
                        lambda year: self.population(area, year))

    def event(self, definition: dict[str, Any], area: str, period: Period) -> Event | None:
        current = self._evaluate(definition, area, period)
        if current is None:  # no input cell (left) for the period: taken back if said
            # As a withdrawal only when an input was withdrawn (indicator-value v1:
            # ``withdrawn``); inputs withheld, or a new definition's filters that match
            # nothing, make it null, not computable (an independent review of the change).
            return self.emitter.retraction_event(
                indicator=definition["id"], area=area, period=period,
                unit=definition.get("unit", ""), now=self.clock(),
                withdrawn=self._withdrawn(definition, area, period))
        year_ago = self._evaluate(definition, area, period.year_ago())
        year_ago_value = year_ago.value if year_ago else None
        gaps = self._members_now(area, missing_sources(
            current.inputs, year_ago.inputs if year_ago else None))
        return self.emitter.value_event(
            indicator=definition["id"], area=area, period=period, value=current.value,
            year_ago_value=year_ago_value, unit=definition.get("unit", ""),
            components=current.components, revisions=current.inputs.revisions,
            complete=current.complete and not gaps, now=self.clock())

    def _members_now(self, area: str, sources: set[str]) -> set[str]:
        """``sources`` without the member municipalities no longer in the aggregate
        ``area``: one that left sends it nothing any more, and is no gap."""
        if not any(":" in s for s in sources):
            return sources
        members = set(self.definitions.catalogue.municipalities_in(area))
        return {s for s in sources
                if (member := s.partition("/")[2].rpartition(":")[0]) == "" or member in members}

    def _withdrawn(self, definition: dict[str, Any], area: str, period: Period) -> bool:
        """Whether the formula's cells of the period (its own and its months') hold a
        withdrawal."""
        return holds_withdrawal(self.cells.get(cell_key(area, q.code, measure))
                                for measure in measures_of(definition["formula"])
                                for q in (period, *period.months))


def _groups_of(series: str) -> set[str]:
    """The total-versus-parts groups a cell belongs to: one per dimension, the others fixed
    (check_totals' group ids: "agency|dimension|other=code,...", the others sorted)."""
    agency, _, dims_raw = series.partition("|")
    if ":" in agency:
        return set()  # a member's cell forwarded into an aggregate: never checked
    dims = dict(p.split("=", 1) for p in dims_raw.split(",") if p)
    return {f"{agency}|{dim}|" + ",".join(f"{k}={v}" for k, v in sorted(dims.items())
                                         if k != dim)
            for dim in dims}
