"""Messages a convener understands: Swedish numbers, what happened and what to do, one-click
links; multipart mail with List-Unsubscribe and Auto-Submitted (received by a real aiosmtpd
server); Slack Block Kit with buttons; a Teams card opening the alert and its confirmation
page; the alert JSON's links valid against alert.v1."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlalchemy.orm import Session

from samstat_kit.contracts import validator
from services.notify.alerts import service
from services.notify.delivery import service as deliveries
from services.notify.delivery.messages import Notice, text, webhook_payload
from services.notify.delivery.senders import SmtpConfig, send_email_blocking
from services.notify.events import IndicatorUpserted
from services.notify.inbox.links import Links
from services.notify.subscriptions.models import Subscription

from .factory import NOW, agency_id, indicator_id, later, registry_doc, value_event
from .receivers import smtp_server

NBSP = "\u00a0"
LINKS = Links(["a-test-secret-of-sixteen+"], "https://samstat.example", 3600)


def _sub(session: Session, convener: str, channel: str, fmt: str = "json",
         lang: str = "sv") -> Subscription:
    target = f"{uuid.uuid4().hex[:8]}@example.org" if channel == "email" else \
        f"https://hooks.example/{uuid.uuid4().hex[:8]}"
    sub = Subscription(id=str(uuid.uuid4()), convener=convener, channel=channel, target=target,
                       secret=None, lang=lang, format=fmt, created_at=NOW, created_by="test")
    session.add(sub)
    session.flush()
    return sub


def notices(session: Session, *shapes: tuple[str, str, str]) -> dict[str, Notice]:
    """One share indicator firing (10,6 % -> 12,2 %), a subscription per (channel, format,
    lang); the claimed notice per subscription target."""
    convener, ind = agency_id(), indicator_id()
    subs = [_sub(session, convener, ch, fmt, lang) for ch, fmt, lang in shapes]
    doc = registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.005}], convener=convener,
                       title_sv="Andel i arbete", title_en="Share in work")
    doc["indicator"]["unit"] = "share"
    service.handle_registry_event(session=session, now=NOW,
                                  event=IndicatorUpserted.model_validate(doc))
    for i, (period, v, ago) in enumerate([("2023", 0.1057, 0.104), ("2024", 0.121795, 0.1057)]):
        service.handle_indicator_value(session=session, now=later(seconds=i), event=value_event(
            ind, period, v, ago, computed_at=later(seconds=i)))
    claim = deliveries.claim_due(session=session, now=later(1), limit=1000,
                                 lease=timedelta(minutes=2), public_base_url="https://s.example",
                                 links=LINKS)
    mine = {s.target for s in subs}
    return {n.target: n for n in claim.notices if n.target in mine and n.alert.indicator == ind}


def test_swedish_text_says_what_happened_and_what_to_do(session: Session) -> None:
    [n] = notices(session, ("email", "json", "sv")).values()
    body = text(n)
    assert f"12,2{NBSP}%" in body and f"+1,6{NBSP}procentenheter" in body
    assert f"0,5{NBSP}procentenheter" in body  # the rule's threshold
    assert "Vad du gör nu:" in body and "Kvittera med ett klick: https://samstat.example/" \
        "inbox/ack/" in body and f"Öppna larmet: https://samstat.example/inbox/{n.alert.id}" \
        in body
    for english in ("rose", "tolerance", "against", "0,121795", "0.121795", "0,0160"):
        assert english not in body, english
    assert LINKS.read(n.words.acknowledge.rsplit("/", 1)[1]).alert_id == n.alert.id  # type: ignore[union-attr]


def test_multipart_mail_through_a_real_smtp_server(session: Session) -> None:
    [n] = notices(session, ("email", "json", "sv")).values()
    with smtp_server() as (sink, port):
        send_email_blocking(n, SmtpConfig(host="127.0.0.1", port=port,
                                          sender="samstat@example.org"))
        [raw] = sink.to(n.target)
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe"].startswith("<https://samstat.example/inbox/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f"+1,6{NBSP}procentenheter" in plain and f"+1,6{NBSP}procentenheter" in html
    assert f'href="{n.words.acknowledge}"' in html  # type: ignore[union-attr]
    assert "<script" not in html


def test_chat_messages_have_clickable_links(session: Session) -> None:
    got = notices(session, ("webhook", "slack", "sv"), ("webhook", "teams", "sv"),
                  ("webhook", "json", "en"))
    slack, teams, plain = (next(n for n in got.values() if n.format == f)
                           for f in ("slack", "teams", "json"))
    s = webhook_payload(slack)
    assert "```" not in s["text"] and "```" not in str(s["blocks"])
    assert s["blocks"][0]["type"] == "header"
    [actions] = [b for b in s["blocks"] if b["type"] == "actions"]
    urls = [e["url"] for e in actions["elements"]]
    assert urls == [slack.words.acknowledge, slack.words.page]  # type: ignore[union-attr]
    assert f"<{slack.words.page}|Öppna larmet>" in s["text"]  # type: ignore[union-attr]
    assert f"+1,6{NBSP}procentenheter" in json.dumps(s["blocks"], ensure_ascii=False)

    card = webhook_payload(teams)["attachments"][0]["content"]
    assert [(a["type"], a["title"]) for a in card["actions"]] == [
        ("Action.OpenUrl", "Kvittera"), ("Action.OpenUrl", "Öppna larmet")]
    assert card["actions"][0]["url"].startswith("https://samstat.example/inbox/ack/")
    assert card["actions"][1]["url"] == f"https://samstat.example/inbox/{teams.alert.id}"

    doc = webhook_payload(plain)
    validator("alert", 1).validate(doc["alert"])
    assert doc["alert"]["links"]["page"].endswith(f"/inbox/{plain.alert.id}")
    assert "/inbox/ack/" in doc["alert"]["links"]["acknowledge"]
    assert f"+1.6{NBSP}percentage points" in doc["text"]  # English on request


def test_only_the_conveners_news_offers_to_acknowledge(session: Session) -> None:
    convener, owner, ind = agency_id(), agency_id(), indicator_id()
    own, copy = _sub(session, convener, "email"), _sub(session, owner, "webhook", "teams")
    service.handle_registry_event(session=session, now=NOW, event=IndicatorUpserted.model_validate(
        registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.5}], convener=convener,
                     follow_up_owner=owner)))
    service.handle_indicator_value(session=session, now=NOW, event=value_event(
        ind, "2024", 14.0, 11.0, computed_at=NOW))
    service.handle_indicator_value(session=session, now=later(seconds=1), event=value_event(
        ind, "2024", 11.0, 11.0, computed_at=later(seconds=1)))  # and resolved
    claim = deliveries.claim_due(session=session, now=later(1), limit=1000,
                                 lease=timedelta(minutes=2), public_base_url="https://x",
                                 links=LINKS)
    got = {(n.target, n.transition): n for n in claim.notices if n.alert.indicator == ind}
    assert "Kvittera med ett klick" in text(got[(own.target, "firing")])
    card = webhook_payload(got[(copy.target, "firing")])["attachments"][0]["content"]
    assert [a["title"] for a in card["actions"]] == ["Öppna larmet"]
    assert "Kvittera med ett klick" not in text(got[(copy.target, "firing")])


def test_digest_says_values_in_their_units_as_the_pages_do() -> None:
    """The weekly digest words a value as the inbox page does (the presentation kit's
    units): a share as per cent, not "0,121795 (andel)"; other units by their word."""
    from samstat_kit.present import formatting
    from services.notify.digests import render

    def alert(value: float, expected: float) -> dict[str, object]:
        return {"status": "firing", "value": value, "expected": expected, "area": "2480",
                "period": "2024", "rule": "yoy_rise", "fired_at": "2024-03-01T12:00:00Z",
                "link": "https://samstat.example/x"}

    summary = {"convener": "forsakringskassan", "week": "2024-W10", "open_count": 2,
               "from": "2024-03-04T00:00:00Z", "to": "2024-03-11T00:00:00Z", "open": [
                   {"initiative": 2, "indicators": [
                       {"indicator": "a", "title_sv": "Andel", "unit": "share",
                        "alerts": [alert(0.121795, 0.1057)]},
                       {"indicator": "b", "title_sv": "Dagar", "unit": "days",
                        "alerts": [alert(31.5, 30)]}]}]}
    sv, en = render.text(summary, "sv"), render.text(summary, "en")
    assert f"värde 12,2{NBSP}%, förväntat 10,6{NBSP}%" in sv
    assert f"värde 31,5{NBSP}dagar, förväntat 30;" in sv
    assert f"value 31.5{NBSP}days" in en
    assert "andel)" not in sv and "0,12" not in sv
    assert formatting.value(31.5, "days", "sv") == f"31,5{NBSP}dagar"  # the kit's, one table
