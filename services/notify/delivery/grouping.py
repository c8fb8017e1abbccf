"""Grouping (Alertmanager's ``group_wait`` / ``group_interval``) on the delivery outbox.

A group is one receiver's pending deliveries of one grouped transition (firing, reminder), one
role and one convener. Its first row waits ``group_wait`` for the others; a receiver that was
sent this group's message less than ``group_interval`` ago waits until then. While it waits,
every row of the group is parked (``next_attempt_at`` = when the group is ready), so the
dispatcher does not spin on it and a restart picks the same time up from the database.

Once ready, the rows go as one message and get ``batch_id`` (the first row's id) in the same
transaction that leases them: a retry, or a replica taking over after the lease, sends exactly
those rows together again, and recording the outcome settles them all at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.notify.alerts.models import Alert, aware
from services.notify.delivery.models import DUE_STATUSES, PENDING, SENT, Delivery


def members(*, session: Session, d: Delivery, convener: str, now: datetime, wait: timedelta,
            interval: timedelta) -> list[Delivery] | None:
    """The rows to send together with ``d``, or None while its group is still waiting."""
    if d.batch_id is not None:  # a message claimed before: exactly its rows, again
        due = (Delivery.batch_id == d.batch_id, Delivery.status.in_(DUE_STATUSES))
        rows = list(session.scalars(select(Delivery).where(*due).order_by(Delivery.id)
                                    .with_for_update(skip_locked=True)))
        # Another replica is claiming some of its rows right now: it sends the message. The
        # rest must not go out under the same id, a receiver would drop them as a copy.
        everyone = session.scalar(select(func.count()).select_from(Delivery).where(*due))
        return rows if len(rows) == everyone else None
    if d.status != PENDING:
        return [d]
    same = (Delivery.subscription_id == d.subscription_id,
            Delivery.transition == d.transition, Delivery.role == d.role,
            Alert.convener == convener)
    rows = list(session.scalars(
        select(Delivery).join(Alert, Alert.id == Delivery.alert_id)
        .where(*same, Delivery.status == PENDING, Delivery.batch_id.is_(None))
        .order_by(Delivery.id).with_for_update(of=Delivery, skip_locked=True)))
    if d not in rows:
        rows.append(d)
    created = [aware(r.created_at) for r in rows]
    ready = min(c for c in created if c is not None) + wait
    if interval > timedelta(0):
        last = aware(session.scalar(
            select(func.max(Delivery.sent_at)).join(Alert, Alert.id == Delivery.alert_id)
            .where(*same, Delivery.status == SENT)))
        if last is not None:
            ready = max(ready, last + interval)
    if ready > now:
        for r in rows:
            r.next_attempt_at = ready
        session.flush()
        return None
    return rows
