"""A receiver that unsubscribed stays unsubscribed, on SQLite and PostgreSQL.

The review's finding: the registry names an agency's role mailbox, notify subscribes it
(``source = "registry"``), the mailbox's reader posts the unsubscribe link of a mail, and the
next edit of the agency's contact in the registry (a webhook added, anything) subscribed the
mailbox again. Only the agency subscribing the address again itself lifts the opt-out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from samstat_kit.auth.service import Principal
from samstat_kit.db import session_factory, session_scope
from services.notify.alerts import service
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.delivery.routing import receivers
from services.notify.subscriptions import service as subscriptions
from services.notify.subscriptions.models import Contact, Subscription
from services.notify.subscriptions.schemas import SubscriptionCreate

from .factory import NOW, agency_id, indicator_id, tokens, upserted

HOOK = "https://hooks.example/kansli"
REGISTRY = "registry"


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    cfg = NotifySettings(database_url=db_url, kafka_enabled=False, sweep_interval_seconds=3600,
                         digest_enabled=False)
    with TestClient(create_app(cfg)) as c:
        yield c


class Registry:
    """One indicator of a fresh agency, as the registry sends it edit after edit."""

    def __init__(self, url: str) -> None:
        self.url, self.agency, self.ind, self.version = url, agency_id(), indicator_id(), 0

    def send(self, *contacts: dict[str, Any]) -> None:
        self.version += 1
        with session_scope(session_factory(self.url)) as s:
            service.handle_registry_event(session=s, now=NOW, event=upserted(
                self.ind, [{"kind": "yoy_rise", "tolerance": 0.5}], version=self.version,
                convener=self.agency, contacts=[{"agency": self.agency, **c} for c in contacts]))

    def routes(self, source: str | None = None) -> list[tuple[str, str]]:
        """(channel, target) of the agency's active subscriptions (of ``source``), or else,
        without a source, of its receivers."""
        with session_scope(session_factory(self.url)) as s:
            if source is None:
                subs = receivers(session=s, agency=self.agency)
            else:
                subs = list(s.scalars(select(Subscription).where(
                    Subscription.convener == self.agency, Subscription.source == source,
                    Subscription.deleted_at.is_(None))))
            return sorted((sub.channel, sub.target) for sub in subs)

    def sub_of(self, target: str) -> str:
        with session_scope(session_factory(self.url)) as s:
            return s.scalars(select(Subscription.id).where(
                Subscription.convener == self.agency, Subscription.target == target,
                Subscription.deleted_at.is_(None))).one()


def unsubscribe(client: TestClient, sub_id: str) -> None:
    r = client.post(_path(client, sub_id))
    assert r.status_code == 200, r.text


def mailbox() -> str:
    return f"kansli-{uuid.uuid4().hex[:8]}@fk.example"


def test_a_registry_edit_does_not_subscribe_an_unsubscribed_mailbox_again(
        db_url: str, client: TestClient) -> None:
    reg, kansli = Registry(db_url), mailbox()
    reg.send({"email": kansli})
    unsubscribe(client, reg.sub_of(kansli))
    assert reg.routes() == []

    # The admin adds a webhook: it is subscribed, the mailbox is not.
    reg.send({"email": kansli, "webhook_url": HOOK})
    assert reg.routes() == [("webhook", HOOK)]
    # Nor when the registry writes the address in other case (the same mailbox).
    reg.send({"email": kansli.capitalize(), "webhook_url": HOOK})
    assert reg.routes() == [("webhook", HOOK)]
    with session_scope(session_factory(db_url)) as s:  # the registry's word is still kept
        assert s.get(Contact, reg.agency).email == kansli.capitalize()  # type: ignore[union-attr]

    # A new, different mailbox from the registry is subscribed as before ...
    other = mailbox()
    reg.send({"email": other, "webhook_url": HOOK})
    assert reg.routes() == [("email", other), ("webhook", HOOK)]
    # ... removing the contact still ends its subscriptions, and the registry naming the
    # unsubscribed mailbox again later does not bring it back.
    reg.send()
    assert reg.routes(REGISTRY) == []
    reg.send({"email": kansli})
    assert reg.routes() == []


def test_unsubscribing_the_agencys_own_subscription_keeps_the_registry_from_the_address(
        db_url: str, client: TestClient) -> None:
    """The agency's own subscription ended by its link leaves the registry's route: that
    must not lead to the same mailbox, now or after an edit."""
    reg, kansli = Registry(db_url), mailbox()
    own = _subscribe(db_url, reg.agency, kansli.upper())
    reg.send({"email": kansli})
    unsubscribe(client, own)
    reg.send({"email": kansli, "webhook_url": HOOK})
    assert reg.routes() == [("webhook", HOOK)]


def test_the_agency_subscribing_the_address_again_lifts_the_opt_out(
        db_url: str, client: TestClient) -> None:
    reg, kansli = Registry(db_url), mailbox()
    reg.send({"email": kansli})
    unsubscribe(client, reg.sub_of(kansli))
    own = _subscribe(db_url, reg.agency, kansli.upper())
    # Its own takes precedence; the registry's mailbox is its default route again, as if
    # never unsubscribed (without waiting for an edit in the registry) ...
    assert reg.routes() == [("email", kansli.upper())]
    assert reg.routes(REGISTRY) == [("email", kansli)]
    # ... so when the agency drops its own, the registry's mailbox hears, and stays through
    # the next edit.
    with session_scope(session_factory(db_url)) as s:
        subscriptions.delete_subscription(session=s, principal=_agency(reg.agency),
                                          subscription_id=own, now=NOW)
    reg.send({"email": kansli, "webhook_url": HOOK})
    assert reg.routes() == [("email", kansli), ("webhook", HOOK)]


def test_subscribing_another_address_leaves_the_opt_out(db_url: str,
                                                        client: TestClient) -> None:
    reg, kansli = Registry(db_url), mailbox()
    reg.send({"email": kansli})
    unsubscribe(client, reg.sub_of(kansli))
    _subscribe(db_url, reg.agency, mailbox())
    reg.send({"email": kansli, "webhook_url": HOOK})
    assert reg.routes(REGISTRY) == [("webhook", HOOK)]


def _agency(agency: str) -> Principal:
    return Principal(token_id="t", scope="agency", agency=agency)


def _subscribe(url: str, agency: str, target: str) -> str:
    """The agency's own subscription, as ``POST /v1/subscriptions`` makes it."""
    with session_scope(session_factory(url)) as s:
        sub, _secret = subscriptions.create_subscription(
            session=s, principal=_agency(agency), now=NOW,
            body=SubscriptionCreate(convener=agency, channel="email", target=target))
        return sub.id


