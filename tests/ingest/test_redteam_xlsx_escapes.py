"""Red-team finding (2026-12-07): a workbook's text may write any character as ``_xHHHH_``
(ECMA-376 Part 1, 22.9.2.19, ST_Xstring), and Excel and LibreOffice show the character, but
openpyxl hands the escape over as it is. A cell ``_x0038_802089717`` shows 8802089717 in
Excel and was kept by the upload as it was written, past every scan; so was a comment."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from samstat_kit.db import session_factory, session_scope
from samstat_kit.workbook import read_workbook
from services.ingest.upload import service
from services.ingest.upload.models import IngestUpload

HEADER = ["measure", "area", "period", "value", "dim_age", "dim_benefit", "dim_sex"]
ROW = ["econ_assistance_recipients", "2460", "2019-05", "5", "0-10", "other", "K"]


def _book(shared: bool) -> bytes:
    book = openpyxl.Workbook(write_only=False)
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(ROW)
    if shared:  # Excel's own way: the text in the shared strings
        sheet["H1"] = "note"
        sheet["H2"] = "ESCAPED"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _escaped(text: str, shared: bool = False) -> bytes:
    """A workbook whose cell G2 holds ``text`` as written in the XML."""
    src = zipfile.ZipFile(io.BytesIO(_book(shared)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            raw = src.read(info).decode()
            if info.filename == "xl/worksheets/sheet1.xml":
                raw = re.sub(r'<c r="G2".*?</c>',
                             f'<c r="G2" t="inlineStr"><is><t>{text}</t></is></c>', raw)
            z.writestr(info, raw.replace("ESCAPED", text))
    return out.getvalue()


ESCAPED = ("_x0038_802089717", "880208_x002D_9717", "_x0038__x0038_0208_x002d_9717",
           "880208_x0020_9717")


@pytest.mark.parametrize("text", ESCAPED)
def test_a_number_written_with_xml_string_escapes_is_found(text: str) -> None:
    found = service.personal_numbers_in_file("f.xlsx", _escaped(text))
    assert found, text
    _names, lines = read_workbook(_escaped(text))
    assert "_x" not in lines[0][1]["dim_sex"]  # read as Excel shows it


def test_a_literal_escape_is_no_number_and_reads_as_excel_shows_it() -> None:
    # Excel writes the text "_x0038_802089717" as "_x005F_x0038_802089717"
    data = _escaped("_x005F_x0038_802089717")
    assert service.personal_numbers_in_file("f.xlsx", data) == []
    assert read_workbook(data)[1][0][1]["dim_sex"] == "_x0038_802089717"


def test_a_number_escaped_in_a_comment_is_found() -> None:
    from openpyxl.comments import Comment

    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.active.append(ROW)
    book.active["G2"].comment = Comment("ring _x0038_802089717", "x")
    out = io.BytesIO()
    book.save(out)
    assert service.personal_numbers_in_file("f.xlsx", out.getvalue()) == [
        service.RowError(2, "", service.PERSONAL, "(comment G2)")]


def test_an_escaped_surrogate_reads_as_a_question_mark() -> None:
    # chr(0xD800) alone is no text PostgreSQL (or UTF-8) takes
    assert read_workbook(_escaped("K_xD800_"))[1][0][1]["dim_sex"] == "K?"


def test_the_upload_page_refuses_it_and_keeps_nothing(
        ingest_db: str, upload_staff: tuple[TestClient, str]) -> None:
    c, token = upload_staff
    factory = session_factory(ingest_db)

    def uploads() -> Any:
        with session_scope(factory) as s:
            return s.scalar(select(func.count()).select_from(IngestUpload))

    before = uploads()
    for shared in (False, True):
        r = c.post("/upload", data={"csrf_token": token},
                   files={"file": ("f.xlsx", _escaped(ESCAPED[0], shared),
                                   "application/octet-stream")})
        assert r.status_code == 422, (shared, r.status_code)
    assert uploads() == before
