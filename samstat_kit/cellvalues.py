"""The numbers in agencies' files: a cell's text as the JSON value ingest would read.
Pure, Python 3.9 (the client wheel carries it)."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

# The JSON integers ingest reads: one beyond 64 bits refuses the whole request (a JSON reader
# would round it), so a file's row must never send one. As a float it is one row's error
# ("out of range") on every path: the server's, the CLI's own, the upload's.
INT64 = 2**63


def sendable(n: int) -> Any:
    if -INT64 <= n < INT64:
        return n
    try:
        return float(n)
    except OverflowError:
        return str(n)  # the schema says why


# Digits beyond this are out of range whatever they say (2**63 has 19), and int() of more than
# 4,300 digits raises: the row's value stays text and the schema says why.
_DIGITS = r"[+-]?[0-9]{1,400}"


def number(text: str) -> Any:
    if re.fullmatch(_DIGITS, text):
        return sendable(int(text))
    candidate = text.replace(",", ".") if "," in text and "." not in text else text
    candidate = candidate.replace("\u00a0", "").replace(" ", "")  # 12 345 as Swedes write it
    if not candidate.isascii():  # float() reads other scripts' digits; ingest does not
        return text
    try:
        value = float(candidate)
    except ValueError:
        return text  # the schema says why
    return value if math.isfinite(value) else text


def integer(text: str) -> Any:
    return sendable(int(text)) if re.fullmatch(_DIGITS, text) else text


# SDMX's UNIT_MULT is a power of ten, in practice 0 to 12. Bounded: 10 ** 5000 is a 500 or
# minutes of CPU, 10 ** -400 turns a count into 0.
MAX_UNIT_MULT = 15


def scaled(value: float, mult: str) -> Any:
    """``value`` times 10 to the power ``mult`` (SDMX UNIT_MULT), in decimal (0.7, not
    0.7000000000000001); ValueError with the reason for a multiplier out of range."""
    if not re.fullmatch(r"[+-]?[0-9]{1,3}", mult) or abs(int(mult)) > MAX_UNIT_MULT:
        raise ValueError(f"UNIT_MULT must be a whole number from -{MAX_UNIT_MULT} to "
                         f"{MAX_UNIT_MULT}")
    if not math.isfinite(value):
        return value  # the schema says why
    exact = Decimal(repr(value) if isinstance(value, float) else value).scaleb(int(mult))
    return sendable(int(exact)) if exact == exact.to_integral_value() else float(exact)


def period(text: str) -> str:
    """A period cell as written: Excel turns ``2026-11`` typed into a cell into the date 1
    November 2026, which a workbook gives as ``2026-11-01T00:00:00``: that is the month."""
    found = re.fullmatch(r"([0-9]{4}-[0-9]{2})-01T00:00:00", text)
    return found.group(1) if found else text
