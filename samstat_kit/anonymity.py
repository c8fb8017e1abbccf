"""Swedish personal identity numbers (personnummer and samordningsnummer) in data.

One rule for ingest's gate and the agencies' ``samstat publish``: 10 or 12 digits, an optional
``-`` or ``+`` (or a Unicode dash or one space, :data:`SEPARATORS`) before the last four, a
real date (the day plus 60 for a samordningsnummer; a 12-digit form names its century, 18, 19
or 20) and a valid Luhn check digit. Found in every
string, key, integer and integral float of a payload, at any depth, and in UUID-shaped strings
too: there are no exemptions, because ``19880208-9717-4000-8000-000000000000`` is both a
canonical UUID and a personnummer.

Event ids (random uuid4s) are therefore checked like everything else. How often does a random
uuid4 contain a valid number by chance? In ``xxxxxxxx-xxxx-4xxx-vxxx-xxxxxxxxxxxx`` a number
can only sit where digit runs of the right length can be: the first two groups
(``YYYYMMDD-NNNN``, or ``?YYMMDD-NNNN`` after a hex letter) and the last group (all twelve hex
characters digits, or a run of exactly ten between letters). Each hex character is a digit with
probability 10/16; a uniformly random digit string of the right shape has a real date with
probability about 0.073 (12 months of 100, ~61 of 100 days counting samordningsnummer) and a
valid check digit with 1/10; a 12-digit form also needs its century (3 of 100). Summed over the
places, about 0.86 in 10 000 ids, one in 11 700 (:func:`chance_in_uuid4` computes it; a Monte
Carlo run over seeded ids agrees, tests/ingest/test_gate.py). A 500-record batch of plain uuid4s
thus holds one in about 4% of batches: far too often to ignore, and too often to refuse blindly.

The rule (documented in docs/ingest.md): such an id is refused, never let through, with a
clear answer that names the record and the field ``event_id`` and asks for a new id; nothing of
the batch is stored. Producers avoid the round trip by drawing ids with :func:`new_event_id`,
which draws again until the id is clean (uuid4 otherwise, so ids stay unique and random).

Pure functions, no I/O and no framework, Python 3.9 compatible: the CLI and the client use them.
"""

from __future__ import annotations

import math
import re
import secrets
import unicodedata
import uuid
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import orjson

# What may stand between the date and the last four: ``-`` or ``+`` as the law writes them,
# and what people and their tools make of them: any Unicode dash (Excel's autocorrect turns a
# hyphen into an en dash), the minus sign, the full-width forms, and one horizontal space
# (``880208 9717``, any of Unicode's spaces: no-break, thin, en, em, ideographic...). Not a
# dot or a line break: nobody writes a number so, and a decimal like ``880208.9717`` is a
# value. Digits are any Unicode digits (``\d``: full-width, Arabic-Indic), read by their
# value, and in a second reading of the text every digit-valued character (:func:`_as_read`).
SEPARATORS = ("-+\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0b\uff0d"
              " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
              "\u200a\u202f\u205f\u3000")
_SEP = "[" + re.escape(SEPARATORS) + "]"
# Invisible characters (Unicode's format characters: zero-width space and joiners, the word
# joiner, the soft hyphen, direction marks, the byte order mark, tags) show nothing, so
# ``880208`` + a zero-width space + ``9717`` reads as 8802089717 on every screen: they are
# dropped before the rule is applied. (All of category Cf; a test checks the list.)
# The control characters (category Cc) show nothing either: DEL, NUL, ESC, backspace and the
# C1 controls (a red team kept "880208", DEL and "9717" in a record, which Kafka
# dead-lettered as sent); not the tab and the line breaks (\t \n \v \f \r, the
# separators \x1c-\x1e, NEL \x85), which keep digits apart as a line break does.
INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]")
# Characters with a digit value that are no decimal digit (``\d`` reads those): the
# superscripts, subscripts, circled and dingbat digits. Every screen shows ``⁸⁸⁰²⁰⁸⁻⁹⁷¹⁷`` or
# ``➑➑⓪➁⓪➇➈➆➀➆`` as a number (a red team kept one in an upload), so a reading of the text
# has them as the digit they stand for.
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def _digit(m: re.Match[str]) -> str:
    ch = m.group()
    value = unicodedata.digit(ch, None)
    if value is not None:
        return str(value)
    # A combining mark (a keycap's U+20E3 and variation selector, an underline, a strike)
    # draws over the character before it: 8️⃣ is an 8 to the reader.
    return "" if unicodedata.category(ch) in ("Mn", "Me") else ch


