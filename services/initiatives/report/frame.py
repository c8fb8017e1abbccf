"""The frame of the report's HTML pages: the style, escaping (:func:`e`), bilingual labels,
verdict badges, Stockholm time, and the document around each page. One self-contained
document per page (inline CSS; no script, no external file), so it prints to PDF unchanged."""

from __future__ import annotations

from datetime import datetime
from html import escape

from samstat_kit.present import formatting
from services.initiatives.report import labels

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
    sv, en = labels.label(labels.VERDICTS, v)
    cls = "badge" if badge else "v"
    return (f'<span class="{cls} v-{e(v)}">{labels.VERDICT_SYMBOLS.get(v, "")} {e(sv)} '
            f'<span class="en">({e(en)})</span></span>')


def local_time(ts: datetime) -> str:
    return formatting.datetime(ts)


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


def method_footer() -> str:
    """How the report judges indicators, under the report and the experience bank."""
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
