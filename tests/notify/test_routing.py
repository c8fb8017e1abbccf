"""Routing on SQLite and PostgreSQL: the follow-up owner in copy, deduplicated, and the
registry's role mailbox as the default route of an agency without subscriptions."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.alerts import service
from services.notify.delivery import service as deliveries
from services.notify.delivery.messages import subject, text
from services.notify.delivery.models import Delivery
from services.notify.delivery.routing import receivers
from services.notify.events import IndicatorUpserted
from services.notify.subscriptions.contacts import parse_contacts
from services.notify.subscriptions.models import Contact, Subscription

from .factory import NOW, agency_id, indicator_id, later, registry_doc, value_event

YOY = [{"kind": "yoy_rise", "tolerance": 0.5}]


def subscribe(session: Session, convener: str, target: str | None = None,
              channel: str = "email", lang: str = "sv") -> str:
    sid = str(uuid.uuid4())
    session.add(Subscription(
        id=sid, convener=convener, channel=channel,
        target=target or f"{uuid.uuid4().hex[:8]}@example.org", secret=None, lang=lang,
        format="json", created_at=NOW, created_by="test"))
    session.flush()
    return sid


def define(session: Session, ind: str, **kw: Any) -> None:
    event = IndicatorUpserted.model_validate(registry_doc(ind, YOY, **kw))
    service.handle_registry_event(session=session, event=event, now=NOW)


def rows(session: Session, ind: str) -> list[tuple[str, str, str]]:
    """(subscription, transition, role) of the indicator's deliveries."""
    q = select(Delivery).join(service.Alert, service.Alert.id == Delivery.alert_id).where(
        service.Alert.indicator == ind).order_by(Delivery.id)
    return [(d.subscription_id, d.transition, d.role) for d in session.scalars(q)]


def fire(session: Session, ind: str, area: str = "2480", value: float = 12.0,
         seconds: float = 0) -> None:
    service.handle_indicator_value(session=session, now=later(seconds=seconds), event=value_event(
        ind, "2023", value, 11.0, area=area, computed_at=later(seconds=seconds)))


def test_the_follow_up_owner_gets_one_copy(session: Session) -> None:
    convener, owner = agency_id(), agency_id()
    conv_sub = subscribe(session, convener, target="Kansli@Example.org")
    owner_sub = subscribe(session, owner, lang="en")
    # The same mailbox subscribed for both: it hears once, as the convener.
    subscribe(session, owner, target="kansli@example.org")
    ind = indicator_id()
    define(session, ind, convener=convener, follow_up_owner=owner)
    fire(session, ind)
    assert set(rows(session, ind)) == {(conv_sub, "firing", "convener"),
                                       (owner_sub, "firing", "copy")}
    # Replayed: nothing new. Resolved: both hear of it, in the same roles.
    fire(session, ind)
    fire(session, ind, value=11.0, seconds=5)
    assert len(rows(session, ind)) == 4
    assert set(rows(session, ind)[2:]) == {(conv_sub, "resolved", "convener"),
                                           (owner_sub, "resolved", "copy")}

    claim = deliveries.claim_due(session=session, now=later(1), limit=1000,
                                 lease=timedelta(minutes=2), public_base_url="http://x")
    [copy] = [n for n in claim.notices if n.role == "copy" and n.alert.indicator == ind]
    # It resolved before the claim: the mail says so (and offers no acknowledging).
    assert copy.lang == "en" and subject(copy).startswith(
        "[samstat] (copy) Alert that has already ended:")
    assert "Copy for the follow-up owner" in text(copy)
    [own] = [n for n in claim.notices if n.role == "convener" and n.alert.indicator == ind]
    assert subject(own).startswith("[samstat] Larm som redan har upphört:")
    assert "Kopia" not in text(own)


def test_a_mailbox_or_webhook_subscribed_twice_by_its_agency_hears_once(
        session: Session) -> None:
    """An agency's own receivers, like the copies, are one per address: a script that
    retried its POST /v1/subscriptions after a timeout, or a person who subscribed as
    "Kansli@…" and again as "kansli@…", got every alert twice (two deliveries, two
    Message-IDs and webhook-ids, so no receiver could tell them for one)."""
    convener = agency_id()
    mail = {subscribe(session, convener, target="Kansli@Example.org"),
            subscribe(session, convener, target="kansli@example.org", lang="en")}
    hook = {subscribe(session, convener, target="https://hooks.example.org/a",
                      channel="webhook") for _ in range(2)}
    ind = indicator_id()
    define(session, ind, convener=convener)
    fire(session, ind)
    fire(session, ind)  # replayed: nothing new
    sent = [sub for sub, _transition, _role in rows(session, ind)]
    assert len(sent) == 2 and len(mail & set(sent)) == 1 and len(hook & set(sent)) == 1
    assert {s.id for s in receivers(session=session, agency=convener)} == set(sent)


