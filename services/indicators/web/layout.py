"""The pages' shared pieces: the presentation kit's renderer over ``templates/`` (the kit's
``base.html``, Swedish first with its English switch), the header's signed-in line, the
not-found page, area names and the areas a list offers, and the login form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response

from samstat_kit import present
from samstat_kit.contracts import Catalogue
from samstat_kit.instants import day_of, parse_instant
from samstat_kit.periods import parse
from samstat_kit.present import account, formatting
from samstat_kit.present.charts import Line
from samstat_kit.web import BrowserLogin, Reader
from services.indicators.api.schemas import FyeRead
from services.indicators.web.texts import NOT_FOUND_TEXTS

ADMIN = {"sv": "administratör", "en": "administrator"}
STOCKHOLM = ZoneInfo("Europe/Stockholm")

PAGES = present.Presenter(Path(__file__).parent / "templates")
# Pages behind the sign-in: never kept by a shared cache (the kit's middleware adds the CSP).
NO_STORE = present.PRIVATE


# --------------------------------------------------------------------------- layout


def not_found(request: Request, reader: Reader | None, what: str, value: str | None
              ) -> Response:
    """404 in the reader's language: ``what`` names the text (``unknown_area``,
    ``no_values``), ``value`` the area or indicator asked for; None: the address named
    nothing a page may repeat (``markup.echoed``), and the text ``<what>_any`` says so."""
    lang = present.language(request)
    context = account.header(request, reader, lang) if reader is not None else {}
    return PAGES.render(request, "not_found.html", texts=NOT_FOUND_TEXTS, status=404,
                        headers=NO_STORE, what=what, value=value, **context)


def read_as_of(raw: str | None, now: datetime | None = None
               ) -> tuple[datetime | None, str, str]:
    """A page's ``?as_of=``: (the instant, the date shown in the picker, the key of the text
    saying why it was not used, or ""). A day after today in Sweden is not read as "the
    latest" silently nor as "could not be read" (a black-box test: 9999-12-31 said so):
    ``future_date``; what is no date or instant, ``bad_date``; both show the latest figures.
    Space around the date is the way a pasted link comes, not an error (it answered 500)."""
    raw = (raw or "").strip()
    if not raw:
        return None, "", ""
    today = (now or datetime.now(UTC)).astimezone(STOCKHOLM).date()
    day = _day(raw)
    if day is not None and day > today:
        return None, "", "future_date"
    try:
        instant = parse_instant(raw)
    except ValueError:
        return None, "", "bad_date"
    if instant is None:
        return None, "", ""
    # the date as typed; an instant with a time of day shows its own date
    return instant, (day or instant.date()).isoformat(), ""


def _day(raw: str) -> date | None:
    """The calendar day ``raw`` names (a date, or an instant's date as written), or None."""
    try:
        return day_of(raw) or datetime.fromisoformat(raw.replace("Z", "+00:00")).date()
    except ValueError:
        return None


# The code list names the nation in Swedish ("Riket"); an English page says "Sweden". The
# other areas are proper names (Vännäs, Västerbottens län) and keep them.
NATION = {"en": "Sweden"}


def area_name(catalogue: Catalogue, code: str, lang: str = "sv") -> str:
    if code == "0000" and lang in NATION:
        return NATION[lang]
    info = catalogue.areas.get(code)
    return info.name if info else code


def wider_areas(catalogue: Catalogue, municipalities: Sequence[str]) -> list[str]:
    """The nation, the counties and the regions (samordningsförbund) of ``municipalities``:
    the full-year equivalents are shown for them too (SCB's figure, or the members' sum)."""
    inside = set(municipalities)
    counties = sorted({catalogue.areas[m].parent or "" for m in inside if m in catalogue.areas}
                      - {"", "0000"})
    regions = [a.code for a in catalogue.areas.values()
               if a.level == "region" and inside & set(a.members)]
    return (["0000"] if "0000" in catalogue.areas else []) + counties + regions


def related_areas(catalogue: Catalogue, area: str) -> list[str]:
    """The regions (samordningsförbund) an area belongs to, its county and the nation, in the
    order the FYE page names them. The county too (a walk): an analyst comparing a
    municipality with the county and the nation found only the region and the nation."""
    out = [a.code for a in catalogue.areas.values() if a.level == "region" and area in a.members]
    known = catalogue.areas.get(area)
    county = known.parent if known is not None else None
    if county and county != "0000" and county in catalogue.areas:
        out.append(county)
    if area != "0000" and "0000" in catalogue.areas:
        out.append("0000")
    return out


MAX_POINTS = {"month": 36, "quarter": 20, "half": 12, "year": 15}

TABLE_ROWS = 12

def months_in(period: str, monthly: Sequence[str]) -> int:
    p = parse(period)
    return sum(1 for m in monthly if p.contains(parse(m)))

LOGIN = BrowserLogin(home="/indicators",
                     cookie_max_age=lambda settings: settings.login_cookie_max_age_seconds)

def covered(catalogue: Catalogue, series: Sequence[FyeRead]) -> list[FyeRead]:
    """Only periods every member municipality has reported: a sum over some of a region's or the
    nation's municipalities is not the region's or the nation's figure."""
    return [f for f in series if f.source == "scb-official"
            or len(f.municipalities) == len(catalogue.municipalities_in(f.area))]

def describe_lines(lines: Sequence[Line], cats: Sequence[str],
                   show: Callable[[float | None], str], lang: str = "sv") -> str:
    out = []
    for ln in lines:
        last = next((c for c in reversed(cats) if ln.values.get(c) is not None), None)
        if last is not None:
            out.append(f"{ln.label}: {show(ln.values[last])} {formatting.period(last, lang)}")
    if lang == "en":
        return "Line chart. Latest values: " + "; ".join(out) if out else "No values."
    return "Linjediagram. Senaste värden: " + "; ".join(out) if out else "Inga värden."
