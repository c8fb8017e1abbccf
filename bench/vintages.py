"""Vintages at national scale: the store's size on disk and an ``as_of`` FYE query beside the
latest-value query, in the same run.

``python -m bench vintages`` (both databases, into docs/benchmarks.md), or
``python -m bench.vintages [--quick] [--db sqlite|postgres]`` for one database as JSON.

Data: fye_share for 290 municipalities (29 with --quick) x 12 years x 19 periods per year
(12 months, 4 quarters, 2 halves, the year), each value in 5 revisions (versions computed a
week apart), components as the worker writes them. Timed: ``service.fye`` for the nation
(the sum over every municipality) and one municipality, for a year, latest vs ``as_of`` an
instant between the 3rd and the 4th revision; p50/p99 over repetitions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text

from bench.common import Ctx, Section, Summary, fmt, pg_schema, say, sqlite_url, verdict
from samstat.components import migrate_all
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from samstat_kit.heap import settle_heap
from samstat_kit.periods import Period
from services.indicators.api import service
from services.indicators.api.models import IndicatorValue, IndicatorVersion
from services.indicators.domain.fye.maths import BENEFITS

YEARS = range(2013, 2025)  # --years N keeps the last N (the store's size scales with it)
REVISIONS = 5
REPS = 200  # per query and database in `python -m bench vintages`
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _periods(year: int) -> list[Period]:
    return ([Period(year, m, 1) for m in range(1, 13)] + [Period(year, q, 3) for q in (1, 4, 7, 10)]
            + [Period(year, 1, 6), Period(year, 7, 6), Period(year, 1, 12)])


def _components(p: Period, fye: float, pop: float) -> dict[str, Any]:
    by_b = {b: fye / len(BENEFITS) for b in BENEFITS}
    return {"fye": fye, "net_days": fye * p.days, "days": p.days, "population": pop,
            "population_year": p.year, "by_benefit": by_b,
            "by_sex": {"K": fye * .55, "M": fye * .45},
            "by_benefit_sex": {b: {"K": v * .55, "M": v * .45} for b, v in by_b.items()},
            "population_by_sex": {"K": pop * .49, "M": pop * .51},
            "months_reported": p.n_months, "months": p.n_months}


def _sql(v: Any) -> Any:
    """A value as SQLite stores it for these columns (the load is not what is measured, so it
    goes through the driver's executemany instead of the ORM's per-row type processing)."""
    if isinstance(v, dict):
        return json.dumps(v)
    if isinstance(v, datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return v


def load(url: str, areas: list[str], years: range = YEARS) -> int:
    rng = random.Random(7)
    engine = create_engine(url)
    rows = 0
    with engine.begin() as conn:
        for area in areas:
            pop = rng.uniform(1000, 600000)
            latest, versions = [], []
            for year in years:
                for p in _periods(year):
                    for rev in range(REVISIONS):
                        fye = pop * rng.uniform(.08, .16)
                        row = {"indicator": "fye_share", "area": area, "period": p.code,
                               "year": p.year, "granularity": p.granularity, "value": fye / pop,
                               "year_ago_value": None, "unit": "share", "complete": True,
                               "components": _components(p, fye, pop),
                               "computed_at": T0 + timedelta(days=7 * rev),
                               "recorded_at": T0 + timedelta(days=7 * rev)}
                        versions.append(row)
                    latest.append({k: v for k, v in row.items() if k != "recorded_at"}
                                  | {"previous_value": None, "input_revisions": {},
                                     "updated_at": row["recorded_at"]})
            for model, batch in ((IndicatorVersion, versions), (IndicatorValue, latest)):
                if url.startswith("sqlite"):
                    cols = list(batch[0])
                    conn.exec_driver_sql(
                        f"INSERT INTO {model.__tablename__} ({', '.join(cols)}) "
                        f"VALUES ({', '.join('?' for _ in cols)})",
                        [tuple(_sql(r[c]) for c in cols) for r in batch])
                else:
                    conn.execute(insert(model), batch)
            rows += len(versions)
    engine.dispose()
    return rows


def timed(fn: Any, n: int) -> dict[str, float]:
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - t) * 1000)
    xs.sort()
    return {"p50_ms": statistics.median(xs), "p99_ms": xs[min(len(xs) - 1, int(len(xs) * .99))]}


def sizes(url: str) -> dict[str, float]:
    engine = create_engine(url)
    with engine.connect() as c:
        if url.startswith("sqlite"):
            out = {}
            for table in ("indicators_values", "indicators_value_versions"):
                out[table] = float(c.execute(text(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name = :t OR name IN (SELECT name "
                    "FROM sqlite_master WHERE tbl_name = :t AND type = 'index')"),
                    {"t": table}).scalar() or 0)
        else:
            out = {t: float(c.execute(text("SELECT pg_total_relation_size(:t)"),
                                      {"t": t}).scalar() or 0)
                   for t in ("indicators_values", "indicators_value_versions")}
    engine.dispose()
    return out


def measure(url: str, areas: list[str], years: range, n: int) -> dict[str, Any]:
    """Load the store at ``url``, then time latest against ``as_of`` and read its size."""
    catalogue = load_catalogue()
    migrate_all(url)
    t = time.monotonic()
    rows = load(url, areas, years)
    out: dict[str, Any] = {"municipalities": len(areas), "years": len(years), "versions": rows,
                           "load_seconds": round(time.monotonic() - t, 1)}
    factory = session_factory(url)
    at = T0 + timedelta(days=7 * 2 + 3)  # between the 3rd and the 4th revision
    period = str(years[len(years) // 2])  # a year that is loaded
    out["period"] = period
    # As `samstat serve` does once its app is built (samstat_kit/heap.py): the API's process
    # is measured, not a collector walking the benchmark's own start-up heap.
    settle_heap()
    with session_scope(factory) as s:
        for area in ("0000", areas[0]):
            assert service.fye(session=s, catalogue=catalogue, area=area, period=period,
                               as_of=at) is not None, "nothing to measure"
            out[f"latest {area}"] = timed(lambda a=area: service.fye(
                session=s, catalogue=catalogue, area=a, period=period), n)
            out[f"as_of {area}"] = timed(lambda a=area: service.fye(
                session=s, catalogue=catalogue, area=a, period=period, as_of=at), n)
    size = sizes(url)
    out["bytes"] = size
    out["bytes per version"] = size["indicators_value_versions"] / rows
    out["bytes per latest value"] = size["indicators_values"] / (rows / REVISIONS)
    full = 290 * len(YEARS) * 19 * REVISIONS
    out["national store, 12 years x 5 revisions (extrapolated bytes)"] = \
        out["bytes per version"] * full
    return out


def run(ctx: Ctx) -> Section:
    """``python -m bench vintages``: SQLite and PostgreSQL, national scale (a tenth quick)."""
    sec = Section("vintages", "9. Vintages: what was known at any instant",
                  "quick" if ctx.quick else "full", time.strftime("%Y-%m-%d %H:%M"))
    areas = sorted(a.code for a in load_catalogue().areas.values() if a.level == "municipality")
    areas = areas[::10] if ctx.quick else areas
    results: dict[str, dict[str, Any]] = {}
    say("  vintages, SQLite")
    results["SQLite"] = measure(sqlite_url(ctx.sub("vintages") / "v.db"), areas, YEARS, REPS)
    with pg_schema("vintages") as pg:
        if pg is not None:
            say("  vintages, PostgreSQL")
            results["PostgreSQL"] = measure(pg, areas, YEARS, REPS)
    rows = []
    for db, r in results.items():
        for area, name in (("0000", "the nation (sum over every municipality)"),
                           (areas[0], f"one municipality ({areas[0]})")):
            latest, as_of = r[f"latest {area}"], r[f"as_of {area}"]
            if area == "0000":
                sec.summary.append(Summary(
                    f"as_of FYE query, {name}, {db} (p99 ms)", fmt(as_of["p99_ms"], 1),
                    f"{fmt(latest['p99_ms'], 1)} ms the latest-value query (p99)",
                    f"{as_of['p99_ms'] / latest['p99_ms']:.1f}×", "≤ 50 ms",
                    verdict(as_of["p99_ms"] <= 50)))
            rows.append([db, name, fmt(latest["p50_ms"], 1), fmt(latest["p99_ms"], 1),
                         fmt(as_of["p50_ms"], 1), fmt(as_of["p99_ms"], 1)])
        sec.summary.append(Summary(
            f"vintage store on disk, {db} ({r['versions']:,} versions; MiB)",
            fmt(r["bytes"]["indicators_value_versions"] / 2**20),
            f"{fmt(r['bytes']['indicators_values'] / 2**20)} MiB the latest values",
            f"{r['bytes']['indicators_value_versions'] / r['bytes']['indicators_values']:.1f}×",
            "(none set)", "–"))
    sec.table(f"FYE query for the year {results['SQLite']['period']}, ms ({REPS} repetitions)",
              ["database", "area", "latest p50", "latest p99", "as_of p50", "as_of p99"], rows)
    sec.table("Size on disk (tables and their indexes)", [
        "database", "versions", "load (s)", "versions MiB", "latest values MiB",
        "bytes per version", "bytes per latest value"], [[
            db, fmt(r["versions"]), f"{r['load_seconds']:.0f}",
            fmt(r["bytes"]["indicators_value_versions"] / 2**20, 1),
            fmt(r["bytes"]["indicators_values"] / 2**20, 1), fmt(r["bytes per version"]),
            fmt(r["bytes per latest value"])] for db, r in results.items()])
    sec.method = __doc__.split("\n\n", 2)[2].strip().replace("\n", " ") + (
        " Both databases in the same run; the as_of instant lies between the third and the "
        "fourth revision, so every value is answered from an older version.")
    sec.raw = results
    return sec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--db", default="sqlite", choices=("sqlite", "postgres"))
    ap.add_argument("-n", type=int, default=60)
    ap.add_argument("--years", type=int, default=len(YEARS))
    args = ap.parse_args()
    catalogue = load_catalogue()
    areas = sorted(a.code for a in catalogue.areas.values() if a.level == "municipality")
    areas = areas[::10] if args.quick else areas
    work = Path(tempfile.mkdtemp(prefix="samstat-vintages-"))
    url = f"sqlite:///{work / 'v.db'}" if args.db == "sqlite" else os.environ.get(
        "SAMSTAT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    out = {"db": args.db} | measure(url, areas, YEARS[-args.years:], args.n)
    print(json.dumps(out, indent=1))
    if args.db == "sqlite":
        for f in work.iterdir():
            f.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
