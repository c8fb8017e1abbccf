"""The registry publisher against a real broker, and without one."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from fastapi.testclient import TestClient

from samstat_kit.broker import LocalBroker, free_port
from samstat_kit.db import migrate, session_factory, session_scope
from samstat_kit.kafka import Topics, ensure_topics, loads, make_consumer
from samstat_kit.settings import KafkaSettings
from services.initiatives.app import create_app
from services.initiatives.config import InitiativesSettings
from services.initiatives.publisher import RegistryPublisher
from services.initiatives.registry import service

from .helpers import bearer, tokens

Event = tuple[str, dict[str, Any]]


def _seeded_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    for package in ("samstat_kit.auth", "services.initiatives"):
        migrate(url, package)
    with session_scope(session_factory(url)) as s:
        service.seed(session=s, year=2024)
    return url


async def _wait_for(consumer: AIOKafkaConsumer, match: Callable[[Event], bool],
                    timeout: float = 20.0) -> Event:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=500)
        for records in batches.values():
            for r in records:
                event = ((r.key or b"").decode(), loads(r.value))
                if match(event):
                    return event
    raise AssertionError("the expected registry event did not arrive")


def _fye(version: int) -> Callable[[Event], bool]:
    def match(event: Event) -> bool:
        key, value = event
        return (key == "indicator:fye_share" and value["type"] == "indicator.upserted"
                and value["version"] == version)
    return match


async def test_snapshot_at_start_up_and_an_event_per_change(
        broker: LocalBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", prefix)
    url = _seeded_db(tmp_path)
    admin, _agency = tokens(url)
    kafka = KafkaSettings()
    topic = Topics(prefix).registry
    with TestClient(create_app(InitiativesSettings(database_url=url))) as client:
        await asyncio.to_thread(ensure_topics, kafka, [topic])
        consumer = make_consumer(kafka, topic, group_id=None)
        await consumer.start()
        try:
            _key, first = await _wait_for(consumer, _fye(1))
            assert first["plan_year"] == 2024
            assert first["indicator"]["rules"] == [{"kind": "yoy_rise", "tolerance": 0.005}]
            patched = await asyncio.to_thread(
                client.patch, "/v1/indicators/fye_share?year=2024",
                json={"rules": [{"kind": "yoy_rise", "tolerance": 0.01}]},
                headers=bearer(admin, **{"If-Match": "1"}))
            assert patched.status_code == 200, patched.text
            _key, second = await _wait_for(consumer, _fye(2))
            assert second["indicator"]["rules"] == [{"kind": "yoy_rise", "tolerance": 0.01}]
            gone = await asyncio.to_thread(
                client.delete, "/v1/indicators/i13_sdk_prerequisites?year=2024",
                headers=bearer(admin))
            assert gone.status_code == 204
            await _wait_for(consumer, lambda e: e == (
                "indicator:i13_sdk_prerequisites",
                {"type": "indicator.deleted", "plan_year": 2024, "id": "i13_sdk_prerequisites"}))
        finally:
            await consumer.stop()


async def test_kafka_down_keeps_the_api_up_and_the_publisher_retries(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()  # nothing listens here yet
    prefix = f"t{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("SAMSTAT_KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{port}")
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", prefix)
    url = _seeded_db(tmp_path)
    admin, agency = tokens(url)
    app = create_app(InitiativesSettings(database_url=url, registry_retry_max_seconds=0.5))
    publisher: RegistryPublisher = app.state.publisher

    async def call(method: str, path: str, **kw: Any) -> Any:
        return await asyncio.to_thread(getattr(client, method), path, **kw)

    with TestClient(app) as client:
        patched = await call("patch", "/v1/indicators/fye_share?year=2024",
                             json={"title_en": "FYE share, 20–64"},
                             headers=bearer(admin, **{"If-Match": "1"}))
        assert patched.status_code == 200
        assert (await call("get", "/v1/initiatives", headers=bearer(agency))).status_code == 200
        deadline = time.monotonic() + 10
        while publisher.last_error is None:
            assert time.monotonic() < deadline, "the publisher never noticed the broker is away"
            await asyncio.sleep(0.1)
        health = (await call("get", "/healthz")).json()
        assert health["status"] == "ok"  # the publisher is informational, not readiness
        assert health["checks"]["registry"].startswith("registry publisher:")

        # A broker comes up on that address: the running publisher gets the registry out.
        late = LocalBroker(port=port)
        await asyncio.to_thread(late.start)
        try:
            consumer = make_consumer(KafkaSettings(), Topics(prefix).registry, group_id=None)
            deadline = time.monotonic() + 20
            while publisher.last_snapshot_at is None:
                assert time.monotonic() < deadline, publisher.last_error
                await asyncio.sleep(0.2)
            await consumer.start()
            try:
                _key, event = await _wait_for(consumer, _fye(2))
                assert event["indicator"]["title_en"] == "FYE share, 20–64"
            finally:
                await consumer.stop()
        finally:
            await asyncio.to_thread(late.stop)
