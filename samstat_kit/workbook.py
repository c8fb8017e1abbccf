"""Reading an Excel workbook (openpyxl) for the agencies' files: the first sheet as a header
and lines, with openpyxl's warnings kept from the service's log and scanned (one quotes a
cell's raw value). Shared with the CLI and the client (Python >= 3.9)."""

from __future__ import annotations

import codecs
import html
import io
import re
import threading
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from xml.parsers import expat

from samstat_kit.anonymity import contains_personal_number

# (file row number, cells by header name, how many cells lie beyond the header)
Lines = list[tuple[int, dict[str, str], int]]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).strip()


# Excel's last row. Reading stops there: a workbook may claim any row number (openpyxl fills
# the rows up to it), and a file row number is shown and echoed, so it stays short of ten digits.
MAX_SHEET_ROWS = 1_048_576
# What a workbook's parts may unpack to, as its zip directory declares them (the zip reader
# gives no more than declared). A few kilobytes can unpack to gigabytes, and openpyxl reads
# the shared strings whole when it opens the book; a national year of one measure (70,000
# rows) unpacks to about 25 MiB.
MAX_UNZIPPED = 64 * 2**20
# The parts a workbook may have (Excel writes a dozen, and a few per sheet): each one is
# opened and scanned, and the zip directory is read again by every reader, so 70,000 empty
# parts in 6 MiB held a worker for ten seconds (a red team).
MAX_PARTS = 2000
_OPENPYXL = threading.RLock()


class NotAWorkbook(ValueError):
    """The bytes are no Excel workbook."""


class TooLarge(ValueError):
    """The workbook holds more than a reader takes: its reason says what, quoting nothing."""


class Cells:
    """The cells one reading of a workbook may take, all its sheets together (None: any),
    and what its parts may unpack to (``unzipped``: openpyxl parses a sheet without a
    ``<dimension>`` whole when it opens the book, ~6 MB/s, so this bounds that time too).

    A sheet can claim a dimension such as ``A1:XFD1048576``, and openpyxl's read-only sheets
    pad every row out to it (2 ms a row); a small file can also hold millions of real cells.
    So the claimed dimension is ignored and every row read is counted (an empty one as one),
    and reading stops as soon as the budget is spent instead of after the last row.

    The cells' text counts too, against ``unzipped``: a workbook keeps a text once (its
    shared strings) and any number of cells name it, so a 12 KB file whose 2,000 cells named
    one string of 100,000 characters read as 200 MB of cells, and the upload scanned and
    kept them all (a red team; 14 GB at 20,000 rows). Its cells hold no more text than its
    parts may unpack to."""

    def __init__(self, limit: int | None = None, unzipped: int = MAX_UNZIPPED) -> None:
        self.limit, self.left, self.unzipped = limit, limit, unzipped
        self.text_left = unzipped

    def rows(self, sheet: Any) -> Iterator[tuple[Any, ...]]:
        """The sheet's rows, text as Excel shows it (:func:`shown_text`)."""
        sheet.reset_dimensions()
        for raw in sheet.iter_rows(values_only=True, max_row=MAX_SHEET_ROWS):
            if self.left is not None:
                self.left -= max(len(raw), 1)
                if self.left < 0:
                    raise TooLarge(f"the workbook holds more than {self.limit} cells")
            self.text_left -= sum(len(v) for v in raw if isinstance(v, str))
            if self.text_left < 0:
                raise TooLarge(f"the workbook unpacks to more than {self.unzipped // 2**20} "
                               "MiB")
            yield tuple(shown_text(v) if isinstance(v, str) else v for v in raw)


def shown_text(text: str) -> str:
    """A workbook's text as Excel and LibreOffice show it: OOXML writes any character as
    ``_xHHHH_`` (ECMA-376 Part 1, 22.9.2.19), and openpyxl hands the escape over as it is,
    so ``_x0038_802089717`` (8802089717 on the screen) got past every scan and was kept
    (a red team). openpyxl's own reader of the escapes; a lone surrogate one makes is no
    text a database takes, and reads as "?"."""
    if "_x" not in text:
        return text
    from openpyxl.utils.escape import unescape

    return str(unescape(text)).encode("utf-8", "replace").decode()


def _unzipped_size(data: bytes, most: int) -> None:
    """TooLarge if the workbook's parts unpack to more than ``most`` bytes, or are more than
    :data:`MAX_PARTS`; NotAWorkbook if its bytes are no zip file at all."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise NotAWorkbook(f"not an Excel workbook (.xlsx): {exc.__class__.__name__}") from None
    if len(parts) > MAX_PARTS:
        raise TooLarge(f"the workbook has more than {MAX_PARTS} parts")
    total = sum(i.file_size for i in parts)
    if total > most:
        raise TooLarge(f"the workbook unpacks to more than {most // 2**20} MiB")


def _checked(data: bytes, most: int) -> None:
    """:func:`_unzipped_size`, and NotAWorkbook if a part cannot be read or declares a DTD
    (:data:`_DTD`): before any parser reads one."""
    _unzipped_size(data, most)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            _text_of(_part(z, info))


def _text_of(raw: bytes) -> str:
    """A part's text (:func:`_decoded`); NotAWorkbook if it declares a DTD."""
    text = _decoded(raw)
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


