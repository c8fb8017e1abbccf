"""Webhook signatures by the Standard Webhooks scheme, checked with the `standardwebhooks`
library's own verifier on what a real loopback receiver got; the older X-Samstat-Signature
beside it; one id per message across retries and replicas (webhook-id, the e-mail's
Message-ID), so a receiver acts once; replayed, stale or tampered messages rejected."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
import standardwebhooks.webhooks as sw
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from samstat_kit.db import session_factory, session_scope
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.delivery import service as outbox

from .factory import indicator_id, record, registry_doc, tokens, value_doc, wait_for
from .receivers import Hit, smtp_server, webhook_receiver

REGION = "region-vasterbotten"
OWN_SECRET = "a-secret-of-our-own-choosing"


def settings(url: str, **kw: Any) -> NotifySettings:
    base: dict[str, Any] = {
        "database_url": url, "kafka_enabled": False, "dispatch_idle_seconds": 0.05,
        "sweep_interval_seconds": 3600, "delivery_backoff_seconds": 0.05,
        "delivery_max_backoff_seconds": 0.1, "delivery_max_attempts": 3,
        "webhook_timeout_seconds": 2.0, "group_wait_seconds": 0, "group_interval_seconds": 0,
        "digest_enabled": False, "webhook_allowed_hosts": ["127.0.0.1"]}
    return NotifySettings(**(base | kw))


def fire(client: TestClient) -> None:
    ind = indicator_id()
    processor = client.app.state.processor  # type: ignore[attr-defined]
    processor.registry([record(registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.5}],
                                            convener=REGION))])
    docs = [value_doc(ind, "2022", 11.0, 11.0), value_doc(ind, "2023", 12.5, 11.0)]
    processor.indicator_values([record(d, offset=i) for i, d in enumerate(docs)])
    client.app.state.dispatcher.wake()  # type: ignore[attr-defined]


def subscribe(client: TestClient, auth: dict, target: str, **extra: Any) -> dict:
    r = client.post("/v1/subscriptions", headers=auth[REGION], json={
        "convener": REGION, "channel": "webhook", "target": target, **extra})
    assert r.status_code == 201, r.text
    return dict(r.json())


def later_by(minutes: float) -> type[datetime]:
    """The verifier's clock, moved on (a message replayed that much later)."""
    class Clock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime.now(tz) + timedelta(minutes=minutes)
    return Clock


def test_standard_webhooks_signature_verifies_and_its_id_survives_retries(
        fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    auth = tokens(fresh_url, REGION)
    with webhook_receiver(fail_first={"/gen": 1}) as hooks, \
            TestClient(create_app(settings(fresh_url))) as client:
        generated = subscribe(client, auth, hooks.url("/gen"))["secret"]
        subscribe(client, auth, hooks.url("/own"), secret=OWN_SECRET)
        fire(client)
        first, retried = wait_for(lambda: len(hooks.on("/gen")) == 2 and hooks.on("/gen"))
        [own] = wait_for(lambda: hooks.on("/own"))
    assert generated.startswith("whsec_")
    assert (first.status, retried.status) == (503, 200)
    for hit in (first, retried):
        # The library's verifier, with the secret exactly as notify handed it out.
        assert Webhook(generated).verify(hit.body, hit.headers) == json.loads(hit.body)
        legacy = "sha256=" + hmac.new(generated.encode(), hit.body, hashlib.sha256).hexdigest()
        assert hit.headers["X-Samstat-Signature"] == legacy
    # One id for the message, whichever attempt: the receiver de-duplicates on it.
    assert first.headers["webhook-id"] == retried.headers["webhook-id"] == (
        f"samstat-{first.headers['X-Samstat-Delivery']}")
    assert int(retried.headers["webhook-timestamp"]) >= int(first.headers["webhook-timestamp"])
    # A secret of the subscriber's own choosing signs as its UTF-8 bytes.
    assert Webhook(OWN_SECRET.encode()).verify(own.body, own.headers)
    assert Webhook("whsec_" + base64.b64encode(OWN_SECRET.encode()).decode()).verify(
        own.body, own.headers)
    _rejected(retried, generated, monkeypatch)


def _rejected(hit: Hit, secret: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a verifier must turn away: tampering, another key, forged or stale times."""
    wh = Webhook(secret)
    with pytest.raises(WebhookVerificationError):
        wh.verify(hit.body.replace(b'"firing"', b'"resolved"'), hit.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(OWN_SECRET.encode()).verify(hit.body, hit.headers)
    stamp = int(hit.headers["webhook-timestamp"])
    for moved in (stamp - 600, stamp + 1):  # an old one, or a new time on an old signature
        with pytest.raises(WebhookVerificationError):
            wh.verify(hit.body, {**hit.headers, "webhook-timestamp": str(moved)})
    headers = {k: v for k, v in hit.headers.items() if k != "webhook-id"}
    with pytest.raises(WebhookVerificationError):
        wh.verify(hit.body, headers)
    # The very message, replayed six minutes later, is too old for the verifier.
    monkeypatch.setattr(sw, "datetime", later_by(6))
    with pytest.raises(WebhookVerificationError, match="too old"):
        wh.verify(hit.body, hit.headers)
    monkeypatch.setattr(sw, "datetime", later_by(4))
    assert wh.verify(hit.body, hit.headers)


def test_a_message_sent_twice_carries_the_same_ids(fresh_url: str) -> None:
    """A replica that dies between sending and recording leaves the message due, and another
    sends it again: the receiver sees it twice, with the same webhook-id and Message-ID."""
    auth = tokens(fresh_url, REGION)
    with smtp_server() as (sink, port), webhook_receiver() as hooks:
        cfg = settings(fresh_url, smtp_port=port)
        app = create_app(cfg)  # not started: this test plays the dispatcher's part
        client = TestClient(app)
        secret = subscribe(client, auth, hooks.url("/twice"))["secret"]
        assert client.post("/v1/subscriptions", headers=auth[REGION], json={
            "convener": REGION, "channel": "email", "target": "sam@region.example"}
        ).status_code == 201
        fire(client)
        with session_scope(session_factory(cfg.db_url)) as session:
            claim = outbox.claim_due(session=session, now=datetime.now(UTC), limit=10,
                                     lease=timedelta(seconds=60), public_base_url="https://x")
        assert sorted(n.channel for n in claim.notices) == ["email", "webhook"]

        async def send_each_twice() -> None:
            dispatcher = app.state.dispatcher
            try:
                for notice in claim.notices:
                    for _ in range(2):
                        await dispatcher.deliver(notice)
            finally:
                await dispatcher.stop()

        asyncio.run(send_each_twice())
        hits = wait_for(lambda: len(hooks.on("/twice")) == 2 and hooks.on("/twice"))
        mails = wait_for(lambda: len(sink.to("sam@region.example")) == 2
                         and sink.to("sam@region.example"))
    assert hits[0].headers["webhook-id"] == hits[1].headers["webhook-id"]
    for hit in hits:
        Webhook(secret).verify(hit.body, hit.headers)
    ids = {message_from_bytes(m, policy=policy.default)["Message-ID"] for m in mails}
    [message_id] = ids
    assert message_id.startswith("<samstat-") and message_id.endswith("@localhost>")
