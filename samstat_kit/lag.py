"""Consumer lag of the exchange's consumer groups, as the Prometheus gauge
``samstat_consumer_lag_messages{group,topic,partition}``.

faust (and aiokafka) do not derive lag, so this asks Kafka itself, every ``interval`` seconds:
the groups' committed offsets (admin OffsetFetch) and the partitions' end offsets (a group-less
consumer), in a worker thread. Broker errors are logged, counted and retried; the exporter never
crashes the service that runs it.

How to run it
-------------
Inside any asyncio service (e.g. in a FastAPI lifespan), next to its ``/metrics``::

    import asyncio, contextlib
    from samstat_kit.lag import default_groups, run_lag_exporter

    kafka = settings.kafka                       # a KafkaSettings
    task = asyncio.create_task(run_lag_exporter(kafka, default_groups(kafka), interval=15))
    ...                                          # on shutdown:
    await samstat_kit.tasks.stop_tasks(task)

or on its own, with its own metrics endpoint (this is what deploy/k8s runs)::

    python -m samstat_kit.lag --port 9308 [--interval 15] [--group NAME ...]

Run it in ONE place per cluster if you can. Several copies are harmless: the alert rules and
dashboards take ``max by (group, topic, partition)`` over exporters.

What the numbers mean
---------------------
lag = end offset − committed offset, per partition, for every topic the group has committed
on. A partition of such a topic with no commit yet counts as lagging by everything retained
(end − beginning), because the services consume from the earliest offset. A group that never
committed anything has no series (nothing is known about what it reads).

Tansu (the local broker, v0.6) answers the admin OffsetFetch (``list_group_offsets``, also for
several groups at once and for unknown groups, which come back empty), ListOffsets and
Metadata, so no fallback to aiokafka's ``committed()`` is needed there. Its DescribeGroups
answer does not parse in kafka-python (``15 is not a valid ACLOperation``), so this module
does not use DescribeGroups.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import UnsupportedVersionError
from prometheus_client import Counter, Gauge

from samstat_kit.kafka import admin_options
from samstat_kit.settings import KafkaSettings

log = logging.getLogger(__name__)

LAG = Gauge("samstat_consumer_lag_messages",
            "Messages a consumer group still has to read (end offset - committed offset)",
            ["group", "topic", "partition"])
ERRORS = Counter("samstat_lag_exporter_errors_total",
                 "Failed attempts to read consumer lag from Kafka (retried)")
LAST_SUCCESS = Gauge("samstat_lag_exporter_last_success_timestamp_seconds",
                     "When consumer lag was last read from Kafka")

# The groups' names as the services set them: faust's group is its app id.
NOTIFY_GROUP = "samstat-notify"
READMODEL_GROUP = "samstat-indicators-readmodel"

Key = tuple[str, str, int]


def default_groups(settings: KafkaSettings) -> list[str]:
    """The exchange's consumer groups: the faust worker, notify, the indicators read model and
    ingest's consumer of the agencies' raw topics."""
    prefix = settings.topic_prefix
    return [f"{prefix}-indicators", NOTIFY_GROUP, READMODEL_GROUP, f"{prefix}-ingest-raw"]


def compute_lag(committed: Mapping[str, Mapping[TopicPartition, int]],
                partitions: Mapping[str, Iterable[int]],
                end: Mapping[TopicPartition, int],
                beginning: Mapping[TopicPartition, int]) -> dict[Key, int]:
    """Lag per (group, topic, partition); pure, so it is easy to reason about and test.

    ``committed`` holds each group's committed offsets; ``partitions`` every partition of the
    topics involved; ``end``/``beginning`` their offsets. Partitions whose offsets are unknown
    (e.g. the topic vanished) are left out rather than guessed.
    """
    lag: dict[Key, int] = {}
    for group, offsets in committed.items():
        for topic in sorted({tp.topic for tp in offsets}):
            for partition in sorted(partitions.get(topic, ())):
                tp = TopicPartition(topic, partition)
                if tp not in end:
                    continue
                position = offsets.get(tp)
                if position is None or position < 0:
                    position = beginning.get(tp, 0)
                lag[(group, topic, partition)] = max(0, end[tp] - position)
    return lag


class LagCollector:
    """Blocking Kafka calls; one instance per exporter, used from one thread at a time."""

    def __init__(self, settings: KafkaSettings, groups: Iterable[str], *,
                 timeout_ms: int = 10000) -> None:
        self.settings = settings
        self.groups = list(dict.fromkeys(groups))
        self.timeout_ms = timeout_ms
        self._admin: KafkaAdminClient | None = None
        self._consumer: KafkaConsumer | None = None
        self._lock = threading.Lock()
        self._exported: set[Key] = set()

    # --- Kafka ----------------------------------------------------------------------------

    def _clients(self) -> tuple[KafkaAdminClient, KafkaConsumer]:
        opts = admin_options(self.settings) | {
            "request_timeout_ms": self.timeout_ms,
            "bootstrap_timeout_ms": self.timeout_ms,
        }
        if self._admin is None:
            self._admin = KafkaAdminClient(**opts, client_id="samstat-lag-exporter")
        if self._consumer is None:
            # group_id=None: never joins a group, only reads metadata and offsets.
            self._consumer = KafkaConsumer(**opts, group_id=None, enable_auto_commit=False,
                                           client_id="samstat-lag-exporter")
        return self._admin, self._consumer

    def committed(self) -> dict[str, dict[TopicPartition, int]]:
        admin, _ = self._clients()
        # kafka-python 3 calls it list_group_offsets; 2.x list_consumer_group_offsets.
        fetch = getattr(admin, "list_group_offsets", None)
        result: dict[str, Any] = {}
        if fetch is not None:
            try:
                result = fetch(self.groups)
            except UnsupportedVersionError:
                # Brokers before Kafka 3.0 (OffsetFetch < v8) take one group per request.
                result = {g: fetch([g])[g] for g in self.groups}
        else:
            legacy = admin.list_consumer_group_offsets
            result = {g: legacy(g) for g in self.groups}
        return {
            group: {tp: int(meta.offset) for tp, meta in (offsets or {}).items()}
            for group, offsets in result.items()
        }

    def read(self) -> dict[Key, int]:
        """One round trip to Kafka: the current lag of every group."""
        committed = self.committed()
        _, consumer = self._clients()
        topics = sorted({tp.topic for offsets in committed.values() for tp in offsets})
        partitions: dict[str, set[int]] = {}
        for topic in topics:
            found = consumer.partitions_for_topic(topic)
            if found:
                partitions[topic] = set(found)
        tps = [TopicPartition(t, p) for t, ps in partitions.items() for p in ps]
        end = consumer.end_offsets(tps) if tps else {}
        uncommitted = [tp for tp in tps if any(
            tp not in offsets and any(c.topic == tp.topic for c in offsets)
            for offsets in committed.values())]
        beginning = consumer.beginning_offsets(uncommitted) if uncommitted else {}
        return compute_lag(committed, partitions, end, beginning)

    # --- Prometheus -----------------------------------------------------------------------

    def export(self, lag: Mapping[Key, int]) -> None:
        for (group, topic, partition), value in lag.items():
            LAG.labels(group, topic, str(partition)).set(value)
        for group, topic, partition in self._exported - set(lag):
            # A partition or group that went away must not keep its last value forever.
            LAG.remove(group, topic, str(partition))
        self._exported = set(lag)
        LAST_SUCCESS.set(time.time())

    def poll(self) -> dict[Key, int]:
        """Read and export once. Raises on broker errors (the caller counts and retries)."""
        with self._lock:
            try:
                lag = self.read()
            except Exception:
                self._close_clients()  # reconnect from scratch next time
                raise
            self.export(lag)
            return lag

    def _close_clients(self) -> None:
        for client in (self._consumer, self._admin):
            if client is not None:
                try:
                    client.close()
                except Exception as exc:  # closing a broken client must not mask the error
                    log.debug("closing a lag-exporter client: %s", exc)
        self._admin = self._consumer = None

    def close(self) -> None:
        with self._lock:
            self._close_clients()


async def run_lag_exporter(settings: KafkaSettings, groups: list[str],
                           interval: float = 15, *, timeout_ms: int | None = None) -> None:
    """Export consumer lag every ``interval`` seconds until cancelled; never raises otherwise.

    ``timeout_ms`` bounds each Kafka request and the initial connection (default: the
    interval, at least 5 s).
    """
    timeout_ms = timeout_ms or int(max(interval, 5) * 1000)
    collector = LagCollector(settings, groups, timeout_ms=timeout_ms)
    failures = 0
    try:
        while True:
            try:
                await asyncio.to_thread(collector.poll)
                if failures:
                    log.info("consumer lag readable again after %d failed attempts", failures)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                ERRORS.inc()
                # Once per outage at warning level, then quietly: the counter tells the rest.
                level = logging.WARNING if failures == 1 else logging.DEBUG
                log.log(level, "reading consumer lag failed (%s: %s); retrying in %.0fs",
                        exc.__class__.__name__, exc, interval)
            await asyncio.sleep(interval)
    finally:
        # Waits for a poll still running in the thread, then closes the clients.
        await asyncio.to_thread(collector.close)


def main(argv: list[str] | None = None) -> None:
    """``python -m samstat_kit.lag``: the exporter on its own, with a /metrics endpoint."""
    from prometheus_client import start_http_server

    from samstat_kit.logging import configure_logging

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=9308, help="metrics port (default 9308)")
    parser.add_argument("--host", default="0.0.0.0", help="metrics address (default 0.0.0.0)")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between reads")
    parser.add_argument("--group", action="append", dest="groups",
                        help="a consumer group (repeatable; default: the exchange's groups)")
    args = parser.parse_args(argv)
    settings = KafkaSettings()
    # Not KitSettings: this process needs Kafka only, never the database.
    configure_logging(os.environ.get("SAMSTAT_LOG_LEVEL", "INFO"),
                      os.environ.get("SAMSTAT_LOG_JSON", "").lower() in ("1", "true", "yes"),
                      "lag-exporter")
    start_http_server(args.port, addr=args.host)
    groups = args.groups or default_groups(settings)
    log.info("exporting consumer lag of %s on :%d/metrics", ", ".join(groups), args.port)
    asyncio.run(run_lag_exporter(settings, groups, args.interval))


if __name__ == "__main__":
    main()
