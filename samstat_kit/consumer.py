"""A consumer loop with exactly-once *effect*: handle a polled batch in one database
transaction, and commit the Kafka offsets only after that transaction committed.

A crash between the two replays the batch, so handlers must be idempotent (they are: every
event carries a value, not an increment).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from aiokafka import ConsumerRecord
from prometheus_client import Counter, Histogram

from samstat_kit.kafka import ensure_topics_async, make_consumer
from samstat_kit.metrics import zeros
from samstat_kit.settings import KafkaSettings
from samstat_kit.tasks import raise_if_cancelling

log = logging.getLogger(__name__)

CONSUMED = Counter("samstat_consumer_records_total", "Records handled by consumer loops",
                   ["group"])
ERRORS = Counter("samstat_consumer_errors_total", "Failed batches (retried)", ["group"])
BATCH_SECONDS = Histogram("samstat_consumer_batch_seconds", "Time to handle one polled batch",
                          ["group"])

Handler = Callable[[Sequence[ConsumerRecord]], None]


class BatchConsumer:
    """Runs ``handler`` (synchronous, in a worker thread) on each polled batch.

    With a ``group_id`` the offsets are committed after each handled batch. Without one
    (``None``) nothing is committed and every restart (a fresh consumer, "earliest") reads the
    topics from the beginning again, for readers that rebuild their state from a compacted
    topic; ``name`` then labels the metrics and logs (it defaults to the group).
    """

    def __init__(self, settings: KafkaSettings, topics: Sequence[str], group_id: str | None,
                 handler: Handler, *, max_records: int = 500, max_backoff: float = 5.0,
                 name: str | None = None) -> None:
        self.settings = settings
        self.topics = list(topics)
        self.group_id = group_id
        self.name = name or group_id or ",".join(self.topics)
        self.handler = handler
        self.max_records = max_records
        self.max_backoff = max_backoff
        self.last_error: str | None = None
        self.running = False
        zeros(CONSUMED, [self.name])
        zeros(ERRORS, [self.name])

    async def run(self) -> None:
        backoff = 0.2
        while True:
            consumer = make_consumer(self.settings, *self.topics, group_id=self.group_id)
            try:
                # Made here, with the exchange's partition count, rather than auto-created.
                await ensure_topics_async(self.settings, self.topics)
                await consumer.start()
                self.running = True
                while True:
                    raise_if_cancelling()  # see samstat_kit.tasks
                    batches = await consumer.getmany(timeout_ms=500,
                                                     max_records=self.max_records)
                    records = [r for rs in batches.values() for r in rs]
                    if not records:
                        continue
                    with BATCH_SECONDS.labels(self.name).time():
                        await asyncio.to_thread(self.handler, records)
                    if self.group_id is not None:
                        await consumer.commit()
                    CONSUMED.labels(self.name).inc(len(records))
                    self.last_error = None
                    backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The batch was not committed: it will be polled again after the restart.
                ERRORS.labels(self.name).inc()
                self.last_error = f"{exc.__class__.__name__}: {exc}"
                log.warning("consumer %s: %s; restarting in %.1fs", self.name,
                            self.last_error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
            finally:
                self.running = False
                await consumer.stop()
