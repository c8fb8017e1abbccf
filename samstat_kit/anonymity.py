"""Swedish personal identity numbers (personnummer and samordningsnummer) in data.

One rule for ingest's gate and the agencies' ``samstat publish``: 10 or 12 digits, an optional
``-`` or ``+`` before the last four, a real date (the day plus 60 for a samordningsnummer) and
a valid Luhn check digit. Pure functions, no I/O and no framework, so the CLI can use them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import orjson

# Digit runs inside longer digit strings are not numbers of their own, hence the look-arounds.
_PNR = re.compile(r"(?<!\d)(\d{2})?(\d{2})(\d{2})(\d{2})[-+]?(\d{3})(\d)(?!\d)")

# A canonical UUID is a random identifier (a producer's event_id): its hex digits can by
# chance form ten in a row with a valid date and check digit (about once in 2 000 ids), and
# refusing such batches at random would help nobody.
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _valid_date(century: str | None, yy: str, mm: str, dd: str) -> bool:
    day = int(dd)
    if day > 60:  # samordningsnummer: the day plus 60
        day -= 60
    years = [int(century + yy)] if century else [1900 + int(yy), 2000 + int(yy)]
    for year in years:
        try:
            date(year, int(mm), day)
            return True
        except ValueError:
            continue
    return False


def is_personal_number(text: str) -> bool:
    """True if ``text`` contains a valid Swedish personnummer or samordningsnummer."""
    for m in _PNR.finditer(text):
        century, yy, mm, dd, serial, check = m.groups()
        if _valid_date(century, yy, mm, dd) and _luhn_ok(yy + mm + dd + serial + check):
            return True
    return False


def _strings(obj: Any) -> Iterator[str]:
    """Every key, string and integer in ``obj``, as text; canonical UUIDs are left out."""
    if isinstance(obj, str):
        if not _UUID.match(obj):
            yield obj
    elif isinstance(obj, Mapping):
        for k, v in obj.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _strings(v)
    elif isinstance(obj, int) and not isinstance(obj, bool):
        # A number sent as a JSON integer is still a number: 198112189876 must not pass.
        yield str(obj)


_TEN_DIGITS = re.compile(r"\d{6}[-+]?\d{4}")

# ``"event_id":"`` as orjson writes it. It cannot occur inside a JSON string (a quote there is
# always escaped), so what follows it is a real event id.
_EVENT_ID_KEY = b'"event_id":"'
_UUID_VALUE = re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                         rb"[0-9a-fA-F]{12}\"")
# Every ASCII digit becomes 0, the separators stay, everything else becomes a space: then
# "ten digits in a row" is a plain substring test, which runs at memory speed where a regex
# over a 500-record batch took milliseconds.
_DIGIT_SHAPE = bytes(48 if 48 <= i <= 57 else i if i in (43, 45) else 32 for i in range(256))
_RUNS = (b"0" * 10, b"0" * 6 + b"-" + b"0" * 4, b"0" * 6 + b"+" + b"0" * 4)


def _may_contain(payload: Any) -> bool:
    """A quick test without false negatives: False only if no ten digits in a row appear
    anywhere in the serialised payload once event ids are set aside. Serialising (orjson)
    and a byte translation are much cheaper than walking the payload in Python, and almost
    every batch ends here."""
    try:
        dumped = orjson.dumps(payload)
    except TypeError:
        return True  # not plain JSON data: let the walk decide
    if not dumped.isascii():
        return True  # \d also matches other scripts' digits: let the walk decide
    pieces = dumped.split(_EVENT_ID_KEY)
    kept = [pieces[0]]
    for piece in pieces[1:]:
        kept.append(piece[37:] if _UUID_VALUE.match(piece) else piece)
    shape = b"\n".join(kept).translate(_DIGIT_SHAPE)
    return any(run in shape for run in _RUNS)


def contains_personal_number(payload: Any) -> bool:
    """Scan every string (and integer) anywhere in a payload, keys included.

    One pass of a cheap pattern over all the text joined (a separator that is not a digit
    keeps values apart) finds the few candidates; only those get the full date and check-digit
    test. On a 5 000-record batch this is the difference between milliseconds and a second.
    """
    if not _may_contain(payload):
        return False
    text = "\n".join(_strings(payload))
    if not _TEN_DIGITS.search(text):
        return False
    return any(is_personal_number(s) for s in text.split("\n") if _TEN_DIGITS.search(s))


def _join(path: str, part: object) -> str:
    return f"{path}.{part}" if path else str(part)


def personal_number_field(obj: Any, path: str = "") -> str | None:
    """Where the first personal number in ``obj`` is, or None: a dotted path
    (``dimensions.sex``, ``items.0``) that never contains the number, a key holding one being
    named ``<parent>.<key>``. Scans what :func:`contains_personal_number` scans; paths are
    only built on the way to a hit."""
    if not contains_personal_number(obj):
        return None
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if is_personal_number(str(k)):
                return _join(path, "<key>")
            if contains_personal_number(v):
                return personal_number_field(v, _join(path, k))
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            if contains_personal_number(v):
                return personal_number_field(v, _join(path, i))
    return path or "value"
