"""4. Replay: ``services.ingest.replay.replay`` from the ingest log into an empty broker, and the
worker rebuilding all state from it.

The log is national scale in a realistic order (per month, each agency's cells for every
municipality; every cell corrected once later): 1,009,200 observations (quick: 100,920),
written straight into ingest's tables. First ``replay`` alone is timed into empty topics
(a fresh topic prefix each time); the bytes it sends are captured, and the baseline produces
exactly those messages with the same producer settings (linger 20 ms, 1 MiB batches) in the
same run. Then, on a fresh broker, a worker is started and left to become ready, ``replay``
runs, and the worker's ``indicators_observations_total`` counter (which counts a message only
after its indicator values were acknowledged) is followed until it reaches the log's size:
then the last indicator value of the last period has been emitted. The wait is bounded; if
the worker has not caught up by then, the time is projected from its measured rate and marked
as such.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from typing import Any

import httpx

from bench.common import (
    Ctx,
    Section,
    Summary,
    broker,
    cpu_seconds,
    fmt,
    make_topics,
    median,
    national_log_db,
    new_prefix,
    produce,
    say,
    scrape,
    service_env,
    start_worker,
)


@contextlib.contextmanager
def kafka_env(bootstrap: str, prefix: str) -> Any:
    keys = {"SAMSTAT_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "SAMSTAT_KAFKA_TOPIC_PREFIX": prefix}
    old = {k: os.environ.get(k) for k in keys}
    os.environ.update(keys)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Capture:
    """Wraps replay's producer to keep a copy of every (key, value) it sends."""

    def __init__(self, producer: Any, sink: list[tuple[bytes | None, bytes]]) -> None:
        self.producer = producer
        self.sink = sink

    async def start(self) -> None:
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()

    async def send(self, topic: str, key: bytes | None = None, value: bytes = b"") -> Any:
        self.sink.append((key, value))
        return await self.producer.send(topic, key=key, value=value)


def replay_once(url: str, bootstrap: str, prefix: str,
                capture: list[tuple[bytes | None, bytes]] | None = None) -> tuple[float, int]:
    import services.ingest.replay as mod
    from samstat_kit.db import session_factory
    from samstat_kit.settings import KitSettings

    original = mod.make_producer
    if capture is not None:
        mod.make_producer = lambda *a, **k: Capture(original(*a, **k), capture)  # type: ignore
    try:
        with kafka_env(bootstrap, prefix):
            settings = KitSettings(database_url=url)
            t0 = time.perf_counter()
            n = asyncio.run(mod.replay(settings, session_factory(url)))
            return time.perf_counter() - t0, n
    finally:
        mod.make_producer = original


