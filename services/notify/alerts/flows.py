"""Where the alert lifecycle crosses into delivery: a change of an alert queues its
notifications (in the same transaction, so an alert never changes without its news)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.notify.alerts.models import Alert
from services.notify.delivery.routing import enqueue


def announce(*, session: Session, alert: Alert, transition: str, now: datetime,
             sequence: int = 0) -> int:
    """Queue the notifications of a change: to the convener, the follow-up owner in copy."""
    return enqueue(session=session, alert=alert, transition=transition,
                   convener=alert.convener, copy_to=alert.follow_up_owner, now=now,
                   sequence=sequence)
