"""Every place the worker reaches into faust-streaming's (0.15.x) or aiokafka's internals.

Each section below is one workaround, with why it is needed. They touch private names, so
check them all when faust or aiokafka is upgraded (the tests in tests/indicators and
tests/e2e exercise each one):

1. :func:`as_current`: the current event, for the changelog partition of table writes.
2. :func:`raw_sender`: the producer's own send instead of ``Topic.send``.
3. :class:`LeanMonitor`: faust's Prometheus monitor without its per-key table hooks.
4. :func:`limit_fetch_wait`: a shorter fetch wait than faust's hard-coded 1.5 s.
5. :func:`install_highwaters`: changelog end offsets from the Fetch high watermark.
6. :class:`ChangelogAcks`: a message's state writes acknowledged before its offset commits.
7. :func:`install_quiet_recovery_end`: no message delivered while recovery's end clears the
   stream queues.
8. :func:`install_real_seek`: "seek to committed" also seeks partitions nothing was committed for.
9. :func:`send_unless_stopping`: a send refused because the worker is stopping is no crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Any

import faust
import faust.streams
from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.sensors.prometheus import PrometheusMonitor
from faust.tables.recovery import Recovery, ServiceStopped
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
_recovery_end_installed = False
_real_seek_installed = False


# How long recovery may take to learn the changelogs' high watermarks before the worker gives
# up (and is restarted). Recovering short of them would silently forget the newest state.
HIGHWATER_DEADLINE_SECONDS = 60.0


async def fetch_highwaters(settings: KafkaSettings, tps: Iterable[TopicPartition],
                           reported: dict[TopicPartition, int],
                           deadline: float = HIGHWATER_DEADLINE_SECONDS,
                           ) -> dict[TopicPartition, int]:
    """End offsets as the Fetch high watermark says (only for non-empty partitions), for
    every one of them: a busy broker may take a while, and stopping short is not an answer
    (:class:`TimeoutError` after ``deadline`` seconds)."""
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
        give_up = time.monotonic() + deadline
        while len(out) < len(wanted):
            if time.monotonic() > give_up:
                missing = sorted(f"{tp.topic}[{tp.partition}]" for tp in wanted
                                 if tp not in out)
                raise TimeoutError(f"no high watermark in {deadline:.0f} s for {missing}")
            await consumer.getmany(*[tp for tp in wanted if tp not in out], timeout_ms=500,
                                   max_records=len(wanted))
            for tp in wanted:
                hw = consumer.highwater(tp)
                if hw is not None:
                    out[tp] = hw
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
        # No fallback to what ListOffsets said: on Tansu that is short, and a worker that
        # recovers short computes on with old state. Failing here stops the worker (its
        # supervisor or Kubernetes starts it again), which is the safe way out.
        fetched = await fetch_highwaters(settings, reported, reported)
        for tp in tps:
            hw = fetched.get(TopicPartition(tp.topic, tp.partition))
            if hw is not None and hw - 1 > destination[tp]:
                log.info("changelog %s[%d]: highwater %d, not %d", tp.topic, tp.partition,
                         hw - 1, destination[tp])
                destination[tp] = hw - 1

    Recovery._build_highwaters = build_highwaters  # type: ignore[method-assign]
    _highwaters_installed = True


# 6. State before offsets. -------------------------------------------------------------------
#
# faust commits a source offset after ``producer.flush()``, meant to send the changelog
# records of every message up to it first. But the flush of faust's producer buffer returns
# when no record left the buffer for 0.1 s, and does not count the record being handed to
# aiokafka, so on a busy machine an offset can be committed while the state it covers is
# still in the buffer; after kill -9 the restarted worker neither has that state nor reads
# those messages again (seen once in CI as a correction forgotten after a restart). A table
# write returns the record's future, so the worker collects them and awaits them with its
# own output, before it lets faust acknowledge the messages.

class ChangelogAcks:
    """The changelog records of the watched tables that the broker has not acknowledged."""

    def __init__(self) -> None:
        self.pending: list[Any] = []

    def watch(self, table: Any) -> Any:
        """Collect the future of every changelog record ``table`` sends (faust's
        ``Collection.send_changelog``, which every write and delete goes through)."""
        send = table.send_changelog

        def send_changelog(*args: Any, **kwargs: Any) -> Any:
            future = send(*args, **kwargs)
            self.pending.append(future)
            return future

        table.send_changelog = send_changelog
        return table

    async def settled(self) -> None:
        """Wait until every record sent so far is acknowledged (raises if one failed).

        The two agents share the tables, so each waits for everything sent before it asked,
        not only its own records, and nothing is taken from the other: a record is dropped
        from the list once done, never when another caller started waiting for it."""
        pending = list(self.pending)
        if pending:
            try:
                await asyncio.gather(*pending)
            finally:
                self.pending = [f for f in self.pending if not f.done()]


# 7. The end of recovery. --------------------------------------------------------------------
#
# When a rebalance's recovery ends, faust (Recovery.on_recovery_completed) resumes the source
# partitions, seeks them to their committed offsets and only then calls
# ``app.flow_control.resume()``, which *clears every stream queue*. But the fetcher is already
# running with the flow on (recovery turned it on to read the changelogs, and on a rebalance it
# never stopped), so records fetched in that window are put in the queues and thrown away,
# while faust's read offsets (and the broker position) move past them: they are never
# processed. Seen here as a worker restarted after kill -9 that skipped three messages in every
# partition (a month's figures and a correction lost for good), and as a worker taking over a
# group that never applied the corrections sent during the rebalance. The flow is stopped
# first, as faust itself does when partitions are revoked; the seek then brings the consumer
# back to the committed offsets (section 8) and faust resumes the flow at the end.
#
# Stopping the flow also drops standby changelog records in flight, and the seek to committed
# offsets does not move changelog partitions back; with a RocksDB store a standby promoted later
# would keep that gap. So the standby partitions are sought back to what recovery applied (as
# faust's own recovery does at its start; a record applied twice is skipped). And if faust's
# end of recovery gives up (a seek slower than the broker request timeout: faust then ends its
# recovery loop for good), the flow would stay stopped: the worker crashes instead, so it is
# restarted rather than left idle.

def install_quiet_recovery_end() -> None:
    """Wrap faust's (private) end of recovery, once per process."""
    global _recovery_end_installed
    if _recovery_end_installed:
        return
    original = Recovery.on_recovery_completed

    async def on_recovery_completed(self: Recovery, generation_id: int = 0) -> None:
        consumer = self.app.consumer
        consumer.stop_flow()
        try:
            if self.standby_tps:
                await self._seek_offsets(consumer, self.standby_tps, self.standby_offsets,
                                         "standby")
            await original(self, generation_id)
        except ServiceStopped as exc:
            if not (self.should_stop or self.app.should_stop
                    or self.signal_recovery_start.is_set()):
                await self.app.crash(exc)
            raise

    Recovery.on_recovery_completed = on_recovery_completed  # type: ignore[method-assign]
    _recovery_end_installed = True


