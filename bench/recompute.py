"""6. Incremental update vs full SQL recomputation, at national scale.

Incremental: ``FyeProcessor`` holding the national state in dicts (290 municipalities × 12
years × 12 months × 12 series + population) applies one corrected cell (a higher revision) and
returns the new indicator values for its month, quarter, half-year and year (and the next
year's, whose year-ago value changed); the events are serialised as the agent would. Timed
per update over many random cells.

Full recomputation: one SQL query over the ingest log (1,009,200 rows: every cell in two
revisions, as replay's log) that takes each cell's current revision (``ingest_cells``) and
sums net days per municipality and month, quarter, half-year and year, with the population,
and the share computed from the rows: every FYE value of the nation. Same query on SQLite
and PostgreSQL, same data. Also the same query restricted to the one municipality and the two
years an incremental update touches (there is no index on area, so it still reads the log).
"""

from __future__ import annotations

import random
import time
from typing import Any

from bench.common import (
    NATIONAL_FIRST_YEAR,
    NATIONAL_REVISIONS,
    NATIONAL_YEARS,
    SEXES,
    Ctx,
    Section,
    Summary,
    bulk_load_log,
    days_obs,
    fmt,
    median,
    migrated,
    national_areas,
    national_log,
    national_log_db,
    pct,
    pg_schema,
    population_of,
    say,
    series_of,
)

SQL = """
WITH cur AS (
  SELECT o.area, o.period, o.measure, o.value
  FROM ingest_cells c JOIN ingest_observations o ON o.seq = c.seq
  WHERE o.measure IN ('benefit_net_days', 'population') {where}
),
m AS (
  SELECT area, period, SUM(value) AS days FROM cur
  WHERE measure = 'benefit_net_days' GROUP BY area, period
),
pop AS (
  SELECT area, CAST(period AS INTEGER) AS year, SUM(value) AS pop FROM cur
  WHERE measure = 'population' GROUP BY area, period
),
agg AS (
  SELECT area, period AS p, days, 1 AS n FROM m
  UNION ALL
  SELECT area, substr(period, 1, 4) || '-Q' || ((CAST(substr(period, 6, 2) AS INTEGER) + 2) / 3),
         SUM(days), COUNT(*) FROM m GROUP BY 1, 2
  UNION ALL
  SELECT area, substr(period, 1, 4) || '-H' || ((CAST(substr(period, 6, 2) AS INTEGER) + 5) / 6),
         SUM(days), COUNT(*) FROM m GROUP BY 1, 2
  UNION ALL
  SELECT area, substr(period, 1, 4), SUM(days), COUNT(*) FROM m GROUP BY 1, 2
)
SELECT agg.area, agg.p, agg.days, agg.n, pop.pop
FROM agg LEFT JOIN pop ON pop.area = agg.area AND pop.year = CAST(substr(agg.p, 1, 4) AS INTEGER)
"""


def sql_recompute(url: str, area: str | None = None, years: tuple[int, int] | None = None
                  ) -> tuple[float, int]:
    """Seconds to run the recomputation and turn its rows into FYE shares; rows returned."""
    from sqlalchemy import text

    from samstat_kit.db import get_engine
    from samstat_kit.periods import parse

    where = ""
    params: dict[str, Any] = {}
    if area is not None and years is not None:
        where = "AND o.area = :area AND substr(o.period, 1, 4) IN (:y0, :y1)"
        params = {"area": area, "y0": str(years[0]), "y1": str(years[1])}
    days_of: dict[str, int] = {}
    t0 = time.perf_counter()
    with get_engine(url).connect() as c:
        rows = c.execute(text(SQL.format(where=where)), params).all()
    out = {}
    for a, p, days, _n, pop in rows:
        d = days_of.get(p)
        if d is None:
            d = days_of[p] = parse(p).days
        fye = days / d
        out[(a, p)] = fye / pop if pop else None
    return time.perf_counter() - t0, len(rows)


