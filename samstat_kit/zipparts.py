"""A workbook's zip parts, read safely, and the files embedded in it read as its parts too.

An OOXML workbook may carry other files: an embedded workbook (``xl/embeddings/*.xlsx``, a zip
of its own), an OLE object (``*.bin``), or any part that is itself a zip. Their text is
compressed inside the part, so a personal number in an embedded workbook's shared strings read
as nothing to a scan of the part's bytes (a red team). :func:`walk` gives every part at every
depth (an OLE object's streams too, :mod:`samstat_kit.ole`), under the same limits as the
outer file: what they unpack to and how many they are, counted over all levels together (a
zip bomb one level down is still a zip bomb), a depth, and every part readable (an
unreadable one may hold the number). Pure; Python >= 3.9."""

from __future__ import annotations

import codecs
import io
import re
import struct
import zipfile
import zlib

from samstat_kit.ole import is_ole, streams

# What a workbook's parts may unpack to, as its zip directory declares them (the zip reader
# gives no more than declared). A few kilobytes can unpack to gigabytes, and openpyxl reads
# the shared strings whole when it opens the book; a national year of one measure (70,000
# rows) unpacks to about 25 MiB.
MAX_UNZIPPED = 64 * 2**20
# The parts a workbook may have (Excel writes a dozen, and a few per sheet): each one is
# opened and scanned, and the zip directory is read again by every reader, so 70,000 empty
# parts in 6 MiB held a worker for ten seconds (a red team).
MAX_PARTS = 2000
# How deep zips may nest in a workbook: Excel embeds a workbook in a workbook (1), and one
# embedded there carries its own embeddings (2). Deeper is no file an agency makes, and each
# level is another reading of the bytes.
MAX_NESTING = 3

# The signatures a zip file starts with: a local file header, an empty zip's end record, a
# spanned archive's marker. A part that starts so is a zip, and must be read as one.
_ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ZIP_END = b"PK\x05\x06"
_ERRORS = (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
           ValueError, zlib.error)


class NotAWorkbook(ValueError):
    """The bytes are no Excel workbook."""


class TooLarge(ValueError):
    """The workbook holds more than a reader takes: its reason says what, quoting nothing."""


class _Room:
    """What all the parts, at every level, may still unpack to, and how many more there may
    be: one budget for the whole file, not one per zip."""

    def __init__(self, most: int) -> None:
        self.most, self.unzipped, self.parts = most, most, MAX_PARTS

    def take(self, parts: int, unzipped: int) -> None:
        self.parts -= parts
        if self.parts < 0:
            raise TooLarge(f"the workbook has more than {MAX_PARTS} parts")
        self.unzipped -= unzipped
        if self.unzipped < 0:
            raise TooLarge(f"the workbook unpacks to more than {self.most // 2**20} MiB")


def walk(data: bytes, most: int = MAX_UNZIPPED, *, nested: bool = True
         ) -> list[tuple[str, str, bytes]]:
    """Every part of the workbook as (its top-level part's name, its own name, its bytes):
    a zip part's own parts follow it (``nested``), to :data:`MAX_NESTING` levels. NotAWorkbook
    if the bytes are no zip, or a part (an embedded zip's too) cannot be read or nests too
    deep; TooLarge past ``most`` unpacked bytes or :data:`MAX_PARTS` parts, all levels
    together. All are read before any is scanned, so a bomb two levels down refuses the file
    before a scan spends seconds on what the levels above unpack to (at most ``most``
    bytes held)."""
    return _walk(data, _Room(most), 0, "", [] if nested else None)


def _walk(data: bytes, room: _Room, depth: int, top: str,
          parts: list[tuple[str, str, bytes]] | None) -> list[tuple[str, str, bytes]]:
    """``parts``, and this zip's parts after them; None: the top level's only."""
    out = [] if parts is None else parts
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        what = "an embedded file" if depth else "the file"
        raise NotAWorkbook(f"not an Excel workbook (.xlsx): {what} is no zip "
                           f"({exc.__class__.__name__})") from None
    with z:
        infos = z.infolist()
        room.take(len(infos), sum(i.file_size for i in infos))
        for info in infos:
            raw = _part(z, info)
            out.append((top or info.filename, info.filename, raw))
            if parts is not None:
                _within(raw, info.filename, room, depth, top or info.filename, out)
    return out


