"""Deliveries to real receivers: SMTP (aiosmtpd) and HTTP webhooks, retries, dead letters,
a slow receiver, payload formats, and a restart that sends nothing twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient

from samstat_kit.contracts import validator
from services.notify.app import create_app
from services.notify.config import NotifySettings

from .factory import indicator_id, later, record, registry_doc, tokens, value_doc, wait_for
from .receivers import smtp_server, webhook_receiver

REGION, KV, ASSOC = "region-vasterbotten", "kriminalvarden", "samordningsforbundet"
SECRET = "s3cret-" + "x" * 20


def settings(url: str, **kw: object) -> NotifySettings:
    base: dict = {"database_url": url, "kafka_enabled": False, "dispatch_idle_seconds": 0.05,
                  "sweep_interval_seconds": 3600, "delivery_backoff_seconds": 0.1,
                  "delivery_max_backoff_seconds": 0.3, "delivery_max_attempts": 3,
                  "webhook_timeout_seconds": 1.0, "public_base_url": "https://samstat.example",
                  # One message per alert, at once, as before grouping; no weekly digest.
                  "group_wait_seconds": 0, "group_interval_seconds": 0,
                  "digest_enabled": False}
    return NotifySettings(**(base | kw))


def feed(client: TestClient, ind: str, convener: str) -> list[dict]:
    processor = client.app.state.processor  # type: ignore[attr-defined]
    reg = registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.5}], convener=convener)
    processor.registry([record(reg)])
    docs = [value_doc(ind, str(year), v, None) for year, v in
            ((2019, 10.0), (2020, 10.5), (2021, 11.0))]
    docs += [value_doc(ind, "2022", 11.0, 11.0), value_doc(ind, "2023", 12.5, 11.0)]
    processor.indicator_values([record(d, offset=i) for i, d in enumerate(docs)])
    return docs


def deliveries(client: TestClient, headers: dict, ind: str) -> list[dict]:
    [alert] = client.get("/v1/alerts", params={"indicator": ind}, headers=headers).json()
    return client.get(f"/v1/alerts/{alert['id']}", headers=headers).json()["deliveries"]


def test_email_in_swedish_and_english(sqlite_url: str) -> None:
    auth = tokens(sqlite_url, REGION, ASSOC)
    ind = indicator_id()
    sv, en = f"sv-{uuid.uuid4().hex[:8]}@example.org", f"en-{uuid.uuid4().hex[:8]}@example.org"
    assoc = f"kansli-{uuid.uuid4().hex[:8]}@example.org"
    with smtp_server() as (sink, port), \
            TestClient(create_app(settings(sqlite_url, smtp_port=port,
                                           escalate_after_days=1e-5))) as client:
        for convener, target, lang in ((REGION, sv, "sv"), (REGION, en, "en"),
                                       (ASSOC, assoc, "sv")):
            assert client.post("/v1/subscriptions", headers=auth[convener], json={
                "convener": convener, "channel": "email", "target": target, "lang": lang,
            }).status_code == 201
        feed(client, ind, REGION)
        wait_for(lambda: sink.to(sv) and sink.to(en))
        swedish = message_from_bytes(sink.to(sv)[0], policy=policy.default)
        english = message_from_bytes(sink.to(en)[0], policy=policy.default)
        assert not sink.to(assoc)
        # Nobody acknowledged it in time (here 0.86 s): the association hears of it, once.
        time.sleep(1.0)
        dispatcher = client.app.state.dispatcher  # type: ignore[attr-defined]
        assert dispatcher.sweep() >= 1
        assert dispatcher.sweep() == 0
        dispatcher.wake()
        alert_id = swedish["X-Samstat-Alert"]
        escalations = wait_for(lambda: [m for m in (
            message_from_bytes(raw, policy=policy.default) for raw in sink.to(assoc))
            if m["X-Samstat-Alert"] == alert_id])
    [escalation] = escalations
    assert escalation["Subject"].startswith("[samstat] Eskalerat larm:")
    assert "Region Västerbotten har inte kvitterat larmet inom " in (
        escalation.get_body(("plain",)).get_content())
    assert isinstance(swedish, EmailMessage) and isinstance(english, EmailMessage)
    assert swedish["Subject"].startswith("[samstat] Larm: Dagar till gemensam kartläggning")
    assert "Umeå" in swedish["Subject"] and "2023" in swedish["Subject"]
    assert english["Subject"].startswith("[samstat] Alert: Days to joint mapping")
    sv_text = swedish.get_body(("plain",)).get_content()
    en_text = english.get_body(("plain",)).get_content()
    link = f"https://samstat.example/indicators/{ind}?area=2480"
    assert link in sv_text and link in en_text
    assert "Värde:" in sv_text and "12,5\u00a0dagar" in sv_text
    assert "Jämförs med:" in sv_text and "Förväntat" not in sv_text
    assert "ökning jämfört med samma period året innan" in sv_text
    assert "Value:" in en_text and "12.5\u00a0days" in en_text
    # The trend of the last periods, oldest first, the alert's period marked.
    trend = [line.split() for line in sv_text.splitlines() if line.startswith("  20")]
    assert [t[0] for t in trend] == ["2019", "2020", "2021", "2022", "2023"]
    assert trend[-1][1:] == ["12,5", "←"]
    assert swedish["X-Samstat-Alert"] and swedish["To"] == sv


def _verify(hit_headers: dict[str, str], body: bytes, secret: str) -> bool:
    want = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(hit_headers.get("X-Samstat-Signature", ""), want)


@pytest.fixture
def receiver() -> Iterator:
    with webhook_receiver(fail_first={"/flaky": 2, "/dead": 99},
                          delay={"/slow": 3.0}) as r:
        yield r


def test_webhooks_retry_dead_letter_formats_and_restart(sqlite_url: str, receiver) -> None:
    auth = tokens(sqlite_url, KV)
    ind = indicator_id()
    hooks = {"/flaky": "json", "/dead": "json", "/slow": "json", "/slack": "slack",
             "/teams": "teams"}
    with TestClient(create_app(settings(sqlite_url))) as client:
        for path, fmt in hooks.items():
            assert client.post("/v1/subscriptions", headers=auth[KV], json={
                "convener": KV, "channel": "webhook", "target": receiver.url(path),
                "secret": SECRET, "format": fmt, "lang": "sv",
            }).status_code == 201
        docs = feed(client, ind, KV)
        wait_for(lambda: len(receiver.on("/flaky")) == 3 and len(receiver.on("/dead")) == 3
                 and receiver.on("/slack") and receiver.on("/teams"), timeout=15)
        # The slow receiver held nobody up: the flaky one was through (3 attempts) while
        # the slow one's first request was in flight, before it timed out (1 s). A
        # dispatcher that waited on it would send the flaky's retries only after.
        slow_first = receiver.arrived["/slow"][0]
        assert slow_first < receiver.on("/flaky")[-1].at < slow_first + 1.0
        wait_for(lambda: all(d["status"] in ("sent", "dead") for d in
                             deliveries(client, auth[KV], ind)) or None, timeout=15)
        by_status = sorted((d["status"], d["attempts"]) for d in deliveries(client, auth[KV], ind))
        assert by_status == [("dead", 3), ("dead", 3), ("sent", 1), ("sent", 1), ("sent", 3)]

    flaky = receiver.on("/flaky")
    assert [h.status for h in flaky] == [503, 503, 200]
    assert all(_verify(h.headers, h.body, SECRET) for h in receiver.hits)
    assert len({h.headers["X-Samstat-Delivery"] for h in flaky}) == 1
    payload = json.loads(flaky[-1].body)
    assert payload["transition"] == "firing" and payload["alert"]["indicator"] == ind
    validator("alert", 1).validate(payload["alert"])
    assert [t["period"] for t in payload["trend"]][-2:] == ["2022", "2023"]
    assert "12,5" in payload["text"]
    assert "*[samstat] Larm:" in json.loads(receiver.on("/slack")[0].body)["text"]
    card = json.loads(receiver.on("/teams")[0].body)["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    # The card's buttons open the acknowledge confirmation page and the alert's page.
    ack, page = (a["url"] for a in card["content"]["actions"])
    assert "/inbox/ack/" in ack and page.endswith(f"/inbox/{payload['alert']['id']}")
    assert payload["links"] == payload["alert"]["links"] and payload["links"]["page"] == page

    # Restart: the same events arrive again (a replayed batch); nothing is sent twice.
    def settled() -> int:  # the slow receiver answers its timed-out requests late
        return len([h for h in receiver.hits if h.path != "/slow"])

    before = settled()
    with TestClient(create_app(settings(sqlite_url))) as client:
        processor = client.app.state.processor  # type: ignore[attr-defined]
        processor.indicator_values([record(d, offset=i) for i, d in enumerate(docs)])
        time.sleep(1.0)
        assert settled() == before
        # A revision that clears it is announced once, as "resolved".
        fix = value_doc(ind, "2023", 11.2, 11.0, computed_at=later(1))
        processor.indicator_values([record(fix)])
        wait_for(lambda: receiver.on("/flaky")[-1].headers["X-Samstat-Transition"]
                 == "resolved")
        metrics = client.get("/metrics").text
    assert 'notify_deliveries_total{channel="webhook",outcome="sent"}' in metrics
    assert 'notify_delivery_seconds_count{channel="webhook"}' in metrics
    assert len(receiver.on("/flaky")) == 4
    assert json.loads(receiver.on("/flaky")[-1].body)["alert"]["status"] == "resolved"