def national_state(areas: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The FYE tables as the worker holds them, for revision 1 of every cell."""
    from services.indicators.domain.fye.processor import state_key

    days: dict[str, Any] = {}
    pop: dict[str, Any] = {}
    for area in areas:
        for y in range(NATIONAL_FIRST_YEAR, NATIONAL_FIRST_YEAR + NATIONAL_YEARS):
            pop[state_key(area, str(y))] = {f"scb/{s}/20-64": [1, population_of(area, y, s)]
                                            for s in SEXES}
            for m in range(1, 13):
                period = f"{y}-{m:02d}"
                days[state_key(area, period)] = {
                    f"{a}/{b}/{s}": [1, days_obs(a, area, period, b, s)["value"]]
                    for a, b, s in series_of(area)}
    return days, pop


def incremental(fye: Any, areas: list[str], n: int, seed: int) -> tuple[list[float], int]:
    import json

    emitter = fye.emitter
    rng = random.Random(seed)
    lat, events = [], 0
    for i in range(n):
        area = rng.choice(areas)
        period = f"{rng.randrange(NATIONAL_FIRST_YEAR, NATIONAL_FIRST_YEAR + NATIONAL_YEARS)}-" \
                 f"{rng.randrange(1, 13):02d}"
        agency, benefit, sex = rng.choice(series_of(area))
        o = days_obs(agency, area, period, benefit, sex, revision=2 + seed * n + i)
        t0 = time.perf_counter()
        out = fye.apply_observations([o])
        for _k, doc in out:
            json.dumps(doc)
        emitter.confirm()
        lat.append(time.perf_counter() - t0)
        events += len(out)
    return lat, events


def run(ctx: Ctx) -> Section:
    sec = Section("recompute", "6. Incremental update vs full SQL recomputation",
                  "quick" if ctx.quick else "full", time.strftime("%Y-%m-%d %H:%M"))
    areas = national_areas(ctx)
    sqlite, n = national_log_db(ctx)
    reps = 3
    res: dict[str, dict[str, list[float]]] = {}
    one_area, years = areas[len(areas) // 2], (NATIONAL_FIRST_YEAR + 5, NATIONAL_FIRST_YEAR + 6)
    rows_full = 0
    with pg_schema("recompute") as pg:
        dbs = {"SQLite": sqlite}
        if pg is not None:
            migrated(pg)
            t0 = time.monotonic()
            bulk_load_log(pg, national_log(areas, NATIONAL_FIRST_YEAR, NATIONAL_YEARS,
                                           revisions=NATIONAL_REVISIONS))
            say(f"  PostgreSQL log loaded in {time.monotonic() - t0:.0f}s")
            dbs["PostgreSQL"] = pg
        for label, url in dbs.items():
            sql_recompute(url)  # warm the cache: every repetition reads from memory
            full = []
            for _ in range(reps):
                secs, rows_full = sql_recompute(url)
                full.append(secs)
            part = [sql_recompute(url, one_area, years)[0] for _ in range(reps)]
            res[label] = {"full": full, "one_area": part}
            say(f"  {label}: full recompute {median(full):.2f}s ({rows_full:,} values), one "
                f"municipality {median(part) * 1000:.0f} ms")
    from services.indicators.domain.fye.processor import FyeProcessor
    from services.indicators.domain.values import Emitter

    days, pop = national_state(areas)
    fye = FyeProcessor(days, pop, Emitter({}), {})
    inc_rounds = []
    for r in range(reps):
        lat, _events = incremental(fye, areas, 300, r)
        inc_rounds.append(lat)
    inc = median(median(r) for r in inc_rounds)
    inc_p99 = median(pct(r, 99) for r in inc_rounds)
    say(f"  incremental: median {inc * 1000:.2f} ms, p99 {inc_p99 * 1000:.2f} ms")
    for label, r in res.items():
        full = median(r["full"])
        sec.summary.append(Summary(
            f"full SQL recomputation, {label} (s, {fmt(rows_full)} FYE values)", f"{full:.2f}",
            f"incremental {inc * 1000:.2f} ms per corrected cell", f"{full / inc:,.0f}×",
            "(none set)", "–"))
    rows = [["incremental (FyeProcessor, one corrected cell)", "–",
             f"{inc * 1000:.2f} ms", f"{inc_p99 * 1000:.2f} ms",
             f"{len(inc_rounds[0])} updates × {reps}", "1×"]]
    for label, r in res.items():
        rows.append([f"full SQL recomputation of every FYE value, {label}",
                     " / ".join(f"{x:.2f}" for x in r["full"]), f"{median(r['full']):.2f} s", "–",
                     reps, f"{median(r['full']) / inc:,.0f}×"])
        rows.append([f"SQL recomputation of one municipality × 2 years, {label}",
                     " / ".join(f"{x * 1000:.0f} ms" for x in r["one_area"]),
                     f"{median(r['one_area']) * 1000:.0f} ms", "–", reps,
                     f"{median(r['one_area']) / inc:,.0f}×"])
    sec.table(f"National scale: {len(areas)} municipalities × {NATIONAL_YEARS} years × 12 months "
              f"× 12 series; ingest log {n:,} rows", [
                  "what", "runs", "median", "p99", "n", "vs incremental"], rows)
    sec.method = __doc__.split("\n", 2)[2].strip().replace("\n", " ")
    sec.raw = {"sql": res, "incremental_ms": [[x * 1000 for x in r] for r in inc_rounds],
               "rows": rows_full}
    return sec
