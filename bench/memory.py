"""5. Worker memory with national-scale state.

290 municipalities × 12 years × 12 months × 12 series (benefit × sex) of benefit_net_days, plus
SCB's population (290 × 12 years × 2 sexes): 508,080 observations (quick: a tenth of the
municipalities). A fresh worker is started and left to become ready; its RSS is read from
/proc (before). The observations are then produced in the worker benchmark's format (500 per
message, one municipality per message) and the worker is followed until it has applied them
all; after two idle seconds the RSS is read again (after), with the peak (VmHWM).
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
    new_prefix,
    produce,
    say,
    scrape,
    service_env,
    sqlite_url,
    start_worker,
)
from bench.worker import build_messages


def _hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run(ctx: Ctx) -> Section:
    sec = Section("memory", "5. Worker memory at national scale",
                  "quick" if ctx.quick else "full", time.strftime("%Y-%m-%d %H:%M"))
    n_areas = 29 if ctx.quick else 290
    years = 12
    messages = build_messages(n_areas, 2012, years)
    total = sum(n for _, _, n in messages)
    days_cells = n_areas * years * 12 * 12
    pop_cells = n_areas * years * 2
    bound = 200.0 if ctx.quick else 480.0
    with broker(ctx, "memory") as b:
        prefix = new_prefix("mem")
        topics = make_topics(b.bootstrap, prefix)
        env = service_env(db_url=sqlite_url(ctx.sub("memory") / "unused.db"),
                          bootstrap=b.bootstrap, prefix=prefix,
                          data_dir=ctx.sub(f"memory/{prefix}"))
        t_start = time.monotonic()
        proc, port = start_worker(env, ctx.sub("logs"))
        try:
            while "Worker ready" not in proc.tail(20000):
                if not proc.alive() or time.monotonic() - t_start > 90:
                    raise RuntimeError(f"worker not ready: {proc.tail()}")
                time.sleep(0.2)
            time.sleep(2)
            before = proc.rss_kib()
            say(f"  memory: worker ready, RSS {before / 1024:.0f} MiB; producing {total:,} "
                f"observations")
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
            time.sleep(2)
            after = proc.rss_kib()
            peak = _hwm_kib(proc.pid)
        finally:
            proc.stop()
    complete = done >= total
    share = done / total
    # Cells held: all of them when complete, else the fraction applied.
    held = (days_cells + pop_cells) * (1 if complete else share)
    per_cell = (after - before) * 1024 / held if held else float("nan")
    say(f"  memory: {done:,.0f}/{total:,} applied in {took:.0f}s; RSS {before / 1024:.0f} → "
        f"{after / 1024:.0f} MiB (peak {peak / 1024:.0f}); {per_cell:,.0f} B per cell")
    sec.summary.append(Summary(
        f"worker RSS with {'national' if not ctx.quick else 'a tenth of national'}-scale state "
        f"(MiB){'' if complete else f', {share:.0%} applied within {bound:.0f} s'}",
        fmt(after / 1024), f"{fmt(before / 1024)} MiB idle worker",
        f"{after / before:.1f}×", "(none set)", "–"))
    sec.summary.append(Summary("worker memory per cell held (bytes)", fmt(per_cell), "–", "–",
                               "(none set)", "–"))
    sec.table("Resident memory of the worker process", [
        "municipalities", "benefit_net_days cells", "population cells", "applied",
        "time to apply (s)", "apply rate obs/s", "RSS before (MiB)", "RSS after (MiB)",
        "peak RSS (MiB)", "growth (MiB)", "bytes per cell"], [[
            n_areas, fmt(days_cells), fmt(pop_cells), f"{fmt(done)} of {fmt(total)}",
            f"{took:.0f}", fmt(done / took), fmt(before / 1024), fmt(after / 1024),
            fmt(peak / 1024), fmt((after - before) / 1024), fmt(per_cell)]])
    sec.method = __doc__.split("\n", 2)[2].strip().replace("\n", " ") + (
        " One run (the state, not the timing, is the figure).")
    sec.raw = {"before_kib": before, "after_kib": after, "peak_kib": peak, "applied": done,
               "total": total, "seconds": took, "complete": complete}
    return sec
