"""2. Worker: observations/s through one ``samstat worker`` process.

The validated topic is pre-loaded with messages exactly as ``encode_message`` makes them (500
observations each, one municipality per message: SCB's population, then the 12
benefit_net_days series month after month). A fresh worker (new topic prefix, so new group,
tables and changelogs) is then started; its ``indicators_observations_total`` counter (counted
after each message's output was acknowledged by the broker) is scraped every 0.25 s. The rate
is taken over the steady part (10 % → 90 % of the observations), which leaves out the group
join / table recovery at the start; the time from process start to the first observation and
to the last one is reported too.

Baselines in the same run: a raw aiokafka consume-and-parse loop over the same topic (json.loads
of every message and a pass over its observations), and ``FyeProcessor.apply_observations`` in
process with dict state (no Kafka, no faust): the difference between the three says where the
worker's time goes.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats
import time
import uuid
from typing import Any

import httpx

from bench.common import (
    Ctx,
    Section,
    Summary,
    broker,
    cpu_seconds,
    days_obs,
    fmt,
    make_topics,
    median,
    month_codes,
    municipalities,
    new_prefix,
    population_obs,
    produce,
    say,
    scrape,
    series_of,
    service_env,
    sqlite_url,
    start_worker,
    validated_doc,
    verdict,
)

TARGET = 20_000
PER_MESSAGE = 500
PROFILE_ROWS = (
    ("FyeProcessor.event: fye_share of a period (evaluates it and its year-ago period)",
     "fye/processor.py", "event", None),
    ("FyeProcessor.reconciliation: evaluates the period, then looks for an official figure "
     "(there is none in these data)", "fye/processor.py", "reconciliation", None),
    ("indicator.evaluate (all evaluations)", "fye/indicator.py", "evaluate", None),
    ("↳ compute_fye", "fye/maths.py", "compute_fye", None),
    ("↳ input_revisions: the ingest cell key of every input cell",
     "fye/indicator.py", "<dictcomp>", None),
    ("↳ Period.days", "samstat_kit/periods.py",
     "days", None),
    ("affected_by_days (periods to recompute per observation)", "fye/indicator.py",
     "affected_by_days", None),
    ("Emitter.value_event (sha1 over a JSON dump of the value)", "indicators/values.py",
     "value_event", None),
    ("json.dumps (digests and the events themselves)", "json/__init__.py", "dumps", None),
)


def area_messages(area: str, first_year: int, years: int) -> list[list[dict[str, Any]]]:
    """One municipality's cells in 500-observation messages (population first)."""
    docs = [validated_doc(population_obs(area, y, s))
            for y in range(first_year, first_year + years) for s in ("K", "M")]
    for period in month_codes(first_year, years):
        for agency, benefit, sex in series_of(area):
            docs.append(validated_doc(days_obs(agency, area, period, benefit, sex)))
    return [docs[i:i + PER_MESSAGE] for i in range(0, len(docs), PER_MESSAGE)]


def build_messages(n_areas: int, first_year: int = 2012, years: int = 12
                   ) -> list[tuple[bytes, bytes, int]]:
    """(key, value, observations) in area order, as ingest's relay would key them."""
    from services.ingest.observations.wire import encode_message

    out = []
    for area in municipalities()[:n_areas]:
        for docs in area_messages(area, first_year, years):
            out.append((area.encode(), encode_message(str(uuid.uuid4()), docs), len(docs)))
    return out


