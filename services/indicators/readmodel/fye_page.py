"""The full-year-equivalent page (``GET /fye/{area}``): FYE by year and month beside the
region and the nation, and the latest year by benefit and sex."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from samstat_kit.contracts import Catalogue
from samstat_kit.db import session_scope
from samstat_kit.periods import parse
from samstat_kit.web import PagePrincipal
from services.indicators.fye.maths import BENEFITS
from services.indicators.readmodel import service
from services.indicators.readmodel.charts import Line, bar_chart, line_chart
from services.indicators.readmodel.formatting import (
    BENEFIT_LABELS,
    FYE_LABEL,
    POPULATION_LABEL,
    SEX_LABELS,
    SHARE_LABEL,
    Safe,
    UnitFormat,
    join,
    number,
    percent,
    period_label,
    tag,
)
from services.indicators.readmodel.layout import (
    LOGIN,
    MAX_POINTS,
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
)
from services.indicators.readmodel.schemas import FyeRead

router = APIRouter(include_in_schema=False)

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
        description=describe_lines(year_lines, chart_years, fmt), categories=chart_years,
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
            description=describe_lines(month_lines, month_cats, fmt), categories=month_cats,
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


