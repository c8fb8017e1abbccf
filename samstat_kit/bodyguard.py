"""A personal identity number in a request's body is refused before any route reads it, on
the services whose routes take people's text: notify (comments on alerts, quiet times,
assignees, subscription addresses), initiatives and indicators, and ingest's sign-in forms.
Ingest's observations and uploads have a gate of their own that names the record, row and
field (services/ingest/guard.py, the upload pages), so those paths are left to it.

Why in front of the routes, not in each: a review found notify storing a comment "call
19880208-9717", showing it to the follow-up owner's agency, and two of its error messages
repeating what was typed (an assignee, a subscription address). A check per field misses the
next field; this one reads the whole body every way a route could read it:

* as UTF-8 text, percent-decoded (``+`` kept: a number's own separator, and as a space);
* as form fields (``a=b&c=d``), keys and values;
* as JSON, parsed, so ``\\u0031\\u0039…`` escapes are read as the digits they are.

A browser's form gets a page in the reader's language saying nothing was saved and why,
with a link back; an API call the kit's ``{"detail": ...}``. Neither repeats the number.
The body is capped before this reads it (:mod:`samstat_kit.bodylimit` sits outside).
"""

from __future__ import annotations

import codecs
import contextlib
import json
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus, urlencode, urlsplit

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from samstat_kit.anonymity import contains_personal_number, masked
from samstat_kit.auth.hardening import CSRF_FIELD, SecurityHeaders, csrf_valid
from samstat_kit.checks import json_int

BODY_REFUSED = ("the request's body contains a personal identity number; nothing was "
                "stored")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
TEXTS = {
    "sv": {"refused_title": "Ingenting sparades",
           "refused": "Det du skickade innehåller något som ser ut som ett personnummer. "
                      "samstat tar aldrig emot personnummer, så ingenting sparades.",
           "refused_fix": "Gå tillbaka, ta bort numret och skicka igen.",
           "written": "Det du skrev, utan numret (kopiera det om du vill):",
           "back": "Tillbaka"},
    "en": {"refused_title": "Nothing was saved",
           "refused": "What you sent contains something that looks like a personal identity "
                      "number. samstat never takes personal identity numbers, so nothing "
                      "was saved.",
           "refused_fix": "Go back, remove the number and send it again.",
           "written": "What you wrote, without the number (copy it if you like):",
           "back": "Back"},
}


def readings(body: bytes, content_type: str) -> list[Any]:
    """Every way a route could read ``body``, for :func:`contains_personal_number`: text in
    UTF-8 (a byte-order mark dropped), in Latin-1 (how Starlette reads a form's bytes) and in
    the charset the Content-Type names (a multipart form's parts), each percent-decoded too;
    and JSON from the bytes, as Starlette's ``Request.json()`` reads it (UTF-16
    and UTF-32 detected). A review sent UTF-16 JSON, a multipart form in UTF-16 and a raw
    0xA0 (no-break space, a number's separator) in a form past the first version."""
    texts: list[str] = []
    for encoding in _encodings(content_type):
        # A multipart form's parts are decoded each on its own (Starlette's form parser): in
        # a charset of two or four bytes a unit, a part that starts at an odd offset reads
        # as noise when the whole body is decoded at once (a red team's UTF-16 comment,
        # stored). So the body is decoded from every offset within a unit as well.
        for start in _offsets(encoding):
            text = body[start:].decode(encoding, "replace")
            texts += [text, unquote(text), unquote_plus(text),
                      unquote(text, encoding="latin-1"),
                      unquote_plus(text, encoding="latin-1")]
    # One reading each (most are the same text): a 2 MiB form cost a second of CPU read
    # twelve times over. A form's fields need no reading of their own: splitting the
    # percent-decoded text at "&" and "=" only ends digit runs, it never makes one.
    out: list[Any] = list(dict.fromkeys(texts))
    # Not JSON (or too deep for any route to read): the text readings are all there is.
    # Integers of thousands of digits read as ingest's parser reads them (json_int): a
    # plain json.loads refuses them, and the escapes beside them went unread.
    with contextlib.suppress(ValueError, RecursionError):
        out.append(json.loads(body, parse_int=json_int))
    return out


def _encodings(content_type: str) -> list[str]:
    named = [p.split("=", 1)[1].strip().strip('"') for p in content_type.split(";")
             if p.strip().startswith("charset=")]
    out = ["utf-8-sig", "latin-1"]
    for charset in named[:1]:
        with contextlib.suppress(LookupError):
            name = codecs.lookup(charset).name
            out.append(name)
            # "utf-16" (or -32) decodes each part by the byte-order mark it starts with, and a
            # body without one at its very start reads as little-endian here: a part marked
            # big-endian got past (a review). Both byte orders are read.
            if name in ("utf-16", "utf-32"):
                out += [f"{name}-le", f"{name}-be"]
    return list(dict.fromkeys(out))