def test_no_copy_when_the_convener_follows_up_itself(session: Session) -> None:
    convener = agency_id()
    sid = subscribe(session, convener)
    ind = indicator_id()
    define(session, ind, convener=convener)
    fire(session, ind)
    assert rows(session, ind) == [(sid, "firing", "convener")]  # one row, no copy


def test_registry_contacts_are_the_default_route(session: Session) -> None:
    convener, owner = agency_id(), agency_id()
    ind = indicator_id()
    contacts = [{"agency": convener, "email": "funktion@region.example",
                 "webhook": "https://hooks.example/region", "version": 3},
                {"agency": owner, "email": "kansli@forbund.example"},
                {"agency": "Not An Agency", "email": "x@y.example"},  # skipped, loudly
                {"agency": agency_id(), "email": "not-an-address"}]
    define(session, ind, convener=convener, follow_up_owner=owner, contacts=contacts)
    assert session.get(Contact, convener).email == "funktion@region.example"  # type: ignore[union-attr]
    by_agency = {a: sorted((s.channel, s.target, s.source)
                           for s in receivers(session=session, agency=a))
                 for a in (convener, owner)}
    assert by_agency == {
        convener: [("email", "funktion@region.example", "registry"),
                   ("webhook", "https://hooks.example/region", "registry")],
        owner: [("email", "kansli@forbund.example", "registry")]}
    fire(session, ind)
    assert sorted(r[1:] for r in rows(session, ind)) == [
        ("firing", "convener"), ("firing", "convener"), ("firing", "copy")]

    # An older version of the contact (read late from another partition) does not win;
    # a newer one replaces the mailbox, retiring the old route.
    older = [{"agency": convener, "email": "old@region.example", "version": 2},
             {"agency": owner, "email": "kansli@forbund.example"}]
    define(session, ind, convener=convener, follow_up_owner=owner, contacts=older, version=2)
    assert session.get(Contact, convener).email == "funktion@region.example"  # type: ignore[union-attr]
    newer = [{"agency": convener, "email": "ny@region.example", "version": 4},
             {"agency": owner, "email": "kansli@forbund.example"}]
    define(session, ind, convener=convener, follow_up_owner=owner, contacts=newer, version=3)
    assert [s.target for s in receivers(session=session, agency=convener)] == [
        "ny@region.example"]

    # The agency's own subscription takes precedence over the registry's mailbox.
    own = subscribe(session, convener)
    assert [s.id for s in receivers(session=session, agency=convener)] == [own]
    # A named agency missing from the list has no contact any more.
    define(session, ind, convener=convener, follow_up_owner=owner, version=4,
           contacts=[{"agency": convener, "email": "ny@region.example", "version": 4}])
    assert session.get(Contact, owner) is None
    assert receivers(session=session, agency=owner) == []


def test_events_without_contacts_leave_them_alone(session: Session) -> None:
    convener = agency_id()
    ind = indicator_id()
    define(session, ind, convener=convener,
           contacts=[{"agency": convener, "email": "a@b.example"}])
    define(session, ind, convener=convener, version=2)  # no "contacts" key at all
    assert [s.target for s in receivers(session=session, agency=convener)] == ["a@b.example"]


def test_parse_contacts_is_lenient() -> None:
    parsed = parse_contacts([
        {"agency": "kriminalvarden", "email": "kv@example.org",
         "webhook_url": "https://h.example/kv"},
        {"agency": "x", "webhook": "ftp://h.example"}, "nonsense", {"email": "a@b.example"},
        {"agency": "y", "email": "y@example.org", "version": "7"}])
    assert [(c.agency, c.email, c.webhook) for c in parsed] == [
        ("kriminalvarden", "kv@example.org", "https://h.example/kv")]
    assert parse_contacts(None) == [] and parse_contacts({"agency": "x"}) == []
