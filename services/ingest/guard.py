"""What every ingest request passes before its route, whatever the route.

* A personal identity number in the query string or the path (any parameter, any endpoint,
  percent-encoded or not) is refused with 422 before any route reads it; nothing of it is
  echoed, and the access log (uvicorn's) shows such a request's path without its query.
* A request FastAPI cannot validate (a query parameter of the wrong type) gets ingest's one
  error body (:class:`ErrorRead`) naming the parameter and the rule, never the value sent
  (FastAPI's default body repeats the input).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from samstat_kit import urlguard
from samstat_kit.present import errors
from services.ingest.metrics import REJECTED_BATCHES
from services.ingest.observations.schemas import ErrorRead


def install(app: FastAPI) -> None:
    def refuse(detail: str) -> JSONResponse:
        return JSONResponse(ErrorRead(detail=detail).model_dump(), status_code=422)

    urlguard.install(app, refuse, counted=REJECTED_BATCHES.labels("personal_number").inc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        reasons = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ())) or "request"
            reasons.append(f"{where}: {err.get('msg', 'invalid')}")
        return JSONResponse(ErrorRead(detail="; ".join(reasons) or "invalid request")
                            .model_dump(), status_code=422)

    errors.install(app)  # this answer for the API; the kit's page for people (the upload's)
