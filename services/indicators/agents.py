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
from typing import Any

import faust
from prometheus_client import Counter

from samstat_kit.contracts import load_catalogue
from samstat_kit.kafka import Topics, make_consumer
from samstat_kit.settings import KafkaSettings
from services.indicators.formulas.definitions import Definitions
from services.indicators.formulas.evaluate import measures_of
from services.indicators.formulas.processor import Event, FormulaProcessor, Forward
from services.indicators.fye.indicator import population_for
from services.indicators.fye.processor import FyeProcessor, state_key
from services.indicators.staging import Staged
from services.indicators.values import Emitter

log = logging.getLogger(__name__)

OBSERVATIONS = Counter("indicators_observations_total", "Observations applied by the worker")
QUALITY = Counter("indicators_data_quality_events_total",
                  "Total-versus-parts findings published, by status", ["status"])
EMITTED = Counter("indicators_values_emitted_total", "Indicator-value events emitted",
                  ["indicator"])


def register(app: faust.App, kafka: KafkaSettings) -> None:
    topics = Topics(kafka.topic_prefix)
    partitions = kafka.partitions
    raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw",
           "value_serializer": "raw", "partitions": partitions}
    source = app.topic(topics.validated, **raw)
    internal = app.topic(topics.indicators_internal, **raw)
    sink = app.topic(topics.indicator_values, key_serializer="raw", value_serializer="raw")
    quality = app.topic(topics.data_quality, key_serializer="raw", value_serializer="raw")
    days = app.Table("fye-days", partitions=partitions)
    population = app.Table("fye-population", partitions=partitions)
    emitted = app.Table("indicator-emitted", partitions=partitions)
    cells = app.Table("cells", partitions=partitions)
    periods = app.Table("cell-periods", partitions=partitions)
    definitions = Definitions(load_catalogue())

    def population_of(area: str, year: int) -> float | None:
        return population_for(area, year,
                              lambda a, p: s_population.get(state_key(a, p.code)))[0]

    official = app.Table("fye-official", partitions=partitions)
    # Staged: each message writes an (area, period) entry once, however many cells it set.
    staged = [Staged(t) for t in (days, population, official, cells, periods)]
    s_days, s_population, s_official, s_cells, s_periods = staged
    emitter = Emitter(emitted)
    fye = FyeProcessor(s_days, s_population, emitter, s_official)
    formulas = FormulaProcessor(s_cells, s_periods, emitter, definitions, population_of)

    async def publish(events: list[Event], forwards: list[Forward]) -> None:
        """Write the state, send, wait for the broker's acknowledgements, and only then
        remember what was said (see services/indicators/values.py for why)."""
        for table in staged:
            table.flush()
        acks = []
        for key, value in events:
            acks.append(await sink.send(key=key.encode(), value=json.dumps(value).encode()))
            EMITTED.labels(value["indicator"]).inc()
        for key, value in formulas.take_quality_events():
            acks.append(await quality.send(key=key.encode(), value=json.dumps(value).encode()))
            QUALITY.labels(value["status"]).inc()
        for aggregate, obs in forwards:
            acks.append(await internal.send(key=aggregate.encode(), value=json.dumps(
                {"type": "cells", "observations": [obs]}).encode()))
        try:
            await asyncio.gather(*acks)
        except BaseException:
            emitter.discard()
            raise
        emitter.confirm()

    @app.agent(source, name="observations")
    async def observations(stream: Any) -> None:
        async for payload in stream:
            batch = json.loads(payload).get("observations", [])
            events, forwards = formulas.apply_observations(batch)
            await publish(fye.apply_observations(batch) + events, forwards)
            OBSERVATIONS.inc(len(batch))

    @app.agent(internal, name="internal")
    async def internal_agent(stream: Any) -> None:
        async for event in stream.events():
            doc = json.loads(event.value)
            area = event.key.decode()
            kind = doc.get("type")
            if kind == "cells":
                await publish(*formulas.apply_observations(doc["observations"]))
            elif kind == "recompute" and doc["indicator"] in definitions.by_id:
                await publish(formulas.recompute(definitions.by_id[doc["indicator"]], area), [])
            elif kind == "forward":
                await publish([], formulas.forward_existing(area, doc["measure"],
                                                            doc["aggregate"]))

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

