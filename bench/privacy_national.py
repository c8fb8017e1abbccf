"""Disclosure control at national scale: one person-count measure for a whole year.

Run: ``.venv/bin/python -m bench.privacy_national [--months N] [--seed S] [--save F | --load F]``
(``--save`` keeps the streamed states after each period, ``--load`` audits them again
without streaming).

The table: ``gk_referrals`` (a sum over the period: months, quarters, halves, the year) by
group (three parts and the total) and sex (K, M and the total), for all 313 areas (290
municipalities, 21 counties, the nation and the association's region): the measure's area
levels are widened to all four for this run, so every area relation is in play. The truth is
additive: leaves per municipality, month, group and sex drawn from a skewed distribution in
which small municipalities give many counts below the threshold; every other cell is a sum.

1. Streaming: the agency sends each month as it closes (and each quarter, half and the year
   with the month that closes it), municipalities first, then counties, the region and the
   nation, in 500-cell batches. Each batch goes through :func:`protect` as ingest runs it
   (the same ``Presence`` of published areas and periods), against an in-memory store, so
   the figure is the check itself, without the database. CPU seconds per batch.
2. The audit: :func:`audit_table` on the whole table afterwards (what ``samstat privacy
   audit`` runs per linked table), with its guarantee: every protected hidden cell, every
   small sum of a published total's missing parts, and every unsent cell the published
   values could pin, attacked by LP over every relation reachable from the hidden cells.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import random
import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any

from samstat_kit.contracts import Catalogue, load_catalogue
from services.ingest.disclosure.attack import Protection
from services.ingest.disclosure.audit import AuditResult, audit_table
from services.ingest.disclosure.links import Coord, Links, Presence, coord
from services.ingest.disclosure.protect import CellState, protect

THRESHOLD = 5
MEASURE = "gk_referrals"
PARTS = ("young_activity_compensation", "sick_listed_unemployed", "other")
SEXES = ("K", "M")
BATCH = 500
UPPER = 1e7


def national_catalogue() -> Catalogue:
    cat = load_catalogue()
    # And a maximum the nation's year stays under: the catalogue's 100,000 is below the sum
    # of these draws, which ingest would refuse, and the attack takes the maximum as every
    # unknown cell's ceiling (near it, no cell is left out as dark: docs/privacy.md).
    m = dataclasses.replace(cat.measures[MEASURE], area_levels=frozenset(
        {"municipality", "county", "nation", "region"}), maximum=UPPER)
    return dataclasses.replace(cat, measures={**cat.measures, MEASURE: m})


def periods(year: int, months: int) -> list[tuple[str, list[str]]]:
    """Each period code in sending order with the months it sums."""
    out: list[tuple[str, list[str]]] = []
    for m in range(1, months + 1):
        out.append((f"{year}-{m:02d}", [f"{year}-{m:02d}"]))
        if m % 3 == 0:
            out.append((f"{year}-Q{m // 3}", [f"{year}-{k:02d}" for k in range(m - 2, m + 1)]))
        if m % 6 == 0:
            out.append((f"{year}-H{m // 6}", [f"{year}-{k:02d}" for k in range(m - 5, m + 1)]))
        if m == 12:
            out.append((str(year), [f"{year}-{k:02d}" for k in range(1, 13)]))
    return out


def truth(cat: Catalogue, months: int, rng: random.Random) -> list[dict[Coord, float]]:
    """The year's cells, grouped as the agency sends them (one group per period)."""
    areas = cat.areas.values()
    munis = sorted(a.code for a in areas if a.level == "municipality")
    size = {m: rng.lognormvariate(2.0, 1.3) for m in munis}  # mean referrals per leaf
    leaf = {(m, p, g, s): float(min(2000, int(rng.expovariate(1 / size[m]))))
            for m in munis for p, _ in periods(2023, months) if len(p) == 7
            for g in PARTS for s in SEXES}
    members: dict[str, list[str]] = {m: [m] for m in munis}
    for a in areas:
        if a.level == "county":
            members[a.code] = [m for m in munis if cat.areas[m].parent == a.code]
        elif a.level == "nation":
            members[a.code] = munis
        elif a.level == "region":
            members[a.code] = list(a.members)
    order = munis + sorted(c for c in members if c not in size)
    out = []
    for p, span in periods(2023, months):
        group: dict[Coord, float] = {}
        for code in order:
            for g in (*PARTS, "_T"):
                for s in (*SEXES, "_T"):
                    group[coord(code, p, {"group": g, "sex": s})] = sum(
                        leaf[(m, mo, gg, ss)] for m in members[code] for mo in span
                        for gg in (PARTS if g == "_T" else (g,))
                        for ss in (SEXES if s == "_T" else (s,)))
        out.append(group)
    return out


