"""The weekly digest per convener: when it is due, what it says, and its outbox.

Once a week (``digest_weekday`` at ``digest_hour`` in ``digest_timezone``, or later if the
service was down then) every convener's receivers get one summary of the week: the alerts
still open, by initiative and indicator, and what fired, resolved and was acknowledged in the
seven days before. Exactly once per (convener, subscription, ISO week): the rows are written
once, under a unique key, and sent like deliveries (lease, retries, dead letters).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify import initiative_names
from services.notify.alerts.models import OPEN_STATUSES, Alert, AlertEvent, Definition, aware
from services.notify.brief import is_brief
from services.notify.delivery.models import DEAD, DUE_STATUSES, PENDING, SUPERSEDED
from services.notify.delivery.retry import RetryPolicy, settle
from services.notify.delivery.routing import receivers
from services.notify.digests.models import Digest
from services.notify.digests.render import DigestNotice
from services.notify.inbox.links import Links, indicator_page
from services.notify.inbox.service import display_names
from services.notify.names import alert_title
from services.notify.rows import insert_new
from services.notify.subscriptions.models import Subscription

WINDOW = timedelta(days=7)
ACTIVITY = {"fired": ("opened", "reopened"), "resolved": ("resolved",),
            "acknowledged": ("acknowledged",)}
NOTHING_TO_SAY = "not sent: no open alerts and nothing happened in the week"


def week_of(now: datetime, tz: str) -> str:
    """The ISO week of ``now`` where the conveners are, e.g. ``2024-W09``."""
    year, week, _ = now.astimezone(ZoneInfo(tz)).isocalendar()
    return f"{year}-W{week:02d}"


def due_week(now: datetime, *, weekday: int, hour: int, tz: str) -> str | None:
    """This week's label once its digest moment has passed, else None."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    moment = datetime.combine(monday + timedelta(days=weekday), time(hour), tzinfo=zone)
    return week_of(now, tz) if local >= moment else None


def conveners(*, session: Session) -> list[str]:
    """Agencies with a receiver: a subscription of their own or one from the registry."""
    return sorted(set(session.scalars(select(Subscription.convener).where(
        Subscription.deleted_at.is_(None)))))


def _iso(ts: datetime | None) -> str | None:
    a = aware(ts)
    return a.isoformat().replace("+00:00", "Z") if a is not None else None


class _Titles:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[str, dict[str, Any]] = {}

    def __call__(self, indicator: str) -> dict[str, Any]:
        if indicator not in self.cache:
            row = self.session.get(Definition, indicator)
            body = row.body if row is not None else {}
            self.cache[indicator] = {"title_sv": alert_title(body, indicator, "sv"),
                                     "title_en": alert_title(body, indicator, "en"),
                                     "unit": body.get("unit")}
        return self.cache[indicator]


def summarize(*, session: Session, convener: str, week: str, start: datetime, end: datetime,
              public_base_url: str, links: Links | None = None) -> dict[str, Any]:
    """What the convener's digest says (JSON, language-neutral). ``links``: notify's own
    (default: from the environment's settings), for what has no indicator page."""
    base = public_base_url.rstrip("/")
    links = links or Links.from_settings()
    titles = _Titles(session)

    def link(a: Alert) -> str:  # its page in the inbox, where it can be acted on
        return links.page(a.id)

    def page(indicator: str) -> str:
        return indicator_page(base, indicator) or f"{links.base_url}/inbox"

    groups: dict[int | None, dict[str, list[dict[str, Any]]]] = {}
    for a in session.scalars(select(Alert).where(
            Alert.convener == convener, Alert.status.in_(OPEN_STATUSES))
            .order_by(Alert.indicator, Alert.area, Alert.period, Alert.rule)):
        groups.setdefault(a.initiative, {}).setdefault(a.indicator, []).append({
            "id": a.id, "area": a.area, "period": a.period, "rule": a.rule,
            "status": a.status, "value": a.value, "expected": a.expected, "reason": a.reason,
            "fired_at": _iso(a.fired_at), "acknowledged_at": _iso(a.acknowledged_at),
            "escalated": a.escalated_at is not None, "link": link(a)})
    named = initiative_names.names(session=session)
    open_: list[dict[str, Any]] = [{"initiative": ini, "initiative_title": named.get(ini or 0),
                                    "indicators": [
        {"indicator": ind, **titles(ind), "link": page(ind), "alerts": alerts}
        for ind, alerts in sorted(inds.items())]}
        for ini, inds in sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))]
    open_count = sum(len(i["alerts"]) for g in open_ for i in g["indicators"])
    summary: dict[str, Any] = {
        "convener": convener, "week": week, "from": _iso(start), "to": _iso(end),
        "link": f"{base}/indicators", "open": open_, "open_count": open_count}
    rows = session.execute(
        select(AlertEvent, Alert).join(Alert, Alert.id == AlertEvent.alert_id)
        .where(Alert.convener == convener, AlertEvent.at >= start, AlertEvent.at < end,
               AlertEvent.transition.in_([t for ts in ACTIVITY.values() for t in ts]))
        .order_by(AlertEvent.at, AlertEvent.id)).all()
    people = display_names(session=session)  # who acknowledged: a name, not an address
    for key, transitions in ACTIVITY.items():
        mine = [(e, a) for e, a in rows if e.transition in transitions]
        # Opened and resolved before anyone could look (brief.py): one line, not a list.
        summary[f"{key}_brief"] = sum(1 for e, a in mine if _brief(e, a))
        summary[key] = [{
            "id": a.id, "indicator": a.indicator, **titles(a.indicator), "area": a.area,
            "period": a.period, "rule": a.rule, "initiative": a.initiative,
            "at": _iso(e.at),
            "by": people.get(e.actor, e.actor) if key == "acknowledged" else None,
            "link": link(a)} for e, a in mine if not _brief(e, a)]
    return summary


