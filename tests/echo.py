"""What a response says, without the random things it carries: ids (a batch's, an upload's,
an alert's), a page's CSRF field and CSP nonces. None of them is what was sent, and a short
text turns up in one now and then (CI: batch id ``…-be92e971701b`` held "9717", and a test
that no reason repeats a sent number failed; "Q4" is in about one CSRF token in a
hundred). A check that something is *not* said looks here."""

from __future__ import annotations

import re

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
TOKENS = re.compile(r'<input type="hidden" name="csrf_token"[^>]*>|nonce="[^"]*"')


def said(text: str) -> str:
    return UUID.sub("<id>", TOKENS.sub("", text))
