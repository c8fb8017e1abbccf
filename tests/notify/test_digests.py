"""The weekly digest per convener: when it is due, what it says, exactly once per ISO week
(across runs, sweeps and restarts), by e-mail and webhook to real receivers, and over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from samstat_kit.db import session_factory, session_scope
from services.notify.alerts import service
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.digests import render
from services.notify.digests.models import Digest
from services.notify.digests.service import create_digests, due_week, week_of
from services.notify.subscriptions.models import Subscription

from .factory import (
    NOW,
    agency_id,
    indicator_id,
    later,
    record,
    registry_doc,
    tokens,
    upserted,
    value_doc,
    value_event,
    wait_for,
)
from .receivers import smtp_server, webhook_receiver

TZ = "Europe/Stockholm"
YOY = [{"kind": "yoy_rise", "tolerance": 0.5}]
REGION, KV = "region-vasterbotten", "kriminalvarden"
SECRET = "digest-secret-" + "z" * 16


def test_due_from_the_weekday_and_hour_in_stockholm() -> None:
    monday = datetime(2024, 2, 26, tzinfo=UTC)  # 2024-W09; Stockholm is UTC+1 in winter
    def due(at: timedelta) -> str | None:
        return due_week(monday + at, weekday=0, hour=7, tz=TZ)

    assert due(timedelta(hours=5, minutes=59)) is None
    assert due(timedelta(hours=6)) == "2024-W09"
    assert due(timedelta(days=6, hours=22, minutes=59)) == "2024-W09"
    assert due(timedelta(days=6, hours=23)) is None  # Monday in Sweden: the next week
    assert due_week(monday + timedelta(days=2), weekday=3, hour=7, tz=TZ) is None
    assert week_of(datetime(2024, 12, 30, 12, tzinfo=UTC), TZ) == "2025-W01"


def test_one_digest_per_convener_and_week_saying_what_happened(session: Session) -> None:
    convener = agency_id()
    for target, lang in (("sv@example.org", "sv"), ("en@example.org", "en")):
        session.add(Subscription(id=str(uuid.uuid4()), convener=convener, channel="email",
                                 target=target, secret=None, lang=lang, format="json",
                                 created_at=NOW, created_by="test"))
    ind, other = indicator_id(), indicator_id()
    service.handle_registry_event(session=session, now=NOW,
                                  event=upserted(ind, YOY, convener=convener))
    service.handle_registry_event(session=session, now=NOW, event=upserted(
        other, YOY, convener=convener, initiative=None))
    fired = {}
    for i, a in [(ind, "2480"), (ind, "2460"), (other, "2480")]:
        [fired[i, a]] = service.handle_indicator_value(
            session=session, now=NOW, event=value_event(i, "2023", 12.0, 11.0, area=a))
    service.acknowledge(session=session, alert_id=fired[ind, "2460"].id, now=later(1),
                        principal=Principal(token_id="t", scope="agency", agency=convener))
    service.handle_indicator_value(session=session, now=later(2), event=value_event(
        other, "2023", 11.0, 11.0, computed_at=later(2)))

    def make(days: float, week: str) -> list[Digest]:
        return create_digests(session=session, now=later(days), week=week,
                              public_base_url="https://s.example", only=[convener])

    digests = make(3, "2024-W10")
    assert len(digests) == 2 and {d.iso_week for d in digests} == {"2024-W10"}
    summary = digests[0].summary
    assert summary["open_count"] == 2
    [group] = summary["open"]
    assert group["initiative"] == 2 and group["indicators"][0]["indicator"] == ind
    assert sorted((a["area"], a["status"]) for a in group["indicators"][0]["alerts"]) == [
        ("2460", "acknowledged"), ("2480", "firing")]
    assert [len(summary[k]) for k in ("fired", "resolved", "acknowledged")] == [3, 1, 1]
    assert summary["resolved"][0]["indicator"] == other
    assert summary["acknowledged"][0]["by"] == convener

    # Exactly once a week per convener, even for a receiver added since.
    session.add(Subscription(id=str(uuid.uuid4()), convener=convener, channel="email",
                             target="late@example.org", secret=None, lang="sv", format="json",
                             created_at=later(3), created_by="test"))
    assert make(4, "2024-W10") == []
    assert len(make(8, "2024-W11")) == 3

    sv, en = render.text(summary, "sv"), render.text(summary, "en")
    assert render.subject(summary, "sv").startswith(
        "[samstat] Veckosammanfattning vecka 10, 2024: 2 öppna avvikelser – ")
    assert ", vecka 10, 2024 (" in sv.splitlines()[0] and "W10" not in sv
    assert ", week 10, 2024 (" in en.splitlines()[0]
    assert "Öppna avvikelser: 2" in sv and "Samverkansinitiativ 2" in sv
    assert "Nya larm under veckan: 3" in sv and "Upphörda under veckan: 1" in sv
    assert "; okvitterat sedan 2024-03-01" in sv and "; kvitterat sedan 2024-03-01" in sv
    # each alert links to its page in the inbox, where it can be acted on; the indicator to
    # its page (it linked each alert to the indicator page, where nothing can be done)
    assert re.search(r"https?://\S+/inbox/[0-9a-f-]{36}\n", sv), sv
    assert f"https://s.example/indicators/{ind}?area=" not in sv
    assert render.subject(summary, "en").startswith(
        "[samstat] Weekly digest, week 10, 2024: 2 open")
    assert "Acknowledged this week: 1" in en and f"(by {convener})" in en


def settings(url: str, port: int, **kw: object) -> NotifySettings:
    base: dict = {"database_url": url, "kafka_enabled": False, "dispatch_idle_seconds": 0.05,
                  "sweep_interval_seconds": 3600, "delivery_backoff_seconds": 0.1,
                  "delivery_max_backoff_seconds": 0.3, "public_base_url": "https://samstat.example",
                  "group_wait_seconds": 0, "group_interval_seconds": 0, "smtp_port": port,
                  "digest_enabled": False}
    return NotifySettings(**(base | kw))


def test_weekly_digest_by_email_and_webhook_exactly_once(fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION, KV)
    sv, en, kv = (f"{p}-{uuid.uuid4().hex[:6]}@example.org" for p in ("sv", "en", "kv"))
    ind = indicator_id()
    with smtp_server() as (sink, port), webhook_receiver() as hooks:
        with TestClient(create_app(settings(fresh_url, port))) as client:
            for convener, body in ((REGION, {"channel": "email", "target": sv}),
                                   (REGION, {"channel": "email", "target": en, "lang": "en"}),
                                   (REGION, {"channel": "webhook", "target": hooks.url("/d"),
                                             "secret": SECRET}),
                                   (KV, {"channel": "email", "target": kv})):
                assert client.post("/v1/subscriptions", headers=auth[convener],
                                   json={"convener": convener, **body}).status_code == 201
            processor = client.app.state.processor  # type: ignore[attr-defined]
            processor.registry([record(registry_doc(ind, YOY, convener=REGION))])
            processor.indicator_values([record(value_doc(ind, "2023", 12.5, 11.0, area=a))
                                        for a in ("2480", "2460")])
            listed = client.get("/v1/alerts", params={"indicator": ind},
                                headers=auth[REGION]).json()
            acked = next(a for a in listed if a["area"] == "2460")
            client.post(f"/v1/alerts/{acked['id']}/ack", headers=auth[REGION])
            wait_for(lambda: len(sink.to(sv)) == 1 and hooks.on("/d"))  # the alerts

            assert client.post("/v1/digests/run", headers=auth[REGION]).status_code == 403
            run = client.post("/v1/digests/run", params={"convener": REGION},
                              headers=auth["admin"]).json()
            assert run["week"] == week_of(datetime.now(UTC), TZ) and len(run["created"]) == 3
            wait_for(lambda: len(sink.to(sv)) == 2 and len(sink.to(en)) == 2
                     and len(hooks.on("/d")) == 2)
            again = client.post("/v1/digests/run", params={"convener": REGION},
                                headers=auth["admin"]).json()
            assert again["created"] == []  # exactly once per convener and week
            read = client.get("/v1/digests", headers=auth[REGION]).json()
            assert client.get("/v1/digests", params={"convener": REGION},
                              headers=auth[KV]).status_code == 403
        assert len(read) == 3 and {d["status"] for d in read} == {"sent"}
        assert {d["lang"] for d in read} == {"sv", "en"}

        # A restart on the digest's weekday: the schedule writes KV's, and no second REGION one.
        local = datetime.now(ZoneInfo(TZ))
        cfg = settings(fresh_url, port, digest_enabled=True, digest_weekday=local.weekday(),
                       digest_hour=0, sweep_interval_seconds=0.2)
        with TestClient(create_app(cfg)) as client:
            def kv_written() -> list[dict]:
                return [d for d in client.get("/v1/digests", headers=auth["admin"]).json()
                        if d["convener"] == KV]
            wait_for(kv_written)
            time.sleep(0.6)  # three more sweeps
            weeks = client.get("/v1/digests", headers=auth["admin"]).json()
        assert len(sink.to(sv)) == 2 and len(sink.to(en)) == 2 and len(hooks.on("/d")) == 2
        assert sorted(d["convener"] for d in weeks) == [KV, REGION, REGION, REGION]
        # KV has nothing open and nothing happened: its week is written once, not sent.
        assert sink.to(kv) == []
        assert {d["status"] for d in weeks if d["convener"] == KV} == {"superseded"}

    digest = message_from_bytes(sink.to(sv)[1], policy=policy.default)
    english = message_from_bytes(sink.to(en)[1], policy=policy.default)
    week = run["week"]
    said = f"vecka {int(week[-2:])}, {week[:4]}"  # "2026-W49" -> "vecka 49, 2026"
    assert digest["Subject"] == (f"[samstat] Veckosammanfattning {said}: 2 öppna avvikelser "
                                 "– Region Västerbotten")
    assert digest["X-Samstat-Digest"] == f"{REGION}/{week}"
    body = digest.get_content()
    assert "Samverkansinitiativ 2" in body and "Nya larm under veckan: 2" in body
    assert "Kvitterade under veckan: 1" in body and "Upphörda under veckan: inga" in body
    assert re.search(r"/inbox/[0-9a-f-]{36}", body), body
    assert english["Subject"].startswith(
        f"[samstat] Weekly digest, week {int(week[-2:])}, {week[:4]}: 2 open alerts")
    hit = hooks.on("/d")[1]
    want = "sha256=" + hmac.new(SECRET.encode(), hit.body, hashlib.sha256).hexdigest()
    assert hit.headers["X-Samstat-Signature"] == want
    assert hit.headers["X-Samstat-Transition"] == "digest"
    payload = json.loads(hit.body)
    assert (payload["type"], payload["week"], payload["open_count"]) == ("digest", week, 2)
    assert [len(payload[k]) for k in ("fired", "resolved", "acknowledged")] == [2, 0, 1]
    assert read[0]["subject"].startswith("[samstat] ") and read[0]["summary"]["week"] == week


def test_digests_written_in_a_transaction_that_rolls_back_are_gone(db_url: str) -> None:
    # The week's digest is written "unless another replica has": done once with a savepoint,
    # which on SQLite committed the transaction's first write at once, rollback or not.
    convener = agency_id()
    factory = session_factory(db_url)
    with session_scope(factory) as s:
        s.add(Subscription(id=str(uuid.uuid4()), convener=convener, channel="email",
                           target="sv@example.org", secret=None, lang="sv", format="json",
                           created_at=NOW, created_by="test"))
    s = factory()
    try:
        made = create_digests(session=s, now=later(3), week="2024-W10",
                              public_base_url="https://s.example", only=[convener])
        # Nothing to say (no alerts): written all the same, closed, and none to send.
        assert made == [] and s.scalar(select(func.count()).select_from(Digest).where(
            Digest.convener == convener)) == 1
        s.rollback()
    finally:
        s.close()
    with session_scope(factory) as s:
        assert s.scalar(select(func.count()).select_from(Digest)
                        .where(Digest.convener == convener)) == 0
        s.execute(delete(Subscription).where(Subscription.convener == convener))


@pytest.mark.parametrize("week, real", [("2024-W09", True), ("2020-W53", True),
                                        ("2021-W53", False), ("2024-W99", False),
                                        ("2024-W00", False), ("2024-9", False)])
def test_only_a_week_of_the_calendar_is_asked_for(week: str, real: bool) -> None:
    """``/v1/digests?week=2024-W99`` is a 422 naming the parameter, not an empty list (as if
    no digest had been written that week)."""
    from services.notify.digests.router import _iso_week

    assert _iso_week(week) is real
