"""The convener's inbox: who may see an alert, read marks per person, and the actions
(acknowledge with a comment, snooze, assign to a colleague, comment), each recorded in the
alert's history with who did it (the list itself, a page at a time: :mod:`.listing`). Plain
functions with a keyword-only session; nothing here commits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from samstat_kit.netguard import shown
from services.notify import names
from services.notify.access import Conflict, Forbidden, NotFound, may_act_for
from services.notify.alerts import lifecycle as alerts
from services.notify.alerts.models import ACKNOWLEDGED, RESOLVED, Alert, AlertEvent
from services.notify.inbox.links import LinkClaims
from services.notify.inbox.models import InboxRead, UsedLink
from services.notify.rows import insert_new, locked
from services.notify.subscriptions.models import Subscription

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MAX_COMMENT = 2000
MAX_SNOOZE_DAYS = 366


class Invalid(ValueError):
    """An action asked with a bad value. The message names the field and why (the API
    answers with it); ``code`` and ``params`` let a page say it in the reader's language."""

    def __init__(self, message: str, code: str = "invalid", **params: object) -> None:
        super().__init__(message)
        self.code, self.params = code, params


def may_see(principal: Principal, alert: Alert) -> bool:
    """Admins, the convener's agency and the follow-up owner's."""
    return principal.is_admin or (principal.agency is not None and principal.agency in (
        alert.convener, alert.follow_up_owner))


def title_of(body: dict[str, object] | None, indicator: str, lang: str) -> str:
    return names.alert_title(body, indicator, lang)


def visible_alert(*, session: Session, principal: Principal, alert_id: str,
                  reveal: bool = False, lock: bool = False) -> Alert:
    """The alert if the reader may see it. Pages answer "not found" for another agency's
    alert (whether it exists is not theirs to know); the API, where any token lists every
    alert, says "forbidden" (``reveal``). ``lock``: for a change decided on its state, locked
    (on SQLite too: :func:`~services.notify.rows.locked`) and read afresh, not a copy the
    session read before."""
    alert = locked(session, Alert, alert_id) if lock else session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    if not may_see(principal, alert):
        if reveal:
            raise Forbidden(f"only {alert.convener}, {alert.follow_up_owner} or an admin may "
                            "act on this alert")
        raise NotFound(f"no alert {alert_id}")
    return alert


def history(*, session: Session, alert_id: str) -> list[AlertEvent]:
    return list(session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id)
                                .order_by(AlertEvent.id)))


def mark_read(*, session: Session, alert_id: str, reader: str, now: datetime) -> None:
    """Once per reader: the first reading counts. Two loads of the page at once (two tabs, a
    reload) both find no mark; an insert that does nothing on the key lets both succeed."""
    insert_new(session, InboxRead, alert_id=alert_id, reader=reader, read_at=now)


def mark_unread(*, session: Session, alert_id: str, reader: str) -> None:
    # One statement, so a second click at the same moment deletes nothing rather than
    # failing on a row the first one deleted.
    session.execute(delete(InboxRead).where(InboxRead.alert_id == alert_id,
                                            InboxRead.reader == reader))


# --- actions -------------------------------------------------------------------------------------

def clean_comment(text: str | None, *, required: bool = False) -> str | None:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise Invalid(f"comment: at most {MAX_COMMENT} characters", "comment_long",
                      n=MAX_COMMENT)
    if required and not text:
        raise Invalid("comment: write something", "comment_empty")
    return text or None


def _own_open(session: Session, principal: Principal, alert_id: str, what: str,
              reveal: bool) -> Alert:
    # Locked: whether it is resolved is decided on the row, not on a copy read earlier.
    alert = visible_alert(session=session, principal=principal, alert_id=alert_id,
                          reveal=reveal, lock=True)
    if not may_act_for(principal, alert.convener):
        raise Forbidden(f"only {alert.convener} or an admin may {what} this alert")
    if alert.status == RESOLVED:
        raise Conflict("the alert is resolved")
    return alert


def acknowledge(*, session: Session, principal: Principal, alert_id: str, who: str,
                now: datetime, comment: str | None = None, reveal: bool = False) -> Alert:
    visible_alert(session=session, principal=principal, alert_id=alert_id, reveal=reveal)
    return alerts.acknowledge(session=session, alert_id=alert_id, principal=principal,
                              now=now, who=who, comment=clean_comment(comment))


