"""The full-year-equivalent page (``GET /fye/{area}``), with the presentation kit: the area
beside its region(s), its county and the nation for every year (from SCB's official figures
where samstat's own are not complete), shares by sex, the benefit x sex table, a date picker
(``?as_of=2024-06-10``: what samstat showed then) and the downloads of the same table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from samstat_kit import present
from samstat_kit.contracts import Catalogue
from samstat_kit.db import session_scope
from samstat_kit.periods import parse
from samstat_kit.present import account, formatting
from samstat_kit.present.charts import Line, lines_chart
from samstat_kit.present.markup import echoed
from samstat_kit.present.nav import HOME_AREA
from samstat_kit.web import OptionalReader
from services.indicators.api import service
from services.indicators.api.groups import groups_for
from services.indicators.api.labels import BENEFIT_LABELS
from services.indicators.api.schemas import FyeRead
from services.indicators.domain.fye.maths import BENEFITS
from services.indicators.web.layout import (
    LOGIN,
    NO_STORE,
    PAGES,
    area_name,
    covered,
    not_found,
    read_as_of,
)
from services.indicators.web.texts import FYE_TEXTS

router = APIRouter(include_in_schema=False)
FIRST_YEAR = 2014  # SCB's municipal series start here
MONTHS_SHOWN = 24


def comparison_areas(catalogue: Catalogue, area: str) -> list[str]:
    """The area, its regions (samordningsförbund), its county and the nation."""
    out = [area]
    out += [a.code for a in catalogue.areas.values() if a.level == "region" and area in a.members]
    info = catalogue.areas[area]
    counties = {catalogue.areas[m].parent for m in catalogue.municipalities_in(area)
                if m in catalogue.areas} if info.level == "region" else {info.parent}
    out += sorted(c for c in counties if c and c != "0000")
    out.append("0000")
    return list(dict.fromkeys(out))


def _latest(series: list[FyeRead]) -> FyeRead | None:
    whole = [f for f in series if not f.partial]
    return next((f for f in reversed(whole) if f.complete), whole[-1] if whole else None)


def population_words(latest: FyeRead | None, lang: str) -> tuple[str, str]:
    """The year(s) of the population card ("2098", "2098 och 2099") and, when the year before's
    population stands in for the figures' year (SCB's is not out yet), a line that says so;
    empty strings when there is nothing to say."""
    if latest is None or not latest.population_years:
        return "", ""
    years = latest.population_years
    said = formatting.listing([str(y) for y in years], lang)
    year = parse(latest.period).year
    before = [y for y in years if y < year]
    if not before:
        return said, ""
    t = FYE_TEXTS[lang]
    note = t["population_stand_in" if year not in years else "population_stand_in_some"]
    return said, note.format(used=formatting.listing([str(y) for y in before], lang),
                             year=year)


@router.get("/fye", include_in_schema=False)
def fye_home(request: Request) -> Response:
    """``/fye`` alone (a shortened link): the association's own region, in the language
    asked for, rather than a bare 404."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/fye/{HOME_AREA}{query}", status_code=303)


@router.get("/fye/{area}")
def fye_page(request: Request, reader: OptionalReader,
             area: Annotated[str, PathParam(max_length=32)]) -> Response:
    if reader is None:
        return LOGIN.redirect(request)
    catalogue: Catalogue = request.app.state.catalogue
    if area not in catalogue.areas:
        return not_found(request, reader, "unknown_area", echoed(area))
    at, as_of_value, as_of_error = read_as_of(request.query_params.get("as_of"))
    codes = comparison_areas(catalogue, area)
    with session_scope(request.app.state.session_factory) as session:
        series = {c: covered(catalogue, service.fye_series(
            session=session, catalogue=catalogue, area=c, granularity="year", as_of=at))
            for c in codes}
        # months: the area and its regions (the county and the nation are yearly from SCB)
        month_codes = [c for c in codes if catalogue.areas[c].level in ("municipality",
                                                                       "region")]
        months = {c: {f.period: f for f in covered(catalogue, service.fye_series(
            session=session, catalogue=catalogue, area=c, granularity="month", as_of=at))}
            for c in month_codes}
    month_list = sorted({p for m in months.values() for p in m}, key=parse,
                        reverse=True)[:MONTHS_SHOWN]
    table = {c: {f.period: f for f in s} for c, s in series.items()}
    years = sorted({p for t in table.values() for p in t if parse(p).year >= FIRST_YEAR},
                   key=parse, reverse=True)
    lang = present.language(request)
    names = {c: area_name(catalogue, c, lang) for c in codes}
    # similar municipalities (comparison groups): only the years every member has a figure
    with session_scope(request.app.state.session_factory) as session:
        for g in groups_for(request.app.state.groups, area):
            found = {y: service.group_fye(session=session, catalogue=catalogue, group=g,
                                          period=y, as_of=at) for y in years}
            table[g.code] = {y: f for y, f in found.items() if f is not None}
            series[g.code] = [table[g.code][y] for y in sorted(table[g.code], key=parse)]
            names[g.code] = g.name
            if table[g.code]:  # a group none of whose years is complete says nothing
                codes = [*codes, g.code]
    chart = _chart(codes, names, series, years, area, lang)
    latest = _latest(series[area])
    query = urlencode({"areas": ",".join(c for c in codes if c in catalogue.areas),
                       "granularity": "year",
                       **({"as_of": as_of_value} if as_of_value else {})})
    benefits = [(b, BENEFIT_LABELS.get(b, b).split(" (")[0 if lang == "sv" else 1].rstrip(")"))
                for b in BENEFITS if latest and b in latest.by_benefit]
    return PAGES.render(
        request, "fye.html", texts=FYE_TEXTS, title_key="title", headers=NO_STORE, area=area,
        name=names[area], codes=codes, names=names, pages=set(catalogue.areas), years=years,
        # what the page compares with, said as it is (a walk: the nation's page promised the
        # region and the county), and from the nation the way to each county
        compared=[c for c in codes if c != area], counties=[
            (c.code, area_name(catalogue, c.code, lang)) for c in sorted(
                catalogue.areas.values(), key=lambda a: a.code) if c.level == "county"]
        if area == "0000" else [],
        table=table, chart=chart,
        latest=latest, population_words=population_words(latest, lang), benefits=benefits,
        query=query, as_of_value=as_of_value,
        months=months, month_codes=month_codes, month_list=month_list,
        month_label=partial(formatting.period, lang=lang),
        as_of_day=date.fromisoformat(as_of_value) if as_of_value else None,
        as_of_error=as_of_error, today=datetime.now(UTC).date().isoformat(),
        **account.header(request, reader, lang))


def _chart(codes: list[str], names: dict[str, str], series: dict[str, list[FyeRead]],
           years: list[str], area: str, lang: str) -> Markup:
    """The areas' shares by year, in the reader's language (whole years only)."""
    cats = sorted(years, key=parse)
    if not cats:
        return Markup("")
    # named as readers name them: "Riket (0000)" put a code in every legend entry
    lines = [Line(names[c], {f.period: f.share for f in series[c] if not f.partial},
                  frozenset(f.period for f in series[c] if not f.complete)) for c in codes]
    # the chart escapes every label itself (samstat_kit.present.markup): its markup is safe
    return lines_chart(chart_id="years", title=f"{FYE_TEXTS[lang]['share']}: {names[area]}",
                       description="; ".join(ln.label for ln in lines), categories=cats,
                       lines=lines, category_label=partial(formatting.period, lang=lang),
                       value_label=partial(formatting.value, unit="share", lang=lang),
                       tick_label=partial(formatting.tick, unit="share", lang=lang), lang=lang)
