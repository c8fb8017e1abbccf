"""Ingest's OpenAPI, made for clients to trust: every ``$ref`` resolves, every status an
operation can answer is documented with one error schema (:class:`ErrorRead`), and the
examples are the contract's own (``schemas/examples/``).

The batch endpoint parses its body itself (to judge record by record), so FastAPI does not
see the body model: :func:`request_body` documents it by reference and :func:`install` adds
the models to ``components.schemas``.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from fastapi import FastAPI

from samstat_kit.contracts import SCHEMAS_DIR
from services.ingest.observations.schemas import BatchCreate, ErrorRead, ReceiptRead

_ERROR_REF = {"$ref": "#/components/schemas/ErrorRead"}


def _error(description: str, example: dict[str, Any],
           headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {
        "application/json": {"schema": _ERROR_REF, "example": example}}}
    if headers:
        out["headers"] = headers
    return out


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again",
                                "schema": {"type": "integer", "minimum": 0}}}

_COMMON: dict[int, dict[str, Any]] = {
    401: _error("Missing, invalid, expired or revoked token",
                {"detail": "invalid, expired or revoked token", "rejected": []},
                {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}),
    422: _error("Malformed request (query or body), or a personal identity number anywhere "
                "in it (only where is said, never what); nothing was stored",
                {"detail": "the request contains a personal identity number (at "
                           "observations.1.dimensions.sex); nothing of it was stored",
                 "rejected": [{"index": 1, "field": "dimensions.sex",
                               "reason": "a personal identity number; nothing of the batch "
                                         "was stored"}]}),
    503: _error("Database unavailable; nothing was stored; retry after Retry-After",
                {"detail": "database unavailable, nothing was stored; retry later",
                 "rejected": []}, _RETRY_AFTER),
}

ERRORS: dict[int | str, dict[str, Any]] = {
    401: _COMMON[401],
    403: _error("The token may not publish some record of the batch (each named in "
                "``rejected``) or publishes nothing (not an agency token); nothing was stored",
                {"detail": "record 2 (dimensions.benefit): agency kommun-2480 may not publish "
                           "benefit=sickness for measure benefit_net_days",
                 "rejected": [{"index": 2, "field": "dimensions.benefit",
                               "reason": "agency kommun-2480 may not publish benefit=sickness "
                                         "for measure benefit_net_days"}]}),
    413: _error("Body or batch too large", {"detail": "at most 5000 observations per batch",
                                            "rejected": []}),
    415: _error("The body is not JSON (Content-Type must be application/json)",
                {"detail": "the body must be application/json, not text/csv", "rejected": []}),
    422: _error("Malformed batch, a personal identity number anywhere in the request (only "
                "where is said, never what; an event_id that happens to hold one asks for a "
                "new id), JSON nested too deep, an integer beyond 64 bits, or strict-mode "
                "rejects; nothing was stored", _COMMON[422]["content"]["application/json"]
                ["example"]),
    429: _error("Too many batches from this agency; retry after Retry-After",
                {"detail": "more than 600 batches a minute", "rejected": []}, _RETRY_AFTER),
    503: _COMMON[503],
}


@cache
def _examples(kind: str) -> dict[str, Any]:
    """``schemas/examples/<kind>/*.json`` as OpenAPI examples, by file name."""
    out = {}
    for path in sorted((SCHEMAS_DIR / "examples" / kind).glob("*.json")):
        out[path.stem] = {"summary": path.stem.replace("-", " "),
                          "value": json.loads(path.read_text(encoding="utf-8"))}
    return out


def request_body() -> dict[str, Any]:
    """``openapi_extra`` of the batch endpoint: its body, by reference, with examples."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/BatchCreate"},
        "examples": _examples("observation-batch.v1")}}}}


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in (BatchCreate, ErrorRead, ReceiptRead):
        doc = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(doc.pop("$defs", {}))
        schemas[model.__name__] = doc
    return schemas


def install(app: FastAPI) -> None:
    """Wrap ``app.openapi``: the body models as components, the receipt's examples, and on
    every operation the statuses any request may get (422 for the query string, 503 for the
    database, 401 where a token is needed), all with :class:`ErrorRead`."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = original()
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in _components().items():
            components.setdefault(name, schema)
        # FastAPI's own validation-error bodies are replaced (services/ingest/app.py).
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        for item in doc.get("paths", {}).values():
            for operation in item.values():
                _complete(operation)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    needed = [422, 503] + ([401] if operation.get("security") else [])
    for status in needed:
        current = responses.get(str(status))
        if current is None or "HTTPValidationError" in json.dumps(current):
            responses[str(status)] = _COMMON[status]
    ok = responses.get("202", {}).get("content", {}).get("application/json")
    if ok is not None and "ReceiptRead" in json.dumps(ok):
        ok["examples"] = _examples("receipt.v1")
