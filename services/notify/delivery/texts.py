"""Wording and formatting shared by every message notify sends (alerts, groups of alerts,
weekly digests): Swedish by default, English on request. No I/O."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from typing import Any

from samstat_kit.contracts import load_catalogue
from samstat_kit.present import formatting as fmt

RULES = {
    "sv": {"yoy_rise": "ökning jämfört med samma period året innan",
           "yoy_wrong_direction": "fel riktning jämfört med samma period året innan",
           "band": "utanför tillåtet intervall", "target_missed": "målet nås inte",
           "control_limit": "utanför styrgränserna", "stale": "uppgifter har inte kommit in",
           "data_quality": "datakvalitet"},
    "en": {"yoy_rise": "rise against the same period a year earlier",
           "yoy_wrong_direction": "wrong direction against the same period a year earlier",
           "band": "outside the allowed band", "target_missed": "target missed",
           "control_limit": "outside the control limits", "stale": "data has not arrived",
           "data_quality": "data quality"},
}
HEAD = {
    "sv": {"firing": "Larm", "resolved": "Larmet har upphört", "escalated": "Eskalerat larm",
           "reminder": "Påminnelse"},
    "en": {"firing": "Alert", "resolved": "Resolved", "escalated": "Escalated alert",
           "reminder": "Reminder"},
}
# The head of news queued while the alert fired but sent after it ended: its body says it
# ended, so "Larm:" (and a link to acknowledge) would contradict it.
ENDED_HEAD = {"sv": "Larm som redan har upphört", "en": "Alert that has already ended"}
# A grouped message's alert that ended before the message went out.
ENDED_TAG = {"sv": "har redan upphört", "en": "already ended"}
LABELS = {
    "sv": {"area": "Område", "period": "Period", "rule": "Regel", "value": "Värde",
           "value_fired": "Värde när larmet utlöstes",
           "expected": "Jämförs med", "reason": "Detalj", "convener": "Sammankallande",
           "owner": "Ansvarig för uppföljning", "initiative": "Samverkansinitiativ",
           "trend": "Utveckling, senaste perioderna", "link": "Indikatorn", "open": "Öppna",
           "next": "Vad du gör nu", "ack_link": "Kvittera med ett klick",
           "ack_button": "Kvittera", "page_link": "Öppna larmet", "rule_words": "Regeln",
           "unsubscribe": "Avsluta prenumerationen",
           "why_mail": "Du får det här meddelandet automatiskt från samstat."},
    "en": {"area": "Area", "period": "Period", "rule": "Rule", "value": "Value",
           "value_fired": "Value when it fired",
           "expected": "Compared with", "reason": "Detail", "convener": "Convener",
           "owner": "Follow-up owner", "initiative": "Collaboration initiative",
           "trend": "Trend, latest periods", "link": "The indicator", "open": "Open",
           "next": "What to do now", "ack_link": "Acknowledge with one click",
           "ack_button": "Acknowledge", "page_link": "Open the alert",
           "rule_words": "The rule", "unsubscribe": "Unsubscribe",
           "why_mail": "You get this message automatically from samstat."},
}
ESCALATION = {
    "sv": "{convener} har inte kvitterat larmet inom {days} dagar; det lyfts därför till "
          "samordningsförbundet.",
    "en": "{convener} has not acknowledged the alert within {days} days, so it is escalated "
          "to the coordination association.",
}
# Copies for the follow-up owner: the subject's tag and the first line of the text.
COPY_TAG = {"sv": "(kopia)", "en": "(copy)"}
COPY = {
    "sv": "Kopia till uppföljningsansvarig ({owner}). Larmet gäller {convener} som "
          "sammankallande; det är {convener} som kvitterar.",
    "en": "Copy for the follow-up owner ({owner}). The alert is for {convener} as convener, "
          "who acknowledges it.",
}
REMINDER = {
    "sv": "Påminnelse {n}: larmet är fortfarande aktivt och har inte kvitterats.",
    "en": "Reminder {n}: the alert is still firing and has not been acknowledged.",
}
# Subjects and introductions of grouped messages: the count of alerts (one and many), then
# how many of them ended before the message went out, in the words of the single ended
# alert's mail (ENDED_HEAD, ENDED_TAG): "3 avvikelser, 1 har redan upphört", and when all
# ended "2 avvikelser som redan har upphört" (no "nya", no "Larm").
GROUP_HEAD = {
    "sv": {"firing": ("{n} avvikelse", "{n} avvikelser"),
           "reminder": ("Påminnelse: {n} okvitterad avvikelse",
                        "Påminnelse: {n} okvitterade avvikelser")},
    "en": {"firing": ("{n} alert", "{n} alerts"),
           "reminder": ("Reminder: {n} unacknowledged alert",
                        "Reminder: {n} unacknowledged alerts")},
}
GROUP_HEAD_ENDED = {  # (some of them ended, all of them ended), each (one, many)
    "sv": ((", {m} har redan upphört", ", {m} har redan upphört"),
           (" som redan har upphört", " som redan har upphört")),
    "en": ((", {m} already ended", ", {m} already ended"),
           (" that has already ended", " that have already ended")),
}
GROUP_INTRO = {
    "sv": {"firing": ("{n} ny avvikelse för {convener}", "{n} nya avvikelser för {convener}"),
           "reminder": ("{n} avvikelse för {convener} är fortfarande aktiv och okvitterad",
                        "{n} avvikelser för {convener} är fortfarande aktiva och "
                        "okvitterade")},
    "en": {"firing": ("{n} new alert for {convener}", "{n} new alerts for {convener}"),
           "reminder": ("{n} alert for {convener} is still firing and unacknowledged",
                        "{n} alerts for {convener} are still firing and unacknowledged")},
}
# An introduction where all ended: no "new" (as ENDED_HEAD has no "Larm").
GROUP_INTRO_ALL_ENDED = {"sv": ("{n} avvikelse för {convener}", "{n} avvikelser för {convener}"),
                         "en": ("{n} alert for {convener}", "{n} alerts for {convener}")}
GROUP_INTRO_ENDED = {  # (some of them ended, all of them ended), each (one, many)
    "sv": ((" – {m} av dem har redan upphört", " – {m} av dem har redan upphört"),
           (" – den har redan upphört", " – alla har redan upphört")),
    "en": ((" – {m} of them has already ended", " – {m} of them have already ended"),
           (" – it has already ended", " – all have already ended")),
}
# All of two ended: "båda", not "alla" (said of three or more).
GROUP_INTRO_BOTH_ENDED = {"sv": " – båda har redan upphört", "en": " – both have already ended"}


def _one_or_many(forms: tuple[str, str], count: int) -> str:
    return forms[0] if count == 1 else forms[1]


def group_head(lang: str, transition: str, n: int, ended: int) -> str:
    """A grouped message's subject (without tag and convener): ``n`` alerts, ``ended`` of
    which ended before it went out."""
    lang = language(lang)
    head = _one_or_many(GROUP_HEAD[lang][transition], n).format(n=n)
    if ended:
        some, every = GROUP_HEAD_ENDED[lang]
        head += _one_or_many(every if ended >= n else some, ended).format(m=ended)
    return head


def group_intro(lang: str, transition: str, n: int, ended: int, convener: str) -> str:
    """A grouped message's opening line, counted as :func:`group_head` counts. (A reminder
    never carries an ended alert: claiming supersedes it.)"""
    lang = language(lang)
    if ended >= n > 0 and transition == "firing":
        line = _one_or_many(GROUP_INTRO_ALL_ENDED[lang], n)
    else:
        line = _one_or_many(GROUP_INTRO[lang][transition], n)
    line = line.format(n=n, convener=convener)
    if ended >= n == 2:
        line += GROUP_INTRO_BOTH_ENDED[lang]
    elif ended:
        some, every = GROUP_INTRO_ENDED[lang]
        line += _one_or_many(every if ended >= n else some, ended).format(m=ended)
    return line + ":"


@cache
def _names() -> tuple[dict[str, str], dict[str, str]]:
    try:
        cat = load_catalogue()
    except Exception:  # names are a nicety; a message without them is still correct
        return {}, {}
    return ({c: a.name for c, a in cat.areas.items()},
            {c: a.name for c, a in cat.agencies.items()})


def area_name(code: str) -> str:
    return _names()[0].get(code, code)


def area_label(code: str) -> str:
    """The area's name; a municipality's four-digit code follows in brackets (the code of an
    association or a region says nothing the name does not)."""
    name = area_name(code)
    return f"{name} ({code})" if code.isdigit() and len(code) == 4 and name != code else name


def period_text(code: str, lang: str) -> str:
    """A period in words, as the pages show it: ``jan–mar 2024``, not ``2024-Q1``."""
    return fmt.period(code, language(lang))


def agency_name(code: str | None) -> str:
    return _names()[1].get(code or "", code or "–")


def number(x: float | None, lang: str) -> str:
    """Swedish (or English) numbers by the presentation kit: ``12 345``, ``4,5``."""
    return fmt.number(x, language(lang))


def value_text(x: float | None, unit: str | None, lang: str, *, with_unit: bool = True,
               decimals: int | None = None) -> str:
    """A value in its unit by the presentation kit: shares as ``12,2 %``, others as
    ``4,5 månader`` (``4,5`` without ``with_unit``, where the unit is said already;
    ``decimals`` to say two figures at one precision)."""
    return fmt.value(x, unit, language(lang), with_unit=with_unit, decimals=decimals)


def language(lang: str) -> str:
    return lang if lang in ("sv", "en") else "sv"


def rule_name(rule: str, lang: str) -> str:
    return RULES[lang].get(rule, rule)


def one_line(value: str) -> str:
    """A header's value on one line. A subject says an indicator's title, which the registry
    takes as written: a line break in it (or any character Python reads as one, such as
    U+2028) made the mail library refuse the header, so every mail about that indicator
    failed at every attempt (a red team). It can start no header either way."""
    return " ".join(part.strip() for part in value.splitlines() if part.strip())


def email_message(*, sender: str, to: str, subject: str, body: str, lang: str, msg_id: str,
                  headers: dict[str, str] | None = None, html: str | None = None,
                  unsubscribe: str | None = None) -> EmailMessage:
    """A text mail, multipart/alternative with ``html`` when given. Every message says it was
    sent automatically (``Auto-Submitted``, RFC 3834), so auto-responders stay quiet, and
    carries ``List-Unsubscribe`` (RFC 2369; with ``unsubscribe``, the one-click POST of
    RFC 8058, else a mail back to the sender)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, one_line(subject)
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(idstring=msg_id)
    msg["Content-Language"] = lang
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"  # Exchange's way of saying the same
    if unsubscribe:
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        msg["List-Unsubscribe"] = f"<mailto:{sender}?subject=unsubscribe>"
    for name, value in (headers or {}).items():
        msg[name] = one_line(value)
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def chat_payload(fmt_: str, *, subject: str, text: str, facts: list[tuple[str, str]],
                 link: str, lang: str, summary: str | None = None,
                 buttons: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """A Slack (``slack``: Block Kit) or Teams (``teams``: Adaptive Card) message.

    ``summary`` is the message in a few sentences (``text`` when not given), ``facts``
    label/value pairs, ``buttons`` (label, URL) pairs - by default one that opens ``link``.
    Incoming webhooks of both allow only links, so a button opens a page (the alert, or its
    acknowledge confirmation page); nothing acts by itself."""
    buttons = buttons if buttons is not None else ([(LABELS[lang]["open"], link)] if link
                                                   else [])
    if fmt_ == "slack":
        return _slack(subject, summary or text, facts, buttons)
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": True,
         "text": subject},
        {"type": "TextBlock", "wrap": True, "text": summary or text}]
    if facts:
        body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts]})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard", "version": "1.4", "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": label, "url": url}
                    for label, url in buttons],
    }
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}


def _mrkdwn(text: str) -> str:
    """Slack's mrkdwn needs &, < and > escaped (they would start links and entities)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack(subject: str, summary: str, facts: list[tuple[str, str]],
           buttons: list[tuple[str, str]]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(summary)[:3000]}}]
    if facts:
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{_mrkdwn(k)}*\n{_mrkdwn(v)}"[:2000]}
            for k, v in facts[:10]]})
    if buttons:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": label[:75]}, "url": url,
             **({"style": "primary"} if i == 0 else {})}
            for i, (label, url) in enumerate(buttons[:5])]})
    links = " · ".join(f"<{url}|{_mrkdwn(label)}>" for label, url in buttons)
    # "text" is what notifications and clients without blocks show: the subject and links.
    return {"text": f"*{_mrkdwn(subject)}*" + (f"\n{links}" if links else ""),
            "blocks": blocks}
