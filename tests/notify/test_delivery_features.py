"""Copies for the follow-up owner, the registry's role mailbox, grouping and reminders, to a
real SMTP server (aiosmtpd) and a real HTTP receiver, each in a database of its own."""

from __future__ import annotations

import json
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from fastapi.testclient import TestClient

from services.notify.app import create_app
from services.notify.config import NotifySettings

from .factory import indicator_id, record, registry_doc, tokens, value_doc, wait_for
from .receivers import smtp_server, webhook_receiver

REGION, KV, ASSOC = "region-vasterbotten", "kriminalvarden", "samordningsforbundet"
YOY = [{"kind": "yoy_rise", "tolerance": 0.5}]


def settings(url: str, **kw: object) -> NotifySettings:
    base: dict = {"database_url": url, "kafka_enabled": False, "dispatch_idle_seconds": 0.05,
                  "sweep_interval_seconds": 3600, "delivery_backoff_seconds": 0.1,
                  "delivery_max_backoff_seconds": 0.3, "delivery_max_attempts": 3,
                  "webhook_timeout_seconds": 1.0, "public_base_url": "https://samstat.example",
                  "group_wait_seconds": 0, "group_interval_seconds": 0,
                  "digest_enabled": False}
    return NotifySettings(**(base | kw))


def mails(raw: list[bytes]) -> list[EmailMessage]:
    out = [message_from_bytes(m, policy=policy.default) for m in raw]
    return [m for m in out if isinstance(m, EmailMessage)]


def feed(client: TestClient, ind: str, convener: str, areas: tuple[str, ...] = ("2480",),
         **registry: Any) -> None:
    processor = client.app.state.processor  # type: ignore[attr-defined]
    processor.registry([record(registry_doc(ind, YOY, convener=convener, **registry))])
    processor.indicator_values([record(value_doc(ind, "2023", 12.5, 11.0, area=a), offset=i)
                                for i, a in enumerate(areas)])


def alerts(client: TestClient, auth: dict, ind: str) -> list[dict]:
    return client.get("/v1/alerts", params={"indicator": ind}, headers=auth["admin"]).json()


def detail(client: TestClient, auth: dict, alert_id: str) -> dict:
    return client.get(f"/v1/alerts/{alert_id}", headers=auth["admin"]).json()


def address() -> str:
    return f"{uuid.uuid4().hex[:8]}@example.org"


def test_copy_to_the_follow_up_owner_and_the_registry_mailbox(fresh_url: str) -> None:
    auth = tokens(fresh_url, KV, ASSOC)
    kv, kansli, region_box = address(), address(), address()
    with smtp_server() as (sink, port), webhook_receiver() as hooks, \
            TestClient(create_app(settings(fresh_url, smtp_port=port))) as client:
        assert client.post("/v1/subscriptions", headers=auth[KV], json={
            "convener": KV, "channel": "email", "target": kv}).status_code == 201
        # The association (follow-up owner) and the region (convener of another indicator)
        # have no subscriptions: the registry names their role mailboxes.
        contacts = [{"agency": ASSOC, "email": kansli, "webhook": hooks.url("/kansli")},
                    {"agency": KV, "email": "registratur@kv.example"},
                    {"agency": REGION, "email": region_box}]
        ind, other = indicator_id(), indicator_id()
        feed(client, ind, KV, follow_up_owner=ASSOC, contacts=contacts)
        feed(client, other, REGION, contacts=contacts)
        wait_for(lambda: sink.to(kv) and sink.to(kansli) and sink.to(region_box)
                 and hooks.on("/kansli"))
        time.sleep(0.3)
        [own], [copy], [role_box] = (mails(sink.to(a)) for a in (kv, kansli, region_box))
        assert not sink.to("registratur@kv.example")  # KV has a subscription of its own
        [hit] = hooks.on("/kansli")

        [alert] = alerts(client, auth, ind)
        roles = sorted((d["transition"], d["role"]) for d in
                       detail(client, auth, alert["id"])["deliveries"])
        assert roles == [("firing", "convener"), ("firing", "copy"), ("firing", "copy")]
        listed = client.get("/v1/subscriptions", params={"convener": ASSOC},
                            headers=auth["admin"]).json()
        assert sorted((s["channel"], s["source"]) for s in listed) == [
            ("email", "registry"), ("webhook", "registry")]
        assert client.delete(f"/v1/subscriptions/{listed[0]['id']}",
                             headers=auth[ASSOC]).status_code == 409

    assert own["Subject"].startswith("[samstat] Larm: Dagar till gemensam kartläggning")
    assert "Kopia" not in own.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert own["X-Samstat-Role"] == "convener"
    assert copy["Subject"].startswith("[samstat] (kopia) Larm: Dagar till gemensam")
    assert copy["X-Samstat-Alert"] == own["X-Samstat-Alert"] and copy["X-Samstat-Role"] == "copy"
    body = copy.get_body(("plain",)).get_content()
    assert body.splitlines()[2].startswith("Kopia till uppföljningsansvarig (")
    assert "det är Kriminalvården som kvitterar" in body
    payload = json.loads(hit.body)
    assert (payload["role"], payload["alert"]["indicator"]) == ("copy", ind)
    assert "X-Samstat-Signature" not in hit.headers  # the registry's webhook has no secret
    assert role_box["Subject"].startswith("[samstat] Larm:") and role_box["To"] == region_box


