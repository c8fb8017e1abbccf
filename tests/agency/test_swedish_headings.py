"""A file with the headings agency staff write ("Mått", "Område", "Kön") reads as the
contract's fields, alike for ``samstat publish``, the client and the upload page (one reader:
samstat_kit.agency_files with samstat_kit.headers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from samstat_kit import headers
from samstat_kit.agency_files import PublishError, read_bytes, read_sheet
from samstat_kit.contracts import load_catalogue
from tests.workbooks import xlsx

ROW = ["econ_assistance_recipients", "2460", "2026-11", 41, "0-10", "ill_health", "K"]
CONTRACT = ["measure", "area", "period", "value", "dim_duration", "dim_cause", "dim_sex"]


def _xlsx(header: list[str], *rows: list[object]) -> bytes:
    return xlsx(header, rows)


@pytest.mark.parametrize("header", [
    ["Mått", "Område", "Period", "Värde", "Varaktighet", "Orsak", "Kön"],
    ["MÅTT", "omrade", " period ", "varde", "VARAKTIGHET", "orsak", "kon"],
    ["Measure", "Area", "Period", "Value", "Duration", "Cause", "Sex"],
    ["measure", "area", "period", "value", "DIM_DURATION", "dim cause", "sex"],
])
def test_swedish_and_english_headings_read_as_the_contract_s(header: list[str]) -> None:
    fmt, [row] = read_bytes("nov.xlsx", _xlsx(header, ROW))
    _, [same] = read_bytes("nov.xlsx", _xlsx(CONTRACT, ROW))
    assert fmt == "xlsx" and row.doc == same.doc
    assert row.column_of("dimensions.sex") == header[6]  # findings name the file's column
    text = ";".join(header) + "\n" + ";".join(map(str, ROW)) + "\n"
    assert read_bytes("nov.csv", text.encode())[1][0].doc == same.doc


def test_the_cli_reads_swedish_headings_as_the_upload_does(tmp_path: Path) -> None:
    from samstat import publish as pub  # the CLI's own reader path

    path = tmp_path / "nov.csv"
    path.write_text("Mått;Område;Period;Värde;Varaktighet;Orsak;Kön\n"
                    + ";".join(map(str, ROW)) + "\n", encoding="utf-8")
    assert pub.read_rows(path)[1][0].doc["dimensions"] == {
        "duration": "0-10", "cause": "ill_health", "sex": "K"}


def test_two_headings_for_one_field_are_refused() -> None:
    with pytest.raises(PublishError, match="both name dim_sex"):
        read_sheet("f.csv", b"measure;area;period;value;Kon;dim_sex\nm;1;2026;1;K;K\n")


def test_every_catalogue_dimension_has_names_and_no_alias_is_ambiguous() -> None:
    dims = {d for m in load_catalogue().measures.values() for d in m.dimensions}
    assert dims <= set(headers.DIMENSION_NAMES)
    seen: dict[str, str] = {}
    for field, names in [*headers.FIELD_NAMES.items(),
                         *((headers.DIM_PREFIX + d, n) for d, n in
                           headers.DIMENSION_NAMES.items())]:
        for name in names:
            assert seen.setdefault(headers.key(name), field) == field, name
    assert not set(headers.LIKELY) & set(headers.ALIASES)  # suggested, never read as


def test_the_header_check_names_unknown_headings_and_what_they_could_be() -> None:
    problem = headers.header_problem(["Mått", "Kommun", "Period", "Antal", "Kommentar"])
    assert problem is not None
    assert problem.unknown == [("Kommun", "area"), ("Antal", "value"), ("Kommentar", None)]
    assert problem.missing == ["area", "value"]
    assert headers.header_problem(["Mått", "Område", "Period", "Värde", "Kön"]) is None


@pytest.mark.parametrize(("cause", "sex", "read"), [
    ("Ohälsa", "Kvinnor", ("ill_health", "K")),
    ("ARBETSLOSHET", "män", ("unemployment", "M")),
    ("ill health", "Totalt", ("ill_health", "_T")),
    ("other", "women", ("other", "K")),
    ("sjuk", "X", ("sjuk", "X")),  # no code is called that: the checks name the allowed ones
])
def test_a_code_written_by_its_name_reads_as_the_code(cause: str, sex: str,
                                                      read: tuple[str, str]) -> None:
    """Staff write what the template's list of codes says a code means ("Kvinnor",
    "ohälsa"), in Swedish or English, any case or accents."""
    header = ["Mått", "Område", "Period", "Värde", "Varaktighet", "Orsak", "Kön"]
    row = [*ROW[:5], cause, sex]
    _fmt, [got] = read_bytes("nov.xlsx", _xlsx(header, row))
    assert (got.doc["dimensions"]["cause"], got.doc["dimensions"]["sex"]) == read
    text = ";".join(header) + "\n" + ";".join(map(str, row)) + "\n"
    assert read_bytes("nov.csv", text.encode())[1][0].doc == got.doc


def test_a_name_is_read_only_as_a_code_of_its_own_dimension() -> None:
    catalogue = load_catalogue()
    assert catalogue.code_named("sex", "ohälsa", "econ_assistance_recipients") is None
    assert catalogue.code_named("cause", "Ohälsa", "econ_assistance_recipients") == "ill_health"
    assert catalogue.code_named("cause", "kvinnor") is None
    # one name in both languages is still one code's (a review: it was taken as two)
    assert catalogue.code_named("torget", "Ungdomstorget") == "ungdomstorget"


@pytest.mark.parametrize(("measure", "area"), [
    ("Personer med ekonomiskt bistånd", "Vännäs"),
    ("recipients of economic assistance", "vännäs kommun"),
    ("econ_assistance_recipients", "2460"),
])
def test_a_measure_and_an_area_written_by_name_read_as_codes(measure: str, area: str) -> None:
    """A second walk: staff wrote the measure's title and the municipality's name from the
    template's lists, and fixed every row by hand, one error at a time."""
    header = ["Mått", "Område", "Period", "Värde", "Varaktighet", "Orsak", "Kön"]
    _fmt, [row] = read_bytes("nov.xlsx", _xlsx(header, [measure, area, *ROW[2:]]))
    assert (row.doc["measure"], row.doc["area"]) == ("econ_assistance_recipients", "2460")
    _fmt, [odd] = read_bytes("nov.xlsx", _xlsx(header, ["Bistånd", "Vännäs stad", *ROW[2:]]))
    assert (odd.doc["measure"], odd.doc["area"]) == ("Bistånd", "Vännäs stad")  # as written
