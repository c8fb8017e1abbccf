"""Review findings on the upload pages: a personal identity number the raw scan did not see,
made by what the upload itself does between reading and keeping or showing: a file name cut
to its column, a route parameter FastAPI parses, a cell read as a number, a date-formatted
workbook cell openpyxl cannot convert (and warns about on stderr), openpyxl's own errors."""

from __future__ import annotations

import io
import warnings
import zipfile
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from samstat_kit.agency_files import PublishError, Sheet, read_sheet
from samstat_kit.db import session_factory, session_scope
from services.ingest.upload import service
from services.ingest.upload.models import IngestUpload
from tests.echo import said

HEADER = "measure;area;period;value;dim_duration;dim_cause;dim_sex\n"
ROW = "econ_assistance_recipients;2460;2019-05;41;0-10;other;K\n"
TRACES = ("8802089717", "198802089717", "8802089790")  # the numbers used here, any spelling
LONG_NAME = "a" * 188 + "19880208971799.csv"  # whole, no number; cut to 200, one
PARSED_INTO_A_NUMBER = {
    "value with thousands spaces": HEADER + ROW.replace(";41;", ";198 802 089 717;"),
    "value in Excel's notation": HEADER + ROW.replace(";41;", ";1,98802089717E11;"),
    "escaped key in a dimensions cell": (
        "measure;area;period;value;dimensions\n"
        'econ_assistance_recipients;2460;2019-05;5;"{""duration"": ""0-10"", ""cause"": '
        '""other"", ""sex"": ""K"", ""\\u0038802089717"": ""K""}"\n'),
    "SDMX value times UNIT_MULT": (  # 880208979 × 10 = 8802089790
        "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,DURATION,CAUSE,SEX,TIME_PERIOD,OBS_VALUE,"
        "UNIT_MULT\ndataflow,SAMSTAT:ECON_ASSISTANCE_RECIPIENTS(1.0),I,2460,M0T10,other,F,"
        "2019-M06,880208979,1\n"),
}


def _clean(text: str) -> bool:
    return not any(t in text for t in TRACES)


def _uploads(factory: Any) -> int:
    with session_scope(factory) as s:
        return int(s.scalar(select(func.count()).select_from(IngestUpload)) or 0)


def _post(upload_staff: tuple[TestClient, str], name: str, data: bytes) -> Any:
    c, token = upload_staff
    return c.post("/upload", data={"csrf_token": token},
                  files={"file": (name, data, "application/octet-stream")})


# ------------------------------------------------------------------ U1 the file name


def test_a_name_that_becomes_a_number_when_cut_is_refused(session: Session) -> None:
    found = service.personal_numbers_in_file(LONG_NAME, (HEADER + ROW).encode())
    assert [(e.row, e.column) for e in found] == [(0, "(file name)")]
    assert service.stored_name(LONG_NAME).endswith("198802089717")
    with pytest.raises(service.PersonalNumbers) as refused:  # any caller of stage
        service.stage(session=session, agency="kommun-2460", actor="k@vannas.se",
                      filename=LONG_NAME, sheet=read_sheet("f.csv", (HEADER + ROW).encode()))
    assert [(e.row, e.column) for e in refused.value.found] == [(0, "(file name)")]


def test_the_page_keeps_and_shows_no_such_name(upload_staff: tuple[TestClient, str],
                                               ingest_db: str) -> None:
    before = _uploads(session_factory(ingest_db))
    r = _post(upload_staff, LONG_NAME, (HEADER + ROW).encode())
    assert r.status_code == 422 and _clean(r.text)
    assert _uploads(session_factory(ingest_db)) == before
    assert _clean(upload_staff[0].get("/upload").text)


# ------------------------------------------------------- #6 row numbers FastAPI parses


@pytest.mark.parametrize("spelling", ["08802089717", "880208_9717", "+08802089717"])
def test_a_row_parameter_parsed_into_a_number_is_refused_unechoed(
        upload_staff: tuple[TestClient, str], spelling: str) -> None:
    c, token = upload_staff
    r = _post(upload_staff, "f.csv", (HEADER + ROW).encode())
    assert r.status_code == 303, r.text
    page = r.headers["location"]
    shown = c.get(page, params={"fixed": spelling})
    assert shown.status_code == 422 and _clean(shown.text)
    fixed = c.post(f"{page}/rows/{spelling}", data={"csrf_token": token, "c3": "40"})
    assert fixed.status_code == 422 and _clean(fixed.text)


