"""Server-rendered pages for conveners, board members and analysts. No JavaScript.

* ``GET /indicators`` — what the read model holds, with links;
* ``GET /indicators/{id}?area=CODE[&granularity=…]`` — an indicator for an area beside its
  region(s) and the nation, the latest periods, downloads. Alert emails link here;
* ``GET /fye/{area}`` (:mod:`.fye_page`) — full-year equivalents by year and month beside the
  region and the nation, and the latest year by benefit and sex;
* ``GET /login``, ``POST /login``, ``POST /logout`` — a browser keeps a pasted token in a cookie
  (:data:`LOGIN`, see :mod:`samstat_kit.web`).

Every page is a Jinja2 template (``templates/``) on the presentation kit's base template,
Swedish first with the kit's English switch (the words per language in :mod:`.texts`).
Numbers, periods and charts come from :mod:`samstat_kit.present`; a page's values share one
number of decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from samstat_kit import present
from samstat_kit.contracts import Catalogue
from samstat_kit.db import session_scope
from samstat_kit.periods import GRANULARITIES, parse
from samstat_kit.present import account, formatting
from samstat_kit.present.charts import Line, lines_chart
from samstat_kit.present.markup import echoed
from samstat_kit.web import OptionalReader, Reader
from services.indicators.api import service, titles
from services.indicators.api.labels import change_unit_label, in_language, unit_label
from services.indicators.domain.fye.indicator import INDICATOR as FYE_SHARE
from services.indicators.domain.fye.indicator import RECONCILIATION
from services.indicators.domain.fye.official import INDICATOR as FYE_OFFICIAL
from services.indicators.web.fye_page import router as fye_router
from services.indicators.web.layout import (
    LOGIN,
    MAX_POINTS,
    NO_STORE,
    PAGES,
    TABLE_ROWS,
    area_name,
    covered,
    describe_lines,
    months_in,
    not_found,
    read_as_of,
    related_areas,
    wider_areas,
)
from services.indicators.web.reading import OWN_DIRECTIONS, abbreviations, aim, groups
from services.indicators.web.texts import (
    AREAS_TEXTS,
    INDEX_TEXTS,
    INDICATOR_TEXTS,
    OWN_TITLES,
)

router = APIRouter(include_in_schema=False)


def _change(value: float | None, year_ago: float | None, unit: str, lang: str = "sv",
            decimals: int | None = None) -> str:
    """Against a year earlier, in points for shares; the column head names the unit. Worked
    out from the two values as the page writes them (at ``decimals``, theirs), so the change
    beside them agrees with them."""
    delta, places = formatting.shown_change(value, year_ago, unit, decimals)
    return formatting.change(delta, unit, lang, unit_text="none", decimals=places)


router.include_router(LOGIN.router(include_in_schema=False))
router.include_router(fye_router)


# --------------------------------------------------------------------------- index


@router.get("/indicators")
def index(request: Request, reader: OptionalReader) -> Response:
    if reader is None:
        return LOGIN.redirect(request)
    catalogue: Catalogue = request.app.state.catalogue
    with session_scope(request.app.state.session_factory) as session:
        ids = service.indicator_ids(session=session)
        # the FYE pages show samstat's own figures, else SCB's: either makes a page
        with_fye = {a for i in (FYE_SHARE, FYE_OFFICIAL)
                    for a in service.indicator_areas(session=session, indicator=i)}
        named = titles.titles(session=session, indicators=ids)
        meanings = titles.meanings(session=session, indicators=ids)
    lang = present.language(request)
    municipalities = sorted((a for a in with_fye if a in catalogue.areas
                             and catalogue.areas[a].level == "municipality"),
                            key=lambda c: area_name(catalogue, c))
    wide = wider_areas(catalogue, municipalities) if municipalities else []
    # by initiative (samstat's own first), each group in the order of its titles
    listed = sorted(((i, _title(named, i, lang)) for i in ids), key=lambda x: x[1].casefold())
    return PAGES.render(
        request, "index.html", texts=INDEX_TEXTS, headers=NO_STORE,
        groups=groups(listed, meanings, OWN_TITLES[lang], INDEX_TEXTS[lang], lang),
        glossary=abbreviations((t for _, t in listed), lang),
        fye_wide=wide, fye_municipalities=municipalities,
        names={c: area_name(catalogue, c, lang) for c in [*wide, *municipalities]},
        fye_href=lambda code: f"/fye/{quote(code)}", **account.header(request, reader, lang))


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


def _shown(session: Session, catalogue: Catalogue, indicator: str, area: str,
           asked: str | None, at: datetime | None) -> tuple[str, list[Point], str, list[str]]:
    """(granularity shown, its points, unit, the granularities with values: the tabs). Only
    granularities the area itself has values in: the nation's FYE is SCB's yearly figure
    until every municipality reports, so its months would be an empty page."""
    members = catalogue.municipalities_in(area) if indicator == FYE_SHARE else (area,)
    available = service.granularities(session=session, indicator=indicator,
                                      areas=[area, *members])
    found: dict[str, tuple[list[Point], str]] = {}
    for g in GRANULARITIES:
        if g in available and (pts := _points(session, catalogue, indicator, area, g, at))[0]:
            found[g] = pts
    g = asked if asked in found else next(iter(found), asked if asked in GRANULARITIES
                                          else "month")
    own, unit = found.get(g, ([], ""))
    return g, own, unit, list(found)


def _precision(points: list[Point], others: Mapping[str, list[Point]]) -> int:
    """One number of decimals for every value on the page (a column of "150,2 / −8,59 /
    −201" reads as if the figures had different precision); the changes are written at it
    too (see :func:`_change`)."""
    return formatting.decimals_for(
        [v for ps in (points, *others.values()) for p in ps for v in (p.value, p.year_ago)])


@router.get("/indicators/{indicator}")
def indicator_page(
    request: Request, reader: OptionalReader,
    indicator: Annotated[str, Path(max_length=64)],
    area: Annotated[str | None, Query(max_length=64)] = None,
    granularity: Annotated[str | None, Query(max_length=16)] = None,
    as_of: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    if reader is None:
        return LOGIN.redirect(request)
    catalogue: Catalogue = request.app.state.catalogue
    # a date: what samstat showed at the end of that day (else the latest, saying why)
    at, as_of_value, as_of_error = read_as_of(as_of)
    lang = present.language(request)
    if area is None:
        return _indicator_areas(request, reader, indicator, lang)
    if area not in catalogue.areas:
        return not_found(request, reader, "unknown_area", echoed(area))
    related = related_areas(catalogue, area)
    with session_scope(request.app.state.session_factory) as session:
        named = titles.titles(session=session, indicators=[indicator])
        meaning = titles.meanings(session=session, indicators=[indicator]).get(indicator)
        g, own, unit, tabs = _shown(session, catalogue, indicator, area, granularity, at)
        others = {code: _points(session, catalogue, indicator, code, g, at)[0]
                  for code in related}
    decimals = _precision(own, others)
    show = partial(formatting.value, unit=unit, lang=lang, with_unit=False, decimals=decimals)
    name = area_name(catalogue, area, lang)
    base_url = f"/indicators/{quote(indicator)}"
    words = {lg: {**w, "title": _title(named, indicator, lg)} for lg, w in INDICATOR_TEXTS.items()}
    # the comparisons said of the chart are the ones drawn; the others are said to have none
    chart, drawn = _chart(own, others, related, catalogue, f"{words[lang]['title']}, {name}",
                          name, g, show, unit, lang) if own else (Markup(""), [])
    direction = meaning.direction if meaning else OWN_DIRECTIONS.get(indicator)
    return PAGES.render(
        request, "indicator.html", texts=words, headers=NO_STORE,
        status=200 if own or tabs or indicator == FYE_SHARE else 404,
        indicator=indicator, area=area, name=name, granularity=g,
        as_of_value=as_of_value, as_of_error=as_of_error, base_url=base_url,
        latest_query=urlencode({"area": area, "granularity": g}),
        unit_name=in_language(unit_label(unit), lang),
        change_unit=in_language(change_unit_label(unit), lang),
        points=own, show=show,
        change=partial(_change, unit=unit, lang=lang, decimals=decimals),
        **_key_figures(own, others, related, catalogue, show, lang),
        chart=chart,
        tabs=[(x, f"{base_url}?{urlencode({'area': area, 'granularity': x})}") for x in tabs],
        related=formatting.listing((area_name(catalogue, c, lang) for c in drawn), lang),
        # the county is compared where it has values; the plan's indicators are the
        # municipalities' own and have none, which would be said on every page
        missing=formatting.listing((area_name(catalogue, c, lang) for c in related
                                    if c not in drawn
                                    and catalogue.areas[c].level != "county"), lang),
        aim=aim(direction, unit, lang) if own or tabs else "",
        glossary=abbreviations([words[lang]["title"]], lang),
        rows=list(reversed(own[-TABLE_ROWS:])),
        query=urlencode({"area": area, "granularity": g}),
        fye_link=indicator in (FYE_SHARE, FYE_OFFICIAL, RECONCILIATION),
        **account.header(request, reader, lang))


def _key_figures(own: list[Point], others: Mapping[str, list[Point]], related: list[str],
                 catalogue: Catalogue, show: Callable[[float | None], str], lang: str
                 ) -> dict[str, Any]:
    """The latest whole period (six months of a year do not compare) and the related areas'
    values for the same period."""
    if not own:
        return {"latest": None, "compare": []}
    latest = next((p for p in reversed(own) if p.value is not None and not p.months),
                  next((p for p in reversed(own) if p.value is not None), own[-1]))
    compare = []
    for code in related:
        match = next((p for p in others[code] if p.period == latest.period), None)
        if match is not None and match.value is not None and not match.months:
            compare.append((area_name(catalogue, code, lang), show(match.value)))
    return {"latest": latest, "compare": compare}


def _chart(own: list[Point], others: dict[str, list[Point]], related: list[str],
           catalogue: Catalogue, title: str, label: str, g: str,
           show: Callable[[float | None], str], unit: str, lang: str
           ) -> tuple[Markup, list[str]]:
    """The area beside its region(s) and the nation, whole periods only, and the related
    areas drawn (those with a value in the chart's periods); the legend names each area as
    readers do, without its code."""
    whole = [p for ps in (own, *others.values()) for p in ps
             if p.value is not None and not p.months]
    first = parse(own[0].period)
    categories = sorted({p.period for p in whole if parse(p.period) >= first},
                        key=parse)[-MAX_POINTS[g]:]
    lines = [Line(label, {p.period: p.value for p in own if not p.months},
                  frozenset(p.period for p in own if not p.complete))]
    drawn = []
    for code in related:
        pts = [p for p in others[code] if not p.months]
        if any(p.value is not None and p.period in categories for p in pts):
            drawn.append(code)
            lines.append(Line(area_name(catalogue, code, lang),
                              {p.period: p.value for p in pts},
                              frozenset(p.period for p in pts if not p.complete)))
    return lines_chart(
        chart_id="trend", title=title,
        description=describe_lines(lines, categories, show, lang), categories=categories,
        lines=lines, category_label=partial(formatting.period, lang=lang),
        value_label=show, tick_label=partial(formatting.tick, unit=unit, lang=lang),
        include_zero=True, lang=lang, whole=unit in formatting.COUNT_UNITS), drawn


def _title(named: Mapping[str, Mapping[str, str]], indicator: str, lang: str) -> str:
    """The plan's title in ``lang`` (from the registry), samstat's own, or else the id."""
    return named.get(indicator, {}).get(lang) or OWN_TITLES[lang].get(indicator, indicator)


def _indicator_areas(request: Request, reader: Reader, indicator: str, lang: str
                     ) -> Response:
    """The areas with values; for fye_share also the nation, county and region above them
    (their figure is SCB's or the members' sum, as on the FYE page)."""
    catalogue: Catalogue = request.app.state.catalogue
    with session_scope(request.app.state.session_factory) as session:
        areas = service.indicator_areas(session=session, indicator=indicator)
        named = titles.titles(session=session, indicators=[indicator])
    if not areas:
        return not_found(request, reader, "no_values", _title(named, indicator, lang))
    areas = sorted(areas, key=lambda c: area_name(catalogue, c, lang))
    wide = [c for c in wider_areas(catalogue, areas) if c not in areas] \
        if indicator == FYE_SHARE else []
    words = {lg: {**w, "title": _title(named, indicator, lg)} for lg, w in AREAS_TEXTS.items()}
    return PAGES.render(request, "areas.html", texts=words, headers=NO_STORE,
                        indicator=indicator, areas=areas, wide=wide,
                        names={c: area_name(catalogue, c, lang) for c in [*wide, *areas]},
                        **account.header(request, reader, lang))
