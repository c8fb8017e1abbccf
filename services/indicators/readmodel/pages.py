"""Server-rendered pages for conveners, board members and analysts. No JavaScript.

* ``GET /indicators`` — what the read model holds, with links;
* ``GET /indicators/{id}?area=CODE[&granularity=…]`` — an indicator for an area beside its
  region(s) and the nation, the latest periods, downloads. Alert emails link here;
* ``GET /fye/{area}`` — full-year equivalents by year and month beside the region and the nation,
  and the latest year by benefit and sex;
* ``GET /login``, ``POST /login``, ``POST /logout`` — a browser keeps a pasted token in a cookie
  (:data:`LOGIN`, see :mod:`samstat_kit.web`).

All markup is built with :func:`.formatting.tag`, which escapes every value it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from samstat_kit.auth.service import Principal
from samstat_kit.contracts import Catalogue, load_catalogue
from samstat_kit.db import session_scope
from samstat_kit.periods import GRANULARITIES, parse
from samstat_kit.web import BrowserLogin, LoginView, PagePrincipal
from services.indicators.fye.indicator import INDICATOR as FYE_SHARE
from services.indicators.fye.maths import BENEFITS
from services.indicators.readmodel import service
from services.indicators.readmodel.charts import Line, bar_chart, line_chart
from services.indicators.readmodel.formatting import (
    BENEFIT_LABELS,
    FYE_LABEL,
    GRANULARITY_LABELS,
    POPULATION_LABEL,
    SEX_LABELS,
    SHARE_LABEL,
    TITLES,
    Safe,
    UnitFormat,
    join,
    number,
    percent,
    period_label,
    tag,
)
from services.indicators.readmodel.schemas import FyeRead

router = APIRouter(include_in_schema=False)

MAX_POINTS = {"month": 36, "quarter": 20, "half": 12, "year": 15}
TABLE_ROWS = 12

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1a1a1a; background: #fff; margin: 0; line-height: 1.5; font-size: 17px; }
header.site { background: #0b3d62; color: #fff; padding: .5rem 1.5rem; display: flex;
  justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap; }
header.site a, header.site button { color: #fff; font: inherit; }
header.site button { background: none; border: 1px solid #fff; border-radius: 4px;
  padding: .15rem .7rem; cursor: pointer; }
main { max-width: 62rem; margin: 0 auto; padding: .5rem 1.5rem 3rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 1.2rem 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; border-bottom: 2px solid #dde3ea;
  padding-bottom: .2rem; }
p.lead { font-size: 1.12rem; margin-top: .3rem; }
.muted { color: #4a4a4a; }
a { color: #0b5cad; }
a:focus, button:focus, input:focus, summary:focus { outline: 3px solid #e6a700;
  outline-offset: 2px; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem;
  font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .2rem 0 .4rem; }
th, td { padding: .35rem .6rem; border-bottom: 1px solid #d5dbe1; text-align: left;
  vertical-align: top; }
thead th { border-bottom: 2px solid #8a98a8; font-size: .92rem; }
.num { text-align: right; }
td.num { white-space: nowrap; }
tbody th { font-weight: normal; }
tbody tr:nth-child(even) { background: #f4f6f8; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.card { border: 1px solid #c9d3dd; border-radius: 6px; padding: .6rem 1rem; min-width: 12rem;
  flex: 1; }
.card .label { font-size: .92rem; color: #3d3d3d; }
.card .big { font-size: 1.7rem; font-weight: 700; line-height: 1.2; }
nav.tabs a { margin-right: 1rem; }
nav.tabs a[aria-current] { font-weight: 700; color: #1a1a1a; text-decoration: none;
  border-bottom: 3px solid #0072B2; }
.chart { max-width: 100%; height: auto; display: block; margin: .4rem 0 .8rem; }
.prelim { color: #8a4500; }
.error { border-left: 4px solid #b00020; background: #fdecee; padding: .5rem 1rem; }
form.login label { display: block; font-weight: 600; margin: .8rem 0 .3rem; }
form.login input[type=password] { width: 100%; max-width: 36rem; font: inherit;
  padding: .4rem; border: 1px solid #666; border-radius: 4px; }
form.login button { margin-top: 1rem; font: inherit; padding: .4rem 1.2rem; background: #0b3d62;
  color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
details summary { cursor: pointer; color: #0b5cad; }
"""

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' "
                               "data:; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "private, no-store",
}