def _as_read(text: str) -> str:
    """``text`` as a person reads it: its compatibility forms as their plain ones (NFKC:
    ``⁸`` is 8, ``⁻`` a minus, ``⑧`` an 8), every other digit-valued character as that
    digit (``➑``, which NFKC leaves), and without combining marks (``8̲8̲0̲…``, keycaps).
    A reading beside the text, not instead of it: NFKC may also join a digit to a number
    (``8802089717²``) that stands apart as written."""
    return _NOT_ASCII.sub(_digit, unicodedata.normalize("NFKC", text))


# Digit runs inside longer digit strings are not numbers of their own, hence the look-arounds.
_PNR = re.compile(r"(?<!\d)(18|19|20)?(\d{2})(\d{2})(\d{2})" + _SEP + r"?(\d{3})(\d)(?!\d)")


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
    if text.isascii() and text.isprintable():
        return _holds_number(text)
    text = INVISIBLE.sub("", text)
    if _holds_number(text):
        return True
    read = _as_read(text)
    return read != text and _holds_number(read)


def _holds_number(text: str) -> bool:
    for m in _PNR.finditer(text):
        century, yy, mm, dd, serial, check = m.groups()
        if _valid_date(century, yy, mm, dd) and _luhn_ok(yy + mm + dd + serial + check):
            return True
    return False


def masked(text: str) -> str:
    """``text`` with each personal number's digits as "•" ("ring ••••••••-•••• om maj"), so
    a page can give a person back what they wrote without the number. Where the number hides
    so that its place is unclear (invisible characters, other scripts' digits), every digit
    goes; and if one still reads, nothing is given back."""
    def dots(m: re.Match[str]) -> str:
        century, yy, mm, dd, serial, check = m.groups()
        real = _valid_date(century, yy, mm, dd) and _luhn_ok(yy + mm + dd + serial + check)
        return re.sub(r"\d", "•", m.group(0)) if real else m.group(0)

    out = _PNR.sub(dots, text)
    if is_personal_number(out):
        out = "".join("•" if ch.isdigit() else ch for ch in INVISIBLE.sub("", out))
    return "" if contains_personal_number([out]) else out


