"""Agencies that speak Kafka: raw topic → ingest (same checks as HTTP) → validated/dead-letter.

The records are produced with librdkafka (confluent-kafka), a non-Python-native client, as an
agency's own integration would.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka import ConsumerRecord
from confluent_kafka import Producer
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from samstat_kit.broker import LocalBroker
from samstat_kit.db import session_factory, session_scope
from samstat_kit.kafka import Topics, ensure_topics, make_consumer
from samstat_kit.settings import KafkaSettings
from services.ingest import kafka_ingest
from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from services.ingest.kafka_ingest import REDACTED, DeadLetter, KafkaIngest
from services.ingest.observations.models import IngestBatch, IngestObservation
from tests.ingest.conftest import obs

PNR = "19121212-1212"
PNR_TRACES = ("1212121212", "121212-1212")  # the number in any common spelling


def _leaks(data: bytes | str | None) -> bool:
    if data is None:
        return False
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    return any(t in text for t in PNR_TRACES)


@pytest.fixture
def prefix(monkeypatch: pytest.MonkeyPatch) -> str:
    p = "k" + uuid.uuid4().hex[:8]
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", p)
    monkeypatch.setenv("SAMSTAT_KAFKA_REBALANCE_TIMEOUT_MS", "3000")
    monkeypatch.setenv("SAMSTAT_KAFKA_SESSION_TIMEOUT_MS", "6000")
    return p


def _produce(kafka: KafkaSettings, topic: str, messages: list[tuple[bytes | None, bytes]]
             ) -> None:
    """Produce with librdkafka, all to partition 0 (so one poll sees them in order)."""
    producer = Producer({"bootstrap.servers": kafka.bootstrap_servers, "acks": "all",
                         "enable.idempotence": False, "linger.ms": 5})
    errors: list[Any] = []

    def delivered(err: Any, _msg: Any) -> None:
        if err is not None:
            errors.append(err)

    for key, value in messages:
        producer.produce(topic, value=value, key=key, partition=0, on_delivery=delivered)
    assert producer.flush(20) == 0
    assert not errors


def _j(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


async def _consume(kafka: KafkaSettings, topic: str, done: Callable[[list[ConsumerRecord]], bool],
                   timeout: float = 30, settle: float = 1.0) -> list[ConsumerRecord]:
    """Read ``topic`` from the start until ``done``, then ``settle`` seconds more for extras."""
    consumer = make_consumer(kafka, topic, group_id=None)
    await consumer.start()
    got: list[ConsumerRecord] = []
    try:
        deadline = time.monotonic() + timeout
        while not done(got) and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                got += records
        extra = time.monotonic() + settle
        while time.monotonic() < extra:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                got += records
    finally:
        await consumer.stop()
    return got


def _wait(fn: Callable[[], Any], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := fn():
            return value
        time.sleep(0.2)
    raise TimeoutError("condition not met")


def _count_event(url: str, event_id: str) -> int:
    with session_scope(session_factory(url)) as s:
        return int(s.scalar(select(func.count()).select_from(IngestObservation)
                            .where(IngestObservation.event_id == event_id)) or 0)


@pytest.mark.integration
def test_kafka_agency_end_to_end(broker: LocalBroker, ingest_db: str, prefix: str,
                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    settings = IngestSettings(database_url=ingest_db, relay_max_backoff_seconds=0.5)
    kafka = settings.kafka
    topics = Topics(prefix)
    fk_topic, af_topic = topics.raw("forsakringskassan"), topics.raw("arbetsformedlingen")
    ensure_topics(kafka, [fk_topic, af_topic, topics.deadletter, topics.validated])

    good = [obs(), obs(area="2460"), obs(period="2023-11"), obs(period="2023-12", revision=2)]
    bad = {
        "stale": obs(period="2023-12", revision=1),
        "catalogue": obs(measure="no_such_measure"),
        "forbidden": obs(dimensions={"benefit": "unemployment", "sex": "K"}),
        "other_agency": obs(agency="scb"),
    }
    fk_messages: list[tuple[bytes | None, bytes]] = [(b"k", _j(o)) for o in good]
    fk_messages += [(None, _j(o)) for o in bad.values()]
    fk_messages.append((b"broken", b'{"event_id": "not json'))
    _produce(kafka, fk_topic, fk_messages)
    # Arbetsförmedlingen's batch holds a personal number (in a dimension and in the key).
    af_good = obs(agency="arbetsformedlingen", dimensions={"benefit": "unemployment", "sex": "M"})
    af_pnr = obs(agency="arbetsformedlingen", dimensions={"benefit": "unemployment", "sex": PNR})
    _produce(kafka, af_topic, [(b"af", _j(af_good)), (PNR.encode(), _j(af_pnr))])

    with TestClient(create_app(settings)):
        want = {o["event_id"] for o in good}

        def seen(recs: list[ConsumerRecord]) -> set[str]:
            return {o["event_id"] for r in recs for o in json.loads(r.value)["observations"]}

        validated = asyncio.run(_consume(kafka, topics.validated, lambda rs: seen(rs) >= want))
        dead = asyncio.run(_consume(kafka, topics.deadletter, lambda rs: len(rs) >= 7))

        # A duplicate event_id sent again later is stored once.
        _produce(kafka, fk_topic, [(b"k", _j(good[0]))])

        def dup_batch() -> bool:
            with session_scope(session_factory(ingest_db)) as s:
                return bool(s.scalar(select(func.count()).select_from(IngestBatch).where(
                    IngestBatch.channel == "kafka", IngestBatch.duplicates == 1)))

        _wait(dup_batch)

    # Only the good records reach the validated topic, each once.
    cells = [o["event_id"] for r in validated for o in json.loads(r.value)["observations"]]
    assert sorted(cells) == sorted(want)
    assert _count_event(ingest_db, good[0]["event_id"]) == 1
    with session_scope(session_factory(ingest_db)) as s:
        batches = s.scalars(select(IngestBatch)).all()
        assert {(b.channel, b.token_id, b.agency) for b in batches} == {
            ("kafka", "kafka", "forsakringskassan")}
        assert not s.scalar(select(func.count()).select_from(IngestObservation)
                            .where(IngestObservation.agency == "arbetsformedlingen"))

    # Everything else is on the dead-letter topic, with the reason in the headers.
    assert len(dead) == 7
    by_id: dict[str, dict[str, str]] = {}
    for r in dead:
        headers = {k: v.decode() for k, v in r.headers}
        assert {"samstat-reason", "samstat-field", "samstat-index", "samstat-agency",
                "samstat-source-topic", "samstat-source-offset"} <= headers.keys()
        try:
            by_id[json.loads(r.value).get("event_id", "redacted")] = headers
        except ValueError:
            by_id["broken"] = headers
    fk_h = {name: by_id[o["event_id"]] for name, o in bad.items()}
    assert fk_h["stale"]["samstat-field"] == "revision"
    assert "stale" in fk_h["stale"]["samstat-reason"]
    assert fk_h["catalogue"]["samstat-field"] == "measure"
    assert fk_h["forbidden"]["samstat-reason-code"] == "forbidden"
    assert fk_h["other_agency"]["samstat-reason-code"] == "forbidden"
    assert by_id["broken"]["samstat-reason-code"] == "malformed"
    assert by_id["broken"]["samstat-source-topic"] == fk_topic
    assert by_id["broken"]["samstat-source-offset"] == str(len(fk_messages) - 1)
    assert all(h["samstat-agency"] == "forsakringskassan" for h in fk_h.values())
    # The personal-number batch: nothing stored, the number redacted and nowhere to be seen.
    assert by_id[af_good["event_id"]]["samstat-reason-code"] == "personal_number_in_batch"
    assert by_id["redacted"]["samstat-reason-code"] == "personal_number"
    assert by_id["redacted"]["samstat-field"] == "dimensions.sex"
    for r in dead:
        assert not _leaks(r.value) and not _leaks(r.key)
        assert not any(_leaks(k) or _leaks(v) for k, v in r.headers)
    assert [r.value for r in dead if r.value == REDACTED] == [REDACTED]
    assert not _leaks(caplog.text) and "121212" not in caplog.text


def _record(topic: str, offset: int, value: bytes | None, key: bytes | None = None
            ) -> ConsumerRecord:
    return ConsumerRecord(topic=topic, partition=0, offset=offset, timestamp=0,
                          timestamp_type=0, key=key, value=value, checksum=None,
                          serialized_key_size=0, serialized_value_size=0, headers=())



def test_handler_splits_each_agency_batch(handler: tuple[KafkaIngest, list[DeadLetter]],
                                          ingest_db: str) -> None:
    ingest, sent = handler
    fk, kommun = "unit.observations.raw.forsakringskassan", "unit.observations.raw.kommun-2480"
    a, b = obs(), obs(revision=2, value=5.0)
    own = obs(agency="kommun-2480", dimensions={"benefit": "economic_assistance", "sex": "K"})
    foreign = obs(agency="kommun-2480", area="2460",
                  dimensions={"benefit": "economic_assistance", "sex": "K"})
    ingest.handle([_record(fk, 0, _j(a)), _record(kommun, 0, _j(own)),
                   _record(fk, 1, _j(b)), _record(kommun, 1, _j(foreign)),
                   _record(fk, 2, _j(obs(revision=1))), _record(fk, 3, None)])
    assert _count_event(ingest_db, a["event_id"]) == 1
    assert _count_event(ingest_db, b["event_id"]) == 1
    assert _count_event(ingest_db, own["event_id"]) == 1
    assert _count_event(ingest_db, foreign["event_id"]) == 0
    got = {(d.agency, d.index, d.code, d.field) for d in sent}
    assert got == {("kommun-2480", 1, "forbidden", "area"),
                   ("forsakringskassan", 2, "rejected", "revision"),
                   ("forsakringskassan", 3, "malformed", "")}
    # Replaying the same batch (a crash before the offset commit) stores nothing new.
    sent.clear()
    ingest.handle([_record(fk, 0, _j(a)), _record(fk, 1, _j(b))])
    assert _count_event(ingest_db, a["event_id"]) == 1 and not sent


def test_a_personal_number_taints_only_its_agencys_batch(
        handler: tuple[KafkaIngest, list[DeadLetter]], ingest_db: str) -> None:
    ingest, sent = handler
    fk, af = "unit.observations.raw.forsakringskassan", "unit.observations.raw.arbetsformedlingen"
    fine = obs()
    af_fine = obs(agency="arbetsformedlingen", dimensions={"benefit": "unemployment", "sex": "M"})
    raw_pnr = f'{{"note": "{PNR}", broken'.encode()
    as_int = obs(agency="arbetsformedlingen", revision=191212121212)
    ingest.handle([_record(fk, 0, _j(fine)), _record(af, 0, _j(af_fine)),
                   _record(af, 1, raw_pnr), _record(af, 2, _j(as_int))])
    assert _count_event(ingest_db, fine["event_id"]) == 1
    assert _count_event(ingest_db, af_fine["event_id"]) == 0
    codes = {(d.index, d.code, d.field) for d in sent}
    assert codes == {(0, "personal_number_in_batch", ""), (1, "personal_number", "<raw value>"),
                     (2, "personal_number", "revision")}
    for d in sent:
        assert not _leaks(d.value) and not _leaks(d.key)
        assert not any(_leaks(v) for _, v in d.headers())


def test_disabled_setting_starts_nothing(ingest_db: str) -> None:
    settings = IngestSettings(database_url=ingest_db, kafka_ingest_enabled=False)
    assert kafka_ingest.start(settings, session_factory(ingest_db)) is None


def test_the_kafka_path_applies_the_same_gate(
        handler: tuple[KafkaIngest, list[DeadLetter]], ingest_db: str) -> None:
    """Event ids holding a number (only that record, redacted), numbers as floats and in
    UUID-shaped strings, deep JSON: the same rules as HTTP, nothing of a number sent on."""
    ingest, sent = handler
    fk = "unit.observations.raw.forsakringskassan"
    good, unlucky = obs(), obs(event_id="19121212-1212-4000-8000-000000000000")
    deep = b'{"x": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    ingest.handle([_record(fk, 0, _j(good)), _record(fk, 1, _j(unlucky)),
                   _record(fk, 2, deep)])
    assert _count_event(ingest_db, good["event_id"]) == 1
    got = {(d.index, d.code, d.field) for d in sent}
    assert got == {(1, "event_id", "event_id"), (2, "malformed", "")}
    assert not any(_leaks(d.value) or _leaks(d.key) for d in sent)
    for hiding in (obs(value=191212121212.0), obs(unit="19121212-1212-4000-8000-000000000000")):
        sent.clear()
        fine = obs()
        ingest.handle([_record(fk, 10, _j(fine)), _record(fk, 11, _j(hiding))])
        assert _count_event(ingest_db, fine["event_id"]) == 0  # the polled batch is tainted
        assert {(d.index, d.code) for d in sent} == {(0, "personal_number_in_batch"),
                                                     (1, "personal_number")}
        assert not any(_leaks(d.value) or _leaks(d.key) for d in sent)
