"""Server-rendered pages for conveners, board members and analysts. No JavaScript.

* ``GET /indicators`` — what the read model holds, with links;
* ``GET /indicators/{id}?area=CODE[&granularity=…]`` — an indicator for an area beside its
  region(s) and the nation, the latest periods, downloads. Alert emails link here;
* ``GET /fye/{area}`` (:mod:`.fye_page`) — full-year equivalents by year and month beside the
  region and the nation, and the latest year by benefit and sex;
* ``GET /login``, ``POST /login``, ``POST /logout`` — a browser keeps a pasted token in a cookie
  (:data:`LOGIN`, see :mod:`samstat_kit.web`).

The indicator page is a Jinja2 template (``templates/indicator.html``) on the presentation
kit's base template, Swedish first with the kit's English switch; the index and area list are
built with :func:`samstat_kit.present.markup.tag`, which escapes every value it is given.
Numbers, periods and charts come from :mod:`samstat_kit.present`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from samstat_kit import present
from samstat_kit.auth.service import Principal
from samstat_kit.contracts import Catalogue
from samstat_kit.db import session_scope
from samstat_kit.periods import GRANULARITIES, parse
from samstat_kit.present import formatting
from samstat_kit.present.charts import Line, lines_chart
from samstat_kit.present.markup import join, tag
from samstat_kit.web import PagePrincipal, csrf_input
from services.indicators.api import service, titles, vintages
from services.indicators.api.labels import (
    TITLES,
    change_unit_label,
    in_language,
    unit_label,
)
from services.indicators.domain.fye.indicator import INDICATOR as FYE_SHARE
from services.indicators.web.fye_page import PAGES, who
from services.indicators.web.fye_page import router as fye_router
from services.indicators.web.layout import (
    LOGIN,
    MAX_POINTS,
    TABLE_ROWS,
    area_name,
    covered,
    describe_lines,
    months_in,
    not_found,
    page,
    related_areas,
)
from services.indicators.web.texts import INDICATOR_TEXTS

router = APIRouter(include_in_schema=False)


def _change(value: float | None, year_ago: float | None, unit: str, lang: str = "sv") -> str:
    """Against a year earlier, in points for shares; the column head names the unit."""
    if value is None or year_ago is None:
        return "–"
    return formatting.change(value - year_ago, unit, lang, unit_text="none")


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
        named = titles.titles(session=session, indicators=ids)
    lang = present.language(request)
    items = join(tag('<li><a href="/indicators/{}">{}</a></li>', quote(i),
                     _title(named, i, lang)) for i in ids)
    fye_items = join(tag('<li><a href="/fye/{}">{}</a></li>', quote(a), area_name(catalogue, a))
                     for a in fye_areas)
    body = tag('<h1>Indikatorer (indicators)</h1>'
               '<h2>Helårsekvivalenter per kommun (full-year equivalents by municipality)</h2>'
               '<ul>{}</ul><h2>Alla indikatorer med värden (all indicators with values)</h2>'
               '<ul>{}</ul>',
               fye_items or tag("<li>Inga ännu (none yet)</li>"),
               items or tag("<li>Inga ännu (none yet)</li>"))
    return page(request, "Indikatorer", body, principal=principal)


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
    lang = present.language(request)
    if area is None:
        return _indicator_areas(request, principal, indicator, lang)
    if area not in catalogue.areas:
        return not_found(request, f"Okänt område (unknown area): {area}", principal)
    related = related_areas(catalogue, area)
    with session_scope(request.app.state.session_factory) as session:
        named = titles.titles(session=session, indicators=[indicator])
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
    title = _title(named, indicator, lang)
    name = area_name(catalogue, area)
    base_url = f"/indicators/{quote(indicator)}"
    latest, compare, chart = None, [], Markup("")
    show = partial(formatting.value, unit=unit, lang=lang, with_unit=False)
    if own:
        # the key figures show the latest whole period (six months of a year do not compare)
        latest = next((p for p in reversed(own) if p.value is not None and not p.months),
                      next((p for p in reversed(own) if p.value is not None), own[-1]))
        for code in related:
            match = next((p for p in others[code] if p.period == latest.period), None)
            if match is not None and match.value is not None and not match.months:
                compare.append((area_name(catalogue, code), show(match.value)))
        chart = _chart(own, others, related, catalogue, f"{title}, {name}", f"{name} ({area})",
                       g, show, unit, lang)
    words = {lg: {**w, "title": _title(named, indicator, lg)} for lg, w in INDICATOR_TEXTS.items()}
    return PAGES.render(
        request, "indicator.html", texts=words,
        status=200 if own or available or indicator == FYE_SHARE else 404,
        indicator=indicator, area=area, name=name, granularity=g,
        as_of_value=(as_of or "")[:10], base_url=base_url,
        latest_query=urlencode({"area": area, "granularity": g}),
        unit_name=in_language(unit_label(unit), lang),
        change_unit=in_language(change_unit_label(unit), lang),
        points=own, latest=latest, show=show, change=partial(_change, unit=unit, lang=lang),
        compare=compare, chart=chart,
        tabs=[(x, f"{base_url}?{urlencode({'area': area, 'granularity': x})}")
              for x in GRANULARITIES if x in available],
        related=", ".join(area_name(catalogue, c) for c in related),
        rows=list(reversed(own[-TABLE_ROWS:])),
        query=urlencode({"area": area, "granularity": g}), fye_link=indicator == FYE_SHARE,
        account=who(catalogue, principal.agency),
        logout=Markup('<form method="post" action="/logout">{}<button type="submit">{}</button>'
                      '</form>').format(csrf_input(request), INDICATOR_TEXTS[lang]["sign_out"]))


def _chart(own: list[Point], others: dict[str, list[Point]], related: list[str],
           catalogue: Catalogue, title: str, label: str, g: str,
           show: Callable[[float | None], str], unit: str, lang: str) -> Markup:
    """The area beside its region(s) and the nation, whole periods only."""
    drawn = [p for ps in (own, *others.values()) for p in ps
             if p.value is not None and not p.months]
    first = parse(own[0].period)
    categories = sorted({p.period for p in drawn if parse(p.period) >= first},
                        key=parse)[-MAX_POINTS[g]:]
    lines = [Line(label, {p.period: p.value for p in own if not p.months},
                  frozenset(p.period for p in own if not p.complete))]
    for code in related:
        pts = [p for p in others[code] if not p.months]
        if any(p.value is not None and p.period in categories for p in pts):
            lines.append(Line(f"{area_name(catalogue, code)} ({code})",
                              {p.period: p.value for p in pts},
                              frozenset(p.period for p in pts if not p.complete)))
    return lines_chart(
        chart_id="trend", title=title,
        description=describe_lines(lines, categories, show, lang), categories=categories,
        lines=lines, category_label=partial(formatting.period, lang=lang, short=True),
        value_label=show, tick_label=partial(formatting.tick, unit=unit, lang=lang),
        include_zero=True, lang=lang)


def _title(named: Mapping[str, Mapping[str, str]], indicator: str, lang: str) -> str:
    """The plan's title in ``lang`` (from the registry), samstat's own, or else the id."""
    return named.get(indicator, {}).get(lang) or TITLES.get(indicator, indicator)


def _indicator_areas(request: Request, principal: Principal, indicator: str, lang: str
                     ) -> Response:
    catalogue = request.app.state.catalogue
    with session_scope(request.app.state.session_factory) as session:
        areas = service.indicator_areas(session=session, indicator=indicator)
        title = _title(titles.titles(session=session, indicators=[indicator]), indicator, lang)
    if not areas:
        return not_found(request,
                         f"Inga värden för indikatorn (no values for the indicator) {indicator}",
                         principal)
    items = join(tag('<li><a href="/indicators/{}?{}">{}</a> <span class="muted">({})</span>'
                     '</li>', quote(indicator), urlencode({"area": a}),
                     area_name(catalogue, a), a) for a in areas)
    body = tag("<h1>{}</h1><p>Välj område (choose an area):</p><ul>{}</ul>", title, items)
    return page(request, title, body, principal=principal)
