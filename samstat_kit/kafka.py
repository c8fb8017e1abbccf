"""Kafka clients for the services: topic names, aiokafka producers/consumers, topic admin.

Only standard Kafka APIs are used, so the same code talks to the local Tansu broker and to a
production Apache Kafka cluster (SASL/TLS through :class:`KafkaSettings`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

# Names and options without a Kafka client library live in kafka_names (the agencies'
# client uses them too); re-exported here for the services.
from samstat_kit.kafka_names import Topics as Topics
from samstat_kit.kafka_names import _connection
from samstat_kit.kafka_names import admin_options as admin_options
from samstat_kit.kafka_names import dumps as dumps
from samstat_kit.settings import KafkaSettings

log = logging.getLogger(__name__)


def client_options(settings: KafkaSettings) -> dict[str, Any]:
    """Connection options in aiokafka's vocabulary."""
    opts = _connection(settings)
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        opts["ssl_context"] = ssl.create_default_context(
            cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None
        )
    return opts


def loads(raw: bytes | None) -> Any:
    return None if raw is None else json.loads(raw)


def make_producer(settings: KafkaSettings, **overrides: Any) -> AIOKafkaProducer:
    opts = client_options(settings) | {
        "acks": "all",
        "linger_ms": 5,
        "enable_idempotence": False,  # Tansu does not implement idempotent producers faithfully
        "request_timeout_ms": 10000,
    }
    return AIOKafkaProducer(**(opts | overrides))


def make_consumer(
    settings: KafkaSettings, *topics: str, group_id: str | None, **overrides: Any
) -> AIOKafkaConsumer:
    opts = client_options(settings) | {
        "group_id": group_id,
        "auto_offset_reset": "earliest",
        "enable_auto_commit": False,
        "rebalance_timeout_ms": settings.rebalance_timeout_ms,
        "session_timeout_ms": settings.session_timeout_ms,
        "heartbeat_interval_ms": max(1000, settings.session_timeout_ms // 4),
    }
    return AIOKafkaConsumer(*topics, **(opts | overrides))


async def reachable(settings: KafkaSettings, timeout_s: float = 1.0) -> bool:
    """A cheap, cancellable check that some bootstrap server accepts connections.

    Used before the blocking kafka-python admin calls, which would otherwise hold a thread
    (and a clean shutdown) for their whole timeout while the broker is away.
    """
    for server in settings.bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host.strip("[]"), int(port)), timeout_s)
        except (OSError, TimeoutError, ValueError):
            continue
        writer.close()
        return True
    return False


def ensure_topics(
    settings: KafkaSettings, names: list[str], *, timeout_s: float = 30.0
) -> None:
    """Create the topics that do not exist yet (idempotent; waits for the broker)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(
                **admin_options(settings), client_id="samstat-admin",
                bootstrap_timeout_ms=max(500, int((deadline - time.monotonic()) * 1000)),
            )
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        missing = [n for n in names if n not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [NewTopic(n, settings.partitions, settings.replication_factor) for n in missing]
                )
            log.info("created topics %s", missing)
    finally:
        admin.close()


async def ensure_topics_async(settings: KafkaSettings, names: list[str],
                              *, timeout_s: float = 5.0) -> None:
    """:func:`ensure_topics` for async callers: fails fast (ConnectionError) when no broker
    answers, instead of blocking a thread that shutdown would then wait for."""
    if not await reachable(settings):
        raise ConnectionError(f"no broker at {settings.bootstrap_servers}")
    await asyncio.to_thread(ensure_topics, settings, names, timeout_s=timeout_s)
