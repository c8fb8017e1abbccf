"""What the weekly digest says: e-mail text and webhook payloads from its stored summary,
Swedish by default and English per subscription. No I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from samstat_kit.present.formatting import decimals_for
from samstat_kit.present.formatting import period as period_text
from services.notify.delivery.texts import (
    agency_name,
    area_name,
    chat_payload,
    email_message,
    language,
    number,
    rule_name,
    value_text,
)
from services.notify.initiative_names import named
from services.notify.names import alert_title, quality_parts

WORDS = {
    "sv": {
        "subject": "[samstat] Veckosammanfattning {week}: {open} – {convener}",
        "week": "vecka {n}, {year}", "due": "skulle vara",
        "fired_brief": "Dessutom {n} som öppnades och upphörde igen inom några minuter "
        "(medan uppgifterna kom in); de finns i inkorgen.",
        "resolved_brief": "Dessutom {n} som upphörde inom några minuter efter att de "
        "öppnades.", "acknowledged_brief": "",
        "fired_only": "{n}, alla öppnades och upphörde igen inom några minuter (medan "
        "uppgifterna kom in); de finns i inkorgen.",
        "resolved_only": "{n}, alla inom några minuter efter att de öppnades.",
        "all_indicators": "Alla indikatorer",
        "intro": "Veckosammanfattning för {convener}, {week} ({start} – {end}).",
        "open": "Öppna avvikelser", "none_open": "Inga öppna avvikelser.",
        "initiative": "Samverkansinitiativ {n}", "no_initiative": "Utan samverkansinitiativ",
        "fired": "Nya larm under veckan", "resolved": "Upphörda under veckan",
        "acknowledged": "Kvitterade under veckan", "none": "inga",
        "firing": "okvitterat", "ack": "kvitterat", "escalated": "eskalerat",
        "since": "sedan", "value": "värde", "expected": "jämförs med", "by": "av",
    },
    "en": {
        "subject": "[samstat] Weekly digest, {week}: {open} – {convener}",
        "week": "week {n}, {year}", "due": "due to be",
        "fired_brief": "Also {n} that opened and resolved again within minutes (while the "
        "figures arrived); they are in the inbox.",
        "resolved_brief": "Also {n} that resolved within minutes of opening.",
        "acknowledged_brief": "",
        "fired_only": "{n}, all opened and resolved again within minutes (while the "
        "figures arrived); they are in the inbox.",
        "resolved_only": "{n}, all within minutes of opening.",
        "all_indicators": "All indicators",
        "intro": "Weekly digest for {convener}, {week} ({start} – {end}).",
        "open": "Open alerts", "none_open": "No open alerts.",
        "initiative": "Collaboration initiative {n}", "no_initiative": "No initiative",
        "fired": "Fired this week", "resolved": "Resolved this week",
        "acknowledged": "Acknowledged this week", "none": "none",
        "firing": "unacknowledged", "ack": "acknowledged", "escalated": "escalated",
        "since": "since", "value": "value", "expected": "compared with", "by": "by",
    },
}


# One and many (the subject said "1 öppna avvikelser").
N_OPEN = {"sv": ("{n} öppen avvikelse", "{n} öppna avvikelser"),
          "en": ("{n} open alert", "{n} open alerts")}


def _day(ts: str | None) -> str:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).date().isoformat() if ts else "–"


def _title(entry: dict[str, Any], lang: str) -> str:
    # A data-quality alert is named when shown: a summary stored before it had a name
    # holds its id as the title.
    indicator = str(entry.get("indicator", ""))
    if quality_parts(indicator) is not None:
        return alert_title(None, indicator, lang)
    return (entry.get("title_en") if lang == "en" else None) or entry.get("title_sv") \
        or indicator


def _n_open(n: int, lang: str) -> str:
    one, many = N_OPEN[lang]
    return (one if n == 1 else many).format(n=number(n, lang))


def week_text(code: str, lang: str) -> str:
    """"2026-W49" as readers say it: "vecka 49, 2026" ("week 49, 2026")."""
    year, _, n = code.partition("-W")
    if not (year.isdigit() and n.isdigit()):
        return code
    return WORDS[lang]["week"].format(n=int(n), year=year)


def _numbers(a: dict[str, Any], unit: str | None, lang: str) -> list[str]:
    """The value and what it is compared with, only what is known (a stale alert has
    neither): one precision and the unit on both, a milestone in words ("ej klart,
    skulle vara klart")."""
    w = WORDS[lang]
    value, expected = a.get("value"), a.get("expected")
    if unit == "done":
        said = [value_text(value, unit, lang)] if value is not None else []
        return said + ([f"{w['due']} {value_text(expected, unit, lang)}"]
                       if expected is not None else [])
    places = decimals_for([value, expected])
    said = [f"{w['value']} {value_text(value, unit, lang, decimals=places)}"] \
        if value is not None else []
    return said + ([f"{w['expected']} {value_text(expected, unit, lang, decimals=places)}"]
                   if expected is not None else [])


def subject(summary: dict[str, Any], lang: str) -> str:
    return WORDS[lang]["subject"].format(week=week_text(summary["week"], lang),
                                         open=_n_open(summary["open_count"], lang),
                                         convener=agency_name(summary["convener"]))


def _open_lines(summary: dict[str, Any], lang: str) -> list[str]:
    w = WORDS[lang]
    lines = [f"{w['open']}: {summary['open_count']}"]
    if not summary["open"]:
        return [*lines, f"  {w['none_open']}"]
    for group in summary["open"]:
        ini = group["initiative"]
        lines += ["", w["initiative"].format(n=named(ini, group.get("initiative_title")))
                  if ini is not None else w["no_initiative"]]
        for ind in group["indicators"]:
            lines.append(f"  {_title(ind, lang)}")
            for a in ind["alerts"]:
                state = w["ack"] if a["status"] == "acknowledged" else w["firing"]
                if a.get("escalated"):
                    state += f", {w['escalated']}"
                said = _numbers(a, ind.get("unit"), lang)
                numbers = f"; {', '.join(said)}" if said else ""
                lines.append(
                    f"    - {area_name(a['area'])} {period_text(a['period'], language(lang))}: "
                    f"{rule_name(a['rule'], lang)}{numbers}; {state} {w['since']} "
                    f"{_day(a['fired_at'])}")
                lines.append(f"      {a['link']}")
    return lines


def _activity_lines(summary: dict[str, Any], key: str, lang: str) -> list[str]:
    w = WORDS[lang]
    items = summary.get(key) or []
    brief = int(summary.get(f"{key}_brief") or 0)
    if not items and brief and f"{key}_only" in w:
        # Only brief ones: said once ("12, alla inom några minuter"), not "inga" + "Dessutom".
        return [f"{w[key]}: " + w[f"{key}_only"].format(n=number(brief, lang))]
    lines = [f"{w[key]}: {len(items) or w['none']}"]
    for e in items:
        by = f" ({w['by']} {e['by']})" if e.get("by") else ""
        when = period_text(e["period"], language(lang))
        lines.append(f"  - {_day(e['at'])}: {_title(e, lang)}, {area_name(e['area'])} "
                     f"{when} ({rule_name(e['rule'], lang)}){by}")
        lines.append(f"    {e['link']}")
    if brief and w[f"{key}_brief"]:
        lines.append("  " + w[f"{key}_brief"].format(n=number(brief, lang)))
    return lines


def text(summary: dict[str, Any], lang: str) -> str:
    intro = WORDS[lang]["intro"].format(
        convener=agency_name(summary["convener"]), week=week_text(summary["week"], lang),
        start=_day(summary["from"]), end=_day(summary["to"]))
    lines = [intro, "", *_open_lines(summary, lang)]
    for key in ("fired", "resolved", "acknowledged"):
        lines += ["", *_activity_lines(summary, key, lang)]
    if summary.get("link"):
        lines += ["", f"{WORDS[lang]['all_indicators']}: {summary['link']}"]
    return "\n".join([*lines, ""])


@dataclass(frozen=True)
class DigestNotice:
    """One digest ready to send."""

    digest_id: int
    attempt: int
    channel: str
    target: str
    secret: str | None
    lang: str
    format: str
    summary: dict[str, Any]

    @property
    def language_code(self) -> str:
        return language(self.lang)

    def email_message(self, sender: str) -> EmailMessage:
        return email_message(
            sender=sender, to=self.target, subject=subject(self.summary, self.language_code),
            body=text(self.summary, self.language_code), lang=self.language_code,
            msg_id=f"samstat-digest-{self.digest_id}",
            headers={"X-Samstat-Digest": f"{self.summary['convener']}/{self.summary['week']}"})

    def payload(self) -> dict[str, Any]:
        lang = self.language_code
        body = text(self.summary, lang)
        if self.format in ("slack", "teams"):
            # The text says it all; a Teams card shows it as one block, with a link home.
            return chat_payload(self.format, subject=subject(self.summary, lang), text=body,
                                facts=[], link=self.summary.get("link", ""), lang=lang)
        return {"v": 1, "type": "digest", "digest_id": self.digest_id, **self.summary,
                "text": body}

    def webhook_body(self) -> bytes:
        return json.dumps(self.payload(), ensure_ascii=False, separators=(",", ":")).encode()

    def webhook_headers(self) -> dict[str, str]:
        return {"X-Samstat-Delivery": f"digest-{self.digest_id}",
                "X-Samstat-Transition": "digest"}
