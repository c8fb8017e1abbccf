"""The upload page's Excel template: a first sheet with the headings a file needs (in the
page's language: samstat_kit.headers reads both), a second listing the measures the agency
may publish, with their names, units (in words: "dagar", not "days") and the allowed codes
per dimension, a third saying what each code means ("ill_health" is "ohälsa"), and a fourth
with the areas the agency may report for, by code and name (staff know "Vännäs", the file
needs "2460"): its own first, then the others with what they are for. Built from the
catalogue when asked, so it never lags behind it."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from samstat_kit.agency_rows import unit_word
from samstat_kit.contracts import Area, Catalogue, Measure
from samstat_kit.headers import DIM_PREFIX, heading
from services.ingest.upload.texts import LEVEL_ONE, PERIOD_WORDS

# No unit column: the measure's own is filled in, and any other is an error (sheet 2 names it).
BASE = ("measure", "area", "period", "value")
SHEETS = {"sv": ("Statistik", "Mått och koder", "Kodernas betydelse", "Områden"),
          "en": ("Figures", "Measures and codes", "What the codes mean", "Areas")}
CODES_HEADER = {"sv": ("Mått (kod)", "Namn", "Enhet", "Perioder"),
                "en": ("Measure (code)", "Name", "Unit", "Periods")}
MEANING_HEADER = {"sv": ("Kolumn", "Kod", "Betydelse"), "en": ("Column", "Code", "Meaning")}
AREAS_HEADER = {"sv": ("Område (kod)", "Namn", "Nivå"), "en": ("Area (code)", "Name", "Level")}
# The row before the areas other than the agency's own (the measures named when not all).
OTHER_AREAS = {"sv": {"all": "Övriga områden", "only": "Övriga områden – bara för: {}"},
               "en": {"all": "Other areas", "only": "Other areas – only for: {}"}}
FILENAME = {"sv": "samstat-mall.xlsx", "en": "samstat-template.xlsx"}
MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def publishable(catalogue: Catalogue, agency: str) -> list[Measure]:
    """The measures ``agency`` may publish for some area."""
    return sorted((m for m in catalogue.measures.values()
                   if any(_may(catalogue, agency, m, a) for a in catalogue.areas.values())),
                  key=lambda m: m.code)


def reportable(catalogue: Catalogue, agency: str, measures: list[Measure]) -> list[Area]:
    """The areas ``agency`` may publish some measure of ``measures`` for: its own area first
    (a municipality reports nearly all for itself), then coarsest level first (the nation,
    counties, regions, municipalities), each level by code."""
    own = catalogue.agencies[agency].area if agency in catalogue.agencies else None
    order = ("nation", "county", "region", "municipality")
    out = [a for a in catalogue.areas.values()
           if any(_may(catalogue, agency, m, a) for m in measures)]
    return sorted(out, key=lambda a: (a.code != own, order.index(a.level)
                                      if a.level in order else len(order), a.code))


def _may(catalogue: Catalogue, agency: str, measure: Measure, area: Area) -> bool:
    """``agency`` may publish ``measure`` for ``area`` with some codes: a publisher that
    restricts a dimension ("only benefit=unemployment") is asked with a code it allows."""
    if area.level not in measure.area_levels:
        return False
    shapes = [{d: min(codes) for d, codes in p.restrict.items()} for p in measure.publishers]
    return any(catalogue.publish_denial(agency, measure.code, area.code, dims) is None
               for dims in shapes or [{}])


def workbook(catalogue: Catalogue, agency: str, lang: str) -> bytes:
    """The template as an .xlsx file's bytes."""
    lang = "en" if lang == "en" else "sv"
    measures = publishable(catalogue, agency)
    dims = sorted({d for m in measures for d in m.dimensions})
    book = openpyxl.Workbook()
    first = book.active
    assert isinstance(first, Worksheet)
    first.title, second = SHEETS[lang][0], book.create_sheet(SHEETS[lang][1])
    meanings, areas = book.create_sheet(SHEETS[lang][2]), book.create_sheet(SHEETS[lang][3])
    names = [*BASE, *(DIM_PREFIX + d for d in dims)]
    _header(first, [_column(n, lang) for n in names])
    # Text, not General: Excel makes "2026-11" a date and "0114" the number 114.
    for i, name in enumerate(names, start=1):
        if name != "value":
            first.column_dimensions[get_column_letter(i)].number_format = "@"
    periods = PERIOD_WORDS[lang]
    _header(second, [*CODES_HEADER[lang], *(heading(DIM_PREFIX + d, lang) for d in dims)])
    for m in measures:
        second.append([m.code, m.title_sv if lang == "sv" else m.title_en,
                       unit_word(m.unit, lang),
                       ", ".join(periods.get(g, g) for g in _ordered(m.granularities)),
                       *(", ".join(sorted(m.dimensions.get(d, ()))) for d in dims)])
    _header(meanings, list(MEANING_HEADER[lang]))
    for d in dims:
        for code in sorted({c for m in measures for c in m.dimensions.get(d, ())}):
            meanings.append([_column(DIM_PREFIX + d, lang), code,
                             catalogue.code_name(code, lang)])
    _areas(areas, catalogue, agency, measures, lang)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _areas(sheet: Worksheet, catalogue: Catalogue, agency: str, measures: list[Measure],
           lang: str) -> None:
    """The areas sheet: the agency's own area first, then, under a row of their own saying
    so, the others it may report for, with the measures it may report for them (a
    municipality may report only a milestone for the other 312: a walk read the whole list
    as "your areas")."""
    _header(sheet, list(AREAS_HEADER[lang]))
    own = catalogue.agencies[agency].area if agency in catalogue.agencies else None
    listed = reportable(catalogue, agency, measures)
    others = [a for a in listed if a.code != own]
    for area in listed[:len(listed) - len(others)]:
        sheet.append(_area_row(area, lang))
    if own is not None and others:
        only = [m for m in measures if any(_may(catalogue, agency, m, a) for a in others)]
        words = OTHER_AREAS[lang]
        label = words["all"] if len(only) == len(measures) else words["only"].format(
            ", ".join(m.title_sv if lang == "sv" else m.title_en for m in only))
        sheet.append([label])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    for area in others:
        sheet.append(_area_row(area, lang))


def _area_row(area: Area, lang: str) -> list[str]:
    return [area.code, area.name, LEVEL_ONE[lang].get(area.level, area.level)]


def _column(name: str, lang: str) -> str:
    """A column's heading: Swedish ones are read as the contract's; English ones are the
    contract's own (dim_sex)."""
    return heading(name, lang) if lang == "sv" else name


def _ordered(granularities: frozenset[str]) -> list[str]:
    order = list(PERIOD_WORDS["sv"])
    return sorted(granularities, key=lambda g: order.index(g) if g in order else len(order))


def _header(sheet: Worksheet, names: list[str]) -> None:
    sheet.append(names)
    for i, name in enumerate(names, start=1):
        sheet.cell(row=1, column=i).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(name) + 4))
    sheet.freeze_panes = "A2"
