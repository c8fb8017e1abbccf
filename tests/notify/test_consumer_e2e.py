"""End to end through the real broker: registry and indicator-value events produced with
aiokafka, the alert seen over HTTP, the webhook delivered once, and a restart that resumes
from the committed offsets without sending anything twice."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from samstat_kit.broker import LocalBroker
from samstat_kit.kafka import Topics, dumps, make_producer
from samstat_kit.settings import KafkaSettings
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.delivery.messages import signature

from .factory import indicator_id, registry_doc, tokens, value_doc, wait_for
from .receivers import webhook_receiver

ASSOC = "samordningsforbundet"
SECRET = "e2e-secret-" + "y" * 16


@pytest.fixture
def kafka(broker: LocalBroker, monkeypatch: pytest.MonkeyPatch) -> KafkaSettings:
    # Topics of their own, so nothing another test produced is read here.
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", f"t{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("SAMSTAT_KAFKA_REBALANCE_TIMEOUT_MS", "3000")
    monkeypatch.setenv("SAMSTAT_KAFKA_SESSION_TIMEOUT_MS", "4000")
    return KafkaSettings()


@pytest.fixture
def receiver() -> Iterator:
    with webhook_receiver() as r:
        yield r


def produce(kafka: KafkaSettings, messages: list[tuple[str, str, object]]) -> None:
    async def send() -> None:
        producer = make_producer(kafka)
        await producer.start()
        try:
            for topic, key, value in messages:
                raw = value if isinstance(value, bytes) else dumps(value)
                await producer.send_and_wait(topic, raw, key=key.encode())
        finally:
            await producer.stop()

    asyncio.run(send())


def alerts(client: TestClient, headers: dict, ind: str) -> list[dict]:
    return client.get("/v1/alerts", params={"convener": ASSOC, "indicator": ind},
                      headers=headers).json()


def test_consumer_end_to_end_and_restart(sqlite_url: str, kafka: KafkaSettings,
                                         receiver) -> None:
    topics = Topics(kafka.topic_prefix)
    auth = tokens(sqlite_url, ASSOC)
    ind = indicator_id("e2e")
    settings = NotifySettings(database_url=sqlite_url, dispatch_idle_seconds=0.05,
                              delivery_backoff_seconds=0.1, sweep_interval_seconds=3600,
                              group_wait_seconds=0, group_interval_seconds=0,
                              digest_enabled=False)
    umea = value_doc(ind, "2023", 13.9, 13.1)
    with TestClient(create_app(settings)) as client:
        assert client.post("/v1/subscriptions", headers=auth[ASSOC], json={
            "convener": ASSOC, "channel": "webhook", "target": receiver.url("/e2e"),
            "secret": SECRET}).status_code == 201
        produce(kafka, [
            (topics.indicator_values, f"{ind}|2480", umea),
            (topics.indicator_values, f"{ind}|2480", b"{broken"),
            (topics.registry, f"indicator:{ind}", registry_doc(
                ind, [{"kind": "yoy_rise", "tolerance": 0.5}], convener=ASSOC,
                initiative=None)),
        ])
        [alert] = wait_for(lambda: alerts(client, auth[ASSOC], ind), timeout=30)
        assert (alert["area"], alert["value"], alert["expected"], alert["status"]) == (
            "2480", 13.9, 13.1, "firing")
        wait_for(lambda: receiver.on("/e2e"), timeout=15)
        health = client.get("/healthz").json()
        assert health["checks"]["indicator_values"] == "ok"

    [hit] = receiver.on("/e2e")
    assert hit.headers["X-Samstat-Signature"] == signature(SECRET, hit.body)
    assert json.loads(hit.body)["alert"]["id"] == alert["id"]

    # While notify is down: the same event again (a producer retry) and a new one.
    vannas = value_doc(ind, "2023", 9.0, 7.0, area="2460")
    produce(kafka, [(topics.indicator_values, f"{ind}|2480", umea),
                    (topics.indicator_values, f"{ind}|2460", vannas)])
    with TestClient(create_app(settings)) as client:
        wait_for(lambda: len(alerts(client, auth[ASSOC], ind)) == 2, timeout=30)
        wait_for(lambda: len(receiver.on("/e2e")) >= 2, timeout=15)
        time.sleep(0.5)
    sent = [json.loads(h.body)["alert"] for h in receiver.on("/e2e")]
    assert sorted(a["area"] for a in sent) == ["2460", "2480"]