# --------------------------------------------------------------------------- layout


def page(title: str, body: Safe, *, principal: Principal | None, status: int = 200
         ) -> HTMLResponse:
    who = ""
    if principal is not None:
        agency = load_catalogue().agencies.get(principal.agency or "")
        who = tag('<form method="post" action="/logout"><span>{}</span> '
                  '<button type="submit">Logga ut (log out)</button></form>',
                  agency.name if agency else principal.agency or "administratör (admin)")
    doc = tag(
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>{title} – samstat</title><style>{css}</style></head><body>'
        '<header class="site"><div><a href="/indicators"><strong>samstat</strong></a> · '
        'Samordningsförbundet Umeåregionen</div>{who}</header>'
        '<main>{body}</main></body></html>',
        title=title, css=Safe(CSS), who=Safe(who), body=body)
    return HTMLResponse(doc, status_code=status, headers=SECURITY_HEADERS)


def not_found(message: str, principal: Principal | None) -> HTMLResponse:
    body = tag('<h1>Hittades inte (not found)</h1><p>{}</p>'
               '<p><a href="/indicators">Alla indikatorer (all indicators)</a></p>', message)
    return page("Hittades inte", body, principal=principal, status=404)


def status_text(complete: bool) -> Safe:
    if complete:
        return tag("Definitiv <span class=\"muted\">(final)</span>")
    return tag('<span class="prelim">Preliminär</span> <span class="muted">(provisional)</span>')


def area_name(catalogue: Catalogue, code: str) -> str:
    info = catalogue.areas.get(code)
    return info.name if info else code


def related_areas(catalogue: Catalogue, area: str) -> list[str]:
    """The regions (samordningsförbund) an area belongs to, and the nation."""
    out = [a.code for a in catalogue.areas.values() if a.level == "region" and area in a.members]
    if area != "0000" and "0000" in catalogue.areas:
        out.append("0000")
    return out


def table(caption: str, head: Sequence[tuple[str, bool]], rows: Sequence[Sequence[object]]
          ) -> Safe:
    """A table; head is (label, numeric); cells are text or Safe."""
    ths = join(tag('<th scope="col" class="{}">{}</th>', "num" if n else "", label)
               for label, n in head)
    trs = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = "num" if head[i][1] else ""
            if i == 0:
                cells.append(tag('<th scope="row" class="{}">{}</th>', cls, cell))
            else:
                cells.append(tag('<td class="{}">{}</td>', cls, cell))
        trs.append(tag("<tr>{}</tr>", join(cells)))
    return tag("<table><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
               caption, ths, join(trs))


def tabs(current: str, available: Sequence[str], href: str, params: dict[str, str]) -> Safe:
    links = []
    for g in GRANULARITIES:
        if g not in available:
            continue
        url = f"{href}?{urlencode(params | {'granularity': g})}"
        if g == current:
            links.append(tag('<a href="{}" aria-current="page">{}</a>', url,
                             GRANULARITY_LABELS[g]))
        else:
            links.append(tag('<a href="{}">{}</a>', url, GRANULARITY_LABELS[g]))
    return tag('<nav class="tabs" aria-label="Periodlängd (period length)">{}</nav>', join(links))


# --------------------------------------------------------------------------- login


