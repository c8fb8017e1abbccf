"""The alert lifecycle: evaluate a stored value's rules, open / update / reopen / resolve the
alert of each condition, acknowledge, list and read alerts, and record every transition.

Plain functions with a keyword-only ``session``; nothing here commits. Every function is
idempotent on its input, which is what turns Kafka's at-least-once delivery into an
exactly-once effect: a redelivered event finds its value stored and changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.anonymity import new_id
from samstat_kit.auth.service import Principal
from samstat_kit.periods import parse
from services.notify import rules
from services.notify.access import Conflict, Forbidden, NotFound, actor, may_act_for
from services.notify.alerts.definitions import (
    DefinitionCache,
    IndicatorDefinition,
    get_definition,
)
from services.notify.alerts.flows import announce
from services.notify.alerts.models import (
    ACKNOWLEDGED,
    FIRING,
    OPEN_STATUSES,
    RESOLVED,
    Alert,
    AlertEvent,
    IndicatorValue,
)
from services.notify.alerts.values import Cell, Prefetched, earlier_values, record_value, series
from services.notify.events import IndicatorValueEvent
from services.notify.rows import insert_new, locked, row_locks

log = logging.getLogger(__name__)

RULES_ACTOR = "rules"


def dedup_key(indicator: str, area: str, period: str, rule: str) -> str:
    return f"{indicator}|{area}|{period}|{rule}"


def handle_indicator_value(*, session: Session, event: IndicatorValueEvent, now: datetime,
                           cache: DefinitionCache | None = None,
                           prefetched: Prefetched | None = None) -> list[Alert]:
    """The consumer's entry point for one indicator-value event; returns alerts that changed.
    ``prefetched``: what :func:`prefetch` read and claimed for the event's batch."""
    cell = record_value(session=session, event=event, now=now,
                        known=prefetched.values if prefetched else None)
    if cell is None:
        return []
    definition = get_definition(session=session, indicator=event.indicator, cache=cache)
    if definition is None:
        # Values may arrive before their definition; the registry reader re-evaluates them.
        return []
    # Only the control-limit rule needs the indicator's history: loading it for every value
    # (and for areas the definition does not cover) was notify's main cost under load.
    uses_history = definition.applies_to(event.area) and \
        any(r.get("kind") == "control_limit" for r in definition.rules)
    cells = series(session=session, indicator=event.indicator, area=event.area) \
        if uses_history else []
    changed = evaluate_cell(session=session, definition=definition, cell=cell, cells=cells,
                            now=now, source_event_id=event.event_id,
                            open_cells=prefetched.open_cells if prefetched else None)
    if event.withdrawn:
        changed += _taken_back(session, definition, cell, event.event_id, now,
                               prefetched.open_cells if prefetched else None)
    if uses_history:
        # A corrected value moves the control limits of every later period.
        p = parse(cell.period)
        for later in cells:
            q = parse(later.period)
            if q.n_months == p.n_months and q > p:
                changed += evaluate_cell(session=session, definition=definition, cell=later,
                                         cells=cells, now=now, kinds={"control_limit"})
    return changed


def _taken_back(session: Session, definition: IndicatorDefinition, cell: IndicatorValue,
                event_id: str, now: datetime, open_cells: set[Cell] | None) -> list[Alert]:
    """The value was taken back (every input cell withdrawn): its value rules' alerts have
    nothing left to judge and resolve. evaluate_cell leaves them as they are, since a value
    that is not complete keeps its alerts until the period is complete, which this one
    will never be."""
    if open_cells is not None and (cell.indicator, cell.area, cell.period) not in open_cells:
        return []
    verdict = rules.Verdict(False, None, "the value was withdrawn: no input is left behind it")
    changed = []
    for alert in open_alerts(session=session, indicator=cell.indicator, area=cell.area,
                             period=cell.period):
        if alert.rule in rules.VALUE_RULES:
            done = apply_verdict(session=session, definition=definition, area=cell.area,
                                 period=cell.period, rule=alert.rule, verdict=verdict,
                                 value=None, now=now, source_event_id=event_id)
            if done is not None:
                changed.append(done)
    return changed


