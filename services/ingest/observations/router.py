"""``POST /v1/observations``: the agencies' HTTP front door (thin: the work is in service)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from samstat_kit.anonymity import NOT_SHOWN, shown
from samstat_kit.auth.service import Principal
from samstat_kit.checks import shape_problem
from samstat_kit.db import session_scope, writer_lock
from samstat_kit.http import AnyToken
from services.ingest import jsonbody
from services.ingest.metrics import (
    BATCH_SECONDS,
    DRY_RUNS,
    REJECTED_BATCHES,
    count_receipt,
)
from services.ingest.observations import service
from services.ingest.observations.schemas import ErrorRead, ReceiptRead, Rejection
from services.ingest.openapi import ERRORS, request_body

router = APIRouter(tags=["observations"])


def _error(status: int, detail: str, label: str, rejected: list[Rejection] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    REJECTED_BATCHES.labels(label).inc()
    body = ErrorRead(detail=detail, rejected=rejected or [])
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


@router.post(
    "/v1/observations",
    status_code=202,
    response_model=ReceiptRead,
    responses=ERRORS,
    summary="Publish a batch of observations (or judge it: dry_run=true)",
    openapi_extra=request_body(),
)
async def post_observations(
    request: Request, principal: AnyToken,
    strict: Annotated[bool, Query(description="Refuse the whole batch (422) if any record "
                                              "is rejected")] = False,
    dry_run: Annotated[bool, Query(description="Run every check, the database's included, "
                                               "and answer as the real call would; store "
                                               "nothing")] = False,
) -> ReceiptRead | JSONResponse:
    """Accept a batch. A 202 means it is committed; the relay then moves it to Kafka.

    403: the token may not publish some record (``rejected`` names each one, with field and
    reason); nothing of the batch is stored. 422: the body is not a batch, holds a personal
    identity number anywhere (only where is said, never what), or, in strict mode, a record
    is rejected. ``dry_run=true`` gives the same status and body, and stores nothing.
    """
    settings = request.app.state.settings
    retry_after = await request.app.state.limiter.hit_async(
        principal.agency or principal.token_id)
    if retry_after is not None:
        return _error(429, f"more than {settings.rate_limit_per_minute} batches a minute",
                      "rate_limited", headers={"Retry-After": str(retry_after)})
    media = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if media != "application/json" and not media.endswith("+json"):
        # The type sent is named only when it cannot be a personal number's hiding place.
        utf8 = media.encode("latin-1", "replace").decode("utf-8", "replace")  # as sent
        sent = "" if NOT_SHOWN in (shown(media), shown(utf8)) else f", not {shown(media)}"
        return _error(415, f"the body must be application/json{sent}", "not_json")
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        # A compressed body read as JSON was "not valid JSON": say what to change instead.
        return _error(415, "the body must be sent uncompressed (no Content-Encoding)",
                      "not_json")
    with BATCH_SECONDS.time():
        body = await request.body()
        if len(body) > settings.max_body_bytes:
            return _error(413, f"body larger than {settings.max_body_bytes} bytes",
                          "too_large")
        try:
            doc, dumped = _parse(body)
        except ValueError as exc:
            return _error(422, str(exc), "malformed")
        records = doc.get("observations") if isinstance(doc, dict) else None
        if not isinstance(records, list) or not records:
            return _error(422, 'body must be {"observations": [...]} with at least one record',
                          "malformed")
        if len(records) > settings.max_batch_records:
            return _error(413, f"at most {settings.max_batch_records} observations per batch",
                          "too_large")
        try:
            receipt = await run_in_threadpool(_accept, request, principal, doc, records,
                                              strict, dry_run, dumped)
        except service.PersonalNumberFound as exc:
            # Never echo or log the number: the reason names only where it was.
            return _error(422, exc.refusal.detail(), "personal_number",
                          [_rejection(p) for p in exc.refusal.problems()])
        except service.Forbidden as exc:
            return _error(403, str(exc), "forbidden", [_rejection(p) for p in exc.denials])
        except service.StrictRejected as exc:
            return _error(422, "strict mode: a record was rejected; nothing was stored",
                          "strict", exc.receipt.rejected)
    if dry_run:
        DRY_RUNS.labels(principal.agency or "").inc()
        return receipt
    request.app.state.relay.wake()
    # Only catalogue measures become label values: label sets stay bounded.
    known = request.app.state.catalogue.measures
    count_receipt(principal.agency or "", accepted=receipt.accepted,
                  duplicates=receipt.duplicates,
                  rejected=len({r.index for r in receipt.rejected}),
                  suppressed=len(receipt.suppressed),
                  measures={r.get("measure") for r in records if isinstance(r, dict)}
                  & known.keys())
    return receipt


def _rejection(p: Any) -> Rejection:
    return Rejection(index=p.index, field=p.field, reason=p.reason)


def _parse(body: bytes) -> tuple[Any, bytes | None]:
    """The request body as JSON (and as orjson wrote it back, if it did: the scan for
    personal numbers reads that), or ValueError with the reason a client can act on.

    orjson first: json took a twelfth of the process's time under load, parsing on the event
    loop. json for what orjson refuses but json reads (a byte-order mark, UTF-16, NaN), so
    such a body is judged record by record as before. Then the shape: nesting and integers
    beyond what anything downstream handles are refused here, whole, with a reason."""
    # duplicate keys and integers beyond 64 bits read exactly
    doc, dumped = jsonbody.loads_dumped(body)
    problem = shape_problem(doc)
    if problem is not None:
        raise ValueError(problem)
    return doc, dumped


def _accept(request: Request, principal: Principal, doc: Any, records: list[Any],
            strict: bool, dry_run: bool, dumped: bytes | None) -> ReceiptRead:
    state = request.app.state
    with writer_lock(state.settings.db_url), session_scope(state.session_factory) as session:
        receipt = service.accept_batch(
            session=session, principal=principal, records=records, catalogue=state.catalogue,
            topic=state.topics.validated, threshold=state.settings.suppression_threshold,
            strict=strict, dry_run=dry_run, body=doc, dumped=dumped,
        )
        if dry_run:
            session.rollback()  # nothing was written; and nothing may be, whatever a step did
        return receipt