def _scalar_text(obj: Any) -> str | None:
    """A scalar as the text a number could hide in: strings as they are, integers as their
    digits, floats as the digits of their whole part (``198802089717.0`` and
    ``8802089717e0`` are numbers too, and so is ``198802089717.5``, which a red team had
    dead-lettered as sent: it was read only if integral), None for everything else. A
    fraction's digits are never read: ``0.8802089717`` and ``880208.9717`` are values."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, bool):
        return None
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float) and math.isfinite(obj):
        return str(int(obj))
    return None


def _strings(obj: Any) -> Iterator[str]:
    """Every key, string, integer and integral float in ``obj``, as text, at any depth.

    Iterative, so no nesting depth makes it fail (callers still refuse absurd depths)."""
    stack: list[Any] = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for k, v in item.items():
                key = _scalar_text(k)
                if key is not None:
                    yield key
                stack.append(v)
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            text = _scalar_text(item)
            if text is not None:
                yield text


_TEN_DIGITS = re.compile(r"\d{6}" + _SEP + r"?\d{4}")

# Every ASCII digit becomes 0, the ASCII separators stay (a space as ``_``), everything else
# becomes a space: then "ten digits in a row" is a plain substring test, which runs at memory
# speed where a regex over a 500-record batch took milliseconds. (Non-ASCII text, where the
# other separators live, always goes to the walk.)
_DIGIT_SHAPE = bytes(48 if 48 <= i <= 57 else i if i in (43, 45) else 95 if i == 32 else 32
                     for i in range(256))
_RUNS = (b"0" * 10, b"0" * 6 + b"-" + b"0" * 4, b"0" * 6 + b"+" + b"0" * 4,
         b"0" * 6 + b"_" + b"0" * 4)


def _walk_finds(payload: Any) -> bool:
    """The rule itself: every scalar's text (:func:`_strings`) through the full test. One
    pass of a cheap pattern over all the text joined (a separator that is not a digit keeps
    values apart) finds the few candidates; only those get the date and check-digit test."""
    text = INVISIBLE.sub("", "\n".join(_strings(payload)))
    if not text.isascii():  # each scalar as written, then as read (one per line)
        read = _as_read(text)
        text = text if read == text else text + "\n" + read
    if not _TEN_DIGITS.search(text):
        return False
    return any(is_personal_number(s) for s in text.split("\n") if _TEN_DIGITS.search(s))


def contains_personal_number(payload: Any, *, dumped: bytes | None = None) -> bool:
    """Scan every string (and number) anywhere in a payload, keys included.

    Walking a 500-record batch in Python costs milliseconds, so the payload is serialised
    (orjson) and its digit runs are found at memory speed (a byte translation and substring
    searches); only a run shaped like a number, checked with its neighbours, sends the payload
    to the walk. Without false negatives: a JSON string's characters are written as they are
    (a payload with ``\\u`` escapes or non-ASCII text, whose digits the bytes would misplace
    or miss, goes to the walk), an integer as its digits, an integral float below 1e16 as its
    digits and ``.0`` (above, its digit run is too long to be a number), and a run never
    crosses from one value to the next (quotes, commas and brackets are not digits). Random
    event ids hold such runs in a few per cent of cases; their neighbours settle them.

    ``dumped``: exactly ``orjson.dumps(payload, option=OPT_NON_STR_KEYS)``, if the caller
    wrote it already (ingest's body parser does, to check its reading): not written twice."""
    if dumped is None:
        try:
            dumped = orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
        except (TypeError, orjson.JSONEncodeError):
            return _walk_finds(payload)  # not plain JSON data (or deeper than orjson goes)
    # (and DEL, or a backspace written "\b": invisible characters, dropped by the walk)
    if not dumped.isascii() or b"\\u" in dumped or b"\x7f" in dumped or b"\\b" in dumped:
        return _walk_finds(payload)
    shape = dumped.translate(_DIGIT_SHAPE)
    for run in _RUNS:
        pos = shape.find(run)
        while pos >= 0:
            # The whole run of digits and separators around it, and one character each side.
            start = shape.rfind(b" ", 0, pos) + 1
            end = shape.find(b" ", pos)
            end = len(shape) if end < 0 else end
            if is_personal_number(dumped[max(start - 1, 0):end + 1].decode()):
                return _walk_finds(payload)
            pos = shape.find(run, end)
    return False


def _join(path: str, part: object) -> str:
    return f"{path}.{part}" if path else str(part)


def personal_number_field(obj: Any, path: str = "") -> str | None:
    """Where the first personal number in ``obj`` is, or None: a dotted path
    (``dimensions.sex``, ``items.0``) that never contains the number, a key holding one being
    named ``<parent>.<key>``. Scans what :func:`contains_personal_number` scans; paths are
    only built on the way to a hit."""
    hits = personal_number_fields(obj, path, first_only=True)
    return hits[0] if hits else None


def personal_number_fields(obj: Any, path: str = "", *, first_only: bool = False,
                           dumped: bytes | None = None) -> list[str]:
    """Every place (dotted path, as :func:`personal_number_field`) holding a personal number.

    Iterative and pruned: a subtree is only entered when it holds a number. ``dumped``: as
    :func:`contains_personal_number`'s, for ``obj`` itself."""
    out: list[str] = []
    if not contains_personal_number(obj, dumped=dumped):
        return out
    stack: list[tuple[Any, str]] = [(obj, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, Mapping):
            children = []
            for k, v in item.items():
                key = _scalar_text(k)
                if key is not None and is_personal_number(key):
                    out.append(_join(where, "<key>"))
                elif contains_personal_number(v):
                    children.append((v, _join(where, k)))
            stack.extend(reversed(children))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed([(v, _join(where, i)) for i, v in enumerate(item)
                                   if contains_personal_number(v)]))
        else:
            out.append(where or "value")
        if first_only and out:
            return out[:1]
    return out


# The fewest digits a personal number has (YYMMDD and four). A sent text with fewer cannot
# hold one, whatever separates its digits.
_FEWEST_DIGITS = 10
NOT_SHOWN = "(not shown: it holds 10 digits or more)"


def shown(text: str, limit: int = 64) -> str:
    """``text`` as an error message may repeat it: only if it holds fewer digits than any
    personal number (in any script, however separated), cut to ``limit``; else a
    placeholder. The scanner knows the ways of writing a number people use; an echo must not
    depend on it knowing every way, so nothing that could be one is echoed at all."""
    if sum(ch.isnumeric() for ch in text) >= _FEWEST_DIGITS:
        return NOT_SHOWN
    return text[:limit]


def quoted(text: str, limit: int = 64) -> str:
    """:func:`shown`, quoted as ``repr`` quotes (the placeholder is not)."""
    out = shown(text, limit)
    return out if out == NOT_SHOWN else repr(out)


def new_id() -> str:
    """A random uuid4 that holds no personal-number-shaped digits (drawn again if it does,
    about once in 11 000 draws), so the gate never refuses it: an event id, and every id a
    URL carries (an alert's, an upload's, a batch's), which every service's URL guard
    (:mod:`samstat_kit.urlguard`) would otherwise refuse."""
    while True:
        candidate = str(uuid.uuid4())
        if not is_personal_number(candidate):
            return candidate


new_event_id = new_id


def new_hex_id(nbytes: int = 8) -> str:
    """A random hex id (a token's or a person's) that holds no personal-number-shaped
    digits: 16 hex characters hold one about once in 5,000 draws, and such an id in a URL
    or a form would be refused by the guards (:mod:`samstat_kit.urlguard`,
    :mod:`samstat_kit.bodyguard`)."""
    while True:
        candidate = secrets.token_hex(nbytes)
        # all digits: also as the URL guard reads a whole number ("0000008802089717")
        readings = [candidate, str(int(candidate))] if candidate.isdigit() else [candidate]
        if not any(is_personal_number(r) for r in readings):
            return candidate


def stable_event_id(namespace: uuid.UUID, name: str) -> str:
    """A deterministic event id (uuid5 of ``name``) that holds no number: the same name gives
    the same id every time, and the one name in about 11 700 whose uuid5 would be refused
    gets the uuid5 of ``name`` with a suffix instead (the first suffix that is clean)."""
    candidate = str(uuid.uuid5(namespace, name))
    attempt = 0
    while is_personal_number(candidate):
        attempt += 1
        candidate = str(uuid.uuid5(namespace, f"{name}\x00{attempt}"))
    return candidate


def chance_in_uuid4() -> float:
    """The exact probability that a random uuid4 (canonical text form) contains a valid
    personal number, from the places one can sit (see the module's docstring)."""
    digit = 10 / 16
    letter = 6 / 16
    p10 = _valid_fraction(century=False)  # a random 10-digit string is a number
    p12 = _valid_fraction(century=True)  # a random 12-digit string is a number
    # first two groups: 8 digits + 4 digits (12-digit form), or a letter, 6 digits + 4 digits
    head = digit ** 12 * p12 + letter * digit ** 10 * p10
    # last group of 12: all digits; or exactly ten digits at its start, end or middle
    tail = digit ** 12 * p12 + (2 * letter + letter * letter) * digit ** 10 * p10
    return head + tail - head * tail


def _valid_fraction(*, century: bool) -> float:
    """Fraction of uniformly random digit strings (10, or 12 with a century) that are valid
    numbers: valid dates over all YYMMDD, times 1/10 for the check digit."""
    valid = sum(1 for yy in range(100) for mm in range(100) for dd in range(100)
                if _valid_date("19" if century else None, f"{yy:02d}", f"{mm:02d}",
                               f"{dd:02d}"))
    fraction = valid / 1_000_000 / 10
    if century:
        # "19" stands for 18, 19 and 20 (about as many valid dates): 3 of 100 centuries.
        fraction *= 3 / 100
    return fraction
