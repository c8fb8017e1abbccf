"""Server-rendered pages for conveners, board members and analysts. No JavaScript.

* ``GET /indicators`` — what the read model holds, with links;
* ``GET /indicators/{id}?area=CODE[&granularity=…]`` — an indicator for an area beside its
  region(s) and the nation, the latest periods, downloads. Alert emails link here;
* ``GET /fye/{area}`` (:mod:`.fye_page`) — full-year equivalents by year and month beside the
  region and the nation, and the latest year by benefit and sex;
* ``GET /login``, ``POST /login``, ``POST /logout`` — a browser keeps a pasted token in a cookie
  (:data:`LOGIN`, see :mod:`samstat_kit.web`).

All markup is built with :func:`samstat_kit.present.markup.tag`, which escapes every value
it is given; numbers and periods come from :mod:`samstat_kit.present.formatting`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from markupsafe import Markup as Safe
from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from samstat_kit.contracts import Catalogue
from samstat_kit.db import session_scope
from samstat_kit.periods import GRANULARITIES, parse
from samstat_kit.present import formatting
from samstat_kit.present.charts import Line, lines_chart
from samstat_kit.present.markup import join, tag
from samstat_kit.web import PagePrincipal
from services.indicators.fye.indicator import INDICATOR as FYE_SHARE
from services.indicators.readmodel import service, vintages
from services.indicators.readmodel.fye_page import router as fye_router
from services.indicators.readmodel.labels import TITLES, change_unit_label, unit_label
from services.indicators.readmodel.layout import (
    LOGIN,
    MAX_POINTS,
    TABLE_ROWS,
    area_name,
    covered,
    describe_lines,
    months_in,
    not_found,
    page,
    part_note,
    related_areas,
    status_text,
    table,
    tabs,
)

router = APIRouter(include_in_schema=False)


def _short_period(code: str) -> str:
    return formatting.period(code, short=True)


def _change(value: float | None, year_ago: float | None, unit: str) -> str:
    """Against a year earlier, in points for shares; the column head names the unit."""
    if value is None or year_ago is None:
        return "–"
    return formatting.change(value - year_ago, unit, unit_text="none")

router.include_router(LOGIN.router(include_in_schema=False))
router.include_router(fye_router)


# --------------------------------------------------------------------------- index


@router.get("/indicators")
def index(request: Request, principal: PagePrincipal) -> Response:
    if principal is None:
        return LOGIN.redirect(request)
    catalogue = request.app.state.catalogue
    with session_scope(request.app.state.session_factory) as session:
        ids = service.indicator_ids(session=session)
        fye_areas = service.indicator_areas(session=session, indicator=FYE_SHARE)
    items = join(tag('<li><a href="/indicators/{}">{}</a></li>', quote(i), TITLES.get(i, i))
                 for i in ids)
    fye_items = join(tag('<li><a href="/fye/{}">{}</a></li>', quote(a), area_name(catalogue, a))
                     for a in fye_areas)
    body = tag('<h1>Indikatorer (indicators)</h1>'
               '<h2>Helårsekvivalenter per kommun (full-year equivalents by municipality)</h2>'
               '<ul>{}</ul><h2>Alla indikatorer med värden (all indicators with values)</h2>'
               '<ul>{}</ul>',
               fye_items or tag("<li>Inga ännu (none yet)</li>"),
               items or tag("<li>Inga ännu (none yet)</li>"))
    return page("Indikatorer", body, principal=principal)


# --------------------------------------------------------------------------- indicator page


@dataclass(frozen=True)
class Point:
    period: str
    value: float | None
    year_ago: float | None
    complete: bool
    months: tuple[int, int] | None = None
    """(months reported, months in the period) when only part of the period is in."""


def part_of_period(reported: object, months: object) -> tuple[int, int] | None:
    if isinstance(reported, int) and isinstance(months, int) and 0 < reported < months:
        return reported, months
    return None


def _points(session: Session, catalogue: Catalogue, indicator: str, area: str,
            granularity: str, as_of: datetime | None = None) -> tuple[list[Point], str]:
    """The area's stored values; for fye_share in a region or the nation, the member sums
    (as they stood at ``as_of``, when given)."""
    rows = service.values(session=session, indicator=indicator, areas=[area],
                          granularity=granularity, as_of=as_of)
    if rows:
        return ([Point(r.period, r.value, r.year_ago_value, r.complete,
                       part_of_period((r.components or {}).get("months_reported"),
                                      (r.components or {}).get("months")))
                 for r in rows], rows[-1].unit)
    info = catalogue.areas.get(area)
    if indicator == FYE_SHARE and info is not None and info.level != "municipality":
        series = covered(catalogue, service.fye_series(
            session=session, catalogue=catalogue, area=area, granularity=granularity,
            as_of=as_of))
        monthly = [f.period for f in covered(catalogue, service.fye_series(
            session=session, catalogue=catalogue, area=area, granularity="month",
            as_of=as_of))]
        shares = {f.period: f.share for f in series}
        return ([Point(f.period, f.share, shares.get(parse(f.period).year_ago().code),
                       f.complete, part_of_period(months_in(f.period, monthly),
                                                  parse(f.period).n_months))
                 for f in series], "share")
    return [], ""


@router.get("/indicators/{indicator}")
def indicator_page(
    request: Request, principal: PagePrincipal,
    indicator: Annotated[str, Path(max_length=64)],
    area: Annotated[str | None, Query(max_length=64)] = None,
    granularity: Annotated[str | None, Query(max_length=16)] = None,
    as_of: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    if principal is None:
        return LOGIN.redirect(request)
    catalogue: Catalogue = request.app.state.catalogue
    try:  # a date: what samstat showed at the end of that day
        at = vintages.parse_instant(as_of)
    except ValueError:
        at, as_of = None, None
    title = TITLES.get(indicator, indicator)
    if area is None:
        return _indicator_areas(request, principal, indicator, title)
    if area not in catalogue.areas:
        return not_found(f"Okänt område (unknown area): {area}", principal)
    related = related_areas(catalogue, area)
    with session_scope(request.app.state.session_factory) as session:
        members = catalogue.municipalities_in(area) if indicator == FYE_SHARE else (area,)
        available = service.granularities(session=session, indicator=indicator,
                                          areas=[area, *members])
        if granularity in GRANULARITIES:
            g = granularity
        else:
            g = next((x for x in GRANULARITIES if x in available), "month")
        own, unit = _points(session, catalogue, indicator, area, g, at)
        others = {code: _points(session, catalogue, indicator, code, g, at)[0]
                  for code in related}
    show = partial(formatting.value, unit=unit, with_unit=False)
    name = area_name(catalogue, area)
    heading = tag('<h1>{}</h1><p class="lead">{} <span class="muted">({})</span></p>{}',
                  title, name, area, _as_of_form(indicator, area, g, as_of))
    if not own:
        body = tag('{}<p>Det finns inga värden för indikatorn <code>{}</code> i {} ännu. '
                   '<span class="muted">(No values for this indicator and area yet.)</span></p>'
                   '{}', heading, indicator, name,
                   tabs(g, sorted(available), f"/indicators/{quote(indicator)}", {"area": area}))
        return page(f"{title} – {name}", body, principal=principal,
                    status=200 if available or indicator == FYE_SHARE else 404)

    # the key figures show the latest whole period (a year with six months in is not comparable)
    latest = next((p for p in reversed(own) if p.value is not None and not p.months),
                  next((p for p in reversed(own) if p.value is not None), own[-1]))
    compare = []
    for code in related:
        match = next((p for p in others[code] if p.period == latest.period), None)
        if match is not None and match.value is not None and not match.months:
            compare.append(tag("{}: <strong>{}</strong>", area_name(catalogue, code),
                               show(match.value)))
    summary = tag(
        '<div class="cards">'
        '<div class="card"><div class="label">Senaste värde (latest value), {period}</div>'
        '<div class="big">{value}</div><div>{status}</div></div>'
        '<div class="card"><div class="label">Ett år tidigare (a year earlier)</div>'
        '<div class="big">{ago}</div></div>'
        '<div class="card"><div class="label">Förändring (change), {cunit}</div>'
        '<div class="big">{change}</div></div></div>{compare}',
        period=formatting.period(latest.period, short=True), value=show(latest.value),
        status=status_text(latest.complete), ago=show(latest.year_ago),
        cunit=change_unit_label(unit), change=_change(latest.value, latest.year_ago, unit),
        compare=tag('<p>Samma period (same period): {}</p>', join(compare, "; "))
        if compare else Safe(""))

    drawn = [p for ps in (own, *others.values()) for p in ps
             if p.value is not None and not p.months]
    first = parse(own[0].period)
    categories = sorted({p.period for p in drawn if parse(p.period) >= first},
                        key=parse)[-MAX_POINTS[g]:]
    lines = [Line(f"{name} ({area})", {p.period: p.value for p in own if not p.months},
                  frozenset(p.period for p in own if not p.complete))]
    for code in related:
        pts = [p for p in others[code] if not p.months]
        if any(p.value is not None and p.period in categories for p in pts):
            lines.append(Line(f"{area_name(catalogue, code)} ({code})",
                              {p.period: p.value for p in pts},
                              frozenset(p.period for p in pts if not p.complete)))
    chart = lines_chart(
        chart_id="trend", title=f"{title}, {name}",
        description=describe_lines(lines, categories, show),
        categories=categories, lines=lines, category_label=_short_period,
        value_label=show, tick_label=partial(formatting.tick, unit=unit),
        include_zero=True)

    rows = [(_short_period(p.period), show(p.value), show(p.year_ago),
             _change(p.value, p.year_ago, unit),
             part_note(p.months) if p.months else status_text(p.complete))
            for p in reversed(own[-TABLE_ROWS:])]
    last_table = table(
        f"{name}, de senaste perioderna (latest periods), nyaste först (newest first)",
        [("Period", False), ("Värde (value)", True), ("Ett år tidigare (a year earlier)", True),
         (f"Förändring (change), {change_unit_label(unit)}", True), ("Status", False)], rows)
    q_area = urlencode({"area": area, "granularity": g})
    downloads = tag(
        '<ul><li><a href="/v1/indicators/{id}/export.csv?{q}">CSV</a> '
        '<span class="muted">(kalkylark, analys — spreadsheets, analysis)</span></li>'
        '<li><a href="/v1/indicators/{id}/export.sdmx.csv?{q}">SDMX-CSV</a> '
        '<span class="muted">(statistikstandard — the statistics exchange standard)</span></li>'
        '{fye}</ul>',
        id=quote(indicator), q=q_area,
        fye=tag('<li><a href="/fye/{}">Helårsekvivalenter för {} i detalj (full-year '
                'equivalents in detail)</a></li>', quote(area), name)
        if indicator == FYE_SHARE else Safe(""))
    meta = tag('<p class="muted">Indikator (indicator): <code>{}</code> · Enhet (unit): {} · '
               'Område (area): {} ({})</p>', indicator, unit_label(unit), name, area)
    body = tag(
        '{heading}{meta}{summary}<h2>Utveckling över tid (over time)</h2>{tabs}{chart}'
        '<p class="muted">Jämförs med {rel} där värden finns. (Compared with the region and the '
        'nation where values exist.) Perioder där bara en del av månaderna har kommit in visas '
        'inte i diagrammet. (Periods with only some months in are left out of the chart.)</p>'
        '<h2>Senaste perioderna (latest periods)</h2>{table}'
        '<p class="muted">Preliminär: alla uppgifter för perioden har inte kommit in ännu, värdet '
        'kan ändras. (Provisional: not all inputs for the period are in; the value may change.)'
        '</p><h2>Ladda ner (download)</h2>{downloads}',
        heading=heading, meta=meta, summary=summary,
        tabs=tabs(g, sorted(available), f"/indicators/{quote(indicator)}", {"area": area}),
        chart=chart,
        rel=", ".join(area_name(catalogue, c) for c in related) or "inga andra områden",
        table=last_table, downloads=downloads)
    return page(f"{title} – {name}", body, principal=principal)


def _as_of_form(indicator: str, area: str, granularity: str, as_of: str | None) -> Safe:
    """A date picker: the page as samstat showed it at the end of a day (vintages)."""
    note = tag('<p class="prelim">Visar läget vid slutet av {} (as of the end of that day). '
               '<a href="/indicators/{}?{}">Senaste (latest)</a></p>', as_of[:10],
               quote(indicator), urlencode({"area": area, "granularity": granularity})
               ) if as_of else Safe("")
    return tag('<form method="get" action="/indicators/{id}"><label for="as_of">Visa läget den '
               '(show as of)</label> <input type="date" id="as_of" name="as_of" value="{v}"> '
               '<input type="hidden" name="area" value="{a}"><input type="hidden" '
               'name="granularity" value="{g}"> <button type="submit">Visa (show)</button>'
               '</form>{note}', id=quote(indicator), v=(as_of or "")[:10], a=area,
               g=granularity, note=note)


def _indicator_areas(request: Request, principal: Principal, indicator: str, title: str
                     ) -> Response:
    catalogue = request.app.state.catalogue
    with session_scope(request.app.state.session_factory) as session:
        areas = service.indicator_areas(session=session, indicator=indicator)
    if not areas:
        return not_found(f"Inga värden för indikatorn (no values for the indicator) {indicator}",
                         principal)
    items = join(tag('<li><a href="/indicators/{}?{}">{}</a> <span class="muted">({})</span>'
                     '</li>', quote(indicator), urlencode({"area": a}),
                     area_name(catalogue, a), a) for a in areas)
    body = tag("<h1>{}</h1><p>Välj område (choose an area):</p><ul>{}</ul>", title, items)
    return page(title, body, principal=principal)