def test_the_link_of_an_ended_registry_subscription_still_unsubscribes_the_address(
        db_url: str, client: TestClient) -> None:
    """The registry replaced the mailbox, then named it again: a new subscription. The
    link in a mail of the first one answered "already ended" while mail went on."""
    reg, kansli = Registry(db_url), mailbox()
    reg.send({"email": kansli})
    first = reg.sub_of(kansli)
    reg.send({"email": mailbox()})
    reg.send({"email": kansli})
    assert reg.sub_of(kansli) != first
    page = client.get(_path(client, first))
    assert page.status_code == 200 and "Ja, avsluta" in page.text
    unsubscribe(client, first)
    assert reg.routes() == []
    reg.send({"email": kansli, "webhook_url": HOOK})
    assert reg.routes() == [("webhook", HOOK)]
    # Once nothing reaches the address, the link says so (and GET still changes nothing).
    again = client.get(_path(client, first))
    assert "Prenumerationen är redan avslutad." in again.text and "Ja, avsluta" not in again.text


def test_one_click_on_an_ended_link_remembers_the_wish(db_url: str,
                                                        client: TestClient) -> None:
    """The registry stopped naming the mailbox, and its reader clicks the link of an old
    mail: nothing to end now, but the registry naming the mailbox again must not reach it."""
    reg, kansli = Registry(db_url), mailbox()
    reg.send({"email": kansli})
    sub = reg.sub_of(kansli)
    reg.send()
    r = client.post(_path(client, sub))
    assert r.status_code == 200 and "Prenumerationen är redan avslutad." in r.text
    reg.send({"email": kansli})
    assert reg.routes() == []


def _path(client: TestClient, sub_id: str) -> str:
    url = client.app.state.links.unsubscribe(sub_id)  # type: ignore[attr-defined]
    return "/inbox/unsubscribe/" + url.rsplit("/inbox/unsubscribe/", 1)[1]


def test_the_api_lists_the_opt_outs_to_their_agency_and_admins(
        db_url: str, client: TestClient) -> None:
    reg, kansli = Registry(db_url), mailbox()
    auth = tokens(db_url, reg.agency, "forsakringskassan")
    reg.send({"email": kansli.capitalize()})
    unsubscribe(client, reg.sub_of(kansli.capitalize()))
    for who, query in ((reg.agency, ""), ("admin", f"?convener={reg.agency}")):
        r = client.get("/v1/opt-outs" + query, headers=auth[who])
        assert r.status_code == 200, r.text
        assert [(o["convener"], o["channel"], o["address"]) for o in r.json()] == [
            (reg.agency, "email", kansli)]
    assert client.get(f"/v1/opt-outs?convener={reg.agency}",
                      headers=auth["forsakringskassan"]).status_code == 403
    assert reg.agency not in client.get("/v1/opt-outs",
                                        headers=auth["forsakringskassan"]).text
    assert client.get("/v1/opt-outs").status_code == 401
