"""The upload page's Excel template: a first sheet with the headings a file needs (in the
page's language: samstat_kit.headers reads both), and a second listing the measures the
agency may publish, with their Swedish names, units and the allowed codes per dimension.
Built from the catalogue when asked, so it never lags behind it."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from samstat_kit.contracts import Catalogue, Measure
from samstat_kit.headers import DIM_PREFIX, heading
from services.ingest.upload.texts import PERIOD_WORDS

# No unit column: the measure's own is filled in, and any other is an error (sheet 2 names it).
BASE = ("measure", "area", "period", "value")
SHEETS = {"sv": ("Statistik", "Mått och koder"), "en": ("Figures", "Measures and codes")}
CODES_HEADER = {"sv": ("Mått (kod)", "Namn", "Enhet", "Perioder"),
                "en": ("Measure (code)", "Name", "Unit", "Periods")}
FILENAME = {"sv": "samstat-mall.xlsx", "en": "samstat-template.xlsx"}
MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def publishable(catalogue: Catalogue, agency: str) -> list[Measure]:
    """The measures ``agency`` may publish (for some area: its own, if it has one)."""
    own = catalogue.agencies[agency].area if agency in catalogue.agencies else None
    out = []
    for m in catalogue.measures.values():
        area = own or next((a.code for a in catalogue.areas.values()
                            if a.level in m.area_levels), "")
        denial = catalogue.publish_denial(agency, m.code, area, {}) or ""
        if "may not publish measure" not in denial:
            out.append(m)
    return sorted(out, key=lambda m: m.code)


def workbook(catalogue: Catalogue, agency: str, lang: str) -> bytes:
    """The template as an .xlsx file's bytes."""
    lang = "en" if lang == "en" else "sv"
    measures = publishable(catalogue, agency)
    dims = sorted({d for m in measures for d in m.dimensions})
    book = openpyxl.Workbook()
    first = book.active
    assert isinstance(first, Worksheet)
    first.title, second = SHEETS[lang][0], book.create_sheet(SHEETS[lang][1])
    # English headings are the contract's own (dim_sex); Swedish ones are read as those.
    names = [*BASE, *(DIM_PREFIX + d for d in dims)]
    _header(first, [heading(n, lang) if lang == "sv" else n for n in names])
    # Text, not General: Excel makes "2026-11" a date and "0114" the number 114.
    for i, name in enumerate(names, start=1):
        if name != "value":
            first.column_dimensions[get_column_letter(i)].number_format = "@"
    periods = PERIOD_WORDS[lang]
    _header(second, [*CODES_HEADER[lang], *(heading(DIM_PREFIX + d, lang) for d in dims)])
    for m in measures:
        second.append([m.code, m.title_sv if lang == "sv" else m.title_en, m.unit,
                       ", ".join(periods.get(g, g) for g in _ordered(m.granularities)),
                       *(", ".join(sorted(m.dimensions.get(d, ()))) for d in dims)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ordered(granularities: frozenset[str]) -> list[str]:
    order = list(PERIOD_WORDS["sv"])
    return sorted(granularities, key=lambda g: order.index(g) if g in order else len(order))


def _header(sheet: Worksheet, names: list[str]) -> None:
    sheet.append(names)
    for i, name in enumerate(names, start=1):
        sheet.cell(row=1, column=i).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(name) + 4))
    sheet.freeze_panes = "A2"