# 8. Seeking back to what was committed. ---------------------------------------------------
#
# Whenever faust throws fetched records away (flow stopped, a rebalance), it relies on
# ``seek_to_committed`` to fetch them again. aiokafka's seeks only partitions with a committed
# offset above 0, so for a partition nothing was committed for yet (a worker killed before
# its first commit, a new group) the position stays past the thrown-away records and they
# are never processed: seen as a restarted worker that applied nothing at all. Such source
# partitions are sought to their beginning, which is where ``auto_offset_reset=earliest``
# would have started them (redelivery is harmless: a cell's value, not an increment).
# Changelog partitions are left alone: recovery positions them itself.

def install_real_seek() -> None:
    """Wrap faust's aiokafka driver's (private) seek to committed offsets, once per process."""
    global _real_seek_installed
    if _real_seek_installed:
        return

    async def seek_to_committed(self: AIOKafkaConsumerThread) -> Any:
        consumer = self._ensure_consumer()
        changelogs = self.app.tables.changelog_topics

        async def seek() -> Any:
            committed = await consumer.seek_to_committed()
            unset = [tp for tp, offset in committed.items()
                     if not offset and tp.topic not in changelogs]
            if unset:
                await consumer.seek_to_beginning(*unset)
            return committed

        return await self.call_thread(seek)

    AIOKafkaConsumerThread.seek_to_committed = seek_to_committed  # type: ignore[method-assign]
    _real_seek_installed = True


# 9. Sending while the worker stops. ---------------------------------------------------------
#
# The registry task sends a request to the worker's own topic for every changed definition.
# When the worker stops, faust may stop the producer while that task is still sending; the
# send then raises NotReady ("Producer service not yet started"), which faust reports as a
# crash of a worker that was only stopping (seen in 2 of 10 runs of tests/e2e/test_faults.py).
# Nothing is lost by not sending: the task reads the registry from its beginning at every
# start. Outside a stop, NotReady stays an error.

async def send_unless_stopping(app: faust.App, topic: Any, key: bytes, value: bytes) -> bool:
    """Send ``key``/``value`` to the faust ``topic``; False (nothing sent) if the producer
    refused because ``app`` is stopping."""
    try:
        await topic.send(key=key, value=value)
    except faust.exceptions.NotReady:
        if app.should_stop:
            return False
        raise
    return True
