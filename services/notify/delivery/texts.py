"""Wording and formatting shared by every message notify sends (alerts, groups of alerts,
weekly digests): Swedish by default, English on request. No I/O."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from typing import Any

from samstat_kit.contracts import load_catalogue

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
LABELS = {
    "sv": {"area": "Område", "period": "Period", "rule": "Regel", "value": "Värde",
           "expected": "Förväntat", "reason": "Detalj", "convener": "Sammankallande",
           "owner": "Ansvarig för uppföljning", "initiative": "Samverkansinitiativ",
           "trend": "Utveckling, senaste perioderna", "link": "Mer", "open": "Öppna"},
    "en": {"area": "Area", "period": "Period", "rule": "Rule", "value": "Value",
           "expected": "Expected", "reason": "Detail", "convener": "Convener",
           "owner": "Follow-up owner", "initiative": "Collaboration initiative",
           "trend": "Trend, latest periods", "link": "More", "open": "Open"},
}
# Unit codes of indicator-value v1 as readers say them; unknown codes are shown as they are.
UNITS = {
    "sv": {"percent": "%", "share": "(andel)", "persons": "personer", "days": "dagar",
           "months": "månader", "fye": "helårsekvivalenter", "count": "st"},
    "en": {"percent": "%", "share": "(share)", "persons": "persons", "days": "days",
           "months": "months", "fye": "full-year equivalents", "count": ""},
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
# Subjects and introductions of grouped messages.
GROUP_HEAD = {
    "sv": {"firing": "{n} avvikelser", "reminder": "Påminnelse: {n} okvitterade avvikelser"},
    "en": {"firing": "{n} alerts", "reminder": "Reminder: {n} unacknowledged alerts"},
}
GROUP_INTRO = {
    "sv": {"firing": "{n} nya avvikelser för {convener}:",
           "reminder": "{n} avvikelser för {convener} är fortfarande aktiva och okvitterade:"},
    "en": {"firing": "{n} new alerts for {convener}:",
           "reminder": "{n} alerts for {convener} are still firing and unacknowledged:"},
}


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


def agency_name(code: str | None) -> str:
    return _names()[1].get(code or "", code or "–")


def number(x: float | None, lang: str) -> str:
    if x is None:
        return "–"
    text = f"{x:.6g}"
    return text.replace(".", ",") if lang == "sv" else text


def language(lang: str) -> str:
    return lang if lang in ("sv", "en") else "sv"


def unit_text(unit: str | None, lang: str) -> str:
    """`` dagar`` for "days" in Swedish: a leading space, or nothing for no unit."""
    said = UNITS[lang].get(unit or "", unit or "")
    return f" {said}" if said else ""


def rule_name(rule: str, lang: str) -> str:
    return RULES[lang].get(rule, rule)


def email_message(*, sender: str, to: str, subject: str, body: str, lang: str, msg_id: str,
                  headers: dict[str, str] | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = make_msgid(idstring=msg_id)
    msg["Content-Language"] = lang
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg


def chat_payload(fmt: str, *, subject: str, text: str, facts: list[tuple[str, str]],
                 link: str, lang: str) -> dict[str, Any]:
    """A Slack- (``slack``) or Teams-compatible (``teams``) message."""
    if fmt == "slack":
        # Slack (and Mattermost/Rocket.Chat) incoming webhooks render "text" as mrkdwn.
        return {"text": f"*{subject}*\n```{text}```"}
    # Teams workflows' "post to a channel when a webhook request is received" takes a message
    # with an Adaptive Card attachment.
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": True,
         "text": subject}]
    if facts:
        body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts]})
    else:
        body.append({"type": "TextBlock", "wrap": True, "fontType": "Monospace", "text": text})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard", "version": "1.4", "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": LABELS[lang]["open"], "url": link}],
    }
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}
