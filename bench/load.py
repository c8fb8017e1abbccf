"""7. Load test: every agency that may publish benefit_net_days, at once, for a fixed time.

Försäkringskassan and Arbetsförmedlingen (any municipality, their benefits) and each
municipality in the code list (its own area, economic assistance), each with a token of its
own, post in parallel to one ingest process with its default settings (SQLite, the default
rate limit of 600 batches a minute per agency). Each agency is a closed-loop asyncio client
with two requests in flight, paced to at most 10 batches/s (its 600-a-minute allowance):
the two national agencies send 500-observation batches of new cells (one month, every
municipality), the municipalities 24-observation batches (a year of monthly figures for both
sexes; corrections with a higher revision when they come round again). The load stops by
itself after a fixed time; every answer that is not 202, and every record a 202 rejected,
counts as an error.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

import httpx

from bench.common import (
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
    new_prefix,
    pct,
    say,
    service_env,
    sqlite_url,
    start_service,
    verdict,
)
from bench.ingest import agency_batches

MAX_PER_SECOND = 10.0  # 600 batches a minute
IN_FLIGHT = 2


def publishers() -> list[str]:
    """Agency codes whose catalogue entry lets them publish benefit_net_days."""
    from samstat_kit.contracts import load_catalogue

    cat = load_catalogue()
    spec = cat.measures["benefit_net_days"]
    out = []
    for code, agency in cat.agencies.items():
        if any(cat._matches(p, agency) for p in spec.publishers):
            out.append(code)
    return out


def municipal_batch(agency: str, area: str, round_: int) -> list[dict[str, Any]]:
    year = 1900 + round_ % 200
    rev = 1 + round_ // 200
    return [days_obs(agency, area, f"{year}-{m:02d}", "economic_assistance", s, revision=rev)
            for m in range(1, 13) for s in ("K", "M")]


async def agency_client(url: str, agency: str, token: str, bodies: list[bytes],
                        deadline: float, stats: dict[str, Any]) -> None:
    i = 0
    lock = asyncio.Lock()
    start = time.monotonic()

    async def lane(http: httpx.AsyncClient) -> None:
        nonlocal i
        while True:
            async with lock:
                if time.monotonic() >= deadline or i >= len(bodies):
                    return
                body = bodies[i]
                i += 1
                # Pace: batch i not before start + i / MAX_PER_SECOND.
                wait = start + i / MAX_PER_SECOND - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if time.monotonic() >= deadline:
                return
            t0 = time.monotonic()
            try:
                r = await http.post("/v1/observations", content=body, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                status: int | str = r.status_code
            except httpx.HTTPError as exc:
                status = exc.__class__.__name__
                r = None
            stats["lat"].append(time.monotonic() - t0)
            stats["status"][status] += 1
            if r is not None and r.status_code == 202:
                receipt = r.json()
                stats["accepted"] += receipt["accepted"]
                stats["rejected"] += len(receipt["rejected"])
                stats["duplicates"] += receipt["duplicates"]
            elif r is not None:
                stats["errors"].append(f"{r.status_code} {r.text[:120]}")

    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        await asyncio.gather(*(lane(http) for _ in range(IN_FLIGHT)))


def run(ctx: Ctx) -> Section:
    from samstat_kit.contracts import load_catalogue

    duration = 10.0 if ctx.quick else 30.0
    sec = Section("load", "7. Load test: every agency that publishes benefit_net_days",
                  "quick" if ctx.quick else "full", time.strftime("%Y-%m-%d %H:%M"))
    agencies = publishers()
    cat = load_catalogue()
    n_max = int(duration * MAX_PER_SECOND) + 2
    bodies: dict[str, list[bytes]] = {}
    for code in agencies:
        area = cat.agencies[code].area
        if code in ("forsakringskassan", "arbetsformedlingen"):
            batches = agency_batches(code, 1900, n_max)
        else:
            batches = [municipal_batch(code, area or "", r) for r in range(n_max)]
        bodies[code] = [json.dumps({"observations": b}).encode() for b in batches]
    db = migrated(sqlite_url(ctx.sub("load") / "load.db"))
    tokens = {code: issue_token(db, code) for code in agencies}
    stats = {code: {"lat": [], "status": Counter(), "accepted": 0, "rejected": 0,
                    "duplicates": 0, "errors": []} for code in agencies}
    with broker(ctx, "load") as b:
        prefix = new_prefix("load")
        make_topics(b.bootstrap, prefix)
        env = service_env(db_url=db, bootstrap=b.bootstrap, prefix=prefix,
                          data_dir=ctx.sub("load"))
        proc, url = start_service("ingest", env, ctx.sub("logs"))
        try:
            async def all_clients() -> float:
                t0 = time.monotonic()
                deadline = t0 + duration
                await asyncio.gather(*(agency_client(url, code, tokens[code], bodies[code],
                                                     deadline, stats[code])
                                       for code in agencies))
                return time.monotonic() - t0

            wall = asyncio.run(all_clients())
        finally:
            proc.stop()
    total_obs = sum(s["accepted"] for s in stats.values())
    total_batches = sum(sum(s["status"].values()) for s in stats.values())
    non202 = sum(n for s in stats.values() for st, n in s["status"].items() if st != 202)
    rejected = sum(s["rejected"] for s in stats.values())
    all_lat = [x for s in stats.values() for x in s["lat"]]
    say(f"  load: {len(agencies)} agencies, {total_batches} batches, {total_obs:,} observations "
        f"in {wall:.1f}s = {total_obs / wall:,.0f} obs/s; {non202} non-202, {rejected} rejected")
    sec.summary.append(Summary(
        f"load test, {len(agencies)} agencies for {duration:.0f} s (obs/s accepted)",
        fmt(total_obs / wall), "–", "–", "no errors (non-202)",
        verdict(non202 == 0 and rejected == 0)))
    rows = []
    for code in agencies:
        s = stats[code]
        n = sum(s["status"].values())
        rows.append([code, n, f"{n / wall:.1f}", fmt(s["accepted"]),
                     fmt(pct(s["lat"], 50) * 1000), fmt(pct(s["lat"], 99) * 1000),
                     ", ".join(f"{k}: {v}" for k, v in sorted(s["status"].items(), key=str)),
                     s["rejected"]])
    rows.append(["**all**", total_batches, f"{total_batches / wall:.1f}",
                 f"**{fmt(total_obs)}** ({fmt(total_obs / wall)}/s)",
                 fmt(pct(all_lat, 50) * 1000), fmt(pct(all_lat, 99) * 1000),
                 f"non-202: {non202}", rejected])
    sec.table(f"Per agency, {duration:.0f} s, one ingest process on SQLite, default settings", [
        "agency", "batches", "batches/s", "observations accepted", "p50 ms", "p99 ms",
        "HTTP status", "records rejected"], rows)
    errors = [e for s in stats.values() for e in s["errors"]]
    if errors:
        sec.notes.append("Errors (first five): " + "; ".join(errors[:5]))
        sec.notes.append("Error count by kind: " + json.dumps(Counter(e[:3] for e in errors)))
    sec.method = __doc__.split("\n", 2)[2].strip().replace("\n", " ")
    sec.raw = {code: {k: (dict(v) if isinstance(v, Counter) else v) for k, v in s.items()
                      if k != "lat"} | {"p50": pct(s["lat"], 50), "p99": pct(s["lat"], 99)}
               for code, s in stats.items()} | {"wall": wall, "median_all": median(all_lat)}
    return sec
