"""Vintages at national scale: the store's size on disk and an ``as_of`` FYE query beside the
latest-value query, in the same run.

``python -m bench.vintages [--quick] [--db sqlite|postgres]`` (not in ``python -m bench``'s
list yet: the lead registers it in bench/__main__.py and bench/report.py).

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

from samstat.components import migrate_all
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from samstat_kit.periods import Period
from services.indicators.api import service
from services.indicators.api.models import IndicatorValue, IndicatorVersion
from services.indicators.domain.fye.maths import BENEFITS

YEARS = range(2013, 2025)  # --years N keeps the last N (the store's size scales with it)
REVISIONS = 5
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
    migrate_all(url)
    t = time.monotonic()
    years = YEARS[-args.years:]
    rows = load(url, areas, years)
    loaded_s = time.monotonic() - t
    factory = session_factory(url)
    at = T0 + timedelta(days=7 * 2 + 3)  # between the 3rd and the 4th revision
    out: dict[str, Any] = {"db": args.db, "municipalities": len(areas), "years": len(years),
                           "versions": rows,
                           "load_seconds": round(loaded_s, 1)}
    period = str(years[len(years) // 2])  # a year that is loaded
    out["period"] = period
    with session_scope(factory) as s:
        for area in ("0000", areas[0]):
            assert service.fye(session=s, catalogue=catalogue, area=area, period=period,
                               as_of=at) is not None, "nothing to measure"
            out[f"latest {area}"] = timed(lambda a=area: service.fye(
                session=s, catalogue=catalogue, area=a, period=period), args.n)
            out[f"as_of {area}"] = timed(lambda a=area: service.fye(
                session=s, catalogue=catalogue, area=a, period=period, as_of=at), args.n)
    size = sizes(url)
    out["bytes"] = size
    out["bytes per version"] = size["indicators_value_versions"] / rows
    out["bytes per latest value"] = size["indicators_values"] / (rows / REVISIONS)
    full = 290 * len(YEARS) * 19 * REVISIONS
    out["national store, 12 years x 5 revisions (extrapolated bytes)"] = \
        out["bytes per version"] * full
    print(json.dumps(out, indent=1))
    if args.db == "sqlite":
        for f in work.iterdir():
            f.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