def snooze(*, session: Session, principal: Principal, alert_id: str, who: str, until: date,
           now: datetime, comment: str | None = None, reveal: bool = False) -> Alert:
    """Put the alert aside until the start of ``until`` (Swedish time): no reminders and no
    escalation before then. Snoozing again moves the date. ``until`` is a day after today
    (the date picker's min) and at most :data:`MAX_SNOOZE_DAYS` ahead: a day in the past was
    recorded as "put aside until 1 January 2020" (a black-box test), a snooze that never
    was."""
    alert = _own_open(session, principal, alert_id, "snooze", reveal)
    today = now.astimezone(STOCKHOLM).date()
    if until <= today:
        raise Invalid(f"until: must be after today ({today.isoformat()})", "snooze_past",
                      today=today)
    if until > latest_snooze(now):
        raise Invalid(f"until: at most {MAX_SNOOZE_DAYS} days ahead", "snooze_far",
                      days=MAX_SNOOZE_DAYS, last=latest_snooze(now))
    said = clean_comment(comment)
    if _snoozed_day(alert.snoozed_until) == until and not said:
        return alert  # the form sent twice: one step in the history, not two
    # In UTC, as every instant is stored: SQLite keeps no zone, and a Swedish clock time
    # stored there was read back as UTC (the API said 00:00Z for 23:00Z, and the reminder
    # sweep, comparing with UTC, woke the alert an hour late).
    alert.snoozed_until = datetime.combine(until, time(0), STOCKHOLM).astimezone(UTC)
    alert.updated_at = now
    # The date is data (the page says it in the reader's language), the comment the person's.
    alerts.record_transition(session, alert, "snoozed", now, who,
                             comment=said, reason=snoozed_reason(until))
    return alert


def _snoozed_day(stored: datetime | None) -> date | None:
    """The day an alert is put aside to (the start of it, Swedish time). SQLite gives the
    instant back without its zone: UTC, as it was written."""
    if stored is None:
        return None
    return (stored if stored.tzinfo else stored.replace(tzinfo=UTC)).astimezone(STOCKHOLM).date()


def latest_snooze(now: datetime) -> date:
    """The last day an alert can be put aside to (the date picker's max)."""
    return now.astimezone(STOCKHOLM).date() + timedelta(days=MAX_SNOOZE_DAYS)


def assign(*, session: Session, principal: Principal, alert_id: str, who: str, assignee: str,
           now: datetime, comment: str | None = None, reveal: bool = False) -> Alert:
    """Give the alert to a colleague: an active person of the convener's agency (or nobody,
    with an empty ``assignee``)."""
    alert = _own_open(session, principal, alert_id, "assign", reveal)
    email = assignee.strip().lower()
    if email and email not in {p.email for p in colleagues(session=session,
                                                           agency=alert.convener)}:
        raise Invalid(f"assignee: {email} is not an active person of {alert.convener}",
                      "assignee", email=email, convener=alert.convener)
    said = clean_comment(comment)
    if (alert.assignee or "") == email and not said:
        return alert  # the form sent twice: one step in the history, not two
    alert.assignee, alert.updated_at = email or None, now
    alerts.record_transition(session, alert, "assigned", now, who,
                             comment=said, reason=assigned_reason(email))
    return alert


def comment(*, session: Session, principal: Principal, alert_id: str, who: str, text: str,
            now: datetime, reveal: bool = False) -> Alert:
    """Anyone who sees the alert (the convener's and the follow-up owner's people) may
    comment, also on a resolved alert."""
    alert = visible_alert(session=session, principal=principal, alert_id=alert_id,
                          reveal=reveal)
    alerts.record_transition(session, alert, "commented", now, who,
                             comment=clean_comment(text, required=True))
    return alert


# What a snooze and an assignment record as the step's reason; the history reads them back
# (and the comment "until 2026-12-20" / the bare address that earlier versions stored).
SNOOZED = re.compile(r"^(?:snoozed )?until (\d{4}-\d{2}-\d{2})$")
ASSIGNED = re.compile(r"^assigned to (\S+)$")


def snoozed_reason(until: date) -> str:
    return f"snoozed until {until.isoformat()}"


