"""What every ingest request passes before its route, whatever the route.

* A personal identity number in the query string or the path (any parameter, any endpoint,
  percent-encoded or not) is refused with 422 before any route reads it; nothing of it is
  echoed, and the access log (uvicorn's) shows such a request's path without its query.
* A request FastAPI cannot validate (a query parameter of the wrong type) gets ingest's one
  error body (:class:`ErrorRead`) naming the parameter and the rule, never the value sent
  (FastAPI's default body repeats the input).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from samstat_kit.anonymity import contains_personal_number
from services.ingest.metrics import REJECTED_BATCHES
from services.ingest.observations.schemas import ErrorRead

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
    if text:
        readings.append(parse_qsl(text, keep_blank_values=True))
    return contains_personal_number(readings)


class _RedactPersonalNumbers(logging.Filter):
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


def install(app: FastAPI) -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _RedactPersonalNumbers) for f in access.filters):
        access.addFilter(_RedactPersonalNumbers())

    @app.middleware("http")
    async def refuse_personal_numbers_in_query(request: Request, call_next: Any) -> Any:
        if has_personal_number(request.scope.get("path", ""),
                               request.scope.get("query_string", b"")):
            REJECTED_BATCHES.labels("personal_number").inc()
            return JSONResponse(ErrorRead(detail=QUERY_REFUSED).model_dump(), status_code=422)
        if has_nul(request.scope.get("path", ""), request.scope.get("query_string", b"")):
            return JSONResponse(ErrorRead(detail=NUL_REFUSED).model_dump(), status_code=422)
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        reasons = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ())) or "request"
            reasons.append(f"{where}: {err.get('msg', 'invalid')}")
        return JSONResponse(ErrorRead(detail="; ".join(reasons) or "invalid request")
                            .model_dump(), status_code=422)
