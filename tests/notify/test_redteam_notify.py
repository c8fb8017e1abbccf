"""Red-team findings on notify's receivers: an e-mail target is one address and nothing
else (no line break that would start a header), from the API and from the registry."""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.subscriptions.contacts import parse_contacts

from .factory import tokens
from .test_ssrf import KV, REGION, Names, settings

BAD_ADDRESSES = ["anna@example.se\n", "anna@example.se\r\nBcc: x@example.org",
                 "anna@example.se\nBcc: x@example.org", "anna@exa mple.se"]


def test_an_email_target_with_a_line_break_is_refused(fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION, KV)
    with TestClient(create_app(settings(fresh_url), resolver=Names())) as client:
        for target in BAD_ADDRESSES:
            r = client.post("/v1/subscriptions", headers=auth[REGION], json={
                "convener": REGION, "channel": "email", "target": target})
            assert r.status_code == 422, (target, r.text)
        ok = client.post("/v1/subscriptions", headers=auth[REGION], json={
            "convener": REGION, "channel": "email", "target": "anna@example.se"})
        assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_a_registry_contact_with_a_line_break_is_skipped(address: str) -> None:
    assert parse_contacts([{"agency": "kommun-2480", "email": address}]) == []
    assert parse_contacts([{"agency": "kommun-2480", "email": "a@example.se"}])


def test_another_agencys_token_gets_no_acknowledge_link(sqlite_url: str) -> None:
    # Any token may list alerts, but the signed one-click link acknowledges without a
    # sign-in: handed to another agency it would let them acknowledge the convener's alert.
    from .test_inbox_pages import AF, FK, OUT, alert_of

    auth = tokens(sqlite_url, FK, AF, OUT, "kommun-2480")
    cfg = NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                         dispatch_idle_seconds=0.1, sweep_interval_seconds=3600,
                         digest_enabled=False)
    with TestClient(create_app(cfg)) as client:
        alert = alert_of(client)
        for who, may in ((FK, True), ("admin", True), ("kommun-2480", False), (OUT, False)):
            one = client.get(f"/v1/alerts/{alert.id}", headers=auth[who])
            assert one.status_code == 200
            listed = [a for a in client.get("/v1/alerts", params={"indicator": alert.indicator},
                                            headers=auth[who]).json() if a["id"] == alert.id]
            for links in (one.json()["links"], listed[0]["links"]):
                assert links["page"]
                assert (links.get("acknowledge") is not None) is may, (who, links)
        # Once acknowledged, no one gets a link that would only be refused.
        assert client.post(f"/v1/alerts/{alert.id}/ack", headers=auth[FK]).status_code == 200
        for who in (FK, "admin"):
            got = client.get(f"/v1/alerts/{alert.id}", headers=auth[who]).json()
            assert got["status"] == "acknowledged" and "acknowledge" not in {
                k for k, v in got["links"].items() if v}


def test_a_copy_carries_no_acknowledge_link_and_a_foreign_link_never_acknowledges(
        fresh_url: str) -> None:
    """The follow-up owner's own JSON webhook gets a copy of the convener's alert: no link
    in it acknowledges (was: a working one, which the API refuses that agency), and a link
    minted for another agency's receiver is refused (403) and changes nothing."""
    from datetime import timedelta

    from samstat_kit.db import session_factory, session_scope
    from services.notify.alerts import service
    from services.notify.delivery import service as deliveries
    from services.notify.delivery.messages import webhook_payload
    from services.notify.events import IndicatorUpserted
    from tests.auth.helpers import csrf_of

    from .factory import NOW, indicator_id, later, registry_doc, value_event

    convener, owner = "kriminalvarden", "samordningsforbundet"
    app = create_app(NotifySettings(database_url=fresh_url, kafka_enabled=False),
                     resolver=lambda _host, _port: ["127.0.0.1"])
    c = TestClient(app, follow_redirects=False)
    auth = tokens(fresh_url, owner)
    r = c.post("/v1/subscriptions", headers=auth[owner], json={
        "convener": owner, "channel": "webhook", "target": "http://127.0.0.1:9/owner"})
    assert r.status_code == 201, r.text
    ind = indicator_id()
    with session_scope(session_factory(fresh_url)) as s:
        service.handle_registry_event(session=s, now=NOW, event=IndicatorUpserted.model_validate(
            registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.5}], convener=convener,
                         follow_up_owner=owner)))
        service.handle_indicator_value(session=s, now=NOW, event=value_event(
            ind, "2024", 14.0, 11.0, computed_at=NOW))
        claim = deliveries.claim_due(session=s, now=later(1), limit=1000,
                                     lease=timedelta(minutes=2), public_base_url="https://x",
                                     links=app.state.links)
        copy = next(n for n in claim.notices if n.target.endswith("/owner"))
        payload = webhook_payload(copy)
        assert "acknowledge" not in payload["links"]
        assert "acknowledge" not in payload["alert"]["links"]
        foreign = app.state.links.for_alert(copy.alert.id, copy.alert.episode,
                                            r.json()["id"]).acknowledge
    path = "/inbox/ack/" + foreign.rsplit("/inbox/ack/", 1)[1]
    page = c.get(path)
    assert page.status_code == 403
    r = c.post(path, data={"csrf_token": csrf_of(c.get("/login").text)})
    assert r.status_code == 403
    alert = c.get(f"/v1/alerts/{copy.alert.id}", headers=auth["admin"]).json()
    assert alert["status"] == "firing"


