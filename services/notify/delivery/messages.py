"""What a notification says: e-mail text (Swedish by default, English on request) and webhook
payloads (plain JSON, Slack- or Teams-compatible), built from a claimed delivery. No I/O.

A message names one alert, or, for grouped transitions (firing, reminder), lists every alert
of one convener that came due together (:mod:`services.notify.delivery.grouped`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from pydantic import ConfigDict

from samstat_kit import present
from services.notify.alerts.models import FIRING, RESOLVED
from services.notify.alerts.schemas import AlertRead
from services.notify.delivery import grouped
from services.notify.delivery.texts import (
    COPY,
    COPY_TAG,
    ENDED_HEAD,
    ESCALATION,
    HEAD,
    LABELS,
    REMINDER,
    agency_name,
    area_label,
    area_name,
    chat_payload,
    email_message,
    language,
    number,
    period_text,
    rule_name,
    value_text,
)
from services.notify.initiative_names import named

MAIL = present.Presenter(Path(__file__).parent / "templates")

ALERT_V1_FIELDS = ("id", "initiative", "indicator", "area", "period", "rule", "value",
                   "expected", "status", "convener", "created_at", "updated_at")


class AlertFacts(AlertRead):
    """A snapshot of the alert as it was when the delivery was claimed: what the API shows of
    it (:class:`~services.notify.alerts.schemas.AlertRead`) and who follows it up."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    follow_up_owner: str | None
    episode: int
    initiative_title: str | None = None  # from the definition, for people (not in alert.v1)

    @classmethod
    def of(cls, alert: Any, initiative_title: str | None = None) -> AlertFacts:
        return cls.model_validate(alert).model_copy(
            update={"initiative_title": initiative_title})

    def as_alert_v1(self, words: Words | None = None) -> dict[str, Any]:
        """The alert in the shape of ``schemas/alert.v1.schema.json`` (with ``links`` to its
        page and its acknowledge confirmation page when ``words`` has them)."""
        doc = self.model_dump(mode="json", include=set(ALERT_V1_FIELDS))
        if words is not None:
            doc["links"] = words.links()
        return doc


@dataclass(frozen=True)
class NoticeItem:
    """One alert of a grouped message."""

    delivery_id: int
    alert: AlertFacts
    title: str
    unit: str | None
    trend: tuple[tuple[str, float | None], ...]
    link: str
    sequence: int = 0
    words: Words | None = None


@dataclass(frozen=True)
class Words:
    """What one alert's message says in the receiver's language (built where the definition
    is at hand: :func:`services.notify.delivery.service.claim_due`) and its one-click links."""

    what: str
    rule: str
    next_step: str
    page: str
    acknowledge: str | None  # only in the convener's news of a firing alert (offers_ack)
    unsubscribe: str | None = None

    def links(self) -> dict[str, str]:
        """The alert's links as the JSON shapes carry them: ``acknowledge`` left out where
        there is none (alert.v1: given only to whoever may acknowledge)."""
        out = {"page": self.page}
        if self.acknowledge is not None:
            out["acknowledge"] = self.acknowledge
        return out


@dataclass(frozen=True)
class Notice:
    """One message ready to send: who, how, and everything it shows.

    ``delivery_id`` names the message (``X-Samstat-Delivery``, the Message-ID): the delivery
    row itself, or the first row of a group. ``title`` … ``link`` describe the (first) alert;
    ``items`` lists every alert of a grouped message (two or more), and ``delivery_ids`` the
    rows it settles when sent.
    """

    delivery_id: int
    attempt: int
    transition: str  # firing | reminder | resolved | escalated
    channel: str  # email | webhook
    target: str
    secret: str | None
    lang: str
    format: str  # json | slack | teams
    title: str
    unit: str | None
    alert: AlertFacts
    trend: tuple[tuple[str, float | None], ...]
    link: str
    escalate_after_days: float | None = None
    role: str = "convener"  # convener | copy (for the follow-up owner)
    sequence: int = 0  # reminders: which one
    items: tuple[NoticeItem, ...] = ()
    delivery_ids: tuple[int, ...] = ()
    words: Words | None = None

    @property
    def grouped(self) -> bool:
        return len(self.items) > 1

    @property
    def settles(self) -> tuple[int, ...]:
        """The delivery rows that this message sends."""
        return self.delivery_ids or (self.delivery_id,)

    # What the senders need (shared with the weekly digest).
    def email_message(self, sender: str) -> EmailMessage:
        return email(self, sender)

    def webhook_body(self) -> bytes:
        return webhook_body(self)

    def webhook_headers(self) -> dict[str, str]:
        return {
            # Receivers deduplicate on it: a crash after the POST but before recording it as
            # sent makes the delivery go out again after the lease.
            "X-Samstat-Delivery": str(self.delivery_id),
            "X-Samstat-Transition": self.transition,
        }


