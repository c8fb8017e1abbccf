"""The HTML pages: the follow-up report a board can read, the experience bank, the login form.

Swedish first with English in parentheses, Swedish numbers (:mod:`.fmt`), one self-contained
document per page (inline CSS and SVG; no script, no external file), so the same HTML prints
to PDF unchanged. Everything that comes from data goes through :func:`e` (``html.escape``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from services.initiatives.report import fmt
from services.initiatives.report.schemas import (
    BankEntry,
    BankGroup,
    ExperienceBank,
    FyeResult,
    IndicatorResult,
    InitiativeResult,
    PlanReport,
    SummaryRow,
)
from services.initiatives.report.svg import colour, line_chart

STOCKHOLM = ZoneInfo("Europe/Stockholm")

CSS = """
:root { --ink:#1d2733; --muted:#5b6673; --line:#d8dee4; --soft:#f4f6f8;
        --ok:#1b7a3d; --ok-bg:#e3f4e8; --bad:#b42318; --bad-bg:#fde8e6;
        --none:#5b6673; --none-bg:#eef1f4; --nj:#7a5b00; --nj-bg:#fff4d6; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Liberation Sans", "DejaVu Sans", Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fff; font-size: 15px; line-height: 1.45; }
main { max-width: 1080px; margin: 0 auto; padding: 20px 28px 48px; }
nav.top { background: #12355b; color: #fff; padding: 10px 28px; display: flex; gap: 18px;
          align-items: center; flex-wrap: wrap; font-size: 14px; }
nav.top a, nav.top button { color: #fff; text-decoration: none; background: none; border: 0;
          font: inherit; cursor: pointer; padding: 0; }
nav.top .brand { font-weight: bold; margin-right: auto; }
h1 { font-size: 27px; margin: 10px 0 2px; line-height: 1.2; }
h2 { font-size: 21px; margin: 34px 0 10px; padding-bottom: 4px;
     border-bottom: 2px solid #12355b; }
h3 { font-size: 18px; margin: 0; }
h4 { font-size: 15px; margin: 18px 0 6px; color: #12355b; }
.en { color: var(--muted); font-weight: normal; }
.muted { color: var(--muted); }
.small { font-size: 13px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(118px, 1fr));
         gap: 10px; margin: 14px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px;
        background: var(--soft); }
.card .n { font-size: 28px; font-weight: bold; line-height: 1.1; }
.card .l { font-size: 13px; }
.card.ok { background: var(--ok-bg); border-color: #b7e0c3; }
.card.bad { background: var(--bad-bg); border-color: #f4c1bb; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 14px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left;
         vertical-align: top; }
th { background: var(--soft); font-weight: bold; font-size: 13px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr.ind td { background: #fafbfc; font-weight: bold; border-top: 1px solid #c4ccd4; }
tr.ind .en, .tally { font-weight: normal; }
.tally { font-size: 12.5px; color: var(--muted); }
tr.area td:first-child { padding-left: 22px; }
tr { break-inside: avoid; }
.badge { display: inline-block; border-radius: 999px; padding: 2px 10px; font-size: 13px;
         font-weight: bold; white-space: nowrap; }
.v-on_track { color: var(--ok); background: var(--ok-bg); }
.v-off_track { color: var(--bad); background: var(--bad-bg); }
.v-no_data { color: var(--none); background: var(--none-bg); }
.v-not_judged { color: var(--nj); background: var(--nj-bg); }
span.v { font-weight: bold; white-space: nowrap; }
span.v.v-on_track, span.v.v-off_track, span.v.v-no_data, span.v.v-not_judged {
  background: none; }
section.initiative { border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px;
                     margin: 18px 0; }
section.initiative > header { display: flex; justify-content: space-between; gap: 12px;
                              align-items: baseline; flex-wrap: wrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px;
           margin: 10px 0 0; font-size: 14px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.state { white-space: pre-line; font-size: 13.5px; background: var(--soft);
         border-left: 3px solid #9aa5b1; padding: 8px 12px; margin: 6px 0; }
.warn { background: var(--nj-bg); border: 1px solid #ecd58a; padding: 8px 12px;
        border-radius: 6px; font-size: 14px; }
.error { background: var(--bad-bg); border: 1px solid #f4c1bb; padding: 10px 14px;
         border-radius: 6px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 18px; }
figure { margin: 0; break-inside: avoid; width: 360px; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; font-weight: bold; margin-bottom: 2px; }
.legend { font-size: 12px; color: var(--muted); display: flex; flex-wrap: wrap;
          gap: 2px 10px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
          margin-right: 4px; vertical-align: -1px; }
ul.bank { margin: 4px 0 10px; padding-left: 20px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 14px; }
.grid2 h5 { margin: 4px 0; font-size: 14px; }
form.login { max-width: 440px; border: 1px solid var(--line); border-radius: 10px;
             padding: 18px 20px; }
form.login input[type=password] { width: 100%; padding: 8px; font: inherit; margin: 6px 0 12px; }
form.login button { padding: 8px 16px; font: inherit; background: #12355b; color: #fff;
                    border: 0; border-radius: 6px; }
footer { margin-top: 36px; font-size: 13px; color: var(--muted);
         border-top: 1px solid var(--line); padding-top: 10px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  nav.top { display: none; }
  main { max-width: none; padding: 0; }
  body { font-size: 12.5px; }
  h2 { break-after: avoid; }
  section.initiative { break-inside: auto; }
  section.initiative > header, h4 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  .noprint { display: none; }
  .cards { grid-template-columns: repeat(7, 1fr); gap: 6px; }
  .card { padding: 6px 8px; }
  .card .n { font-size: 22px; }
  figure { width: 330px; }
}
"""


def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def bi(sv: str, en: str, *, tag: str = "span") -> str:
    """Swedish text with the English in parentheses, muted."""
    return f'{e(sv)} <{tag} class="en">({e(en)})</{tag}>'


def verdict(v: str, *, badge: bool = True) -> str:
    sv, en = fmt.label(fmt.VERDICTS, v)
    cls = "badge" if badge else "v"
    return (f'<span class="{cls} v-{e(v)}">{fmt.VERDICT_SYMBOLS.get(v, "")} {e(sv)} '
            f'<span class="en">({e(en)})</span></span>')


def local_time(ts: datetime) -> str:
    t = ts.astimezone(STOCKHOLM)
    return f"{fmt.day(t.date())} kl. {t:%H:%M}"


def page(title: str, body: str, *, nav: bool = True) -> str:
    top = ""
    if nav:
        top = ('<nav class="top"><span class="brand">Samordningsförbundet Umeåregionen · '
               'samstat</span><a href="/reports">Uppföljningar (follow-ups)</a>'
               '<a href="/experience-bank">Erfarenhetsbank (experience bank)</a>'
               '<form method="post" action="/logout" style="margin:0">'
               '<button type="submit">Logga ut (sign out)</button></form></nav>')
    return (f'<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{e(title)}</title><style>{CSS}</style></head>"
            f"<body>{top}<main>{body}</main></body></html>")


# ------------------------------------------------------------------------------ the report


def _summary_table(rows: Iterable[SummaryRow], total: SummaryRow) -> str:
    head = ("<tr><th>" + bi("Område", "area") + "</th>"
            + "".join(f'<th class="num">{bi(sv, en)}</th>' for sv, en in (
                ("Initiativ", "initiatives"), ("Ej påbörjade", "not started"),
                ("Påbörjade", "started"), ("Genomförda", "completed"),
                ("På rätt väg", "on track"), ("Fel riktning", "off track"),
                ("Ej mätbara", "not measurable"))) + "</tr>")

    def row(r: SummaryRow, strong: bool = False) -> str:
        cells = (r.initiatives, r.not_started, r.started, r.completed, r.on_track,
                 r.off_track, r.no_data + r.not_judged)
        tag = "th" if strong else "td"
        return (f"<tr><{tag}>{bi(r.label_sv, r.label_en)}</{tag}>"
                + "".join(f'<{tag} class="num">{fmt.number(c)}</{tag}>' for c in cells)
                + "</tr>")

    return f"<table>{head}{''.join(row(r) for r in rows)}{row(total, True)}</table>"


def _fye_sentence(rows: list[FyeResult]) -> str:
    if not rows or rows[0].share is None:
        return ('<p class="muted">' + bi("Helårsekvivalenter: ingen data för planåret.",
                                         "Full-year equivalents: no data for the plan year.")
                + "</p>")
    r = rows[0]
    text = (f"Helårsekvivalenter som andel av befolkningen 20–64 i {e(r.area_name)}, "
            f"{e(fmt.period(r.period))}: <strong>{fmt.value(r.share, 'share')}</strong>")
    if r.year_ago_share is not None:
        text += (f", året innan {fmt.value(r.year_ago_share, 'share')} "
                 f"({_pp(r)}{_moved_fye(r)})")
    return (f"<p>{text}. <span class=\"en\">(Full-year equivalents as a share of the "
            f"population aged 20–64; the plan wants it to fall.)</span></p>")


def _pp(r: FyeResult) -> str:
    return "–" if r.change_pp is None else fmt.change(r.change_pp / 100, "share")


def _moved_fye(r: FyeResult) -> str:
    return {"wanted": ", minskat som önskat (fell, as wanted)",
            "unwanted": ", ökat (rose)",
            "unchanged": ", oförändrat (unchanged)"}.get(r.moved or "", "")


def _overview(inis: list[InitiativeResult]) -> str:
    head = ("<tr><th>Nr</th><th>" + bi("Initiativ", "initiative") + "</th><th>"
            + bi("Status", "status") + '</th><th class="num">'
            + bi("Påverkan", "impact") + '</th><th class="num">'
            + bi("Indikatorer rätt/fel", "indicators on/off") + "</th><th>"
            + bi("Bedömning", "verdict") + "</th></tr>")
    rows = []
    for i in inis:
        impact = f"{i.impact} av 5" if i.impact else "x"
        rows.append(
            f'<tr><td class="num">{i.number}</td><td><a href="#i-{i.plan_year}-{i.number}">'
            f"{e(i.title)}</a></td><td>{bi(i.progress.status_sv, i.progress.status_en)}</td>"
            f'<td class="num">{impact}</td><td class="num">{i.indicators_on_track} / '
            f"{i.indicators_off_track}</td><td>{verdict(i.verdict, badge=False)}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _indicator_rows(ind: IndicatorResult) -> str:
    want = fmt.label(fmt.DIRECTIONS, ind.direction) if ind.direction else ("–", "none")
    target = ""
    if ind.target:
        target = (f'<br><span class="muted small">Mål (target): '
                  f"{e(fmt.value(float(ind.target['value']), ind.unit))}"
                  f"{' senast ' + e(ind.target['date']) if ind.target.get('date') else ''}"
                  "</span>")
    judged = ind.areas_on_track + ind.areas_off_track
    tally = ""
    if len(ind.areas) > 1 and judged:
        tally = (f'<br><span class="tally">{ind.areas_on_track} av {judged} områden på '
                 f"rätt väg ({ind.areas_on_track} of {judged} areas on track)</span>")
    head = (f'<tr class="ind"><td colspan="5">{e(ind.title_sv)}<br><span class="en small">'
            f"{e(ind.title_en)}</span>{target}</td><td>{bi(want[0], want[1])}</td>"
            f"<td>{verdict(ind.verdict, badge=False)}{tally}</td></tr>")
    rows = [head]
    for a in ind.areas:
        if a.verdict == "no_data":
            continue
        rel = fmt.relative(a.change, a.year_ago_value) if ind.unit not in (
            "share", "percent", "done") else ""
        period = e(fmt.period(a.period))
        if a.period and a.complete is False:
            period += ' <span class="muted small">(ofullständig, incomplete)</span>'
        rows.append(
            f'<tr class="area"><td>{e(a.area_name)}</td><td>{period}</td>'
            f'<td class="num">{e(fmt.value(a.value, ind.unit))}</td>'
            f'<td class="num">{e(fmt.value(a.year_ago_value, ind.unit))}</td>'
            f'<td class="num">{e(fmt.change(a.change, ind.unit))}'
            f"{' <span class=muted>(' + e(rel) + ')</span>' if rel else ''}</td>"
            f'<td class="small muted">{e(a.reason_sv)}</td>'
            f"<td>{verdict(a.verdict, badge=False)}</td></tr>")
    missing = [a.area_name for a in ind.areas if a.verdict == "no_data"]
    if missing:
        rows.append(f'<tr class="area"><td colspan="7" class="muted small">Inget värde för '
                    f"planåret i {e(', '.join(missing))} <span class=\"en\">(no value for "
                    f"the plan year)</span></td></tr>")
    return "".join(rows)


def _indicator_table(inds: list[IndicatorResult]) -> str:
    if not inds:
        return ('<p class="muted">' + bi("Initiativet har inga indikatorer.",
                                         "The initiative has no indicators.") + "</p>")
    head = ("<tr><th>" + bi("Område", "area") + "</th><th>" + bi("Period", "period")
            + '</th><th class="num">' + bi("Värde", "value") + '</th><th class="num">'
            + bi("Året innan", "year before") + '</th><th class="num">'
            + bi("Förändring", "change") + "</th><th>" + bi("Riktning / skäl", "wanted / why")
            + "</th><th>" + bi("Bedömning", "verdict") + "</th></tr>")
    return f"<table>{head}{''.join(_indicator_rows(i) for i in inds)}</table>"


def _charts(ini: InitiativeResult, plan_year: int) -> str:
    figs = []
    for ind in ini.indicators:
        if not ind.series:
            continue
        target = float(ind.target["value"]) if ind.target else None
        svg = line_chart([(s.area_name, s.points) for s in ind.series], unit=ind.unit,
                         plan_year=plan_year, target=target,
                         title=f"{ind.title_sv} ({ind.title_en})")
        legend = "".join(
            f'<span><span class="swatch" style="background:{colour(i)}"></span>'
            f"{e(s.area_name)}</span>" for i, s in enumerate(ind.series))
        figs.append(f"<figure><figcaption>{e(ind.title_sv)}</figcaption>{svg}"
                    f'<div class="legend">{legend}</div></figure>')
    if not figs:
        return ""
    return ('<h4>' + bi("Utveckling över tid", "over time") + '</h4><div class="charts">'
            + "".join(figs) + "</div>")


def _impact(ini: InitiativeResult) -> str:
    impact = (f"<strong>{ini.impact} av 5</strong> <span class=\"en\">({ini.impact} of 5)"
              "</span>" if ini.impact else bi("x – ej bedömd", "not assessed"))
    judged = ini.indicators_on_track + ini.indicators_off_track
    measured = (f"{ini.indicators_on_track} av {judged} bedömda indikatorer gick åt rätt håll "
                f'<span class="en">({ini.indicators_on_track} of {judged} judged indicators '
                f"moved the wanted way)</span>" if judged else
                bi("inga bedömbara indikatorer ännu", "no indicator could be judged yet"))
    rows = [f"<tr><th>{bi('Bedömd påverkan på helårsekvivalenter', 'estimated FYE impact')}"
            f"</th><td>{impact}</td></tr>",
            f"<tr><th>{bi('Uppmätt i indikatorerna', 'measured in the indicators')}</th>"
            f"<td>{measured}</td></tr>"]
    for r in ini.fye[:1] if ini.fye and ini.fye[0].area == "umearegionen" else ini.fye:
        if r.share is None:
            text = bi("ingen data", "no data")
        else:
            text = (f"{fmt.value(r.year_ago_share, 'share')} → "
                    f"<strong>{fmt.value(r.share, 'share')}</strong> "
                    f"({_pp(r)}{_moved_fye(r)}), {e(fmt.period(r.period))}")
        rows.append(f"<tr><th>{bi('Andel helårsekvivalenter', 'FYE share')}, "
                    f"{e(r.area_name)}</th><td>{text}</td></tr>")
    return ("<h4>" + bi("Bedömd påverkan och uppmätt förändring",
                        "estimated impact and measured change") + "</h4>"
            f"<table class=\"impact\">{''.join(rows)}</table>")


def _progress(ini: InitiativeResult) -> str:
    p = ini.progress
    phase = fmt.label(fmt.PHASE_ONE, p.phase)
    parts = [f"<p><strong>{e(p.status_sv)}</strong> <span class=\"en\">({e(p.status_en)})"
             f"</span> · {bi(*phase)}"]
    if p.milestones_total:
        parts.append(f" · milstolpar klara {p.milestones_done} av {p.milestones_total} "
                     f'<span class="en">(milestones done {p.milestones_done} of '
                     f"{p.milestones_total})</span>")
    parts.append("</p>")
    if p.current_state:
        when = fmt.day(p.current_state_date) if p.current_state_date else "odaterat (undated)"
        parts.append(f'<p class="small muted">Nuläge (current state), {e(when)}'
                     + (" — äldre än planåret, behöver uppdateras (older than the plan year; "
                        "needs updating)" if p.current_state_outdated else "") + "</p>")
        parts.append(f'<div class="state">{e(p.current_state)}</div>')
    else:
        parts.append('<p class="small muted">' + bi("Ingen nulägesbeskrivning.",
                                                    "No current-state text.") + "</p>")
    return ("<h4>" + bi("Hur långt har det kommit?", "how far has it come?") + "</h4>"
            + "".join(parts))


def _initiative(ini: InitiativeResult, plan_year: int) -> str:
    area = fmt.label(fmt.AREAS, ini.area)
    feas = "–"
    if ini.difficulty or ini.duration:
        d = fmt.label(fmt.DIFFICULTIES, ini.difficulty)
        t = fmt.label(fmt.DURATIONS, ini.duration)
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


def _method() -> str:
    return (
        "<footer><strong>Så bedöms indikatorerna</strong> <span class=\"en\">(how the "
        "indicators are judged)</span>: värdet för planåret är den senaste rapporterade "
        "perioden inom året, hela perioder före ofullständiga. Ett mål som är nått ger "
        "<em>på rätt väg</em>, ett mål som inte nåtts till sitt datum <em>fel riktning</em>; "
        "annars jämförs med samma period året innan i den riktning planen vill (ska öka / ska "
        "minska), med regelns tolerans. Ett initiativ är på rätt väg när fler av dess bedömda "
        "indikatorer är på rätt väg än inte (lika = fel riktning). p.e. = procentenheter, "
        "HÅE = helårsekvivalenter. "
        '<span class="en">(The value for the plan year is the latest reported period in the '
        "year, complete periods first. A met target is on track, a target missed by its date "
        "off track; otherwise the value is compared with the same period a year earlier in "
        "the direction the plan wants, within the rule's tolerance. An initiative is on track "
        "when more of its judged indicators are on track than not; a tie is off track. "
        "p.e. = percentage points, HÅE = full-year equivalents.)</span></footer>")


def report_page(r: PlanReport) -> str:
    s = r.summary.total
    plan = bi("beslutad", "decided") if r.plan_status == "decided" else bi("utkast", "draft")
    cards = "".join(
        f'<div class="card {cls}"><div class="n">{fmt.number(n)}</div>'
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
        errors = ('<div class="error"><strong>Indikatordata saknas delvis</strong> '
                  '<span class="en">(indicator data partly unavailable)</span>: '
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
    body = (
        f"<h1>Uppföljning av samverkansinitiativ {r.plan_year}</h1>"
        f'<p class="sub">Follow-up of the collaboration initiatives {r.plan_year} · '
        f"Samordningsförbundet Umeåregionen · plan {plan} · "
        f"framtagen {e(local_time(r.generated_at))} <span class=\"en\">(generated)</span>"
        f'<span class="noprint"> · </span>'
        f'<span class="noprint"><a href="/reports/{r.plan_year}.pdf">PDF</a></span></p>'
        f"{errors}<h2>{bi('Sammanfattning', 'summary')}</h2>"
        f'<div class="cards">{cards}</div>{_fye_sentence(r.fye)}'
        f"{_summary_table(r.summary.by_area, s)}{ns}"
        f"<h4>{bi('Alla initiativ', 'all initiatives')}</h4>{_overview(r.initiatives)}")
    by_area: dict[str, list[InitiativeResult]] = {}
    for ini in r.initiatives:
        by_area.setdefault(ini.area, []).append(ini)
    for key, inis in by_area.items():
        sv, en = fmt.label(fmt.AREAS, key)
        body += f"<h2>{bi(sv, en)}</h2>" + "".join(_initiative(i, r.plan_year) for i in inis)
    body += _method()
    return page(f"Uppföljning {r.plan_year} – samverkansinitiativ", body)


# ------------------------------------------------------------------------- experience bank


def _entry(x: BankEntry) -> str:
    fye = ""
    if x.fye_change_pp is not None:
        fye = f", HÅE-andel {fmt.change(x.fye_change_pp / 100, 'share')}"
    impact = f"påverkan {x.impact}/5" if x.impact else "påverkan x"
    return (f'<li><a href="/reports/{x.plan_year}#i-{x.plan_year}-{x.number}">'
            f"{x.plan_year} · {x.number}. {e(x.title)}</a> "
            f'<span class="muted small">({x.indicators_on_track} rätt / '
            f"{x.indicators_off_track} fel, {impact}{e(fye)})</span></li>")


def _group(g: BankGroup) -> str:
    def col(title: tuple[str, str], entries: list[BankEntry], v: str) -> str:
        items = "".join(_entry(x) for x in entries) or '<li class="muted">–</li>'
        return (f'<div><h5><span class="v v-{v}">{fmt.VERDICT_SYMBOLS[v]}</span> '
                f"{bi(*title)} · {len(entries)}</h5><ul class=\"bank\">{items}</ul></div>")

    measured = len(g.worked) + len(g.did_not_work)
    share = (f" — {len(g.worked)} av {measured} mätta gick åt rätt håll "
             f'<span class="en">({len(g.worked)} of {measured} measured moved the wanted '
             f"way)</span>" if measured else "")
    return (f"<h4>{bi(g.label_sv, g.label_en)}{share}</h4><div class=\"grid2\">"
            + col(("Gick åt rätt håll", "moved the wanted way"), g.worked, "on_track")
            + col(("Gick inte åt rätt håll", "did not"), g.did_not_work, "off_track")
            + col(("Ännu inte mätbara", "not yet measurable"), g.not_measured, "no_data")
            + "</div>")


def bank_page(b: ExperienceBank) -> str:
    years = ", ".join(str(y) for y in b.plan_years) or "–"
    errors = ""
    if b.source_errors:
        errors = ('<div class="error"><strong>Indikatordata saknas delvis</strong> '
                  '<span class="en">(indicator data partly unavailable)</span>: '
                  + e("; ".join(b.source_errors)) + "</div>")
    body = (f"<h1>Erfarenhetsbank</h1><p class=\"sub\">Experience bank · vilka typer av "
            f"initiativ som är verkningsfulla (which kinds of initiatives work) · beslutade "
            f"planår (decided plan years): {e(years)} · framtagen "
            f"{e(local_time(b.generated_at))}</p>{errors}")
    for dim in b.dimensions:
        body += f"<h2>{bi('Efter ' + dim.label_sv.lower(), 'by ' + dim.label_en)}</h2>"
        body += "".join(_group(g) for g in dim.groups) or '<p class="muted">–</p>'
    body += _method()
    return page("Erfarenhetsbank – samverkansinitiativ", body)


# ----------------------------------------------------------------------------- small pages


def index_page(plans: list[tuple[int, str]]) -> str:
    rows = "".join(
        f'<tr><td><a href="/reports/{y}">Uppföljning {y}</a></td>'
        f"<td>{bi('beslutad', 'decided') if s == 'decided' else bi('utkast', 'draft')}</td>"
        f'<td><a href="/reports/{y}.pdf">PDF</a> · <a href="/v1/plans/{y}/report">JSON</a>'
        f"</td></tr>" for y, s in sorted(plans, reverse=True))
    body = (f"<h1>Uppföljningar</h1><p class=\"sub\">Follow-ups of the yearly plans</p>"
            f"<table><tr><th>{bi('Planår', 'plan year')}</th><th>{bi('Plan', 'plan')}</th>"
            f"<th>{bi('Format', 'format')}</th></tr>{rows}</table>"
            f'<p><a href="/experience-bank">Erfarenhetsbank (experience bank)</a></p>')
    return page("Uppföljningar", body)


def login_page(next_path: str, error: str | None = None) -> str:
    err = f'<p class="error">{e(error)}</p>' if error else ""
    body = (f"<h1>Logga in</h1><p class=\"sub\">Sign in with your samstat token</p>{err}"
            f'<form class="login" method="post" action="/login">'
            f'<label for="token">{bi("Token", "API token")}</label>'
            f'<input type="password" id="token" name="token" autocomplete="off" required '
            f'maxlength="512"><input type="hidden" name="next" value="{e(next_path)}">'
            f'<button type="submit">Logga in (sign in)</button></form>'
            f'<p class="small muted">Token utfärdas av en operatör (issued by an operator): '
            f"<code>samstat token issue</code>.</p>")
    return page("Logga in", body, nav=False)


def error_page(status: int, sv: str, en: str) -> str:
    return page(f"{status}", f"<h1>{status}</h1><p>{bi(sv, en)}</p>"
                f'<p><a href="/reports">{bi("Till uppföljningarna", "to the follow-ups")}'
                "</a></p>")