def evaluate_cell(*, session: Session, definition: IndicatorDefinition, cell: IndicatorValue,
                  cells: list[IndicatorValue], now: datetime, source_event_id: str | None = None,
                  kinds: set[str] | None = None, open_cells: set[Cell] | None = None
                  ) -> list[Alert]:
    """Evaluate the definition's rules for one stored cell and apply the verdicts.

    Rules of the same kind share one alert (the dedup key names the kind): the first firing
    one wins. Open alerts of kinds the definition no longer has, or for an area it no longer
    covers, are resolved. ``open_cells``, when given, says which cells have open alerts at
    all (kept up to date here), so the others need no query.
    """
    verdicts: dict[str, rules.Verdict] = {}
    present: set[str] = set()
    if definition.applies_to(cell.area):
        present = {str(r.get("kind")) for r in definition.rules}
    # A period still being reported (some months or cells missing) is not comparable with a
    # whole one: judging it would cry wolf ("must rise" against a full year) or hide a rise.
    # Its alerts stay as they are until the period is complete.
    if present and cell.complete:
        event = {"value": cell.value, "year_ago_value": cell.year_ago_value,
                 "period": cell.period}
        history = earlier_values(cells, cell.period) if "control_limit" in present else []
        for rule in definition.rules:
            kind = str(rule.get("kind"))
            if kind in rules.EXTERNAL_RULES or (kinds and kind not in kinds):
                continue
            if verdicts.get(kind, rules.Verdict(False, None, "")).firing:
                continue
            try:
                verdicts[kind] = rules.evaluate(rule, event, target=definition.target,
                                                history=history)
            except rules.RuleError as exc:
                log.warning("indicator %s: skipping rule: %s", definition.id, exc)
    changed = []
    for kind, verdict in verdicts.items():
        alert = apply_verdict(session=session, definition=definition, area=cell.area,
                              period=cell.period, rule=kind, verdict=verdict, value=cell.value,
                              now=now, source_event_id=source_event_id)
        if alert is not None:
            changed.append(alert)
    key = (definition.id, cell.area, cell.period)
    if open_cells is not None:
        if any(a.status in OPEN_STATUSES for a in changed):
            open_cells.add(key)
        if key not in open_cells:
            return changed
    if kinds is None:
        gone = "the rule is no longer in the definition" if definition.applies_to(cell.area) \
            else "the area is no longer in the definition"
        for alert in open_alerts(session=session, indicator=definition.id, area=cell.area,
                                 period=cell.period):
            if alert.rule not in present and alert.rule not in rules.EXTERNAL_RULES:
                changed.append(resolve(session=session, alert=alert, reason=gone, now=now,
                                       actor=RULES_ACTOR, source_event_id=source_event_id))
    return changed


def apply_verdict(*, session: Session, definition: IndicatorDefinition, area: str, period: str,
                  rule: str, verdict: rules.Verdict, value: float | None, now: datetime,
                  source_event_id: str | None = None, actor: str = RULES_ACTOR
                  ) -> Alert | None:
    """Open, update, reopen or resolve the alert of one condition; None if nothing changed."""
    key = dedup_key(definition.id, area, period, rule)
    alert = _locked_alert(session, key)
    if not verdict.firing:
        if alert is None or alert.status not in OPEN_STATUSES:
            return None
        return resolve(session=session, alert=alert, reason=verdict.reason, now=now,
                       actor=actor, source_event_id=source_event_id)
    if alert is None:
        opened = insert_new(
            session, Alert, id=new_id(), dedup_key=key, indicator=definition.id,
            area=area, period=period, rule=rule, status=FIRING, episode=1, created_at=now,
            fired_at=now, **_description(definition, area, verdict, value, now))
        if opened is not None:
            record_transition(session, opened, "opened", now, actor, source_event_id)
            announce(session=session, alert=opened, transition="firing", now=now)
            return opened
        # Another replica opened it a moment ago (the same sweep, or the same definition
        # re-evaluated): it was announced there; go on with that alert as if it had been here.
        alert = _locked_alert(session, key)
        assert alert is not None  # alerts are never deleted
    if alert.status == RESOLVED:
        alert.status, alert.episode, alert.fired_at = FIRING, alert.episode + 1, now
        alert.acknowledged_at = alert.acknowledged_by = None
        alert.escalated_at = alert.resolved_at = alert.reminded_at = None
        alert.reminders = 0
        _describe(alert, definition, verdict, value, now)
        record_transition(session, alert, "reopened", now, actor, source_event_id)
        announce(session=session, alert=alert, transition="firing", now=now)
        return alert
    if (alert.value, alert.expected, alert.convener) == (value, verdict.expected,
                                                         definition.convener_for(area)):
        return None
    _describe(alert, definition, verdict, value, now)
    record_transition(session, alert, "updated", now, actor, source_event_id)
    return alert


