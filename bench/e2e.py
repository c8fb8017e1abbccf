"""3. End-to-end latency: observation accepted (202) → webhook delivered.

The real exchange (tests/e2e/stack.py ``Stack`` from ``seeded_stack``: ingest, indicators,
initiatives, notify and the worker as child processes on a broker of this benchmark's own and
a fresh SQLite file seeded with the 2024 plan). An admin token registers a webhook for convener
``samordningsforbundet`` through notify's ``POST /v1/subscriptions``; an aiohttp receiver on
127.0.0.1 timestamps every delivery.

Set-up: SCB population for the six member municipalities, and Försäkringskassan sickness days
for every month of the even years (the base). Probes: one sickness cell for a month of the
following odd year, 40 % higher than the base, which raises ``fye_share`` by far more than
the rule's 0.5-point tolerance (``yoy_rise``), so each probe makes exactly one new monthly
alert. Latency = webhook arrival of that (area, month) alert − the probe's 202. Meanwhile a
background load of 1,000 observations/s (Arbetsförmedlingen, the other municipalities, new
cells) runs for a bounded time; the probes are sent open-loop at a fixed rate during it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from bench.common import (
    AF_BENEFITS,
    SEXES,
    Ctx,
    Section,
    Summary,
    broker,
    cpu_seconds,
    days_obs,
    fmt,
    free_port,
    median,
    municipalities,
    obs,
    pct,
    say,
    scrape,
    verdict,
)

TARGET_P99 = 1.0
IDLE_PROBES = 8
WAIT_AFTER = 45.0  # seconds to wait for outstanding webhooks once the load has stopped
MEMBERS = ("2480", "2460", "2404", "2409", "2401", "2403")
POP = {"K": 1_400, "M": 1_200}
BASE_PER_DAY, PROBE_PER_DAY = 300.0, 420.0
BASE_YEARS = list(range(1960, 2040, 2))  # probes go to the odd year after each


def _days(period: str) -> int:
    from samstat_kit.periods import parse

    return parse(period).days


class Receiver:
    """A webhook receiver: first arrival time per (area, period, transition)."""

    def __init__(self) -> None:
        self.arrivals: dict[tuple[str, str, str], float] = {}
        self.count = 0
        self.port = free_port()
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        body = await request.read()
        self.count += 1
        with contextlib.suppress(ValueError, KeyError, TypeError):
            doc = json.loads(body)
            # One alert ("alert"), or a group of them in one message ("alerts").
            for a in doc.get("alerts") or [doc["alert"]]:
                self.arrivals.setdefault((a["area"], a["period"], doc["transition"]), now)
        return web.Response(status=204)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return f"http://127.0.0.1:{self.port}/hook"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


STAGES = (
    ("ingest: observations accepted", "ingest", "ingest_observations_total"),
    ("worker: observations applied", "worker", "indicators_observations_total"),
    ("worker: indicator values emitted", "worker", "indicators_values_emitted_total"),
    ("notify: events consumed", "notify", "notify_events_total"),
    ("notify: deliveries attempted", "notify", "notify_deliveries_total"),
)


async def sample_pipeline(stack: Any, out: list[tuple[float, dict[str, float]]],
                          stop: asyncio.Event) -> None:
    """Every second: each stage's counter (a stage behind the one before it = a backlog)."""
    urls = {"ingest": stack.url("ingest") + "/metrics", "notify": stack.url("notify") + "/metrics",
            "worker": f"http://127.0.0.1:{stack.ports['worker']}/metrics"}
    async with httpx.AsyncClient(timeout=2) as http:
        while not stop.is_set():
            row: dict[str, float] = {}
            for label, svc, metric in STAGES:
                with contextlib.suppress(httpx.HTTPError):
                    r = await http.get(urls[svc])
                    row[label] = sum(float(line.rsplit(" ", 1)[1])
                                     for line in r.text.splitlines()
                                     if line.startswith(metric + "{") or
                                     line.startswith(metric + " "))
            out.append((time.monotonic(), row))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)


def notify_consumed(notify: str) -> float:
    """Indicator values notify has handled (its events counter, that topic only)."""
    try:
        text = httpx.get(notify + "/metrics", timeout=2).text
    except httpx.HTTPError:
        return 0.0
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("notify_events_total{") and 'topic="indicator_values"' in line)


async def post(http: httpx.AsyncClient, url: str, token: str, records: list[dict[str, Any]]
               ) -> httpx.Response:
    return await http.post(url + "/v1/observations", json={"observations": records},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60)


