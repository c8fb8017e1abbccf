"""Reading an Excel workbook (openpyxl) for the agencies' files: the first sheet as a header
and lines, with openpyxl's warnings kept from the service's log and scanned (one quotes a
cell's raw value). Shared with the CLI and the client (Python >= 3.9)."""

from __future__ import annotations

import html
import io
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from xml.parsers import expat

from samstat_kit.anonymity import contains_personal_number
from samstat_kit.zipparts import MAX_PARTS as MAX_PARTS
from samstat_kit.zipparts import (
    MAX_UNZIPPED,
    NotAWorkbook,
    TooLarge,
    binary_readings,
    text_of,
    walk,
)

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
_OPENPYXL = threading.RLock()


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


def _checked(data: bytes, most: int) -> None:
    """TooLarge or NotAWorkbook (:func:`~samstat_kit.zipparts.walk`), and NotAWorkbook if a
    part declares a DTD: before any parser reads one. The parts openpyxl opens are the
    top-level ones; :func:`parts_with_number` reads the embedded ones."""
    for _top, _name, raw in walk(data, most, nested=False):
        text_of(raw)


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
    found: dict[str, list[str]] = {}
    for top, name, raw in walk(data, most):  # and each part's DTD below, as it is read
        cells = _part_hit(name, raw)
        # A hit in an embedded file is its top-level part's: the comment cells an embedded
        # workbook names are no cells of this one.
        if cells is not None and top not in found:
            found[top] = cells if name == top else []
    return list(found.items())


def _part_hit(name: str, raw: bytes) -> list[str] | None:
    """None if the part holds no personal number, else the cells whose comment holds it."""
    text = text_of(raw)
    # A part's name is in the file too (the zip directory lists it): a red team named one
    # "xl/8802089717.xml", and nothing read it.
    if contains_personal_number([name]):
        return []
    written = html.unescape(text)
    # As a parser reads it (what openpyxl reads), and as written where that differs: a
    # number in an XML comment is read by nobody, and still in the file.
    xml = html.unescape(_parsed(raw) or _UNSEEN.sub("", written)) \
        if _marked(written) else written
    readings = [xml, *_printed(xml)] if name.startswith(
        ("xl/worksheets/", "xl/chartsheets/")) else [xml, _text(xml)]
    if xml is not written:
        readings.append(written)
    readings += [shown_text(r) for r in readings if "_x" in r]  # a comment's text
    readings += binary_readings(raw)  # an OLE object's strings (UTF-16LE)
    return _commented(xml) if contains_personal_number(readings) else None


# What an XML parser drops from text: a comment or a processing instruction between two
# runs of digits joins them ("880208<!-- -->9717" is the text 8802089717).
_UNSEEN = re.compile(r"<!--.*?-->|<\?.*?\?>", re.S)


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
    (openpyxl cannot read it either; :func:`~samstat_kit.zipparts.decoded` stands in).

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
