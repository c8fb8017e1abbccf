"""The delivery outbox: hand due deliveries to the dispatcher (one message per group of
them, see :mod:`~services.notify.delivery.grouping`) and record each attempt. Rows are queued
with the alert change by :func:`services.notify.delivery.routing.enqueue`. Plain functions
with a keyword-only session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samstat_kit.periods import parse
from services.notify import rules
from services.notify.alerts.models import (
    FIRING,
    RESOLVED,
    Alert,
    Definition,
    IndicatorValue,
    aware,
)
from services.notify.delivery import grouping
from services.notify.delivery.holds import INHIBIT_RECHECK, hold
from services.notify.delivery.messages import AlertFacts, Notice, NoticeItem, Words
from services.notify.delivery.models import (
    CONVENER,
    DEAD,
    DUE_STATUSES,
    GROUPED,
    SENT,
    SILENCED,
    SUPERSEDED,
    Delivery,
)
from services.notify.delivery.retry import RetryPolicy, settle
from services.notify.explain import Facts, explain, rule_of
from services.notify.inbox.links import Links, indicator_page
from services.notify.initiative_names import title_in
from services.notify.names import GAP_DIMENSION, alert_title, quality_parts, quality_unit
from services.notify.subscriptions.models import Silence, Subscription

TREND_PERIODS = 6


def active_silences(*, session: Session, now: datetime) -> list[Silence]:
    return list(session.scalars(select(Silence).where(Silence.expires_at > now)
                                .order_by(Silence.expires_at)))


def silenced_by(alert: Alert, silences: Sequence[Silence]) -> Silence | None:
    """The first active silence whose every non-null matcher equals the alert's field."""
    for s in silences:
        if all(want is None or want == have for want, have in (
                (s.indicator, alert.indicator), (s.area, alert.area),
                (s.convener, alert.convener))):
            return s
    return None


def trend(*, session: Session, alert: Alert, n: int = TREND_PERIODS
          ) -> tuple[tuple[str, float | None], ...]:
    """The last ``n`` stored values up to the alert's period, same granularity, oldest first."""
    p = parse(alert.period)
    rows = session.scalars(select(IndicatorValue).where(
        IndicatorValue.indicator == alert.indicator, IndicatorValue.area == alert.area))
    same = [r for r in rows if parse(r.period).n_months == p.n_months and parse(r.period) <= p]
    same.sort(key=lambda r: rules.period_key(r.period))
    return tuple((r.period, r.value) for r in same[-n:])


@dataclass
class Claim:
    """Deliveries to send now, and (channel, outcome) of those closed without sending."""

    notices: list[Notice] = field(default_factory=list)
    closed: list[tuple[str, str]] = field(default_factory=list)


def _earlier_pending(session: Session, d: Delivery) -> bool:
    """Is an earlier delivery of the same alert to the same receiver still on its way?

    Then this one waits, so a receiver never hears "resolved" before "firing".
    """
    return session.scalar(select(Delivery.id).where(
        Delivery.alert_id == d.alert_id, Delivery.subscription_id == d.subscription_id,
        Delivery.id < d.id, Delivery.status.in_(DUE_STATUSES)).limit(1)) is not None