def _within(raw: bytes, name: str, room: _Room, depth: int, top: str,
            out: list[tuple[str, str, bytes]]) -> None:
    """A part's own parts after it, if it has any: a zip's, or an OLE object's streams (a
    stream may be a zip or an OLE file again: a packaged workbook)."""
    zipped, ole = is_zip(raw), is_ole(raw)
    if not (zipped or ole):
        return
    if depth >= MAX_NESTING:
        raise NotAWorkbook(f"not an Excel workbook (.xlsx): files embedded in it nest more "
                           f"than {MAX_NESTING} deep")
    if zipped:
        _walk(raw, room, depth + 1, top, out)
        return
    try:
        found = streams(raw, room.unzipped)
    except (ValueError, struct.error) as exc:  # its reason names no stream (a name may be
        raise NotAWorkbook(f"not an Excel workbook (.xlsx): an embedded object cannot be "
                           f"read ({exc})") from None  # the number); the file is refused
    room.take(len(found), sum(len(b) for _n, b in found))
    for stream, data in found:
        out.append((top, f"{name}/{stream}", data))
        _within(data, f"{name}/{stream}", room, depth + 1, top, out)


def is_zip(raw: bytes) -> bool:
    """Whether a part is a zip: it starts as one (then it must be read as one, or the file
    is refused), or a zip reader finds one at its end behind other bytes (an image with a
    zip appended is both; only then it is read as a zip, a chance end record in an image's
    bytes not)."""
    if raw[:4] in _ZIP_STARTS:
        return True
    if _ZIP_END not in raw[-(2**16 + 22):]:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            z.infolist()
    except _ERRORS:
        return False
    return True


def _part(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A part's bytes, or NotAWorkbook if they cannot be read: a wrong CRC, a compression
    method Python's zipfile lacks (Deflate64), an encrypted part, a stream cut short. openpyxl
    never opens a part it does not need, so such a part passed its reading and raised out
    of this scan (a 500 and a traceback; a red team), and what it holds, a number perhaps,
    was never read: the file is refused, its reason naming no part (a name may be the
    number)."""
    try:
        return z.read(info)
    except _ERRORS as exc:
        raise NotAWorkbook(f"not an Excel workbook (.xlsx): a part cannot be read "
                           f"({exc.__class__.__name__})") from None


def text_of(raw: bytes) -> str:
    """A part's text (:func:`decoded`); NotAWorkbook if it declares a DTD."""
    text = decoded(raw)
    if _DTD in text:
        raise NotAWorkbook("not an Excel workbook (.xlsx): a part declares a DTD")
    return text


# A part's document type declaration, where XML entities are declared: a reference to one
# is expanded by every parser (expat bounds it only to a hundred times the input past
# 8 MiB), so a few kilobytes of "&e;" unpacked to gigabytes past the limit above, which
# counts the parts as the zip declares them (a red team: an 8 KB upload took 11 s of CPU and
# 1.8 GB of memory in the scan of its parts, at a fifth of the room the limit leaves; and a
# 6 KB one was kept with an 84 MB cell). No workbook Excel or LibreOffice writes has one.
_DTD = "<!DOCTYPE"
_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def decoded(raw: bytes) -> str:
    """A part's XML as written, in the encoding an XML parser reads it in (openpyxl reads a
    part written in UTF-16, a byte-order mark or a declaration says which; read as UTF-8 its
    digits hid behind NULs: a red team)."""
    encoding = "utf-8"
    for mark, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(mark):
            encoding = name
            break
    else:
        # UCS-4 without a mark, as libxml2 (openpyxl's reader of the file's properties and
        # the workbook part) reads it: read as UTF-16, its digits hid behind NULs (a red team)
        if raw.startswith(b"<\x00\x00\x00"):
            encoding = "utf-32-le"
        elif raw.startswith(b"\x00\x00\x00<"):
            encoding = "utf-32-be"
        elif raw.startswith(b"<\x00"):
            encoding = "utf-16-le"
        elif raw.startswith(b"\x00<"):
            encoding = "utf-16-be"
        elif (declared := _DECLARED.match(raw)) is not None:
            encoding = declared.group(1).decode()
    try:
        return raw.decode(encoding, "replace")
    except LookupError:  # an encoding Python does not know: as UTF-8
        return raw.decode("utf-8", "replace")


def binary_readings(raw: bytes) -> list[str]:
    """A binary part's text as UTF-16LE, at either byte (an OLE object's strings are
    UTF-16LE, and nothing aligns them to the part's start). Read as UTF-8, the scan sees an
    ASCII digit of them between NULs, which it drops; but a full-width digit or a dash in
    UTF-16LE reads as no digit or dash in UTF-8. XML in UTF-8 holds no NUL: such a part is
    read once."""
    if b"\x00" not in raw:
        return []
    return [raw.decode("utf-16-le", "replace"), raw[1:].decode("utf-16-le", "replace")]
