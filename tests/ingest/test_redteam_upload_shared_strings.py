"""Red-team finding (2026-12-07, second upload round): one shared string, many cells.

A workbook keeps each text once, in its shared strings, and a cell names it by index. The
limits of a workbook count what its parts unpack to and how many cells it has, not the text
the cells hold: a string of 100,000 characters named by 2,000 cells is a 12 KB upload that
reads as 200 MB of cells. The upload scanned and kept them all (22 s of CPU before a row was
stored); at 20,000 rows and a string of 700 KB, 14 GB, past the memory of any worker.

The text a reading yields counts against the same room as what the parts unpack to: the
cells of a workbook hold no more text than its parts may unpack to."""

from __future__ import annotations

import io
import zipfile

import pytest
from fastapi.testclient import TestClient

from samstat_kit.agency_files import PublishError, read_sheet
from samstat_kit.workbook import Cells, TooLarge, read_workbook
from services.ingest.upload import service
from tests.tables import count_uploads

HEADER = ["measure", "area", "period", "value", "dim_duration", "dim_cause", "dim_sex"]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _workbook(rows: int, size: int) -> bytes:
    """A header, then ``rows`` rows whose cell F names one shared string of ``size``
    characters."""
    strings = [*HEADER, "x" * size]
    sst = f'<sst xmlns="{MAIN}">' + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>"
    cells = "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCDEFG"))
    body = "".join(f'<row r="{r}"><c r="F{r}" t="s"><v>7</v></c></row>'
                   for r in range(2, rows + 2))
    parts = {
        "[Content_Types].xml":
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{RELS.replace("http://schemas.openxmlformats.org/package/2006/", "application/vnd.openxmlformats-package.")}+xml"/>'  # noqa: E501
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{TYPES}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{TYPES}.sharedStrings+xml"/></Types>',
        "_rels/.rels":
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml":
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets><sheet name="Blad1" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels":
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/worksheet" '
            'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
            f'Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/sharedStrings.xml": sst,
        "xl/worksheets/sheet1.xml":
            f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{cells}</row>{body}'
            "</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in parts.items():
            z.writestr(name, xml)
    return out.getvalue()


def test_a_small_workbook_whose_cells_repeat_one_long_string_is_refused() -> None:
    data = _workbook(200, 100_000)  # 20 MB of cells
    assert len(data) < 5_000
    with pytest.raises(TooLarge, match="unpacks to more than 16 MiB"):
        read_workbook(data, Cells(unzipped=16 * 2**20))
    with pytest.raises(PublishError, match="unpacks to more than"):
        service.personal_numbers_in_file("f.xlsx", data)
    with pytest.raises(PublishError, match="unpacks to more than"):
        service.read("f.xlsx", data)
    with pytest.raises(PublishError, match="unpacks to more than"):
        read_sheet("f.xlsx", data, cells=Cells(unzipped=16 * 2**20))


def test_a_shared_string_named_often_within_the_room_is_read() -> None:
    names, lines = read_workbook(_workbook(200, 1_000))
    assert names == HEADER and len(lines) == 200 and lines[0][1]["dim_cause"] == "x" * 1_000


def test_the_page_refuses_it_and_keeps_nothing(upload_staff: tuple[TestClient, str],
                                               ingest_db: str) -> None:
    c, token = upload_staff

    before = count_uploads(ingest_db)
    r = c.post("/upload", data={"csrf_token": token},
               files={"file": ("f.xlsx", _workbook(200, 100_000), "application/octet-stream")})
    assert r.status_code == 422 and "MiB" in r.text
    assert count_uploads(ingest_db) == before
