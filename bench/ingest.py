"""1. Batched ingest: request to durable 202 in one uvicorn process, SQLite and PostgreSQL.

Several async httpx clients post 500-observation batches of new benefit_net_days cells as
Försäkringskassan and Arbetsförmedlingen would (one month, every municipality). Throughput is
accepted observations over the wall time of a repetition; latency is per batch. Between
repetitions the outbox is left to drain, so each starts from the same state. The baseline is
raw aiokafka production of the same observations (the same JSON, one message each) to the
same broker, in the same run.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    AF_BENEFITS,
    FK_BENEFITS,
    SEXES,
    Ctx,
    Section,
    Summary,
    broker,
    days_obs,
    fmt,
    issue_token,
    make_topics,
    median,
    migrated,
    municipalities,
    new_prefix,
    pct,
    pg_schema,
    produce,
    say,
    scrape,
    service_env,
    sqlite_url,
    start_service,
    verdict,
)

BATCH = 500
# Issue 14: at least 12,000 obs/s on PostgreSQL before the disclosure check (SQLite keeps the
# platform's 10,000), and at least 10,000 with it.
TARGET = {"PostgreSQL": 12_000, "SQLite": 10_000}
CHECKED_TARGET = 10_000


def agency_batches(agency: str, first_year: int, n_batches: int) -> list[list[dict[str, Any]]]:
    """New cells of one agency, month after month for every municipality, in batches."""
    benefits = FK_BENEFITS if agency == "forsakringskassan" else AF_BENEFITS
    areas = municipalities()
    out: list[list[dict[str, Any]]] = []
    cur: list[dict[str, Any]] = []
    year, month = first_year, 1
    while len(out) < n_batches:
        period = f"{year}-{month:02d}"
        for area in areas:
            for b in benefits:
                for s in SEXES:
                    cur.append(days_obs(agency, area, period, b, s))
                    if len(cur) == BATCH:
                        out.append(cur)
                        cur = []
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out[:n_batches]


async def post_all(url: str, jobs: list[tuple[str, bytes]], clients: int,
                   ) -> tuple[float, list[float], int, list[str]]:
    """``clients`` concurrent posters share the queue of (token, body); returns wall seconds,
    per-batch latencies, accepted count and error descriptions."""
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for j in jobs:
        queue.put_nowait(j)
    latencies: list[float] = []
    errors: list[str] = []
    accepted = 0

    async def client() -> None:
        nonlocal accepted
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            while True:
                try:
                    token, body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                r = await http.post("/v1/observations", content=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                latencies.append(time.perf_counter() - t0)
                if r.status_code == 202:
                    accepted += r.json()["accepted"]
                else:
                    errors.append(f"{r.status_code}: {r.text[:200]}")

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - t0, latencies, accepted, errors


def wait_outbox_empty(url: str, timeout: float = 120) -> float:
    t0 = time.monotonic()
    with httpx.Client() as c:
        while time.monotonic() - t0 < timeout:
            if scrape(url + "/metrics", "ingest_outbox_depth", c) == 0:
                return time.monotonic() - t0
            time.sleep(0.2)
    return float("nan")


def run_backend(ctx: Ctx, label: str, db_url: str, bootstrap: str, reps: int, per_rep: int,
                clients: int, first_year: int) -> dict[str, Any]:
    migrated(db_url)
    tokens = {a: issue_token(db_url, a) for a in ("forsakringskassan", "arbetsformedlingen")}
    prefix = new_prefix("ing")
    make_topics(bootstrap, prefix)
    env = service_env(db_url=db_url, bootstrap=bootstrap, prefix=prefix,
                      data_dir=ctx.sub(f"ingest-{label}"),
                      # capacity, not policy: the per-agency limit would cap one agency at
                      # 600 batches a minute (5,000 observations/s in 500s)
                      SAMSTAT_RATE_LIMIT_PER_MINUTE="1000000")
    proc, url = start_service("ingest", env, ctx.sub("logs"))
    warm = 4
    # The last two shares: one repetition with a single client, one with twice the clients.
    # And fresh benefit-day batches for the comparison with the disclosure check.
    n = warm + (reps + 2) * per_rep + reps * CHECKED_PER_REP
    fk = agency_batches("forsakringskassan", first_year, (n + 1) // 2)
    af = agency_batches("arbetsformedlingen", first_year, n // 2)
    jobs: list[tuple[str, bytes, list[dict[str, Any]]]] = []
    for i in range(n):
        agency, src = (("forsakringskassan", fk) if i % 2 == 0 else ("arbetsformedlingen", af))
        batch = src[i // 2]
        jobs.append((tokens[agency], json.dumps({"observations": batch}).encode(), batch))
    out: dict[str, Any] = {"reps": [], "drain": []}
    try:
        asyncio.run(post_all(url, [(t, b) for t, b, _ in jobs[:warm]], clients))
        wait_outbox_empty(url)
        for r in range(reps):
            chunk = jobs[warm + r * per_rep: warm + (r + 1) * per_rep]
            cpu0 = _cpu(proc.pid)
            wall, lat, accepted, errors = asyncio.run(
                post_all(url, [(t, b) for t, b, _ in chunk], clients))
            cpu = _cpu(proc.pid) - cpu0
            drain = wait_outbox_empty(url)
            rate = accepted / wall
            out["reps"].append({"wall": wall, "rate": rate, "p50": pct(lat, 50),
                                "p99": pct(lat, 99), "accepted": accepted, "errors": errors,
                                "server_cpu_s": cpu, "drain_after": drain})
            say(f"  ingest {label} rep {r + 1}: {rate:,.0f} obs/s, p50 {pct(lat, 50) * 1000:.0f}"
                f" ms, p99 {pct(lat, 99) * 1000:.0f} ms, server CPU {cpu / wall:.2f} cores, "
                f"{len(errors)} errors, outbox drained {drain:.1f}s later")
        out["checked"] = with_the_check(url, tokens["arbetsformedlingen"], reps, clients,
                                        [(t, b) for t, b, _ in
                                         jobs[warm + (reps + 2) * per_rep:]], label)
        # Concurrency: the same work from one client (SQLite has one writer at a time).
        chunk = jobs[warm + reps * per_rep: warm + (reps + 1) * per_rep]
        wall, lat, accepted, errors = asyncio.run(
            post_all(url, [(t, b) for t, b, _ in chunk], 1))
        wait_outbox_empty(url)
        out["one_client"] = {"rate": accepted / wall, "p50": pct(lat, 50), "p99": pct(lat, 99),
                             "errors": errors}
        say(f"  ingest {label}, 1 client: {accepted / wall:,.0f} obs/s, p50 "
            f"{pct(lat, 50) * 1000:.0f} ms, p99 {pct(lat, 99) * 1000:.0f} ms")
        # More agencies at once: while one request waits for the database, others use the CPU.
        chunk = jobs[warm + (reps + 1) * per_rep: warm + (reps + 2) * per_rep]
        wall, lat, accepted, errors = asyncio.run(
            post_all(url, [(t, b) for t, b, _ in chunk], 2 * clients))
        wait_outbox_empty(url)
        out["more_clients"] = {"clients": 2 * clients, "rate": accepted / wall,
                               "p50": pct(lat, 50), "p99": pct(lat, 99), "errors": errors}
        say(f"  ingest {label}, {2 * clients} clients: {accepted / wall:,.0f} obs/s, p50 "
            f"{pct(lat, 50) * 1000:.0f} ms, p99 {pct(lat, 99) * 1000:.0f} ms, "
            f"{len(errors)} errors")
        # Baseline in the same run and broker: the same observations, one message each.
        topic = f"{prefix}.bench.raw"
        make_topics(bootstrap, prefix, [topic])
        for r in range(reps):
            chunk = jobs[warm + r * per_rep: warm + (r + 1) * per_rep]
            msgs = [(o["area"].encode(), json.dumps(o).encode()) for _, _, b in chunk for o in b]
            secs = asyncio.run(produce(bootstrap, topic, msgs))
            out.setdefault("baseline", []).append(len(msgs) / secs)
            say(f"  raw aiokafka {label} rep {r + 1}: {len(msgs) / secs:,.0f} msg/s")
    finally:
        proc.stop()
    return out


CHECKED_PER_REP = 8  # batches of person counts per repetition: each is a linked table's month


def person_batches(n: int) -> list[bytes]:
    """``n`` months of unemployed_persons (Arbetsförmedlingen: 125 municipalities × three
    birth regions and their total, about one value in ten small, totals the sum of their
    parts), one 500-observation batch each: the disclosure check applies to them."""
    import random

    from bench.privacy import batch

    rng = random.Random(1)
    out = []
    for i in range(n):
        records = batch(1 + i % 12, rng)
        for r in records:  # a new year every twelve months: every cell new (revision 1)
            r["period"] = f"{1950 + i // 12}{r['period'][4:]}"
        out.append(json.dumps({"observations": records}).encode())
    return out


def with_the_check(url: str, token: str, reps: int, clients: int,
                   days: list[tuple[str, bytes]], label: str) -> list[dict[str, Any]]:
    """Person counts, which the disclosure check (issue 12) protects, in repetitions
    alternating with the same number of benefit-day batches (which it does not apply to)
    from the same process: throughput and latency with the check beside those without."""
    bodies = person_batches(reps * CHECKED_PER_REP)
    out = []
    for r in range(reps):
        chunk = bodies[r * CHECKED_PER_REP:(r + 1) * CHECKED_PER_REP]
        wall, lat, accepted, errors = asyncio.run(
            post_all(url, [(token, b) for b in chunk], clients))
        wait_outbox_empty(url)
        bwall, blat, baccepted, berrors = asyncio.run(post_all(
            url, days[r * CHECKED_PER_REP:(r + 1) * CHECKED_PER_REP], clients))
        wait_outbox_empty(url)
        out.append({"rate": accepted / wall, "p50": pct(lat, 50), "p99": pct(lat, 99),
                    "errors": errors, "base_rate": baccepted / bwall,
                    "base_p50": pct(blat, 50), "base_p99": pct(blat, 99)})
        say(f"  ingest {label} with the check rep {r + 1}: {accepted / wall:,.0f} obs/s, p99 "
            f"{pct(lat, 99) * 1000:.0f} ms; benefit days beside it {baccepted / bwall:,.0f} "
            f"obs/s, p99 {pct(blat, 99) * 1000:.0f} ms; {len(errors) + len(berrors)} errors")
    return out


BREAKDOWN = (
    ("personal-number scan", "anonymity.py", "contains_personal_number"),
    ("pydantic validation of the batch (parse_records)", "validation.py", "parse_records"),
    ("authorise (publish_denial)", "service.py", "_authorize"),
    ("catalogue checks", "validation.py", "check_catalogue"),
    ("pydantic dump of the accepted records (dump_records)", "validation.py", "dump_records"),
    ("suppression gate", "gate.py", "suppress"),
    ("cell keys", "cells.py", "cell_key"),
    ("statements through Connection.execute / scalars (lookups; the audit row)",
     "engine/base.py", ("scalars", "execute")),
    ("log rows (COPY on PostgreSQL, executemany on SQLite)", "bulk.py", "insert_log"),
    ("cells and outbox rows", "bulk.py", "insert_rows"),
    ("outbox payloads (encode_message)", "service.py", "encode_message"),
    ("Session.flush (the batch's audit row)", "orm/session.py", "flush"),
    ("commit", "orm/session.py", "commit"),
)


def in_process(db_url: str, n: int = 24) -> tuple[float, list[list[str]]]:
    """accept_batch alone (no HTTP, no relay) on a migrated database: ms per 500-observation
    batch without a profiler, and the share of named steps under cProfile."""
    import cProfile
    import pstats

    from samstat_kit.auth.service import Principal
    from samstat_kit.contracts import load_catalogue
    from samstat_kit.db import session_factory, session_scope
    from services.ingest.observations import service

    migrated(db_url)
    factory = session_factory(db_url)
    cat = load_catalogue()
    who = Principal("bench", "agency", "forsakringskassan")
    bodies = [json.dumps({"observations": b}).encode()
              for b in agency_batches("forsakringskassan", 1900, 2 * n + 4)]

    def one(body: bytes) -> None:
        with session_scope(factory) as session:
            service.accept_batch(session=session, principal=who,
                                 records=json.loads(body)["observations"], catalogue=cat,
                                 topic="bench", threshold=5)

    for body in bodies[:4]:
        one(body)
    times = []
    for body in bodies[4:4 + n]:
        t0 = time.perf_counter()
        one(body)
        times.append(time.perf_counter() - t0)
    prof = cProfile.Profile()
    prof.enable()
    for body in bodies[4 + n:]:
        one(body)
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    total = max(ct for (_f, _l, fn), (_c, _n, _t, ct, _) in stats.items() if fn == "accept_batch")
    rows = []
    for label, file, func in BREAKDOWN:
        names = func if isinstance(func, tuple) else (func,)
        ct = sum(v[3] for (f, _l, fn), v in stats.items() if fn in names and f.endswith(file))
        rows.append([label, f"{ct / total * 100:.0f} %"])
    return median(times) * 1000, rows


def _cpu(pid: int) -> float:
    from bench.common import cpu_seconds

    return cpu_seconds(pid)


def run(ctx: Ctx) -> Section:
    reps = 3
    per_rep = 10 if ctx.quick else 40
    clients = 4
    sec = Section("ingest", "1. Ingest: request to durable 202", "quick" if ctx.quick else "full",
                  time.strftime("%Y-%m-%d %H:%M"))
    results: dict[str, dict[str, Any]] = {}
    with broker(ctx, "ingest") as b:
        results["SQLite"] = run_backend(ctx, "sqlite", sqlite_url(ctx.sub("ingest") /
                                                                  "ingest.db"),
                                        b.bootstrap, reps, per_rep, clients, 1950)
        with pg_schema("ingest") as pg:
            if pg is not None:
                results["PostgreSQL"] = run_backend(ctx, "postgres", pg, b.bootstrap, reps,
                                                    per_rep, clients, 1950)
    breakdown = {}
    breakdown["SQLite"] = in_process(sqlite_url(ctx.sub("ingest") / "in-process.db"))
    with pg_schema("ingestip") as pg:
        if pg is not None:
            breakdown["PostgreSQL"] = in_process(pg)
    rows = []
    for label, res in results.items():
        rate = median(r["rate"] for r in res["reps"])
        base = median(res["baseline"])
        p50 = median(r["p50"] for r in res["reps"]) * 1000
        p99 = median(r["p99"] for r in res["reps"]) * 1000
        errors = sum(len(r["errors"]) for r in res["reps"])
        sec.summary.append(Summary(
            f"ingest, {label} (obs/s, 500-obs batches, {clients} clients)", fmt(rate),
            f"{fmt(base)} msg/s raw aiokafka", f"{rate / base:.2f}×",
            f"≥ {fmt(TARGET[label])} obs/s", verdict(rate >= TARGET[label] and errors == 0)))
        for i, r in enumerate(res["reps"]):
            rows.append([label, i + 1, fmt(r["rate"]), fmt(r["p50"] * 1000), fmt(r["p99"] * 1000),
                         f"{r['server_cpu_s'] / r['wall']:.2f}", f"{r['drain_after']:.1f}",
                         len(r["errors"]), fmt(res["baseline"][i]),
                         f"{r['rate'] / res['baseline'][i]:.2f}×"])
        rows.append([f"**{label} median**", "", f"**{fmt(rate)}**", f"**{fmt(p50)}**",
                     f"**{fmt(p99)}**", "", "", errors, f"**{fmt(base)}**",
                     f"**{rate / base:.2f}×**"])
        sec.raw[label] = res
    checked_rows = []
    for label, res in results.items():
        reps_c = res.get("checked") or []
        if not reps_c:
            continue
        rate, base = median(r["rate"] for r in reps_c), median(r["base_rate"] for r in reps_c)
        p99, bp99 = median(r["p99"] for r in reps_c), median(r["base_p99"] for r in reps_c)
        errors = sum(len(r["errors"]) for r in reps_c)
        sec.summary.append(Summary(
            f"ingest with the disclosure check, {label} (obs/s, person counts, 500-obs "
            f"batches, {clients} clients)", fmt(rate),
            f"{fmt(base)} obs/s without it (benefit days, same run)", f"{rate / base:.2f}×",
            f"≥ {fmt(CHECKED_TARGET)} obs/s", verdict(rate >= CHECKED_TARGET and errors == 0)))
        sec.summary.append(Summary(
            f"p99 of a 500-obs batch with the disclosure check, {label} ({clients} clients; ms)",
            fmt(p99 * 1000), f"{fmt(bp99 * 1000)} ms without it (same run)",
            f"{p99 / bp99:.1f}×", "≤ 1.2× (+20 %)", verdict(p99 <= 1.2 * bp99)))
        for i, r in enumerate(reps_c):
            checked_rows.append([label, i + 1, fmt(r["rate"]), fmt(r["p50"] * 1000),
                                 fmt(r["p99"] * 1000), fmt(r["base_rate"]),
                                 fmt(r["base_p50"] * 1000), fmt(r["base_p99"] * 1000),
                                 len(r["errors"])])
    sec.method = (
        f"One `samstat serve ingest` process (uvicorn, one event loop, the outbox relay in the "
        f"same process) per database. {clients} httpx.AsyncClient posters share a queue of "
        f"{per_rep} batches per repetition ({per_rep * BATCH:,} observations), {reps} "
        f"repetitions after 4 warm-up batches; bodies are serialised before timing. Half the "
        f"batches are Försäkringskassan's, half Arbetsförmedlingen's; every cell is new "
        f"(revision 1). The per-agency rate limit is raised for this run "
        f"(SAMSTAT_RATE_LIMIT_PER_MINUTE) because it would cap one agency at 600 batches a "
        f"minute: this measures capacity, the load test (7) measures the default policy. "
        f"After each repetition the outbox is left to drain, so the next starts clean. "
        f"Baseline: the same observations, one JSON message each, produced with the services' "
        f"producer settings (acks=all, linger 5 ms) to the same broker.")
    sec.table("Per repetition (latency = one 500-observation batch, request to 202)",
              ["database", "rep", "obs/s", "p50 ms", "p99 ms", "server CPU (cores)",
               "outbox drained after (s)", "errors", "baseline msg/s", "ratio"], rows)
    if checked_rows:
        sec.table(f"With the disclosure check (issue 12): {CHECKED_PER_REP} batches of person "
                  f"counts (unemployed_persons, one month of 125 municipalities × 4 each, "
                  f"every cell new) per repetition, then {CHECKED_PER_REP} batches of benefit "
                  f"days (not person counts: no check) from the same process, alternating",
                  ["database", "rep", "obs/s with", "p50 ms with", "p99 ms with",
                   "obs/s without", "p50 ms without", "p99 ms without", "errors"],
                  checked_rows)
    conc = []
    for label, res in results.items():
        p50 = median(r["p50"] for r in res["reps"])
        p99 = median(r["p99"] for r in res["reps"])
        one = res["one_client"]
        conc.append([label, clients, fmt(median(r["rate"] for r in res["reps"])),
                     fmt(p50 * 1000), fmt(p99 * 1000), f"{p99 / p50:.1f}×"])
        conc.append([label, 1, fmt(one["rate"]), fmt(one["p50"] * 1000), fmt(one["p99"] * 1000),
                     f"{one['p99'] / one['p50']:.1f}×"])
        more = res.get("more_clients")
        if more:
            conc.append([label, more["clients"], fmt(more["rate"]), fmt(more["p50"] * 1000),
                         fmt(more["p99"] * 1000), f"{more['p99'] / more['p50']:.1f}×"])
    sec.table("Concurrency: the same kind of batches from one client, and from twice the "
              "clients, right after the repetitions above",
              ["database", "clients", "obs/s", "p50 ms", "p99 ms", "p99 / p50"], conc)
    labels = list(breakdown)
    sec.table("Where a batch's time goes: `accept_batch` in process (no HTTP, no relay). "
              "First row: ms per 500-observation batch without a profiler; then each step's "
              "share of accept_batch's time (cProfile, cumulative; a step that calls another "
              "includes it)",
              ["step", *labels],
              [["**ms per batch (→ obs/s on one thread)**",
                *[f"**{breakdown[k][0]:.0f}** (→ {fmt(BATCH / breakdown[k][0] * 1000)})"
                  for k in labels]]]
              + [[row[0], *[breakdown[k][1][i][1] for k in labels]]
                 for i, row in enumerate(breakdown[labels[0]][1])])
    sec.raw["in_process_ms"] = {k: v[0] for k, v in breakdown.items()}
    return sec


if __name__ == "__main__":
    import tempfile

    print(run(Ctx(quick=True, work=Path(tempfile.mkdtemp()))))
