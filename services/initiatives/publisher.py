"""The registry publisher: indicator definitions to ``<prefix>.registry``.

It publishes the whole published plan at start-up and every ``republish_seconds`` (the local
broker forgets everything on restart), and the indicators a committed change touched as soon as
the request handler reports them. For those it re-reads the database rather than trusting what
the request saw, so whatever order two changes are reported in, the last event per key is the
stored state.

Kafka being away never reaches the API: ids wait in memory, the loop logs a warning and retries
with backoff, and after a failure the next success starts with a full snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy.orm import Session, sessionmaker

from samstat_kit.db import session_scope
from samstat_kit.kafka import Topics, dumps, ensure_topics_async, make_producer
from samstat_kit.metrics import zeros
from samstat_kit.settings import KafkaSettings
from services.initiatives.registry.plans import registry_events

log = logging.getLogger(__name__)

EVENTS = Counter("initiatives_registry_events_total", "Registry events published", ["type"])
zeros(EVENTS, ("indicator.upserted", "indicator.deleted"))
FAILURES = Counter("initiatives_registry_failures_total",
                   "Failed attempts to publish to the registry topic")
SNAPSHOT_SECONDS = Histogram("initiatives_registry_snapshot_seconds",
                             "Time to publish the full registry",
                             buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
LAST_SNAPSHOT = Gauge("initiatives_registry_last_snapshot_timestamp_seconds",
                      "When the full registry was last published")


def event_key(event: dict[str, Any]) -> str:
    code = event["indicator"]["id"] if "indicator" in event else event["id"]
    return f"indicator:{code}"


class RegistryPublisher:
    def __init__(
        self,
        factory: sessionmaker[Session],
        kafka: KafkaSettings,
        *,
        republish_seconds: float = 300.0,
        max_backoff: float = 30.0,
    ) -> None:
        self.factory = factory
        self.kafka = kafka
        self.topic = Topics(kafka.topic_prefix).registry
        self.republish_seconds = republish_seconds
        self.max_backoff = max_backoff
        self.last_error: str | None = None
        self.last_snapshot_at: float | None = None  # time.time() of the last full snapshot
        self._producer: AIOKafkaProducer | None = None
        # mark_dirty is called from the request threads, the loop runs on the event loop.
        self._lock = threading.Lock()
        self._dirty: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    # ------------------------------------------------------------------- any thread

    def mark_dirty(self, codes: Iterable[str]) -> None:
        """Publish these indicator ids soon (call after the change has committed)."""
        codes = set(codes)
        if not codes:
            return
        with self._lock:
            self._dirty |= codes
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop is shutting down
                loop.call_soon_threadsafe(wake.set)

    def _take_dirty(self) -> set[str]:
        with self._lock:
            taken, self._dirty = self._dirty, set()
        return taken

    # ---------------------------------------------------------------------- the loop

    async def _connect(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = make_producer(self.kafka)
            try:
                await producer.start()
                await ensure_topics_async(self.kafka, [self.topic])
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _send(self, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        producer = await self._connect()
        futures = [await producer.send(self.topic, key=event_key(e).encode(), value=dumps(e))
                   for e in events]
        await asyncio.gather(*futures)
        for e in events:
            EVENTS.labels(e["type"]).inc()

    def _read(self, codes: set[str] | None) -> list[dict[str, Any]]:
        with session_scope(self.factory) as session:
            return registry_events(session=session, codes=codes)

    async def publish_snapshot(self) -> int:
        """Publish every indicator of the published plan; returns how many."""
        start = time.perf_counter()
        await self._connect()
        events = await asyncio.to_thread(self._read, None)
        await self._send(events)
        SNAPSHOT_SECONDS.observe(time.perf_counter() - start)
        self.last_snapshot_at = time.time()
        LAST_SNAPSHOT.set(self.last_snapshot_at)
        log.info("registry: published %d indicator definitions to %s", len(events), self.topic)
        return len(events)

    async def publish_dirty(self) -> int:
        codes = self._take_dirty()
        if not codes:
            return 0
        try:
            events = await asyncio.to_thread(self._read, codes)
            await self._send(events)
        except BaseException:
            with self._lock:
                self._dirty |= codes  # keep them for the next attempt
            raise
        return len(events)

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await producer.stop()

    async def run(self) -> None:
        """Run until cancelled: snapshot, then changes as they come, snapshot again, ..."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        backoff = 0.5
        snapshot_due = 0.0
        while True:
            try:
                self._wake.clear()  # before taking the ids, so no wake-up is lost
                if time.monotonic() >= snapshot_due:
                    self._take_dirty()  # the snapshot covers them
                    await self.publish_snapshot()
                    snapshot_due = time.monotonic() + self.republish_seconds
                await self.publish_dirty()
                self.last_error = None
                backoff = 0.5
                timeout = max(0.0, snapshot_due - time.monotonic())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                FAILURES.inc()
                self.last_error = f"{exc.__class__.__name__}: {exc}"
                log.warning("registry: cannot publish (%s); retrying in %.1fs",
                            self.last_error, backoff)
                # The broker may have restarted empty: start over with a full snapshot.
                snapshot_due = 0.0
                await self._drop_producer()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    async def stop(self) -> None:
        await self._drop_producer()
        self._loop = None
        self._wake = None
