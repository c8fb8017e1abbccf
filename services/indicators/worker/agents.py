"""Thin faust agents: decode, hand to the pure processors, publish what they return.

* ``observations`` reads the validated topic (keyed by area): FYE and registry formulas for
  the area, and cells forwarded to aggregate areas (region, county, nation).
* ``internal`` reads the worker's own topic (also keyed by area): forwarded cells, and
  requests to recompute an indicator or to forward existing cells after a definition changed.
* ``registry`` (a task, in every worker) keeps all indicator definitions from the registry.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import faust
import orjson
from prometheus_client import Counter

from samstat_kit.contracts import load_catalogue
from samstat_kit.kafka import Topics, make_consumer
from samstat_kit.settings import KafkaSettings
from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.domain.formulas.evaluate import measures_of
from services.indicators.domain.formulas.processor import Event, FormulaProcessor, Forward
from services.indicators.domain.fye.indicator import population_for
from services.indicators.domain.fye.processor import FyeProcessor, state_key
from services.indicators.domain.values import Emitter
from services.indicators.staging import Grouped, Staged
from services.indicators.worker import faust_compat

log = logging.getLogger(__name__)

OBSERVATIONS = Counter("indicators_observations_total", "Observations applied by the worker")
QUALITY = Counter("indicators_data_quality_events_total",
                  "Total-versus-parts findings published, by status", ["status"])
EMITTED = Counter("indicators_values_emitted_total", "Indicator-value events emitted",
                  ["indicator"])


# A buffer is handed over when it is full or this long after its first message.
BUFFER_MESSAGES = 20
BUFFER_SECONDS = 0.01


@dataclass
class Handled:
    """One message, processed: its output, and the memos to confirm once that is sent."""

    event: Any
    memos: dict[str, Any]
    events: list[Event]
    quality: list[Event]
    forwards: dict[str, list[dict[str, Any]]]
    applied: int = 0  # observations from the validated topic, counted once published


def register(app: faust.App, kafka: KafkaSettings) -> None:
    topics = Topics(kafka.topic_prefix)
    partitions = kafka.partitions
    raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw",
           "value_serializer": "raw", "partitions": partitions}
    source = app.topic(topics.validated, **raw)
    internal = app.topic(topics.indicators_internal, **raw)
    # Grouped by area and year (staging.Grouped); new names, because the old tables held an
    # entry per period.
    days = app.Table("fye-days-by-year", partitions=partitions)
    population = app.Table("fye-population", partitions=partitions)
    emitted = Staged(app.Table("indicator-said", partitions=partitions))
    cells = app.Table("cells", partitions=partitions)
    periods = app.Table("cell-periods", partitions=partitions)
    definitions = Definitions(load_catalogue())

    def population_of(area: str, year: int) -> float | None:
        return population_for(area, year,
                              lambda a, p: s_population.get(state_key(a, p.code)))[0]

    official = app.Table("fye-official", partitions=partitions)
    # Staged: each message writes a state entry once, however many cells it set.
    staged = [Staged(t) for t in (days, population, official, cells, periods)]
    s_days, s_population, s_official, s_cells, s_periods = staged
    emitter = Emitter(Grouped(emitted))
    fye = FyeProcessor(Grouped(s_days), s_population, emitter, s_official)
    formulas = FormulaProcessor(s_cells, s_periods, emitter, definitions, population_of)

    def settle(event: Any, events: list[Event], forwards: list[Forward],
               applied: int = 0) -> Handled:
        """Write the message's state (to its partition's changelogs) and note its output."""
        for table in staged:
            table.flush()
        by_aggregate: dict[str, list[dict[str, Any]]] = {}
        for aggregate, obs in forwards:  # one message per aggregate area, not per cell
            by_aggregate.setdefault(aggregate, []).append(obs)
        quality = formulas.take_quality_events() + fye.take_quality_events()
        return Handled(event, emitter.take(), events, quality,
                       by_aggregate, applied)

    async def publish(handled: list[Handled]) -> None:
        """Send the output of a buffer of messages, wait for the broker's acknowledgements,
        and only then remember what was said (see services/indicators/domain/values.py for why)."""
        acks = []
        send = faust_compat.raw_sender(app)
        try:
            for h in handled:
                for key, value in h.events:
                    acks.append(await send(topics.indicator_values, key.encode(),
                                           orjson.dumps(value)))
                    EMITTED.labels(value["indicator"]).inc()
                for key, value in h.quality:
                    acks.append(await send(topics.data_quality, key.encode(),
                                           orjson.dumps(value)))
                    QUALITY.labels(value["status"]).inc()
                for aggregate, cells in h.forwards.items():
                    acks.append(await send(topics.indicators_internal, aggregate.encode(),
                                           orjson.dumps({"type": "cells", "observations": cells})))
            await asyncio.gather(*acks)
        except BaseException:
            emitter.discard()
            raise
        for h in handled:
            with faust_compat.as_current(h.event):
                emitter.confirm(h.memos)
                emitted.flush()

    def handle_observations(group: list[Any]) -> Handled:
        """The messages of one partition in a buffer, as one batch (in their order): each
        touched period is recomputed once, however many messages touched it. Observations are
        cell values, so this gives the values that handling them one by one would end with."""
        batch = [o for event in group
                 for o in orjson.loads(event.value).get("observations", [])]
        events, forwards = formulas.apply_observations(batch)
        return settle(group[-1], fye.apply_observations(batch) + events, forwards, len(batch))

    def handle_internal(event: Any) -> Handled:
        doc = json.loads(event.value)
        area = event.key.decode()
        kind = doc.get("type")
        if kind == "cells":
            return settle(event, *formulas.apply_observations(doc["observations"]))
        if kind == "recompute" and doc["indicator"] in definitions.by_id:
            return settle(event, formulas.recompute(definitions.by_id[doc["indicator"]], area),
                          [])
        if kind == "forward":
            return settle(event, [], formulas.forward_existing(area, doc["measure"],
                                                                doc["aggregate"]))
        return settle(event, [], [])

    async def run(stream: Any, handle: Callable[[list[Any]], Handled], *,
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
                with faust_compat.as_current(group[-1]):  # one partition: its changelog partition
                    handled.append(handle(group))
            await publish(handled)
            OBSERVATIONS.inc(sum(h.applied for h in handled))

    @app.agent(source, name="observations")
    async def observations(stream: Any) -> None:
        await run(stream, handle_observations, by_partition=True)

    @app.agent(internal, name="internal")
    async def internal_agent(stream: Any) -> None:
        await run(stream, lambda group: handle_internal(group[0]), by_partition=False)

    @app.task
    async def registry() -> None:
        """Read every definition from the beginning; ask the owning partitions to recompute."""
        consumer = make_consumer(kafka, topics.registry, group_id=None)
        await consumer.start()
        try:
            async for record in consumer:
                changed = definitions.apply_event(json.loads(record.value))
                if changed is not None:
                    await _request_recompute(changed)
        finally:
            await consumer.stop()

    async def _request_recompute(definition: dict[str, Any]) -> None:
        cat = definitions.catalogue
        for area in definition.get("areas") or []:
            info = cat.areas.get(area)
            if info is not None and info.level != "municipality":
                for member in cat.municipalities_in(area):
                    for measure in measures_of(definition["formula"]):
                        await internal.send(key=member.encode(), value=json.dumps(
                            {"type": "forward", "measure": measure,
                             "aggregate": area}).encode())
            await internal.send(key=area.encode(), value=json.dumps(
                {"type": "recompute", "indicator": definition["id"]}).encode())

