"""The follow-up report a board can read, as HTML (the frame is in :mod:`.frame`; the
experience bank and the small pages in :mod:`.pages`).

Every label in both languages (the page shows the reader's), the reader's numbers
(:mod:`samstat_kit.present.formatting`), inline SVG charts and no script, so the same page
prints to PDF (:func:`.frame.printable`). Everything that comes from data goes through
:func:`e` (``html.escape``).
"""

from __future__ import annotations

from datetime import date

from samstat_kit.present import formatting
from samstat_kit.present.charts import Reference, colour, time_chart
from services.initiatives.report import labels, milestones
from services.initiatives.report.frame import Page, bi, e, local_time, pair, verdict, wide
from services.initiatives.report.judge import day as judge_day
from services.initiatives.report.judge import places as judge_places
from services.initiatives.report.schemas import (
    AreaResult,
    FyeResult,
    IndicatorResult,
    InitiativeResult,
    PlanReport,
)
from services.initiatives.report.tables import overview, summary_table
from services.initiatives.report.worth import MILLION

# ------------------------------------------------------------------------------ the report


def _fye_period(r: FyeResult, lang: str) -> str:
    """The period of an FYE figure as readers write it, and when it is not complete, saying
    so and how much of it is in ("okt–dec 2024 (ofullständig: 2 av 3 månader inne)"):
    the share of a period still arriving is not that period's share."""
    text = e(formatting.period(r.period, lang))
    if r.complete is not False:
        return text
    sv = lang == "sv"
    part = "ofullständig" if sv else "incomplete"
    if r.months is not None and r.months_reported is not None and r.months > 1:
        part += (f": {r.months_reported} av {r.months} månader inne" if sv else
                 f": {r.months_reported} of {r.months} months in")
    return f"{text} ({part})"


def _fye_sentence(rows: list[FyeResult]) -> str:
    if not rows or rows[0].share is None:
        return ('<p class="muted">' + bi("Helårsekvivalenter: ingen data för planåret.",
                                         "Full-year equivalents: no data for the plan year.")
                + "</p>")
    r = rows[0]
    text = (f"Helårsekvivalenter som andel av befolkningen 20–64 i {e(r.area_name)}, "
            f"{_fye_period(r, 'sv')}: "
            f"<strong>{formatting.value(r.share, 'share')}</strong>")
    en = (f"Full-year equivalents as a share of the population aged 20–64 in "
          f"{e(r.area_name)}, {_fye_period(r, 'en')}: <strong>"
          f"{formatting.value(r.share, 'share', 'en')}</strong>")
    if r.complete is False:  # what is in so far; no year-ago figure beside it (fye.py)
        text += " hittills, inte jämförd med året innan förrän perioden är komplett"
        en += " so far, not compared with a year earlier until the period is complete"
    elif r.year_ago_share is not None:
        text += (f", året innan {formatting.value(r.year_ago_share, 'share')} "
                 f"({_pp(r)}{_moved_fye(r, 'sv')})")
        en += (f", a year earlier {formatting.value(r.year_ago_share, 'share', 'en')} "
               f"({_pp(r, 'en')}{_moved_fye(r, 'en')})")
    # Both languages say which way is good (a second walk: only the English did).
    sv_aim, en_aim = "; planen vill att den ska minska", "; the plan wants it to fall"
    return f"<p>{pair(text + sv_aim, en + en_aim)}.</p>"


def _pp(r: FyeResult, lang: str = "sv") -> str:
    """The change in points written beside the two shares: from the shares as written
    ("12,2 % → 11,9 %" is −0,3, though unrounded it is −0,38)."""
    delta, places = formatting.shown_change(r.share, r.year_ago_share, "share")
    return formatting.change(delta, "share", lang, unit_text="short", decimals=places)


_MOVED = {"sv": {"wanted": ", minskat som önskat", "unwanted": ", ökat",
                 "unchanged": ", oförändrat"},
          "en": {"wanted": ", fell, as wanted", "unwanted": ", rose",
                 "unchanged": ", unchanged"}}


def _moved_fye(r: FyeResult, lang: str) -> str:
    """Which way it went, as the shares beside it read: two shares written alike are
    "unchanged" (not "fell, as wanted" beside "±0,0")."""
    delta, _places = formatting.shown_change(r.share, r.year_ago_share, "share")
    moved = "unchanged" if delta == 0 and r.moved else r.moved
    return _MOVED[lang].get(moved or "", "")


