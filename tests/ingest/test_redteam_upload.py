"""Red-team findings on the upload page's file gate: a personal identity number is found
wherever it hides in a file, not only in the cells under the header the page reads."""

from __future__ import annotations

import contextlib
import io
import re
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import func, select

from samstat_kit.agency_files import PublishError, read_sheet
from samstat_kit.db import session_factory, session_scope
from services.ingest.upload import service
from services.ingest.upload.models import IngestUpload
from tests.echo import said

HEADER = "measure;area;period;value;dim_age;dim_benefit;dim_sex\n"
ROW = "econ_assistance_recipients;2460;2019-05;5;0-10;other;K\n"


def _found(name: str, data: bytes) -> list[tuple[int, str]]:
    errors = service.personal_numbers_in_file(name, data)  # first, as the page does
    # A file refused whole (a column named twice): only the scan above looks.
    with contextlib.suppress(PublishError):
        errors += service.personal_numbers(read_sheet(name, data))
    assert "9717" not in repr(errors)
    return [(e.row, e.column) for e in errors]


@pytest.mark.parametrize("csv_text", [
    HEADER + ROW.replace("\n", ";880208-9717\n"),  # a cell beyond the header
    HEADER.replace("dim_sex", "dim_sex;dim_sex") + ROW.replace("K\n", "880208-9717;K\n"),
    HEADER + "# 880208-9717\n" + ROW,  # a comment line
])
def test_a_number_anywhere_in_a_csv_file_is_found(csv_text: str) -> None:
    assert _found("f.csv", csv_text.encode())


def test_a_number_in_the_file_name_is_found() -> None:
    assert _found("880208-9717.csv", (HEADER + ROW).encode())


def _workbook(build: str, number: str = "880208-9717") -> bytes:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    for line in (HEADER + ROW).splitlines():
        first.append(line.split(";"))
    if build in HIDDEN:
        HIDDEN[build](book, first, number)
    elif build == "second sheet":
        book.create_sheet("Notes").append(["198802089717"])
    elif build == "sheet name":
        book.create_sheet("880208-9717")
    elif build == "beyond header":
        first.cell(row=2, column=12, value=8802089717)
    elif build == "first sheet name":
        first.title = "19880208-9717"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A second red team: parts of a workbook openpyxl gives no values for.
HIDDEN: dict[str, Any] = {
    "comment": lambda _b, s, n: setattr(s["D2"], "comment", Comment(f"ring 19{n}", "x")),
    "properties": lambda b, _s, n: setattr(b.properties, "creator", n),
    "page header": lambda _b, s, n: setattr(s.oddHeader.center, "text", f"för {n}"),
    "defined name": lambda b, _s, n: b.defined_names.add(
        DefinedName("pnr", attr_text=f'"{n}"')),
    "validation prompt": lambda _b, s, n: _prompt(s, f"fråga {n.replace('-', '')}"),
}


def _prompt(sheet: Any, text: str) -> None:
    rule = DataValidation(type="whole", prompt=text, showInputMessage=True)
    sheet.add_data_validation(rule)
    rule.add("D2")


@pytest.mark.parametrize("build", ["second sheet", "sheet name", "beyond header",
                                   "first sheet name", *HIDDEN])
def test_a_number_anywhere_in_a_workbook_is_found(build: str) -> None:
    assert _found("f.xlsx", _workbook(build))


def test_a_clean_file_has_no_findings() -> None:
    assert _found("f.csv", (HEADER + ROW).encode()) == []
    assert _found("f.xlsx", _workbook("")) == []
    # Everything a workbook's parts hold beside the number: no finding of their own.
    for build in HIDDEN:
        clean = _workbook(build, "880208-9718")  # no valid number: the check digit is off
        assert _found("f.xlsx", clean) == [], build


def test_the_template_we_hand_out_has_no_findings() -> None:
    from samstat_kit.contracts import load_catalogue
    from services.ingest.upload.template import workbook

    for agency in ("kommun-2460", "forsakringskassan"):
        assert _found("mall.xlsx", workbook(load_catalogue(), agency, "sv")) == [], agency


def test_the_upload_page_refuses_such_a_file_and_keeps_nothing(
        ingest_db: str, upload_staff: tuple[TestClient, str]) -> None:
    factory = session_factory(ingest_db)
    c, token = upload_staff
    before = _uploads(factory)
    for name, data in (("880208-9717.csv", (HEADER + ROW).encode()),
                       ("f.xlsx", _workbook("sheet name")),
                       ("f.csv", (HEADER + ROW.replace("\n", ";880208 9717\n")).encode())):
        r = c.post("/upload", data={"csrf_token": token},
                   files={"file": (name, data, "application/octet-stream")})
        assert r.status_code == 422, (name, r.status_code)
        assert "9717" not in said(r.text)
    assert _uploads(factory) == before


def _uploads(factory: Any) -> int:
    with session_scope(factory) as s:
        return int(s.scalar(select(func.count()).select_from(IngestUpload)) or 0)


