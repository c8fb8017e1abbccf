"""A small linked table and a stream of batches and corrections over it, for the property
test and bench/privacy.py: gk_referrals in the Umeå region (six municipalities and the
region), three months and their quarter, three groups and their total; additive truth."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from samstat_kit.contracts import load_catalogue
from services.ingest.disclosure.attack import Protection
from services.ingest.disclosure.links import Coord, Links, coord
from services.ingest.disclosure.protect import CellState, Outcome, protect

THRESHOLD = 5
MEASURE = "gk_referrals"
ALL_MEMBERS = load_catalogue().areas["umearegionen"].members
MEMBERS = ALL_MEMBERS[:1]  # the others report nothing: missing cells of the region's sum
AREAS = (*MEMBERS, "umearegionen")


def areas(reporting: int = 1) -> tuple[str, ...]:
    """The reporting members (the first ``reporting`` of the region's) and the region."""
    return (*ALL_MEMBERS[:reporting], "umearegionen")
MONTHS = ("2023-01", "2023-02", "2023-03")
PERIODS = (*MONTHS, "2023-Q1")
PARTS = ("young_activity_compensation", "sick_listed_unemployed", "other")
GROUPS = (*PARTS, "_T")


def at(area: str, period: str, group: str) -> Coord:
    return coord(area, period, {"group": group, "sex": "_T"})


def equations(reporting: int = 1) -> list[tuple[Coord, list[Coord]]]:
    """Written out by hand (independently of services.ingest.disclosure.links)."""
    eqs = []
    for p in PERIODS:
        for g in GROUPS:
            eqs.append((at("umearegionen", p, g), [at(m, p, g) for m in ALL_MEMBERS]))
        for a in areas(reporting):
            eqs.append((at(a, p, "_T"), [at(a, p, g) for g in PARTS]))
    for a in areas(reporting):
        for g in GROUPS:
            eqs.append((at(a, "2023-Q1", g), [at(a, m, g) for m in MONTHS]))
    return eqs


def truth_table(leaves: Mapping[tuple[str, str, str], float],
                reporting: int = 1) -> dict[Coord, float]:
    """Every cell from the leaves (municipality, month, part group): totals are sums."""
    out: dict[Coord, float] = {}
    for a in areas(reporting):
        for p in PERIODS:
            for g in GROUPS:
                out[at(a, p, g)] = float(sum(
                    v for (la, lp, lg), v in leaves.items()
                    if (a == "umearegionen" or la == a) and (p == "2023-Q1" or lp == p)
                    and (g == "_T" or lg == g)))
    return out


@dataclass
class Stream:
    """The published state of the table as batches and corrections arrive."""

    links: Links = field(default_factory=lambda: Links(load_catalogue().measures[MEASURE],
                                                       load_catalogue()))
    store: dict[Coord, CellState] = field(default_factory=dict)
    hidden_primary: int = 0
    hidden_other: int = 0
    # What history and as_of answers give: each cell's revisions (1, 2, ...) with the value
    # published (if shown) and the truth, and which revision stood after each batch.
    versions: dict[Coord, int] = field(default_factory=dict)
    shown: dict[tuple[Coord, int], float] = field(default_factory=dict)
    truths: dict[tuple[Coord, int], float] = field(default_factory=dict)
    snapshots: list[dict[Coord, int]] = field(default_factory=list)
    exposed: set[str] = field(default_factory=set)  # what protect said it could not protect

    def fetch(self, coords: Iterable[Coord]) -> dict[Coord, CellState]:
        return {c: self.store[c] for c in coords if c in self.store}

    def send(self, batch: Mapping[Coord, float]) -> Outcome:
        out = protect(self.links, self.fetch, dict(batch), threshold=THRESHOLD,
                      protection=Protection(THRESHOLD), upper=1e5)
        self.store.update(out.states)
        for c, v in batch.items():
            self.versions[c] = n = self.versions.get(c, 0) + 1
            self.truths[(c, n)] = v
            if (shown := out.states[c].shown) is not None:
                self.shown[(c, n)] = shown
        self.snapshots.append(dict(self.versions))
        self.exposed |= set(out.exposed)
        return out

    def published(self) -> dict[Coord, float]:
        return {c: s.shown for c, s in self.store.items() if s.shown is not None}


def random_leaves(rng: random.Random, reporting: int = 1
                  ) -> dict[tuple[str, str, str], float]:
    return {(a, p, g): float(rng.choice((0, 1, 2, 3, 4, 6, 8, 12, 20, 40)))
            for a in ALL_MEMBERS[:reporting] for p in MONTHS for g in PARTS}


def stats(stream: Stream) -> dict[str, Any]:
    hidden = [s for s in stream.store.values() if s.shown is None]
    return {"cells": len(stream.store), "hidden": len(hidden),
            "primary": sum(1 for s in hidden if s.primary)}
