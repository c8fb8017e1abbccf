"""The experience bank's page and the small pages (the index of plan years, errors)."""

from __future__ import annotations

from samstat_kit.present import formatting
from services.initiatives.report import labels
from services.initiatives.report.frame import Page, bi, e, local_time, pair
from services.initiatives.report.schemas import BankEntry, BankGroup, ExperienceBank

# ------------------------------------------------------------------------- experience bank


def _entry(x: BankEntry) -> str:
    return (f'<li><a href="/reports/{x.plan_year}#i-{x.plan_year}-{x.number}">'
            f"{x.plan_year} · {x.number}. {e(x.title)}</a> "
            f'<span class="muted small">({pair(_facts(x, "sv"), _facts(x, "en"))})</span></li>')


_FACT_WORDS = {"sv": ("rätt", "fel", "påverkan", "HÅE-andel", "personer", "mnkr/år",
                      "ej bedömd"),
               "en": ("on", "off", "impact", "FYE share", "people", "SEK m/year",
                      "not assessed")}


def _facts(x: BankEntry, lang: str) -> str:
    """"3 rätt / 1 fel, påverkan 2/5, HÅE-andel −0,4 p.e., +12 personer, +0,6 mnkr/år"."""
    on, off, impact, share, people, sek, unscored = _FACT_WORDS[lang]
    score = f"{x.impact}/5" if x.impact else unscored
    text = f"{x.indicators_on_track} {on} / {x.indicators_off_track} {off}, {impact} {score}"
    if x.fye_change_shown is not None:  # as the report's section writes it
        text += (f", {share} "
                 f"{formatting.change(x.fye_change_shown, 'share', lang, unit_text='short')}")
    if x.people is not None and x.annual_sek is not None:
        text += (f", {formatting.signed(x.people, lang, decimals=0)} {people}, "
                 f"{formatting.signed(x.annual_sek / 1e6, lang, decimals=1)} {sek}")
    return e(text)


# What an empty column says. "Ännu inte mätbara · 0" over a bare "–" said nothing: an empty
# "not yet measurable" is left out (nothing waits), an empty verdict says what that means,
# and a group with nothing measured says so once instead of two empty verdicts.
_EMPTY = {"on_track": ("Inget av de mätta gick åt rätt håll.",
                       "None of those measured moved the wanted way."),
          "off_track": ("Alla som har mätts gick åt rätt håll.",
                        "All those measured moved the wanted way.")}


def _col(title: tuple[str, str], entries: list[BankEntry], v: str) -> str:
    items = ("".join(_entry(x) for x in entries)
             or f'<li class="muted">{bi(*_EMPTY[v])}</li>')
    return (f'<div><h5><span class="v v-{v}">{labels.VERDICT_SYMBOLS[v]}</span> '
            f"{bi(*title)} · {len(entries)}</h5><ul class=\"bank\">{items}</ul></div>")


def _group(g: BankGroup) -> str:
    measured = len(g.worked) + len(g.did_not_work)
    if measured:
        share = " — " + bi(f"{len(g.worked)} av {measured} mätta gick åt rätt håll",
                           f"{len(g.worked)} of {measured} measured moved the wanted way")
        cols = (_col(("Gick åt rätt håll", "moved the wanted way"), g.worked, "on_track")
                + _col(("Gick inte åt rätt håll", "did not"), g.did_not_work, "off_track"))
    else:
        n = len(g.not_measured)
        share = " — " + bi(f"inget av {n} går att mäta ännu" if n != 1 else
                           "det går inte att mäta ännu",
                           f"none of {n} can be measured yet" if n != 1 else
                           "it cannot be measured yet")
        cols = ""
    if g.not_measured:
        cols += _col(("Ännu inte mätbara", "not yet measurable"), g.not_measured, "no_data")
    return f"<h4>{bi(g.label_sv, g.label_en)}{share}</h4><div class=\"grid2\">{cols}</div>"


def bank_page(b: ExperienceBank) -> Page:
    years = ", ".join(str(y) for y in b.plan_years) or "–"
    errors = ""
    if b.source_errors:
        errors = ('<div class="error"><strong>' + bi("Indikatordata saknas delvis",
                  "Indicator data partly unavailable") + "</strong>: "
                  + e("; ".join(b.source_errors)) + "</div>")
    body = (f"<h1>{bi('Erfarenhetsbank', 'Experience bank')}</h1><p class=\"sub\">"
            + bi("Vilka typer av initiativ som är verkningsfulla · beslutade planår",
                 "Which kinds of initiatives work · decided plan years")
            + f": {e(years)} · {bi('framtagen', 'generated')} "
            f"{local_time(b.generated_at)}</p>{errors}")
    for dim in b.dimensions:
        body += f"<h2>{bi('Efter ' + dim.label_sv.lower(), 'by ' + dim.label_en)}</h2>"
        body += "".join(_group(g) for g in dim.groups
                        if g.worked or g.did_not_work or g.not_measured) or (
            '<p class="muted">' + bi("Inga beslutade initiativ ännu.",
                                     "No decided initiatives yet.") + "</p>")
    return Page({"sv": "Erfarenhetsbank", "en": "Experience bank"}, body, footer=True)


# ----------------------------------------------------------------------------- small pages


def index_page(plans: list[tuple[int, str]]) -> Page:
    rows = "".join(
        f'<tr><td><a href="/reports/{y}">{bi(f"Uppföljning {y}", f"Follow-up {y}")}</a></td>'
        f"<td>{bi('beslutad', 'decided') if s == 'decided' else bi('utkast', 'draft')}</td>"
        f'<td><a href="/reports/{y}.pdf">PDF</a> · <a href="/v1/plans/{y}/report">JSON</a>'
        f"</td></tr>" for y, s in sorted(plans, reverse=True))
    body = (f"<h1>{bi('Uppföljningar', 'Follow-ups')}</h1><p class=\"sub\">"
            f"{bi('Uppföljningar av årets planer', 'Follow-ups of the yearly plans')}</p>"
            f"<table><tr><th>{bi('Planår', 'plan year')}</th><th>{bi('Plan', 'plan')}</th>"
            f"<th>{bi('Format', 'format')}</th></tr>{rows}</table>"
            f'<p><a href="/experience-bank">{bi("Erfarenhetsbank", "Experience bank")}</a></p>')
    return Page({"sv": "Uppföljningar", "en": "Follow-ups"}, body)


# A person reads the heading, not the status code ("404" headed the page and its tab).
HEADINGS = {404: ("Uppföljningen finns inte", "No such follow-up"),
            503: ("PDF:en går inte att skapa just nu", "The PDF cannot be made right now")}


def error_page(status: int, sv: str, en: str) -> Page:
    head_sv, head_en = HEADINGS.get(status, ("Det gick inte", "That did not work"))
    return Page({"sv": head_sv, "en": head_en},
                f"<h1>{bi(head_sv, head_en)}</h1><p>{bi(sv, en)}</p>"
                f'<p><a href="/reports">{bi("Till uppföljningarna", "To the follow-ups")}'
                "</a></p>")
