"""Messages a convener understands: Swedish numbers, what happened and what to do, one-click
links; multipart mail with List-Unsubscribe and Auto-Submitted (received by a real aiosmtpd
server); Slack Block Kit with buttons; a Teams card opening the alert and its confirmation
page; the alert JSON's links valid against alert.v1."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from samstat_kit.contracts import validator
from samstat_kit.db import session_scope
from services.notify.alerts import service
from services.notify.alerts.models import Alert
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.delivery import service as deliveries
from services.notify.delivery.messages import (
    Notice,
    NoticeItem,
    html,
    subject,
    text,
    webhook_payload,
)
from services.notify.delivery.senders import SmtpConfig, send_email_blocking
from services.notify.events import IndicatorUpserted
from services.notify.inbox.links import Links
from services.notify.subscriptions.models import Subscription
from tests.conftest import rolled_back

from .factory import (
    NOW,
    agency_id,
    indicator_id,
    later,
    record,
    registry_doc,
    tokens,
    value_doc,
    value_event,
)
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


def notices(session: Session, *shapes: tuple[str, str, str],
            own: bool = False, after_days: float | None = None,
            initiative_title: str | None = None) -> dict[str, Notice]:
    """One share indicator firing (10,6 % -> 12,2 %), a subscription per (channel, format,
    lang); the claimed notice per subscription target. ``own``: the convener is the
    association (the escalation agency)."""
    convener, ind = agency_id(), indicator_id()
    subs = [_sub(session, convener, ch, fmt, lang) for ch, fmt, lang in shapes]
    doc = registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.005}], convener=convener,
                       title_sv="Andel i arbete", title_en="Share in work",
                       initiative_title=initiative_title)
    doc["indicator"]["unit"] = "share"
    service.handle_registry_event(session=session, now=NOW,
                                  event=IndicatorUpserted.model_validate(doc))
    for i, (period, v, ago) in enumerate([("2023", 0.1057, 0.104), ("2024", 0.121795, 0.1057)]):
        service.handle_indicator_value(session=session, now=later(seconds=i), event=value_event(
            ind, period, v, ago, computed_at=later(seconds=i)))
    claim = deliveries.claim_due(session=session, now=later(1), limit=1000,
                                 lease=timedelta(minutes=2), public_base_url="https://s.example",
                                 links=LINKS, association=convener if own else None,
                                 escalate_after_days=after_days)
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
    assert f"värde 12,2{NBSP}%, jämförs med 10,6{NBSP}%" in sv
    # one precision and the unit on both (it said "31,5 dagar, jämförs med 30")
    assert f"värde 31,5{NBSP}dagar, jämförs med 30,0{NBSP}dagar;" in sv
    assert f"value 31.5{NBSP}days" in en
    assert "andel)" not in sv and "0,12" not in sv
    assert formatting.value(31.5, "days", "sv") == f"31,5{NBSP}dagar"  # the kit's, one table
    # The reviewer's "värde 7,9 månader, jämförs med 7,41"; a milestone in its own words
    # (it said "värde ej klart, jämförs med klart").
    months = summary["open"][0]["indicators"][1] | {"unit": "months",
                                                    "alerts": [alert(7.9, 7.41)]}
    milestone = months | {"unit": "done", "alerts": [alert(0.0, 1.0)]}
    for ind, sv_said, en_said in (
            (months, f"värde 7,90{NBSP}månader, jämförs med 7,41{NBSP}månader;",
             f"value 7.90{NBSP}months, compared with 7.41{NBSP}months;"),
            (milestone, "2024: ökning jämfört med samma period året innan; ej klart, skulle "
             "vara klart;", "not done, due to be done;")):
        one = summary | {"open": [{"initiative": 2, "indicators": [ind]}]}
        assert sv_said in render.text(one, "sv"), render.text(one, "sv")
        assert en_said in render.text(one, "en"), render.text(one, "en")

    # A stale alert has no value and nothing to compare with: the line leaves them out.
    stale = alert(0, 0) | {"value": None, "expected": None, "rule": "stale"}
    summary["open"][0]["indicators"][1]["alerts"] = [stale]
    summary |= {"link": "https://samstat.example/indicators", "resolved": [],
                "resolved_brief": 12, "fired": [], "fired_brief": 0}
    sv, en = render.text(summary, "sv"), render.text(summary, "en")
    assert "–, " not in sv and "förväntat" not in sv and "värde –" not in sv
    assert "- Umeå 2024: uppgifter har inte kommit in; okvitterat sedan 2024-03-01" in sv
    # Only brief ones resolved: said once, not "inga" and then "Dessutom 12".
    assert "Upphörda under veckan: 12, alla inom några minuter efter att de öppnades." in sv
    assert "Dessutom" not in sv and "Nya larm under veckan: inga" in sv
    assert "Resolved this week: 12, all within minutes of opening." in en
    assert sv.rstrip().endswith("Alla indikatorer: https://samstat.example/indicators")
    assert "Indikatorn" not in sv and "All indicators: https://" in en


def test_mail_words_match_the_pages(session: Session) -> None:
    """Periods in words, "Jämförs med", one rule row, a municipality's code only, no
    "[samstat]" in the body's heading, no "Indikatorn" link that is the alert page again."""
    [n] = notices(session, ("email", "json", "sv")).values()
    q1 = replace(n, alert=n.alert.model_copy(update={"period": "2024-Q1", "area": "2480"}))
    body = text(q1)
    assert f"jan–mar{NBSP}2024" in body and "2024-Q1" not in body
    assert f"jan–mar{NBSP}2024" in subject(q1) and f"jan–mar{NBSP}2024" in html(q1)
    assert "Jämförs med:" in body and "Förväntat" not in body and "Förväntat" not in html(q1)
    assert [x.split(":")[0] for x in body.splitlines() if x.startswith("Regel")] == ["Regel"]
    assert "Regeln" not in html(q1) and "(2480)" in body
    assert "Indikatorn: https://s.example/indicators/" in body
    assocation = replace(q1, alert=q1.alert.model_copy(update={"area": "umearegionen"}))
    assert "(umearegionen)" not in text(assocation)
    assert "(umearegionen)" not in html(assocation)
    # A data-quality alert: its only page is the alert's own.
    assert n.words is not None
    dq = replace(q1, link=n.words.page)
    assert "Indikatorn" not in text(dq) and "Indikatorn" not in html(dq)
    item = NoticeItem(delivery_id=1, alert=assocation.alert, title="Totalen", unit=None,
                      trend=(), link=n.words.page, words=n.words)
    batch = replace(q1, items=(item, replace(item, delivery_id=2)), delivery_ids=(1, 2))
    lines, mail = text(batch), html(batch)
    assert f"jan–mar{NBSP}2024" in lines and "2024-Q1" not in lines
    assert "(umearegionen)" not in lines and "Indikatorn" not in lines + mail
    assert "Jämförs med: " in lines and "Förväntat" not in lines
    assert subject(batch).startswith("[samstat] ")
    assert "<h1" in mail and "[samstat]" not in mail.split("<h1", 1)[1].split("</h1>")[0]
    en = replace(q1, lang="en")
    assert f"Jan–Mar{NBSP}2024" in text(en) and "Compared with:" in text(en)


