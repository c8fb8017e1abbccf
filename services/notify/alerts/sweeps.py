"""Time-driven parts of the lifecycle, run periodically: escalation of unacknowledged alerts,
reminders of them (Alertmanager's ``repeat_interval``), the ``stale`` rule (nothing arrived),
and the counts behind the firing gauge."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, text, update
from sqlalchemy.orm import Session

from samstat_kit.periods import parse
from services.notify import rules
from services.notify.alerts.definitions import IndicatorDefinition
from services.notify.alerts.flows import announce
from services.notify.alerts.lifecycle import (
    RULES_ACTOR,
    apply_verdict,
    open_alerts,
    record_transition,
    resolve,
)
from services.notify.alerts.models import FIRING, Alert, IndicatorValue, aware
from services.notify.delivery.models import PENDING, SUPERSEDED, Delivery
from services.notify.delivery.routing import enqueue
from services.notify.delivery.service import active_silences, silenced_by
from services.notify.rows import row_locks, write_lock

log = logging.getLogger(__name__)

SWEEP_ACTOR = "sweep"
SWEEP_LOCK = "samstat.notify.sweep"


def sweep_turn(*, session: Session) -> bool:
    """Whether this replica sweeps now: every replica runs the sweep on its own clock, and
    two at once would race to open the same stale alerts and fight over the same rows. On
    PostgreSQL a transaction-scoped advisory lock, taken without waiting, picks one (the
    others skip this round; the next is one sweep interval away); it is keyed by the schema
    too, as advisory locks are per database. SQLite has one process: always its turn, with
    the database's write lock taken before the sweep reads (:func:`rows.write_lock`): an
    alert the inbox acknowledges or a consumer resolves meanwhile is not escalated, reminded
    about or resolved again from a copy read before."""
    if not row_locks(session):
        write_lock(session, Alert)
        return True
    return bool(session.scalar(text(
        "SELECT pg_try_advisory_xact_lock(hashtext(coalesce(current_schema(), '')),"
        " hashtext(:name))"), {"name": SWEEP_LOCK}))


def awake(now: datetime) -> ColumnElement[bool]:
    """Not snoozed (from the inbox) at ``now``: a snoozed alert is neither reminded about nor
    escalated until its date."""
    return or_(Alert.snoozed_until.is_(None), Alert.snoozed_until <= now)


def escalate_overdue(*, session: Session, now: datetime, after_days: float,
                     association: str) -> list[Alert]:
    """Escalate alerts still firing, unacknowledged, ``after_days`` after they (re)fired.

    Once per episode (``escalated_at``); the association's subscriptions get the delivery.
    """
    cutoff = now - timedelta(days=after_days)
    # Alerts a consumer is changing right now are skipped (PostgreSQL) and taken next time.
    overdue = list(session.scalars(select(Alert).where(
        Alert.status == FIRING, Alert.escalated_at.is_(None), Alert.fired_at <= cutoff,
        awake(now))
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=row_locks(session))))
    for alert in overdue:
        alert.escalated_at = now
        record_transition(session, alert, "escalated", now, SWEEP_ACTOR)
        enqueue(session=session, alert=alert, transition="escalated", convener=association,
                now=now)
    return overdue


def remind_unacknowledged(*, session: Session, now: datetime, every: timedelta) -> list[Alert]:
    """Announce again, as a ``reminder``, every alert still firing ``every`` after it fired,
    and again each further ``every``, until it is acknowledged or resolved.

    The reminder's sequence number is the number of whole intervals since the alert (re)fired,
    so a sweep that runs late (or twice, or on two replicas) sends the one reminder that is
    due, never a burst, and the delivery's unique key keeps it to one per receiver. A silenced
    alert is not reminded about while the silence lasts.
    """
    if every <= timedelta(0):
        return []
    due = list(session.scalars(select(Alert).where(
        Alert.status == FIRING, Alert.fired_at <= now - every, awake(now))
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=row_locks(session))))
    silences = active_silences(session=session, now=now) if due else []
    reminded = []
    for alert in due:
        fired = aware(alert.fired_at)
        assert fired is not None
        sequence = int((now - fired) / every)
        if sequence <= alert.reminders or silenced_by(alert, silences) is not None:
            continue
        alert.reminders, alert.reminded_at = sequence, now
        record_transition(session, alert, "reminded", now, SWEEP_ACTOR)
        # An earlier reminder still waiting (receiver down) says nothing this one does not.
        session.execute(update(Delivery).where(
            Delivery.alert_id == alert.id, Delivery.transition == "reminder",
            Delivery.status == PENDING, Delivery.batch_id.is_(None))
            .values(status=SUPERSEDED, last_error=f"superseded by reminder {sequence}")
            .execution_options(synchronize_session="fetch"))
        announce(session=session, alert=alert, transition="reminder", now=now,
                 sequence=sequence)
        reminded.append(alert)
    return reminded


def check_stale(*, session: Session, now: datetime,
                definitions: Iterable[IndicatorDefinition]) -> list[Alert]:
    """Fire ``stale`` for each area whose next period is overdue; resolve orphaned ones.

    Per area, the finest granularity stored is the one expected to keep coming (an indicator
    with monthly values also has their yearly totals, which must not fire a second alert).
    """
    changed: list[Alert] = []
    for d in definitions:
        stale = [r for r in d.rules if r.get("kind") == "stale"]
        if not stale:
            for alert in open_alerts(session=session, indicator=d.id):
                if alert.rule == "stale":
                    changed.append(resolve(session=session, alert=alert, now=now,
                                           actor=SWEEP_ACTOR,
                                           reason="the rule is no longer in the definition"))
            continue
        for area, latest in _latest_periods(session, d.id).items():
            if not d.applies_to(area):
                continue
            try:
                verdict = rules.evaluate_stale(stale[0], latest, now.date())
            except rules.RuleError as exc:
                log.warning("indicator %s: skipping stale rule: %s", d.id, exc)
                break
            if not verdict.firing or verdict.period is None:
                continue
            opened = apply_verdict(session=session, definition=d, area=area,
                                   period=verdict.period, rule="stale", verdict=verdict,
                                   value=None, now=now, actor=RULES_ACTOR)
            if opened is not None:
                changed.append(opened)
    return changed


def _latest_periods(session: Session, indicator: str) -> dict[str, str]:
    """Per area, the latest period that arrived. A value taken back has not: the month an
    agency withdrew is expected again (a value withheld, ``null``, has arrived)."""
    rows = session.execute(select(IndicatorValue.area, IndicatorValue.period).where(
        IndicatorValue.indicator == indicator, IndicatorValue.withdrawn.is_(False)))
    best: dict[str, str] = {}
    for area, period in rows:
        p, cur = parse(period), best.get(area)
        if cur is None:
            best[area] = period
            continue
        c = parse(cur)
        # Finer granularity first, then the later period.
        if (-p.n_months, p.year, p.first_month) > (-c.n_months, c.year, c.first_month):
            best[area] = period
    return best


def firing_counts(*, session: Session) -> list[tuple[str, str, int]]:
    """(indicator, rule, number of alerts in status firing)."""
    rows = session.execute(
        select(Alert.indicator, Alert.rule, func.count()).where(Alert.status == FIRING)
        .group_by(Alert.indicator, Alert.rule))
    return [(str(i), str(r), int(n)) for i, r, n in rows]