def _item(session: Session, d: Delivery, alert: Alert, sub: Subscription,
          public_base_url: str, links: Links, association: str | None = None,
          after_days: float | None = None) -> NoticeItem:
    definition = session.get(Definition, alert.indicator)
    body = definition.body if definition is not None else {}
    lang = sub.lang if sub.lang in ("sv", "en") else "sv"
    title = alert_title(body, alert.indicator, lang)
    said = explain(facts_of(session, alert, body), rule=rule_of(body, alert.rule),
                   target=body.get("target"), lang=lang,
                   escalates=alert.convener != association, after_days=after_days)
    own = links.for_alert(alert.id, alert.episode, sub.id)
    # The link acknowledges with no sign-in: only the convener's news of a firing alert
    # carries it (a copy's reader and the association hearing of an escalation may not
    # acknowledge; every message format, JSON included, gets what is minted here). News
    # queued while the alert fired but sent after it ended or was acknowledged offers
    # nothing: the link would only say "already ended" (alert.v1: ``links.acknowledge`` is
    # given only to whoever may acknowledge).
    may_ack = d.role == CONVENER and d.transition in ("firing", "reminder") \
        and alert.status == FIRING
    return NoticeItem(
        delivery_id=d.id, alert=AlertFacts.of(alert, title_in(body)), title=str(title),
        unit=body.get("unit") or _cell_unit(session, alert) or quality_unit(alert.indicator),
        trend=trend(session=session, alert=alert), sequence=d.sequence,
        link=indicator_page(public_base_url, alert.indicator, alert.area) or own.page,
        words=Words(what=said.what, rule=said.rule, next_step=said.next_step, page=own.page,
                    acknowledge=own.acknowledge if may_ack else None,
                    unsubscribe=links.unsubscribe(sub.id) if sub.channel == "email" else None),
    )


def facts_of(session: Session, alert: Alert, body: dict[str, Any] | None) -> Facts:
    """The numbers :func:`~services.notify.explain.explain` needs, from what notify holds."""
    unit = (body or {}).get("unit")
    cell = session.get(IndicatorValue, (alert.indicator, alert.area, alert.period))
    if unit is None and cell is not None:
        unit = cell.unit
    unit = unit or quality_unit(alert.indicator)  # a data-quality alert: its measure's
    return Facts(rule=alert.rule, value=alert.value, expected=alert.expected,
                 unit=str(unit) if unit else None, period=alert.period, status=alert.status,
                 year_ago=cell.year_ago_value if cell is not None else None,
                 ended_at=aware(alert.resolved_at) if alert.status == RESOLVED else None,
                 end_reason=alert.reason if alert.status == RESOLVED else "",
                 gap=_is_gap(alert.indicator))


def _is_gap(indicator: str) -> bool:
    """A data-quality alert of samstat's FYE against SCB's (its dimension is the source)."""
    parts = quality_parts(indicator)
    return parts is not None and parts.dimension == GAP_DIMENSION


def _cell_unit(session: Session, alert: Alert) -> str | None:
    cell = session.get(IndicatorValue, (alert.indicator, alert.area, alert.period))
    return cell.unit if cell is not None and cell.unit else None