def _target(ind: IndicatorResult) -> str:
    """"Mål: 12,5 senast 31 december 2024", the number and the date in each language."""
    if not ind.target:
        return ""
    goal, due = float(ind.target["value"]), ind.target.get("date")
    sv, en = (e(formatting.value(goal, ind.unit, lang, with_unit=False)) for lang in ("sv", "en"))
    if due:
        sv, en = f"{sv} senast {e(judge_day(due))}", f"{en} by {e(judge_day(due, 'en'))}"
    return f'<br><span class="muted small">{pair("Mål: " + sv, "Target: " + en)}</span>'


def _indicator_rows(ind: IndicatorResult) -> str:
    if milestones.is_milestone(ind):
        return milestones.rows(ind)
    want = labels.label(labels.DIRECTIONS, ind.direction) if ind.direction else ("–", "none")
    target = _target(ind)
    judged = ind.areas_on_track + ind.areas_off_track
    tally = ""
    if len(ind.areas) > 1 and judged:
        tally = ('<br><span class="tally">'
                 + bi(f"{ind.areas_on_track} av {judged} områden på rätt väg",
                      f"{ind.areas_on_track} of {judged} areas on track") + "</span>")
    head = (f'<tr class="ind"><td colspan="5">{bi(ind.title_sv, ind.title_en)}'
            f"{target}</td><td>{bi(want[0], want[1])}</td>"
            f"<td>{verdict(ind.verdict, badge=False)}{tally}</td></tr>")
    rows = [head]
    shown = [a for a in ind.areas if a.verdict != "no_data"]
    # one precision for the indicator's values ("7,1 / 7,29" read as figures of different
    # precision), and their changes worked out at it (see _area_cells)
    # (build.py judges the values at the same precision)
    places = judge_places((a.value, a.year_ago_value) for a in shown)
    for a in shown:
        rows.append(f'<tr class="area"><td>{e(a.area_name)}</td>'
                    + _area_cells(ind, a, "sv", places) + _area_cells(ind, a, "en", places)
                    + f'<td class="small muted">{bi(a.reason_sv, a.reason)}</td>'
                    f"<td>{verdict(a.verdict, badge=False)}</td></tr>")
    missing = [a.area_name for a in ind.areas if a.verdict == "no_data"]
    if missing:
        where = e(", ".join(missing))
        rows.append('<tr class="area"><td colspan="7" class="muted small">'
                    + pair(f"Inget värde för planåret i {where}",
                           f"No value for the plan year in {where}") + "</td></tr>")
    return "".join(rows)


def _area_cells(ind: IndicatorResult, a: AreaResult, lang: str,
                places: int | None = None) -> str:
    """An area's period, value, value a year earlier and change, in ``lang``: the cells of
    both languages are in the row, each marked with its language; the page shows the
    reader's (a span cannot hold table cells). The change (and its per cent) is worked out
    from the two values as written, at ``places`` decimals: from the unrounded values a
    board member read "12 → 13" beside "+0,4"."""
    delta, change = formatting.shown_change(a.value, a.year_ago_value, ind.unit, places)
    base = formatting.shown(a.year_ago_value, ind.unit, places)
    rel = formatting.relative(delta, base, lang) if ind.unit not in (
        "share", "percent", "done") else ""
    period = e(formatting.period(a.period, lang))
    if a.period and a.complete is False:
        period += (' <span class="muted small">('
                   + ("ofullständig" if lang == "sv" else "incomplete") + ")</span>")
    now = formatting.value(a.value, ind.unit, lang, with_unit=False, decimals=places)
    before = formatting.value(a.year_ago_value, ind.unit, lang, with_unit=False,
                              decimals=places)
    moved = formatting.change(delta, ind.unit, lang, unit_text="short", decimals=change)
    return (f'<td class="{lang}">{period}</td><td class="num {lang}">{e(now)}</td>'
            f'<td class="num {lang}">{e(before)}</td><td class="num {lang}">{e(moved)}'
            f"{' <span class=muted>(' + e(rel) + ')</span>' if rel else ''}</td>")


def _indicator_table(inds: list[IndicatorResult]) -> str:
    if not inds:
        return ('<p class="muted">' + bi("Initiativet har inga indikatorer.",
                                         "The initiative has no indicators.") + "</p>")
    head = ("<tr><th>" + bi("Område", "area") + "</th><th>" + bi("Period", "period")
            + '</th><th class="num">' + bi("Värde", "value") + '</th><th class="num">'
            + bi("Året innan", "year before") + '</th><th class="num">'
            + bi("Förändring", "change") + "</th><th>" + bi("Riktning / skäl", "wanted / why")
            + "</th><th>" + bi("Bedömning", "verdict") + "</th></tr>")
    return wide(f"<table>{head}{''.join(_indicator_rows(i) for i in inds)}</table>")


