"""The numbers in agencies' files: a cell's text as the JSON value ingest would read.
Pure, Python 3.9 (the client wheel carries it)."""

from __future__ import annotations

import math
import re
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


def number(text: str) -> Any:
    if re.fullmatch(r"[+-]?[0-9]+", text):
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
    return sendable(int(text)) if re.fullmatch(r"[+-]?[0-9]+", text) else text
