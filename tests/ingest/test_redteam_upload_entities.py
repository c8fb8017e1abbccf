"""Red-team finding (2026-12-07, second upload round): XML entities in a workbook's parts.

A part may declare internal entities in a DTD (``<!DOCTYPE x [<!ENTITY e "xxx…">]>``) and
refer to them thousands of times; a parser expands each reference. Expat bounds the
expansion only to a hundred times the input past its first 8 MiB, so a file of a few
kilobytes (the references compress to nothing) unpacks, *as parsed*, to gigabytes, past
every limit of the upload, which counts only what the zip declares:

* in a part openpyxl never reads, the upload's scan of every part parsed it: an 8 KB upload
  took 11 s of CPU and 1.8 GB of memory at a fifth of the room the limit leaves (a worker
  killed for its memory at full size);
* in the first sheet, openpyxl expanded it into one cell, which the upload kept: a 6 KB
  file was kept with an 84 MB cell, read again on every page of the upload.

No Excel or LibreOffice file has a DTD (OOXML parts have none); such a part is no workbook
and is refused before anything parses it."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

from samstat_kit.agency_files import PublishError, read_sheet
from samstat_kit.workbook import NotAWorkbook, parts_with_number
from services.ingest.upload import service
from tests.tables import count_uploads
from tests.workbooks import xlsx

HEADER = ["measure", "area", "period", "value", "dim_duration", "dim_cause", "dim_sex"]
ROW = ["econ_assistance_recipients", "2460", "2019-05", 41, "0-10", "other", "K"]
DTD = '<!DOCTYPE x [<!ENTITY e "' + "x" * 280 + '">]>'
REFERENCES = 20_000  # 5.6 MB as parsed, from a few kilobytes


def _with_entities(where: str) -> bytes:
    """The workbook, its part ``where`` with a DTD (and, in the sheet, cell G2 or, in a part
    of its own, the root made of references to the entity)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx(HEADER, [ROW])))
    out = io.BytesIO()
    refs = "&e;" * REFERENCES
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            raw = src.read(info).decode()
            if info.filename == where:
                raw = re.sub(r"^(<\?xml[^>]*\?>)?", lambda m: (m.group(1) or "") + DTD, raw,
                             count=1)
                raw = re.sub(r'<c r="G2"[^>]*>.*?</c>',
                             f'<c r="G2" t="inlineStr"><is><t>{refs}</t></is></c>', raw)
            z.writestr(info, raw)
        if where == "customXml/item1.xml":  # a part openpyxl never opens
            z.writestr(where, f'<?xml version="1.0"?>{DTD}<a>{refs}</a>')
    return out.getvalue()


PLACES = ["customXml/item1.xml", "xl/worksheets/sheet1.xml"]


@pytest.mark.parametrize("where", PLACES)
def test_a_part_with_a_dtd_is_no_workbook(where: str) -> None:
    data = _with_entities(where)
    assert len(data) < 20_000
    with pytest.raises(NotAWorkbook):
        parts_with_number(data)
    assert service.personal_numbers_in_file("f.xlsx", data) == []  # read_sheet says why
    with pytest.raises(PublishError, match="not an Excel workbook"):
        service.read("f.xlsx", data)
    with pytest.raises(PublishError, match="not an Excel workbook"):
        read_sheet("f.xlsx", data)  # the CLI's reading too: no 5.6 MB cell


@pytest.mark.parametrize("where", PLACES)
def test_the_page_refuses_it_and_keeps_nothing(
        where: str, upload_staff: tuple[TestClient, str], ingest_db: str) -> None:
    c, token = upload_staff

    before = count_uploads(ingest_db)
    r = c.post("/upload", data={"csrf_token": token},
               files={"file": ("f.xlsx", _with_entities(where), "application/octet-stream")})
    assert r.status_code == 422 and "Excel" in r.text and len(r.content) < 100_000
    assert count_uploads(ingest_db) == before
