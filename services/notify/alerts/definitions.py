"""Indicator definitions as notify sees them: from the registry topic, in memory and in the
database (``notify_definitions``), so a restart can evaluate before the broker answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.alerts.models import Definition
from services.notify.events import IndicatorBody, IndicatorUpserted
from services.notify.rows import insert_new, row_locks


@dataclass(frozen=True)
class IndicatorDefinition:
    """The parts of a registry definition the alert lifecycle uses."""

    id: str
    plan_year: int
    version: int
    convener: str
    initiative: int | None = None
    follow_up_owner: str | None = None
    title_sv: str = ""
    title_en: str = ""
    unit: str | None = None
    areas: tuple[str, ...] = ()
    area_conveners: tuple[tuple[str, str], ...] = ()
    target: dict[str, Any] | None = None
    rules: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @classmethod
    def from_body(cls, body: IndicatorBody, *, plan_year: int, version: int
                  ) -> IndicatorDefinition:
        return cls(
            id=body.id, plan_year=plan_year, version=version, convener=body.convener,
            initiative=body.initiative, follow_up_owner=body.follow_up_owner,
            title_sv=body.title_sv, title_en=body.title_en, unit=body.unit,
            areas=tuple(body.areas), target=body.target, rules=tuple(body.rules),
            area_conveners=tuple(sorted(body.area_conveners.items())),
        )

    @classmethod
    def from_row(cls, row: Definition) -> IndicatorDefinition:
        body = IndicatorBody.model_validate(row.body)
        return cls.from_body(body, plan_year=row.plan_year, version=row.version)

    def applies_to(self, area: str) -> bool:
        """An empty area list means every area."""
        return not self.areas or area in self.areas

    def convener_for(self, area: str) -> str:
        """The area's own convener when the registry names one, else the indicator's."""
        return dict(self.area_conveners).get(area, self.convener)

    def title(self, lang: str) -> str:
        return (self.title_en if lang == "en" else self.title_sv) or self.title_sv or self.id


class DefinitionCache:
    """Definitions in memory, filled from the database at start and by the registry reader.

    Only ever updated after the database transaction that stored the change committed, so it
    never runs ahead of what a restart would load.
    """

    def __init__(self) -> None:
        self._defs: dict[str, IndicatorDefinition] = {}

    def __len__(self) -> int:
        return len(self._defs)

    def get(self, indicator: str) -> IndicatorDefinition | None:
        return self._defs.get(indicator)

    def put(self, definition: IndicatorDefinition) -> None:
        self._defs[definition.id] = definition

    def drop(self, indicator: str) -> None:
        self._defs.pop(indicator, None)

    def all(self) -> list[IndicatorDefinition]:
        return list(self._defs.values())

    def load(self, definitions: Iterable[IndicatorDefinition]) -> None:
        self._defs = {d.id: d for d in definitions}


def get_definition(*, session: Session, indicator: str,
                   cache: DefinitionCache | None = None) -> IndicatorDefinition | None:
    if cache is not None:
        hit = cache.get(indicator)
        if hit is not None:
            return hit
    row = session.get(Definition, indicator)
    return IndicatorDefinition.from_row(row) if row is not None else None


def all_definitions(*, session: Session) -> list[IndicatorDefinition]:
    return [IndicatorDefinition.from_row(r) for r in session.scalars(select(Definition))]


def stored_definitions(*, session: Session, indicators: Iterable[str]
                       ) -> dict[str, IndicatorDefinition | None]:
    """What the database holds for each of ``indicators`` (None: nothing), read afresh."""
    wanted = dict.fromkeys(indicators)
    out: dict[str, IndicatorDefinition | None] = dict.fromkeys(wanted)
    if wanted:
        for row in session.scalars(select(Definition).where(Definition.id.in_(wanted))
                                   .execution_options(populate_existing=True)):
            out[row.id] = IndicatorDefinition.from_row(row)
    return out


def _supersedes(event: IndicatorUpserted, body: dict[str, Any], row: Definition) -> bool:
    """Whether the event is newer than the stored row, or the same version said otherwise."""
    key, stored = (event.plan_year, event.version), (row.plan_year, row.version)
    return key > stored or (key == stored and row.body != body)


def store_definition(*, session: Session, event: IndicatorUpserted,
                     now: datetime) -> IndicatorDefinition | None:
    """Upsert; returns the definition when it changed, None when it is the same or older.

    The initiatives service republishes every definition every few minutes: an identical event
    must be a no-op, and an event of an older (plan year, version) than the stored one (read
    from the start of the topic after a newer one) must not roll the definition back. Every
    replica reads the same events into the one database, so the change is made once: by the
    replica that stores it first (the others find it stored).
    """
    ind = event.indicator
    body = ind.model_dump(mode="json")
    fields = {"plan_year": event.plan_year, "version": event.version, "body": body,
              "updated_at": now, "initiative": ind.initiative, "convener": ind.convener,
              "follow_up_owner": ind.follow_up_owner}
    definition = IndicatorDefinition.from_body(ind, plan_year=event.plan_year,
                                               version=event.version)
    # Unlocked first: the periodic republication of what is stored takes no lock at all.
    row = session.get(Definition, ind.id)
    if row is not None and not _supersedes(event, body, row):
        return None
    if row is None and insert_new(session, Definition, id=ind.id, **fields) is not None:
        return definition
    # Another replica may be storing this very event: decide under the row's lock, on the
    # row as it is now (populate_existing: not the copy read above).
    row = session.get(Definition, ind.id, with_for_update=True,
                      populate_existing=row_locks(session))
    if row is None or not _supersedes(event, body, row):
        return None  # stored meanwhile, or deleted by a later event (read here too)
    for name, value in fields.items():
        setattr(row, name, value)
    session.flush()
    return definition


def delete_definition(*, session: Session, indicator: str, plan_year: int) -> bool:
    """Remove a definition; a deletion for an older plan year than the stored one is ignored.
    Locked, so of replicas reading the same deletion one deletes and the others find none."""
    row = session.get(Definition, indicator, with_for_update=True,
                      populate_existing=row_locks(session))
    if row is None or plan_year < row.plan_year:
        return False
    session.delete(row)
    session.flush()
    return True
