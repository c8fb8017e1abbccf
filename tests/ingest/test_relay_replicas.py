"""Several outbox relays (one per ingest replica) on one database and one real broker: every
row is published once, and the rows a dead relay had leased are published after its lease."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from pydantic import ValidationError
from sqlalchemy import func, insert, select, update

from samstat_kit.broker import LocalBroker
from samstat_kit.db import session_factory, session_scope
from samstat_kit.kafka import ensure_topics_async, make_consumer, make_producer
from samstat_kit.settings import KafkaSettings
from services.ingest.config import IngestSettings
from services.ingest.observations.models import OutboxMessage
from services.ingest.observations.wire import encode_message
from services.ingest.relay import Relay
from tests.tables import empty_ingest

AREAS = ["2480", "2460", "2404", "2409", "2401", "2403", "0180", "1480"]


@pytest.fixture
def pg_ingest_db(postgres_url: str) -> Iterator[str]:
    empty_ingest(postgres_url)
    yield postgres_url
    empty_ingest(postgres_url)


def _fill(db: str, topic: str, n: int, **lease: Any) -> list[str]:
    """``n`` outbox rows of one observation each; returns their event ids."""
    ids = [f"e-{uuid.uuid4().hex}" for _ in range(n)]
    rows = [{"topic": topic, "key": AREAS[i % len(AREAS)], "created_at": datetime.now(UTC),
             "payload": encode_message(f"b{i}", [{"event_id": e}])} | lease
            for i, e in enumerate(ids)]
    with session_scope(session_factory(db)) as s:
        s.execute(insert(OutboxMessage), rows)
    return ids


def _waiting(db: str) -> int:
    with session_scope(session_factory(db)) as s:
        return int(s.scalar(select(func.count(OutboxMessage.id))) or 0)


class _Counting(Relay):
    taken = 0

    def _take(self) -> list[tuple[int, str, str, bytes]]:
        rows = super()._take()
        self.taken += len(rows)
        return rows


def _relay(db: str, kafka: KafkaSettings, topic: str, *, publish_seconds: float = 0.0,
           batch_size: int = 20) -> _Counting:
    """A relay as ingest makes one; ``publish_seconds`` makes each chunk's publish that much
    slower, so that another relay surely claims while this one publishes."""
    def producer() -> AIOKafkaProducer:
        p = make_producer(kafka)
        send = p.send

        async def slow_send(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(publish_seconds)
            return await send(*args, **kwargs)

        p.send = slow_send
        return p

    return _Counting(session_factory(db), producer, batch_size=batch_size, idle_seconds=0.05,
                 max_backoff=0.5, prepare=lambda: ensure_topics_async(kafka, [topic]),
                 lease_seconds=60)


async def _published(kafka: KafkaSettings, topic: str, want: int,
                     timeout: float = 60) -> Counter[str]:
    """How often each event id is on the topic: read until ``want`` ids are there, then a
    second longer, so that a late copy would be seen too."""
    consumer = make_consumer(kafka, topic, group_id=None)
    await consumer.start()
    seen: Counter[str] = Counter()
    try:
        deadline = time.monotonic() + timeout
        settle: float | None = None
        while settle is None or time.monotonic() < settle:
            assert time.monotonic() < deadline, f"only {len(seen)} of {want} published"
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for r in records:
                    seen.update(o["event_id"] for o in orjson.loads(r.value)["observations"])
            if settle is None and len(seen) >= want:
                settle = time.monotonic() + 1.0
    finally:
        await consumer.stop()
    return seen


async def _run_until_empty(db: str, relays: list[_Counting], timeout: float = 60) -> None:
    tasks = [asyncio.create_task(r.run()) for r in relays]
    try:
        deadline = time.monotonic() + timeout
        while await asyncio.to_thread(_waiting, db):
            assert time.monotonic() < deadline, "the outbox never drained"
            assert all(not t.done() for t in tasks), [t.exception() for t in tasks if t.done()]
            await asyncio.sleep(0.1)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for r in relays:
            await r.stop()


@pytest.mark.integration
def test_two_relays_publish_every_row_once(broker: LocalBroker, pg_ingest_db: str) -> None:
    """Each relay's publish is slowed (a real broker all the same), so the other claims while
    it publishes: with a lock that ended before the publish, they would take the same rows."""
    kafka = KafkaSettings(topic_prefix="t" + uuid.uuid4().hex[:8])
    topic = f"{kafka.topic_prefix}.relayed"
    ids = _fill(pg_ingest_db, topic, 400)
    relays = [_relay(pg_ingest_db, kafka, topic, publish_seconds=0.1) for _ in range(2)]

    async def scenario() -> Counter[str]:
        await _run_until_empty(pg_ingest_db, relays)
        return await _published(kafka, topic, len(ids))

    seen = asyncio.run(scenario())
    assert set(seen) == set(ids)
    assert [e for e, n in seen.items() if n > 1] == []
    # Both did a share of the work (neither simply waited for the other to finish).
    shares = [r.taken for r in relays]
    assert all(shares) and sum(shares) == len(ids), shares


@pytest.mark.integration
def test_a_dead_relays_rows_are_published_after_its_lease(broker: LocalBroker,
                                                          pg_ingest_db: str) -> None:
    """Rows leased by a relay that died wait until the lease ends, then a live relay publishes
    them; free rows go at once meanwhile. Nothing is lost and nothing goes twice."""
    kafka = KafkaSettings(topic_prefix="t" + uuid.uuid4().hex[:8])
    topic = f"{kafka.topic_prefix}.relayed"
    dead = _fill(pg_ingest_db, topic, 30, claimed_by="killed-replica",
                 claimed_until=datetime.now(UTC) + timedelta(seconds=4))
    free = _fill(pg_ingest_db, topic, 30)
    relay = _relay(pg_ingest_db, kafka, topic)

    async def scenario() -> tuple[int, Counter[str]]:
        task = asyncio.create_task(relay.run())
        try:
            deadline = time.monotonic() + 3
            while await asyncio.to_thread(_waiting, pg_ingest_db) > len(dead):
                assert time.monotonic() < deadline, "the free rows were not published"
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            still = await asyncio.to_thread(_waiting, pg_ingest_db)  # the leased ones wait
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await relay.stop()
        await _run_until_empty(pg_ingest_db, [relay], timeout=20)
        return still, await _published(kafka, topic, len(dead) + len(free))

    still, seen = asyncio.run(scenario())
    assert still == len(dead)
    assert set(seen) == set(dead) | set(free)
    assert max(seen.values()) == 1


def test_a_lease_keeps_other_relays_off_until_released(ingest_db: str) -> None:
    """On either database (SQLite: the one ingest process's relay; PostgreSQL: replicas)."""
    _fill(ingest_db, "t.relayed", 5)
    # No publishing here: only the claims, so no producer is ever made.
    first, second = (Relay(session_factory(ingest_db), lambda: make_producer(KafkaSettings()),
                           batch_size=3) for _ in range(2))
    taken = first._take()
    assert [r[0] for r in taken] == sorted(r[0] for r in taken) and len(taken) == 3
    rest = second._take()
    assert len(rest) == 2 and not {r[0] for r in rest} & {r[0] for r in taken}
    assert second._take() == rest  # its own rows again (a failed publish is retried at once)
    assert first._take() == taken and second._take() == rest
    with session_scope(session_factory(ingest_db)) as s:  # the first one's lease runs out
        s.execute(update(OutboxMessage).where(OutboxMessage.claimed_by == first.name)
                  .values(claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert second._take() == taken  # the oldest rows first, its own wait
    second.release()
    assert first._take() == taken and second._take() == rest
    # Stopping, a relay gives back all but the chunk it was publishing: the broker may have
    # that one already, so it waits out its lease as if the relay had died.
    first._in_flight = [taken[0][0]]
    first.release()
    third = Relay(session_factory(ingest_db), lambda: make_producer(KafkaSettings()))
    assert third._take() == taken[1:]


def test_the_lease_must_outlast_a_publish() -> None:
    with pytest.raises(ValidationError, match="relay_lease_seconds"):
        IngestSettings(relay_lease_seconds=30, relay_send_timeout_seconds=30)
