"""Initiative indicators: formulas defined as data in the registry, evaluated over current cell
values. Pure: cells come in through a lookup, a value goes out.

A cell series is one agency's figure for one combination of dimension codes (its *series key*
``"<agency>|<dim>=<code>,…"``, prefixed ``"<member>:"`` for cells forwarded from a member
municipality into an aggregate area). For a period the value of a series is the figure reported
for exactly that period, else it is derived from the months inside it by the measure's
aggregation (``sum`` adds them, ``mean`` averages them, ``last`` takes the latest month).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from samstat_kit.cells import cell_key
from samstat_kit.periods import Period
from services.indicators.domain.fye.maths import live

Entry = Mapping[str, list[Any]]  # series key -> [revision, value], or [revision] withdrawn
Lookup = Callable[[str, Period], Entry | None]  # (measure, period) -> cells of the area
PopulationLookup = Callable[[int], float | None]  # year -> population 20–64


@dataclass
class Inputs:
    """What went into a value: revisions of the cells used and whether any was missing.

    ``sources``: who reported any cell of each measure for the period,
    ``"<measure>/[<member>:]<agency>"``; ``withdrawn``: who withdrew one (the agency said
    the figure is gone: a report now, and nothing to expect a year later). Set against the year-ago
    period's sources by :func:`missing_sources`: a sum or a ratio without an agency that sent
    nothing yet for the whole period looked complete."""

    revisions: dict[str, int] = field(default_factory=dict)
    missing: int = 0
    months_missing: int = 0
    sources: set[str] = field(default_factory=set)
    withdrawn: set[str] = field(default_factory=set)  # sources of withdrawals only


def dims_of(series: str) -> dict[str, str]:
    dims = series.rsplit("|", 1)[-1]
    return dict(pair.split("=", 1) for pair in dims.split(",") if pair)


def series_key(agency: str, dimensions: Mapping[str, str], member: str | None = None) -> str:
    dims = ",".join(f"{k}={dimensions[k]}" for k in sorted(dimensions))
    return f"{member + ':' if member else ''}{agency}|{dims}"


def matches(series: str, wanted: Mapping[str, str | list[str]]) -> bool:
    dims = dims_of(series)
    for dim, codes in wanted.items():
        allowed = [codes] if isinstance(codes, str) else codes
        if dims.get(dim) not in allowed:
            return False
    return True


def source_cell(series: str, measure: str, area: str, period: Period) -> str:
    """The ingest log's cell key of a series' figure, to look up its revisions."""
    member, _, rest = series.rpartition(":")
    agency, _, _dims = rest.partition("|")
    return cell_key(agency, measure, member or area, period.code, dims_of(series))


def series_values(measure: str, aggregation: str, period: Period, lookup: Lookup,
                  wanted: Mapping[str, str | list[str]], inputs: Inputs, area: str,
                  *, sources: bool = True) -> dict[str, float | None]:
    """The value of every matching series for the period (None where suppressed; a
    withdrawn series, its tombstone, is not there). ``sources``: note who reported in
    ``inputs`` (not for yoy_change's year ago: who reported then says nothing of now)."""
    note = _note_sources if sources else _ignore
    entry = lookup(measure, period)
    exact = {k: v for k, v in live(entry).items() if matches(k, wanted)}
    note(measure, entry, inputs)
    out: dict[str, float | None] = {}
    for key, (rev, value) in exact.items():
        inputs.revisions[source_cell(key, measure, area, period)] = int(rev)
        out[key] = value
    if period.n_months == 1 or aggregation == "none":
        return out
    by_series: dict[str, list[tuple[Period, float | None]]] = {}
    for month in period.months:
        entry = lookup(measure, month)
        note(measure, entry, inputs)
        for key, (rev, value) in live(entry).items():
            if key in exact or not matches(key, wanted):
                continue
            inputs.revisions[source_cell(key, measure, area, month)] = int(rev)
            by_series.setdefault(key, []).append((month, value))
    for key, points in by_series.items():
        inputs.months_missing += period.n_months - len(points)
        values = [v for _m, v in points]
        if any(v is None for v in values):
            out[key] = None
        elif aggregation == "sum":
            out[key] = float(sum(v for v in values if v is not None))
        elif aggregation == "mean":
            out[key] = float(sum(v for v in values if v is not None)) / len(values)
        else:  # last: a stock, such as persons on assistance at the end of the period
            out[key] = max(points, key=lambda p: p[0])[1]
    return out


def _note_sources(measure: str, entry: Entry | None, inputs: Inputs) -> None:
    """Per agency and measure, not per series: an agency's table may leave out a row with
    nothing in it (no one "referred" this month), and that is no gap."""
    for key, cell in (entry or {}).items():
        source = f"{measure}/{key.partition('|')[0]}"
        (inputs.sources if len(cell) > 1 else inputs.withdrawn).add(source)


def _ignore(_measure: str, _entry: Entry | None, _inputs: Inputs) -> None:
    pass


def missing_sources(current: Inputs, year_ago: Inputs | None) -> set[str]:
    """The sources that reported the year-ago period and nothing for this one (not one
    cell, not one month): the value is not complete until they have. A source new this
    year is no gap."""
    if year_ago is None:
        return set()
    return year_ago.sources - current.sources - current.withdrawn


def _sum(values: dict[str, float | None], inputs: Inputs) -> float | None:
    if not values:
        return None
    known = [v for v in values.values() if v is not None]
    inputs.missing += len(values) - len(known)
    return float(sum(known)) if known else None


@dataclass(frozen=True)
class Evaluation:
    value: float | None
    components: dict[str, Any]
    inputs: Inputs

    @property
    def complete(self) -> bool:
        return self.inputs.missing == 0 and self.inputs.months_missing == 0


def evaluate(formula: Mapping[str, Any], area: str, period: Period, lookup: Lookup,
             aggregation_of: Callable[[str], str], population: PopulationLookup
             ) -> Evaluation | None:
    """Evaluate a registry formula for one area and period; None when no input exists."""
    inputs = Inputs()
    kind = formula["kind"]

    def values(filters: Mapping[str, Any], p: Period = period) -> dict[str, float | None]:
        m = filters["measure"]
        return series_values(m, aggregation_of(m), p, lookup, filters.get("dimensions", {}),
                             inputs, area, sources=p == period)

    if kind == "ratio":
        num = _sum(values(formula["numerator"]), inputs)
        den = _sum(values(formula["denominator"]), inputs)
        if num is None and den is None:
            return None
        value = num / den if num is not None and den else None
        if value is not None and formula.get("complement"):
            value = 1 - value
        return Evaluation(value, {"numerator": num, "denominator": den}, inputs)
    found = values(formula["filters"])
    if kind == "yoy_change":
        before = _sum(values(formula["filters"], period.year_ago()), inputs)
        now = _sum(found, inputs)
        if now is None:
            return None
        return Evaluation(now - before if before is not None else None,
                          {"value": now, "year_ago": before}, inputs)
    if not found:
        return None
    if kind == "sum":
        total = _sum(found, inputs)
        return Evaluation(total, {"cells": len(found)}, inputs)
    if kind == "count":
        return Evaluation(float(sum(1 for v in found.values() if v is not None)),
                          {"cells": len(found)}, inputs)
    if kind == "mean":
        known = [v for v in found.values() if v is not None]
        inputs.missing += len(found) - len(known)
        return Evaluation(sum(known) / len(known) if known else None,
                          {"cells": len(found)}, inputs)
    if kind == "milestone":
        done = any(v is not None and v >= 1 for v in found.values())
        return Evaluation(1.0 if done else 0.0, {"cells": len(found)}, inputs)
    if kind == "share_of_population":
        total = _sum(found, inputs)
        pop = population(period.year)
        return Evaluation(total / pop if total is not None and pop else None,
                          {"value": total, "population": pop}, inputs)
    raise ValueError(f"unknown formula kind {kind!r}")


def measures_of(formula: Mapping[str, Any]) -> set[str]:
    parts = (formula.get("filters"), formula.get("numerator"), formula.get("denominator"))
    return {p["measure"] for p in parts if p}