def _lang(n: Notice) -> str:
    return language(n.lang)


def copy_line(n: Notice) -> str:
    lang = _lang(n)
    return COPY[lang].format(owner=agency_name(n.alert.follow_up_owner),
                             convener=agency_name(n.alert.convener))


def ended_since(transition: str, alert: AlertFacts) -> bool:
    """News of a firing alert (or a reminder, an escalation) that ended before the message
    went out: its words say so (they are built from the alert as it is now)."""
    return transition != "resolved" and alert.status == RESOLVED


def head(n: Notice) -> str:
    """The first words of the subject, the text and the HTML heading: "Larm", or that the
    alert has already ended (the body says it ended; "Larm:" would contradict it)."""
    lang = _lang(n)
    return ENDED_HEAD[lang] if ended_since(n.transition, n.alert) else HEAD[lang][n.transition]


def subject(n: Notice) -> str:
    if n.grouped:
        return grouped.subject(n)
    lang = _lang(n)
    a = n.alert
    tag = f"{COPY_TAG[lang]} " if n.role == "copy" else ""
    return (f"[samstat] {tag}{head(n)}: {n.title}, "
            f"{area_name(a.area)} {period_text(a.period, lang)}")


def _trend_value(x: float | None, unit_code: str | None, lang: str) -> str:
    """A point of the trend: shares as per cent, others bare (the value line names the
    unit)."""
    return value_text(x, unit_code, lang, with_unit=False)


def facts(n: Notice, *, with_rule: bool = True) -> list[tuple[str, str]]:
    """Label/value pairs shared by the e-mail text and the Teams card; the e-mail leaves the
    rule's name out when it says the rule in words (one "Regel" row)."""
    lang, a = _lang(n), n.alert
    lab = LABELS[lang]
    out = [
        (lab["area"], area_label(a.area)),
        (lab["period"], period_text(a.period, lang)),
        *([(lab["rule"], rule_name(a.rule, lang))] if with_rule else []),
        # An ended alert keeps the value it fired at, beside a trend that has moved on (a
        # walk read "Värde 14 dagar" over a latest point of 11): the label says which.
        (lab["value_fired" if a.status == RESOLVED else "value"],
         value_text(a.value, n.unit, lang)),
        (lab["expected"], value_text(a.expected, n.unit, lang)),
        (lab["convener"], agency_name(a.convener)),
    ]
    if a.follow_up_owner:
        out.append((lab["owner"], agency_name(a.follow_up_owner)))
    if a.initiative is not None:
        out.append((lab["initiative"], named(a.initiative, a.initiative_title)))
    return out


def text(n: Notice) -> str:
    if n.grouped:
        return grouped.text(n)
    lang = _lang(n)
    lab, w = LABELS[lang], n.words
    lines = [f"{head(n)}: {n.title}, {area_name(n.alert.area)} "
             f"{period_text(n.alert.period, lang)}", ""]
    if n.role == "copy":
        lines += [copy_line(n), ""]
    if n.transition == "reminder":
        lines += [REMINDER[lang].format(n=n.sequence), ""]
    if n.transition == "escalated":
        days = number(n.escalate_after_days, lang) if n.escalate_after_days else "?"
        lines += [ESCALATION[lang].format(convener=agency_name(n.alert.convener), days=days), ""]
    if w is not None:
        lines += [w.what, "", f"{lab['next']}: {w.next_step}", ""]
        if offers_ack(n):
            lines += [f"{lab['ack_link']}: {w.acknowledge}"]
        lines += [f"{lab['page_link']}: {w.page}", ""]
    rows = facts(n, with_rule=w is None) + ([(lab["rule"], rule_row(n))] if w else [])
    width = max(len(k) for k, _ in rows) + 1
    lines += [f"{k + ':':<{width}} {v}" for k, v in rows]
    if n.trend:
        points = trend_rows(n)
        at = max(len(p) for p, _, _ in points)
        lines += ["", f"{lab['trend']}:"]
        lines += [f"  {p:<{at}} {v}" + ("  ←" if now else "") for p, v, now in points]
    link = indicator_link(n)
    lines += ["", f"{lab['link']}: {link}", ""] if link else [""]
    return "\n".join(lines)


def rule_row(n: Notice) -> str:
    """The one "Regel" row: the rule's name, then the rule in words."""
    name = rule_name(n.alert.rule, _lang(n))
    said = n.words.rule if n.words is not None else ""
    return f"{name} – {said}" if said else name


def indicator_link(n: Notice) -> str | None:
    """The indicator's page; none when it is only the alert's page again (data quality)."""
    return None if n.words is not None and n.link == n.words.page else n.link


