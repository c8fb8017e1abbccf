"""Thin faust agents around the :class:`~services.indicators.pipeline.Pipeline`: decode,
hand to the pipeline inside the message's partition context, publish what it returns.

* ``observations`` reads the validated topic (keyed by area): FYE and registry formulas for
  the area, and cells forwarded to aggregate areas (region, county, nation).
* ``internal`` reads the worker's own topic (also keyed by area): forwarded cells, and
  requests to recompute an indicator or to forward existing cells after a definition changed.
* ``registry`` (a task, in every worker) keeps all indicator definitions from the registry.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from typing import Any

import faust
import orjson
from prometheus_client import Counter

from samstat_kit.contracts import load_catalogue
from samstat_kit.kafka import Topics, make_consumer
from samstat_kit.settings import KafkaSettings
from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.pipeline import Output, Pipeline
from services.indicators.worker import faust_compat

OBSERVATIONS = Counter("indicators_observations_total", "Observations applied by the worker")
QUALITY = Counter("indicators_data_quality_events_total",
                  "Total-versus-parts findings published, by status", ["status"])
EMITTED = Counter("indicators_values_emitted_total", "Indicator-value events emitted",
                  ["indicator"])


# A buffer is handed over when it is full or this long after its first message.
BUFFER_MESSAGES = 20
BUFFER_SECONDS = 0.01

Handled = tuple[Any, Output]  # (the last event of the group, what the pipeline returned)


def register(app: faust.App, kafka: KafkaSettings,
             table_options: Mapping[str, Any] | None = None) -> None:
    """The agents and the registry task; ``table_options`` go to every table's store."""
    topics = Topics(kafka.topic_prefix)
    changelog = faust_compat.ChangelogAcks()

    def table(name: str) -> Any:
        # A copy each: faust's RocksDB store pops keys from the options it is given.
        options = dict(table_options) if table_options else None
        return changelog.watch(app.Table(name, partitions=kafka.partitions, options=options))

    raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw",
                           "value_serializer": "raw", "partitions": kafka.partitions}
    source = app.topic(topics.validated, **raw)
    internal = app.topic(topics.indicators_internal, **raw)
    pipeline = Pipeline(table, Definitions(load_catalogue()))

    async def publish(handled: list[Handled]) -> None:
        """Send the output of a buffer of messages, wait for the broker's acknowledgements
        of it and of the state it wrote (faust_compat.ChangelogAcks: before faust may commit
        the messages' offsets), and only then remember what was said (domain/values.py)."""
        acks = []
        send = faust_compat.raw_sender(app)
        try:
            for _event, out in handled:
                for key, value in out.values:
                    acks.append(await send(topics.indicator_values, key.encode(),
                                           orjson.dumps(value)))
                    EMITTED.labels(value["indicator"]).inc()
                for key, value in out.quality:
                    acks.append(await send(topics.data_quality, key.encode(),
                                           orjson.dumps(value)))
                    QUALITY.labels(value["status"]).inc()
                for aggregate, cells in out.forwards.items():
                    acks.append(await send(topics.indicators_internal, aggregate.encode(),
                                           orjson.dumps({"type": "cells", "observations": cells})))
            await asyncio.gather(*acks, changelog.settled())
        except BaseException:
            pipeline.discard()
            raise
        for event, out in handled:
            with faust_compat.as_current(event):  # the memos' changelog partition
                pipeline.confirm(out)

    def handle_observations(group: list[Any]) -> Output:
        return pipeline.observations(orjson.loads(event.value) for event in group)

    def handle_internal(group: list[Any]) -> Output:
        [event] = group
        return pipeline.internal(event.key.decode(), json.loads(event.value))

    async def run(stream: Any, handle: Callable[[list[Any]], Output], *,
                  by_partition: bool) -> None:
        # Several messages per turn: the acknowledgements of their output are awaited once
        # per buffer instead of once per message, which is what small messages cost most.
        async for events in stream.take_events(BUFFER_MESSAGES, within=BUFFER_SECONDS):
            groups: list[list[Any]]
            if by_partition:
                parts: dict[int, list[Any]] = {}
                for event in events:
                    parts.setdefault(event.message.partition, []).append(event)
                groups = list(parts.values())
            else:
                groups = [[event] for event in events]
            handled = []
            for group in groups:
                with faust_compat.as_current(group[-1]):  # one partition: its changelog
                    handled.append((group[-1], handle(group)))
            await publish(handled)
            OBSERVATIONS.inc(sum(out.applied for _event, out in handled))

    @app.agent(source, name="observations")
    async def observations(stream: Any) -> None:
        await run(stream, handle_observations, by_partition=True)

    @app.agent(internal, name="internal")
    async def internal_agent(stream: Any) -> None:
        await run(stream, handle_internal, by_partition=False)

    @app.task
    async def registry() -> None:
        """Read every definition from the beginning; ask the owning partitions to recompute."""
        consumer = make_consumer(kafka, topics.registry, group_id=None)
        await consumer.start()
        try:
            async for record in consumer:
                for area, doc in pipeline.definition(json.loads(record.value)):
                    if not await faust_compat.send_unless_stopping(
                            app, internal, area.encode(), json.dumps(doc).encode()):
                        return  # stopping: read again from the beginning at the next start
        finally:
            await consumer.stop()