def _charts(ini: InitiativeResult, plan_year: int) -> str:
    figs = []
    for ind in ini.indicators:
        # a milestone is done or not (its row says which and by when): no 0–1 trend
        if not ind.series or milestones.is_milestone(ind):
            continue
        def chart(lang: str, ind: IndicatorResult = ind) -> str:
            sv = lang == "sv"
            target = (Reference(float(ind.target["value"]), "mål" if sv else "target")
                      if ind.target else None)
            return str(time_chart(
                [(s.area_name, s.points) for s in ind.series], unit=ind.unit, lang=lang,
                band=(date(plan_year, 1, 1), date(plan_year, 12, 31),
                      f"planår {plan_year}" if sv else f"plan year {plan_year}"),
                target=target, title=ind.title_sv if sv else ind.title_en))

        legend = "".join(
            f'<span><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">'
            f'<rect width="10" height="10" rx="2" fill="{colour(i)}"/></svg>'
            f"{e(s.area_name)}</span>" for i, s in enumerate(ind.series))
        # One drawing per language (the page shows the reader's): the axis numbers, the
        # period labels and the plan year's band are words and numbers too.
        figs.append(f"<figure><figcaption>{bi(ind.title_sv, ind.title_en)}</figcaption>"
                    f"{pair(chart('sv'), chart('en'))}"
                    f'<div class="legend">{legend}</div></figure>')
    if not figs:
        return ""
    return ('<h4>' + bi("Utveckling över tid", "over time") + '</h4><div class="charts">'
            + "".join(figs) + "</div>")


def _impact(ini: InitiativeResult) -> str:
    impact = (pair(f"<strong>{ini.impact} av 5</strong>", f"<strong>{ini.impact} of 5</strong>")
              if ini.impact else bi("ej bedömd", "not assessed"))
    judged = ini.indicators_on_track + ini.indicators_off_track
    measured = (bi(f"{ini.indicators_on_track} av {judged} bedömda indikatorer gick åt rätt "
                   "håll", f"{ini.indicators_on_track} of {judged} judged indicators moved the "
                   "wanted way") if judged else
                bi("inga bedömbara indikatorer ännu", "no indicator could be judged yet"))
    rows = [f"<tr><th>{bi('Bedömd påverkan på helårsekvivalenter', 'estimated FYE impact')}"
            f"</th><td>{impact}</td></tr>",
            f"<tr><th>{bi('Uppmätt i indikatorerna', 'measured in the indicators')}</th>"
            f"<td>{measured}</td></tr>"]
    for r in ini.fye[:1] if ini.fye and ini.fye[0].area == "umearegionen" else ini.fye:
        if r.share is None:
            text = bi("ingen data", "no data")
        elif r.complete is False:  # not comparable with a year earlier: no arrow, no change
            text = pair(*(f"<strong>{formatting.value(r.share, 'share', lang)}</strong>, "
                          f"{_fye_period(r, lang)}" for lang in ("sv", "en")))
        else:
            text = pair(*(f"{formatting.value(r.year_ago_share, 'share', lang)} → "
                          f"<strong>{formatting.value(r.share, 'share', lang)}</strong> "
                          f"({_pp(r, lang)}{_moved_fye(r, lang)}), "
                          f"{e(formatting.period(r.period, lang))}" for lang in ("sv", "en")))
        rows.append(f"<tr><th>{bi('Andel helårsekvivalenter', 'FYE share')}, "
                    f"{e(r.area_name)}</th><td>{text}</td></tr>")
    return ("<h4>" + bi("Bedömd påverkan och uppmätt förändring",
                        "estimated impact and measured change") + "</h4>"
            f"<table class=\"impact\">{''.join(rows)}</table>{_worth(ini)}")


def _sek(x: float | None) -> str:
    """An amount in both languages: "252,0 mnkr" / "SEK 252.0 million"."""
    if x is None:
        return "–"
    if abs(x) >= MILLION:  # worth.shown_sek: the totals add the rows as written here
        return pair(f"{formatting.number(x / 1e6, decimals=1)} mnkr",
                    f"SEK {formatting.number(x / 1e6, 'en', decimals=1)} million")
    return pair(f"{formatting.number(x, decimals=0)} kr",
                f"SEK {formatting.number(x, 'en', decimals=0)}")