def login_form(request: Request, view: LoginView) -> HTMLResponse:
    """The form of :data:`LOGIN` (:mod:`samstat_kit.web`)."""
    hours = max(1, request.app.state.settings.login_cookie_max_age_seconds // 3600)
    err = tag('<p class="error" role="alert">{}</p>', view.error) if view.error else Safe("")
    body = tag(
        '<h1>Logga in (log in)</h1>{err}'
        '<p class="lead">Klistra in din samstat-token för att se statistiken. '
        '<span class="muted">(Paste your samstat token to see the statistics.)</span></p>'
        '<form class="login" method="post" action="/login">'
        '<label for="token">Token</label>'
        '<input type="password" id="token" name="token" required autocomplete="off" '
        'spellcheck="false" autofocus maxlength="512">'
        '<input type="hidden" name="next" value="{next}">'
        '<div><button type="submit">Logga in (log in)</button></div></form>'
        '<p class="muted">En token får du av samstats operatör. Den sparas i en cookie i den här '
        'webbläsaren i högst {hours} timmar, eller tills du loggar ut. (Your operator issues '
        'tokens; this browser keeps it in a cookie for at most {hours} hours, or until you log '
        'out.)</p>',
        err=err, next=view.next_path, hours=hours)
    return page("Logga in", body, principal=view.principal, status=view.status)


LOGIN = BrowserLogin(home="/indicators", render=login_form,
                     cookie_max_age=lambda settings: settings.login_cookie_max_age_seconds)
router.include_router(LOGIN.router(include_in_schema=False))


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


def months_in(period: str, monthly: Sequence[str]) -> int:
    p = parse(period)
    return sum(1 for m in monthly if p.contains(parse(m)))


def part_note(months: tuple[int, int]) -> Safe:
    return tag('<span class="prelim">Del av perioden: {} av {} månader</span> '
               '<span class="muted">(part of the period, not comparable)</span>', *months)


def _points(session: Session, catalogue: Catalogue, indicator: str, area: str,
            granularity: str) -> tuple[list[Point], str]:
    """The area's stored values; for fye_share in a region or the nation, the member sums."""
    rows = service.values(session=session, indicator=indicator, areas=[area],
                          granularity=granularity)
    if rows:
        return ([Point(r.period, r.value, r.year_ago_value, r.complete,
                       part_of_period((r.components or {}).get("months_reported"),
                                      (r.components or {}).get("months")))
                 for r in rows], rows[-1].unit)
    info = catalogue.areas.get(area)
    if indicator == FYE_SHARE and info is not None and info.level != "municipality":
        series = covered(catalogue, service.fye_series(
            session=session, catalogue=catalogue, area=area, granularity=granularity))
        monthly = [f.period for f in covered(catalogue, service.fye_series(
            session=session, catalogue=catalogue, area=area, granularity="month"))]
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
) -> Response:
    if principal is None:
        return LOGIN.redirect(request)
    catalogue: Catalogue = request.app.state.catalogue
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
        own, unit = _points(session, catalogue, indicator, area, g)
        others = {code: _points(session, catalogue, indicator, code, g)[0] for code in related}
    fmt = UnitFormat(unit)
    name = area_name(catalogue, area)
    heading = tag('<h1>{}</h1><p class="lead">{} <span class="muted">({})</span></p>',
                  title, name, area)
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
                               fmt.value(match.value)))
    summary = tag(
        '<div class="cards">'
        '<div class="card"><div class="label">Senaste värde (latest value), {period}</div>'
        '<div class="big">{value}</div><div>{status}</div></div>'
        '<div class="card"><div class="label">Ett år tidigare (a year earlier)</div>'
        '<div class="big">{ago}</div></div>'
        '<div class="card"><div class="label">Förändring (change), {cunit}</div>'
        '<div class="big">{change}</div></div></div>{compare}',
        period=period_label(latest.period), value=fmt.value(latest.value),
        status=status_text(latest.complete), ago=fmt.value(latest.year_ago),
        cunit=fmt.change_unit, change=fmt.change(latest.value, latest.year_ago),
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
    chart = line_chart(
        chart_id="trend", title=f"{title}, {name}",
        description=_describe(lines, categories, fmt),
        categories=categories, lines=lines, category_label=period_label,
        value_label=fmt.value, tick_label=fmt.axis, include_zero=True)

    rows = [(period_label(p.period), fmt.value(p.value), fmt.value(p.year_ago),
             fmt.change(p.value, p.year_ago),
             part_note(p.months) if p.months else status_text(p.complete))
            for p in reversed(own[-TABLE_ROWS:])]
    last_table = table(
        f"{name}, de senaste perioderna (latest periods), nyaste först (newest first)",
        [("Period", False), ("Värde (value)", True), ("Ett år tidigare (a year earlier)", True),
         (f"Förändring (change), {fmt.change_unit}", True), ("Status", False)], rows)
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
               'Område (area): {} ({})</p>', indicator, fmt.label, name, area)
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


# --------------------------------------------------------------------------- FYE page


def covered(catalogue: Catalogue, series: Sequence[FyeRead]) -> list[FyeRead]:
    """Only periods every member municipality has reported: a sum over some of a region's or the
    nation's municipalities is not the region's or the nation's figure."""
    return [f for f in series if len(f.municipalities) == len(catalogue.municipalities_in(f.area))]


