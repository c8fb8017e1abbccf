"""The indicators worker's processing steps, without faust: what a message does to the state
and what it makes the worker say.

The faust agents (``worker/agents.py``) only decode messages, call a :class:`Pipeline` method
inside the right partition's context, send the returned :class:`Output` and, once the broker
acknowledged it, call :meth:`Pipeline.confirm`. The tests drive the same object with dicts for
tables (``tests/indicators/test_pipeline.py``).

Steps of one message (or of one partition's messages in a buffer, handled as one batch):

1. the FYE processor and the formula processor apply the cells to the state (highest revision
   wins, a withdrawal forgets the cell) and recompute every period the cells touch;
2. what is news becomes events: indicator values, data-quality findings, and cells forwarded
   to the partitions of aggregate areas (one message per aggregate, not per cell);
3. the state written by the message is flushed to its tables (one write per entry: the
   changelog record of a faust table);
4. what was said is remembered only in :meth:`Pipeline.confirm`, after the broker
   acknowledged the events (see ``domain/values.py`` for why).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.indicators.domain.formulas.definitions import Definitions
from services.indicators.domain.formulas.evaluate import measures_of
from services.indicators.domain.formulas.processor import FormulaProcessor, Forward
from services.indicators.domain.fye.indicator import population_for
from services.indicators.domain.fye.processor import FyeProcessor, state_key
from services.indicators.domain.values import Emitter, Event
from services.indicators.staging import Grouped, Staged

# A state table by name: faust's ``app.Table`` in the worker, a dict in the tests. The days
# and the memos are grouped by area and year (staging.Grouped); their names changed when the
# old tables held an entry per period.
Tables = Callable[[str], MutableMapping[str, Any]]
DAYS, POPULATION, OFFICIAL = "fye-days-by-year", "fye-population", "fye-official"
CELLS, PERIODS, SAID = "cells", "cell-periods", "indicator-said"
TABLES = (DAYS, POPULATION, SAID, CELLS, PERIODS, OFFICIAL)  # the order faust made them in

Request = tuple[str, dict[str, Any]]  # (area, document) for the worker's internal topic


@dataclass
class Output:
    """What a message made the worker say, and the memos to confirm once that is sent."""

    values: list[Event] = field(default_factory=list)  # indicator values
    quality: list[Event] = field(default_factory=list)  # data-quality findings
    forwards: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # area -> cells
    memos: dict[str, Any] = field(default_factory=dict)
    applied: int = 0  # observations from the validated topic, counted once published


class Pipeline:
    def __init__(self, tables: Tables, definitions: Definitions,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        opened = {name: tables(name) for name in TABLES}
        # Staged: each message writes a state entry once, however many cells it set.
        self.said = Staged(opened[SAID])
        self.staged = [Staged(opened[name])
                       for name in (DAYS, POPULATION, OFFICIAL, CELLS, PERIODS)]
        days, population, official, cells, periods = self.staged
        self.definitions = definitions
        self.emitter = Emitter(Grouped(self.said))

        def population_of(area: str, year: int) -> float | None:
            return population_for(area, year,
                                  lambda a, p: population.get(state_key(a, p.code)))[0]

        self.fye = FyeProcessor(Grouped(days), population, self.emitter, official, clock)
        self.formulas = FormulaProcessor(cells, periods, self.emitter, definitions,
                                         population_of, clock)

    def observations(self, messages: Iterable[Mapping[str, Any]]) -> Output:
        """Validated messages of one partition, in their order, as one batch: each touched
        period is recomputed once, however many messages touched it. Observations are cell
        values, so this gives the values that handling them one by one would end with."""
        batch = [o for message in messages for o in message.get("observations", [])]
        values, forwards = self.formulas.apply_observations(batch)
        return self._settle(self.fye.apply_observations(batch) + values, forwards, len(batch))

    def internal(self, area: str, doc: Mapping[str, Any]) -> Output:
        """A message of the worker's own topic, keyed by ``area``: cells forwarded from a
        member municipality, or a request made by :meth:`definition`."""
        kind = doc.get("type")
        if kind == "cells":
            return self._settle(*self.formulas.apply_observations(doc["observations"]))
        if kind == "recompute" and doc["indicator"] in self.definitions.by_id:
            definition = self.definitions.by_id[doc["indicator"]]
            return self._settle(self.formulas.recompute(definition, area), [])
        if kind == "forward":
            return self._settle([], self.formulas.forward_existing(area, doc["measure"],
                                                                   doc["aggregate"]))
        return self._settle([], [])

    def definition(self, event: Mapping[str, Any]) -> list[Request]:
        """A registry event: the requests that make the owning partitions compute a changed
        definition. Members of an aggregate area first forward the cells it now needs."""
        changed = self.definitions.apply_event(event)
        if changed is None:
            return []
        cat = self.definitions.catalogue
        out: list[Request] = []
        for area in changed.get("areas") or []:
            info = cat.areas.get(area)
            if info is not None and info.level != "municipality":
                out += [(member, {"type": "forward", "measure": measure, "aggregate": area})
                        for member in cat.municipalities_in(area)
                        for measure in measures_of(changed["formula"])]
            out.append((area, {"type": "recompute", "indicator": changed["id"]}))
        return out

    def confirm(self, output: Output) -> None:
        """The broker acknowledged ``output``: remember what it said (a state write, so in
        the worker inside the context of the message that said it)."""
        self.emitter.confirm(output.memos)
        self.said.flush()

    def discard(self) -> None:
        """Sending failed: forget what was proposed, so a redelivery says it again."""
        self.emitter.discard()

    def _settle(self, values: list[Event], forwards: list[Forward], applied: int = 0
                ) -> Output:
        """Write the message's state through to its tables and collect its output."""
        for table in self.staged:
            table.flush()
        by_aggregate: dict[str, list[dict[str, Any]]] = {}
        for aggregate, obs in forwards:  # one message per aggregate area, not per cell
            by_aggregate.setdefault(aggregate, []).append(obs)
        quality = self.formulas.take_quality_events() + self.fye.take_quality_events()
        return Output(values, quality, by_aggregate, self.emitter.take(), applied)