def test_neighbouring_strings_are_no_number_but_a_split_run_is() -> None:
    """A review: the parts' text was joined with no separator, so two strings "880208" and
    "9717" (two shared strings, two properties) read as one number and a clean file was
    refused. Runs of one rich-text string still join: its formatting may split a number."""
    import zipfile

    from samstat_kit.workbook import number_in_parts

    def zipped(xml: str) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("xl/sharedStrings.xml", f"<sst><si><t>anteckning</t></si>{xml}</sst>")
            z.writestr("docProps/core.xml", "<cp:coreProperties><dc:creator>880208"
                                            "</dc:creator><dc:title>9717</dc:title>"
                                            "</cp:coreProperties>")
        return out.getvalue()

    assert not number_in_parts(zipped("<si><t>880208</t></si><si><t>9717</t></si>"))
    assert number_in_parts(zipped('<si><r><t xml:space="preserve">ring 880208</t></r>'
                                  "<r><rPr><b/><sz val=\"11\"/></rPr><t>-9717</t></r></si>"))


def _rewritten(part: str, change: Any) -> bytes:
    """The template-like workbook with one part's bytes replaced by ``change(bytes)``."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(_workbook("clean")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            data = source.read(info.filename)
            z.writestr(info.filename, change(data) if info.filename == part else data)
    return out.getvalue()


@pytest.mark.parametrize("change", [
    # A part in UTF-16 (openpyxl reads it: the book's author is the number)
    lambda xml: xml.decode().replace(">openpyxl<", ">880208-9717<").encode("utf-16"),
    lambda xml: b"\xfe\xff" + xml.decode().replace(">openpyxl<", ">880208-9717<").encode(
        "utf-16-be"),
    # An XML comment between its digits: the property's text is the number
    lambda xml: xml.replace(b">openpyxl<", b">880208<!-- -->-9717<"),
    lambda xml: xml.replace(b">openpyxl<", b">880208<?x?>9717<"),
    # Every other way XML writes text (a review): a CDATA section, character references, a
    # DTD's entity; and a number in a comment, which nobody reads but is in the file
    lambda xml: xml.replace(b">openpyxl<", b">880208<![CDATA[-9717]]><"),
    lambda xml: xml.replace(b">openpyxl<", b">&#56;80208&#x2d;9717<"),
    lambda xml: xml.replace(b">openpyxl<", b"><!-- 880208-9717 -->openpyxl<"),
], ids=["utf-16", "utf-16-be", "comment", "processing-instruction", "cdata",
        "character-references", "inside-a-comment"])
def test_a_number_in_a_part_as_an_xml_parser_reads_it_is_found(change: Any) -> None:
    """A red team: the parts were read as UTF-8 with their comments, so a number in the
    file's properties written in UTF-16, or split by an XML comment, passed the gate."""
    data = _rewritten("docProps/core.xml", change)
    assert _found("f.xlsx", data) == [(0, "(the file's properties)")]


def test_a_number_in_a_dtd_s_entity_refuses_the_file() -> None:
    """A DTD's entity (a review) is the last way XML writes text; a part with a DTD at all
    is no workbook (its entities expand past every limit: test_redteam_upload_entities),
    so the file is refused before anything reads it."""
    data = _rewritten("docProps/core.xml", lambda xml: xml.replace(
        b"<cp:coreProperties", b'<!DOCTYPE cp:coreProperties [<!ENTITY n "-9717">]>'
        b"<cp:coreProperties", 1).replace(b">openpyxl<", b">880208&n;<"))
    assert _found("f.xlsx", data) == []
    with pytest.raises(PublishError, match="not an Excel workbook") as refused:
        service.read("f.xlsx", data)
    assert "9717" not in str(refused.value)


@pytest.mark.parametrize("header", ["&L880208&B-9717", "&C880208&\"Arial,Bold\"9717&P",
                                    "880208&KFF0000&12-9717"])
def test_a_number_split_by_a_page_header_s_codes_is_found(header: str) -> None:
    """A red team: Excel prints "880208&B-9717" in a page header as 880208-9717 (its codes
    show nothing), and the header was scanned with its codes."""
    def with_header(text: str) -> bytes:
        xml = text.replace("&", "&amp;").replace('"', "&quot;").encode()
        return _rewritten("xl/worksheets/sheet1.xml", lambda sheet: re.sub(
            rb"(<pageMargins[^>]*/>)", rb"\1<headerFooter><oddHeader>" + xml
            + rb"</oddHeader></headerFooter>", sheet))

    assert _found("f.xlsx", with_header(header)) == [(0, "(another part of the workbook)")]
    assert not _found("f.xlsx", with_header("&L880208&B sida 9717"))


def test_a_number_split_by_cdata_in_a_sheet_s_header_is_found() -> None:
    """A sheet is read as a parser reads it too: a CDATA section in its page header."""
    data = _rewritten("xl/worksheets/sheet1.xml", lambda sheet: re.sub(
        rb"(<pageMargins[^>]*/>)", rb"\1<headerFooter><oddHeader>&amp;L880208<![CDATA[-9717]]>"
        rb"</oddHeader></headerFooter>", sheet))
    assert _found("f.xlsx", data) == [(0, "(another part of the workbook)")]