@contextmanager
def opened(data: bytes, unzipped: int = MAX_UNZIPPED) -> Iterator[tuple[Any, list[str]]]:
    """The workbook (read-only, cached values), and what openpyxl said while it was read,
    filled in when the block ends. Its warnings are kept from stderr (the service's log):
    one quotes a date-formatted cell's serial that is no date (a 12-digit personal number is
    none; the cell then reads ``#VALUE!``), so the caller scans what was said. Its errors
    quote the cell they could not read: ValueError here names only their kind.
    catch_warnings swaps process-wide state, hence the lock."""
    import openpyxl

    _checked(data, unzipped)
    said: list[str] = []
    with _OPENPYXL, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # not once per place: a file sent again is seen again
        try:
            try:
                book = openpyxl.load_workbook(io.BytesIO(data), read_only=True,
                                              data_only=True)
            except Exception as exc:  # openpyxl raises many kinds for a file that is none
                raise NotAWorkbook(f"not an Excel workbook (.xlsx): "
                                   f"{exc.__class__.__name__}") from None
            try:
                yield book, said
            except TooLarge:
                raise
            except Exception as exc:  # a cell openpyxl cannot convert
                raise ValueError(f"a cell of the workbook cannot be read: "
                                 f"{exc.__class__.__name__}") from None
            finally:
                book.close()
        finally:
            said.extend(str(w.message) for w in caught)


def read_workbook(data: bytes, cells: Cells | None = None) -> tuple[list[str], Lines]:
    """The first sheet's header and its lines (file row number, cells by header, how many
    cells lie beyond the header), reading at most ``cells``. ValueError with a reason that
    quotes nothing of the file."""
    budget = cells or Cells()
    with opened(data, budget.unzipped) as (book, said):
        names, lines = _xlsx_table(book.worksheets[0], budget)
    if contains_personal_number(said):
        raise ValueError("a personal identity number in a cell formatted as a date")
    return names, lines


def _xlsx_table(sheet: Any, budget: Cells) -> tuple[list[str], Lines]:
    values = budget.rows(sheet)
    header = next(values, None)
    names = [_cell(h) for h in header or ()]
    lines: Lines = []
    for number, raw in enumerate(values, start=2):
        cells = [_cell(v) for v in raw]
        if any(cells):
            extra = sum(1 for c in cells[len(names):] if c)
            lines.append((number, dict(zip(names, cells)), extra))  # noqa: B905 (3.9)
    return names, lines


_TAG = re.compile(r"<[^>]*>")
# A rich-text run (<r>, its <rPr> formatting and <t> text) continues the same string: its
# tags join. Every other tag ends a string (a shared string, a comment, a property).
_RUN = re.compile(r"<(?:\w+:)?rPr\b.*?</(?:\w+:)?rPr>|</?(?:\w+:)?[rt](?:\s[^>]*)?>",
                  re.S)


def number_in_parts(data: bytes, most: int = MAX_UNZIPPED) -> bool:
    """Whether any part of the workbook holds a personal identity number: see
    :func:`parts_with_number`."""
    return bool(parts_with_number(data, most))