def _locked_alert(session: Session, key: str) -> Alert | None:
    """The alert of a dedup key, locked (PostgreSQL) so an acknowledgement or the sweep cannot
    interleave, and read afresh: the session may hold an older copy of it (populate_existing;
    without it the lock would guard the state of that copy, not of the row)."""
    return session.scalar(select(Alert).where(Alert.dedup_key == key).with_for_update()
                          .execution_options(populate_existing=row_locks(session)))


def _description(definition: IndicatorDefinition, area: str, verdict: rules.Verdict,
                 value: float | None, now: datetime) -> dict[str, Any]:
    return {"value": value, "expected": verdict.expected, "reason": verdict.reason,
            "initiative": definition.initiative, "convener": definition.convener_for(area),
            "follow_up_owner": definition.follow_up_owner, "updated_at": now}


def _describe(alert: Alert, definition: IndicatorDefinition, verdict: rules.Verdict,
              value: float | None, now: datetime) -> None:
    for name, wanted in _description(definition, alert.area, verdict, value, now).items():
        setattr(alert, name, wanted)


def record_transition(session: Session, alert: Alert, transition: str, now: datetime, actor: str,
                      source_event_id: str | None = None, comment: str | None = None,
                      reason: str | None = None) -> None:
    """``reason``: what the step itself says (a snooze's date), by default the alert's."""
    session.add(AlertEvent(
        alert_id=alert.id, at=now, transition=transition, status=alert.status,
        episode=alert.episode, value=alert.value, expected=alert.expected,
        reason=alert.reason if reason is None else reason,
        actor=actor, source_event_id=source_event_id, comment=comment,
    ))
    session.flush()


def resolve(*, session: Session, alert: Alert, reason: str, now: datetime, actor: str,
            source_event_id: str | None = None) -> Alert:
    alert.status, alert.resolved_at, alert.updated_at = RESOLVED, now, now
    alert.reason = reason
    record_transition(session, alert, "resolved", now, actor, source_event_id)
    announce(session=session, alert=alert, transition="resolved", now=now)
    return alert


def open_alerts(*, session: Session, indicator: str, area: str | None = None,
                period: str | None = None) -> list[Alert]:
    q = select(Alert).where(Alert.indicator == indicator, Alert.status.in_(OPEN_STATUSES))
    if area is not None:
        q = q.where(Alert.area == area)
    if period is not None:
        q = q.where(Alert.period == period)
    return list(session.scalars(q.order_by(Alert.created_at)))


def acknowledge(*, session: Session, alert_id: str, principal: Principal,
                now: datetime, who: str | None = None, comment: str | None = None) -> Alert:
    """The convener has seen the alert: it stops escalating. Acknowledging twice is fine (a
    comment given the second time is kept as a comment). ``who``: the person or token that
    did it (:func:`samstat_kit.web.actor`), by default the principal's agency."""
    # Locked and read afresh: the caller may have read the alert unlocked in this session
    # (to see whether the principal may see it), and that copy may be out of date by now.
    # Locked on SQLite too (rows.locked): two acknowledgements, or one and the consumer's
    # resolution, would otherwise both decide on the status they read and both write.
    alert = locked(session, Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    if not may_act_for(principal, alert.convener):
        raise Forbidden(f"only {alert.convener} or an admin may acknowledge this alert")
    if alert.status == RESOLVED:
        raise Conflict("the alert is resolved")
    who = who or actor(principal)
    if alert.status == ACKNOWLEDGED:
        if comment:
            record_transition(session, alert, "commented", now, who, comment=comment)
        return alert
    alert.status, alert.acknowledged_at, alert.acknowledged_by = ACKNOWLEDGED, now, who
    alert.updated_at = now
    record_transition(session, alert, "acknowledged", now, who, comment=comment)
    return alert


def list_alerts(*, session: Session, convener: str | None = None, status: str | None = None,
                indicator: str | None = None, area: str | None = None, limit: int = 100,
                offset: int = 0) -> list[Alert]:
    q = select(Alert)
    for column, wanted in ((Alert.convener, convener), (Alert.status, status),
                           (Alert.indicator, indicator), (Alert.area, area)):
        if wanted is not None:
            q = q.where(column == wanted)
    q = q.order_by(Alert.updated_at.desc(), Alert.id).limit(limit).offset(offset)
    return list(session.scalars(q))


def get_alert(*, session: Session, alert_id: str) -> tuple[Alert, list[AlertEvent]]:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    history = session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id)
                              .order_by(AlertEvent.id))
    return alert, list(history)
