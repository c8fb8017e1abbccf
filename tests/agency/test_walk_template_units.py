"""A usability walk: the Swedish template's "Enhet" said ``days``, ``persons``, ``done``, and
its sheet of areas, under the upload page's "era områdens koder", listed all 313 areas of
Sweden to a municipality that reports its own and, for the others, only a milestone. The
units are in the template's language and read back (a unit column copied from the template
is the measure's unit); the areas' sheet says which are the agency's own and what the others
are for."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from samstat_kit.agency_files import fill_in, read_bytes
from samstat_kit.agency_rows import UNIT_WORDS, unit_code
from samstat_kit.checks import check_catalogue, parse_records
from samstat_kit.contracts import Measure, load_catalogue
from samstat_kit.present import formatting
from services.ingest.upload import template
from services.ingest.upload.texts import UPLOAD
from tests.workbooks import xlsx

AGENCIES = ["kommun-2460", "forsakringskassan", "scb", "kriminalvarden"]


def _sheets(agency: str, lang: str) -> list[list[list[Any]]]:
    book = openpyxl.load_workbook(io.BytesIO(template.workbook(load_catalogue(), agency, lang)))
    return [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_template_writes_units_in_its_language(lang: str) -> None:
    _first, codes, _meanings, _areas = _sheets("kommun-2460", lang)
    unit = {r[0]: r[2] for r in codes[1:]}
    assert unit["benefit_net_days"] == {"sv": "dagar", "en": "days"}[lang]
    assert unit["econ_assistance_recipients"] == {"sv": "personer", "en": "persons"}[lang]
    assert unit["sip_count"] == {"sv": "planer", "en": "plans"}[lang]
    assert unit["milestone"] == {"sv": "1 = uppnått, 0 = ej uppnått",
                                 "en": "1 = reached, 0 = not reached"}[lang]
    if lang == "sv":  # no English unit (a code) on the Swedish template
        measures = load_catalogue().measures
        assert not [u for c, u in unit.items() if u == measures[c].unit]


def _row(measure: Measure, area: str) -> list[Any]:
    dims = [min(codes) for _d, codes in sorted(measure.dimensions.items())]
    period = {"month": "2026-11", "quarter": "2026-Q4", "half": "2026-H2", "year": "2026"}
    granularity = next(g for g in period if g in measure.granularities)
    return [measure.code, area, period[granularity], measure.minimum, *dims]


@pytest.mark.parametrize("agency", AGENCIES)
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_unit_copied_from_the_template_reads_back_as_the_measure_s(agency: str,
                                                                     lang: str) -> None:
    catalogue = load_catalogue()
    _first, codes, _meanings, areas = _sheets(agency, lang)
    unit_column = codes[0].index("Enhet" if lang == "sv" else "Unit")
    written = {r[0]: r[unit_column] for r in codes[1:]}
    for code, word in written.items():
        measure = catalogue.measures[code]
        area = next(r[0] for r in areas[1:] if r[1]  # not the row before the others
                    and template._may(catalogue, agency, measure, catalogue.areas[r[0]]))
        header = ["Mått", "Område", "Period", "Värde",
                  *(f"dim_{d}" for d in sorted(measure.dimensions)), "Enhet"]
        cells = [*_row(measure, area), word]
        text = ";".join(header) + "\n" + ";".join(map(str, cells)) + "\n"
        for name, data in (("t.xlsx", xlsx(header, [cells])), ("t.csv", text.encode())):
            _fmt, rows = read_bytes(name, data)
            assert rows[0].doc["unit"] == measure.unit, (name, word)
            fill_in(rows, agency)
            [(index, obs)], problems = parse_records([r.doc for r in rows])
            assert problems == []
            assert check_catalogue(index, obs, catalogue) == [], (code, word)


def test_unit_words_are_read_whatever_their_case_or_accents() -> None:
    assert unit_code("Dagar") == unit_code("DAYS") == unit_code("days") == "days"
    assert unit_code("kronor per invanare") == "sek_per_inhabitant"
    assert unit_code("Helårsekvivalenter") == "fye"
    assert unit_code("kilo") == "kilo"  # not a unit: left for the checks to name


def test_unit_words_are_the_pages_words() -> None:
    """The reader's words (kept apart from the presentation kit, which the agencies' client
    does not carry) say what the pages say where the pages have a word."""
    for lang, words in formatting.UNIT_WORDS.items():
        for unit, word in words.items():
            if word:
                assert UNIT_WORDS[lang][unit] == word, (lang, unit)
    units = {m.unit for m in load_catalogue().measures.values()}
    assert units <= set(UNIT_WORDS["sv"]) and units <= set(UNIT_WORDS["en"])


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_areas_sheet_says_which_are_the_agency_s_own(lang: str) -> None:
    catalogue = load_catalogue()
    *_rest, areas = _sheets("kommun-2460", lang)
    assert areas[1] == ["2460", "Vännäs", "kommun" if lang == "sv" else "municipality"]
    milestone = catalogue.measures["milestone"]
    title = milestone.title_sv if lang == "sv" else milestone.title_en
    assert areas[2] == [template.OTHER_AREAS[lang]["only"].format(title), None, None]
    others = [r[0] for r in areas[3:]]
    assert len(others) == len(catalogue.areas) - 1 and "2460" not in others
    # only the milestone may be reported for them, as the row before them says
    for code in ("0000", "2480", "24"):
        area = catalogue.areas[code]
        assert [m.code for m in template.publishable(catalogue, "kommun-2460")
                if template._may(catalogue, "kommun-2460", m, area)] == ["milestone"]
    # An agency with no area of its own: every area alike, no such row.
    *_rest, theirs = _sheets("forsakringskassan", lang)
    assert all(r[1] for r in theirs[1:]) and len(theirs) == len(catalogue.areas) + 1


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_upload_page_does_not_call_every_area_yours(lang: str) -> None:
    note = UPLOAD[lang]["template_note"]
    assert "era områden" not in note and "your areas" not in note
    assert {"sv": "områden ni får rapportera för", "en": "areas you may report for"}[lang] in note