def _worth(ini: InitiativeResult) -> str:
    """People and public cost, each figure with the assumptions it rests on."""
    w = ini.worth
    if w is None:
        return ""
    if not w.lines:
        return ('<p class="small muted">' + bi(
            "Vad det är värt: indikatorerna räknar inte personer som kan översättas till "
            "kostnad (andelar, dagar, milstolpar).",
            "what it is worth: the indicators count no people a unit cost translates") + "</p>")
    titles = {i.id: bi(i.title_sv, i.title_en) for i in ini.indicators}
    rows = []
    # whole people times 0,25 or 0,6 full-year equivalents: the decimals they need, so that
    # people × per person reads as the FYE written
    # (each as many as it needs, to two: a column's one precision capped 10,25 at "10,2")
    places = max(next((d for d in range(3) if abs(round(x.fye, d) - x.fye) < 1e-9), 2)
                 for x in w.lines)
    for x in w.lines:
        # the bound over a lifetime on a line of its own, and the cell ("cost") may wrap: on
        # a figure's one line both pushed the table off A4 (the PDF printed a fifth smaller)
        life = (f';<br><span class="small">{bi("högst", "at most")} '
                f'{_sek(x.lifetime_sek_max)} {bi("över livet", "over a lifetime")}</span>'
                if x.lifetime_sek_max else "")
        fye = pair(formatting.signed(x.fye, decimals=places),
                   formatting.signed(x.fye, "en", decimals=places))
        rows.append(
            f"<tr><td>{titles.get(x.indicator, e(x.indicator))}</td>"
            f"<td class=\"num\">{formatting.signed(x.people, decimals=0)}</td>"
            f'<td class="num">{fye}</td>'
            f"<td class=\"num cost\">{_sek(x.annual_sek)}{life}</td>"
            f"<td class=\"small\">{bi(x.assumption_sv, x.assumption_en)}</td></tr>")
    head = "".join(f"<th>{bi(sv, en)}</th>" for sv, en in (
        ("Indikator", "indicator"), ("Personer", "people"),
        ("Helårs\u00adekvivalenter", "FYE"),  # may break, as "Helårs-ekvivalenter"
        ("Sparad offentlig kostnad per år", "public cost saved per year"),
        ("Antaganden", "assumptions")))
    people = formatting.signed(w.people, decimals=0)
    one = w.people is not None and abs(w.people) == 1  # "+1 person", not "+1 personer"
    said = pair(people + (" person" if one else " personer"),
                people + (" person" if one else " people"))
    total = (f"<p><strong>{said}</strong> "
             f" · <strong>{_sek(w.annual_sek)}</strong> "
             + bi("per år i sparad offentlig kostnad (summan av raderna)",
                  "a year of public cost saved (the rows summed)")
             + " (" + pair(f"{w.price_year} års priser, {e(w.currency)}",
                           f"{w.price_year} prices, {e(w.currency)}") + ")</p>")
    return ("<h4>" + bi("Vad är förändringen värd?", "what is the change worth?") + "</h4>"
            + total + wide(f'<table class="worth"><tr>{head}</tr>{"".join(rows)}</table>'))


def _progress(ini: InitiativeResult) -> str:
    p = ini.progress
    phase = labels.label(labels.PHASE_ONE, p.phase)
    parts = [f"<p><strong>{bi(p.status_sv, p.status_en)}</strong> · {bi(*phase)}"]
    if p.milestones_total:
        parts.append(" · " + bi(f"milstolpar klara {p.milestones_done} av {p.milestones_total}",
                                f"milestones done {p.milestones_done} of {p.milestones_total}"))
    parts.append("</p>")
    if p.current_state:
        when = {lang: (formatting.date(p.current_state_date, lang) if p.current_state_date
                       else {"sv": "odaterat", "en": "undated"}[lang]) for lang in ("sv", "en")}
        old = p.current_state_outdated
        parts.append('<p class="small muted">' + bi(
            f"Nuläge, {when['sv']}" + (" — äldre än planåret, behöver uppdateras" if old else ""),
            f"Current state, {when['en']}" + (" — older than the plan year; needs updating"
                                              if old else "")) + "</p>")
        parts.append(f'<div class="state">{e(p.current_state)}</div>')
    else:
        parts.append('<p class="small muted">' + bi("Ingen nulägesbeskrivning.",
                                                    "No current-state text.") + "</p>")
    return ("<h4>" + bi("Hur långt har det kommit?", "how far has it come?") + "</h4>"
            + "".join(parts))