def trend_rows(n: Notice) -> list[tuple[str, str, bool]]:
    """The trend as (period in words, value, is the alert's period)."""
    lang = _lang(n)
    return [(period_text(p, lang), _trend_value(v, n.unit, lang), p == n.alert.period)
            for p, v in n.trend]


def offers_ack(n: Notice) -> bool:
    """Only the convener's news of a firing alert offers the acknowledge link: a copy's
    reader, the association hearing of an escalation and a "resolved" have nothing to
    acknowledge, nor has news of an alert that ended (or was acknowledged) before it went
    out."""
    return n.transition in ("firing", "reminder") and n.role != "copy" \
        and n.alert.status == FIRING


def item_offers_ack(n: Notice, item: NoticeItem) -> bool:
    """One alert of a grouped message: its link only while it still fires."""
    return n.role != "copy" and item.alert.status == FIRING and item.words is not None \
        and item.words.acknowledge is not None


def summary(n: Notice) -> str:
    """A few sentences for chat messages: what happened and what to do."""
    if n.grouped:
        return grouped.text(n)
    w, lab = n.words, LABELS[_lang(n)]
    if w is None:
        return text(n)
    return f"{w.what}\n{lab['next']}: {w.next_step}"


def buttons(n: Notice) -> list[tuple[str, str]]:
    """Open the alert (its page) and, while there is something to acknowledge, the
    acknowledge confirmation page."""
    lab = LABELS[_lang(n)]
    if n.grouped or n.words is None:
        return [(lab["open"], n.link)]
    out = [(lab["page_link"], n.words.page)]
    if offers_ack(n) and n.words.acknowledge is not None:
        out.insert(0, (lab["ack_button"], n.words.acknowledge))
    return out


def email(n: Notice, sender: str) -> EmailMessage:
    headers = {"X-Samstat-Transition": n.transition, "X-Samstat-Role": n.role}
    if not n.grouped:
        # Lets mail rules and receivers group the messages of one alert.
        headers["X-Samstat-Alert"] = n.alert.id
    return email_message(sender=sender, to=n.target, subject=subject(n), body=text(n),
                         lang=_lang(n), msg_id=f"samstat-{n.delivery_id}", headers=headers,
                         html=html(n), unsubscribe=n.words.unsubscribe if n.words else None)


def html(n: Notice) -> str:
    """The HTML part: the same words, with buttons (Jinja2, autoescaped)."""
    lang = _lang(n)
    return MAIL.string("email.html", lang=lang, n=n, subject=subject(n), lab=LABELS[lang],
                       head=head(n),
                       facts=facts(n, with_rule=n.words is None) if not n.grouped else [],
                       buttons=buttons(n), intro=_intro_lines(n), area=area_name(n.alert.area),
                       period=period_text(n.alert.period, lang), trend=trend_rows(n),
                       heading=grouped.heading(n) if n.grouped else "",
                       items=[(i, grouped.headline(i, lang), i.words, grouped.indicator_link(i),
                               item_offers_ack(n, i)) for i in n.items],
                       indicator=indicator_link(n),
                       rule_row=rule_row(n))


def _intro_lines(n: Notice) -> list[str]:
    lang = _lang(n)
    lines = []
    if n.role == "copy":
        lines.append(copy_line(n))
    if n.transition == "reminder" and not n.grouped:
        lines.append(REMINDER[lang].format(n=n.sequence))
    if n.transition == "escalated":
        days = number(n.escalate_after_days, lang) if n.escalate_after_days else "?"
        lines.append(ESCALATION[lang].format(convener=agency_name(n.alert.convener),
                                             days=days))
    return lines


def webhook_payload(n: Notice) -> dict[str, Any]:
    if n.format in ("slack", "teams"):
        return chat_payload(n.format, subject=subject(n), text=text(n),
                            facts=grouped.facts(n) if n.grouped else facts(n), link=n.link,
                            lang=_lang(n), summary=summary(n), buttons=buttons(n))
    if n.grouped:
        return grouped.json_payload(n)
    links = n.words.links() if n.words else None
    return {
        "v": 1, "delivery_id": n.delivery_id, "transition": n.transition, "role": n.role,
        "sequence": n.sequence, "alert": n.alert.as_alert_v1(n.words),
        "follow_up_owner": n.alert.follow_up_owner, "reason": n.alert.reason,
        "title": n.title, "unit": n.unit, "link": n.link, "links": links,
        "trend": [{"period": p, "value": v} for p, v in n.trend],
        "text": text(n),
    }


def webhook_body(n: Notice) -> bytes:
    return json.dumps(webhook_payload(n), ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the subscription's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