def _latest(series: Sequence[FyeRead], partial: set[str]) -> FyeRead | None:
    """The latest complete period, else the latest whole one, else the latest at all."""
    whole = [f for f in series if f.period not in partial]
    return next((f for f in reversed(whole) if f.complete),
                whole[-1] if whole else (series[-1] if series else None))


def _share_line(catalogue: Catalogue, code: str, series: Sequence[FyeRead],
                partial: set[str] | frozenset[str] = frozenset()) -> Line:
    return Line(f"{area_name(catalogue, code)} ({code})",
                {f.period: f.share for f in series if f.period not in partial},
                frozenset(f.period for f in series if not f.complete and f.period not in partial))


@router.get("/fye/{area}")
def fye_page(request: Request, principal: PagePrincipal,
             area: Annotated[str, Path(max_length=32)]) -> Response:
    if principal is None:
        return LOGIN.redirect(request)
    catalogue: Catalogue = request.app.state.catalogue
    if area not in catalogue.areas:
        return not_found(f"Okänt område (unknown area): {area}", principal)
    related = related_areas(catalogue, area)
    codes = [area, *related]
    with session_scope(request.app.state.session_factory) as session:
        all_years = {c: service.fye_series(session=session, catalogue=catalogue, area=c,
                                           granularity="year") for c in codes}
        months = {c: covered(catalogue, service.fye_series(
            session=session, catalogue=catalogue, area=c, granularity="month")) for c in codes}
    years = {c: covered(catalogue, s) for c, s in all_years.items()}
    # years with only some months in (the year so far): FYE over the whole year's days would
    # read as a fall, so they are left out of the chart and the key figures
    partial = {c: {f.period for f in years[c]
                   if 0 < months_in(f.period, [m.period for m in months[c]]) < 12}
               for c in codes}
    name = area_name(catalogue, area)
    fmt = UnitFormat("share")
    heading = tag(
        '<h1>Helårsekvivalenter i {name}</h1>'
        '<p class="lead">Full-year equivalents, {name} <span class="muted">({code})</span></p>'
        '<p>Helårsekvivalenter är antalet personer 20–64 år som skulle kunna försörjas ett helt år '
        'med full ersättning: två personer som var helt arbetslösa ett halvår var blir en '
        'helårsekvivalent. Andelen är helårsekvivalenterna delat med befolkningen 20–64 år. '
        '<span class="muted">(The number of people aged 20–64 who could be supported for a whole '
        'year on full benefit, and their share of the population aged 20–64.)</span></p>',
        name=name, code=area)
    own_years = years[area]
    if not own_years and not months[area]:
        body = tag('{}<p>Inga uppgifter för {} ännu. <span class="muted">(No figures yet.)'
                   '</span></p>', heading, name)
        return page(f"Helårsekvivalenter – {name}", body, principal=principal)

    parts: list[Safe] = [heading]
    latest = _latest(own_years, partial[area])
    if latest is not None:
        ago = next((f for f in own_years
                    if f.period == parse(latest.period).year_ago().code), None)
        parts.append(tag(
            '<div class="cards">'
            '<div class="card"><div class="label">Andel av befolkningen (share), {y}</div>'
            '<div class="big">{share}</div><div>{status}</div></div>'
            '<div class="card"><div class="label">{fye_label}, {y}</div>'
            '<div class="big">{fye}</div></div>'
            '<div class="card"><div class="label">{pop_label}</div><div class="big">{pop}</div>'
            '</div>'
            '<div class="card"><div class="label">Förändring mot {ya} (change), procentenheter'
            '</div><div class="big">{change}</div></div></div>',
            y=latest.period, share=fmt.value(latest.share), status=status_text(latest.complete),
            fye_label=FYE_LABEL, fye=number(latest.fye, 0), pop_label=POPULATION_LABEL,
            pop=number(latest.population, 0) if latest.population is not None else "–",
            ya=parse(latest.period).year_ago().code,
            change=fmt.change(latest.share, ago.share if ago else None)))

    # by year
    parts.append(tag("<h2>Andel per år (share by year)</h2>"))
    year_lines = [_share_line(catalogue, c, years[c], partial[c]) for c in codes
                  if c == area or any(f.share is not None for f in years[c])]
    chart_years = sorted({y for ln in year_lines for y, v in ln.values.items()
                          if v is not None}, key=parse)[-MAX_POINTS["year"]:]
    year_cats = sorted({f.period for f in years[area]} | set(chart_years),
                       key=parse)[-MAX_POINTS["year"]:]
    parts.append(line_chart(
        chart_id="years", title=f"{SHARE_LABEL}, per år: {name} och jämförelseområden",
        description=_describe(year_lines, chart_years, fmt), categories=chart_years,
        lines=year_lines, category_label=period_label, value_label=fmt.value,
        tick_label=fmt.axis))
    whole = {c: {f.period: f for f in years[c] if f.period not in partial[c]} for c in codes}
    shown = [c for c in related if any(y in whole[c] for y in year_cats)]
    year_rows = []
    for y in reversed(year_cats):
        own = whole[area].get(y)
        prev = whole[area].get(parse(y).year_ago().code)
        row: list[object] = [y,
                             number(own.fye, 0) if own else "–",
                             fmt.value(own.share) if own else "–",
                             fmt.change(own.share if own else None, prev.share if prev else None)]
        row += [fmt.value(whole[c][y].share) if y in whole[c] else "–" for c in shown]
        if y in partial[area]:
            row.append(part_note((months_in(y, [m.period for m in months[area]]), 12)))
        else:
            row.append(status_text(own.complete) if own else "–")
        year_rows.append(row)
    parts.append(table(
        f"{name} per år" + (f", jämfört med {', '.join(area_name(catalogue, c) for c in shown)}"
                            if shown else ""),
        [("År (year)", False), ("Helårsekvivalenter (FYE)", True), (f"Andel, {name}", True),
         ("Förändring, procentenheter (change)", True)]
        + [(f"Andel, {area_name(catalogue, c)}", True) for c in shown]
        + [("Status", False)], year_rows))

    # by month
    month_cats = sorted({f.period for c in codes for f in months[c]},
                        key=parse)[-MAX_POINTS["month"]:]
    if month_cats:
        month_lines = [_share_line(catalogue, c, months[c]) for c in codes
                       if c == area or any(f.share is not None for f in months[c])]
        parts.append(tag("<h2>Andel per månad (share by month)</h2>"
                         '<p class="muted">Månadens helårsekvivalenter delat med befolkningen, '
                         'jämförbart med årsvärdena. (A month\'s full-year equivalents over the '
                         'population, comparable with the yearly figures.)</p>'))
        parts.append(line_chart(
            chart_id="months", title=f"{SHARE_LABEL}, per månad: {name} och jämförelseområden",
            description=_describe(month_lines, month_cats, fmt), categories=month_cats,
            lines=month_lines, category_label=period_label, value_label=fmt.value,
            tick_label=fmt.axis))
        by_month = {c: {f.period: f for f in months[c]} for c in codes}
        month_rows = [[period_label(m)]
                      + [fmt.value(by_month[c][m].share) if m in by_month[c] else "–"
                         for c in codes]
                      + [status_text(by_month[area][m].complete) if m in by_month[area] else "–"]
                      for m in reversed(month_cats)]
        parts.append(tag("<details><summary>Visa månadstabellen (show the monthly table)"
                         "</summary>{}</details>", table(
                             "Andel av befolkningen 20–64 år per månad (share by month)",
                             [("Månad (month)", False)]
                             + [(f"Andel (share), {area_name(catalogue, c)}", True)
                                for c in codes] + [("Status", False)], month_rows)))

    # breakdown
    if latest is not None:
        parts.append(_breakdown(name, latest))

    # coverage of the aggregates
    notes = []
    for c in [c for c in codes if catalogue.areas[c].level != "municipality"]:
        if not all_years[c]:
            continue
        last = all_years[c][-1]
        n, total = len(last.municipalities), len(catalogue.municipalities_in(c))
        notes.append(tag(
            "<li>{}: {} av {} kommuner har rapporterat för {}{}</li>",
            area_name(catalogue, c), n, total, last.period,
            "" if n == total else " – visas när alla kommuner har rapporterat (shown once "
                                  "every municipality has reported)"))
    if notes:
        parts.append(tag("<h2>Jämförelseområden (comparison areas)</h2>"
                         '<p>Regionens och rikets siffror är summor över deras kommuner och visas '
                         'bara för perioder där alla kommuner har rapporterat. (The region and '
                         'the nation are sums over their municipalities, shown only for periods '
                         'every municipality has reported.)</p><ul>{}</ul>', join(notes)))
    q_year = urlencode({"areas": ",".join(codes), "granularity": "year"})
    q_month = urlencode({"areas": ",".join(codes), "granularity": "month"})
    parts.append(tag(
        '<h2>Ladda ner (download)</h2><ul>'
        '<li>Per år (by year): <a href="/v1/fye/export.csv?{y}">CSV</a> · '
        '<a href="/v1/fye/export.sdmx.csv?{y}">SDMX-CSV</a></li>'
        '<li>Per månad (by month): <a href="/v1/fye/export.csv?{m}">CSV</a> · '
        '<a href="/v1/fye/export.sdmx.csv?{m}">SDMX-CSV</a></li>'
        '<li><a href="/indicators/fye_share?{a}">Indikatorn fye_share för {name} '
        '(the indicator page)</a></li></ul>',
        y=q_year, m=q_month, a=urlencode({"area": area}), name=name))
    return page(f"Helårsekvivalenter – {name}", join(parts), principal=principal)


