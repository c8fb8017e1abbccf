"""Alerts that opened and resolved before anyone could look: "brief" ones.

While figures arrive a piece at a time (a backfill, agencies reporting one after another), a
total can disagree with its parts for seconds: the demo opened and closed 156 data-quality
alerts within 15 seconds. The alerts stay as they are (the engine's history is the truth, and
the API lists them); what a person is asked to read leaves them out: they are never unread
in the inbox, and the weekly digest sums them up in one line instead of listing them.

An episode is brief when it resolved less than :data:`BRIEF` after it fired. Ten minutes is
longer than a burst of reports takes and shorter than anyone acts on an alert.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.orm import Session

from services.notify.alerts.models import RESOLVED, Alert, aware

BRIEF = timedelta(minutes=10)


def lasted(fired_at: datetime | None, resolved_at: datetime | None) -> timedelta | None:
    fired, resolved = aware(fired_at), aware(resolved_at)
    return resolved - fired if fired is not None and resolved is not None else None


def is_brief(alert: Alert) -> bool:
    """The alert's latest episode opened and resolved within :data:`BRIEF`."""
    took = lasted(alert.fired_at, alert.resolved_at)
    return alert.status == RESOLVED and took is not None and took < BRIEF


def brief_clause(session: Session) -> Any:
    """:func:`is_brief` in SQL (SQLite keeps datetimes as text: julianday days)."""
    if session.get_bind().dialect.name == "sqlite":
        took = func.julianday(Alert.resolved_at) - func.julianday(Alert.fired_at)
        return and_(Alert.status == RESOLVED, took < BRIEF / timedelta(days=1))
    return and_(Alert.status == RESOLVED, Alert.resolved_at < Alert.fired_at + BRIEF)
