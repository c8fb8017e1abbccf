"""Grouping per convener (group_wait / group_interval) and reminders (repeat_interval) on the
delivery outbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from services.notify.alerts import service, sweeps
from services.notify.alerts.models import Alert
from services.notify.delivery import service as deliveries
from services.notify.delivery.messages import Notice, subject, text, webhook_payload
from services.notify.delivery.models import Delivery
from services.notify.subscriptions.models import Silence, Subscription

from .factory import NOW, agency_id, indicator_id, later, upserted, value_event

YOY = [{"kind": "yoy_rise", "tolerance": 0.5}]
WAIT, INTERVAL = timedelta(seconds=30), timedelta(minutes=5)


def setup(session: Session, owner: str | None = None) -> tuple[str, str, str]:
    """A convener with one webhook subscription and an indicator; (convener, hook, ind)."""
    convener, ind = agency_id(), indicator_id()
    hook = f"http://127.0.0.1:9/{uuid.uuid4().hex}"
    session.add(Subscription(id=str(uuid.uuid4()), convener=convener, channel="webhook",
                             target=hook, secret="s", lang="sv", format="json",
                             created_at=NOW, created_by="test"))
    service.handle_registry_event(session=session, now=NOW, event=upserted(
        ind, YOY, convener=convener, follow_up_owner=owner))
    return convener, hook, ind


def fire(session: Session, ind: str, area: str, at: datetime) -> Alert:
    [alert] = service.handle_indicator_value(session=session, now=at, event=value_event(
        ind, "2023", 12.0, 11.0, area=area, computed_at=at))
    return alert


def claim(session: Session, hook: str, at: datetime) -> list[Notice]:
    notices = deliveries.claim_due(session=session, now=at, limit=1000,
                                   lease=timedelta(minutes=2), public_base_url="http://x",
                                   group_wait=WAIT, group_interval=INTERVAL).notices
    return [n for n in notices if n.target == hook]


def record(session: Session, n: Notice, at: datetime, error: str | None = None) -> str:
    return deliveries.record_message(session=session, delivery_ids=n.settles, error=error,
                                     now=at, max_attempts=5, base=10, cap=60)


def test_alerts_of_a_convener_wait_for_each_other_and_go_as_one(session: Session) -> None:
    _, hook, ind = setup(session)
    for area in ("2480", "2460", "2404"):
        fire(session, ind, area, NOW)
    assert claim(session, hook, NOW) == []  # waiting for the rest of the group
    parked = session.scalars(select(Delivery).join(Alert, Alert.id == Delivery.alert_id)
                             .where(Alert.indicator == ind)).all()
    assert {d.next_attempt_at.replace(tzinfo=None) for d in parked} == {
        (NOW + WAIT).replace(tzinfo=None)}
    fire(session, ind, "2409", later(seconds=20))  # joins the waiting group
    assert claim(session, hook, later(seconds=20)) == []

    [n] = claim(session, hook, later(seconds=30))
    assert n.grouped and len(n.items) == 4 and len(n.settles) == 4
    assert n.delivery_id == min(n.settles)
    assert subject(n).startswith("[samstat] 4 avvikelser:")
    body = text(n)
    assert body.startswith("4 nya avvikelser för") and body.count("http://x/indicators/") == 4
    payload = webhook_payload(n)
    assert payload["group"] and payload["count"] == 4 and "alert" not in payload
    assert sorted(a["area"] for a in payload["alerts"]) == ["2404", "2409", "2460", "2480"]
    # Claimed: leased, and bound together as one message.
    assert claim(session, hook, later(seconds=31)) == []
    batch = {d.batch_id for d in session.scalars(select(Delivery).where(
        Delivery.id.in_(n.settles)))}
    assert batch == {n.delivery_id}

    # The send fails; meanwhile a fifth alert fires. The retry is the same four, together.
    assert record(session, n, later(seconds=32), error="HTTP 503") == "failed"
    fire(session, ind, "2401", later(seconds=35))
    [retry] = claim(session, hook, later(seconds=42))
    assert (retry.delivery_id, retry.settles, retry.attempt) == (n.delivery_id, n.settles, 2)
    assert record(session, retry, later(seconds=43)) == "sent"
    assert all(d.status == "sent" for d in session.scalars(select(Delivery).where(
        Delivery.id.in_(n.settles))))

    # The fifth waits for group_interval after the group was last sent.
    assert claim(session, hook, later(seconds=35) + WAIT) == []
    [fifth] = claim(session, hook, later(seconds=43) + INTERVAL)
    assert not fifth.grouped and fifth.alert.area == "2401"
    assert subject(fifth).startswith("[samstat] Larm:")


def test_a_dispatcher_dying_mid_send_resends_the_same_message(session: Session) -> None:
    _, hook, ind = setup(session)
    for area in ("2480", "2460"):
        fire(session, ind, area, NOW)
    [n] = claim(session, hook, NOW + WAIT)
    # No outcome recorded (the process died); the lease runs out; another replica claims.
    [again] = claim(session, hook, NOW + WAIT + timedelta(minutes=3))
    assert (again.delivery_id, again.settles) == (n.delivery_id, n.settles)
    record(session, again, NOW + WAIT + timedelta(minutes=3))
    assert claim(session, hook, NOW + timedelta(hours=1)) == []


def test_copies_group_apart_from_the_convener(session: Session) -> None:
    owner = agency_id()
    owner_hook = f"http://127.0.0.1:9/{uuid.uuid4().hex}"
    session.add(Subscription(id=str(uuid.uuid4()), convener=owner, channel="webhook",
                             target=owner_hook, secret=None, lang="en", format="json",
                             created_at=NOW, created_by="test"))
    _, hook, ind = setup(session, owner=owner)
    for area in ("2480", "2460"):
        fire(session, ind, area, NOW)
    notices = deliveries.claim_due(session=session, now=NOW + WAIT, limit=1000,
                                   lease=timedelta(minutes=2), public_base_url="http://x",
                                   group_wait=WAIT).notices
    [mine] = [n for n in notices if n.target == hook]
    [copy] = [n for n in notices if n.target == owner_hook]
    assert (mine.role, len(mine.items), copy.role, len(copy.items)) == (
        "convener", 2, "copy", 2)
    assert subject(copy).startswith("[samstat] (copy) 2 alerts:")
    assert "Copy for the follow-up owner" in text(copy)
    assert webhook_payload(copy)["role"] == "copy"


def reminders_of(session: Session, ind: str) -> list[tuple[int, int, str]]:
    q = select(Delivery).join(Alert, Alert.id == Delivery.alert_id).where(
        Alert.indicator == ind, Delivery.transition == "reminder").order_by(Delivery.id)
    return [(d.episode, d.sequence, d.role) for d in session.scalars(q)]


def test_reminders_until_acknowledged_or_resolved(session: Session) -> None:
    owner = agency_id()
    session.add(Subscription(id=str(uuid.uuid4()), convener=owner, channel="email",
                             target="uppfoljning@example.org", secret=None, lang="sv",
                             format="json", created_at=NOW, created_by="test"))
    convener, hook, ind = setup(session, owner=owner)
    alert = fire(session, ind, "2480", NOW)
    day = timedelta(hours=24)
    [firing] = claim(session, hook, NOW + WAIT)
    record(session, firing, NOW + WAIT)

    def remind(at: datetime) -> list[Alert]:
        return [a for a in sweeps.remind_unacknowledged(session=session, now=at, every=day)
                if a.indicator == ind]

    assert remind(later(hours=23)) == []
    assert remind(later(hours=24)) == [alert] and alert.reminders == 1
    assert sorted(reminders_of(session, ind)) == [(1, 1, "convener"), (1, 1, "copy")]
    assert remind(later(hours=30)) == []  # one a day
    [first] = claim(session, hook, later(hours=30))  # waited out the group at 24 h
    assert (first.transition, first.sequence, first.role) == ("reminder", 1, "convener")
    assert "Påminnelse 1: larmet är fortfarande aktivt" in text(first)
    assert subject(first).startswith("[samstat] Påminnelse:")
    record(session, first, later(hours=30))
    # A sweep that was down for two days sends the reminder that is due, not two; the copy's
    # reminder 1, never sent, is superseded by it.
    assert remind(later(hours=73)) == [alert] and alert.reminders == 3
    statuses = [(d.sequence, d.role, d.status) for d in session.scalars(
        select(Delivery).where(Delivery.alert_id == alert.id,
                               Delivery.transition == "reminder").order_by(Delivery.id))]
    assert sorted(statuses) == [(1, "convener", "sent"), (1, "copy", "superseded"),
                                (3, "convener", "pending"), (3, "copy", "pending")]
    assert claim(session, hook, later(hours=73)) == []  # reminders are grouped too
    [third] = claim(session, hook, later(hours=73) + WAIT)
    assert third.sequence == 3 and "Påminnelse 3" in text(third)
    record(session, third, later(hours=73) + WAIT)

    # Silenced: no reminder while it lasts.
    session.add(Silence(id=str(uuid.uuid4()), indicator=ind, area=None, convener=None,
                        created_at=NOW, created_by="test", expires_at=later(hours=100)))
    session.flush()
    assert remind(later(hours=97)) == []
    assert remind(later(hours=101)) == [alert] and alert.reminders == 4
    # Acknowledged: no more, and the one queued before is not sent after all.
    service.acknowledge(session=session, alert_id=alert.id, now=later(hours=102),
                        principal=Principal(token_id="t", scope="agency", agency=convener))
    assert claim(session, hook, later(hours=103)) == []
    assert {d.status for d in session.scalars(select(Delivery).where(
        Delivery.alert_id == alert.id, Delivery.sequence == 4))} == {"superseded"}
    assert remind(later(hours=200)) == []
    _, history = service.get_alert(session=session, alert_id=alert.id)
    assert [h.transition for h in history].count("reminded") == 3

    # Resolved, then firing again: a new episode, reminded afresh from its own start.
    service.handle_indicator_value(session=session, now=later(hours=201), event=value_event(
        ind, "2023", 11.0, 11.0, area="2480", computed_at=later(hours=201)))
    again = fire(session, ind, "2480", later(hours=202))
    assert (again.episode, again.reminders) == (2, 0)
    assert remind(later(hours=202 + 24)) == [again] and again.reminders == 1
    assert (2, 1, "convener") in reminders_of(session, ind)


def test_no_reminders_when_the_interval_is_zero(session: Session) -> None:
    _, _, ind = setup(session)
    fire(session, ind, "2480", NOW)
    assert [a for a in sweeps.remind_unacknowledged(
        session=session, now=later(days=30), every=timedelta(0)) if a.indicator == ind] == []
