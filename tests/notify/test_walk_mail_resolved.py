"""A usability walk: an alert that resolved before its e-mail went out was still mailed as
"Larm: …" with "Kvittera med ett klick", while its body said "Larmet upphörde … inget behöver
göras". News of an alert that is no longer firing offers no acknowledging (plain text, HTML,
Slack, Teams and the JSON's ``links``, alert.v1) and its subject says it ended, in Swedish and
English; in a grouped message only the ended alert loses its link."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from samstat_kit.contracts import validator
from services.notify.alerts import service
from services.notify.delivery import service as deliveries
from services.notify.delivery.messages import Notice, html, subject, text, webhook_payload
from services.notify.events import IndicatorUpserted
from services.notify.inbox.links import Links
from services.notify.subscriptions.models import Subscription

from .factory import NOW, agency_id, indicator_id, later, registry_doc, value_event

LINKS = Links(["a-test-secret-of-sixteen+"], "https://samstat.example", 3600)
ACK = "/inbox/ack/"


def _sub(session: Session, convener: str, channel: str, fmt: str, lang: str) -> Subscription:
    target = f"{uuid.uuid4().hex[:8]}@example.org" if channel == "email" else \
        f"https://hooks.example/{uuid.uuid4().hex[:8]}"
    sub = Subscription(id=str(uuid.uuid4()), convener=convener, channel=channel, target=target,
                       secret=None, lang=lang, format=fmt, created_at=NOW, created_by="test")
    session.add(sub)
    session.flush()
    return sub


def _fire(session: Session, convener: str, *, resolve: bool, title: str) -> str:
    ind = indicator_id()
    service.handle_registry_event(session=session, now=NOW, event=IndicatorUpserted.model_validate(
        registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.5}], convener=convener,
                     title_sv=title, title_en=title)))
    service.handle_indicator_value(session=session, now=NOW, event=value_event(
        ind, "2024", 14.0, 11.0, computed_at=NOW))
    if resolve:  # before the dispatcher got to the firing news
        service.handle_indicator_value(session=session, now=later(seconds=1), event=value_event(
            ind, "2024", 11.0, 11.0, computed_at=later(seconds=1)))
    return ind


def _firing_news(session: Session, convener: str) -> dict[tuple[str, str], Notice]:
    claim = deliveries.claim_due(session=session, now=later(1), limit=1000,
                                 lease=timedelta(minutes=2), public_base_url="https://x",
                                 links=LINKS)
    return {(n.format if n.channel == "webhook" else n.lang, n.channel): n
            for n in claim.notices if n.alert.convener == convener and n.transition == "firing"}


def test_news_of_an_alert_that_ended_before_it_went_out_offers_no_acknowledging(
        session: Session) -> None:
    convener = agency_id()
    for shape in (("email", "json", "sv"), ("email", "json", "en"), ("webhook", "json", "sv"),
                  ("webhook", "slack", "sv"), ("webhook", "teams", "en")):
        _sub(session, convener, *shape)
    _fire(session, convener, resolve=True, title="Dagar till GK")
    got = _firing_news(session, convener)

    sv, en = got[("sv", "email")], got[("en", "email")]
    assert sv.alert.status == "resolved"
    assert subject(sv).startswith("[samstat] Larm som redan har upphört: Dagar till GK")
    assert subject(en).startswith("[samstat] Alert that has already ended: Dagar till GK")
    for n, ack_words in ((sv, ("Kvittera", "Larm:")), (en, ("Acknowledge", "Alert:"))):
        body, page = text(n), html(n)
        assert ACK not in body and ACK not in page
        for words in ack_words:
            assert words not in body and f">{words}<" not in page, words
        assert subject(n).removeprefix("[samstat] ") in page  # the heading says it too
    assert "upphörde" in text(sv) and "ended" in text(en)  # the body said so before, too
    # The value it fired at is said as that, beside a trend that has moved on.
    assert "Värde när larmet utlöstes" in text(sv) and "Value when it fired" in text(en)

    doc = webhook_payload(got[("json", "webhook")])
    validator("alert", 1).validate(doc["alert"])
    assert "acknowledge" not in doc["alert"]["links"] and "acknowledge" not in doc["links"]
    assert ACK not in json.dumps(doc)
    assert doc["text"].startswith("Larm som redan har upphört")
    slack = webhook_payload(got[("slack", "webhook")])
    assert ACK not in json.dumps(slack) and "Larm som redan har upphört" in json.dumps(
        slack, ensure_ascii=False)
    card = webhook_payload(got[("teams", "webhook")])["attachments"][0]["content"]
    assert [a["title"] for a in card["actions"]] == ["Open the alert"]


def test_a_grouped_message_offers_acknowledging_only_the_alert_still_firing(
        session: Session) -> None:
    convener = agency_id()
    sub = _sub(session, convener, "email", "json", "sv")
    _fire(session, convener, resolve=False, title="Fortfarande aktivt")
    _fire(session, convener, resolve=True, title="Redan över")
    [n] = [n for n in _firing_news(session, convener).values() if n.target == sub.target]
    assert n.grouped and len(n.items) == 2
    body = text(n)
    still, ended = body.split("2. ") if body.index("Fortfarande") < body.index("Redan") \
        else reversed(body.split("2. "))
    assert "Kvittera med ett klick" in still and ACK in still
    assert "Kvittera med ett klick" not in ended and ACK not in ended
    assert "Redan över – " in ended and "(har redan upphört)" in ended
    assert "(har redan upphört)" not in still
    page = html(n)
    assert page.count(ACK) == 1 and page.count(">Kvittera<") == 1
    assert "href=\"None\"" not in page


def _grouped(session: Session, lang: str, ended: int, firing: int) -> Notice:
    convener = agency_id()
    sub = _sub(session, convener, "email", "json", lang)
    for i in range(firing):
        _fire(session, convener, resolve=False, title=f"Aktivt {i}")
    for i in range(ended):
        _fire(session, convener, resolve=True, title=f"Över {i}")
    [n] = [n for n in _firing_news(session, convener).values() if n.target == sub.target]
    assert n.grouped and len(n.items) == ended + firing
    return n


def _said(n: Notice) -> tuple[str, str]:
    """The subject without its tag and convener, and the opening line of the text."""
    head = subject(n).removeprefix("[samstat] ").rsplit(": ", 1)[0]
    return head, text(n).splitlines()[0]


def test_a_grouped_message_counts_the_alerts_that_already_ended(session: Session) -> None:
    """The subject and the opening line of a grouped message said "3 nya avvikelser" while
    one of the three said "(har redan upphört)" below: they count the ended ones apart, in
    the words of the single ended alert's mail, singular and plural right."""
    n = _grouped(session, "sv", ended=1, firing=2)
    head, intro = _said(n)
    assert head == "3 avvikelser, 1 har redan upphört"
    assert intro.startswith("3 nya avvikelser för ") and \
        intro.endswith(" – 1 av dem har redan upphört:")
    assert f">{head}: " in html(n)  # the HTML heading says it too
    # The ended alert's value is the one it fired at, as in the single ended alert's mail.
    body = text(n)
    ended = body[body.index("Över 0 – "):]
    assert "Värde när larmet utlöstes: " in ended and "Värde: " not in ended
    assert body[:body.index("Över 0 – ")].count("Värde: ") == 2
    n = _grouped(session, "en", ended=1, firing=2)
    head, intro = _said(n)
    assert head == "3 alerts, 1 already ended"
    assert intro.startswith("3 new alerts for ") and \
        intro.endswith(" – 1 of them has already ended:")

    n = _grouped(session, "sv", ended=2, firing=1)
    assert _said(n)[0] == "3 avvikelser, 2 har redan upphört"
    assert _said(n)[1].endswith(" – 2 av dem har redan upphört:")
    n = _grouped(session, "en", ended=2, firing=1)
    assert _said(n)[0] == "3 alerts, 2 already ended"
    assert _said(n)[1].endswith(" – 2 of them have already ended:")

    # All of them ended: as the single ended alert's "Larm som redan har upphört".
    n = _grouped(session, "sv", ended=2, firing=0)
    head, intro = _said(n)
    assert head == "2 avvikelser som redan har upphört"
    assert intro.startswith("2 avvikelser för ") and intro.endswith(" – båda har redan upphört:")
    assert "nya" not in intro
    n = _grouped(session, "en", ended=2, firing=0)
    head, intro = _said(n)
    assert head == "2 alerts that have already ended"
    assert intro.startswith("2 alerts for ") and intro.endswith(" – both have already ended:")

    # None ended: as before.
    n = _grouped(session, "sv", ended=0, firing=2)
    assert _said(n) == ("2 avvikelser", _said(n)[1])
    assert _said(n)[1].startswith("2 nya avvikelser för ") and "upphört" not in _said(n)[1]


