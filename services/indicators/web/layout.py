"""The pages' frame and building blocks: the document around a page (style, security headers,
the signed-in line), tables, tabs, area names and the login form. Every value is escaped by
:func:`samstat_kit.present.markup.tag`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup as Safe

from samstat_kit.auth.service import Principal
from samstat_kit.contracts import Catalogue, load_catalogue
from samstat_kit.periods import parse
from samstat_kit.present import formatting
from samstat_kit.present.charts import Line
from samstat_kit.present.markup import tag
from samstat_kit.web import BrowserLogin, csrf_input
from services.indicators.api.schemas import FyeRead

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


def page(request: Request, title: str, body: Safe, *, principal: Principal | None,
         status: int = 200) -> HTMLResponse:
    who = ""
    if principal is not None:
        agency = load_catalogue().agencies.get(principal.agency or "")
        # The sign-out form carries the CSRF token: without it the button was refused and
        # the person stayed signed in on every service.
        who = tag('<form method="post" action="/logout"><span>{}</span> {}'
                  '<button type="submit">Logga ut (log out)</button></form>',
                  agency.name if agency else principal.agency or "administratör (admin)",
                  csrf_input(request))
    doc = tag(
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>{title} – samstat</title><style>{css}</style></head><body>'
        '<header class="site"><div><a href="/indicators"><strong>samstat</strong></a> · '
        'Samordningsförbundet Umeåregionen</div>{who}</header>'
        '<main>{body}</main></body></html>',
        title=title, css=Safe(CSS), who=Safe(who), body=body)
    return HTMLResponse(doc, status_code=status, headers=SECURITY_HEADERS)


def not_found(request: Request, message: str, principal: Principal | None) -> HTMLResponse:
    body = tag('<h1>Hittades inte (not found)</h1><p>{}</p>'
               '<p><a href="/indicators">Alla indikatorer (all indicators)</a></p>', message)
    return page(request, "Hittades inte", body, principal=principal, status=404)


def area_name(catalogue: Catalogue, code: str) -> str:
    info = catalogue.areas.get(code)
    return info.name if info else code


def related_areas(catalogue: Catalogue, area: str) -> list[str]:
    """The regions (samordningsförbund) an area belongs to, and the nation."""
    out = [a.code for a in catalogue.areas.values() if a.level == "region" and area in a.members]
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
