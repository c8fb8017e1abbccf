"""The demo's figures, generated from its scenario (``samstat/demo_data/scenario.yaml``). Pure:
no I/O beyond reading the scenario, no clock, a seeded random generator.

A series is a cube: ``cube`` gives each dimension's codes with a share (or, for stages and
means, a factor), ``totals`` the dimensions that also get their ``_T`` cell (the sum of the
parts, so totals always agree with parts unless the scenario says otherwise), ``fixed`` the
dimensions published with one code. Count values are whole persons; the ingest's small-cell
rule suppresses what is too small to publish.
"""

from __future__ import annotations

import calendar
import itertools
import json
import random
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from samstat_kit.anonymity import stable_event_id

DATA = Path(__file__).resolve().parent / "demo_data"
SCENARIO = DATA / "scenario.yaml"
TOTAL = "_T"
BASE_YEAR = 2023
PUBLISHER = {"sickness": "forsakringskassan", "sickness_activity_compensation": "forsakringskassan",
             "unemployment": "arbetsformedlingen", "labour_market_programme": "arbetsformedlingen",
             "establishment": "arbetsformedlingen", "economic_assistance": "municipality"}


def load_scenario(path: Path = SCENARIO) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    schema = json.loads((DATA / "scenario.schema.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc),
                    key=lambda e: list(e.absolute_path))
    if errors:
        raise ValueError("; ".join(f"{path.name} {'/'.join(map(str, e.absolute_path))}: "
                                   f"{e.message}" for e in errors[:10]))
    return doc


def months(first: str, last: str) -> Iterator[tuple[int, int]]:
    y, m = map(int, first.split("-"))
    ly, lm = map(int, last.split("-"))
    while (y, m) <= (ly, lm):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def next_month(y: int, m: int) -> tuple[int, int]:
    return (y + 1, 1) if m == 12 else (y, m + 1)


@dataclass
class Cell:
    agency: str
    measure: str
    area: str
    period: str
    dimensions: dict[str, str]
    value: float
    unit: str

    def key(self) -> tuple[str, ...]:
        return (self.agency, self.measure, self.area, self.period,
                *(f"{k}={v}" for k, v in sorted(self.dimensions.items())))


def _periods_ending(y: int, m: int, cadence: str) -> list[str]:
    """The periods of ``cadence`` that end with month ``m`` of ``y``."""
    if cadence == "month":
        return [f"{y}-{m:02d}"]
    if cadence not in ("quarter", "half", "year"):
        raise ValueError(f"unknown cadence {cadence!r}: month, quarter, half or year")
    if cadence == "quarter" and m % 3 == 0:
        return [f"{y}-Q{m // 3}"]
    if cadence == "half" and m % 6 == 0:
        return [f"{y}-H{m // 6}"]
    if cadence == "year" and m == 12:
        return [str(y)]
    return []


def _agency(template: str, area: str) -> str:
    return f"kommun-{area}" if template == "municipality" else template


class Generator:
    """Cells for one simulated month at a time, the same for the same seed."""

    def __init__(self, scenario: Mapping[str, Any], population: Mapping[str, float],
                 fye: Mapping[tuple[str, int, str, str], float],
                 units: Mapping[str, str], cadences: Mapping[str, str]) -> None:
        self.sc = scenario
        self.population = population  # area -> population 20-64 (base year)
        self.fye = fye  # (area, year, benefit, sex) -> official FYE
        self.units = units  # measure -> unit (the catalogue's)
        # measure -> how often its agency publishes (the catalogue's; a series may override)
        self.cadences = cadences
        self.rng = random.Random(scenario["seed"])

    # ------------------------------------------------------------------ one series
    def _level(self, s: Mapping[str, Any], area: str, year: int, month: int) -> float:
        base = float(s["level"])
        if s.get("per_capita", True) and not s.get("mean"):
            base *= self.population.get(area, 0.0) / self.population[self.sc["members"][0]]
        trend = (s.get("trend_by_area") or {}).get(area, s.get("trend", 0.0))
        base *= (1 + trend) ** (year - BASE_YEAR)
        if s.get("seasonality"):
            base *= s["seasonality"][month - 1]
        return base * (1 + self.rng.uniform(-1, 1) * s.get("noise", 0.015))

    def _factors(self, s: Mapping[str, Any], dim: str, year: int) -> dict[str, float]:
        drift = s.get("drift") or {}
        raw = {code: f * (1 + drift.get(code, 0.0)) ** (year - BASE_YEAR)
               for code, f in s["cube"][dim].items()}
        if dim in (s.get("totals") or []) and not s.get("mean"):
            total = sum(raw.values())
            return {c: v / total for c, v in raw.items()}  # a partition: shares add up to 1
        return raw

    def _floor(self, s: Mapping[str, Any], area: str) -> float:
        """How much a small municipality's counts are lifted so that its smallest cell is
        about ``min_cell`` (the scenario keeps its few small cells on purpose): otherwise
        nearly every split of a village-sized municipality would be suppressed."""
        if s.get("mean") or area in (s.get("small_in") or []) or area == self.sc["members"][0]:
            return 1.0  # the first member is the reference the levels are given for
        base = float(s["level"])
        if s.get("per_capita", True):
            base *= self.population.get(area, 0.0) / self.population[self.sc["members"][0]]
        smallest = base
        for dim in s["cube"]:
            if dim not in (s.get("fixed") or {}):
                smallest *= min(self._factors(s, dim, BASE_YEAR).values())
        floor = float(self.sc.get("min_cell", 0))
        if smallest <= 0 or smallest >= floor:
            return 1.0
        # Lifted, but still in the order of the municipalities' sizes.
        least = min(self.population.get(a, 1.0) for a in self.sc["members"])
        lift = floor / smallest * (self.population.get(area, least) / least) ** 0.3
        # ...and never near the reference municipality's own level.
        return min(lift, 0.6 * float(s["level"]) / base)

    def series(self, s: Mapping[str, Any], y: int, m: int) -> list[Cell]:
        until = s.get("until")
        if until and (y, m) > tuple(map(int, until.split("-"))):
            return []
        out: list[Cell] = []
        cadence = s.get("cadence") or self.cadences.get(s["measure"], "month")
        for period in _periods_ending(y, m, cadence):
            for area in s.get("areas") or self.sc["members"]:
                level = self._level(s, area, y, m) * self._floor(s, area)
                out += self._cube(s, area, period, level, y)
        return out

    def _cube(self, s: Mapping[str, Any], area: str, period: str, level: float,
              year: int) -> list[Cell]:
        dims = list(s["cube"])
        factors = {d: self._factors(s, d, year) for d in dims}
        parts: dict[tuple[str, ...], float] = {}
        for combo in itertools.product(*(factors[d] for d in dims)):
            value = level
            for d, code in zip(dims, combo, strict=True):
                value *= factors[d][code]
            parts[combo] = value if s.get("mean") else float(round(value))
        cells = dict(parts)
        for i, d in enumerate(dims):  # add each requested total, over the cells so far
            if d not in (s.get("totals") or []):
                continue
            weights = s.get("weights") or {}
            grouped: dict[tuple[str, ...], list[tuple[float, float]]] = {}
            for combo, value in cells.items():
                grouped.setdefault((*combo[:i], TOTAL, *combo[i + 1:]), []).append(
                    (value, weights.get(combo[i], 1.0)))
            for combo, pairs in grouped.items():
                if s.get("mean"):  # a mean of means, weighted by the groups' sizes
                    cells[combo] = sum(v * w for v, w in pairs) / sum(w for _, w in pairs)
                else:
                    cells[combo] = sum(v for v, _ in pairs)
        if s.get("splits"):  # publish only the cells split along one of these dim groups
            groups = [set(g) for g in s["splits"]]
            cells = {c: v for c, v in cells.items()
                     if any({d for d, code in zip(dims, c, strict=True) if code != TOTAL} <= g
                            for g in groups)}
        agency = _agency(s["agency"], area)
        fixed = s.get("fixed") or {}
        return [Cell(agency, s["measure"], area, period,
                     dict(zip(dims, combo, strict=True)) | fixed,
                     round(v, 2) if s.get("mean") else v, self.units[s["measure"]])
                for combo, v in cells.items()]

    # ------------------------------------------------------------------ benefit days
    def benefit_days(self, y: int, m: int) -> list[Cell]:
        spec = self.sc["benefit_days"]
        days = calendar.monthrange(y, m)[1]
        latest = max(k[1] for k in self.fye)
        out = []
        for (area, year, benefit, sex), fye in self.fye.items():
            if year != min(y, latest) or sex == TOTAL or benefit == TOTAL:
                continue
            women = (spec.get("women_share") or {}).get(benefit)
            if women is not None:  # the benefit's own split of SCB's total for the year
                total = self.fye.get((area, year, benefit, "K"), 0.0) + \
                    self.fye.get((area, year, benefit, "M"), 0.0)
                fye = total * (women if sex == "K" else 1 - women)
            season = (spec.get("seasonality") or {}).get(benefit)
            f = season[m - 1] / (sum(season) / 12) if season else 1.0
            noise = 1 + self.rng.uniform(-1, 1) * spec.get("noise", 0.01)
            out.append(Cell(_agency(PUBLISHER[benefit], area), "benefit_net_days", area,
                            f"{y}-{m:02d}", {"benefit": benefit, "sex": sex},
                            round(fye * days * f * noise, 1), "days"))
        return out

    def month(self, y: int, m: int) -> list[Cell]:
        out = self.benefit_days(y, m)
        for s in self.sc["series"]:
            out += self.series(s, y, m)
        return out

    # ------------------------------------------------------------------ one-offs
    def coordination_need(self) -> list[Cell]:
        cn = self.sc["coordination_need"]
        cells = [Cell(cn["agency"], "coordination_need_persons", cn["area"], cn["period"],
                      {"target_group": g}, float(v), "persons") for g, v in cn["parts"].items()]
        return [*cells, Cell(cn["agency"], "coordination_need_persons", cn["area"],
                             cn["period"], {"target_group": TOTAL}, float(cn["total"]),
                             "persons")]

    def milestones(self) -> list[Cell]:
        return [Cell(ms["agency"], "milestone", self.sc["region"], ms["period"],
                     {"milestone": ms["milestone"]}, float(ms["value"]), "done")
                for ms in self.sc["milestones"]]


def stable_id(doc: Mapping[str, Any], revision: int) -> str:
    """The same figure of the same revision gets the same event id, so a restarted demo's
    repeats are duplicates ingest ignores, not conflicting revisions."""
    # Not of the value: an id made of it gave a hidden value back to anyone trying each
    # small count (a red team). Each new figure of a cell is a new revision anyway.
    key = json.dumps([doc["measure"], doc["area"], doc["period"], doc.get("dimensions"),
                      revision], sort_keys=True)
    # stable_event_id: never an id ingest's gate refuses (a plain uuid5 holds a
    # personal-number-shaped digit run about once in 11 700 names, always the same names).
    return stable_event_id(uuid.NAMESPACE_URL, "samstat-demo:" + key)


class Revisions:
    """Each cell's revision: the first publication is 1, every later one a step higher."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, ...], int] = {}

    def observation(self, cell: Cell) -> dict[str, Any]:
        key = cell.key()
        self.seen[key] = self.seen.get(key, 0) + 1
        doc = {"agency": cell.agency, "measure": cell.measure, "area": cell.area,
               "period": cell.period, "dimensions": cell.dimensions, "value": cell.value,
               "unit": cell.unit, "revision": self.seen[key],
               "produced_at": datetime.now(UTC).isoformat()}
        return doc | {"event_id": stable_id(doc, self.seen[key])}