def test_a_refused_recipient_is_not_named_in_the_delivery_anyone_reads(
        fresh_url: str) -> None:
    """Any token reads an alert's deliveries; smtplib's refusal quoted the address, which
    the subscription list refuses to other agencies."""

    from aiosmtpd.controller import Controller

    from samstat_kit.broker import free_port


    class Refusing:
        async def handle_RCPT(self, *_args: object) -> str:
            return "550 5.1.1 mailbox unavailable"

    port = free_port()
    smtp = Controller(Refusing(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        app = create_app(NotifySettings(database_url=fresh_url, kafka_enabled=False,
                                        smtp_port=port, group_wait_seconds=0))
        c = TestClient(app, follow_redirects=False)
        auth = tokens(fresh_url, "forsakringskassan", "kommun-2460")
        private = "karin.lund.privat@example.org"
        assert c.post("/v1/subscriptions", headers=auth["forsakringskassan"], json={
            "convener": "forsakringskassan", "channel": "email", "target": private}
        ).status_code == 201
        ind = _fire_and_deliver(app, fresh_url)
    finally:
        smtp.stop()
    [alert] = c.get("/v1/alerts", params={"convener": "forsakringskassan", "indicator": ind},
                    headers=auth["kommun-2460"]).json()
    # Another agency reads the alert without its deliveries (ab4c084); the convener's own
    # view keeps the reason and still does not quote the address.
    other = c.get(f"/v1/alerts/{alert['id']}", headers=auth["kommun-2460"]).json()
    assert other["deliveries"] == [] and "karin" not in str(other)
    detail = c.get(f"/v1/alerts/{alert['id']}", headers=auth["forsakringskassan"]).json()
    errors = [d["last_error"] for d in detail["deliveries"]]
    assert errors and all("recipient refused (550)" in (e or "") for e in errors), errors
    assert all("karin" not in (e or "") for e in errors)


@pytest.mark.parametrize("title", ["Andel i arbete\r\nBcc: x@example.org",
                                   "Andel i arbete\nX-Injected: 1", "Andel\u2028i arbete"])
def test_a_title_with_a_line_break_still_reaches_the_convener_on_one_subject_line(
        fresh_url: str, title: str) -> None:
    """The subject says the indicator's title, which the registry takes as written: a line
    break in it made the mail library refuse the header, and every mail about the indicator
    failed at every attempt. It goes out, the title on one line, and starts no header."""
    from email import message_from_bytes, policy

    from .receivers import smtp_server

    with smtp_server() as (sink, port):
        app = create_app(NotifySettings(database_url=fresh_url, kafka_enabled=False,
                                        smtp_port=port, group_wait_seconds=0))
        c = TestClient(app, follow_redirects=False)
        auth = tokens(fresh_url, "forsakringskassan")
        target = "convener@example.org"
        assert c.post("/v1/subscriptions", headers=auth["forsakringskassan"], json={
            "convener": "forsakringskassan", "channel": "email", "target": target}
        ).status_code == 201
        ind = _fire_and_deliver(app, fresh_url, title_sv=title)
    [alert] = c.get("/v1/alerts", params={"convener": "forsakringskassan", "indicator": ind},
                    headers=auth["forsakringskassan"]).json()
    detail = c.get(f"/v1/alerts/{alert['id']}", headers=auth["forsakringskassan"]).json()
    assert [d["status"] for d in detail["deliveries"]] == ["sent"], detail["deliveries"]
    assert [rcpts for rcpts, _raw in sink.messages] == [[target]]
    mail = message_from_bytes(sink.messages[0][1], policy=policy.default)
    assert "Andel" in mail["Subject"] and "i arbete" in mail["Subject"]
    assert mail["Bcc"] is None and mail["X-Injected"] is None
    assert not any(ch in str(mail["Subject"]) for ch in "\r\n\u2028")


def test_a_link_of_a_deleted_subscription_acts_no_more(db_url: str) -> None:
    """A one-click link mailed to a subscription kept acknowledging for its 14 days after
    the subscription was deleted (a person who left, a receiver removed). Now it says what
    an expired link says, shows nothing of the alert, and acknowledges nothing; the link of
    a subscription still there acts."""
    import uuid

    from samstat_kit.db import session_factory, session_scope
    from services.notify.alerts.models import Alert
    from services.notify.inbox.links import Links
    from tests.auth.helpers import csrf_of

    from .test_inbox_pages import AF, FK, OUT, alert_of

    auth = tokens(db_url, FK, AF, OUT)
    cfg = NotifySettings(database_url=db_url, kafka_enabled=False,
                         dispatch_idle_seconds=0.1, sweep_interval_seconds=3600,
                         digest_enabled=False)
    with TestClient(create_app(cfg)) as client:
        links: Links = client.app.state.links  # type: ignore[attr-defined]
        alert = alert_of(client)  # fired before these exist: nothing is sent to them
        subs = []
        for who in ("slutat", "kvar"):
            r = client.post("/v1/subscriptions", headers=auth[FK], json={
                "convener": FK, "channel": "email",
                "target": f"{who}-{uuid.uuid4().hex[:8]}@fk.example"})
            assert r.status_code == 201, r.text
            subs.append(r.json()["id"])
        left, stays = subs
        try:
            def ack_path(sub: str | None) -> str:
                url = links.for_alert(alert.id, alert.episode, sub).acknowledge
                return "/inbox/ack/" + url.rsplit("/inbox/ack/", 1)[1]

            dead, live = ack_path(left), ack_path(stays)
            assert "Vill du kvittera larmet?" in client.get(dead).text  # it acted until ...
            assert client.delete(f"/v1/subscriptions/{left}",
                                 headers=auth[FK]).status_code == 204  # ... now
            csrf = csrf_of(client.get("/login").text)
            # What an expired link shows: the same page, the same status.
            late = Links(["samstat-development-link-secret-not-for-production"],
                         links.base_url, 0)
            expired_path = "/inbox/ack/" + late.for_alert(
                alert.id, alert.episode, stays).acknowledge.rsplit("/inbox/ack/", 1)[1]
            client.app.state.links = late  # type: ignore[attr-defined]
            time.sleep(1.1)
            expired = client.get(expired_path)
            client.app.state.links = links  # type: ignore[attr-defined]
            assert expired.status_code == 410
            for answer in (client.get(dead), client.post(dead, data={"csrf_token": csrf})):
                assert answer.status_code == 410, answer.text[:300]
                # (the language switch links the page's own address)
                assert answer.text.replace(dead, "") == expired.text.replace(expired_path, "")
                assert "Andel i arbete efter insats" not in answer.text  # nothing of the alert
            with session_scope(session_factory(db_url)) as s:
                assert s.get(Alert, alert.id).status == "firing"  # type: ignore[union-attr]
            assert 'notify_link_actions_total{outcome="revoked"}' in client.get("/metrics").text

            done = client.post(live, data={"csrf_token": csrf})
            assert done.status_code == 200 and "Tack! Larmet är kvitterat." in done.text
            with session_scope(session_factory(db_url)) as s:
                assert s.get(Alert, alert.id).status == "acknowledged"  # type: ignore[union-attr]
        finally:  # the shared database: no receiver of this test is left for later alerts
            for sub in subs:
                client.delete(f"/v1/subscriptions/{sub}", headers=auth[FK])


def _fire_and_deliver(app: FastAPI, url: str, **doc: str) -> str:
    """A new indicator (``doc``: more of its registry document) whose value fires an alert
    for Försäkringskassan, and one round of ``app``'s dispatcher; the indicator's id."""
    import asyncio

    from samstat_kit.db import session_factory, session_scope
    from services.notify.alerts import service
    from services.notify.events import IndicatorUpserted

    from .factory import NOW, indicator_id, registry_doc, value_event

    ind = indicator_id()
    with session_scope(session_factory(url)) as s:
        service.handle_registry_event(
            session=s, now=NOW, event=IndicatorUpserted.model_validate(registry_doc(
                ind, [{"kind": "yoy_rise", "tolerance": 0.5}], **doc)))
        service.handle_indicator_value(session=s, now=NOW, event=value_event(
            ind, "2024", 14.0, 11.0, computed_at=NOW))
    dispatcher = app.state.dispatcher
    dispatcher.links = app.state.links

    async def once() -> None:
        await dispatcher.drain_once()
        await dispatcher.idle()
    asyncio.run(once())
    return ind


def test_unsubscribing_ends_every_subscription_of_the_agency_to_that_address(
        db_url: str) -> None:
    """The page says "X gets no more messages from samstat", but an address the agency had
    subscribed twice (a POST retried, "Kansli@…" and "kansli@…") went on getting them
    through the other subscription."""
    import uuid

    from samstat_kit.db import session_factory, session_scope
    from services.notify.delivery.routing import receivers

    from .test_inbox_pages import FK

    auth = tokens(db_url, FK)
    address = f"kansli-{uuid.uuid4().hex[:8]}@fk.example"
    other = f"annan-{uuid.uuid4().hex[:8]}@fk.example"
    cfg = NotifySettings(database_url=db_url, kafka_enabled=False, sweep_interval_seconds=3600,
                         digest_enabled=False)
    with TestClient(create_app(cfg)) as client:
        subs = []
        for target in (address.capitalize(), address, other):
            r = client.post("/v1/subscriptions", headers=auth[FK], json={
                "convener": FK, "channel": "email", "target": target})
            assert r.status_code == 201, r.text
            subs.append(r.json()["id"])
        try:
            url = client.app.state.links.unsubscribe(subs[1])  # type: ignore[attr-defined]
            r = client.post("/inbox/unsubscribe/" + url.rsplit("/inbox/unsubscribe/", 1)[1])
            assert r.status_code == 200 and address in r.text
            with session_scope(session_factory(db_url)) as s:
                left = {sub.target for sub in receivers(session=s, agency=FK)}
            assert other in left and not any(t.casefold() == address for t in left)
        finally:
            for sub in subs:
                client.delete(f"/v1/subscriptions/{sub}", headers=auth[FK])


def test_a_webhooks_link_records_no_secret_of_its_url(sqlite_url: str) -> None:
    """An acknowledgement through the one-click link of a webhook's message, no one signed
    in, recorded ``link:<the webhook URL>`` as who acknowledged: a bearer secret (Slack and
    Teams hooks carry it in the path) that the registry shows no other agency, shown to the
    follow-up owner's agency by the alert's detail and history. Now the receiver is named by
    its origin; an e-mail receiver still by its address."""
    from samstat_kit.db import session_scope
    from services.notify.alerts.models import Alert
    from services.notify.inbox.links import Links
    from tests.auth.helpers import csrf_of

    from .test_inbox_pages import AF, FK, OUT, alert_of

    secret = ("HOOK-s3cret", "QUERY-s3cret")
    auth = tokens(sqlite_url, FK, AF, OUT)
    cfg = NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                         dispatch_idle_seconds=0.1, sweep_interval_seconds=3600,
                         digest_enabled=False)
    with TestClient(create_app(cfg)) as client:
        links: Links = client.app.state.links  # type: ignore[attr-defined]
        alert = alert_of(client)  # fired before the receiver exists: nothing is sent to it
        r = client.post("/v1/subscriptions", headers=auth[FK], json={
            "convener": FK, "channel": "webhook",
            "target": f"http://127.0.0.1:9/services/T0/{secret[0]}?token={secret[1]}"})
        assert r.status_code == 201, r.text
        sub = r.json()["id"]
        try:
            url = links.for_alert(alert.id, alert.episode, sub).acknowledge
            path = "/inbox/ack/" + url.rsplit("/inbox/ack/", 1)[1]
            csrf = csrf_of(client.get("/login").text)
            done = client.post(path, data={"csrf_token": csrf})
            assert done.status_code == 200 and "Tack! Larmet är kvitterat." in done.text
            factory = client.app.state.session_factory  # type: ignore[attr-defined]
            with session_scope(factory) as s:
                acked = s.get(Alert, alert.id)
                assert acked is not None and acked.status == "acknowledged"
                assert acked.acknowledged_by == "link:http://127.0.0.1:9/…"
            # The follow-up owner reads the alert whole (it is theirs to follow up).
            seen = client.get(f"/v1/alerts/{alert.id}", headers=auth[AF])
            assert seen.status_code == 200 and seen.json()["acknowledged_by"]
            for part in secret:
                assert part not in seen.text, part
        finally:  # the shared database: no receiver of this test is left for later alerts
            client.delete(f"/v1/subscriptions/{sub}", headers=auth[FK])
