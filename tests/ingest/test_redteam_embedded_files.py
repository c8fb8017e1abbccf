"""Red-team finding (2026-12-07): files embedded in a workbook were not read. An XLSX carries
other files as its parts: an embedded workbook (``xl/embeddings/*.xlsx``, a zip of its own),
an OLE object (``*.bin``), any part that is a zip. The scan read each part's bytes as text,
so a personal number in an embedded workbook's shared strings (compressed inside the part)
passed the upload page and ``samstat publish``; a zip bomb or a corrupt zip one level down
was never opened either.

Fixed: :func:`samstat_kit.zipparts.walk` gives every part at every depth to the scan, under
the outer file's limits (one unpacked budget and one count of parts for all levels, a depth,
every part readable, no DTD), and a binary part is read as UTF-16LE too."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from fastapi.testclient import TestClient

from samstat_kit.agency_files import PublishError
from samstat_kit.ole import streams
from samstat_kit.workbook import parts_with_number
from samstat_kit.zipparts import MAX_NESTING
from services.ingest.upload import service
from tests.echo import said
from tests.ole_files import compound_file
from tests.tables import refused_upload
from tests.workbooks import EMBEDDED, embedding, with_parts, xlsx, zipped

HEADER = ["measure", "area", "period", "value", "dim_duration", "dim_cause", "dim_sex"]
ROW = ["econ_assistance_recipients", "2460", "2019-05", 41, "0-10", "other", "K"]
TRACES = ("8802089717", "19880208-9717", "9717", "Traceback", "embeddings")


def _with_parts(parts: dict[str, bytes]) -> bytes:
    """A clean workbook with more parts, each compressed."""
    return with_parts(xlsx(HEADER, [ROW]), parts)


def _holding_number() -> bytes:
    """A workbook whose one text cell (a shared string) holds the number."""
    return xlsx(["note"], [["ring 19880208-9717"]])


def _nested(levels: int) -> bytes:
    """A workbook embedding a workbook ... ``levels`` deep, the innermost holding the number."""
    return embedding(xlsx(HEADER, [ROW]), _holding_number(), levels)


def _ole(text: str, *, at: int) -> bytes:
    """An OLE object whose one stream holds ``text`` in UTF-16LE ``at`` bytes in."""
    return compound_file({"\x01Ole10Native": b"\x01" * at + text.encode("utf-16-le")})


def _split_over_sectors() -> bytes:
    """An OLE object whose stream's first sector ends in "880208" and whose second, laid
    out before it in the file, starts "-9717": the file's bytes hold "-9717 ... 880208"."""
    stream = b"x" * (512 - 11) + b"ring 880208" + b"-9717" + b"x" * 4096
    data = compound_file({"WordDocument": stream}, scattered=True)
    assert b"880208-9717" not in data
    return data


FOUND = {
    "a workbook embedded in a workbook": lambda: _nested(1),
    "two levels deep": lambda: _nested(2),
    f"{MAX_NESTING} levels deep": lambda: _nested(MAX_NESTING),
    "a zip (no workbook) as an OLE part": lambda: _with_parts(
        {"xl/embeddings/oleObject1.bin": zipped({"notes.txt": b"ring 880208-9717"})}),
    "a zip appended to an image": lambda: _with_parts(
        {"xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 300
         + zipped({"a.txt": b"ring 880208-9717"})}),
    "a number's name in an embedded zip": lambda: _with_parts(
        {"xl/embeddings/package.zip": zipped({"880208-9717.txt": b"x"})}),
    "full-width digits in an OLE object (UTF-16LE, odd byte)": lambda: _with_parts(
        {"xl/embeddings/oleObject1.bin": _ole("ring ８８０２０８－９７１７", at=3)}),
    "an OLE object in an embedded workbook": lambda: _with_parts({EMBEDDED: _with_parts(
        {"xl/embeddings/oleObject1.bin": _ole("ring ８８０２０８－９７１７", at=0)})}),
    "a number split over an OLE object's sectors": lambda: _with_parts(
        {"xl/embeddings/oleObject1.bin": _split_over_sectors()}),
    "a workbook packaged in an OLE object": lambda: _with_parts({
        "xl/embeddings/oleObject1.bin": compound_file({"Package": _holding_number()},
                                                      scattered=True)}),
}


@pytest.mark.parametrize("case", FOUND)
def test_a_number_in_an_embedded_file_is_found(case: str) -> None:
    data = FOUND[case]()
    assert b"9717" not in data and "９７１７".encode() not in data  # not in plain sight
    found = service.personal_numbers_in_file("f.xlsx", data)
    assert [(e.row, e.reason) for e in found] == [(0, service.PERSONAL)], found
    assert found[0].column == "(another part of the workbook)"
    assert not any(t in repr(found) for t in TRACES)


def test_an_ascii_number_in_an_ole_object_is_found() -> None:
    """At either byte: nothing aligns an OLE object's strings to the part's start."""
    for at in (0, 1):
        data = _with_parts({"xl/embeddings/oleObject1.bin": _ole("ring 880208-9717", at=at)})
        assert parts_with_number(data) == [("xl/embeddings/oleObject1.bin", [])]