def test_only_a_row_of_the_upload_is_named(upload_staff: tuple[TestClient, str]) -> None:
    c, token = upload_staff
    page = _post(upload_staff, "f.csv", (HEADER + ROW).encode()).headers["location"]
    assert "role=\"status\"" in c.get(page, params={"fixed": 2}).text
    assert "role=\"status\"" not in c.get(page, params={"fixed": 777}).text
    r = c.post(f"{page}/rows/777", data={"csrf_token": token, "c3": "40"})
    assert r.status_code == 404 and "777" not in said(r.text)
    assert c.post(f"{page}/rows/2", data={"csrf_token": token, "c3": "40"}).status_code == 303


def test_fix_row_names_no_row_the_upload_lacks(session: Session) -> None:
    upload = service.stage(session=session, agency="kommun-2460", actor="k@vannas.se",
                           filename="f.csv", sheet=read_sheet("f.csv", (HEADER + ROW).encode()))
    with pytest.raises(service.NotFound) as missing:
        service.fix_row(session=session, upload=upload, number=8802089717, cells={})
    assert _clean(str(missing.value))


def test_a_row_number_beyond_a_sheet_is_not_kept(session: Session) -> None:
    cells = dict(zip(HEADER.strip().split(";"), ROW.strip().split(";"), strict=True))
    sheet = Sheet("csv", list(cells), [(service.MAX_ROW_NUMBER + 1, cells, 0)])
    with pytest.raises(PublishError, match="beyond row"):
        service.stage(session=session, agency="kommun-2460", actor="k@vannas.se",
                      filename="f.csv", sheet=sheet)


# -------------------------------------------------- #7 cells the reader makes numbers of


@pytest.mark.parametrize("text", PARSED_INTO_A_NUMBER.values(), ids=PARSED_INTO_A_NUMBER)
def test_cells_read_as_a_number_are_found(text: str) -> None:
    sheet = read_sheet("f.csv", text.encode())
    assert service.personal_numbers_in_file("f.csv", text.encode()) == []  # raw: none
    found = service.personal_numbers(sheet)
    assert found and all(e.row == 2 and e.column for e in found)
    assert _clean(repr(found))


@pytest.mark.parametrize("text", PARSED_INTO_A_NUMBER.values(), ids=PARSED_INTO_A_NUMBER)
def test_the_page_keeps_no_file_whose_cells_read_as_a_number(
        upload_staff: tuple[TestClient, str], ingest_db: str, text: str) -> None:
    before = _uploads(session_factory(ingest_db))
    r = _post(upload_staff, "f.csv", text.encode())
    assert r.status_code == 422 and _clean(r.text)
    assert "Personnummer hittades" in r.text or "personal identity number" in r.text
    assert _uploads(session_factory(ingest_db)) == before


# What a browser makes of a cell: a table cell shows a run of white space as one space, a
# form field's value drops line breaks, zero-width and control characters show nothing.
SHOWN_AS_A_NUMBER = {
    "line break in a quoted cell": '"880208\n9717"',
    "tabs": "880208\t\t9717",
    "zero-width space": "880208\u200b9717",
    "direction marks": "8802\u200e08\u200f9717",
}


@pytest.mark.parametrize("cell", SHOWN_AS_A_NUMBER.values(), ids=SHOWN_AS_A_NUMBER)
def test_cells_a_page_would_show_as_a_number_are_found(cell: str) -> None:
    data = (HEADER + ROW.replace(";K\n", f";{cell}\n")).encode()
    assert [(e.row, e.column) for e in service.personal_numbers(read_sheet("f.csv", data))] \
        == [(2, "dim_sex")]
    header = HEADER.replace("dim_sex", "dim_880208\u200b9717") + ROW.replace(";K\n", ";1\n")
    found = service.personal_numbers(read_sheet("f.csv", header.encode()))
    columns = {e.column for e in found}
    assert "(header)" in columns  # the column is not named
    assert not any("9717" in c or "880208" in c for c in columns)


