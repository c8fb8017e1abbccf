"""Acknowledging several alerts in one step: the inbox list's checkboxes and
``POST /v1/alerts/ack``.

Each alert is acknowledged exactly as one alone would be (:func:`services.notify.alerts.
lifecycle.acknowledge`: the same access rule, lock and history step), in a transaction of its
own. Why not one transaction for all: an acknowledgement locks its alert, and a consumer
applying a verdict locks the alerts of a cell in its own order; holding many locks at once
could deadlock with it on PostgreSQL (or hold SQLite's one write lock for the whole batch).
One at a time, every lock is held as briefly as a single acknowledgement holds it, and an
alert that cannot be acknowledged (resolved a moment ago, another agency's) is an outcome
of its own, never an error for the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from services.notify.access import Conflict, Forbidden, NotFound
from services.notify.alerts import lifecycle as alerts
from services.notify.alerts.models import ACKNOWLEDGED
from services.notify.inbox import service as inbox

MAX_BULK = 100  # two inbox pages; what one request may ask for
MAX_ID = 64
DONE, ALREADY = "acknowledged", "already"
REFUSED = ("resolved", "forbidden", "missing")  # why not, in the order a page says it
# What POST /v1/alerts/{id}/ack answers for the same alert.
STATUS = {DONE: 200, ALREADY: 200, "resolved": 409, "forbidden": 403, "missing": 404}

Sessions = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Outcome:
    alert_id: str
    outcome: str  # DONE, ALREADY or one of REFUSED
    detail: str | None = None  # why not, as the single acknowledgement's error says it

    @property
    def status(self) -> int:
        return STATUS[self.outcome]


def wanted_ids(ids: Iterable[str]) -> list[str]:
    """The ids asked for, each once, in their order; Invalid for none or too many (before
    anything is done: a request is refused whole rather than done in part)."""
    unique = list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
    if not unique:
        raise inbox.Invalid("ids: choose at least one alert", "bulk_none")
    if len(unique) > MAX_BULK:
        raise inbox.Invalid(f"ids: at most {MAX_BULK} alerts at a time", "bulk_too_many",
                            n=MAX_BULK)
    return unique


def acknowledge_one(*, session: Session, principal: Principal, alert_id: str, who: str,
                    now: datetime, comment: str | None, reveal: bool) -> Outcome:
    """One alert of a bulk request: its outcome instead of an exception."""
    # No alert id is that long or holds a control character (a NUL made PostgreSQL refuse
    # the query after the alerts before it were acknowledged: a red team).
    if len(alert_id) > MAX_ID or not alert_id.isprintable():
        return Outcome(alert_id, "missing", "no such alert")
    try:
        # Locked and read afresh, so "already" is decided on the row as it is now.
        alert = inbox.visible_alert(session=session, principal=principal, alert_id=alert_id,
                                    reveal=reveal, lock=True)
        was = alert.status
        alerts.acknowledge(session=session, alert_id=alert_id, principal=principal, now=now,
                           who=who, comment=comment)
    except NotFound as exc:
        return Outcome(alert_id, "missing", str(exc))
    except Forbidden as exc:
        return Outcome(alert_id, "forbidden", str(exc))
    except Conflict as exc:
        return Outcome(alert_id, "resolved", str(exc))
    return Outcome(alert_id, ALREADY if was == ACKNOWLEDGED else DONE)


def acknowledge_many(*, sessions: Sessions, principal: Principal, alert_ids: Iterable[str],
                     who: str, now: datetime, comment: str | None = None,
                     reveal: bool = False, read_by: str | None = None) -> list[Outcome]:
    """Acknowledge each alert asked for (see the module's docstring), in order; each in a
    transaction of its own from ``sessions`` (a context manager that commits, like
    :func:`samstat_kit.db.session_scope`). ``reveal``: the API's answer for another
    agency's alert ("forbidden"), the pages' "missing". ``read_by``: a reader whose read
    marks the acknowledged alerts get (the inbox list: ticking them was reading them, as
    opening an alert to acknowledge it is). Invalid (nothing done) for no ids, too many, or
    a comment too long."""
    ids = wanted_ids(alert_ids)
    text = inbox.clean_comment(comment)
    out = []
    for alert_id in ids:
        try:
            with sessions() as session:
                done = acknowledge_one(session=session, principal=principal,
                                       alert_id=alert_id, who=who, now=now, comment=text,
                                       reveal=reveal)
                if read_by is not None and done.outcome in (DONE, ALREADY):
                    inbox.mark_read(session=session, alert_id=alert_id, reader=read_by,
                                    now=now)
        except DataError:  # an id the database cannot search for is no alert's: its own
            done = Outcome(alert_id, "missing", "no such alert")  # outcome, not the rest's
        out.append(done)
    return out


def counts(outcomes: Iterable[Outcome]) -> dict[str, int]:
    """How many of each outcome (every outcome named, zero or not)."""
    tally = dict.fromkeys((DONE, ALREADY, *REFUSED), 0)
    for o in outcomes:
        tally[o.outcome] += 1
    return tally
