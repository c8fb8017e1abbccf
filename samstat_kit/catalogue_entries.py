"""The entries of samstat's catalogue (``schemas/measures``, ``schemas/codelists``) as frozen
dataclasses, and how each is read from its JSON. :mod:`samstat_kit.contracts` loads the files
and re-exports these names (import them from there)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

TOTAL = "_T"


@dataclass(frozen=True)
class Publisher:
    """Who may publish a measure: an agency code, ``"municipality"`` or ``"*"``."""

    agency: str
    own_area_only: bool = False
    restrict: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class CellKey:
    """The publisher already protected the figures by the cell-key method (SCB from 2025):
    samstat does not suppress them again, and totals may differ from the sum of their parts
    by the method's noise (at most ``max_noise`` per cell)."""

    max_noise: float
    from_year: int = 0


@dataclass(frozen=True)
class Disclosure:
    """Which cells of a measure are linked for disclosure control (catalogue "disclosure").

    ``totals``: dimension -> its total code (the other codes are its parts);
    ``area_hierarchy``: counties, regions and the nation are the sums of their parts;
    ``period_hierarchy``: "sum" (a year is the sum of its halves, quarters, months), "last"
    (a stock: a year is its last half, quarter, month) or "none".
    """

    totals: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    area_hierarchy: bool = True
    period_hierarchy: str = "none"
    cell_key: CellKey | None = None

    def cell_key_applies(self, period: str) -> bool:
        """True when a cell of ``period`` (a code starting with its year) is cell-key noised."""
        return self.cell_key is not None and int(period[:4]) >= self.cell_key.from_year


@dataclass(frozen=True)
class Measure:
    code: str
    title_sv: str
    title_en: str
    unit: str
    value_type: str
    minimum: float
    maximum: float
    person_count: bool
    cadence: str
    granularities: frozenset[str]
    area_levels: frozenset[str]
    aggregation: str
    dimensions: Mapping[str, frozenset[str]]
    required_dimensions: frozenset[str]
    publishers: tuple[Publisher, ...]
    description: str = ""
    disclosure: Disclosure = field(default_factory=Disclosure)


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: str
    area: str | None = None
    # An association's member municipality codes (its "region"'s members, then its own
    # "members"): the areas whose data-quality findings it follows up. Empty for the others.
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str
    parent: str | None
    members: tuple[str, ...] = ()


def _frozen_map(raw: Mapping[str, Any]) -> Mapping[str, frozenset[str]]:
    return MappingProxyType({k: frozenset(v) for k, v in raw.items()})


def _disclosure(raw: Mapping[str, Any]) -> Disclosure:
    """The declared links, defaulting to every '_T' dimension and the measure's aggregation."""
    spec = raw.get("disclosure", {})
    totals = spec.get("totals")
    if totals is None:
        totals = {d: TOTAL for d, codes in raw["dimensions"].items() if TOTAL in codes}
    period = spec.get("period_hierarchy")
    if period is None:
        period = raw["aggregation"] if raw["aggregation"] in ("sum", "last") else "none"
    ck = spec.get("cell_key")
    return Disclosure(
        totals=MappingProxyType(dict(totals)),
        area_hierarchy=spec.get("area_hierarchy", raw["aggregation"] in ("sum", "last")),
        period_hierarchy=period,
        cell_key=CellKey(max_noise=ck["max_noise"], from_year=ck.get("from_year", 0))
        if ck else None,
    )


def measure_of(raw: Mapping[str, Any]) -> Measure:
    """A measure file (``measures/<code>.json``) as a :class:`Measure`."""
    return Measure(
        code=raw["measure"],
        title_sv=raw["title"]["sv"],
        title_en=raw["title"]["en"],
        unit=raw["unit"],
        value_type=raw["value_type"],
        minimum=raw["minimum"],
        maximum=raw["maximum"],
        person_count=raw["person_count"],
        cadence=raw["cadence"],
        granularities=frozenset(raw["granularities"]),
        area_levels=frozenset(raw["area_levels"]),
        aggregation=raw["aggregation"],
        dimensions=_frozen_map(raw["dimensions"]),
        required_dimensions=frozenset(raw["required_dimensions"]),
        publishers=tuple(
            Publisher(
                agency=p["agency"],
                own_area_only=p.get("own_area_only", False),
                restrict=_frozen_map(p.get("restrict", {})),
            )
            for p in raw["publishers"]
        ),
        description=raw.get("description", ""),
        disclosure=_disclosure(raw),
    )


def area_of(raw: Mapping[str, Any]) -> Area:
    """An entry of ``codelists/areas.json`` as an :class:`Area`."""
    return Area(
        code=raw["code"],
        name=raw["name"],
        level=raw["level"],
        parent=raw.get("parent"),
        members=tuple(raw.get("members", ())),
    )


def agency_of(raw: Mapping[str, Any], areas: Mapping[str, Area]) -> Agency:
    """An entry of ``codelists/agencies.json`` as an :class:`Agency`. An association's
    ``region`` is read through ``areas`` (its members are stated once, in areas.json); a
    region that is not one there is the code list's mistake: ValueError, not an association
    that silently follows up nothing."""
    members = list(raw.get("members", ()))
    region = raw.get("region")
    if region is not None:
        found = areas.get(region)
        if found is None or found.level != "region":
            raise ValueError(f"agency {raw['code']}: {region!r} is no region in areas.json")
        members[:0] = [m for m in found.members if m not in members]
    return Agency(code=raw["code"], name=raw["name"], kind=raw["kind"], area=raw.get("area"),
                  members=tuple(members))