async def consume_baseline(bootstrap: str, topic: str, expected: int) -> float:
    """Seconds to fetch, json.loads and walk every observation of ``expected`` messages."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from bench.common import kafka_settings
    from samstat_kit.kafka import client_options

    consumer = AIOKafkaConsumer(**client_options(kafka_settings(bootstrap)), group_id=None,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in parts]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        t0 = time.perf_counter()
        n, total = 0, 0.0
        while n < expected:
            batches = await consumer.getmany(timeout_ms=1000, max_records=500)
            for records in batches.values():
                for r in records:
                    doc = json.loads(r.value)
                    for o in doc["observations"]:
                        total += o["value"] or 0.0
                    n += 1
        return time.perf_counter() - t0
    finally:
        await consumer.stop()


class CountingDict(dict):  # type: ignore[type-arg]
    """A dict that counts its writes: each write to a faust table is a changelog message."""

    writes = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        CountingDict.writes += 1
        super().__setitem__(key, value)


def regroup(messages: list[tuple[bytes, bytes, int]], by: tuple[str, ...]
            ) -> list[tuple[bytes, bytes, int]]:
    """The same observations in smaller messages, one per distinct value of ``by``."""
    from services.ingest.observations.wire import encode_message

    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for _k, value, _n in messages:
        for o in json.loads(value)["observations"]:
            groups.setdefault(tuple(o[f] for f in by), []).append(o)
    return [(docs[0]["area"].encode(), encode_message("x", docs), len(docs))
            for docs in groups.values()]


def pure_rate(messages: list[tuple[bytes, bytes, int]], profile: bool = False
              ) -> tuple[float, int, pstats.Stats | None]:
    """FyeProcessor.apply_observations with dict state: observations/s and events emitted.

    The state is written as the worker writes its tables: through the write-behind
    ``Staged`` wrapper, flushed once per message, where the code has one."""
    from services.indicators.domain.fye.processor import FyeProcessor
    from services.indicators.domain.values import Emitter

    try:
        from services.indicators.staging import Staged
    except ImportError:  # older code: every processor write goes to the table directly
        Staged = None
    tables = [CountingDict() for _ in range(3)]
    views: list[Any] = [Staged(t) for t in tables] if Staged else tables
    emitter = Emitter(CountingDict())
    fye = FyeProcessor(views[0], views[1], emitter, views[2])
    prof = cProfile.Profile() if profile else None
    events = 0
    obs = 0
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    for _key, value, n in messages:
        batch = json.loads(value).get("observations", [])
        out = fye.apply_observations(batch)
        if Staged:
            for v in views:
                v.flush()
        for _k, doc in out:  # the agent serialises every event it sends
            json.dumps(doc)
        emitter.confirm()
        events += len(out)
        obs += n
    if prof:
        prof.disable()
    secs = time.perf_counter() - t0
    return obs / secs, events, (pstats.Stats(prof) if prof else None)


def run_worker_once(ctx: Ctx, bootstrap: str, messages: list[tuple[bytes, bytes, int]],
                    total: int) -> dict[str, Any]:
    prefix = new_prefix("wrk")
    topics = make_topics(bootstrap, prefix)
    asyncio.run(produce(bootstrap, topics.validated, [(k, v) for k, v, _ in messages]))
    env = service_env(db_url=sqlite_url(ctx.sub("worker") / "unused.db"), bootstrap=bootstrap,
                      prefix=prefix, data_dir=ctx.sub(f"worker/{prefix}"))
    t_start = time.monotonic()
    proc, port = start_worker(env, ctx.sub("logs"))
    metrics = f"http://127.0.0.1:{port}/metrics"
    samples: list[tuple[float, float, float]] = []  # (seconds since start, observations, CPU s)
    deadline = t_start + 600
    try:
        with httpx.Client() as c:
            while time.monotonic() < deadline:
                if not proc.alive():
                    raise RuntimeError(f"worker exited: {proc.tail()}")
                v = scrape(metrics, "indicators_observations_total", c)
                if v is not None:
                    samples.append((time.monotonic() - t_start, v, cpu_seconds(proc.pid)))
                    if v >= total:
                        break
                time.sleep(0.25)
            else:
                raise TimeoutError(f"worker did not finish: {samples[-3:]}")
            emitted = scrape(metrics, "indicators_values_emitted_total", c) or 0
            rss = proc.rss_kib()
    finally:
        proc.stop()
    return steady_stats(samples, total) | {"emitted": emitted, "rss_kib": rss}


def steady_stats(samples: list[tuple[float, float, float]], total: int) -> dict[str, float]:
    """Rate and CPU over the steady part (10 % → 90 % of ``total``), first and last times."""
    first = next(t for t, v, _ in samples if v > 0)
    last = samples[-1][0]
    lo = next(s for s in samples if s[1] >= 0.1 * total)
    hi = next(s for s in samples if s[1] >= 0.9 * total)
    if hi[0] <= lo[0]:  # too fast for the scrape interval: fall back to first → last
        lo, hi = next(s for s in samples if s[1] > 0), samples[-1]
    dt = hi[0] - lo[0]
    return {"steady": (hi[1] - lo[1]) / dt if dt > 0 else float("nan"),
            "cpu": (hi[2] - lo[2]) / dt if dt > 0 else float("nan"),
            "first": first, "last": last,
            "overall": total / (last - first) if last > first else float("nan")}


def run(ctx: Ctx) -> Section:
    reps = 3
    # 90 municipalities: a steady window of several seconds (with 30 it was ~1.5 s, a handful
    # of 0.25-s scrapes, and reps varied by a third).
    n_areas = 12 if ctx.quick else 90
    messages = build_messages(n_areas)
    total = sum(n for _, _, n in messages)
    sec = Section("worker", "2. Worker: observations through `samstat worker`",
                  "quick" if ctx.quick else "full", time.strftime("%Y-%m-%d %H:%M"))
    say(f"  worker: {len(messages)} messages, {total:,} observations, {n_areas} municipalities")
    res: dict[str, list[Any]] = {"worker": [], "baseline": [], "pure": []}
    with broker(ctx, "worker") as b:
        for r in range(reps):
            w = run_worker_once(ctx, b.bootstrap, messages, total)
            res["worker"].append(w)
            say(f"  worker rep {r + 1}: steady {w['steady']:,.0f} obs/s, first obs after "
                f"{w['first']:.1f}s, last after {w['last']:.1f}s, {w['emitted']:,.0f} events, "
                f"CPU {w['cpu']:.2f} cores")
        # The worst case: one agency's municipality-month per message, as the relay sends
        # small batches that arrive one at a time (several waiting ones it packs per
        # partition, up to 500 observations).
        small = regroup(build_messages(2 if ctx.quick else 4), ("area", "period", "agency"))
        small_total = sum(n for _, _, n in small)
        for r in range(reps):
            w = run_worker_once(ctx, b.bootstrap, small, small_total)
            res.setdefault("small", []).append(w)
            say(f"  worker, small messages ({small_total / len(small):.1f} obs each) rep "
                f"{r + 1}: steady {w['steady']:,.0f} obs/s, CPU {w['cpu']:.2f} cores")
        prefix = new_prefix("wbase")
        topics = make_topics(b.bootstrap, prefix)
        asyncio.run(produce(b.bootstrap, topics.validated, [(k, v) for k, v, _ in messages]))
        for r in range(reps):
            secs = asyncio.run(consume_baseline(b.bootstrap, topics.validated, len(messages)))
            res["baseline"].append(total / secs)
            say(f"  raw consume+parse rep {r + 1}: {total / secs:,.0f} obs/s")
    for r in range(reps):
        rate, events, _ = pure_rate(messages)
        res["pure"].append(rate)
        say(f"  pure FyeProcessor rep {r + 1}: {rate:,.0f} obs/s ({events:,} events)")
    _, events, stats = pure_rate(messages[: max(20, len(messages) // 5)], profile=True)
    # Message shape: the same observations as the relay and replay would package them.
    subset = messages[: max(12, len(messages) // 4)]
    sub_obs = sum(n for _, _, n in subset)
    shapes = []
    for label, msgs in (
            ("500 per message (this benchmark; the worker's best case)", subset),
            ("one municipality-month per message (12)",
             regroup(subset, ("area", "period"))),
            ("one municipality-month-agency per message (2–6; what the relay sends for small "
             "batches that arrive one at a time)",
             regroup(subset, ("area", "period", "agency")))):
        CountingDict.writes = 0
        rate, ev, _ = pure_rate(msgs)
        shapes.append([label, f"{sub_obs / len(msgs):.1f}", fmt(rate), fmt(ev),
                       f"{ev / sub_obs:.2f}", f"{CountingDict.writes / sub_obs:.2f}"])
        say(f"  pure FyeProcessor, {sub_obs / len(msgs):.0f} obs/message: {rate:,.0f} obs/s")
    steady = median(w["steady"] for w in res["worker"])
    base = median(res["baseline"])
    pure = median(res["pure"])
    emitted = median(w["emitted"] for w in res["worker"])
    sec.summary.append(Summary(
        "worker steady rate (obs/s, 500-obs messages)", fmt(steady),
        f"{fmt(base)} obs/s raw consume+parse", f"{steady / base:.3f}×", f"≥ {fmt(TARGET)} obs/s",
        verdict(steady >= TARGET)))
    small_rate = median(w["steady"] for w in res["small"])
    sec.summary.append(Summary(
        f"worker steady rate, small messages ({small_total / len(small):.1f} obs each: one "
        f"small batch at a time)",
        fmt(small_rate), f"{fmt(base)} obs/s raw consume+parse", f"{small_rate / base:.3f}×",
        "(worst case)", "–"))
    sec.summary.append(Summary(
        "pure FyeProcessor.apply_observations (obs/s, no Kafka)", fmt(pure),
        f"{fmt(base)} obs/s raw consume+parse", f"{pure / base:.3f}×", "(diagnostic)", "–"))
    rows = []
    for i, w in enumerate(res["worker"]):
        rows.append([i + 1, fmt(w["steady"]), fmt(w["overall"]), f"{w['first']:.1f}",
                     f"{w['last']:.1f}", fmt(w["emitted"]), f"{w['cpu']:.2f}",
                     fmt(res["baseline"][i]), fmt(res["pure"][i]),
                     f"{w['steady'] / res['baseline'][i]:.3f}×"])
    rows.append(["**median**", f"**{fmt(steady)}**",
                 f"**{fmt(median(w['overall'] for w in res['worker']))}**",
                 f"{median(w['first'] for w in res['worker']):.1f}",
                 f"{median(w['last'] for w in res['worker']):.1f}", fmt(emitted), "",
                 f"**{fmt(base)}**", f"**{fmt(pure)}**", f"**{steady / base:.3f}×**"])
    sec.table(f"{len(messages)} messages, {total:,} observations ({n_areas} municipalities × "
              f"12 years × 12 months × 12 series + population)",
              ["rep", "worker steady obs/s", "worker first→last obs/s",
               "first obs after (s)", "last obs after (s)", "indicator events",
               "worker CPU (cores)", "raw consume+parse obs/s", "pure FyeProcessor obs/s",
               "worker / raw"], rows)
    sec.table(f"Small messages: {len(small):,} messages, {small_total:,} observations "
              f"(one message per municipality, month and agency: small batches, one at a time)",
              ["rep", "worker steady obs/s", "first obs after (s)", "last obs after (s)",
               "indicator events", "worker CPU (cores)"],
              [[i + 1, fmt(w["steady"]), f"{w['first']:.1f}", f"{w['last']:.1f}",
                fmt(w["emitted"]), f"{w['cpu']:.2f}"] for i, w in enumerate(res["small"])]
              + [["**median**", f"**{fmt(small_rate)}**", "", "", "", ""]])
    # Where the time goes, from the in-process run and the worker's rate.
    per_obs_worker = 1e6 / steady
    per_obs_pure = 1e6 / pure
    per_obs_base = 1e6 / base
    sec.table("Time per observation (µs)", ["step", "µs per observation", "share of worker"], [
        ["fetch + json.loads + walk (raw consumer)", f"{per_obs_base:.1f}",
         f"{per_obs_base / per_obs_worker * 100:.0f} %"],
        ["FyeProcessor.apply_observations + event json (in process, dict state)",
         f"{per_obs_pure:.1f}", f"{per_obs_pure / per_obs_worker * 100:.0f} %"],
        ["rest: faust tables/changelogs, sends and acks per message, agent machinery",
         f"{max(0.0, per_obs_worker - per_obs_pure - per_obs_base):.1f}",
         f"{max(0.0, per_obs_worker - per_obs_pure - per_obs_base) / per_obs_worker * 100:.0f}"
         f" %"],
        ["**worker (steady)**", f"**{per_obs_worker:.1f}**", "100 %"]])
    sec.table(f"Pure FyeProcessor by message shape (the same {sub_obs:,} observations)", [
        "messages", "obs per message", "obs/s", "indicator events", "events per obs",
        "table writes per obs (each one a changelog message in the worker)"], shapes)
    if stats is not None:
        st = stats.stats  # type: ignore[attr-defined]
        total_t = max(v[3] for (f, _l, fn), v in st.items() if fn == "apply_observations"
                      and f.endswith("fye/processor.py"))
        rows = []
        for label, file, func, line in PROFILE_ROWS:
            hits = [v for (f, ln, fn), v in st.items()
                    if fn == func and f.endswith(file) and (line is None or ln == line)]
            if hits:
                rows.append([label, fmt(sum(v[1] for v in hits)),
                             f"{sum(v[3] for v in hits) / total_t * 100:.0f} %"])
        sec.table("Inside the pure FyeProcessor (cProfile over a fifth of the messages; share "
                  "of apply_observations' time, cumulative, so rows overlap)",
                  ["step", "calls", "share"], rows)
    sec.method = __doc__.split("\n", 2)[2].strip().replace("\n", " ")
    sec.raw = res | {"messages": len(messages), "observations": total, "events_pure": events}
    return sec
