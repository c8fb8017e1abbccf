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


def store_definition(*, session: Session, event: IndicatorUpserted,
                     now: datetime) -> IndicatorDefinition | None:
    """Upsert; returns the definition when it changed, None when it is the same or older.

    The initiatives service republishes every definition every few minutes: an identical event
    must be a no-op, and an event of an older (plan year, version) than the stored one (read
    from the start of the topic after a newer one) must not roll the definition back.
    """
    body = event.indicator.model_dump(mode="json")
    row = session.get(Definition, event.indicator.id)
    if row is not None:
        if (event.plan_year, event.version) < (row.plan_year, row.version):
            return None
        if (event.plan_year, event.version) == (row.plan_year, row.version) and row.body == body:
            return None
    else:
        row = Definition(id=event.indicator.id)
        session.add(row)
    row.plan_year, row.version, row.body, row.updated_at = (
        event.plan_year, event.version, body, now)
    row.initiative = event.indicator.initiative
    row.convener = event.indicator.convener
    row.follow_up_owner = event.indicator.follow_up_owner
    session.flush()
    return IndicatorDefinition.from_body(event.indicator, plan_year=event.plan_year,
                                         version=event.version)


def delete_definition(*, session: Session, indicator: str, plan_year: int) -> bool:
    """Remove a definition; a deletion for an older plan year than the stored one is ignored."""
    row = session.get(Definition, indicator)
    if row is None or plan_year < row.plan_year:
        return False
    session.delete(row)
    session.flush()
    return True