def background_batches(n_batches: int, size: int) -> list[list[dict[str, Any]]]:
    areas = [a for a in municipalities() if a not in MEMBERS]
    out, cur = [], []
    year, month = 1990, 1
    while len(out) < n_batches:
        period = f"{year}-{month:02d}"
        for area in areas:
            for b in AF_BENEFITS:
                for s in SEXES:
                    cur.append(days_obs("arbetsformedlingen", area, period, b, s))
                    if len(cur) == size:
                        out.append(cur)
                        cur = []
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out[:n_batches]


def postgres_cpu() -> float | None:
    """CPU seconds of every PostgreSQL server process now running (read from /proc), or
    None without any: the database's share of the machine during the load."""
    total, seen = 0.0, False
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            if (d / "comm").read_text().strip() == "postgres":
                total += cpu_seconds(int(d.name))
                seen = True
    return total if seen else None


async def scenario(ctx: Ctx, stack: Any, tokens: dict[str, str], duration: float,
                   probe_rate: float, bg_rate: float, broker_pid: int) -> dict[str, Any]:
    ingest, notify = stack.url("ingest"), stack.url("notify")
    worker_metrics = f"http://127.0.0.1:{stack.ports['worker']}/metrics"
    receiver = Receiver()
    hook = await receiver.start()
    res: dict[str, Any] = {}
    try:
        async with httpx.AsyncClient() as http:
            r = await http.post(notify + "/v1/subscriptions", json={
                "convener": "samordningsforbundet", "channel": "webhook", "target": hook,
                "format": "json", "lang": "en"},
                headers={"Authorization": f"Bearer {tokens['admin']}"})
            assert r.status_code == 201, r.text
            # Set-up: population for every year, the base in every month of the even years.
            pop = [obs("scb", "population", a, str(y), {"sex": s, "age": "20-64"}, n,
                       "persons") for a in MEMBERS for y in range(BASE_YEARS[0] - 1,
                                                                  BASE_YEARS[-1] + 3)
                   for s, n in POP.items()]
            base = [days_obs("forsakringskassan", a, f"{y}-{m:02d}", "sickness", "K",
                             value=BASE_PER_DAY * _days(f"{y}-{m:02d}"))
                    for y in BASE_YEARS for a in MEMBERS for m in range(1, 13)]
            setup = 0
            for records, who in ((pop, "scb"), (base, "forsakringskassan")):
                for i in range(0, len(records), 500):
                    r = await post(http, ingest, tokens[who], records[i:i + 500])
                    assert r.status_code == 202, r.text
                    setup += len(records[i:i + 500])
            t0 = time.monotonic()
            while time.monotonic() - t0 < 300:
                done = scrape(worker_metrics, "indicators_observations_total") or 0
                if done >= setup:
                    break
                await asyncio.sleep(0.5)
            else:
                raise TimeoutError("the worker did not take in the set-up")
            res["setup_obs"] = setup
            res["setup_seconds"] = time.monotonic() - t0
            # Let notify work off the set-up's values (bounded): it has consumed as many
            # indicator values as the worker emitted.
            while time.monotonic() - t0 < 240:
                emitted = scrape(worker_metrics, "indicators_values_emitted_total") or 0.0
                if notify_consumed(notify) >= emitted > 0:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(1)
            say(f"  e2e: set-up of {setup} observations through the worker in "
                f"{res['setup_seconds']:.1f}s")

            slots = [(a, f"{y + 1}-{m:02d}") for y in BASE_YEARS for m in range(1, 13)
                     for a in MEMBERS]
            # Idle phase (the baseline): probes one at a time, no background load.
            idle: list[float] = []
            for area, period in slots[-IDLE_PROBES:]:
                rec = days_obs("forsakringskassan", area, period, "sickness", "K",
                               value=PROBE_PER_DAY * _days(period))
                r = await post(http, ingest, tokens["forsakringskassan"], [rec])
                t_sent = time.monotonic()
                if r.status_code != 202:
                    continue
                while time.monotonic() - t_sent < 20:
                    if (area, period, "firing") in receiver.arrivals:
                        idle.append(receiver.arrivals[(area, period, "firing")] - t_sent)
                        break
                    await asyncio.sleep(0.02)
            res["idle_latencies"] = idle
            res["idle_missing"] = IDLE_PROBES - len(idle)
            say(f"  e2e: idle probes p50 {pct(idle, 50):.2f}s ({len(idle)} of {IDLE_PROBES})")
            slots = slots[:-IDLE_PROBES]

            # Probes and background load, open loop, bounded in count and time.
            n_probes = min(len(slots), int(duration * probe_rate))
            bg_size = 250
            n_bg = int(duration * bg_rate / bg_size)
            bg = background_batches(n_bg, bg_size)
            sent: dict[tuple[str, str], float] = {}
            bg_status: dict[int | str, int] = {}
            bg_lat: list[float] = []
            probe_errors: list[str] = []
            pids = {n: p.pid for n, p in stack.procs.items()}
            pids |= {"broker": broker_pid, "bench (load generator, receiver)": os.getpid()}
            cpu0 = {n: cpu_seconds(pid) for n, pid in pids.items()}
            pg0 = postgres_cpu()
            start = time.monotonic()
            pipeline: list[tuple[float, dict[str, float]]] = []
            stop_sampling = asyncio.Event()
            sampler = asyncio.create_task(sample_pipeline(stack, pipeline, stop_sampling))

            async def one_probe(area: str, period: str) -> None:
                rec = days_obs("forsakringskassan", area, period, "sickness", "K",
                               value=PROBE_PER_DAY * _days(period))
                try:
                    r = await post(http, ingest, tokens["forsakringskassan"], [rec])
                except httpx.HTTPError as exc:
                    probe_errors.append(exc.__class__.__name__)
                    return
                if r.status_code == 202:
                    sent[(area, period)] = time.monotonic()
                else:
                    probe_errors.append(f"{r.status_code} {r.text[:100]}")

            async def one_bg(batch: list[dict[str, Any]]) -> None:
                t = time.monotonic()
                try:
                    r = await post(http, ingest, tokens["arbetsformedlingen"], batch)
                    status: int | str = r.status_code
                except httpx.HTTPError as exc:
                    status = exc.__class__.__name__
                bg_lat.append(time.monotonic() - t)
                bg_status[status] = bg_status.get(status, 0) + 1

            async def pace(items: list[Any], rate: float, fn: Any) -> None:
                tasks = []
                for i, item in enumerate(items):
                    delay = start + i / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    tasks.append(asyncio.create_task(fn(*item) if isinstance(item, tuple)
                                                     else fn(item)))
                await asyncio.gather(*tasks)

            await asyncio.gather(pace(slots[:n_probes], probe_rate, one_probe),
                                 pace(bg, bg_rate / bg_size, one_bg))
            load_end = time.monotonic()
            cpu = {n: (cpu_seconds(pid) - cpu0[n]) / (load_end - start)
                   for n, pid in pids.items() if n not in stack.procs
                   or stack.procs[n].poll() is None}
            if pg0 is not None:
                pg1 = postgres_cpu()
                if pg1 is not None:
                    cpu["postgres server"] = (pg1 - pg0) / (load_end - start)
            cpu["all of these"] = sum(cpu.values())
            # Wait (bounded) for the last alerts to arrive.
            deadline = time.monotonic() + (WAIT_AFTER if duration > 20 else 30.0)
            while time.monotonic() < deadline:
                if all((a, p, "firing") in receiver.arrivals for a, p in sent):
                    break
                await asyncio.sleep(0.2)
            stop_sampling.set()
            await sampler
            wait_end = time.monotonic()
            lat = [receiver.arrivals[(a, p, "firing")] - t for (a, p), t in sent.items()
                   if (a, p, "firing") in receiver.arrivals]
            # Probes still undelivered count as "at least until the wait ended": percentiles
            # over all probes are then lower bounds, not flattering ones.
            res["censored"] = [receiver.arrivals[(a, p, "firing")] - t
                               if (a, p, "firing") in receiver.arrivals else wait_end - t
                               for (a, p), t in sent.items()]
            res["pipeline"] = [(t - start, row) for t, row in pipeline]
            res["pipeline_base"] = pipeline[0][1] if pipeline else {}
            res["load_seconds"] = load_end - start
            res |= {"latencies": lat, "probes": len(sent), "missing": len(sent) - len(lat),
                    "probe_errors": probe_errors, "bg_status": bg_status,
                    "bg_obs": sum(len(x) for x in bg),
                    "bg_accepted": bg_status.get(202, 0) * bg_size,
                    "bg_seconds": load_end - start, "bg_offered_seconds": duration,
                    "bg_p50": pct(bg_lat, 50), "bg_p99": pct(bg_lat, 99),
                    "webhooks": receiver.count, "cpu": cpu}
    finally:
        await receiver.stop()
    return res