def test_the_page_keeps_no_cell_it_would_show_as_a_number(
        upload_staff: tuple[TestClient, str]) -> None:
    c, token = upload_staff
    r = _post(upload_staff, "f.csv", (HEADER + ROW.replace(";K\n", ';"880208\n9717"\n')).encode())
    assert r.status_code == 422 and "9717" not in said(r.text)
    page = _post(upload_staff, "f.csv", (HEADER + ROW).encode()).headers["location"]
    fixed = c.post(f"{page}/rows/2", data={"csrf_token": token, "c6": "880208\u200b9717"})
    assert fixed.status_code == 422 and "9717" not in said(fixed.text)


def test_a_fixed_row_read_as_a_number_is_refused(session: Session) -> None:
    upload = service.stage(session=session, agency="kommun-2460", actor="k@vannas.se",
                           filename="f.csv", sheet=read_sheet("f.csv", (HEADER + ROW).encode()))
    for value in ("198 802 089 717", "1,98802089717E11"):
        with pytest.raises(PublishError, match="personal identity number") as refused:
            service.fix_row(session=session, upload=upload, number=2, cells={"value": value})
        assert _clean(str(refused.value))
    assert upload.lines[0][1]["value"] == "41"  # unchanged


# ------------------------------------------------ #8 what openpyxl does with a workbook


def _workbook(date_cell: Any = None, number_cell: Any = None) -> bytes:
    """The value cell (D2) a date-formatted ``date_cell`` or a plain ``number_cell``."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for line in (HEADER + ROW).splitlines():
        sheet.append(line.split(";"))
    if date_cell is not None:
        cell = sheet.cell(row=2, column=4, value=date_cell)
        cell.number_format = "yyyy-mm-dd"
    if number_cell is not None:
        sheet.cell(row=2, column=4, value=number_cell)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_date_cell_holding_a_number_is_found_and_not_logged(
        capfd: pytest.CaptureFixture[str]) -> None:
    data = _workbook(date_cell=198802089717)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        found = service.personal_numbers_in_file("f.xlsx", data)
        with pytest.raises(PublishError) as refused:
            read_sheet("f.xlsx", data)
    assert found and _clean(repr(found))
    assert "personal identity number" in str(refused.value) and _clean(str(refused.value))
    assert not said  # openpyxl's warning quotes the serial: it never reaches the log
    assert _clean(capfd.readouterr().err)


def test_a_date_cell_that_is_a_date_reads_as_before() -> None:
    from datetime import datetime

    data = _workbook(date_cell=datetime(2019, 5, 1))
    assert service.personal_numbers_in_file("f.xlsx", data) == []
    assert read_sheet("f.xlsx", data).lines[0][1]["value"] == "2019-05-01T00:00:00"


def _raw_cell(xml_value: bytes) -> bytes:
    """A workbook whose value cell (D2) holds ``xml_value`` as written in its XML."""
    source = zipfile.ZipFile(io.BytesIO(_workbook(number_cell=12345)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"<v>12345</v>" in data
                data = data.replace(b"<v>12345</v>", xml_value)
            z.writestr(item, data)
    return out.getvalue()


def test_openpyxl_errors_quoting_a_cell_are_not_repeated(
        upload_staff: tuple[TestClient, str]) -> None:
    data = _raw_cell(b"<v>880208-9717</v>")  # a number cell openpyxl cannot cast
    for read in (lambda: service.personal_numbers_in_file("f.xlsx", data),
                 lambda: read_sheet("f.xlsx", data)):
        with pytest.raises(PublishError) as refused:
            read()
        assert "9717" not in str(refused.value)
    r = _post(upload_staff, "f.xlsx", data)
    assert r.status_code == 422 and "9717" not in said(r.text)


def test_a_csv_cell_beyond_the_csv_modules_limit_is_a_clear_error() -> None:
    from samstat_kit.agency_files import PublishError

    with pytest.raises(PublishError, match="cannot be read"):
        read_sheet("f.csv", ("area;value\n" + "x" * 200_000 + ";1\n").encode())