def parts_with_number(data: bytes, most: int = MAX_UNZIPPED) -> list[tuple[str, list[str]]]:
    """The parts of the workbook that hold a personal identity number, each with the cells
    (``A2``) whose comment holds it, if it is a part of comments: the cells' scan reads only
    what openpyxl gives as values, and a red team hid a number in a cell's comment, the
    document's properties, a page header, a defined name and a data-validation prompt.
    Every part is read as its XML (attributes too: a prompt is one), entities resolved; the
    parts other than the sheets also as their text, a rich-text string's runs joined (a
    comment's formatting may split a number), every other string apart (two neighbouring
    strings, "880208" and "9717", are no number; a review). A sheet's text is not joined
    at all: two neighbouring numeric cells would read as one number."""
    _unzipped_size(data, most)  # and each part's DTD below, as it is read (_checked)
    found: list[tuple[str, list[str]]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            raw = _part(z, info)
            text = _text_of(raw)
            # A part's name is in the file too (the zip directory lists it): a red team
            # named one "xl/8802089717.xml", and nothing read it.
            if contains_personal_number([info.filename]):
                found.append((info.filename, []))
                continue
            written = html.unescape(text)
            # As a parser reads it (what openpyxl reads), and as written where that differs:
            # a number in an XML comment is read by nobody, and still in the file.
            xml = html.unescape(_parsed(raw) or _UNSEEN.sub("", written)) \
                if _marked(written) else written
            readings = [xml, *_printed(xml)] if info.filename.startswith(
                ("xl/worksheets/", "xl/chartsheets/")) else [xml, _text(xml)]
            if xml is not written:
                readings.append(written)
            readings += [shown_text(r) for r in readings if "_x" in r]  # a comment's text
            if contains_personal_number(readings):
                found.append((info.filename, _commented(xml)))
    return found


def _part(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A part's bytes, or NotAWorkbook if they cannot be read: a wrong CRC, a compression
    method Python's zipfile lacks (Deflate64), an encrypted part, a stream cut short. openpyxl
    never opens a part it does not need, so such a part passed its reading and raised out
    of this scan (a 500 and a traceback; a red team), and what it holds, a number perhaps,
    was never read: the file is refused, its reason naming no part (a name may be the
    number)."""
    try:
        return z.read(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
            ValueError, zlib.error) as exc:
        raise NotAWorkbook(f"not an Excel workbook (.xlsx): a part cannot be read "
                           f"({exc.__class__.__name__})") from None


_DECLARED = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# What an XML parser drops from text: a comment or a processing instruction between two
# runs of digits joins them ("880208<!-- -->9717" is the text 8802089717).
_UNSEEN = re.compile(r"<!--.*?-->|<\?.*?\?>", re.S)



def _decoded(raw: bytes) -> str:
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


def _marked(written: str) -> bool:
    """Whether a parser reads other text than the one written: a comment, a CDATA section,
    a DTD (its entities) or a processing instruction past the declaration. Only such a part
    is parsed: a sheet of a million cells costs seconds in a parser's callbacks."""
    body = written.lstrip("\ufeff")
    if body.startswith("<?xml"):
        body = body[body.find("?>") + 2:]
    return "<!" in body or "<?" in body


def _parsed(raw: bytes) -> str | None:
    """A part as an XML parser reads it, written out again: its encoding decoded, comments
    and processing instructions left out, CDATA sections, character and entity references
    as the text they are, attributes in double quotes. None if it is no well-formed XML
    (openpyxl cannot read it either; :func:`_decoded` stands in).

    Every way XML has of writing text, not each trick found: a red team split a number with
    a comment (``880208<!-- -->-9717``), a review with a CDATA section
    (``880208<![CDATA[-9717]]>``); openpyxl read both as 880208-9717. Expat (2.4 and later)
    bounds entity expansion, and reads no external entity."""
    out: list[str] = []
    parser = expat.ParserCreate()
    parser.StartElementHandler = lambda name, attrs: out.append(
        "<" + name + "".join(f' {k}="{html.escape(v)}"' for k, v in attrs.items()) + ">")
    parser.EndElementHandler = lambda name: out.append(f"</{name}>")
    parser.CharacterDataHandler = lambda data: out.append(html.escape(data, quote=False))
    try:
        parser.Parse(raw, True)
    except (expat.ExpatError, ValueError):
        return None
    return "".join(out)


_HEADER_FOOTER = re.compile(r"<(?:\w+:)?(?:odd|even|first)(?:Header|Footer)\b[^>]*>(.*?)<",
                            re.S)
# Excel's codes in a page header or footer: a section (&L), a style (&B), a field (&P), a
# font (&"Arial,Bold"), its size (&11) or colour (&KFF0000). Printed, they show nothing.
_CODE = re.compile(r'&(?:"[^"]*"|K(?:[0-9A-Fa-f]{6}|\d\d[+-]\d{3})|\d{1,3}|[A-Za-z])')


def _printed(xml: str) -> list[str]:
    """A sheet's page headers and footers as printed: "880208&B-9717" prints 880208-9717 (a
    red team). An ``&&`` prints one ``&``."""
    return [_CODE.sub("", text.replace("&&", "\0")).replace("\0", "&")
            for text in _HEADER_FOOTER.findall(xml)]


def _text(xml: str) -> str:
    return _TAG.sub("\n", _RUN.sub("", xml))


_COMMENT = re.compile(r"<(?:\w+:)?comment\b[^>]*?\bref=\"([A-Z]{1,3}[0-9]{1,7})\"[^>]*>(.*?)"
                      r"</(?:\w+:)?comment>", re.S)


def _commented(xml: str) -> list[str]:
    """The cells (``A2``) of a comments part whose comment holds a personal number."""
    return [ref for ref, body in _COMMENT.findall(xml)
            if contains_personal_number([body, _text(body), shown_text(_text(body))])]
