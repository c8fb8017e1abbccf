"""Linked tables: which cells of one agency × measure × year are totals of which others. Pure.

A cell here is a :class:`Coord` (area, period, dimensions). Three kinds of link, all declared
in the measure catalogue (``disclosure``): a dimension's total and its parts (``_T`` = K + M),
the area hierarchy (nation = counties, county = its municipalities, the association's region
= its members) and the period hierarchy (a year = its halves, a half = its quarters, a quarter
= its months; for stocks, the last of them). A :class:`Relation` says
``total = sum(parts)``, give or take a tolerance where the data legitimately do not add up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from samstat_kit.contracts import Catalogue, Measure
from samstat_kit.periods import Period, parse

Dims = tuple[tuple[str, str], ...]


@dataclass(frozen=True, order=True)
class Coord:
    area: str
    period: str
    dims: Dims

    def with_dim(self, name: str, code: str) -> Coord:
        return Coord(self.area, self.period,
                     tuple(sorted({**dict(self.dims), name: code}.items())))

    def with_area(self, area: str) -> Coord:
        return Coord(area, self.period, self.dims)

    def with_period(self, period: str) -> Coord:
        return Coord(self.area, period, self.dims)


def coord(area: str, period: str, dimensions: Mapping[str, str]) -> Coord:
    return Coord(area, period, tuple(sorted(dimensions.items())))


@dataclass(frozen=True)
class Relation:
    """``total = sum(parts)`` within ``noise`` per cell (cell-key inputs), else exactly."""

    total: Coord
    parts: tuple[Coord, ...]
    kind: str  # dimension name, "area" or "period": for the audit trail

    @property
    def cells(self) -> tuple[Coord, ...]:
        return (self.total, *self.parts)


_PERIOD_CHILD = {12: (6, 3, 1), 6: (3, 1), 3: (1,)}
_GRANULARITY = {12: "year", 6: "half", 3: "quarter", 1: "month"}


class Links:
    """The relations of one measure's cells (the same for every agency and year)."""

    def __init__(self, measure: Measure, catalogue: Catalogue) -> None:
        self.measure = measure
        spec = measure.disclosure
        self.totals = {d: t for d, t in spec.totals.items() if d in measure.dimensions}
        self.parts = {d: tuple(sorted(measure.dimensions[d] - {t}))
                      for d, t in self.totals.items()}
        self.period_mode = spec.period_hierarchy
        self.children: dict[str, list[tuple[str, ...]]] = {}
        self.parents: dict[str, list[str]] = {}
        if spec.area_hierarchy:
            self._area_tree(catalogue)
        # A stock's quarter equals its last month: a tolerance-free identity, like a sum.
        self.noise = spec.cell_key.max_noise if spec.cell_key else 0.0

    def _area_tree(self, catalogue: Catalogue) -> None:
        """Each kept area above municipalities and its parts at every kept level below it:
        the nation is the sum of its counties and also of its municipalities, so a chain
        through unreported counties is one relation, not a walk through missing cells."""
        levels = self.measure.area_levels
        munis = {a.code: a for a in catalogue.areas.values() if a.level == "municipality"}
        groups: dict[str, list[tuple[str, ...]]] = {}
        for a in catalogue.areas.values():
            if a.level not in levels or a.level == "municipality":
                continue
            if a.level == "region":
                below = [tuple(a.members)]
            elif a.level == "county":
                below = [tuple(sorted(m for m, x in munis.items() if x.parent == a.code))]
            else:
                counties = tuple(sorted(c.code for c in catalogue.areas.values()
                                        if c.level == "county"))
                below = [counties] if "county" in levels else []
                below.append(tuple(sorted(munis)))
            kept = [kids for kids in below if kids and
                    ("municipality" in levels or kids[0] not in munis)]
            if kept:
                groups[a.code] = kept
        self.children = groups
        for parent, lists in groups.items():
            for kids in lists:
                for k in kids:
                    self.parents.setdefault(k, []).append(parent)

    def period_parts(self, period: Period) -> list[tuple[Period, ...]]:
        """``period`` split at every finer reported granularity (its last part, for stocks):
        a year is the sum of its months too, whether or not its quarters are reported."""
        if self.period_mode == "none":
            return []
        out = []
        for n in _PERIOD_CHILD.get(period.n_months, ()):
            if _GRANULARITY[n] in self.measure.granularities:
                kids = tuple(Period(period.year, m, n) for m in
                             range(period.first_month, period.first_month + period.n_months, n))
                out.append(kids[-1:] if self.period_mode == "last" else kids)
        return out

    def period_parents(self, period: Period) -> Iterator[tuple[Period, tuple[Period, ...]]]:
        for p in period.enclosing()[1:]:
            if _GRANULARITY[p.n_months] in self.measure.granularities:
                for kids in self.period_parts(p):
                    if period in kids:
                        yield p, kids

    def relations(self, c: Coord, areas: AbstractSet[str] | None = None) -> Iterator[Relation]:
        """Every relation ``c`` takes part in, as total or as part.

        With ``areas`` (the areas where anything of the table was ever published), area
        relations whose total lies elsewhere are left out: such a total is a free variable,
        and every chain through it has a direct equivalent (each level is linked to every
        level below it), so the relation constrains nothing an attacker could use. It keeps
        a municipality's batch from walking the nation's 290 municipalities."""
        dims = dict(c.dims)
        for d, t in self.totals.items():
            if d not in dims:
                continue
            total = c.with_dim(d, t)
            if dims[d] == t or dims[d] in self.parts[d]:
                yield Relation(total, tuple(total.with_dim(d, p) for p in self.parts[d]), d)
        if areas is None or c.area in areas:
            for kids in self.children.get(c.area, ()):
                yield Relation(c, tuple(c.with_area(k) for k in kids), "area")
        for parent in self.parents.get(c.area, ()):
            if areas is not None and parent not in areas:
                continue
            for kids in self.children[parent]:
                if c.area in kids:
                    yield Relation(c.with_area(parent), tuple(c.with_area(k) for k in kids),
                                   "area")
        try:
            period = parse(c.period)
        except ValueError:
            return
        for subs in self.period_parts(period):
            yield Relation(c, tuple(c.with_period(k.code) for k in subs), "period")
        for p, subs in self.period_parents(period):
            yield Relation(c.with_period(p.code), tuple(c.with_period(k.code) for k in subs),
                           "period")
