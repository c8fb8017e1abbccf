"""Reading a JSON body exactly as it was sent, or refusing it with a reason.

orjson is fast but forgiving in two ways that matter at a gate: it keeps the last of
duplicate keys (``{"area": "<a personal number>", "area": "2480"}`` would pass the scan,
the number never seen) and reads an integer beyond 64 bits as a rounded float (2**64 would be
stored as 1.8446744073709552e19). Both are detected cheaply after orjson's parse (digit runs
and a count of colons), and only then is the body read again by ``json`` with exact integers
and a duplicate-key check. Python 3.9 compatible, no framework.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from samstat_kit.checks import DUPLICATE_KEY, json_float, json_int, no_duplicate_keys

TOO_DEEP = "JSON nested too deep"

# ASCII digits become "0", the point stays, everything else a space: a long digit run is
# then a substring.
_DIGITS = bytes(48 if 48 <= i <= 57 else i if i == 46 else 32 for i in range(256))
# orjson reads integers exactly up to 2**64 - 1 and down to -2**63 (19 and 20 digits).
_LONG_RUN = b"0" * 19
# A float whose whole part has ten digits or more and more digits than a double holds, or
# one written with an exponent and twelve digits or more, may be read with another whole
# part than written (``8802089717.99999999999`` as 8802089718.0): such a body is read again
# with json_float. Substrings of the shapes, as for the integers: a regex tried at every
# position cost 18 ms on a 500-record batch, and one run of "0.0.0…" made it quadratic.
_WHOLE_TEN = b"0" * 10 + b".00000"
_EXPONENT = bytes(48 if 48 <= i <= 57 or i == 46 else 101 if i in (69, 101) else 32
                  for i in range(256))
_MANTISSA = b"0" * 12 + b"e"


def loads_exact(raw: bytes | str) -> Any:
    """``json.loads`` with exact integers and no duplicate keys; ValueError with a reason
    (RecursionError becomes "nested too deep")."""
    try:
        return json.loads(raw, object_pairs_hook=no_duplicate_keys, parse_int=json_int,
                          parse_float=json_float)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None
    except UnicodeDecodeError as exc:
        # A body in Latin-1 or Windows-1252 ("ohälsa") is valid JSON in the wrong encoding:
        # "not valid JSON" sent a client looking for a syntax error (a red team).
        raise ValueError(f"body is not UTF-8 (byte {exc.start}); JSON is sent in UTF-8, "
                         "UTF-16 or UTF-32") from None
    except ValueError as exc:
        if str(exc) == DUPLICATE_KEY:
            raise
        raise ValueError("body is not valid JSON") from None


def _exact_dump(raw: bytes, doc: Any) -> bytes | None:
    """``doc`` as ``orjson.dumps`` writes it, or None when orjson's reading may differ from
    the text: a digit run long enough to be an integer beyond 64 bits, or more keys in the
    text than in the result. The colons outside
    strings are the keys; colons inside strings come out of ``orjson.dumps`` as they went in
    (``\\u003a`` escapes counted as colons), so the counts differ exactly when keys were lost
    (or, harmlessly, for an escaped backslash before ``u003a``). The personal-number scan
    reads what was written too (samstat_kit.anonymity.contains_personal_number): once."""
    shape = raw.translate(_DIGITS)
    if _LONG_RUN in shape or _WHOLE_TEN in shape or _MANTISSA in raw.translate(_EXPONENT):
        return None
    sent = raw.count(b":") + raw.count(b"\\u003a") + raw.count(b"\\u003A")
    try:
        # OPT_NON_STR_KEYS as the scan writes it (parsed JSON has text keys only: the same)
        dumped = orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS)
    except TypeError as exc:  # orjson.JSONEncodeError is one
        if "Recursion limit" in str(exc):
            raise ValueError(TOO_DEEP) from None  # see loads_dumped()
        return None
    return dumped if sent == dumped.count(b":") else None


def loads_dumped(raw: bytes) -> tuple[Any, bytes | None]:
    """The body as JSON, exactly as sent, or ValueError with the reason a client can act on;
    and the document as ``orjson.dumps(doc, option=OPT_NON_STR_KEYS)`` wrote it when that
    was written to check the reading (else None)."""
    try:
        doc = orjson.loads(raw)
    except ValueError as exc:
        if "depth limit exceeded" in str(exc):
            # Deeper than orjson reads (1,024 levels), or than it writes (255; in
            # _exact_dump): refused here rather than by json, which would recurse until
            # Python's recursion limit stops it, a stack so deep that a garbage collection
            # running at its bottom can fail to report an error of its own (seen in CI).
            # The gate refuses far less deep documents anyway (samstat_kit.checks.MAX_DEPTH).
            raise ValueError(TOO_DEEP) from None
        return loads_exact(raw), None  # a byte-order mark, UTF-16, NaN: json reads them
    dumped = _exact_dump(raw, doc)
    if dumped is None:
        return loads_exact(raw), None
    return doc, dumped
