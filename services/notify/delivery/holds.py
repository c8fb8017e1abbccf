"""Holding deliveries back: quiet times (mute windows) and inhibition, applied when the
dispatcher claims a delivery (see :mod:`services.notify.inbox.quiet` for the rules)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.alerts.models import RESOLVED, Alert
from services.notify.delivery.models import GROUPED, SUPERSEDED, Delivery
from services.notify.inbox import quiet
from services.notify.subscriptions.models import Subscription

MUTED, INHIBITED = "muted until ", "inhibited by "
INHIBIT_RECHECK = timedelta(minutes=5)


def hold(session: Session, d: Delivery, alert: Alert, sub: Subscription, now: datetime,
         quiet_times: dict[str, datetime | None], recheck: timedelta) -> bool:
    """Keep a delivery back while its receiver's convener has a quiet time (until it ends)
    or, for news of a firing alert, while an open data-quality or stale alert on its inputs
    inhibits it (looked at again after ``recheck``). Alertmanager's semantics: the alert
    exists and changes meanwhile; what is still true when the hold ends is sent then, and
    an alert that fired and resolved while held is never announced at all."""
    if sub.convener not in quiet_times:
        quiet_times[sub.convener] = quiet.convener_muted_until(
            session=session, convener=sub.convener, now=now)
    held_before = (d.last_error or "").startswith((MUTED, INHIBITED))
    if d.transition == "resolved" and _never_announced(session, d):
        d.status, d.last_error = SUPERSEDED, "resolved before it was announced"
        return True
    until = quiet_times[sub.convener]
    if until is not None:
        d.next_attempt_at, d.last_error = until, MUTED + until.isoformat()
        return True
    if d.transition == "resolved":
        return False
    if held_before and (alert.status == RESOLVED or alert.episode != d.episode):
        d.status, d.last_error = SUPERSEDED, "resolved while held back"
        return True
    if alert.status != RESOLVED:
        inhibitor = quiet.inhibitor(session=session, alert=alert)
        if inhibitor is not None:
            d.next_attempt_at, d.last_error = now + recheck, INHIBITED + inhibitor.id
            return True
    return False


def _never_announced(session: Session, d: Delivery) -> bool:
    """Was this episode's firing news to this receiver dropped while held back?"""
    statuses = set(session.scalars(select(Delivery.status).where(
        Delivery.alert_id == d.alert_id, Delivery.subscription_id == d.subscription_id,
        Delivery.episode == d.episode, Delivery.transition.in_(GROUPED))))
    return bool(statuses) and statuses <= {SUPERSEDED}
