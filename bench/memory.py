"""5. Worker memory with national-scale state.

290 municipalities × 12 years × 12 months × 12 series (benefit × sex) of benefit_net_days, plus
SCB's population (290 × 12 years × 2 sexes): 508,080 observations (quick: a tenth of the
municipalities). With them, the inputs of the 2024 plan's 33 indicators for the same 12 years:
every other measure the demo's agencies publish for the association's areas (the demo's
generator, 2012–2023), and the plan's definitions on the registry topic, so the worker holds
those cells, computes the indicators and keeps what it said. A fresh worker is started and
left to become ready; its RSS is read from /proc (before). The observations are then produced
in the worker benchmark's format (500 per message, one area per message) and the worker is
followed until it has applied them all and its indicator output has settled; after two idle
seconds the RSS is read again (after), with the peak (VmHWM). Measured with each table store:
memory (the default) and rocksdb (what deploy/k8s runs), whose values live on disk with a
bounded cache.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from bench.common import (
    Ctx,
    Section,
    Summary,
    broker,
    fmt,
    make_topics,
    migrated,
    new_prefix,
    produce,
    samples,
    say,
    scrape,
    service_env,
    sqlite_url,
    start_worker,
    verdict,
)
from bench.worker import PER_MESSAGE, build_messages

FYE_MEASURES = ("benefit_net_days", "population")  # the national part has these


def plan_inputs(first_year: int, years: int) -> list[tuple[bytes, bytes, int]]:
    """The plan's other input measures as the demo's agencies publish them, one area per
    500-observation message (as the relay keys them)."""
    import uuid

    from bench.common import validated_doc
    from samstat.demo import history
    from services.ingest.observations.wire import encode_message

    by_area: dict[str, list[dict[str, object]]] = {}
    for o in history(f"{first_year}-01", f"{first_year + years - 1}-12"):
        if o["measure"] not in FYE_MEASURES:
            by_area.setdefault(o["area"], []).append(validated_doc(o))
    return [(area.encode(), encode_message(str(uuid.uuid4()), docs[i:i + PER_MESSAGE]),
             len(docs[i:i + PER_MESSAGE]))
            for area, docs in sorted(by_area.items()) for i in range(0, len(docs), PER_MESSAGE)]


def plan_registry(ctx: Ctx) -> list[tuple[bytes, bytes]]:
    """The 2024 plan's definitions as initiatives publishes them to the registry topic."""
    import json

    from samstat_kit.db import dispose_engines, session_factory, session_scope
    from services.initiatives.publisher import event_key
    from services.initiatives.registry import service as registry
    from services.initiatives.registry.plans import registry_events

    url = migrated(sqlite_url(ctx.sub("memory") / "plan.db"))
    with session_scope(session_factory(url)) as session:
        registry.seed(session=session, year=2024)
    with session_scope(session_factory(url)) as session:
        events = registry_events(session=session)
    dispose_engines()
    return [(event_key(e).encode(), json.dumps(e).encode()) for e in events]


def _settle(metrics: str, c: httpx.Client, bound: float) -> None:
    """Until the worker's indicator output stops growing for 3 s (forwards to the region,
    recomputations), or ``bound`` seconds."""
    t0, last, still = time.monotonic(), -1.0, 0
    while time.monotonic() - t0 < bound and still < 3:
        now = scrape(metrics, "indicators_values_emitted_total", c) or 0.0
        still = still + 1 if now == last else 0
        last = now
        time.sleep(1)


