"""Red-team findings (2026-12-07, second upload round): a workbook's zip parts that openpyxl
never opens are still read by the upload's scan of every part
(:func:`samstat_kit.workbook.parts_with_number`), and that reading trusted every part to be
readable. A part with a wrong CRC, one compressed by a method Python's zipfile lacks
(Deflate64, which Windows' own zipper writes) or one marked encrypted raised out of the scan:
a 500 and a traceback, not the page's reason; and the unreadable part, which may hold the
number, was never looked into. A part's *name* was not scanned at all."""

from __future__ import annotations

import io
import struct
import zipfile

import openpyxl
import pytest
from fastapi.testclient import TestClient

from samstat_kit.agency_files import PublishError
from samstat_kit.workbook import NotAWorkbook, parts_with_number
from services.ingest.upload import service
from tests.echo import said
from tests.tables import refused_upload
from tests.workbooks import xlsx

HEADER = ["measure", "area", "period", "value", "dim_duration", "dim_cause", "dim_sex"]
ROW = ["econ_assistance_recipients", "2460", "2019-05", 41, "0-10", "other", "K"]
TRACES = ("8802089717", "19880208-9717", "extra", "Traceback", "CRC", "password")


def _with_part(name: str, content: bytes) -> bytes:
    """The workbook with one more part, stored (not compressed), that openpyxl never reads."""
    src = zipfile.ZipFile(io.BytesIO(xlsx(HEADER, [ROW])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
        z.writestr(zipfile.ZipInfo(name), content, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def _patched(data: bytes, name: str, *, method: int | None = None, flag: int = 0) -> bytes:
    """``data`` with the part ``name``'s compression method or flag bits changed, in its local
    header and in the zip's directory, as another zipper may write them."""
    out, wanted = bytearray(data), name.encode()
    for sig, name_len, name_at, flag_at, method_at in ((b"PK\x03\x04", 26, 30, 6, 8),
                                                       (b"PK\x01\x02", 28, 46, 8, 10)):
        at = out.find(sig)
        while at >= 0:
            n = struct.unpack("<H", out[at + name_len:at + name_len + 2])[0]
            if out[at + name_at:at + name_at + n] == wanted:
                bits = struct.unpack("<H", out[at + flag_at:at + flag_at + 2])[0] | flag
                out[at + flag_at:at + flag_at + 2] = struct.pack("<H", bits)
                if method is not None:
                    out[at + method_at:at + method_at + 2] = struct.pack("<H", method)
            at = out.find(sig, at + 4)
    return bytes(out)


def _bad_crc() -> bytes:
    data = _with_part("xl/extra.xml", b"<a>" + b"x" * 64 + b"</a>")
    at = data.find(b"x" * 64)
    return data[:at] + b"y" + data[at + 1:]


UNREADABLE = {
    "a part whose CRC is wrong": _bad_crc,
    "a part compressed with Deflate64": lambda: _patched(
        _with_part("xl/extra.xml", b"<a>19880208-9717</a>"), "xl/extra.xml", method=9),
    "a part marked encrypted": lambda: _patched(
        _with_part("xl/extra.xml", b"<a>19880208-9717</a>"), "xl/extra.xml", flag=1),
}


@pytest.mark.parametrize("case", UNREADABLE)
def test_an_unreadable_part_is_no_workbook_to_the_scan(case: str) -> None:
    data = UNREADABLE[case]()
    openpyxl.load_workbook(io.BytesIO(data), read_only=True).close()  # openpyxl reads it
    with pytest.raises(NotAWorkbook):
        parts_with_number(data)
    assert service.personal_numbers_in_file("f.xlsx", data) == []  # read says why
    with pytest.raises(PublishError, match="not an Excel workbook") as refused:
        service.read("f.xlsx", data)
    assert not any(t in str(refused.value) for t in TRACES)


@pytest.mark.parametrize("case", UNREADABLE)
def test_the_page_refuses_an_unreadable_part_with_its_reason(
        case: str, upload_staff: tuple[TestClient, str], ingest_db: str) -> None:
    text = refused_upload(*upload_staff, ingest_db, UNREADABLE[case]())
    assert "Excel" in text and not any(t in said(text) for t in TRACES)


@pytest.mark.parametrize("name", ["xl/8802089717.xml", "docProps/19880208-9717.bin",
                                  "customXml/item880208\u20139717.xml"])
def test_a_number_in_a_part_name_is_found(name: str) -> None:
    data = _with_part(name, b"<a/>")
    found = service.personal_numbers_in_file("f.xlsx", data)
    assert [e.row for e in found] == [0] and found[0].column in (
        "(another part of the workbook)", "(the file's properties)")
    assert not any(t in repr(found) for t in TRACES)


def _properties_in(encoding: str) -> bytes:
    """The workbook, its properties part written in ``encoding`` without a byte-order mark,
    the author the number."""
    src = zipfile.ZipFile(io.BytesIO(xlsx(HEADER, [ROW])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            raw = src.read(info)
            if info.filename == "docProps/core.xml":
                text = raw.decode().split("?>", 1)[-1].replace(">openpyxl<", ">880208-9717<")
                raw = ('<?xml version="1.0" encoding="UTF-32"?>' + text).encode(encoding)
            z.writestr(info, raw)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-32-le", "utf-32-be"])
def test_a_part_in_utf_32_without_a_mark_is_read(encoding: str) -> None:
    """A red team: openpyxl (libxml2) reads the file's properties in UCS-4 without a
    byte-order mark, and the scan read them as UTF-16, the digits behind NULs."""
    data = _properties_in(encoding)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.properties.creator == "880208-9717"
    book.close()
    found = service.personal_numbers_in_file("f.xlsx", data)
    assert [(e.row, e.column) for e in found] == [(0, "(the file's properties)")]
