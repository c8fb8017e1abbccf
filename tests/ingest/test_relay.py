"""The outbox relay against the real broker: nothing acknowledged is lost."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner
from fastapi.testclient import TestClient

from samstat_kit.broker import LocalBroker, free_port
from samstat_kit.kafka import Topics, make_consumer
from samstat_kit.settings import KafkaSettings
from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from services.ingest.observations.wire import encode_message
from services.ingest.relay import pack
from tests.ingest.conftest import obs

pytestmark = pytest.mark.integration


async def _consume(kafka: KafkaSettings, topic: str, observations: int, timeout: float = 30
                   ) -> tuple[list[Any], list[int]]:
    """Messages as (key, partition, document) until they hold ``observations``, and the
    topic's partitions."""
    consumer = make_consumer(kafka, topic, group_id=None)
    await consumer.start()
    got: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        while sum(len(d["observations"]) for *_, d in got) < observations \
                and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                got += [(r.key, r.partition, json.loads(r.value)) for r in records]
        partitions = sorted(consumer.partitions_for_topic(topic) or [])
    finally:
        await consumer.stop()
    return got, partitions


def _post(client: TestClient, tok: str, records: list[Any]) -> Any:
    r = client.post("/v1/observations", json={"observations": records},
                    headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 202, r.text
    return r.json()


def test_relay_puts_every_area_on_its_own_partition(broker: LocalBroker, ingest_db: str,
                                                    token: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages may hold several areas, but each area lands on the partition its key gives
    (murmur2, as the producers of every Kafka client choose): its aggregates live there."""
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", "t" + uuid.uuid4().hex[:8])
    settings = IngestSettings(database_url=ingest_db)
    topics = Topics(settings.kafka.topic_prefix)
    fk = token("forsakringskassan")
    areas = ["2480", "2460", "2404", "2409", "2401", "2403"]
    with TestClient(create_app(settings)) as client:
        _post(client, fk, [obs(area=a) for a in areas] + [obs(period="2023-11")])
        messages, partitions = asyncio.run(_consume(settings.kafka, topics.validated, 7))
    assert len(partitions) > 1
    placed = {o["area"]: partition for _, partition, m in messages for o in m["observations"]}
    assert placed == {a: DefaultPartitioner()(a.encode(), partitions, partitions)
                      for a in areas}
    assert all(key.decode() == m["observations"][0]["area"] for key, _, m in messages)
    cells = [o["cell_key"] for *_, m in messages for o in m["observations"]]
    assert len(cells) == 7 and len(set(cells)) == 7


def test_broker_down_during_ingest_loses_nothing(ingest_db: str, token: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("SAMSTAT_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{port}")
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", "t" + uuid.uuid4().hex[:8])
    settings = IngestSettings(database_url=ingest_db, relay_max_backoff_seconds=0.5)
    topics = Topics(settings.kafka.topic_prefix)
    fk = token("forsakringskassan")
    late = LocalBroker(port=port)
    with TestClient(create_app(settings)) as client:
        sent = []
        for month in range(1, 13):  # the broker is not even there yet: 202 all the same
            records = [obs(period=f"2023-{month:02d}")]
            assert _post(client, fk, records)["accepted"] == 1
            sent += [r["event_id"] for r in records]
        health = client.get("/healthz").json()
        assert health["status"] == "ok"  # ingest stays ready while the broker is away
        assert "relay" in health["checks"]
        deadline = time.monotonic() + 5
        while "ingest_outbox_depth 12.0" not in client.get("/metrics").text:
            assert time.monotonic() < deadline, "outbox depth never reported"
            time.sleep(0.2)
        late.start()
        try:
            messages, _ = asyncio.run(_consume(settings.kafka, topics.validated, 12,
                                               timeout=40))
            deadline = time.monotonic() + 5
            while "ingest_outbox_depth 0.0" not in client.get("/metrics").text:
                assert time.monotonic() < deadline, "the outbox never drained"
                time.sleep(0.2)
        finally:
            late.stop()
    got = [o["event_id"] for *_, m in messages for o in m["observations"]]
    assert sorted(got) == sorted(sent)


def test_waiting_messages_of_a_partition_are_packed_in_order() -> None:
    def row(i: int, key: str, n: int) -> tuple[int, str, str, bytes]:
        docs = [{"event_id": f"{key}-{i}-{j}", "note": '"event_id":'} for j in range(n)]
        return i, "t", key, encode_message(f"b{i}", docs)

    partition = {"2480": 0, "2404": 0, "2460": 1}.__getitem__
    alone = [row(1, "2480", 2), row(2, "2460", 1)]
    assert pack(alone, 500, lambda t, k: partition(k)) == [
        ("t", "2480", 0, alone[0][3]), ("t", "2460", 1, alone[1][3])]  # idle: untouched

    rows = [row(1, "2480", 2), row(2, "2460", 1), row(3, "2404", 3), row(4, "2480", 4),
            (5, "t", "2480", b'{"type": "other"}'), row(6, "2480", 1)]
    out = [(k, p, json.loads(m)) for _, k, p, m in pack(rows, 6, lambda t, k: partition(k))]
    assert [(k, p, [o["event_id"] for o in d.get("observations", [])], d.get("batch_ids"))
            for k, p, d in out] == [
        ("2480", 0, ["2480-1-0", "2480-1-1", "2404-3-0", "2404-3-1", "2404-3-2"],
         ["b1", "b3"]),
        ("2460", 1, ["2460-2-0"], None),
        ("2480", 0, [f"2480-4-{j}" for j in range(4)], None),  # would pass the limit of 6
        ("2480", 0, [], None),  # another kind of message ends the packing, in place
        ("2480", 0, ["2480-6-0"], None),
    ]