def run(ctx: Ctx) -> Section:
    sec = Section("replay", "4. Replay: ingest log → empty broker → state rebuilt",
                  "quick" if ctx.quick else "full", time.strftime("%Y-%m-%d %H:%M"))
    url, n = national_log_db(ctx)
    reps = 3 if ctx.quick else 2
    bound = 150.0 if ctx.quick else 120.0
    captured: list[tuple[bytes | None, bytes]] = []
    replay_s: list[float] = []
    base_rates: list[float] = []
    with broker(ctx, "replay") as b:
        for r in range(reps):
            prefix = new_prefix("rpl")
            secs, done = replay_once(url, b.bootstrap, prefix, captured if r == 0 else None)
            assert done == n, (done, n)
            replay_s.append(secs)
            say(f"  replay rep {r + 1}: {n:,} observations in {secs:.1f}s ({n / secs:,.0f}/s)")
        n_msgs = len(captured)
        n_bytes = sum(len(v) for _, v in captured)
        for r in range(3):
            prefix = new_prefix("rplb")
            topics = make_topics(b.bootstrap, prefix)
            secs = asyncio.run(produce(b.bootstrap, topics.validated, captured, linger_ms=20,
                                       max_batch_size=1 << 20))
            base_rates.append(n / secs)
            say(f"  raw aiokafka, same {n_msgs:,} messages rep {r + 1}: {secs:.1f}s "
                f"({n / secs:,.0f} obs/s)")
    captured.clear()
    rebuild = rebuild_once(ctx, url, n, bound)
    rate = n / median(replay_s)
    base = median(base_rates)
    sec.summary.append(Summary(
        f"replay of {n:,} observations, publish only (obs/s)", fmt(rate),
        f"{fmt(base)} obs/s raw aiokafka, same bytes", f"{rate / base:.2f}×", "(none set)", "–"))
    label = "measured" if rebuild["caught_up"] else f"projected from {bound:.0f} s measured"
    sec.summary.append(Summary(
        f"replay + worker rebuild of {n:,} observations (s, {label})",
        fmt(rebuild["total_s"]), f"{median(replay_s):.1f} s replay alone",
        f"{rebuild['total_s'] / median(replay_s):.1f}×", "(none set)", "–"))
    sec.table("Replay alone (into empty topics) and its baseline", [
        "rep", "replay s", "replay obs/s", "raw aiokafka s (same messages)", "raw obs/s",
        "ratio"], [[i + 1, f"{replay_s[i]:.1f}" if i < len(replay_s) else "–",
                    fmt(n / replay_s[i]) if i < len(replay_s) else "–",
                    f"{n / base_rates[i]:.1f}", fmt(base_rates[i]),
                    f"{(n / replay_s[i]) / base_rates[i]:.2f}×" if i < len(replay_s) else "–"]
                   for i in range(len(base_rates))])
    sec.table("What replay sends", ["observations", "messages", "observations per message",
                                    "MiB"],
              [[fmt(n), fmt(n_msgs), f"{n / max(1, n_msgs):.1f}", f"{n_bytes / 2**20:.0f}"]])
    sec.table("Rebuild on a fresh broker: worker started and ready, then replay", [
        "worker ready after (s)", "replay done after (s)", "worker caught up after (s)",
        "observations applied", "worker rate obs/s", "worker CPU (cores)",
        "worker RSS at the end (MiB)"], [[
            f"{rebuild['ready_s']:.1f}", f"{rebuild['replay_s']:.1f}",
            (f"{rebuild['total_s']:.1f}" if rebuild["caught_up"]
             else f"not within {bound:.0f} s; projected {rebuild['total_s']:.0f}"),
            f"{fmt(rebuild['applied'])} of {fmt(n)}", fmt(rebuild["rate"]),
            f"{rebuild['cpu']:.2f}", fmt(rebuild["rss_kib"] / 1024)]])
    sec.method = __doc__.split("\n", 2)[2].strip().replace("\n", " ")
    sec.raw = {"replay_s": replay_s, "baseline_obs_per_s": base_rates, "messages": n_msgs,
               "bytes": n_bytes, "observations": n, "rebuild": rebuild}
    return sec


def rebuild_once(ctx: Ctx, url: str, n: int, bound: float) -> dict[str, Any]:
    with broker(ctx, "rebuild") as b:
        prefix = new_prefix("rbd")
        make_topics(b.bootstrap, prefix)
        env = service_env(db_url=url, bootstrap=b.bootstrap, prefix=prefix,
                          data_dir=ctx.sub(f"replay/{prefix}"))
        t_start = time.monotonic()
        proc, port = start_worker(env, ctx.sub("logs"))
        try:
            while "Worker ready" not in proc.tail(20000):
                if not proc.alive() or time.monotonic() - t_start > 90:
                    raise RuntimeError(f"worker not ready: {proc.tail()}")
                time.sleep(0.2)
            ready = time.monotonic() - t_start
            metrics = f"http://127.0.0.1:{port}/metrics"
            samples: list[tuple[float, float, float]] = []
            stop = threading.Event()

            def follow() -> None:
                with httpx.Client() as c:
                    while not stop.is_set():
                        v = scrape(metrics, "indicators_observations_total", c)
                        if v is not None:
                            samples.append((time.monotonic(), v, cpu_seconds(proc.pid)))
                            if v >= n:
                                return
                        stop.wait(0.5)

            t0 = time.monotonic()
            watcher = threading.Thread(target=follow, daemon=True)
            watcher.start()
            replay_secs, _ = replay_once(url, b.bootstrap, prefix)
            say(f"  rebuild: replay done after {replay_secs:.1f}s; following the worker")
            watcher.join(max(0.0, bound - (time.monotonic() - t0)))
            stop.set()
            watcher.join(5)
            rss = proc.rss_kib()
        finally:
            proc.stop()
    last_t, last_v, last_cpu = samples[-1]
    started = next(s for s in samples if s[1] > 0)
    rate = (last_v - started[1]) / (last_t - started[0]) if last_t > started[0] else float("nan")
    cpu = (last_cpu - started[2]) / (last_t - started[0]) if last_t > started[0] else float("nan")
    caught_up = last_v >= n
    total = last_t - t0 if caught_up else (started[0] - t0) + (n - started[1]) / rate
    say(f"  rebuild: {last_v:,.0f} of {n:,} applied after {last_t - t0:.0f}s; "
        f"{'caught up' if caught_up else 'projected'} {total:.0f}s; {rate:,.0f} obs/s")
    return {"ready_s": ready, "replay_s": replay_secs, "total_s": total, "caught_up": caught_up,
            "applied": last_v, "rate": rate, "cpu": cpu, "rss_kib": rss}
