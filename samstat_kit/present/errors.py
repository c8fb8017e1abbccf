"""Errors as pages for people, as JSON for programs: one place for the four services.

A browser met the framework's raw JSON wherever a route did not answer an error itself (a
black-box test): ``{"detail": "Not Found"}`` for an unknown address, a 422 list for
``/upload/{id}/rows/abc`` or a comment over 2000 characters, a 403 for an outdated form's
CSRF token, ``"year: a whole number out of range"`` for ``/reports/99999999999999999999``.
:func:`install` (``create_service_app`` calls it) wraps the app's handlers of those errors
(:func:`for_pages`): a request from a person (:func:`wants_page`) gets the kit's page in
their language with the same status and headers; every other request keeps the handler's
JSON, so the API's documented error bodies (``samstat_kit/openapi.py``) are unchanged.

A page never repeats what was sent (a path or a value is the reader's text) nor the
English reason; a field at fault is named by its parameter's name.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from samstat_kit.present import LANGUAGES, PRIVATE, Presenter, language, other_language

Handler = Callable[[Request, Any], Response | Awaitable[Response]]
# Paths of the API and the operators' endpoints: JSON (or text) whoever asks.
API_PREFIXES = ("/v1/", "/healthz", "/livez", "/metrics", "/openapi.json", "/docs", "/redoc")

TEXTS = {
    "sv": {"e404": "Sidan finns inte", "e404_text": "Det finns ingen sida på den adressen.",
           "e403": "Det gick inte", "e403_text": "Du får inte göra det här.",
           "csrf": "Formuläret har gått ut", "csrf_text": "Formuläret är för gammalt eller "
           "kom från en annan webbplats, så ingenting sparades. Ladda om sidan och försök "
           "igen.",
           "e422": "Det gick inte att använda", "e422_text": "Adressen eller formuläret "
           "innehöll något som inte går att använda, så ingenting ändrades.",
           "fields": "Det gäller:",
           "range_text": "Ett tal eller datum i adressen eller formuläret är utanför det som "
           "går att använda, så ingenting ändrades.",
           "e413_text": "Det du skickade är för stort.",
           "other": "Det gick inte", "other_text": "Det gick inte att göra det du bad om "
           "(felkod {status}).", "home": "Till startsidan"},
    "en": {"e404": "Page not found", "e404_text": "There is no page at that address.",
           "e403": "Not allowed", "e403_text": "You may not do this.",
           "csrf": "The form has expired", "csrf_text": "The form is outdated or came from "
           "another site, so nothing was saved. Reload the page and try again.",
           "e422": "That could not be used", "e422_text": "The address or the form held "
           "something that cannot be used, so nothing was changed.",
           "fields": "It concerns:",
           "range_text": "A number or date in the address or the form is out of range, so "
           "nothing was changed.",
           "e413_text": "What you sent is too large.",
           "other": "That did not work", "other_text": "What you asked for could not be "
           "done (error code {status}).", "home": "To the start page"},
}


def wants_page(request: Request) -> bool:
    """Whether the error is for a person: never on the API's paths, nor for a client that
    asks for JSON and not HTML; on a page's route (pages are left out of the API's
    document), and for an address no route knows when the client prefers HTML (a
    browser)."""
    path = request.url.path
    if path.startswith(API_PREFIXES) or path == "/v1":
        return False
    accept = request.headers.get("accept", "").lower()
    if "json" in accept and "html" not in accept:
        return False
    route = request.scope.get("route")
    if route is not None:
        return getattr(route, "include_in_schema", True) is False
    return "text/html" in accept


def _fields(exc: Exception) -> list[str]:
    """The names of the parameters at fault (never their values)."""
    if not isinstance(exc, RequestValidationError):
        return []
    from samstat_kit.invalid import fields  # the kit's 422 body builds on the web kit

    names = [str(f["loc"][-1]) for f in fields(exc) if f["loc"]
             and isinstance(f["loc"][-1], str) and f["loc"][-1] not in ("body", "…")]
    return list(dict.fromkeys(names))


def _key(status: int, exc: Exception) -> tuple[str, str]:
    """(the heading's key, the text's key)."""
    if getattr(exc, "page_key", None) == "csrf":
        return "csrf", "csrf_text"
    if status in (404, 403):
        return f"e{status}", f"e{status}_text"
    if isinstance(exc, OverflowError) or (status == 422 and not isinstance(
            exc, RequestValidationError | StarletteHTTPException)):
        return "e422", "range_text"
    if status == 422:
        return "e422", "e422_text"
    if status == 413:
        return "other", "e413_text"
    return "other", "other_text"


def page(request: Request, status: int, exc: Exception,
         headers: dict[str, str] | None = None) -> Response:
    """The kit's error page for ``exc`` answered with ``status``."""
    heading, text = _key(status, exc)
    texts = {lang: {**TEXTS[lang], "title": TEXTS[lang][heading],
                    "text": TEXTS[lang][text].format(status=status)} for lang in LANGUAGES}
    other = other_language(language(request))
    switch = None if request.method in ("GET", "HEAD") else f"/?lang={other}"
    return _pages().render(request, "error.html", texts=texts, status=status,
                           headers={**(headers or {}), **PRIVATE}, switch_url=switch,
                           fields=_fields(exc), services_nav=[])


@cache
def _pages() -> Presenter:
    return Presenter()


def for_pages(handler: Handler) -> Handler:
    """``handler`` for the API; the kit's page, with the status and headers it would have
    answered, for a person (:func:`wants_page`)."""

    async def answer(request: Request, exc: Any) -> Response:
        answered = handler(request, exc)
        response = await answered if inspect.isawaitable(answered) else answered
        if not wants_page(request):
            return response
        kept = {k: v for k, v in response.headers.items()
                if k.lower() in ("www-authenticate", "retry-after", "allow")}
        return page(request, response.status_code, exc, kept)

    answer.__wrapped__ = handler  # type: ignore[attr-defined]
    return answer


def install(app: FastAPI, *classes: type[Exception]) -> None:
    """Answer people with pages for the framework's HTTP errors and for the app's handlers of
    ``classes`` (each wrapped once: installing again wraps only a handler set since)."""
    handlers = app.exception_handlers
    handlers.setdefault(StarletteHTTPException, http_exception_handler)
    for cls in (StarletteHTTPException, RequestValidationError, *classes):
        handler = handlers.get(cls)
        if handler is not None and not hasattr(handler, "__wrapped__"):
            app.add_exception_handler(cls, for_pages(handler))
