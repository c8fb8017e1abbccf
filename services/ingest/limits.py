"""Ingest's cap on request bodies (:mod:`samstat_kit.bodylimit`), in front of every route.

A body may have ``max_body_bytes`` (the most a batch or an uploaded file may have) plus
:data:`FORM_OVERHEAD`, room for a multipart form's boundaries, part headers and CSRF field, so
a file of exactly the limit still reaches the upload page (which then names the limit itself)
and a JSON batch just over it still gets the batch route's own 413. Anything larger is
refused by its ``Content-Length`` before it is read, or as soon as a chunked body passes the
cap, before the sign-in is looked at: no route, the upload page's file included, is ever
handed more than the cap.

The refusal keeps ingest's conventions: the upload page with the reason (Swedish or English,
as the page's own 422 for a file over the limit) for staff signed in to post there, else
ingest's error body (:class:`~services.ingest.observations.schemas.ErrorRead`).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import Scope

from samstat_kit import bodylimit
from services.ingest.metrics import REJECTED_BATCHES
from services.ingest.observations.schemas import ErrorRead
from services.ingest.upload.router import body_too_large

log = logging.getLogger(__name__)
FORM_OVERHEAD = 64 * 1024
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def _refusal(request: Request, _cap: int) -> Response:
    """Blocking (the upload page looks up who is signed in): run in the thread pool."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in FORMS:
        page = None
        if request.url.path.startswith("/upload"):
            try:
                page = body_too_large(request)
            except Exception as exc:  # the database away: the refusal stands, in plain form
                log.warning("413 page not drawn: %s", exc.__class__.__name__)
        if page is not None:
            return page
    else:  # a batch, as the batch route counts its own 413s
        REJECTED_BATCHES.labels("too_large").inc()
    limit = request.app.state.settings.max_body_bytes
    return JSONResponse(ErrorRead(detail=f"body larger than {limit} bytes").model_dump(),
                        status_code=413)


def install(app: FastAPI) -> None:
    """Cap every request body of ``app``; call last in ``create_app`` (outermost)."""
    cap = app.state.settings.max_body_bytes + FORM_OVERHEAD

    def limit(_scope: Scope) -> int:
        return cap

    bodylimit.install(app, limit=limit, respond=_refusal)
