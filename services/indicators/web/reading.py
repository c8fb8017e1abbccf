"""What a reader needs besides the numbers: which way the plan wants an indicator to go, in
words; what the plan's abbreviations stand for; and the indicator list grouped by the
initiative each indicator follows up (from the registry, :mod:`..api.titles`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from samstat_kit.present.nav import service_urls
from services.indicators.api.titles import Meaning

# samstat's own indicators: the plan wants fewer people supported by benefits (notify's
# yoy_rise rule); the reconciliation is a check of two sources, with no way it should go.
OWN_DIRECTIONS = {"fye_share": "fall", "fye_share_official": "fall"}

# What a rise or fall is of: "andelen", "antalet", "tiden", else "värdet".
_SUBJECTS = {
    "sv": {"share": "andelen", "percent": "andelen", "persons": "antalet", "cases": "antalet",
           "count": "antalet", "plans": "antalet", "fye": "antalet", "days": "tiden",
           "months": "tiden"},
    "en": {"share": "the share", "percent": "the share", "persons": "the number",
           "cases": "the number", "count": "the number", "plans": "the number",
           "fye": "the number", "days": "the time", "months": "the time"},
}
_AIMS = {
    "sv": {"rise": "Målet är att {what} ska öka: en ökning är bra.",
           "fall": "Målet är att {what} ska minska: en minskning är bra.",
           "done": "Målet är att det ska bli klart.",
           None: "Planen säger inte om värdet ska öka eller minska."},
    "en": {"rise": "The aim is for {what} to rise: a rise is good.",
           "fall": "The aim is for {what} to fall: a fall is good.",
           "done": "The aim is for it to be done.",
           None: "The plan does not say whether the value should rise or fall."},
}

# The plan's abbreviations, as the measures' own descriptions explain them
# (schemas/measures/*.json); only those a page's titles use are shown.
GLOSSARY = {
    "sv": {"GK": "gemensam kartläggning, dit Försäkringskassan aktualiserar personer",
           "SIP": "samordnad individuell plan",
           "IM": "gymnasieskolans introduktionsprogram",
           "GY": "gymnasieskolans nationella program",
           "SDK": "säker digital kommunikation",
           "FK": "Försäkringskassan"},
    "en": {"GK": "joint mapping (gemensam kartläggning), to which the Social Insurance Agency "
                 "refers people",
           "SIP": "coordinated individual plan (samordnad individuell plan)",
           "IM": "the upper-secondary introduction programmes",
           "GY": "the national upper-secondary programmes",
           "SDK": "secure digital communication (säker digital kommunikation)",
           "FK": "the Social Insurance Agency (Försäkringskassan)"},
}


def aim(direction: str | None, unit: str, lang: str) -> str:
    """"Målet är att andelen ska minska: en minskning är bra." A done/not-done milestone
    has no direction to speak of: it is to be done."""
    words = _AIMS.get(lang, _AIMS["sv"])
    if unit == "done":
        return words["done"]
    what = _SUBJECTS.get(lang, _SUBJECTS["sv"]).get(unit, "värdet" if lang == "sv"
                                                    else "the value")
    return words.get(direction, words[None]).format(what=what)


def abbreviations(titles: Iterable[str], lang: str) -> list[tuple[str, str]]:
    """(abbreviation, meaning) for those ``titles`` use, in the order of the glossary."""
    text = " ".join(titles)
    return [(short, long) for short, long in GLOSSARY.get(lang, GLOSSARY["sv"]).items()
            if re.search(rf"\b{short}\b", text)]


@dataclass
class Group:
    """A heading of the list and its (id, title) links; ``report`` links the initiative's
    section of the follow-up report, where its title and aims are."""

    heading: str
    report: str | None = None
    year: int | None = None  # the plan year of the report linked
    indicators: list[tuple[str, str]] = field(default_factory=list)


def groups(listed: list[tuple[str, str]], meanings: Mapping[str, Meaning], own: Iterable[str],
           words: Mapping[str, str], lang: str) -> list[Group]:
    """samstat's own indicators first, then one group per initiative (by plan year and
    number), the plan's overarching ones, and those the registry has not described."""
    own = set(own)
    report_base = service_urls()["initiatives"]
    keyed: dict[tuple[int, int, int], Group] = {}
    for ident, title in listed:
        m = meanings.get(ident, Meaning())
        if ident in own:
            key, group = (0, 0, 0), Group(f"{words['fye']} ({words['own']})")
        elif m.initiative is not None:
            year = m.plan_year or 0
            key = (1, -year, m.initiative)
            group = Group(f"{words['initiative']} {m.initiative}", report=(
                f"{report_base}/reports/{year}?lang={lang}#i-{year}-{m.initiative}"
                if year else None), year=year or None)
        elif m.plan_year is not None:
            key, group = (2, -m.plan_year, 0), Group(words["overarching"])
        else:
            key, group = (3, 0, 0), Group(words["other"])
        keyed.setdefault(key, group).indicators.append((ident, title))
    return [keyed[k] for k in sorted(keyed)]
