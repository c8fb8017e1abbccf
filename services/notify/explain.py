"""What an alert means, in words a convener understands: what happened, the rule and its
threshold, and what to do next - in Swedish (or English), numbers by the presentation kit
(``12,2 %``, ``+1,6 procentenheter``). Shared by the inbox pages and every message. Pure.

The rules' own ``reason`` strings are for operators (English, raw numbers); these texts are
built from the alert's numbers and the rule's parameters instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from samstat_kit.present import formatting as fmt

DIRECTION = {"sv": {"rise": "öka", "fall": "minska"}, "en": {"rise": "rise", "fall": "fall"}}


@dataclass(frozen=True)
class Facts:
    """The numbers an explanation needs."""

    rule: str
    value: float | None
    expected: float | None
    unit: str | None
    period: str
    status: str = "firing"
    year_ago: float | None = None
    ended_at: datetime | None = None  # a resolved alert: when ...
    end_reason: str = ""  # ... and why (the rule's own words, see :func:`ended`)
    gap: bool = False  # data quality: samstat's FYE against SCB's, not a total and its parts


@dataclass(frozen=True)
class Explanation:
    what: str  # what happened
    rule: str  # the rule and its threshold
    next_step: str  # what to do now


def _v(x: float | None, f: Facts, lang: str) -> str:
    return fmt.value(x, f.unit, lang)


def _num(rule: Mapping[str, Any], key: str) -> float | None:
    raw = rule.get(key)
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


# Why an alert ended, from the English reason the rules and the lifecycle record; the
# first pattern found in it wins, anything else is a rule satisfied again.
ENDINGS = (
    ("agrees with its parts", "Totalen stämmer nu med summan av delarna.",
     "The total now agrees with the sum of its parts."),
    ("no longer reported", "En av siffrorna rapporteras inte längre, så det finns inget "
     "kvar att jämföra.", "One of the figures is no longer reported, so nothing is left "
     "to compare."),
    ("withdrawn", "Uppgifterna bakom värdet togs tillbaka.",
     "The figures behind the value were taken back."),
    ("rule is no longer", "Regeln togs bort ur indikatorns definition.",
     "The rule was removed from the indicator's definition."),
    ("area is no longer", "Området togs bort ur indikatorns definition.",
     "The area was removed from the indicator's definition."),
    ("removed from the registry", "Indikatorn togs bort ur planen.",
     "The indicator was removed from the plan."),
    ("a value arrived", "Uppgifterna för perioden kom in.",
     "The figures for the period arrived."),
)


def ended(f: Facts, lang: str) -> str:
    """A resolved alert: when it ended and why, in the past tense."""
    sv = lang != "en"
    why = next(((s_, e_) for key, s_, e_ in ENDINGS if key in f.end_reason),
               ("Värdet uppfyller regeln igen.", "The value meets the rule again."))
    if f.gap and "agrees" in f.end_reason:
        why = ("Samstats beräkning och SCB:s siffra skiljer sig nu mindre än 5 procent.",
               "samstat's figure and SCB's now differ by less than 5 per cent.")
    when = fmt.datetime(f.ended_at, lang) if f.ended_at is not None else ""
    head = (f"Larmet upphörde {when}." if sv else f"The alert ended on {when}.") if when \
        else ("Larmet har upphört." if sv else "The alert has ended.")
    return f"{head} {why[0] if sv else why[1]}"


def what(f: Facts, lang: str) -> str:
    """What the alert says; for a resolved one, what it said, in the past tense."""
    if f.status == "resolved":
        if f.rule == "data_quality":
            return ended(f, lang) + " " + _quality(f, lang, past=True)
        return ended(f, lang)
    return _what(f, lang)


def _quality(f: Facts, lang: str, *, past: bool = False) -> str:
    p, t, s = fmt.period(f.period, lang), fmt.number(f.value, lang), \
        fmt.number(f.expected, lang)
    if f.gap:
        return _gap(p, t, s, lang, past)
    if lang == "en":
        return (f"When it opened, the reported total for {p} was {t} and the parts added up "
                f"to {s}." if past else
                f"The reported total for {p} is {t}, but the parts add up to {s}.")
    return (f"När det öppnades var den rapporterade totalen för {p} {t}, och delarna "
            f"summerade till {s}." if past else
            f"Den rapporterade totalen för {p} är {t}, men delarna summerar till {s}.")


def _gap(p: str, scb: str, own: str, lang: str, past: bool) -> str:
    if lang == "en":
        return (f"When it opened, SCB's full-year equivalents for {p} were {scb} and "
                f"samstat's own figure {own}." if past else
                f"SCB's full-year equivalents for {p} are {scb}, but samstat's own figure "
                f"from the agencies' benefit days is {own}.")
    return (f"När det öppnades var SCB:s helårsekvivalenter för {p} {scb} och samstats egen "
            f"beräkning {own}." if past else
            f"SCB:s helårsekvivalenter för {p} är {scb}, men samstats egen beräkning från "
            f"myndigheternas ersättningsdagar är {own}.")


def _what(f: Facts, lang: str) -> str:
    sv = lang != "en"
    v, e = _v(f.value, f, lang), _v(f.expected, f, lang)
    diff = fmt.change(f.value - f.expected, f.unit, lang) \
        if f.value is not None and f.expected is not None else "–"
    period = fmt.period(f.period, lang)
    if f.rule == "data_quality":
        return _quality(f, lang)
    if f.unit == "done":  # a milestone: done or not, no numbers to subtract
        return (f"Delmålet är inte klart för {period}; målet är att det ska vara klart."
                if sv else f"The milestone is not done for {period}; it should be.")
    if f.rule in ("yoy_rise", "yoy_wrong_direction"):
        return (f"Värdet för {period} är {v}, {diff} jämfört med samma period året innan "
                f"({e})." if sv else
                f"The value for {period} is {v}, {diff} against the same period a year "
                f"earlier ({e}).")
    if f.rule == "band":
        side = ("under den undre gränsen" if sv else "below the lower limit") \
            if f.value is not None and f.expected is not None and f.value < f.expected \
            else ("över den övre gränsen" if sv else "above the upper limit")
        return (f"Värdet för {period} är {v}, {side} {e}." if sv else
                f"The value for {period} is {v}, {side} {e}.")
    if f.rule == "target_missed":
        return (f"Värdet för {period} är {v} och når inte målet {e} ({diff})." if sv else
                f"The value for {period} is {v} and misses the target {e} ({diff}).")
    if f.rule == "control_limit":
        return (f"Värdet för {period} är {v}, utanför styrgränsen {e} som de tidigare "
                f"perioderna ger." if sv else
                f"The value for {period} is {v}, outside the control limit {e} that the "
                f"earlier periods give.")
    if f.rule == "stale":
        return (f"Inga uppgifter har kommit in för {period}, fast de borde ha gjort det."
                if sv else f"No figures have arrived for {period}, though they are due.")
    return f"{f.rule}: {v}"


def rule_text(f: Facts, rule: Mapping[str, Any], target: Mapping[str, Any] | None,
              lang: str) -> str:
    sv = lang != "en"
    tol = _num(rule, "tolerance") or 0.0
    tol_text = fmt.change(tol, f.unit, lang).lstrip("+")
    if f.rule == "yoy_rise" and tol <= 0:
        return ("Larmar så fort värdet stiger jämfört med samma period året innan." if sv
                else "Alerts as soon as the value rises against the same period a year "
                "earlier.")
    if f.rule == "yoy_rise":
        return (f"Larmar när värdet stiger mer än {tol_text} jämfört med samma period året "
                f"innan." if sv else
                f"Alerts when the value rises by more than {tol_text} against the same "
                f"period a year earlier.")
    if f.rule == "yoy_wrong_direction":
        d = DIRECTION["sv" if sv else "en"].get(str(rule.get("direction")), "?")
        if tol <= 0:
            return (f"Värdet ska {d} jämfört med samma period året innan; larmar så fort det "
                    f"går åt andra hållet." if sv else
                    f"The value should {d} against the same period a year earlier; alerts as "
                    f"soon as it moves the other way.")
        return (f"Värdet ska {d} jämfört med samma period året innan; larmar när det går åt "
                f"andra hållet mer än {tol_text}." if sv else
                f"The value should {d} against the same period a year earlier; alerts when "
                f"it moves the other way by more than {tol_text}.")
    if f.rule == "band":
        low, high = _num(rule, "low"), _num(rule, "high")
        parts = [("lägst " if sv else "at least ") + _v(low, f, lang)] if low is not None \
            else []
        parts += [("högst " if sv else "at most ") + _v(high, f, lang)] if high is not None \
            else []
        joined = (" och " if sv else " and ").join(parts)
        return f"Värdet ska vara {joined}." if sv else f"The value should be {joined}."
    if f.rule == "target_missed" and target and f.unit == "done":
        when = str(target.get("date") or "")
        by = f" {'senast' if sv else 'by'} {_date(when, lang)}" if when else ""
        return (f"Målet är att delmålet ska vara klart{by}." if sv else
                f"The milestone should be done{by}.")
    if f.rule == "target_missed" and target:
        goal = _num(target, "value")
        word = ("minst" if sv else "at least") if target.get("direction") == "rise" \
            else ("högst" if sv else "at most")
        when = str(target.get("date") or "")
        by = f" {'senast' if sv else 'by'} {_date(when, lang)}" if when else ""
        return (f"Målet är {word} {_v(goal, f, lang)}{by}." if sv else
                f"The target is {word} {_v(goal, f, lang)}{by}.")
    if f.rule == "control_limit":
        return ("Larmar när värdet hamnar utanför styrgränserna: medelvärdet av de senaste "
                "(högst 24) perioderna ± 2,66 gånger den genomsnittliga förändringen mellan "
                "två perioder." if sv else
                "Alerts when the value falls outside the control limits: the mean of the "
                "latest (at most 24) periods ± 2.66 times the mean change between periods.")
    if f.rule == "stale":
        grace = _num(rule, "grace_days")
        days = fmt.number(grace if grace is not None else 30, lang)
        return (f"Larmar när nästa period inte har kommit in {days} dagar efter att den "
                f"slutade." if sv else
                f"Alerts when the next period has not arrived {days} days after it ended.")
    if f.rule == "data_quality" and f.gap:
        return ("Larmar när samstats beräkning och SCB:s siffra skiljer sig mer än 5 procent."
                if sv else "Alerts when samstat's figure and SCB's differ by more than 5 per "
                "cent.")
    if f.rule == "data_quality":
        return ("Larmar när en rapporterad total inte stämmer med summan av sina delar."
                if sv else "Alerts when a reported total disagrees with the sum of its parts.")
    return f.rule


def _date(iso: str, lang: str) -> str:
    try:
        return fmt.date(date.fromisoformat(iso[:10]), lang)
    except ValueError:
        return iso


def next_step(f: Facts, lang: str, *, escalates: bool = True,
              after_days: float | None = None) -> str:
    """What to do now; ``escalates`` is false when the convener is the association itself
    (nobody above it to escalate to); ``after_days`` is when an unacknowledged alert is
    escalated (settings ``escalate_after_days``), said as such when known."""
    sv = lang != "en"
    if f.status == "resolved":
        return ("Larmet har upphört; inget behöver göras." if sv else
                "The alert has ended; nothing needs doing.")
    if f.rule == "data_quality":
        return ("Kontrollera siffrorna ni rapporterade och skicka rättade värden; larmet "
                "upphör av sig självt när totalen stämmer." if sv else
                "Check the figures you reported and send corrected values; the alert ends by "
                "itself once the total agrees.")
    if f.rule == "stale":
        return ("Se till att uppgifterna för perioden rapporteras; larmet upphör när de har "
                "kommit in." if sv else
                "Make sure the figures for the period are reported; the alert ends when they "
                "arrive.")
    if f.status == "acknowledged":
        return ("Larmet är kvitterat. Skriv gärna en kommentar om vad ni gör." if sv else
                "The alert is acknowledged. A comment on what you are doing helps others.")
    # "efter 7 dagar" (the setting), or without it "efter en tid"
    when = fmt.value(after_days, "days", lang) if after_days else \
        ("en tid" if sv else "a while")
    then = ((f" Ett okvitterat larm lyfts till samordningsförbundet efter {when}." if sv else
             f" An unacknowledged alert is escalated to the association after {when}.")
            if escalates else "")
    return ("Titta på underlaget, kvittera larmet när du har sett det (gärna med en kommentar "
            "om vad ni gör) eller ge det till en kollega." if sv else
            "Look at the figures, acknowledge the alert once you have seen it (with a comment "
            "on what you are doing) or give it to a colleague.") + then


def explain(f: Facts, *, rule: Mapping[str, Any] | None = None,
            target: Mapping[str, Any] | None = None, lang: str = "sv",
            escalates: bool = True, after_days: float | None = None) -> Explanation:
    return Explanation(what(f, lang), rule_text(f, rule or {}, target, lang),
                       next_step(f, lang, escalates=escalates, after_days=after_days))


def rule_of(body: Mapping[str, Any] | None, kind: str) -> Mapping[str, Any]:
    """The definition's rule of this kind (the first, as the lifecycle evaluates them)."""
    for r in (body or {}).get("rules") or []:
        if isinstance(r, dict) and r.get("kind") == kind:
            return r
    return {}