def assigned_reason(email: str | None) -> str:
    return f"assigned to {email or 'nobody'}"


def snoozed_date(event: AlertEvent) -> tuple[date | None, str | None]:
    """(the date a snooze set, the person's own comment) of a "snoozed" step."""
    for text, own in ((event.reason, event.comment), (event.comment, None)):
        found = SNOOZED.match(text or "")
        if found:
            return date.fromisoformat(found.group(1)), own
    return None, event.comment


def assigned_to(event: AlertEvent) -> tuple[str | None, str | None]:
    """(the assignee's address, "" for nobody, None if unknown; the person's comment)."""
    found = ASSIGNED.match(event.reason or "")
    if found:
        return ("" if found.group(1) == "nobody" else found.group(1)), event.comment
    old = (event.comment or "").strip()
    if old == "-":
        return "", None
    if "@" in old and " " not in old:
        return old, None
    return None, event.comment


def display_names(*, session: Session) -> dict[str, str]:
    """Everyone's e-mail address -> their name (a person without one: the address)."""
    from samstat_kit.auth import people

    return {p.email: p.name or p.email
            for p, _active in people.list_people(session=session, include_disabled=True)}


@dataclass(frozen=True)
class Colleague:
    email: str
    name: str


def colleagues(*, session: Session, agency: str) -> list[Colleague]:
    """The agency's active people (whom an alert can be assigned to)."""
    from samstat_kit.auth import people  # the people table lives in the same database

    return sorted((Colleague(p.email, p.name or p.email)
                   for p, active in people.list_people(session=session, include_disabled=False)
                   if active and p.agency == agency), key=lambda c: c.name.casefold())


# --- one-click links -----------------------------------------------------------------------------

def link_state(*, session: Session, claims: LinkClaims) -> str | None:
    """What a link's confirmation page says before anything is done: None (show the form),
    or why it will not act: revoked, used, stale_episode, resolved, already, missing,
    forbidden. ``revoked``: the link was minted for a subscription that is deleted since (a
    person who left, a receiver removed); its links act no more, whatever their age."""
    sub = session.get(Subscription, claims.subscription_id) if claims.subscription_id else None
    if claims.subscription_id and (sub is None or sub.deleted_at is not None):
        return "revoked"
    alert = session.get(Alert, claims.alert_id)
    if alert is None:
        return "missing"
    if sub is not None and sub.convener != alert.convener:
        # A link sent to another agency's receiver (a copy, an escalation) never acknowledges:
        # only the convener's agency may (docs/inbox.md).
        return "forbidden"
    if session.get(UsedLink, claims.link_id) is not None:
        return "used"
    if alert.episode != claims.episode:
        return "stale_episode"
    if alert.status == RESOLVED:
        return "resolved"
    if alert.status == ACKNOWLEDGED:
        return "already"
    return None


def acknowledge_by_link(*, session: Session, claims: LinkClaims, who: str | None,
                        comment: str | None, now: datetime) -> str:
    """The confirmation POST of a verified link: acknowledge once. Returns the outcome
    (done, or what :func:`link_state` says). The link is spent when it acknowledges; a
    concurrent second POST, or an acknowledgement in the inbox, waits for the alert's lock
    (the database's write lock on SQLite) and, reading it afresh, finds the link used or
    the alert acknowledged: it changes nothing."""
    alert = locked(session, Alert, claims.alert_id)
    state = link_state(session=session, claims=claims)
    if state is not None or alert is None:
        return state or "missing"
    if who is None:
        sub = session.get(Subscription, claims.subscription_id) \
            if claims.subscription_id else None
        # A mailed link's receiver by its address; a webhook's by its origin: its URL is a
        # bearer secret, and who acknowledged is read by the follow-up owner's agency too.
        who = "link" if sub is None else f"link:{sub.target}" if sub.channel == "email" \
            else f"link:{shown(sub.target)}"
    who = who[:254]
    session.add(UsedLink(link_id=claims.link_id, alert_id=alert.id, used_at=now, actor=who))
    session.flush()
    alert.status, alert.acknowledged_at, alert.acknowledged_by = ACKNOWLEDGED, now, who
    alert.updated_at = now
    alerts.record_transition(session, alert, "acknowledged", now, who,
                             comment=clean_comment(comment))
    return "done"
