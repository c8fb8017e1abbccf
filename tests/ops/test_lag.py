"""The consumer-lag exporter against the real (Tansu) broker of the test session."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka import TopicPartition as AioTP
from kafka import TopicPartition
from prometheus_client import REGISTRY

from samstat_kit import lag
from samstat_kit.broker import LocalBroker, free_port
from samstat_kit.kafka import ensure_topics
from samstat_kit.settings import KafkaSettings


def sample(group: str, topic: str, partition: int) -> float | None:
    return REGISTRY.get_sample_value(
        "samstat_consumer_lag_messages",
        {"group": group, "topic": topic, "partition": str(partition)})


async def until(fn: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not fn():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


async def commit(bootstrap: str, group: str, offsets: dict[AioTP, int]) -> None:
    """Commit offsets for ``group`` without joining it (manual assignment)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


def test_compute_lag_counts_uncommitted_partitions_from_the_beginning() -> None:
    t0, t1, t2 = (TopicPartition("t", p) for p in range(3))
    got = lag.compute_lag(
        committed={"g": {t0: 4, t1: 10}, "empty": {}},
        partitions={"t": [0, 1, 2]},
        end={t0: 10, t1: 10, t2: 10},
        beginning={t2: 3},
    )
    assert got == {("g", "t", 0): 6, ("g", "t", 1): 0, ("g", "t", 2): 7}


def test_compute_lag_never_negative_and_skips_unknown_partitions() -> None:
    t0 = TopicPartition("t", 0)
    got = lag.compute_lag(committed={"g": {t0: 12, TopicPartition("gone", 0): 3}},
                          partitions={"t": [0]}, end={t0: 10}, beginning={})
    assert got == {("g", "t", 0): 0}


def test_export_removes_series_that_went_away() -> None:
    group = "g-" + uuid.uuid4().hex[:6]
    collector = lag.LagCollector(KafkaSettings(), [group])
    collector.export({(group, "t", 0): 5, (group, "t", 1): 2})
    assert sample(group, "t", 0) == 5
    collector.export({(group, "t", 0): 1})
    assert sample(group, "t", 0) == 1
    assert sample(group, "t", 1) is None


async def test_exporter_reports_lag_from_the_broker(broker: LocalBroker) -> None:
    settings = KafkaSettings(bootstrap_servers=broker.bootstrap, partitions=3)
    topic = f"ops-lag-{uuid.uuid4().hex[:8]}"
    group, idle = f"ops-g-{uuid.uuid4().hex[:6]}", f"ops-idle-{uuid.uuid4().hex[:6]}"
    await asyncio.to_thread(ensure_topics, settings, [topic])

    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await producer.start()
    try:
        for i in range(30):  # 10 per partition
            await producer.send_and_wait(topic, f"m{i}".encode(), partition=i % 3)
    finally:
        await producer.stop()
    await commit(broker.bootstrap, group, {AioTP(topic, 0): 4, AioTP(topic, 1): 10})

    task = asyncio.create_task(lag.run_lag_exporter(settings, [group, idle], interval=0.2))
    try:
        await until(lambda: sample(group, topic, 0) is not None)
        assert sample(group, topic, 0) == 6
        assert sample(group, topic, 1) == 0
        assert sample(group, topic, 2) == 10  # no commit yet: everything retained is lag
        # A group that never committed has no series at all.
        assert sample(idle, topic, 0) is None
        assert REGISTRY.get_sample_value(
            "samstat_lag_exporter_last_success_timestamp_seconds") is not None

        # The gauge follows the group as it catches up.
        await commit(broker.bootstrap, group, {AioTP(topic, 0): 10, AioTP(topic, 2): 7})
        await until(lambda: sample(group, topic, 0) == 0 and sample(group, topic, 2) == 3)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_exporter_survives_an_unreachable_broker() -> None:
    settings = KafkaSettings(bootstrap_servers=f"127.0.0.1:{free_port()}")
    before = REGISTRY.get_sample_value("samstat_lag_exporter_errors_total") or 0
    task = asyncio.create_task(
        lag.run_lag_exporter(settings, ["nobody"], interval=0.05, timeout_ms=300))
    try:
        await until(lambda: (REGISTRY.get_sample_value("samstat_lag_exporter_errors_total")
                             or 0) >= before + 2, timeout=20)
        assert not task.done(), "the exporter must keep retrying, not crash"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
