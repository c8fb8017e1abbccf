"""The worker's faust workarounds that guard its state across restarts (faust_compat 5, 6)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition

from samstat_kit.broker import LocalBroker
from samstat_kit.kafka import client_options, ensure_topics
from samstat_kit.settings import KafkaSettings
from services.indicators.worker import faust_compat


async def _batches(kafka: KafkaSettings, topic: str, sizes: list[int]) -> None:
    """Produce records to partition 0 in batches of the given sizes (one send each flush)."""
    producer = AIOKafkaProducer(**client_options(kafka), linger_ms=200)
    await producer.start()
    try:
        for size in sizes:
            sent = [await producer.send(topic, b"v", key=b"k", partition=0)
                    for _ in range(size)]
            await producer.flush()
            await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def test_changelog_highwaters_are_the_true_end_of_each_partition(
        broker: LocalBroker) -> None:
    """What recovery reads up to: every record, whatever ListOffsets said (Tansu reports the
    start of the last batch there)."""
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap)
    topic = f"hw-{uuid.uuid4().hex[:8]}"
    ensure_topics(kafka, [topic])
    await _batches(kafka, topic, [3, 4])
    tp = TopicPartition(topic, 0)
    for reported in (1, 4, 7):  # too low by a batch or two, and right
        assert await faust_compat.fetch_highwaters(kafka, [tp], {tp: reported}) == {tp: 7}


async def test_a_changelog_without_a_highwater_stops_recovery_instead_of_shortening_it(
        broker: LocalBroker) -> None:
    """Before, the worker went on with what ListOffsets said (short on Tansu) when the check
    did not answer in 2.5 s: on a slow machine it recovered old state without a word."""
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap)
    topic = f"hw-gone-{uuid.uuid4().hex[:8]}"
    ensure_topics(kafka, [topic])
    missing = TopicPartition(topic, 7)  # no such partition: no fetch ever answers for it
    with pytest.raises(TimeoutError, match="no high watermark"):
        await faust_compat.fetch_highwaters(kafka, [missing], {missing: 5}, deadline=2)


class _Table:
    """Stands for a faust table: ``send_changelog`` returns the record's future."""

    def __init__(self) -> None:
        self.futures: list[asyncio.Future[Any]] = []

    def send_changelog(self, partition: int, key: Any, value: Any) -> asyncio.Future[Any]:
        self.futures.append(asyncio.get_running_loop().create_future())
        return self.futures[-1]


async def test_state_writes_are_acknowledged_before_the_worker_moves_on() -> None:
    acks = faust_compat.ChangelogAcks()
    table = acks.watch(_Table())
    first, second = table.send_changelog(0, "a", 1), table.send_changelog(1, "b", 2)
    assert table.futures == [first, second]  # faust still gets each record's future
    waiting = asyncio.ensure_future(acks.settled())
    first.set_result(None)
    await asyncio.sleep(0.05)
    assert not waiting.done()  # one record still in flight
    second.set_result(None)
    await asyncio.wait_for(waiting, 1)
    await asyncio.wait_for(acks.settled(), 1)  # nothing new: returns at once
    table.send_changelog(2, "c", 3).set_exception(RuntimeError("broker gone"))
    with pytest.raises(RuntimeError, match="broker gone"):
        await acks.settled()  # the buffer is not acknowledged: its offsets stay uncommitted


async def test_each_agent_waits_for_what_was_sent_before_it_asked() -> None:
    """The observations agent and the internal agent write tables and wait concurrently: one
    that starts waiting first must not take the other's records away from it."""
    acks = faust_compat.ChangelogAcks()
    table = acks.watch(_Table())
    mine = table.send_changelog(0, "a", 1)  # this agent's state write
    other = asyncio.ensure_future(acks.settled())  # the other agent happens to wait first
    await asyncio.sleep(0)
    own = asyncio.ensure_future(acks.settled())
    await asyncio.sleep(0.05)
    assert not own.done()  # still waits for its own record
    mine.set_result(None)
    await asyncio.wait_for(asyncio.gather(other, own), 1)
    assert acks.pending == []


async def test_every_table_of_the_worker_is_watched(
        broker: LocalBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.indicators.config import IndicatorsSettings
    from services.indicators.worker import app as worker_app

    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", f"watched{uuid.uuid4().hex[:6]}")
    monkeypatch.setattr(worker_app, "setup_prometheus_sensors", lambda *a, **k: None)
    monkeypatch.setattr(worker_app.faust_compat, "lean_monitor", lambda app: None)
    app = worker_app.create_worker_app(IndicatorsSettings(data_dir=tmp_path))
    tables = list(app.tables.values())
    assert len(tables) == 6
    assert all("send_changelog" in vars(t) for t in tables)


async def test_a_send_refused_while_stopping_is_no_crash(broker: LocalBroker) -> None:
    """faust_compat 9: the registry task's send after the producer stopped."""
    import faust

    app = faust.App(f"stop-{uuid.uuid4().hex[:8]}", broker=f"kafka://{broker.bootstrap}")
    topic = app.topic(f"requests-{uuid.uuid4().hex[:8]}", key_type=bytes, value_type=bytes,
                      key_serializer="raw", value_serializer="raw")
    await app.producer.start()
    assert await faust_compat.send_unless_stopping(app, topic, b"2480", b"{}") is True
    await app.producer.stop()
    # The producer is gone but the app is not stopping: a real error, as before.
    with pytest.raises(faust.exceptions.NotReady):
        await faust_compat.send_unless_stopping(app, topic, b"2480", b"{}")
    await app.stop()
    assert await faust_compat.send_unless_stopping(app, topic, b"2480", b"{}") is False
