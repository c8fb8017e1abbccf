"""What every HTTP service has: /healthz (readiness), /livez (liveness), /metrics, token
auth, 503 when the database is down, and the web hardening of
:mod:`samstat_kit.auth.hardening` (security headers, CSP, CSRF cookie).

Browsers, which cannot send an ``Authorization`` header, sign in through :mod:`samstat_kit.web`;
API tokens end in :func:`verify_token`, people's sessions in :func:`verify_session`.

``/metrics`` is open by default (a scraper inside the cluster); in production set
``SAMSTAT_METRICS_TOKEN`` and let Prometheus send it as ``Authorization: Bearer <token>``
(ServiceMonitor ``authorization.credentials``): without it the answer is 401.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import Histogram
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from samstat_kit import bodyguard, bodylimit, invalid, metrics, present, urlguard
from samstat_kit.auth import service as tokens
from samstat_kit.auth import sessions
from samstat_kit.auth.hardening import HardenedApp
from samstat_kit.auth.people import Person
from samstat_kit.auth.service import Principal
from samstat_kit.auth.settings import AuthSettings
from samstat_kit.checks import INT64_MAX
from samstat_kit.db import is_unique_violation, session_scope
from samstat_kit.present import errors as page_errors

log = logging.getLogger(__name__)

# The most a request's body may have on a service that sets no cap of its own: forms and
# small JSON documents (a plan, a subscription).
DEFAULT_MAX_BODY = 2 * 2**20

HTTP_SECONDS = Histogram(
    "samstat_http_request_seconds",
    "HTTP request latency by service, route and status class",
    ["service", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

HealthCheck = Callable[[], Awaitable[str | None]]
"""A check returns None when healthy, else a short reason."""

bearer_scheme = HTTPBearer(auto_error=False)
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
# Verified tokens are cached briefly so a hot ingest path does not hit the database per request;
# a revocation therefore takes effect within this many seconds.
TOKEN_CACHE_SECONDS = 30.0
# Longer than any token ``samstat token issue`` makes; longer ones are refused unread.
MAX_TOKEN_LENGTH = 512


def db_check(factory: sessionmaker[Session]) -> HealthCheck:
    def probe() -> None:
        with factory() as s:
            s.execute(text("SELECT 1"))

    async def check() -> str | None:
        # In a worker thread: a slow or unreachable database (a pool waiting for a connection,
        # a connect timing out) must not hold the event loop, and with it /metrics, which the
        # liveness probe reads (deploy/k8s/base/apps).
        try:
            await run_in_threadpool(probe)
        except Exception as exc:  # the reason is shown to operators, the trace is logged
            log.warning("database check failed: %s", exc)
            return "database unavailable"
        return None

    return check


_NAME = re.compile(r"[a-z_]{1,40}")  # a parameter's name, never the reader's other text


def _beyond_64_bits(text: str) -> bool:
    digits = text.strip().lstrip("+-").lstrip("0")
    # By length first: int() of thousands of digits is refused (and slow).
    return digits.isdigit() and (len(digits) > 19 or int(digits) > INT64_MAX)


def out_of_range_detail(request: Request, general: str) -> str:
    """The 422's reason: the path and query parameters holding a whole number beyond 64 bits
    by name, where that is it (else ``general``); "nothing was stored" only where a request
    could have stored something."""
    params = {**request.path_params, **request.query_params}
    big = sorted(name for name, v in params.items()
                 if _NAME.fullmatch(name) and _beyond_64_bits(str(v)))
    reason = (f"{', '.join(big)}: a whole number out of range (at most {INT64_MAX})"
              if big else general)
    return reason if request.method in ("GET", "HEAD") else f"{reason}; nothing was stored"


def create_service_app(
    service: str,
    *,
    title: str,
    factory: sessionmaker[Session],
    checks: dict[str, HealthCheck] | None = None,
    info: dict[str, HealthCheck] | None = None,
    lifespan: Any = None,
    description: str = "",
    max_body_bytes: int | None = DEFAULT_MAX_BODY,
    guard_urls: bool = True,
    bodies_answered: tuple[str, ...] = (),
) -> FastAPI:
    """A service's app with the kit's parts. ``max_body_bytes``: the cap on every request's
    body (:mod:`samstat_kit.bodylimit`), or None for a service that installs its own (ingest,
    whose batches and files are larger): without one, a form route parses any body before
    the sign-in and CSRF checks, spooling its file parts to disk. ``guard_urls``: refuse a
    personal identity number in the path or query (:mod:`samstat_kit.urlguard`), False for
    a service that installs its own answer to it (ingest). In the body it is always refused
    (:mod:`samstat_kit.bodyguard`), but on the ``bodies_answered`` path prefixes, whose
    routes answer it themselves (ingest's gate names the record and field)."""
    # The security headers outside every middleware, Starlette's error page's included
    # No /docs or /redoc: FastAPI's pages load their scripts from a CDN and start them with an
    # inline script, both of which the CSP refuses, so they showed a blank page (a review).
    # The contract is /openapi.json (OpenAPI 3.1), for any client generator or viewer.
    app = HardenedApp(title=title, version="1.0.0", lifespan=lifespan, description=description,
                      docs_url=None, redoc_url=None)
    app.state.session_factory = factory
    app.state.token_cache = {}
    app.state.auth_settings = AuthSettings()
    present.install(app)  # the pages' stylesheet, a file (the CSP allows no inline code)
    all_checks = {"database": db_check(factory)} | (checks or {})

    # On the event loop, not in the worker threads: the liveness probe reads it, and under a
    # slow database every worker thread may be waiting on it.
    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        if not metrics_allowed(request):
            return Response("metrics need the metrics token\n", status_code=401,
                            headers={"WWW-Authenticate": "Bearer"}, media_type="text/plain")
        return metrics.metrics()

    _who_am_i(app)
    _home(app, service)

    @app.get("/livez", include_in_schema=False)
    async def livez() -> JSONResponse:
        # The liveness and startup probes: the process serves HTTP. Nothing else is asked (a
        # database outage is /healthz's, readiness), and no token: the kubelet sends none,
        # and /metrics wants one once SAMSTAT_METRICS_TOKEN is set.
        return JSONResponse({"status": "ok", "service": service})

    @app.get("/healthz", tags=["ops"], summary="Readiness: the database answers")
    async def healthz() -> JSONResponse:
        results = {name: await fn() for name, fn in all_checks.items()}
        ok = all(r is None for r in results.values())
        # Informational checks are shown but do not fail readiness: ingest keeps accepting
        # while the broker is away, and that is by design.
        notes = {name: await fn() for name, fn in (info or {}).items()}
        body = {
            "status": "ok" if ok else "unavailable",
            "service": service,
            "checks": {k: (v or "ok") for k, v in (results | notes).items()},
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    invalid.install(app)  # FastAPI's 422 without the request's input in it
    @app.exception_handler(DataError)
    async def bad_value(request: Request, exc: Exception) -> JSONResponse:
        # A value the database cannot hold (a NUL in text, a number beyond its column) is
        # the request's fault: saying "unavailable, retry" would make a client retry forever.
        log.warning("database refused a value: %s", exc.__class__.__name__)
        return JSONResponse({"detail": out_of_range_detail(
            request, "a value in the request cannot be stored or searched (a NUL character "
                     "or a number out of range)")}, status_code=422)

    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # A number or date the request carries that Python or the driver cannot hold (an
        # integer past SQLite's 64 bits, a date past year 9999 after a time-zone shift).
        log.warning("a value out of range: %s", exc)
        return JSONResponse({"detail": out_of_range_detail(
            request, "a number or date in the request is out of range")}, status_code=422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def db_down(_request: Request, exc: Exception) -> JSONResponse:
        if is_unique_violation(exc):
            # A concurrent request stored the same thing first: not an outage, and a retry
            # would meet the same key.
            return JSONResponse({"detail": "it exists already (stored meanwhile by another "
                                           "request); nothing was stored"}, status_code=409)
        log.error("database error: %s", exc.__class__.__name__)
        return JSONResponse(
            {"detail": "database unavailable, nothing was stored; retry later"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    # People get a page in their language for these errors, the API its JSON (present.errors)
    page_errors.install(app, DataError, OverflowError)

    _count_requests(app, service)
    if guard_urls:
        urlguard.install(app)
    # Inside the body limit: it never buffers more than the limit.
    bodyguard.install(app, bodies_answered)
    if max_body_bytes is not None:  # outermost of the kit's middleware
        cap = max_body_bytes
        bodylimit.install(app, limit=lambda _scope: cap)
    return app


def _count_requests(app: FastAPI, service: str) -> None:
    """samstat_http_request_seconds by route template (never the path itself: bounded) and
    status class, an error no handler answered included (the client gets a 500)."""
    app.add_middleware(RequestTiming, service=service)


class RequestTiming:
    """The middleware of :func:`_count_requests`, plain ASGI: ``@app.middleware("http")``
    (Starlette's BaseHTTPMiddleware) ran each request in a task group of its own and piped
    its response through a memory stream, a measurable part of an ingest batch's CPU. The
    time is taken when the response starts, as it was."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        observed = False

        def observe(status: str) -> None:
            nonlocal observed
            observed = True
            path = getattr(scope.get("route"), "path", "unmatched")  # set by the router
            HTTP_SECONDS.labels(self.service, path, status).observe(time.perf_counter() - start)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and not observed:
                observe(f"{message['status'] // 100}xx")
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            if not observed:
                observe("5xx")
            raise


def _home(app: FastAPI, service: str) -> None:
    """The bare address leads a person to the service's first page (a walk: "/" answered
    raw JSON, ``{"detail": "Not Found"}``), its query (the language) kept."""
    page = present.nav.home(service)
    if page is None:
        return

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        query = request.url.query
        return RedirectResponse(page + (f"?{query}" if query else ""), status_code=303)


def _who_am_i(app: FastAPI) -> None:
    """``GET /v1/me`` on every service: who the cookie or Bearer token is (401 if nobody), so
    a page or an operator sees that one sign-in serves every service."""
    from samstat_kit.web import actor, reader_required  # web builds on this module

    # (annotations are strings here: the dependency goes in the default)
    @app.get("/v1/me", tags=["ops"], summary="Who is signed in (a person or a token)")
    def who_am_i(reader: Any = Depends(reader_required)) -> dict[str, Any]:  # noqa: B008
        person = reader.person
        return {"actor": actor(reader), "scope": reader.principal.scope,
                "agency": reader.principal.agency,
                "person": None if person is None else {
                    "email": person.email, "name": person.name, "agency": person.agency,
                    "role": person.role}}


def metrics_allowed(request: Request) -> bool:
    """True without ``SAMSTAT_METRICS_TOKEN``; with it, only for that Bearer token."""
    expected = request.app.state.auth_settings.metrics_token
    if expected is None:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.get_secret_value().encode())


def verify_session(request: Request, secret: str) -> tuple[Principal, Person] | None:
    """The principal and person of a live browser session (from the cookie, or forwarded by
    another service as a Bearer token), else None. Never cached: a logout on any service
    ends the session on all of them at once. Blocking: it queries the database."""
    if not secret.startswith(sessions.SESSION_PREFIX):
        return None
    auth: AuthSettings = request.app.state.auth_settings
    with session_scope(request.app.state.session_factory) as session:
        signed_in = sessions.session_person(
            session=session, secret=secret, idle=timedelta(seconds=auth.session_idle_seconds))
    if signed_in is None:
        return None
    person = signed_in.person
    # token_id is what existing audit trails record (the registry's actor): the person
    principal = Principal(token_id=person.email,
                          scope="admin" if person.is_admin else "agency",
                          agency=None if person.is_admin else person.agency)
    return principal, person


def verify_token(request: Request, token: str, *, cached: bool = True) -> Principal | None:
    """The token's principal, or None when it is invalid, expired or revoked.

    The one check behind every way a token arrives (the ``Authorization: Bearer`` header here,
    the browser's cookie in :mod:`samstat_kit.web`). Answers are cached for
    :data:`TOKEN_CACHE_SECONDS`; ``cached=False`` asks the database (and refreshes the cache).
    Blocking: it may query the database.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    if cached and (hit := _cached(request, token)) is not None:
        return hit[0]
    now = time.monotonic()
    with session_scope(request.app.state.session_factory) as session:
        principal = tokens.verify(session=session, token=token)
    cache: dict[str, tuple[float, Principal | None]] = request.app.state.token_cache
    if len(cache) > 10_000:
        cache.clear()
    cache[token] = (now, principal)
    return principal


def _cached(request: Request, token: str) -> tuple[Principal | None] | None:
    """The cached answer for ``token`` (its principal, or None for an invalid one) while it
    is fresher than :data:`TOKEN_CACHE_SECONDS`, else None (ask the database)."""
    hit = request.app.state.token_cache.get(token)
    if hit is None or time.monotonic() - hit[0] >= TOKEN_CACHE_SECONDS:
        return None
    return (hit[1],)


def _principal(request: Request, creds: HTTPAuthorizationCredentials | None) -> Principal:
    if creds is None or creds.scheme.lower() != "bearer":
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    signed_in = verify_session(request, creds.credentials)
    principal = signed_in[0] if signed_in else verify_token(request, creds.credentials)
    if principal is None:
        raise HTTPException(401, "invalid, expired or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


def _known_token(request: Request, creds: HTTPAuthorizationCredentials | None
                 ) -> Principal | None:
    """The principal of a Bearer API token that :func:`verify_token` answered valid within
    :data:`TOKEN_CACHE_SECONDS`, else None (ask :func:`_principal`). Never a browser session's:
    those are never cached."""
    if creds is None or creds.scheme.lower() != "bearer" or \
            creds.credentials.startswith(sessions.SESSION_PREFIX):
        return None
    hit = _cached(request, creds.credentials)
    return hit[0] if hit is not None else None


async def _any_principal(request: Request, creds: HTTPAuthorizationCredentials | None
                         ) -> Principal:
    """:func:`_principal`, on the event loop for a token just verified: a sync dependency
    is a hand-off to a worker thread and back for every request (an ingest batch paid it
    beside its own), and only the database lookup blocks."""
    known = _known_token(request, creds)
    if known is not None:
        return known
    return await run_in_threadpool(_principal, request, creds)


async def any_token(request: Request, creds: BearerCredentials) -> Principal:
    return await _any_principal(request, creds)


async def admin_token(request: Request, creds: BearerCredentials) -> Principal:
    principal = await _any_principal(request, creds)
    if not principal.is_admin:
        raise HTTPException(403, "this needs an admin token")
    return principal


AnyToken = Annotated[Principal, Depends(any_token)]
AdminToken = Annotated[Principal, Depends(admin_token)]
