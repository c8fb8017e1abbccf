"""Registry events: store the definition, resolve what a deletion or change ends, and
evaluate the stored values again. Plain functions with a keyword-only ``session``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify import rules
from services.notify.alerts.definitions import (
    IndicatorDefinition,
    delete_definition,
    store_definition,
)
from services.notify.alerts.lifecycle import RULES_ACTOR, evaluate_cell, open_alerts, resolve
from services.notify.alerts.models import Alert, IndicatorValue
from services.notify.events import IndicatorDeleted, IndicatorUpserted
from services.notify.subscriptions.contacts import apply_contacts, parse_contacts


def reevaluate_indicator(*, session: Session, definition: IndicatorDefinition,
                         now: datetime) -> list[Alert]:
    """Evaluate every stored value of an indicator again (its definition arrived or changed)."""
    rows = session.scalars(select(IndicatorValue).where(
        IndicatorValue.indicator == definition.id))
    by_area: dict[str, list[IndicatorValue]] = {}
    for row in rows:
        by_area.setdefault(row.area, []).append(row)
    changed: list[Alert] = []
    for cells in by_area.values():
        for cell in sorted(cells, key=lambda r: rules.period_key(r.period)):
            changed += evaluate_cell(session=session, definition=definition, cell=cell,
                                     cells=cells, now=now)
    return changed


def handle_registry_event(*, session: Session, event: IndicatorUpserted | IndicatorDeleted,
                          now: datetime) -> tuple[str, IndicatorDefinition | None] | None:
    """Store a registry event and re-evaluate; returns the change for the in-memory cache.

    ``(id, definition)`` for a new or changed definition, ``(id, None)`` for a deletion, and
    None when nothing changed (the periodic republication of an unchanged definition).
    """
    if isinstance(event, IndicatorDeleted):
        if not delete_definition(session=session, indicator=event.id, plan_year=event.plan_year):
            return None
        for alert in open_alerts(session=session, indicator=event.id):
            resolve(session=session, alert=alert, now=now, actor=RULES_ACTOR,
                    reason="the indicator was removed from the registry")
        return event.id, None
    if event.contacts is not None:
        named = {event.indicator.convener, event.indicator.follow_up_owner or "",
                 *event.indicator.area_conveners.values()} - {""}
        apply_contacts(session=session, contacts=parse_contacts(event.contacts), named=named,
                       now=now)
    definition = store_definition(session=session, event=event, now=now)
    if definition is None:
        return None
    reevaluate_indicator(session=session, definition=definition, now=now)
    return definition.id, definition