def _offsets(encoding: str) -> range:
    """Where a decoding may start: every byte of a unit for charsets whose every character
    takes more than a byte (UTF-16 and -32), once for the others (in the multi-byte Asian
    sets digits are single ASCII bytes, so no offset hides them). The named charset is the
    only one of those, and is rare, so the cost is too."""
    single = encoding in ("utf-8-sig", "utf-8", "latin-1", "ascii") or \
        len("\u00e5".encode(encoding, "replace")) == 1
    return range(1) if single else range(4)


def has_personal_number(body: bytes, content_type: str) -> bool:
    return bool(body) and contains_personal_number(readings(body, content_type))


def _content_type(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return value.decode("latin-1").strip().lower()
    return ""


def _back(request: Request) -> str:
    """Where the form was: the Referer's path on this service (never another site's
    address), or the service's root."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return "/"
    # "//evil.example/x" is another site's address to a browser, and "/\\" too
    path = referer.path if referer.path.startswith("/") and not referer.path.startswith(
        ("//", "/\\")) else "/"
    # The Referer is the sender's to write: a number in its path was repeated in the link
    # back and the language switch (a red team), written plainly or percent-encoded.
    if contains_personal_number([path, unquote(path)]):
        return "/"
    clean = not contains_personal_number([referer.query, unquote(referer.query)])
    return (path + (f"?{referer.query}" if referer.query else "")) if clean else path


def refusal(request: Request, content_type: str, body: bytes = b"") -> Response:
    """The 422: a page for a browser's form, the kit's error body for an API call (or a
    client that asks for JSON only). The page gives back what was written, without the
    number (a second walk: going back lost the comment), and its language switch leads to
    the form's page (the form's own address answers only POST)."""
    accept = request.headers.get("accept", "")
    if not content_type.startswith(FORMS) or ("json" in accept and "html" not in accept):
        return JSONResponse({"detail": BODY_REFUSED}, status_code=422)
    from samstat_kit import present  # the pages' kit builds on the web kit, not this

    back = _back(request)
    other = present.other_language(present.language(request))
    path, _, query = back.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    return _pages().render(
        request, "refused.html", texts=TEXTS, title_key="refused_title", status=422,
        back=back, written=_written(request, body, content_type), services_nav=[],
        switch_url=path + "?" + urlencode([*kept, ("lang", other)]))


@cache
def _pages() -> Any:
    """The kit's pages, built once (a Jinja environment per refusal was work for nothing)."""
    from samstat_kit import present

    return present.Presenter()


def _written(request: Request, body: bytes, content_type: str) -> list[str]:
    """The form's fields that held a number, masked (:func:`masked`); only for this site's
    own form (this browser's CSRF token in it). The refusal comes before any CSRF check, so
    a page on another site posting to any address here had its words shown on samstat's
    page, under its name ("your account is locked, sign in at ...": a red team)."""
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return []
    fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=False)
    token = next((value for name, value in fields if name == CSRF_FIELD), None)
    if not csrf_valid(request, token):
        return []
    return [m for name, value in fields if name != CSRF_FIELD
            and contains_personal_number([value]) and (m := masked(value).strip())]


class PersonalNumberBody:
    """The middleware described in the module docstring. ``answered``: path prefixes whose
    routes answer a personal number themselves, naming where it was (ingest's gate)."""

    def __init__(self, app: ASGIApp, answered: tuple[str, ...] = ()) -> None:
        self.app = app
        self.answered = answered

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS") or \
                _answered(scope.get("path", ""), self.answered):
            await self.app(scope, receive, send)
            return
        messages, body = await _read(receive)
        content_type = _content_type(scope)
        # A large body is read in a thread: its readings take tens of milliseconds, and the
        # event loop serves every other request meanwhile.
        found = has_personal_number(body, content_type) if len(body) < 65536 else \
            await run_in_threadpool(has_personal_number, body, content_type)
        if found:
            request = Request(scope)
            await SecurityHeaders(refusal(request, content_type, body))(scope, receive, send)
            return
        pending = list(messages)

        async def replay() -> Message:
            # The body as it came, then whatever the server says next (a disconnect).
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, send)


def _answered(path: str, prefixes: tuple[str, ...]) -> bool:
    """Whether ``path`` is one of ``prefixes`` or lies under one (``/upload`` covers
    ``/upload/x`` but not ``/uploads``)."""
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


async def _read(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return messages, b"".join(chunks)


def install(app: FastAPI, answered: tuple[str, ...] = ()) -> None:
    """Refuse such bodies on ``app`` (but on the ``answered`` paths, see
    :class:`PersonalNumberBody`); install it before the body limit (which must stay outside
    it, so no more than the limit is ever buffered here)."""
    app.add_middleware(PersonalNumberBody, answered=answered)