def _stack_run(ctx: Ctx, label: str, duration: float, probe_rate: float, bg_rate: float,
               pg: str | None) -> dict[str, Any]:
    tmp = ctx.sub(f"e2e-{label}")
    # Stack passes the environment on to the services: turn notify's alert grouping off, so
    # the figure is the pipeline's latency rather than the grouping window (see the notes).
    # The receiver listens on loopback, which notify sends to only when the operator allows it.
    grouping_off = {"SAMSTAT_GROUP_WAIT_SECONDS": "0", "SAMSTAT_GROUP_INTERVAL_SECONDS": "0",
                    "SAMSTAT_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}
    saved = {k: os.environ.get(k) for k in grouping_off}
    os.environ.update(grouping_off)
    try:
        return _stack_run_inner(ctx, label, tmp, duration, probe_rate, bg_rate, pg)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _stack_run_inner(ctx: Ctx, label: str, tmp: Path, duration: float, probe_rate: float,
                     bg_rate: float, pg: str | None) -> dict[str, Any]:
    from bench.common import issue_token
    from samstat.components import migrate_all
    from samstat_kit.db import dispose_engines, session_factory, session_scope
    from services.initiatives.registry import service as registry
    from tests.e2e.conftest import seeded_stack
    from tests.e2e.stack import Stack

    with broker(ctx, f"e2e-{label}") as b:
        if pg is None:
            stack = seeded_stack(b.bootstrap, Path(tmp))
        else:  # the same as seeded_stack, on PostgreSQL
            migrate_all(pg)
            with session_scope(session_factory(pg)) as session:
                registry.seed(session=session, year=2024)
            stack = Stack(db_url=pg, bootstrap=b.bootstrap, log_dir=Path(tmp))
        try:
            stack.start_all()
            deadline = time.monotonic() + 90
            while "Worker ready" not in stack.log("worker"):
                if time.monotonic() > deadline:
                    raise TimeoutError("worker not ready: " + stack.log("worker")[-2000:])
                time.sleep(0.3)
            tokens = {a: issue_token(stack.db_url, a) for a in
                      ("forsakringskassan", "arbetsformedlingen", "scb")}
            tokens["admin"] = issue_token(stack.db_url, None)
            assert b.process is not None
            return asyncio.run(scenario(ctx, stack, tokens, duration, probe_rate, bg_rate,
                                        b.process.pid))
        finally:
            stack.stop_all()
            dispose_engines()


def run(ctx: Ctx) -> Section:
    from bench.common import pg_schema

    duration = 15.0 if ctx.quick else 45.0
    probe_rate = 2.0
    bg_rate = 1000.0
    sec = Section("e2e", "3. End-to-end latency: 202 → webhook delivered",
                  "quick" if ctx.quick else "full", time.strftime("%Y-%m-%d %H:%M"))
    results: dict[str, dict[str, Any]] = {}
    results["SQLite"] = _stack_run(ctx, "sqlite", duration, probe_rate, bg_rate, None)
    # --quick: SQLite only (the default), to stay near three minutes for the whole suite.
    with pg_schema("e2e") as pg:
        if pg is not None and not ctx.quick:
            results["PostgreSQL"] = _stack_run(ctx, "postgres", duration, probe_rate, bg_rate,
                                               pg)
    lat_rows, load_rows, quarter_rows = [], [], []
    for label, res in results.items():
        lat = res["latencies"]
        cens = res["censored"]
        bound = "≥ " if res["missing"] else ""
        p50, p99 = pct(cens, 50), pct(cens, 99)
        idle = res["idle_latencies"]
        ok = bool(lat) and p99 <= TARGET_P99 and res["missing"] == 0
        say(f"  e2e {label}: {len(cens)} probes, p50 {bound}{p50:.2f}s, p99 {bound}{p99:.2f}s,"
            f" {res['missing']} undelivered; idle p50 {pct(idle, 50):.2f}s; background "
            f"{json.dumps(res['bg_status'])}")
        sec.summary.append(Summary(
            f"202 → webhook p99 (s), {label}"
            + (" (seeded_stack)" if label == "SQLite" else " (same stack)")
            + f", {len(cens)} probes ({res['missing']} undelivered), {fmt(bg_rate)} obs/s "
              f"background offered",
            f"{bound}{p99:.2f} (p50 {bound}{p50:.2f})",
            f"idle p50 {pct(idle, 50):.2f} s, p99 {pct(idle, 99):.2f} s ({len(idle)} probes)",
            f"{bound}{p99 / pct(idle, 99):.0f}×" if idle else "–",
            f"p99 ≤ {TARGET_P99:.0f} s", verdict(ok)))
        lat_rows.append([label, "idle (no background load, one probe at a time)", len(idle),
                         res["idle_missing"], f"{pct(idle, 50):.3f}", f"{pct(idle, 90):.3f}",
                         f"{pct(idle, 99):.3f}", f"{max(idle) if idle else float('nan'):.3f}",
                         f"{min(idle) if idle else float('nan'):.3f}"])
        lat_rows.append([label, f"under load ({fmt(bg_rate)} obs/s offered)", len(cens),
                         res["missing"], f"{bound}{p50:.3f}", f"{bound}{pct(cens, 90):.3f}",
                         f"{bound}{p99:.3f}", f"{bound}{max(cens) if cens else float('nan'):.3f}",
                         f"{min(cens) if cens else float('nan'):.3f}"])
        load_rows.append([
            label, fmt(res["bg_obs"]), f"{res['bg_offered_seconds']:.0f}",
            fmt(res["bg_accepted"]), f"{res['bg_seconds']:.1f}", fmt(res["bg_p50"] * 1000),
            fmt(res["bg_p99"] * 1000), json.dumps(res["bg_status"]), len(res["probe_errors"]),
            res["webhooks"], ", ".join(f"{k} {v:.2f}" for k, v in sorted(
                res["cpu"].items(), key=lambda kv: (kv[0] == "all of these", kv[0])))])
        if cens:
            k = max(1, len(cens) // 4)
            for q in range(4):
                part = cens[q * k:(q + 1) * k] if q < 3 else cens[3 * k:]
                if part:
                    quarter_rows.append([label, q + 1, len(part), f"{median(part):.3f}",
                                         f"{max(part):.3f}"])
        if res["probe_errors"] or set(res["bg_status"]) - {202}:
            sec.notes.append(
                f"{label}: background batches answered {json.dumps(res['bg_status'])}; probe "
                f"errors: {json.dumps(res['probe_errors'][:5])}. A 503 is ingest's 'database "
                f"unavailable': on SQLite, the busy timeout (30 s) ran out while another "
                f"service held the write lock.")
    stage_rows = []
    for label, res in results.items():
        base = res.get("pipeline_base", {})
        pipe = res.get("pipeline", [])
        if not pipe:
            continue
        at_end = next((row for t, row in pipe if t >= res["load_seconds"]), pipe[-1][1])
        final_t, final = pipe[-1]
        for stage, _svc, _m in STAGES:
            stage_rows.append([label, stage,
                               fmt(at_end.get(stage, 0) - base.get(stage, 0)),
                               fmt(final.get(stage, 0) - base.get(stage, 0))])
        stage_rows.append([label, "(seconds after the load started)",
                           f"{res['load_seconds']:.0f}", f"{final_t:.0f}"])
    sec.table("Pipeline counters during the run (increase since the load started): each "
              "stage should keep up with the one before it", [
                  "database", "stage", "when the load ended", "at the end of the wait"],
              stage_rows)
    sec.table("Latency, observation accepted (202) → webhook received (≥: some probes had "
              "no webhook by the end of the wait and count with the time waited, so the "
              "percentile is a lower bound)", [
                  "database", "phase", "probes",
                  f"undelivered ({WAIT_AFTER:.0f} s after the load)", "p50 s", "p90 s",
                  "p99 s", "max s", "min s"], lat_rows)
    sec.table("Background load and the services' CPU during it", [
        "database", "background obs offered", "in (s)", "accepted (202) obs",
        "until the last answer (s)", "batch p50 ms", "batch p99 ms",
        "HTTP status of background batches", "probe errors", "webhooks received",
        "CPU (cores) per process"], load_rows)
    sec.table("Latency by quarter of the run, in send order (a growing figure means a "
              "backlog)", ["database", "quarter", "samples", "median s", "max s"], quarter_rows)
    sec.method = __doc__.split("\n", 2)[2].strip().replace("\n", " ") + (
        f" Probes: {probe_rate:g}/s for {duration:.0f} s; background: {bg_rate:,.0f} obs/s in "
        f"250-observation batches. The same scenario runs twice: on SQLite exactly as "
        f"`seeded_stack` makes it (one file shared by the four services, the default), and on "
        f"the same stack with PostgreSQL, to tell the database's share from the services'.")
    sec.raw = results
    return sec
