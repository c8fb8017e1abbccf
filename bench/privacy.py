"""Disclosure control: its cost on ingest, and how much it hides beyond the small cells.

Run: ``.venv/bin/python -m bench.privacy [--batches N] [--seeds N]``.

1. Cost: 500-observation batches of ``unemployed_persons`` (one month, 125 municipalities ×
   4 breakdowns, about one value in ten below the threshold) through ``accept_batch`` on
   SQLite, each in its own committed transaction, alternating with and without the disclosure
   step (``gate.protect`` replaced by a no-op) in the same run: p50/p99 per batch.
2. Over-suppression: random gk_referrals tables (tests/privacy/stream.py: a region, its
   members, three months and their quarter, three groups and their total) sent in one batch;
   cells hidden beyond the primary ones by the greedy LP-validated heuristic, beside the
   baseline "hide every published cell sharing a relation with a small one", and a lower
   bound: pairwise disjoint relations in which exactly one cell is small need one more each.
3. ``--corrections N``: N batches of 100 corrections after a month, the check's CPU each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from samstat_kit.anonymity import new_event_id
from samstat_kit.auth.service import Principal
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from services.ingest import gate
from services.ingest.observations.service import accept_batch
from tests.conftest import migrated
from tests.privacy.stream import THRESHOLD, Stream, equations, random_leaves, truth_table


def batch(month: int, rng: random.Random, additive: bool = True) -> list[dict[str, Any]]:
    """One month of 125 municipalities × 3 birth regions and their total. ``additive``: the
    total is the sum of its parts, as an agency's data are, except in one municipality in 50
    whose total disagrees by 10 %; otherwise drawn on its own (every table contradicts
    itself: the harder, unrealistic case)."""
    cat = load_catalogue()
    munis = sorted(a.code for a in cat.areas.values() if a.level == "municipality")[:125]
    out = []
    for n, m in enumerate(munis):
        values = {br: rng.choice((1, 2, 3, 4)) if rng.random() < 0.1 else rng.randint(5, 400)
                  for br in ("sweden", "europe", "outside_europe", "_T")}
        if additive:
            parts = sum(v for br, v in values.items() if br != "_T")
            values["_T"] = parts if n % 50 else round(parts * 1.1)
        for br, v in values.items():
            out.append({"event_id": new_event_id(), "agency": "arbetsformedlingen",
                        "measure": "unemployed_persons", "area": m,
                        "period": f"2023-{month:02d}",
                        "dimensions": {"birth_region": br, "duration": "_T"},
                        "value": float(v), "unit": "persons",
                        "produced_at": datetime.now(UTC).isoformat()})
    return out


def cost(batches: int, additive: bool = True) -> dict[str, list[float]]:
    url = migrated(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    factory = session_factory(url)
    cat = load_catalogue()
    who = Principal(token_id="bench", scope="agency", agency="arbetsformedlingen")
    real = gate.protect
    times: dict[str, list[float]] = {"with": [], "without": []}
    rng = random.Random(1)
    for i in range(batches):
        for mode in ("with", "without") if i % 2 == 0 else ("without", "with"):
            gate.protect = real if mode == "with" else (lambda **_: [])
            records = batch(1 + i % 12, rng, additive)
            for r in records:  # distinct years keep the two modes' tables apart
                r["period"] = ("2023" if mode == "with" else "2022") + r["period"][4:]
            started = time.perf_counter()
            with session_scope(factory) as s:
                accept_batch(session=s, principal=who, records=records, catalogue=cat,
                             topic="bench", threshold=THRESHOLD)
            times[mode].append(time.perf_counter() - started)
            print(f"  batch {i} {mode}: {times[mode][-1]:.3f} s", flush=True)
    gate.protect = real
    return times


def corrections(batches: int, size: int = 100) -> list[float]:
    """A month of 500 cells as in :func:`cost`, then ``batches`` batches of ``size``
    corrections each (random cells, each moved by -3..+5): seconds of the check per
    correction batch. Each batch attacks the snapshots before every earlier correction of
    the cells it meets (docs/privacy.md, "Snapshot model"), so the figure grows with them."""
    url = migrated(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    factory = session_factory(url)
    cat = load_catalogue()
    who = Principal(token_id="bench", scope="agency", agency="arbetsformedlingen")
    real, spent = gate.protect, []

    def timed(**kw: Any) -> Any:
        started = time.process_time()
        try:
            return real(**kw)
        finally:
            spent.append(time.process_time() - started)

    gate.protect = timed
    rng = random.Random(1)
    first = batch(1, rng)
    revision: dict[tuple[str, str], int] = {}
    try:
        for n in range(batches + 1):
            records = first if n == 0 else [
                r | {"event_id": new_event_id(), "value": float(max(
                    0, r["value"] + rng.choice((-3, -1, 1, 2, 5)))),
                    "revision": revision.setdefault(
                        (r["area"], r["dimensions"]["birth_region"]), 1) + 1}
                for r in rng.sample(first, size)]
            for r in records if n else ():  # the next correction of a cell is one higher
                revision[(r["area"], r["dimensions"]["birth_region"])] = r["revision"]
            with session_scope(factory) as s:
                accept_batch(session=s, principal=who, records=records, catalogue=cat,
                             topic="bench", threshold=THRESHOLD)
    finally:
        gate.protect = real
    return spent[1:]


def demo_history() -> dict[str, dict[str, float]]:
    """The demo's history (what ``make run`` publishes at start: two years, every agency)
    through ``accept_batch`` on SQLite, one request per agency, measure and year, with the
    disclosure check and without it (same run, different years' tables kept apart by a
    second database): seconds per linked table, and in all."""
    from samstat.demo import history, load_scenario

    sc, cat = load_scenario(), load_catalogue()
    docs = history(sc["first_month"], sc["history_until"])
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for d in docs:
        groups.setdefault((d["agency"], d["measure"], d["period"][:4]), []).append(d)
    real = gate.protect
    out: dict[str, dict[str, float]] = {}
    for mode in ("with", "without"):
        gate.protect = real if mode == "with" else (lambda **_: [])
        factory = session_factory(migrated(f"sqlite:///{Path(tempfile.mkdtemp()) / 'd.db'}"))
        out[mode] = {}
        for (agency, measure, year), batch in sorted(groups.items(), key=lambda g: g[0][2]):
            who = Principal(token_id="bench", scope="agency", agency=agency)
            started = time.perf_counter()
            with session_scope(factory) as s:
                accept_batch(session=s, principal=who, records=batch, catalogue=cat,
                             topic="bench", threshold=THRESHOLD)
            out[mode][f"{agency} {measure} {year}"] = time.perf_counter() - started
    gate.protect = real
    return out


def baseline_hidden(truth: dict[Any, float], eqs: list[Any]) -> int:
    small = {c for c, v in truth.items() if 0 < v < THRESHOLD}
    extra = {c for t, ps in eqs if small & {t, *ps} for c in (t, *ps)} - small
    return len(extra)


def lower_bound(truth: dict[Any, float], eqs: list[Any]) -> int:
    small = {c for c, v in truth.items() if 0 < v < THRESHOLD}
    used: set[Any] = set()
    n = 0
    for t, ps in eqs:
        cells = {t, *ps}
        if len(cells & small) == 1 and not cells & used:
            used |= cells
            n += 1
    return n


def over_suppression(seeds: int) -> list[tuple[int, int, int, int]]:
    rows = []
    eqs = equations()
    for seed in range(seeds):
        truth = truth_table(random_leaves(random.Random(seed)))
        stream = Stream()
        out = stream.send(truth)
        primary = sum(1 for d in out.decisions.values() if d == "primary")
        secondary = sum(1 for d in out.decisions.values() if d == "secondary")
        rows.append((primary, secondary, baseline_hidden(truth, eqs), lower_bound(truth, eqs)))
    return rows


def pct(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--totals", choices=("additive", "independent"), default="additive",
                    help="totals as the sum of their parts (default), or drawn on their own")
    ap.add_argument("--corrections", type=int, default=0,
                    help="also time this many batches of 100 corrections after a month")
    ap.add_argument("--demo", action="store_true",
                    help="also time the demo's history, per linked table")
    a = ap.parse_args()
    if a.demo:
        demo = demo_history()
        slow = sorted(demo["with"], key=demo["with"].__getitem__, reverse=True)[:5]
        for name in slow:
            print(f"demo table {name}: {demo['with'][name]:.2f} s "
                  f"(without the check {demo['without'][name]:.2f} s)")
        print(f"demo history ({len(demo['with'])} tables): with the check "
              f"{sum(demo['with'].values()):.1f} s, without {sum(demo['without'].values()):.1f} s")
    if a.corrections:
        spent = corrections(a.corrections)
        print("correction batches, CPU s of the check each:",
              " ".join(f"{x:.3f}" for x in spent), f"(total {sum(spent):.2f})")
    times = cost(a.batches, a.totals == "additive") if a.batches else {}
    for mode, xs in times.items():
        print(f"500-observation batch {mode:7s} disclosure: p50 {statistics.median(xs):.3f} s"
              f"  p99 {pct(xs, 0.99):.3f} s  (n={len(xs)})")
    rows = over_suppression(a.seeds)
    print("one linked table per seed, one batch: primary / greedy secondary / baseline / "
          "lower bound")
    for r in rows:
        print("  ", *r)
    if not rows:
        return
    tot = [sum(x) for x in zip(*rows, strict=True)]
    print(f"total: primary {tot[0]}, greedy {tot[1]}, hide-all-siblings {tot[2]}, "
          f"lower bound {tot[3]}")


if __name__ == "__main__":
    main()
