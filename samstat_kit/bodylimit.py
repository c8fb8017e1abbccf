"""A cap on request bodies, enforced before any route reads a byte of one.

Why a middleware: a route that takes a file (``File()``) or form fields (``Form()``) has
FastAPI parse the whole body before the route's dependencies run, so neither the sign-in, nor
the CSRF check, nor the route's own size check can stop it; Starlette spools every file part
to a temporary file with no cap, and a JSON route's ``await request.body()`` keeps it all in
memory. Only something in front of the route can refuse early enough:

* a body whose ``Content-Length`` passes the limit is refused before any of it is read: the
  answer goes out at once and the connection is closed (the unread rest is never parsed);
* a body without one (``Transfer-Encoding: chunked``) is counted as the app receives it: the
  message that passes the limit raises :class:`BodyTooLarge` in the reader (a form parse,
  ``request.body()``), whatever the app answers then is dropped, and the refusal is sent.

The refusal is the service's own (``respond``), so it keeps the service's error body or page;
it goes out through the kit's :class:`~samstat_kit.auth.hardening.SecurityHeaders` like any
other answer. Install it once per app, after the app's other middleware (outermost)::

    bodylimit.install(app, limit=lambda scope: 8 * 2**20, respond=my_413)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from samstat_kit.auth.hardening import SecurityHeaders

Limit = Callable[[Scope], int | None]
"""The most bytes a request's body may have (None: no cap for this request)."""
Respond = Callable[[Request, int], Any]
"""The 413 answer (a Response) for a request and the limit it passed: an ``async def``, or a
plain ``def`` run in the thread pool (it may query the database). It must not read the body."""


class BodyTooLarge(Exception):
    """Raised in the app's ``receive`` when the body passes the limit: it ends the read."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


def too_large(_request: Request, limit: int) -> Response:
    """The default refusal: FastAPI's error body."""
    return JSONResponse({"detail": f"request body larger than {limit} bytes"},
                        status_code=413)


def declared_length(scope: Scope) -> int | None:
    """The ``Content-Length`` the client sent, or None (absent or not a number: the bytes are
    counted as they come instead)."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class BodyLimit:
    """The middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, *, limit: Limit, respond: Respond = too_large) -> None:
        self.app = app
        self.limit = limit
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cap = self.limit(scope) if scope["type"] == "http" else None
        if cap is None:
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > cap:
            await self._refuse(scope, receive, send, cap)
            return
        await self._counted(scope, receive, send, cap)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        received = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:  # whoever asks again (a disconnect listener) learns the body ended
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    exceeded = True
                    raise BodyTooLarge(cap)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to the broken read (a 400, a 500) gives way to ours
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            # The app may let BodyTooLarge out (or wrap it in its own error): the body's size
            # is the reason; anything raised before the limit was passed is the app's own.
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send, cap)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        async def answer(scope: Scope, receive: Receive, send: Send) -> None:
            request = Request(scope, receive)
            if inspect.iscoroutinefunction(self.respond):
                response = await self.respond(request, cap)
            else:
                response = await run_in_threadpool(self.respond, request, cap)
            # The rest of the body is never read: the connection cannot carry another
            # request, and a server would otherwise try to parse the rest as one.
            response.headers["connection"] = "close"
            await response(scope, receive, send)

        await SecurityHeaders(answer)(scope, receive, send)


def install(app: FastAPI, *, limit: Limit, respond: Respond = too_large) -> None:
    """Put :class:`BodyLimit` in front of ``app``'s routes (and of the middleware added before
    this call)."""
    app.add_middleware(BodyLimit, limit=limit, respond=respond)