def _brief(event: AlertEvent, alert: Alert) -> bool:
    """The event belongs to the alert's latest episode, which was brief (its earlier
    episodes' times are not kept on the alert: they count as seen)."""
    return event.episode == alert.episode and is_brief(alert)


def says_something(summary: dict[str, Any]) -> bool:
    """A digest with nothing open and nothing that happened is not sent."""
    return bool(summary["open_count"] or any(
        summary.get(k) or summary.get(f"{k}_brief") for k in ACTIVITY))


def create_digests(*, session: Session, now: datetime, week: str, public_base_url: str,
                   only: Iterable[str] | None = None,
                   links: Links | None = None) -> list[Digest]:
    """Write the week's digests of every convener (or of ``only``) that has none yet."""
    created: list[Digest] = []
    for convener in sorted(set(only)) if only is not None else conveners(session=session):
        if session.scalar(select(Digest.id).where(
                Digest.convener == convener, Digest.iso_week == week).limit(1)) is not None:
            continue  # this convener's digest of the week exists: exactly once
        subs = receivers(session=session, agency=convener)
        if not subs:
            continue
        summary = summarize(session=session, convener=convener, week=week,
                            start=now - WINDOW, end=now, public_base_url=public_base_url,
                            links=links)
        # Nothing open and nothing happened: the row is written all the same (the week is
        # done, exactly once) but closed, so no "0 open alerts" message goes out.
        empty = not says_something(summary)
        for sub in subs:
            # Another replica may have written it first (rows.insert_new: not a savepoint,
            # which on SQLite commits the transaction's first write early).
            digest = insert_new(session, Digest, convener=convener, subscription_id=sub.id,
                                iso_week=week, period_start=now - WINDOW, period_end=now,
                                summary=summary, status=SUPERSEDED if empty else PENDING,
                                attempts=0, next_attempt_at=now, created_at=now,
                                last_error=NOTHING_TO_SAY if empty else None)
            if digest is not None and not empty:
                created.append(digest)
    return created


def claim_due(*, session: Session, now: datetime, limit: int,
              lease: timedelta) -> list[DigestNotice]:
    """Take up to ``limit`` due digests and reserve them for ``lease``."""
    rows = list(session.scalars(
        select(Digest).where(Digest.status.in_(DUE_STATUSES), Digest.next_attempt_at <= now)
        .order_by(Digest.next_attempt_at, Digest.id).limit(limit)
        .with_for_update(skip_locked=True)))
    notices = []
    for g in rows:
        sub = session.get(Subscription, g.subscription_id)
        assert sub is not None  # foreign key
        if sub.deleted_at is not None:
            g.status, g.last_error = DEAD, "the subscription was deleted"
            continue
        g.next_attempt_at = now + lease
        notices.append(DigestNotice(
            digest_id=g.id, attempt=g.attempts + 1, channel=sub.channel, target=sub.target,
            secret=sub.secret, lang=sub.lang, format=sub.format, summary=g.summary))
    session.flush()
    return notices


def record_attempt(*, session: Session, digest_id: int, error: str | None, now: datetime,
                   max_attempts: int, base: float, cap: float) -> str:
    g = session.get(Digest, digest_id)
    assert g is not None
    status = settle(g, error=error, now=now, policy=RetryPolicy(max_attempts, base, cap))
    session.flush()
    return status


def list_digests(*, session: Session, convener: str | None = None, week: str | None = None,
                 limit: int = 100, offset: int = 0) -> list[tuple[Digest, Subscription]]:
    q = select(Digest, Subscription).join(Subscription,
                                          Subscription.id == Digest.subscription_id)
    if convener is not None:
        q = q.where(Digest.convener == convener)
    if week is not None:
        q = q.where(Digest.iso_week == week)
    q = q.order_by(Digest.created_at.desc(), Digest.id.desc()).limit(limit).offset(offset)
    return [(g, s) for g, s in session.execute(q)]
