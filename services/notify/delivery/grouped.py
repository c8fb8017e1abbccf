"""What a grouped message says: every alert of one convener that came due for one receiver
within the group wait, as ONE e-mail or webhook call ("3 avvikelser: …"). No I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.notify.delivery.texts import (
    COPY,
    COPY_TAG,
    ENDED_TAG,
    LABELS,
    REMINDER,
    agency_name,
    area_label,
    group_head,
    group_intro,
    language,
    period_text,
    rule_name,
    value_text,
)
from services.notify.initiative_names import named

if TYPE_CHECKING:
    from services.notify.delivery.messages import Notice, NoticeItem


def subject(n: Notice) -> str:
    lang = language(n.lang)
    tag = f"{COPY_TAG[lang]} " if n.role == "copy" else ""
    head = group_head(lang, n.transition, len(n.items), ended(n))
    return f"[samstat] {tag}{head}: {agency_name(n.alert.convener)}"


def ended(n: Notice) -> int:
    """How many of the message's alerts ended before it went out (each says so below)."""
    return sum(item.alert.status == "resolved" for item in n.items)


def heading(n: Notice) -> str:
    """The subject without its ``[samstat]`` tag, for the body's heading."""
    return subject(n).removeprefix("[samstat] ")


def headline(item: NoticeItem, lang: str = "sv") -> str:
    """The alert's title, area and period; one that ended before the message went out says
    so (its words say it ended; no link to acknowledge it follows)."""
    a = item.alert
    ended = f" ({ENDED_TAG[lang]})" if a.status == "resolved" else ""
    return f"{item.title} – {area_label(a.area)} {period_text(a.period, lang)}{ended}"


def indicator_link(item: NoticeItem) -> str | None:
    """The indicator's page, when there is one besides the alert's own page (a data-quality
    alert has none: its link is the alert page)."""
    w = item.words
    return None if w is not None and item.link == w.page else item.link


def _detail(item: NoticeItem, lang: str, ack: bool) -> list[str]:
    a, lab, w = item.alert, LABELS[lang], item.words
    value = value_text(a.value, item.unit, lang)
    expected = value_text(a.expected, item.unit, lang, with_unit=False)
    # An ended alert keeps the value it fired at: the label says so, as in its own mail.
    said = lab["value_fired" if a.status == "resolved" else "value"]
    lines = [f"{lab['rule']}: {rule_name(a.rule, lang)}; {said}: {value}; "
             f"{lab['expected']}: {expected}"]
    if w is not None:
        lines.append(w.what)
    if item.sequence:
        lines.append(REMINDER[lang].format(n=item.sequence))
    if a.initiative is not None:
        lines.append(f"{lab['initiative']}: {named(a.initiative, a.initiative_title)}")
    if w is not None:
        if ack and w.acknowledge and a.status == "firing":
            lines.append(f"{lab['ack_link']}: {w.acknowledge}")
        lines.append(f"{lab['page_link']}: {w.page}")
    link = indicator_link(item)
    if link:
        lines.append(f"{lab['link']}: {link}")
    return lines


def text(n: Notice) -> str:
    lang = language(n.lang)
    convener = agency_name(n.alert.convener)
    lines = [group_intro(lang, n.transition, len(n.items), ended(n), convener), ""]
    if n.role == "copy":
        lines += [COPY[lang].format(owner=agency_name(n.alert.follow_up_owner),
                                    convener=convener), ""]
    for i, item in enumerate(n.items, start=1):
        lines.append(f"{i}. {headline(item, lang)}")
        lines += [f"   {line}" for line in _detail(item, lang, n.role != "copy")]
        lines.append("")
    return "\n".join(lines)


def facts(n: Notice) -> list[tuple[str, str]]:
    """One line per alert for the Teams card."""
    lang = language(n.lang)
    return [(headline(item, lang), item.words.what if item.words else
             rule_name(item.alert.rule, lang)) for item in n.items]


def json_payload(n: Notice) -> dict[str, Any]:
    """Like the single-alert payload, with ``alerts``/``items`` (one per alert) in place of
    ``alert``: a receiver must not take the first alert of a group for all of it."""
    return {
        "v": 1, "delivery_id": n.delivery_id, "transition": n.transition, "role": n.role,
        "group": True, "count": len(n.items), "convener": n.alert.convener,
        "alerts": [item.alert.as_alert_v1(item.words) for item in n.items],
        "items": [{
            "delivery_id": item.delivery_id, "alert": item.alert.as_alert_v1(item.words),
            "follow_up_owner": item.alert.follow_up_owner, "reason": item.alert.reason,
            "title": item.title, "unit": item.unit, "link": item.link,
            "sequence": item.sequence,
            "trend": [{"period": p, "value": v} for p, v in item.trend],
        } for item in n.items],
        "text": text(n),
    }
