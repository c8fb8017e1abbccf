"""A service's OpenAPI, made for clients to trust (notify, initiatives, indicators; ingest has
its own, richer one in services/ingest/openapi.py): every status an operation can answer
is documented, all errors with one schema, :data:`ERROR`.

Why the schema is needed: the kit's errors say ``{"detail": "<reason>"}`` (a personal number
in the URL or body, a value out of range, the database away), while FastAPI documents its
own validation errors as ``{"detail": [<one object per field>]}`` only. A client generated
from FastAPI's document rejects the kit's answers, and schemathesis found every operation
so. Which statuses: the middleware and the kit's handlers may answer any operation 422
(the URL or body) and 503 (the database); one that takes a token 401 and 403; one whose path
or query names something (an alert, an area, an indicator) that may not exist, 404; one that
may carry a body 413 (the body limit) and 409 (a concurrent request stored the same first).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR: dict[str, Any] = {
    "title": "Error", "type": "object", "required": ["detail"],
    "properties": {"detail": {
        "description": "Why, in words; for a malformed field, FastAPI's list of fields",
        "anyOf": [{"type": "string"},
                  {"type": "array", "items": {"type": "object"}}]}},
}
_REF = {"$ref": "#/components/schemas/Error"}
_WORDS = {
    401: "Missing, invalid, expired or revoked token",
    403: "The token may not do this",
    404: "No such thing (or not one the token may see)",
    409: "In conflict with what is stored (stored meanwhile, or its state forbids it)",
    413: "Request body too large",
    422: "Malformed request, or a personal identity number in it (never repeated); "
         "nothing was stored",
    503: "Database unavailable; nothing was stored; retry after Retry-After",
}
_BODY = ("post", "put", "patch", "delete")


def needed(method: str, operation: dict[str, Any]) -> list[int]:
    """The statuses any request to this operation may get, whatever its route does."""
    out = [422, 503]
    out += [401, 403] if operation.get("security") else []
    out += [404] if operation.get("parameters") else []
    out += [409, 413] if method in _BODY else []
    return sorted(out)


def complete(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with :data:`ERROR` as a component and every operation's statuses documented
    (FastAPI's validation error, where it was, replaced by it)."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR
    for item in doc.get("paths", {}).values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in needed(method, operation):
                current = responses.get(str(status))
                if current is None or "HTTPValidationError" in str(current):
                    responses[str(status)] = _response(status)
    if "HTTPValidationError" not in str(doc.get("paths")):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return doc


def _response(status: int) -> dict[str, Any]:
    if status == 503:
        return unavailable(_WORDS[status])
    return {"description": _WORDS[status], "content": {"application/json": {"schema": _REF}}}


def unavailable(description: str, *, page: bool = False) -> dict[str, Any]:
    """A route's own 503 (``responses={503: unavailable(...)}``): the kit's error body (the
    database's 503 may answer any operation), with Retry-After; ``page``: or an HTML page,
    for a route a browser opens."""
    content: dict[str, Any] = {"application/json": {"schema": _REF}}
    if page:
        content["text/html"] = {"schema": {"type": "string"}}
    return {"description": description, "content": content,
            "headers": {"Retry-After": {"description": "Seconds to wait",
                                        "schema": {"type": "integer", "minimum": 0}}}}


def install(app: FastAPI) -> None:
    """Wrap ``app.openapi`` with :func:`complete` (built once, as FastAPI's own)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
