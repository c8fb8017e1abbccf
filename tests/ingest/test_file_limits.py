"""What a file can cost a server that reads it (a review): workbooks that claim or hold
millions of cells, that unpack to gigabytes, CSV files of millions of short lines, and an
SDMX UNIT_MULT of any size. Each is refused with its reason, reading no further than the
limit; none is a 500 or minutes of a worker."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from samstat_kit.agency_files import PublishError, read_sheet, sheet_rows
from samstat_kit.workbook import MAX_PARTS, MAX_UNZIPPED, Cells, TooLarge, read_workbook
from services.ingest.upload import service

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
    '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
    '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
    'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/'
    'workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0"?><workbook {_NS} xmlns:r="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" '
    'sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
    '"worksheets/sheet1.xml"/></Relationships>',
}


def _text(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(rows: list[list[str]], dimension: str | None = None,
             filler: bytes = b"") -> bytes:
    """A minimal XLSX of inline strings; ``dimension`` what its sheet claims; ``filler``
    bytes of white space in the sheet (compressed to almost nothing)."""
    cols = "ABCDEFGHIJ"
    body = "".join(f'<row r="{n}">' + "".join(_text(f"{cols[i]}{n}", v)
                                               for i, v in enumerate(r)) + "</row>"
                   for n, r in enumerate(rows, start=1))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (f'<?xml version="1.0"?><worksheet {_NS}>{dim}<sheetData>{body}</sheetData>'
             f'</worksheet>').encode()
    return _zipped(sheet.replace(b"<sheetData>", b"<sheetData>" + filler, 1))


def wide(rows: int, cols: int) -> bytes:
    """``rows`` rows of ``cols`` numeric cells (no cell references: deflates ~1000:1)."""
    row = b"<row>" + b"<c><v>1</v></c>" * cols + b"</row>"
    return _zipped(b'<?xml version="1.0"?><worksheet ' + _NS.encode() + b"><sheetData>"
                   + row * rows + b"</sheetData></worksheet>")


def _zipped(sheet: bytes) -> bytes:
    """A workbook of the minimal parts and this first sheet."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, part in _PARTS.items():
            z.writestr(name, part)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


HEADER = ["agency", "measure", "area", "period", "value"]
ROW = ["kommun-2460", "gk_referrals", "2460", "2023-10", "12"]


def test_a_claimed_dimension_is_not_read_as_cells() -> None:
    """The sheet claims A1:XFD1048576 and holds two rows: openpyxl used to pad each row to
    16,384 cells and every missing row up to the millionth (2 ms a row)."""
    data = workbook([HEADER, ROW], dimension="A1:XFD1048576")
    names, lines = read_workbook(data, Cells(100))  # ten cells hold the two rows
    assert names == HEADER and [n for n, _c, _e in lines] == [2]


def test_a_workbook_of_millions_of_cells_stops_at_the_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = wide(200, 1000)  # 200,000 cells in 7 KiB
    assert len(data) < 10_000
    with pytest.raises(TooLarge, match="more than 5000 cells"):
        read_workbook(data, Cells(5000))
    # an upload's reads stop at the service's budget (smaller here: the real one is
    # reached after a few seconds of openpyxl)
    monkeypatch.setattr(service, "MAX_CELLS", 5000)
    with pytest.raises(PublishError, match="more than 5000 cells"):
        service.read("wide.xlsx", data)
    # the scan for personal numbers reads every sheet under the same budget
    with pytest.raises(PublishError, match="more than 5000 cells"):
        service.personal_numbers_in_file("wide.xlsx", data)
    # two million cells (30 MB of sheet in 63 KiB): an upload refuses it unopened
    bomb = wide(2000, 1000)
    for read in (lambda: service.read("bomb.xlsx", bomb),
                 lambda: service.personal_numbers_in_file("bomb.xlsx", bomb)):
        with pytest.raises(PublishError, match="unpacks to more than 16 MiB"):
            read()


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused_before_it_is_parsed() -> None:
    data = workbook([HEADER, ROW], filler=b" " * (MAX_UNZIPPED + 1))
    assert len(data) < MAX_UNZIPPED // 500
    for read in (lambda: read_sheet("big.xlsx", data),
                 lambda: service.personal_numbers_in_file("big.xlsx", data)):
        with pytest.raises(PublishError, match="unpacks to more than"):
            read()


def test_a_csv_of_too_many_rows_is_refused_at_the_first_row_too_many() -> None:
    text = ",".join(HEADER) + "\n" + (",".join(ROW) + "\n") * (service.MAX_ROWS + 1)
    with pytest.raises(PublishError, match=f"at most {service.MAX_ROWS} rows"):
        service.read("many.csv", text.encode())
    # the CLI reads its own files without that limit
    assert len(read_sheet("many.csv", text.encode()).lines) == service.MAX_ROWS + 1


SDMX = "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE,UNIT_MULT\n"


@pytest.mark.parametrize("mult", ["400", "5000", "30000000", "-400", "abc", "1.5", "16"])
def test_a_unit_mult_out_of_range_is_the_rows_error_naming_the_column(mult: str) -> None:
    sheet = read_sheet("f.csv", (SDMX + f"dataflow,SAMSTAT:DF_SICK(1.0),I,2480,F,2023-10,"
                                          f"1.5,{mult}\n").encode())
    [row] = sheet_rows(sheet)
    assert [(e.row, e.column) for e in row.parse_errors] == [(2, "UNIT_MULT")]
    assert "UNIT_MULT must be a whole number from -15 to 15" in row.parse_errors[0].reason


