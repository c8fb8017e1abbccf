"""What every request to every service passes before its route: a personal identity number
or a NUL in the path or the query string is refused with 422, before any route reads it, so
no page, error or language switch can repeat it (a not-found page said "unknown area
'198802089717'", and the language switch kept any query parameter); the access log shows
such a request's path without its query.

Ingest answers with its own error body and counts the refusal (services/ingest/guard.py);
the other services with the kit's ``{"detail": ...}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from samstat_kit.anonymity import contains_personal_number

QUERY_REFUSED = ("the request's query string or path contains a personal identity number; "
                 "nothing was stored")
NUL_REFUSED = "the request's query string or path contains a NUL character; nothing was read"


def has_nul(path: str, query: bytes) -> bool:
    """A NUL anywhere in the path or query: no database column holds one (PostgreSQL refuses
    it), so the answer is the same 422 on every database rather than an error from the
    driver."""
    return "\x00" in path or b"\x00" in query or b"%00" in query


def has_personal_number(path: str, query: bytes) -> bool:
    """A number in the path or the query string, read every way a server could read it:
    raw, percent-decoded with ``+`` kept (``880208+9717`` is a number's own separator) and
    as form data (``+`` as a space), keys and values."""
    text = query.decode("latin-1")
    # Raw (not percent-encoded) UTF-8 too: full-width or Arabic-Indic digits sent as bytes.
    utf8 = query.decode("utf-8", "replace")
    readings: list[Any] = [path, unquote(path), text, unquote(text), unquote_plus(text), utf8]
    fields = parse_qsl(text, keep_blank_values=True) if text else []
    readings.append(fields)
    parts = [*unquote(path).split("/"), *(v for pair in fields for v in pair)]
    readings.append([n for n in map(as_integer, parts) if n is not None])
    return contains_personal_number(readings)


def as_integer(text: str) -> str | None:
    """``text`` as a route's whole-number parameter reads it, or None: Python and pydantic
    take ``880208_9717``, ``+08802089717``, ``８８０２０８９７１７`` and ``8802089717.0`` as
    8802089717 (a review: ``/v1/plans/880208_9717/report`` answered "no plan for
    8802089717"), so the number is looked for in what the route would see, not only in the
    text sent."""
    if not text or len(text) > 64 or not any(ch.isdigit() for ch in text):
        return None
    try:
        return str(abs(int(text.strip())))
    except ValueError:
        pass
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return str(abs(int(number))) if number.is_integer() else None


class RedactPersonalNumbers(logging.Filter):
    """uvicorn's access log line (client, method, path with query, version, status) without
    the query when it holds a personal number."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, _, query = args[2].partition("?")
            if has_personal_number(path, query.encode("latin-1", "replace")):
                record.args = (*args[:2], "<path withheld: personal identity number>",
                               *args[3:])
        return True


def _plain(detail: str) -> Response:
    return JSONResponse({"detail": detail}, status_code=422)


def install(app: FastAPI, refuse: Callable[[str], Response] = _plain,
            counted: Callable[[], None] | None = None) -> None:
    """Refuse such requests on ``app`` (``refuse`` makes the 422 from its reason;
    ``counted`` is called for each personal number refused)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactPersonalNumbers) for f in access.filters):
        access.addFilter(RedactPersonalNumbers())

    app.add_middleware(URLGuard, refuse=refuse, counted=counted)


class URLGuard:
    """The middleware of :func:`install`, plain ASGI: ``@app.middleware("http")`` (Starlette's
    BaseHTTPMiddleware) ran every request in a task group of its own and piped its response
    through a memory stream, a measurable part of an ingest batch's CPU."""

    def __init__(self, app: ASGIApp, refuse: Callable[[str], Response],
                 counted: Callable[[], None] | None) -> None:
        self.app = app
        self.refuse = refuse
        self.counted = counted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path, query = scope.get("path", ""), scope.get("query_string", b"")
            reason = None
            if has_personal_number(path, query):
                if self.counted is not None:
                    self.counted()
                reason = QUERY_REFUSED
            elif has_nul(path, query):
                reason = NUL_REFUSED
            if reason is not None:
                await self.refuse(reason)(scope, receive, send)
                return
        await self.app(scope, receive, send)