def _initiative(ini: InitiativeResult, plan_year: int) -> str:
    area = labels.label(labels.AREAS, ini.area)
    feas = "–"
    if ini.difficulty or ini.duration:
        d = labels.label(labels.DIFFICULTIES, ini.difficulty)
        t = labels.label(labels.DURATIONS, ini.duration)
        feas = bi(f"{d[0]}, {t[0]}", f"{d[1]}, {t[1]}")
    return (
        f'<section class="initiative" id="i-{ini.plan_year}-{ini.number}"><header>'
        f"<h3>{ini.number}. {e(ini.title)}</h3>{verdict(ini.verdict)}</header>"
        f'<dl class="facts"><dt>{bi("Område", "area")}</dt><dd>{bi(*area)}</dd>'
        f'<dt>{bi("Sammankallande", "convener")}</dt><dd>{e(ini.convener_name)}</dd>'
        f'<dt>{bi("Parter", "parties")}</dt><dd>{e(ini.parties_text or "–")}</dd>'
        f'<dt>{bi("Genomförbarhet", "feasibility")}</dt><dd>{feas}</dd></dl>'
        f"{_progress(ini)}"
        f"<h4>{bi('Hur framgångsrikt?', 'how successful?')}</h4>"
        f"{_indicator_table(ini.indicators)}{_charts(ini, plan_year)}{_impact(ini)}</section>")


def report_page(r: PlanReport) -> Page:
    s = r.summary.total
    plan = bi("beslutad", "decided") if r.plan_status == "decided" else bi("utkast", "draft")
    cards = "".join(
        f'<div class="card {cls}"><div class="n">{formatting.number(n, decimals=0)}</div>'
        f'<div class="l">{bi(sv, en)}</div></div>' for n, sv, en, cls in (
            (s.initiatives, "Initiativ", "initiatives", ""),
            (s.not_started, "Ej påbörjade", "not started", ""),
            (s.started, "Påbörjade", "started", ""),
            (s.completed, "Genomförda", "completed", ""),
            (s.on_track, "På rätt väg", "on track", "ok"),
            (s.off_track, "Fel riktning", "off track", "bad"),
            (s.no_data + s.not_judged, "Ej mätbara ännu", "not yet measurable", "")))
    errors = ""
    if r.source_errors:
        errors = ('<div class="error"><strong>' + bi("Indikatordata saknas delvis",
                  "Indicator data partly unavailable") + "</strong>: "
                  + e("; ".join(r.source_errors)) + "</div>")
    not_started = [i for i in r.initiatives if i.progress.phase == "not_started"]
    ns = ""
    if not_started:
        items = "".join(
            f"<li><strong>{i.number}. {e(i.title)}</strong> — "
            + (e(i.progress.reason_not_started) if i.progress.reason_not_started else
               bi("orsak ej angiven", "no reason recorded")) + "</li>"
            for i in not_started)
        ns = ("<h4>" + bi("Ej påbörjade initiativ och orsak", "not started, and why")
              + f'</h4><ul class="bank">{items}</ul>')
    heading = bi(f"Uppföljning av samverkansinitiativ {r.plan_year}",
                 f"Follow-up of the collaboration initiatives {r.plan_year}")
    body = (
        f"<h1>{heading}</h1>"
        f'<p class="sub">{e(r.association)} · plan {plan} · '
        f"{bi('framtagen', 'generated')} {local_time(r.generated_at)}"
        f'<span class="noprint"> · </span>'
        f'<span class="noprint"><a href="/reports/{r.plan_year}.pdf">PDF</a> · '
        f'<a href="/experience-bank">{bi("Erfarenhetsbank", "Experience bank")}</a></span></p>'
        f"{errors}<h2>{bi('Sammanfattning', 'summary')}</h2>"
        f'<div class="cards">{cards}</div>{_fye_sentence(r.fye)}'
        f"{summary_table(r.summary.by_area, s)}{ns}"
        f"<h4>{bi('Alla initiativ', 'all initiatives')}</h4>{overview(r.initiatives)}")
    by_area: dict[str, list[InitiativeResult]] = {}
    for ini in r.initiatives:
        by_area.setdefault(ini.area, []).append(ini)
    for key, inis in by_area.items():
        sv, en = labels.label(labels.AREAS, key)
        body += f"<h2>{bi(sv, en)}</h2>" + "".join(_initiative(i, r.plan_year) for i in inis)
    return Page({"sv": f"Uppföljning {r.plan_year} – samverkansinitiativ",
                 "en": f"Follow-up {r.plan_year} – collaboration initiatives"}, body, footer=True)