def _describe(lines: Sequence[Line], cats: Sequence[str], fmt: UnitFormat) -> str:
    out = []
    for ln in lines:
        last = next((c for c in reversed(cats) if ln.values.get(c) is not None), None)
        if last is not None:
            out.append(f"{ln.label}: {fmt.value(ln.values[last])} {period_label(last)}")
    return "Linjediagram. Senaste värden: " + "; ".join(out) if out else "Inga värden."


def _breakdown(name: str, latest: FyeRead) -> Safe:
    benefits = [b for b in BENEFITS if b in latest.by_benefit] + sorted(
        set(latest.by_benefit) - set(BENEFITS))
    total = latest.fye or 0.0
    rows = []
    for b in benefits:
        v = latest.by_benefit[b]
        rows.append([BENEFIT_LABELS.get(b, b), number(v, 0),
                     percent(v / latest.population) if latest.population else "–",
                     percent(v / total) if total else "–"])
    sexes = sorted(latest.by_sex)
    sex_rows = [[SEX_LABELS.get(s, s), number(latest.by_sex[s], 0),
                 percent(latest.by_sex[s] / total) if total else "–"] for s in sexes]
    bars = bar_chart(
        chart_id="benefits", title=f"Helårsekvivalenter per ersättning, {name} {latest.period}",
        description="; ".join(f"{BENEFIT_LABELS.get(b, b)}: {number(latest.by_benefit[b], 0)}"
                              for b in benefits),
        items=[(BENEFIT_LABELS.get(b, b), latest.by_benefit[b],
                f"{number(latest.by_benefit[b], 0)} ({percent(latest.by_benefit[b] / total)})"
                if total else number(latest.by_benefit[b], 0)) for b in benefits])
    return tag(
        '<h2>Per ersättning {y} (by benefit)</h2>{prelim}{bars}{t1}{t2}',
        y=latest.period,
        prelim=Safe("") if latest.complete else tag(
            '<p class="prelim">Preliminärt: alla uppgifter för {} har inte kommit in. '
            '(Provisional: not all figures are in.)</p>', latest.period),
        bars=bars,
        t1=table(f"{name} {latest.period}: helårsekvivalenter per ersättning",
                 [("Ersättning (benefit)", False), (FYE_LABEL, True),
                  ("Andel av befolkningen (share of population)", True),
                  ("Andel av alla helårsekvivalenter (share of all FYE)", True)],
                 [*rows, [tag("<strong>Totalt (total)</strong>"),
                          tag("<strong>{}</strong>", number(total, 0)),
                          tag("<strong>{}</strong>", percent(latest.share))
                          if latest.share is not None else "–", percent(1.0) if total else "–"]]),
        t2=table(f"{name} {latest.period}: helårsekvivalenter per kön (by sex)",
                 [("Kön (sex)", False), (FYE_LABEL, True),
                  ("Andel av alla helårsekvivalenter (share of all FYE)", True)], sex_rows)
        if sex_rows else Safe(""))