def test_grouped_words_say_one_in_the_singular() -> None:
    """A count of one is said in the singular, whatever the group's size."""
    from services.notify.delivery.texts import group_head, group_intro
    assert group_head("sv", "firing", 1, 0) == "1 avvikelse"
    assert group_head("en", "firing", 1, 0) == "1 alert"
    assert group_head("sv", "firing", 1, 1) == "1 avvikelse som redan har upphört"
    assert group_head("en", "firing", 1, 1) == "1 alert that has already ended"
    assert group_head("sv", "reminder", 1, 0) == "Påminnelse: 1 okvitterad avvikelse"
    assert group_head("en", "reminder", 1, 0) == "Reminder: 1 unacknowledged alert"
    assert group_intro("sv", "firing", 1, 0, "FK") == "1 ny avvikelse för FK:"
    assert group_intro("en", "firing", 1, 0, "FK") == "1 new alert for FK:"
    assert group_intro("sv", "firing", 1, 1, "FK") == "1 avvikelse för FK – den har redan upphört:"
    assert group_intro("en", "firing", 1, 1, "FK") == "1 alert for FK – it has already ended:"
    assert group_intro("sv", "reminder", 1, 0, "FK") == \
        "1 avvikelse för FK är fortfarande aktiv och okvitterad:"
    assert group_intro("en", "reminder", 1, 0, "FK") == \
        "1 alert for FK is still firing and unacknowledged:"
    assert group_intro("sv", "reminder", 3, 0, "FK") == \
        "3 avvikelser för FK är fortfarande aktiva och okvitterade:"


def test_two_alerts_that_both_ended_are_both_not_all() -> None:
    """Of two alerts a Swedish reader says "båda", not "alla" ("2 avvikelser för FK – alla
    har redan upphört" read wrong); three or more are "alla"."""
    from services.notify.delivery.texts import group_intro
    assert group_intro("sv", "firing", 2, 2, "FK") == \
        "2 avvikelser för FK – båda har redan upphört:"
    assert group_intro("en", "firing", 2, 2, "FK") == "2 alerts for FK – both have already ended:"
    assert group_intro("sv", "firing", 3, 3, "FK") == \
        "3 avvikelser för FK – alla har redan upphört:"
    assert group_intro("en", "firing", 3, 3, "FK") == "3 alerts for FK – all have already ended:"
