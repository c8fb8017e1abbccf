"""Kafka consumers of notify: indicator values (consumer group) and the registry (no group).

Indicator values: group ``samstat-notify``; each polled batch is handled in ONE database
transaction and the offsets are committed only after it committed (``samstat_kit.consumer``).
A crash in between replays the batch, which the idempotent lifecycle absorbs: at-least-once
delivery, exactly-once effect, no Kafka transactions.

Registry: read from the beginning without a group and without committing offsets, as the
contract asks; the latest event per indicator wins, and re-reading it is a no-op.

Both handlers run in worker threads and share one lock, so a definition change and a batch of
values are never evaluated against each other half-way within this process.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from aiokafka import ConsumerRecord
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from samstat_kit.consumer import BatchConsumer
from samstat_kit.db import session_scope
from samstat_kit.kafka import Topics
from samstat_kit.metrics import zeros
from samstat_kit.settings import KafkaSettings
from services.notify.alerts import definitions, quality, service
from services.notify.alerts.definitions import DefinitionCache, IndicatorDefinition
from services.notify.alerts.models import Alert
from services.notify.events import (
    IndicatorDeleted,
    IndicatorUpserted,
    parse_indicator_value,
    parse_registry_event,
)
from services.notify.rows import write_lock

log = logging.getLogger(__name__)

GROUP = "samstat-notify"

EVENTS = Counter("notify_events_total", "Consumed events by topic kind and outcome",
                 ["topic", "outcome"])
zeros(EVENTS, ("indicator_values", "data_quality", "registry"), ("processed", "invalid"))


class Processor:
    """What the consumers do with a batch; usable without Kafka (tests, replays)."""

    def __init__(self, factory: sessionmaker[Session], cache: DefinitionCache,
                 on_change: Callable[[], None] | None = None) -> None:
        self.factory = factory
        self.cache = cache
        self.on_change = on_change or (lambda: None)
        self.lock = threading.Lock()

    def indicator_values(self, records: Sequence[ConsumerRecord]) -> None:
        events = []
        for r in records:
            try:
                events.append(parse_indicator_value(json.loads(r.value)))
            except (ValueError, TypeError, ValidationError) as exc:
                # A malformed event cannot become valid by retrying: skip it, loudly.
                EVENTS.labels("indicator_values", "invalid").inc()
                log.warning("skipping invalid indicator value at %s/%s@%s: %s", r.topic,
                            r.partition, r.offset, str(exc).splitlines()[0])
        if not events:
            return
        with self.lock, session_scope(self.factory) as session:
            write_lock(session, Alert)  # SQLite: decide on what no other writer changes
            now = datetime.now(UTC)
            changed = 0
            prefetched = service.prefetch(session=session, events=events, now=now)
            for event in events:
                changed += len(service.handle_indicator_value(
                    session=session, event=event, now=now, cache=self.cache,
                    prefetched=prefetched))
        EVENTS.labels("indicator_values", "processed").inc(len(events))
        if changed:
            self.on_change()

    def data_quality(self, records: Sequence[ConsumerRecord]) -> None:
        docs = []
        for r in records:
            try:
                doc = json.loads(r.value)
                if doc.get("kind") == "total_mismatch" and doc["status"] in ("ok", "mismatch"):
                    quality.finding_id(doc)  # one that can name no alert fails here, alone
                    docs.append(doc)
            except (ValueError, TypeError, KeyError, AttributeError):
                EVENTS.labels("data_quality", "invalid").inc()
                log.warning("skipping invalid data-quality event at %s/%s@%s", r.topic,
                            r.partition, r.offset)
        if not docs:
            return
        with self.lock, session_scope(self.factory) as session:
            write_lock(session, Alert)
            now = datetime.now(UTC)
            changed = [quality.handle_data_quality(session=session, doc=d, now=now)
                       for d in docs]
        EVENTS.labels("data_quality", "processed").inc(len(docs))
        if any(changed):
            self.on_change()

    def registry(self, records: Sequence[ConsumerRecord]) -> None:
        events = []
        for r in records:
            if r.value is None:
                continue
            try:
                event = parse_registry_event(json.loads(r.value))
            except (ValueError, TypeError, ValidationError) as exc:
                EVENTS.labels("registry", "invalid").inc()
                log.warning("skipping invalid registry event at %s/%s@%s: %s", r.topic,
                            r.partition, r.offset, str(exc).splitlines()[0])
                continue
            if event is not None:
                events.append(event)
        if not events:
            return
        changes: list[tuple[str, IndicatorDefinition | None]] = []
        with self.lock:
            with session_scope(self.factory) as session:
                now = datetime.now(UTC)
                for event in events:
                    change = service.handle_registry_event(session=session, event=event,
                                                           now=now)
                    if change is not None:
                        changes.append(change)
                # Every replica reads these events into the one database, and for all but
                # the first the database is up to date already (no change): the cache is
                # set from what is stored, whichever replica stored it, or this one would
                # keep evaluating with a replaced or deleted definition until a restart.
                stored = definitions.stored_definitions(
                    session=session, indicators=[registry_id(e) for e in events])
            # Only now that the transaction committed may the cache show the change.
            for indicator, definition in stored.items():
                if definition is None:
                    self.cache.drop(indicator)
                else:
                    self.cache.put(definition)
        EVENTS.labels("registry", "processed").inc(len(events))
        if changes:
            self.on_change()


def registry_id(event: IndicatorUpserted | IndicatorDeleted) -> str:
    """The indicator a registry event is about."""
    return event.id if isinstance(event, IndicatorDeleted) else event.indicator.id


def value_consumer(settings: KafkaSettings, processor: Processor, *, max_records: int = 500,
                   max_backoff: float = 10.0) -> BatchConsumer:
    """Indicator values and data-quality findings, in one group, one transaction a batch."""
    topics = Topics(settings.topic_prefix)

    def handle(records: Sequence[ConsumerRecord]) -> None:
        processor.indicator_values([r for r in records if r.topic == topics.indicator_values])
        processor.data_quality([r for r in records if r.topic == topics.data_quality])

    return BatchConsumer(settings, [topics.indicator_values, topics.data_quality], GROUP,
                         handle, max_records=max_records, max_backoff=max_backoff)


def registry_reader(settings: KafkaSettings, processor: Processor, *, max_records: int = 500,
                    max_backoff: float = 10.0) -> BatchConsumer:
    """The registry topic from the beginning, without a consumer group: after an error a
    fresh consumer re-reads everything, and re-reading is harmless."""
    return BatchConsumer(settings, [Topics(settings.topic_prefix).registry], None,
                         processor.registry, max_records=max_records, max_backoff=max_backoff,
                         name=f"{GROUP}-registry")