def test_a_quarter_reads_the_same_in_the_inbox_and_the_mail(sqlite_url: str) -> None:
    """The inbox listed a quarter as "kv 1 2024" (and its chart "kv 4 2023"), the e-mail
    about the same alert said "jan–mar 2024": now both, and the alert's page, say it one
    way."""
    settings = NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                              dispatch_idle_seconds=0.1, sweep_interval_seconds=3600,
                              digest_enabled=False)
    fk = "forsakringskassan"
    ind = indicator_id()
    with TestClient(create_app(settings)) as client:
        doc = registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.005}], convener=fk)
        doc["indicator"]["unit"] = "share"
        processor = client.app.state.processor  # type: ignore[attr-defined]
        processor.registry([record(doc)])
        processor.indicator_values([record(value_doc(ind, p, v, ago), offset=i) for i, (p, v, ago)
                                    in enumerate([("2023-Q4", 0.101, 0.099),
                                                  ("2024-Q1", 0.1218, 0.100)])])
        with session_scope(client.app.state.session_factory) as s:  # type: ignore[attr-defined]
            alert = s.scalars(select(Alert).where(Alert.indicator == ind)).one()
            s.expunge(alert)
        auth = tokens(sqlite_url, fk)[fk]
        inbox = client.get("/inbox", headers=auth).text
        page = client.get(f"/inbox/{alert.id}", headers=auth).text
    row = inbox.split(f'data-alert="{alert.id}"', 1)[1].split("</tr>", 1)[0]
    [listed] = re.findall(r'<td class="period c-period"[^>]*>([^<]*)</td>', row)
    assert listed == f"jan–mar{NBSP}2024", listed
    assert not re.search(r"\bkv\s\d", inbox + page)  # the alert's chart too
    assert f"okt–dec{NBSP}2023" in page and listed in page
    with rolled_back(sqlite_url) as session:
        [n] = notices(session, ("email", "json", "sv")).values()
    mail = replace(n, alert=n.alert.model_copy(update={"period": "2024-Q1"}))
    assert listed in subject(mail) and listed in text(mail) and listed in html(mail)


def test_the_associations_own_alert_is_not_escalated_in_the_mail(session: Session) -> None:
    [n] = notices(session, ("email", "json", "sv"), own=True).values()
    assert "Vad du gör nu:" in text(n) and "samordningsförbundet" not in text(n)
    [other] = notices(session, ("email", "json", "sv")).values()
    assert "lyfts till samordningsförbundet efter en tid" in text(other)  # days unknown
    # with the setting, the mail says how long (it said "efter en tid" regardless)
    [told] = notices(session, ("email", "json", "sv"), after_days=5).values()
    assert f"lyfts till samordningsförbundet efter 5{NBSP}dagar." in text(told)
