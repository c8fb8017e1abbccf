"""The report's summary tables: the counts by area, and every initiative in a row."""

from __future__ import annotations

from collections.abc import Iterable

from samstat_kit.present import formatting
from services.initiatives.report.frame import bi, e, pair, verdict, wide
from services.initiatives.report.schemas import InitiativeResult, SummaryRow


def summary_table(rows: Iterable[SummaryRow], total: SummaryRow) -> str:
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
                + "".join(f'<{tag} class="num">{formatting.number(c, decimals=0)}</{tag}>'
                          for c in cells)
                + "</tr>")

    return wide(f"<table>{head}{''.join(row(r) for r in rows)}{row(total, True)}</table>")


_OVERVIEW = (("Status", "status"), ("Påverkan", "impact"),
             ("Indikatorer rätt/fel", "indicators on/off"), ("Bedömning", "verdict"))


def overview(inis: list[InitiativeResult]) -> str:
    """Every initiative in a row. On a phone a row stacks (report.css, ``table.overview``):
    the verdict, the last column, was off-screen behind a sideways scroll; each stacked
    cell is then named by its ``data-sv``/``data-en``."""
    head = ('<tr class="head"><th>Nr</th><th>' + bi("Initiativ", "initiative") + "</th>"
            + "".join(f'<th{" class=num" if sv in ("Påverkan", "Indikatorer rätt/fel") else ""}>'
                      f"{bi(sv, en)}</th>" for sv, en in _OVERVIEW) + "</tr>")
    (status, impact_w, tally, judged) = [
        f'data-sv="{e(sv)}" data-en="{e(en[0].upper() + en[1:])}"' for sv, en in _OVERVIEW]
    rows = []
    for i in inis:
        # no score is "not assessed" in words: the plan's "x" meant nothing to a reader
        impact = (pair(f"{i.impact} av 5", f"{i.impact} of 5") if i.impact
                  else f'<span class="muted">{bi("ej bedömd", "not assessed")}</span>')
        rows.append(
            f'<tr><td class="num">{i.number}</td><td class="name">'
            f'<a href="#i-{i.plan_year}-{i.number}">{e(i.title)}</a></td>'
            f"<td {status}>{bi(i.progress.status_sv, i.progress.status_en)}</td>"
            f'<td class="num" {impact_w}>{impact}</td><td class="num" {tally}>'
            f"{i.indicators_on_track} / {i.indicators_off_track}</td>"
            f'<td class="verdict" {judged}>{verdict(i.verdict, badge=False)}</td></tr>')
    return wide(f'<table class="overview">{head}{"".join(rows)}</table>')
