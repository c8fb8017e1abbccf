"""A milestone (an indicator of unit ``done``: 1 when reached) in the report's indicator
table, read as done or not done by its date: "Klart i oktober 2024", "Inte klart, skulle vara
klart senast 31 december 2024". Trend words ("ska öka", "fel riktning") and a 0–1 chart said
nothing a board member could use about a thing that is either done or not."""

from __future__ import annotations

from collections.abc import Iterable

from samstat_kit.periods import parse
from samstat_kit.present import formatting
from services.initiatives.report.frame import bi, e, pair
from services.initiatives.report.judge import day
from services.initiatives.report.schemas import AreaResult, IndicatorResult

# (state, Swedish, English, the verdict class its colour follows)
STATES = {
    "done": ("✔", "Klart", "done", "on_track"),
    "late": ("✖", "Inte klart", "not done", "off_track"),
    "open": ("…", "Inte klart än", "not done yet", "not_judged"),
    "none": ("–", "Inget besked", "nothing reported", "no_data"),
}


def is_milestone(ind: IndicatorResult) -> bool:
    return ind.unit == "done"


def state(a: AreaResult) -> str:
    if a.value is None:
        return "none"
    if a.value >= 1:
        return "done"
    return "late" if a.target_status == "missed" else "open"


def overall(states: Iterable[str]) -> str:
    """Done when every area reporting is; late when any is past its date."""
    seen = [s for s in states if s != "none"]
    if not seen:
        return "none"
    if all(s == "done" for s in seen):
        return "done"
    return "late" if "late" in seen else "open"


def badge(s: str) -> str:
    symbol, sv, en, cls = STATES[s]
    return f'<span class="v v-{cls}">{symbol} {bi(sv, en)}</span>'


def _when_done(ind: IndicatorResult, a: AreaResult) -> str | None:
    """The first period the area reported the milestone reached (its chart line), else the
    period that counted for the plan year."""
    line = next((s for s in ind.series if s.area == a.area), None)
    first = next((p for p, v in line.points if v >= 1), None) if line else None
    return first or a.period


def _in(period: str, lang: str) -> str:
    """"i oktober 2024" / "under 2024" ("in October 2024" / "in 2024")."""
    text = formatting.period(period, lang)
    if lang == "en":
        return "in " + text
    return ("under " if parse(period).granularity == "year" else "i ") + text


def sentence(ind: IndicatorResult, a: AreaResult) -> str:
    """What the area's row says, in both languages (markup)."""
    s, due = state(a), (ind.target or {}).get("date")
    if s == "done":
        when = _when_done(ind, a)
        return (bi(f"Klart {_in(when, 'sv')}", f"Done {_in(when, 'en')}") if when
                else bi("Klart", "Done"))
    if s == "none":
        return bi("Inget besked för planåret", "Nothing reported for the plan year")
    if not due:
        return bi("Inte klart", "Not done")
    if s == "late":
        return bi(f"Inte klart, skulle vara klart senast {day(due)}",
                  f"Not done; it was due by {day(due, 'en')}")
    return bi(f"Inte klart än, ska vara klart senast {day(due)}",
              f"Not done yet; due by {day(due, 'en')}")


def rows(ind: IndicatorResult) -> str:
    """The indicator's rows of the table (7 columns): its title and date, then one sentence
    per area."""
    due = (ind.target or {}).get("date")
    when = (pair(f"Ska vara klart senast {e(day(due))}", f"Due by {e(day(due, 'en'))}")
            if due else bi("Ska bli klart", "To be done"))
    head = (f'<tr class="ind"><td colspan="5">{bi(ind.title_sv, ind.title_en)}'
            f'<br><span class="muted small">{when}</span></td>'
            f"<td>{bi('Milstolpe', 'milestone')}</td>"
            f"<td>{badge(overall(state(a) for a in ind.areas))}</td></tr>")
    body = "".join(f'<tr class="area"><td>{e(a.area_name)}</td>'
                   f'<td colspan="5">{sentence(ind, a)}</td><td>{badge(state(a))}</td></tr>'
                   for a in ind.areas)
    return head + body
