"""FastAPI's answer to a malformed request, without the request in it.

FastAPI's own 422 repeats each field's input (``"input": …``): a personal identity number
typed into a field would be said back, and a lone surrogate (``"\\ud800"`` in JSON, which
Python reads as a str it cannot encode) turned that answer into a 500 on every JSON route of
notify and initiatives (a red team). This answer keeps FastAPI's shape, a list of fields with
``loc``, ``msg`` and ``type``, so clients that read it still do, but never the field's input,
its context, or a character that cannot be sent. (A validator's own message may still name
a value it refused, as "unknown area code 'x'"; a personal number never reaches one: the
URL and body guards refuse it first.) Ingest installs a reason of its own
(services/ingest/guard.py), which replaces this one there.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from samstat_kit.anonymity import contains_personal_number


def sendable(text: Any) -> str:
    """``text`` as UTF-8 can carry it: a lone surrogate becomes "?"."""
    return str(text).encode("utf-8", "replace").decode("utf-8")


def fields(exc: RequestValidationError) -> list[dict[str, Any]]:
    """The fields at fault, as FastAPI lists them, less what the request itself said. A key
    of the request's own (a misspelled field) is in ``loc``: kept unless it holds a
    personal number."""
    out = []
    for err in exc.errors():
        loc = [p if isinstance(p, int) else sendable(p) for p in err.get("loc", ())]
        if contains_personal_number([p for p in loc if isinstance(p, str)]):
            loc = [p if isinstance(p, int) or p in ("body", "query", "path", "header")
                   else "…" for p in loc]
        out.append({"loc": loc, "msg": sendable(err.get("msg", "invalid")),
                    "type": sendable(err.get("type", "value_error"))})
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": fields(exc)}, status_code=422)