def claim_due(*, session: Session, now: datetime, limit: int, lease: timedelta,
              public_base_url: str, escalate_after_days: float | None = None,
              group_wait: timedelta = timedelta(0),
              group_interval: timedelta = timedelta(0), links: Links | None = None,
              inhibit_recheck: timedelta = INHIBIT_RECHECK,
              association: str | None = None) -> Claim:
    """Take up to ``limit`` due messages and reserve their deliveries for ``lease``.

    Silenced deliveries are closed as ``silenced`` and those of deleted subscriptions as
    ``dead`` here rather than sent. Firing and reminder deliveries go as one message per
    group (receiver, transition, role, convener) once the group is ready. The reservation
    (``next_attempt_at`` moved past the lease) keeps other dispatchers off a row while it is
    being sent; if this process dies mid-send the rows become due again when the lease runs
    out, and go out again as the same message.
    """
    q = (select(Delivery).where(Delivery.status.in_(DUE_STATUSES),
                                Delivery.next_attempt_at <= now)
         .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
         .with_for_update(skip_locked=True))
    rows = list(session.scalars(q))
    silences = active_silences(session=session, now=now) if rows else []
    links = links or Links.from_settings()
    quiet_times: dict[str, datetime | None] = {}
    claim = Claim()
    seen: set[int] = set()
    for d in rows:
        if d.id in seen:
            continue
        seen.add(d.id)
        alert = session.get(Alert, d.alert_id)
        sub = session.get(Subscription, d.subscription_id)
        assert alert is not None and sub is not None  # foreign keys
        if sub.deleted_at is not None:
            d.status, d.last_error = DEAD, "the subscription was deleted"
            claim.closed.append((sub.channel, DEAD))
            continue
        together = [d]
        if d.transition in GROUPED:
            group = grouping.members(session=session, d=d, convener=alert.convener,
                                     now=now, wait=group_wait, interval=group_interval)
            if group is None:
                continue  # the group is still waiting, or another replica claims it
            together = group
            seen.update(m.id for m in together)
        sendable: list[tuple[Delivery, Alert]] = []
        for m in together:
            m_alert = session.get(Alert, m.alert_id)
            assert m_alert is not None
            if m.transition == "reminder" and (m_alert.status != FIRING
                                               or m_alert.episode != m.episode):
                # Acknowledged or resolved since it was queued: it would say the opposite.
                m.status, m.last_error = SUPERSEDED, "the alert is no longer firing"
                claim.closed.append((sub.channel, SUPERSEDED))
                continue
            if hold(session, m, m_alert, sub, now, quiet_times, inhibit_recheck):
                claim.closed.extend([(sub.channel, SUPERSEDED)] if m.status == SUPERSEDED
                                    else [])
                continue
            silence = silenced_by(m_alert, silences)
            if silence is not None:
                m.status, m.last_error = SILENCED, f"silenced by {silence.id}"
                claim.closed.append((sub.channel, SILENCED))
                continue
            if _earlier_pending(session, m):
                continue
            sendable.append((m, m_alert))
        if not sendable:
            continue
        message_id = d.id
        if d.transition in GROUPED:
            message_id = d.batch_id or min(m.id for m, _ in sendable)
        for m, _ in sendable:
            m.next_attempt_at = now + lease
            if d.transition in GROUPED:
                m.batch_id = message_id
        items = tuple(_item(session, m, a, sub, public_base_url, links, association,
                            escalate_after_days) for m, a in sendable)
        first, lead = items[0], sendable[0][0]
        claim.notices.append(Notice(
            delivery_id=message_id, attempt=lead.attempts + 1, transition=d.transition,
            channel=sub.channel, target=sub.target, secret=sub.secret, lang=sub.lang,
            format=sub.format, title=first.title, unit=first.unit, alert=first.alert,
            trend=first.trend, link=first.link, escalate_after_days=escalate_after_days,
            role=d.role, sequence=lead.sequence, items=items if len(items) > 1 else (),
            delivery_ids=tuple(m.id for m, _ in sendable), words=first.words,
        ))
    session.flush()
    return claim


def backoff_delay(attempts: int, *, base: float, cap: float) -> timedelta:
    """Exponential: base, 2·base, 4·base … capped (:class:`~.retry.RetryPolicy`)."""
    return RetryPolicy(1, base, cap).delay(attempts)


def record_attempt(*, session: Session, delivery_id: int, error: str | None, now: datetime,
                   max_attempts: int, base: float, cap: float) -> str:
    """Record one send attempt; returns the new status (sent, failed or dead)."""
    d = session.get(Delivery, delivery_id)
    assert d is not None
    status = settle(d, error=error, now=now, policy=RetryPolicy(max_attempts, base, cap))
    session.flush()
    return status


def record_message(*, session: Session, delivery_ids: Sequence[int], error: str | None,
                   now: datetime, max_attempts: int, base: float, cap: float) -> str:
    """Record one attempt of a message for every delivery it carries; returns the status."""
    status = SENT
    for delivery_id in delivery_ids:
        status = record_attempt(session=session, delivery_id=delivery_id, error=error, now=now,
                                max_attempts=max_attempts, base=base, cap=cap)
    return status


def next_due_at(*, session: Session) -> datetime | None:
    return session.scalar(select(func.min(Delivery.next_attempt_at)).where(
        Delivery.status.in_(DUE_STATUSES)))


def list_deliveries(*, session: Session, alert_id: str) -> list[Delivery]:
    return list(session.scalars(select(Delivery).where(Delivery.alert_id == alert_id)
                                .order_by(Delivery.id)))