def _status_kib(pid: int, field: str) -> int:
    """A memory line of /proc/PID/status: VmHWM (peak), RssAnon (heap), RssFile (mapped)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


STORES = {"memory://": "memory (the default: tests, `make run`)",
          "rocksdb://": "rocksdb (production: deploy/k8s)"}


def _measure(ctx: Ctx, store: str, messages: list[tuple[bytes, bytes, int]],
             definitions: list[tuple[bytes, bytes]], bound: float) -> dict[str, float]:
    """One fresh worker with ``store``: RSS when ready, after applying everything, and peak."""
    total = sum(n for _, _, n in messages)
    name = store.split(":")[0]
    with broker(ctx, f"memory-{name}") as b:
        prefix = new_prefix("mem")
        topics = make_topics(b.bootstrap, prefix)
        env = service_env(db_url=sqlite_url(ctx.sub("memory") / "unused.db"),
                          bootstrap=b.bootstrap, prefix=prefix,
                          data_dir=ctx.sub(f"memory/{prefix}"))
        env["SAMSTAT_WORKER_STORE"] = store
        asyncio.run(produce(b.bootstrap, topics.registry, list(definitions)))
        t_start = time.monotonic()
        proc, port = start_worker(env, ctx.sub("logs"))
        try:
            while "Worker ready" not in proc.tail(20000):
                if not proc.alive() or time.monotonic() - t_start > 90:
                    raise RuntimeError(f"worker not ready: {proc.tail()}")
                time.sleep(0.2)
            time.sleep(2)
            before = proc.rss_kib()
            say(f"  memory ({name}): worker ready, RSS {before / 1024:.0f} MiB; producing "
                f"{total:,} observations")
            asyncio.run(produce(b.bootstrap, topics.validated, [(k, v) for k, v, _ in messages]))
            t0 = time.monotonic()
            metrics = f"http://127.0.0.1:{port}/metrics"
            done = 0.0
            with httpx.Client() as c:
                while time.monotonic() - t0 < bound:
                    done = scrape(metrics, "indicators_observations_total", c) or 0.0
                    if done >= total:
                        break
                    time.sleep(1)
                took = time.monotonic() - t0
                _settle(metrics, c, bound)
                indicators = samples(c.get(metrics, timeout=5).text,
                                     "indicators_values_emitted_total")
            time.sleep(2)
            after = proc.rss_kib()
            peak = _status_kib(proc.pid, "VmHWM")
            anon, mapped = _status_kib(proc.pid, "RssAnon"), _status_kib(proc.pid, "RssFile")
        finally:
            proc.stop()
    say(f"  memory ({name}): {done:,.0f}/{total:,} applied in {took:.0f}s; RSS "
        f"{before / 1024:.0f} → {after / 1024:.0f} MiB (peak {peak / 1024:.0f}; anonymous "
        f"{anon / 1024:.0f}, file-backed {mapped / 1024:.0f}); {len(indicators)} indicators, "
        f"{sum(indicators.values()):,.0f} values emitted")
    return {"before_kib": before, "after_kib": after, "peak_kib": peak, "anon_kib": anon,
            "file_kib": mapped, "applied": done, "indicators": len(indicators),
            "values_emitted": sum(indicators.values()),
            "total": total, "seconds": took, "complete": done >= total}


def run(ctx: Ctx) -> Section:
    sec = Section("memory", "5. Worker memory at national scale",
                  "quick" if ctx.quick else "full", time.strftime("%Y-%m-%d %H:%M"))
    n_areas = 29 if ctx.quick else 290
    years = 12
    inputs = plan_inputs(2012, years)
    messages = build_messages(n_areas, 2012, years) + inputs
    definitions = plan_registry(ctx)
    days_cells = n_areas * years * 12 * 12
    pop_cells = n_areas * years * 2
    input_cells = sum(n for _, _, n in inputs)
    bound = 200.0 if ctx.quick else 480.0
    scale = "national" if not ctx.quick else "a tenth of national"
    rows, raw = [], {}
    for store, label in STORES.items():
        r = _measure(ctx, store, messages, definitions, bound)
        raw[store] = r
        share = r["applied"] / r["total"]
        # Cells held: all of them when complete, else the fraction applied.
        held = (days_cells + pop_cells + input_cells) * (1 if r["complete"] else share)
        growth = r["after_kib"] - r["before_kib"]
        per_cell = growth * 1024 / held if held else float("nan")
        applied = "" if r["complete"] else f", {share:.0%} applied within {bound:.0f} s"
        sec.summary.append(Summary(
            f"worker RSS with {scale}-scale state, {label} (MiB){applied}",
            fmt(r["after_kib"] / 1024), f"{fmt(r['before_kib'] / 1024)} MiB idle worker",
            f"{r['after_kib'] / r['before_kib']:.1f}×", "≤ 300 MiB",
            verdict(r["after_kib"] / 1024 <= 300 and r["complete"])))
        sec.summary.append(Summary(f"worker memory per cell held, {label} (bytes)",
                                   fmt(per_cell), "–", "–", "(none set)", "–"))
        rows.append([label, n_areas, fmt(days_cells), fmt(pop_cells), fmt(input_cells),
                     f"{fmt(r['applied'])} of {fmt(r['total'])}", f"{r['seconds']:.0f}",
                     fmt(r["applied"] / r["seconds"]), fmt(r["before_kib"] / 1024),
                     fmt(r["after_kib"] / 1024), fmt(r["anon_kib"] / 1024),
                     fmt(r["file_kib"] / 1024), fmt(r["peak_kib"] / 1024),
                     fmt(growth / 1024), fmt(per_cell),
                     f"{r['indicators']} ({fmt(r['values_emitted'])} values)"])
    sec.table("Resident memory of the worker process", [
        "table store", "municipalities", "benefit_net_days cells", "population cells",
        f"plan input cells ({len(definitions)} definitions)",
        "applied", "time to apply (s)", "apply rate obs/s", "RSS before (MiB)",
        "RSS after (MiB)", "of which anonymous", "of which file-backed", "peak RSS (MiB)",
        "growth (MiB)", "bytes per cell", "indicators computed (values emitted)"], rows)
    sec.method = __doc__.split("\n", 2)[2].strip().replace("\n", " ") + (
        " One run per table store (the state, not the timing, is the figure).")
    sec.raw = raw
    return sec
