"""Every place the worker reaches into faust-streaming's (0.15.x) or aiokafka's internals.

Each section below is one workaround, with why it is needed. They touch private names, so
check them all when faust or aiokafka is upgraded (the tests in tests/indicators and
tests/e2e exercise each one):

1. :func:`as_current`: the current event, for the changelog partition of table writes.
2. :func:`raw_sender`: the producer's own send instead of ``Topic.send``.
3. :class:`LeanMonitor`: faust's Prometheus monitor without its per-key table hooks.
4. :func:`limit_fetch_wait`: a shorter fetch wait than faust's hard-coded 1.5 s.
5. :func:`install_highwaters`: changelog end offsets from the Fetch high watermark.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

import faust
import faust.streams
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.sensors.prometheus import PrometheusMonitor
from faust.tables.recovery import Recovery
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

from samstat_kit.kafka import client_options
from samstat_kit.settings import KafkaSettings

log = logging.getLogger(__name__)


# 1. The current event. -------------------------------------------------------------------

@contextlib.contextmanager
def as_current(event: Any) -> Iterator[None]:
    """Make ``event`` faust's current event while its state is written.

    A faust table writes each change to the changelog partition of the current event (the
    one the stream is handling), which faust keeps in the private context variable
    ``faust.streams._current_event``. ``take_events`` hands over several events at once and
    sets none of them, so it is set here, per message: every table entry then stays on its
    source partition, as recovery expects.
    """
    token = faust.streams._current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        faust.streams._current_event.reset(token)


# 2. Sending. ------------------------------------------------------------------------------

def raw_sender(app: faust.App) -> Callable[[str, bytes, bytes], Awaitable[Any]]:
    """Send (topic, key, value) straight through faust's producer; awaiting the result gives
    the broker's acknowledgement future.

    ``Topic.send``'s future-message, channel and sensor machinery cost more per event than
    the send itself (py-spy of the worker, docs/benchmarks.md). The producer's ``send`` takes
    partition, timestamp and headers positionally, which is its internal signature.
    """
    send = app.producer.send

    def sender(topic: str, key: bytes, value: bytes) -> Awaitable[Any]:
        return send(topic, key, value, None, None, None)

    return sender


# 3. Metrics. ------------------------------------------------------------------------------

class LeanMonitor(PrometheusMonitor):
    """faust's Prometheus monitor without the per-key table counters. Those hooks run on
    every table read and write (a tenth of the worker's time under load, docs/benchmarks.md);
    the exchange's dashboards use the message, commit, send and rebalance metrics instead."""

    def on_table_get(self, table: Any, key: Any) -> None:
        pass

    def on_table_set(self, table: Any, key: Any, value: Any) -> None:
        pass

    def on_table_del(self, table: Any, key: Any) -> None:
        pass


def lean_monitor(app: faust.App) -> None:
    """Replace the monitor ``setup_prometheus_sensors`` installed, keeping its metrics (the
    private ``_metrics``: faust offers no way to choose the monitor class there)."""
    app.monitor = LeanMonitor(metrics=app.monitor._metrics)  # type: ignore[attr-defined]


# 4. The stream consumer's fetch wait. -----------------------------------------------------

def limit_fetch_wait(ms: int) -> None:
    """Give faust's stream consumer a shorter fetch wait than its hard-coded 1.5 s.

    Measured on the local broker (Tansu): a message produced while a fetch was waiting
    reached the consumer 0.38 s later with a 1.5 s wait, 8–13 ms later with 0.1–0.5 s. At
    1.5 s that put ~0.4 s into the worker's hop of the end-to-end latency. Apache Kafka
    answers a waiting fetch as soon as data arrives, so there a shorter wait only costs a
    few more fetch requests while idle. faust offers no setting, so its consumer factory
    (private) is wrapped and aiokafka's private ``_fetch_max_wait_ms`` set before it starts.
    """
    current = AIOKafkaConsumerThread._create_worker_consumer
    base = getattr(current, "samstat_original", current)  # faust's own, if patched before

    def create(self: AIOKafkaConsumerThread, transport: Any) -> Any:
        consumer = base(self, transport)
        consumer._fetch_max_wait_ms = ms  # read when the consumer starts its fetcher
        return consumer

    create.samstat_original = base  # type: ignore[attr-defined]
    AIOKafkaConsumerThread._create_worker_consumer = create  # type: ignore[method-assign]


# 5. Changelog highwaters for table recovery. ----------------------------------------------
#
# Faust decides that a table is recovered when it has read its changelog up to the
# partition's end offset as reported by ListOffsets. The local broker (Tansu) reports the
# *base* offset of the last record batch plus one, so after a batch of several records it
# answers too low, and faust then stops one or more records short: the last updates before a
# restart were lost (seen here as a worker that, after kill -9, forgot a correction it had
# already applied). The high watermark in a Fetch response is right on Tansu and on Apache
# Kafka alike, so recovery takes the larger of the two. On a broker that reports end offsets
# correctly this changes nothing.

_highwaters_installed = False


async def fetch_highwaters(settings: KafkaSettings, tps: Iterable[TopicPartition],
                           reported: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
    """End offsets as the Fetch high watermark says (only for non-empty partitions)."""
    wanted = [tp for tp in tps if reported.get(tp, 0) > 0]
    if not wanted:
        return {}
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=None,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(wanted)
        for tp in wanted:
            consumer.seek(tp, reported[tp] - 1)
        out: dict[TopicPartition, int] = {}
        for _ in range(5):
            await consumer.getmany(*[tp for tp in wanted if tp not in out], timeout_ms=500,
                                   max_records=len(wanted))
            for tp in wanted:
                hw = consumer.highwater(tp)
                if hw is not None:
                    out[tp] = hw
            if len(out) == len(wanted):
                break
        return out
    finally:
        await consumer.stop()


def install_highwaters(settings: KafkaSettings) -> None:
    """Wrap faust's (private) highwater step of recovery, once per process."""
    global _highwaters_installed
    if _highwaters_installed:
        return
    original = Recovery._build_highwaters

    async def build_highwaters(self: Recovery, consumer: Any, tps: Any, destination: Any,
                               title: str) -> None:
        await original(self, consumer, tps, destination, title)
        reported = {TopicPartition(tp.topic, tp.partition): destination[tp] + 1 for tp in tps}
        try:
            fetched = await fetch_highwaters(settings, reported, reported)
        except Exception as exc:  # fall back to what faust found; log why
            log.warning("could not verify changelog highwaters: %s", exc)
            return
        for tp in tps:
            hw = fetched.get(TopicPartition(tp.topic, tp.partition))
            if hw is not None and hw - 1 > destination[tp]:
                log.info("changelog %s[%d]: highwater %d, not %d", tp.topic, tp.partition,
                         hw - 1, destination[tp])
                destination[tp] = hw - 1

    Recovery._build_highwaters = build_highwaters  # type: ignore[method-assign]
    _highwaters_installed = True
