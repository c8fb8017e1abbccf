"""Linked tables: which cells of one agency × measure × year are totals of which others. Pure.

A cell here is a :class:`Coord` (area, period, dimensions). Three kinds of link, all declared
in the measure catalogue (``disclosure``): a dimension's total and its parts (``_T`` = K + M),
the area hierarchy (nation = counties, county = its municipalities, the association's region
= its members) and the period hierarchy (a year = its halves, a half = its quarters, a quarter
= its months; for stocks, the last of them). A :class:`Relation` says
``total = sum(parts)``, give or take a tolerance where the data legitimately do not add up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from typing import NamedTuple

from samstat_kit.contracts import Catalogue, Measure
from samstat_kit.periods import Period, parse

Dims = tuple[tuple[str, str], ...]


class Coord(NamedTuple):
    """A named tuple, not a dataclass: the walk hashes, compares and sorts tens of thousands
    of them per batch, which tuples do in C."""

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
class Presence:
    """Where anything of one linked table was ever published (this batch included): a cell
    of another area or period cannot be present."""

    areas: AbstractSet[str]
    periods: AbstractSet[str]

    def holds(self, area: str, period: str) -> bool:
        return area in self.areas and period in self.periods


RelationKey = tuple[Coord, str, str]  # total, kind, the first part's area or period


class Relation(NamedTuple):
    """``total = sum(parts)`` within ``noise`` per cell (cell-key inputs), else exactly."""

    total: Coord
    parts: tuple[Coord, ...]
    kind: str  # dimension name, "area" or "period": for the audit trail

    @property
    def cells(self) -> tuple[Coord, ...]:
        return (self.total, *self.parts)

    @property
    def key(self) -> RelationKey:
        """Identifies the relation: one breakdown per dimension and total, one list of parts
        per area or period level."""
        if self.kind == "area":
            return self.total, "area", self.parts[0].area
        if self.kind == "period":
            return self.total, "period", self.parts[0].period
        return self.total, self.kind, ""


# Coord(*t) and Relation(*t) without the named tuple's ``__new__`` (a Python call): the walk
# builds ~10,000 of them a batch.
_new: Callable[[tuple[str, str, Dims]], Coord] = partial(tuple.__new__, Coord)
_relation: Callable[[tuple[Coord, tuple[Coord, ...], str]], Relation] = \
    partial(tuple.__new__, Relation)

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
        self._dims: dict[Dims, list[tuple[str, Dims, tuple[Dims, ...]]]] = {}
        self._areas: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self._periods: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
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

    def with_totals(self, present: Presence) -> Presence:
        """``present`` with the area totals directly above its areas (each level is
        related to every level below it, so these are all the totals above)."""
        return Presence(present.areas | {p for a in present.areas
                                         for p in self.parents.get(a, ())}, present.periods)

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

    def relations(self, c: Coord, present: Presence | None = None,
                  skip: Callable[[RelationKey], bool] | None = None,
                  strict: bool = False) -> Iterator[Relation]:
        """Every relation ``c`` takes part in, as total or as part.

        With ``present`` (where anything of the table was ever published), area relations
        whose total lies elsewhere are left out: such a total is a free variable, and every
        chain through it has a direct equivalent (each level is linked to every level below
        it), so the relation constrains nothing an attacker could use. It keeps a
        municipality's batch from walking the nation's 290 municipalities. With ``strict``,
        every relation that cannot hold a published cell is left out too.

        ``skip(key)``: relations the caller already has (by :attr:`Relation.key`) are not
        built again, which is most of a walk's work: a relation is met from each of its
        cells. (A walk calls this ~4,000 times a batch, mostly to skip: its cells are
        built by ``_new``, in C, not by the named tuple's ``__new__``, in Python.)"""
        area, period, dims = c
        if present is None or not strict or (area in present.areas and
                                             period in present.periods):
            for d, total, kids in self._dim_shapes(dims):
                top = _new((area, period, total))
                if skip is None or not skip((top, d, "")):
                    parts = tuple(map(_new, zip(repeat(area), repeat(period), kids)))
                    yield _relation((top, parts, d))
        if present is None or not strict or period in present.periods:
            for above, members in self._area_shapes(area):
                if present is None or above in present.areas:
                    top = _new((above, period, dims))
                    if skip is None or not skip((top, "area", members[0])):
                        parts = tuple(map(_new, zip(members, repeat(period), repeat(dims))))
                        yield _relation((top, parts, "area"))
        if present is not None and strict and area not in present.areas:
            return
        for whole, subs in self._period_shapes(period):
            # A stock's period never sent anywhere in the table is its last month under
            # another name: each of its relations (dimensions, areas, and the coarser
            # periods', which have their own relation to that month) repeats the month's,
            # so leaving them out leaves every interval of the sent cells as it was, and the
            # period is protected as its month is, by the month's own range.
            if present is not None and whole not in present.periods and (
                    self.period_mode == "last" or
                    (strict and present.periods.isdisjoint(subs))):
                continue
            top = _new((area, whole, dims))
            if skip is None or not skip((top, "period", subs[0])):
                parts = tuple(map(_new, zip(repeat(area), subs, repeat(dims))))
                yield _relation((top, parts, "period"))

    def _dim_shapes(self, dims: Dims) -> list[tuple[str, Dims, tuple[Dims, ...]]]:
        """(dimension, total, parts) of every breakdown ``dims`` is in, once per combination."""
        if dims not in self._dims:
            out = []
            have = dict(dims)
            for d, t in self.totals.items():
                if d in have and (have[d] == t or have[d] in self.parts[d]):
                    total = tuple(sorted({**have, d: t}.items()))
                    out.append((d, total, tuple(tuple(sorted({**have, d: p}.items()))
                                                for p in self.parts[d])))
            self._dims[dims] = out
        return self._dims[dims]

    def _area_shapes(self, area: str) -> list[tuple[str, tuple[str, ...]]]:
        """(total, parts) of every area relation ``area`` is in: computed once per area, as
        every cell of the area shares them."""
        if area not in self._areas:
            out = [(area, kids) for kids in self.children.get(area, ())]
            out += [(parent, kids) for parent in self.parents.get(area, ())
                    for kids in self.children[parent] if area in kids]
            self._areas[area] = out
        return self._areas[area]

    def _period_shapes(self, code: str) -> list[tuple[str, tuple[str, ...]]]:
        """(total, parts) of every period relation ``code`` is in, once per period code."""
        if code not in self._periods:
            try:
                period = parse(code)
            except ValueError:
                self._periods[code] = []
                return []
            out = [(code, tuple(k.code for k in subs)) for subs in self.period_parts(period)]
            out += [(p.code, tuple(k.code for k in subs))
                    for p, subs in self.period_parents(period)]
            self._periods[code] = out
        return self._periods[code]