@pytest.mark.parametrize("scattered", [False, True])
def test_an_ole_objects_streams_are_read_in_their_chains_order(scattered: bool) -> None:
    """A small stream from the mini stream, a large one from the sectors, an empty one."""
    large = b"".join(i.to_bytes(2, "big") for i in range(5000))  # no two sectors alike
    wanted = {"\x01Ole10Native": b"small " * 100, "Workbook": large, "E": b""}
    data = compound_file(wanted, scattered=scattered)
    assert sorted(streams(data, 2**20)) == sorted(wanted.items())
    assert (wanted["Workbook"] in data) is not scattered  # so the test tests something
    with pytest.raises(ValueError, match="larger than the room"):
        streams(data, 10_000)
    # a sector cut short
    assert sorted(streams(data + b"\0" * 100, 2**20)) == sorted(wanted.items())


def test_an_ole_chain_that_loops_is_read_to_a_bound_not_forever() -> None:
    """olefile reads a chain at most as many sectors as the file has: the scan ends."""
    clean = _with_parts({"xl/embeddings/oleObject1.bin": _looping()})
    assert service.personal_numbers_in_file("f.xlsx", clean) == []
    assert len(streams(_looping(), 2**20)) >= 1


def test_a_clean_embedded_workbook_passes() -> None:
    data = _with_parts({EMBEDDED: _with_parts({"xl/embeddings/oleObject1.bin": _ole(
        "ring 0880208 9717 8", at=1)})})
    assert service.personal_numbers_in_file("f.xlsx", data) == []
    assert service.read("f.xlsx", data).lines


def _bomb(mib: int) -> bytes:
    return zipped({"xl/sharedStrings.xml": b"\x00" * (mib * 2**20)})


def _corrupt() -> bytes:
    """An embedded workbook whose zip is cut short: it starts as a zip and is none."""
    inner = _holding_number()
    return _with_parts({EMBEDDED: inner[:len(inner) // 2]})


def _bad_crc() -> bytes:
    """An embedded zip whose one part (stored) does not match its CRC."""
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.xml", b"<a>" + b"x" * 64 + b"</a>")
    return _with_parts({EMBEDDED: stored.getvalue().replace(b"x" * 64, b"y" + b"x" * 63, 1)})


def _looping() -> bytes:
    """An OLE object whose directory's chain points back at itself."""
    data = bytearray(compound_file({"Big": b"x" * 5000}))
    first_dir = struct.unpack_from("<I", data, 0x30)[0]
    fat = struct.unpack_from("<I", data, 0x4C)[0]
    struct.pack_into("<I", data, 512 * (fat + 1) + 4 * first_dir, first_dir)
    return bytes(data)


REFUSED = {
    # the upload's budget is 16 MiB unpacked, the command's 64
    "a zip bomb nested inside": (lambda: _with_parts({EMBEDDED: _bomb(80)}), "unpacks"),
    "a bomb split over two embedded files": (lambda: _with_parts(
        {EMBEDDED: _bomb(10), "xl/embeddings/b.xlsx": _bomb(10)}), "unpacks to more than 16"),
    "a bomb two levels down": (lambda: _with_parts(
        {EMBEDDED: _with_parts({EMBEDDED: _bomb(20)})}), "unpacks to more than 16"),
    "a corrupt nested zip": (_corrupt, "not an Excel workbook"),
    "a nested part with a wrong CRC": (_bad_crc, "not an Excel workbook"),
    "a nested part that declares a DTD": (lambda: _with_parts({EMBEDDED: zipped(
        {"xl/sharedStrings.xml": b'<!DOCTYPE x [<!ENTITY e "880208-9717">]><x>&e;</x>'})}),
        "DTD"),
    f"files nested more than {MAX_NESTING} deep": (lambda: _nested(MAX_NESTING + 1),
                                                   "nest more than"),
    "a corrupt OLE object": (lambda: _with_parts({"xl/embeddings/oleObject1.bin": _ole(
        "ring 880208-9717", at=0)[:600]}), "an embedded object cannot be read"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_an_embedded_file_past_the_limits_refuses_the_file(case: str) -> None:
    make, reason = REFUSED[case]
    with pytest.raises(PublishError, match=reason) as refused:
        service.personal_numbers_in_file("f.xlsx", make())
    assert not any(t in str(refused.value) for t in TRACES)


@pytest.mark.parametrize("case", ["two levels deep", "an OLE object in an embedded workbook"])
def test_the_page_refuses_a_number_in_an_embedded_file(
        case: str, upload_staff: tuple[TestClient, str], ingest_db: str) -> None:
    text = refused_upload(*upload_staff, ingest_db, FOUND[case]())
    assert "person" in text.lower() and "9717" not in said(text)


@pytest.mark.parametrize("case", ["a zip bomb nested inside", "a corrupt nested zip"])
def test_the_page_refuses_an_embedded_file_it_cannot_read(
        case: str, upload_staff: tuple[TestClient, str], ingest_db: str) -> None:
    text = refused_upload(*upload_staff, ingest_db, REFUSED[case][0]())
    assert not any(t in said(text) for t in TRACES)