def test_grouped_per_convener_and_a_restart_mid_group_sends_once(fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION)
    box = address()
    cfg = settings(fresh_url, group_wait_seconds=1.5)
    ind = indicator_id()
    with smtp_server() as (sink, port), webhook_receiver() as hooks:
        cfg = cfg.model_copy(update={"smtp_port": port})
        with TestClient(create_app(cfg)) as client:
            for body in ({"channel": "email", "target": box, "lang": "sv"},
                         {"channel": "webhook", "target": hooks.url("/r"), "lang": "en"}):
                assert client.post("/v1/subscriptions", headers=auth[REGION],
                                   json={"convener": REGION, **body}).status_code == 201
            feed(client, ind, REGION, areas=("2480", "2460", "2404"))
            assert len(alerts(client, auth, ind)) == 3
        # Stopped within the group wait: nothing went out; the group waits in the database.
        assert not sink.to(box) and not hooks.hits
        with TestClient(create_app(cfg)) as client:
            wait_for(lambda: sink.to(box) and hooks.on("/r"))
            time.sleep(0.5)
            [mail], [hit] = mails(sink.to(box)), hooks.on("/r")
            ids = [a["id"] for a in alerts(client, auth, ind)]
            sent = [d for i in ids for d in detail(client, auth, i)["deliveries"]]
            # Two more within the group interval (0 here): one more message of two.
            feed(client, ind, REGION, areas=("2409", "2401"))
            wait_for(lambda: len(sink.to(box)) == 2 and len(hooks.on("/r")) == 2)
            time.sleep(0.3)
        assert len(sink.to(box)) == 2 and len(hooks.on("/r")) == 2

    assert len(sent) == 6 and all(d["status"] == "sent" and d["attempts"] == 1 for d in sent)
    assert len({d["batch_id"] for d in sent}) == 2  # one message per receiver
    assert mail["Subject"] == "[samstat] 3 avvikelser: Region Västerbotten"
    text = mail.get_body(("plain",)).get_content()
    assert text.startswith("3 nya avvikelser för Region Västerbotten:")
    for area in ("2480", "2460", "2404"):
        assert f"https://samstat.example/indicators/{ind}?area={area}" in text
    payload = json.loads(hit.body)
    assert (payload["group"], payload["count"], payload["transition"]) == (True, 3, "firing")
    assert sorted(a["area"] for a in payload["alerts"]) == ["2404", "2460", "2480"]
    assert payload["text"].startswith("3 new alerts for Region Västerbotten:")
    # The message is named by its first delivery, which all three carry as batch_id.
    batch = int(hit.headers["X-Samstat-Delivery"])
    assert [d["batch_id"] for d in sent].count(batch) == 3 and batch in {d["id"] for d in sent}
    second = mails(sink.to(box))[1]
    assert second["Subject"] == "[samstat] 2 avvikelser: Region Västerbotten"


def test_reminders_until_acknowledged(fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION)
    box = address()
    cfg = settings(fresh_url, repeat_interval_hours=0.8 / 3600, sweep_interval_seconds=0.2)
    ind = indicator_id()
    with smtp_server() as (sink, port), \
            TestClient(create_app(cfg.model_copy(update={"smtp_port": port}))) as client:
        assert client.post("/v1/subscriptions", headers=auth[REGION], json={
            "convener": REGION, "channel": "email", "target": box}).status_code == 201
        feed(client, ind, REGION, areas=("2480", "2460"))

        def subjects() -> list[str]:
            return [str(m["Subject"]) for m in mails(sink.to(box))]

        wait_for(lambda: any("Påminnelse" in s for s in subjects()))
        for a in alerts(client, auth, ind):
            assert client.post(f"/v1/alerts/{a['id']}/ack",
                               headers=auth[REGION]).status_code == 200

        def reminders() -> list[dict]:
            return [d for a in alerts(client, auth, ind)
                    for d in detail(client, auth, a["id"])["deliveries"]
                    if d["transition"] == "reminder"]

        settled = wait_for(lambda: all(d["status"] in ("sent", "superseded")
                                       for d in reminders()) and reminders())
        before = subjects()
        time.sleep(1.5)  # two more intervals: nothing more once acknowledged
        assert len(reminders()) == len(settled) and subjects() == before
        history = detail(client, auth, alerts(client, auth, ind)[0]["id"])["history"]

    assert before[0] == "[samstat] 2 avvikelser: Region Västerbotten"
    assert before[1] == "[samstat] Påminnelse: 2 okvitterade avvikelser: Region Västerbotten"
    reminder = mails(sink.to(box))[1].get_body(("plain",)).get_content()
    assert "2 avvikelser för Region Västerbotten är fortfarande aktiva och okvitterade" in (
        reminder)
    assert "Påminnelse 1: larmet är fortfarande aktivt" in reminder
    assert "reminded" in [h["transition"] for h in history]
    assert history[-1]["transition"] == "acknowledged"