def chunks(cells: dict[Coord, float], size: int = BATCH) -> Iterable[dict[Coord, float]]:
    items = list(cells.items())
    for i in range(0, len(items), size):
        yield dict(items[i:i + size])


def stream(cat: Catalogue, groups: list[dict[Coord, float]],
           after: Callable[[dict[Coord, CellState], list[float]], None] | None = None,
           size: int = BATCH) -> tuple[dict[Coord, CellState], list[float]]:
    """``after``: called with the states and CPU so far after each period's cells;
    ``size``: cells per batch."""
    links = Links(cat.measures[MEASURE], cat)
    store: dict[Coord, CellState] = {}
    areas: set[str] = set()
    seen_periods: set[str] = set()
    cpu: list[float] = []

    def fetch(coords: Iterable[Coord]) -> dict[Coord, CellState]:
        return {c: store[c] for c in coords if c in store}

    for group in groups:
        for batch in chunks(group, size):
            areas |= {c.area for c in batch}
            seen_periods |= {c.period for c in batch}
            started = time.process_time()
            out = protect(links, fetch, dict(batch), threshold=THRESHOLD,
                          protection=Protection(THRESHOLD), upper=UPPER,
                          present=Presence(frozenset(areas), frozenset(seen_periods)))
            cpu.append(time.process_time() - started)
            store.update(out.states)
            if out.exposed:
                print(f"  exposed in stream: {len(out.exposed)}", flush=True)
        print(f"  {next(iter(group)).period}: {len(store)} cells, "
              f"{sum(1 for s in store.values() if s.shown is None)} hidden, "
              f"last batch {cpu[-1]:.3f} s, {sum(cpu):.0f} s so far", flush=True)
        if after is not None:
            after(store, cpu)
    return store, cpu


def main() -> dict[str, Any]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--save", help="keep the streamed states in this file (pickle)")
    ap.add_argument("--load", help="audit the states kept by --save instead of streaming")
    ap.add_argument("--batch", type=int, default=BATCH,
                    help="cells per batch (a period's 3,756 in one: --batch 4000)")
    a = ap.parse_args()
    cat = national_catalogue()
    def save(store: dict[Coord, CellState], cpu: list[float]) -> None:
        with open(a.save, "wb") as f:  # after every period: a long run can be cut short
            pickle.dump((store, cpu), f)

    if a.load:
        with open(a.load, "rb") as f:
            store, cpu = pickle.load(f)
    else:
        store, cpu = stream(cat, truth(cat, a.months, random.Random(a.seed)),
                            save if a.save else None, a.batch)
    hidden = [s for s in store.values() if s.shown is None]
    primary = sum(1 for s in hidden if s.primary)
    print(f"cells {len(store)}, hidden {len(hidden)} (primary {primary}, "
          f"secondary {len(hidden) - primary})")
    print(f"per 500-cell batch, CPU s: p50 {statistics.median(cpu):.3f}, "
          f"p99 {sorted(cpu)[int(0.99 * (len(cpu) - 1))]:.3f}, max {max(cpu):.3f}, "
          f"total {sum(cpu):.1f} ({len(cpu)} batches, {len(store) / sum(cpu):.0f} cells/s)")
    result = AuditResult(tables=1, cells=len(store))
    started, wall = time.process_time(), time.perf_counter()
    exposed = audit_table(cat, MEASURE, store, THRESHOLD, 0.1, result)
    audit_cpu, audit_wall = time.process_time() - started, time.perf_counter() - wall
    print(f"audit: {result.checked} targets, {len(exposed)} exposed, "
          f"{audit_cpu:.1f} s CPU, {audit_wall:.1f} s wall")
    return {"cells": len(store), "hidden": len(hidden), "primary": primary,
            "batch_cpu": cpu, "audit_cpu": audit_cpu, "audit_wall": audit_wall,
            "audit_targets": result.checked, "audit_exposed": len(exposed)}


if __name__ == "__main__":
    main()