@pytest.mark.parametrize(("value", "mult", "scaled"), [
    ("7", "-1", 0.7), ("3", "3", 3000), ("1.5", "2", 150), ("12", "0", 12)])
def test_a_unit_mult_in_range_scales_in_decimal(value: str, mult: str, scaled: float) -> None:
    sheet = read_sheet("f.csv", (SDMX + f"dataflow,SAMSTAT:DF_SICK(1.0),I,2480,F,2023-10,"
                                          f"{value},{mult}\n").encode())
    [row] = sheet_rows(sheet)
    assert row.parse_errors == [] and row.doc["value"] == scaled


def test_the_upload_page_reads_no_further_than_an_upload_keeps(
        upload_staff: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch) -> None:
    client, csrf = upload_staff
    monkeypatch.setattr(service, "MAX_ROWS", 3)
    text = ",".join(HEADER) + "\n" + (",".join(ROW) + "\n") * 4
    r = client.post("/upload", data={"csrf_token": csrf},
                    files={"file": ("many.csv", text.encode(), "text/csv")})
    # the page's words for the reader's "at most 3 rows per file" (the limit named)
    assert r.status_code == 422 and "Filen togs inte emot. Den har fler än 3 rader" in r.text


def test_a_file_wider_than_an_upload_keeps_is_refused_before_its_headings_are_judged(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A red team's CSV of 300,000 headings (2 MB) held a worker for a minute while each
    heading was judged, and 3,000 one-cell rows under 300 ``dim_`` headings drew a 100 MB
    preview in 36 s each time it was opened: a row is shown and checked as wide as its
    header, so the width counts, whatever the format."""
    many = ",".join([*HEADER, *(f"dim_x{i}" for i in range(service.MAX_COLUMNS))])
    with pytest.raises(PublishError, match=f"at most {service.MAX_COLUMNS} columns"):
        service.read("wide.csv", (many + "\n" + ",".join(ROW) + "\n").encode())
    unknown = ",".join(f"q{i}" for i in range(300_000)) + "\n1\n"
    with pytest.raises(PublishError, match=f"at most {service.MAX_COLUMNS} columns"):
        service.read("unknown.csv", unknown.encode())
    # the longest file an upload keeps fits in an SDMX-CSV's some fifteen columns
    sdmx_wide = ",".join([*HEADER, *(f"dim_x{i}" for i in range(15 - len(HEADER)))])
    full = sdmx_wide + "\n" + "x\n" * service.MAX_ROWS
    assert len(service.read("long.csv", full.encode()).lines) == service.MAX_ROWS
    # rows of one cell under a wide header count as wide as the header
    monkeypatch.setattr(service, "MAX_GRID", 1000)
    monkeypatch.setattr(service, "MAX_CELLS", 1000)
    header = ",".join([*HEADER, *(f"dim_x{i}" for i in range(45))])  # 50 columns
    text = header + "\n" + "x\n" * 21
    with pytest.raises(PublishError, match="more than 1000 cells"):
        service.read("tall.csv", text.encode())
    assert len(service.read("ok.csv", (header + "\n" + "x\n" * 20).encode()).lines) == 20
    # a workbook's budget counts the cells its rows have: one each, here
    book = workbook([[*HEADER, *(f"dim_x{i}" for i in range(5))]] + [["x"]] * 101)
    with pytest.raises(PublishError, match="more than 1000 cells"):
        service.read("tall.xlsx", book)


def test_the_upload_page_says_a_file_is_too_wide_in_the_readers_words(
        upload_staff: tuple[TestClient, str]) -> None:
    client, csrf = upload_staff
    unknown = ",".join(f"q{i}" for i in range(300_000)) + "\n1\n"
    r = client.post("/upload", data={"csrf_token": csrf},
                    files={"file": ("wide.csv", unknown.encode(), "text/csv")})
    assert r.status_code == 422
    assert f"Den har fler än {service.MAX_COLUMNS} kolumner" in r.text
    assert "q299999" not in r.text


def test_a_workbook_of_many_parts_is_refused_before_they_are_read(
        upload_staff: tuple[TestClient, str]) -> None:
    """A red team's 6 MiB workbook of 70,000 empty parts held a worker for ten seconds:
    every part was opened and scanned, and every reader read the zip directory again."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"")
        for i in range(MAX_PARTS):
            z.writestr(f"x/{i}", b"")
    data = buf.getvalue()
    for read in (lambda: read_sheet("parts.xlsx", data),
                 lambda: service.personal_numbers_in_file("parts.xlsx", data)):
        with pytest.raises(PublishError, match=f"more than {MAX_PARTS} parts"):
            read()
    client, csrf = upload_staff
    r = client.post("/upload", data={"csrf_token": csrf},
                    files={"file": ("parts.xlsx", data, "application/octet-stream")})
    assert r.status_code == 422 and f"fler än {MAX_PARTS} delar" in r.text
    # a workbook of a usual number of parts is read as before
    assert read_sheet("ok.xlsx", workbook([HEADER, ROW])).lines
