"""Browser sign-in for the services that serve HTML pages.

A board member who follows a link from an e-mail cannot send an ``Authorization`` header, so
``POST /login`` verifies a pasted token once and keeps it in the HttpOnly, SameSite=Lax
``samstat_token`` cookie. The dependencies here accept that cookie or a Bearer header, both
checked by :func:`samstat_kit.http.verify_token` and its cache. The cookie holds the token
itself, so revoking the token ends the browser session too (within
:data:`~samstat_kit.http.TOKEN_CACHE_SECONDS`). Cookies belong to a host, not a port: signing
in on one service signs the browser in on every service of that host.

A service makes one :class:`BrowserLogin` with its start page and its login form::

    LOGIN = BrowserLogin(home="/reports", render=login_page,
                         cookie_max_age=lambda s: s.session_cookie_max_age_seconds)
    router.include_router(LOGIN.router())      # GET/POST /login, POST /logout

    @router.get("/reports")
    def reports(request: Request, reader: OptionalReader) -> Response:
        if reader is None:
            return LOGIN.redirect(request)     # 303 to /login?next=/reports
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import APIKeyCookie
from starlette.concurrency import run_in_threadpool

from samstat_kit.auth.service import Principal
from samstat_kit.http import BearerCredentials, verify_token

COOKIE = "samstat_token"
MAX_FORM_BYTES = 8192
MAX_NEXT_LENGTH = 2000

cookie_scheme = APIKeyCookie(name=COOKIE, auto_error=False,
                             description="The token, as set by POST /login (browsers).")


# ------------------------------------------------------------------------------ who reads


@dataclass(frozen=True)
class Reader:
    """A verified reader and the token it came with (to forward to another service)."""

    principal: Principal
    token: str


def reader_or_none(
    request: Request,
    creds: BearerCredentials,
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Reader | None:
    """The reader from the Bearer header, else from the cookie; None when neither is valid.
    A plain ``def``, so FastAPI runs it in the thread pool: it may query the database."""
    if creds is not None and creds.scheme.lower() == "bearer":
        principal = verify_token(request, creds.credentials)
        if principal is not None:
            return Reader(principal, creds.credentials)
    if cookie:
        principal = verify_token(request, cookie)
        if principal is not None:
            return Reader(principal, cookie)
    return None


OptionalReader = Annotated[Reader | None, Depends(reader_or_none)]
"""For pages: None means "send the browser to /login" (:meth:`BrowserLogin.redirect`)."""


async def principal_or_none(reader: OptionalReader) -> Principal | None:
    return reader.principal if reader is not None else None


async def cookie_or_bearer(reader: OptionalReader) -> Principal:
    """For data a browser downloads: 401 without a valid token in the header or the cookie."""
    if reader is None:
        raise HTTPException(401, "missing, invalid, expired or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    return reader.principal


PagePrincipal = Annotated[Principal | None, Depends(principal_or_none)]
""":data:`OptionalReader` without the token."""
CookieOrBearer = Annotated[Principal, Depends(cookie_or_bearer)]
"""Any valid token, from the ``Authorization: Bearer`` header or the ``samstat_token`` cookie."""


def bearer_token(request: Request) -> str | None:
    """The token of the ``Authorization: Bearer`` header as sent (unverified), or None."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


# ---------------------------------------------------------------------------- the checks


def safe_next(value: str | None, home: str) -> str:
    """A local path to return to after login; anything else (other hosts, schemes,
    protocol-relative or backslash tricks, control characters) becomes ``home``."""
    if (not value or len(value) > MAX_NEXT_LENGTH or not value.startswith("/")
            or value.startswith("//") or "\\" in value
            or any(ord(c) < 32 or ord(c) == 127 for c in value)):
        return home
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return home
    return value


def same_origin(request: Request) -> bool:
    """False when the browser says the form was posted from another site (login CSRF)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def secure_cookies(request: Request) -> bool:
    """Whether cookies get ``Secure``: over https, in production, or when the public pages are
    served over https (behind a proxy that terminates TLS)."""
    settings = request.app.state.settings
    return (request.url.scheme == "https" or settings.env == "prod"
            or settings.public_base_url.startswith("https:"))


async def _form(request: Request) -> bytes | None:
    """The request body, or None when it is longer than :data:`MAX_FORM_BYTES`."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    return body


# ----------------------------------------------------------------------------- the routes


@dataclass(frozen=True)
class LoginView:
    """What the login form shows: where to go next, and why the last attempt failed."""

    next_path: str
    error: str | None = None
    status: int = 200
    principal: Principal | None = None  # already signed in (GET /login with a valid cookie)


LoginPage = Callable[[Request, LoginView], Response]
"""A service's login form: an HTML response with ``view.status`` that posts ``token`` and
``next`` (a hidden field, escaped) to ``/login`` as ``application/x-www-form-urlencoded``."""

INVALID = "Ogiltig, utgången eller återkallad token. (Invalid, expired or revoked token.)"
CROSS_SITE = ("Inloggningen kom från en annan webbplats. "
              "(The sign-in form was posted from another site.)")
BAD_FORM = "Formuläret kom inte fram rätt. (Unexpected form encoding.)"
TOO_LARGE = "För mycket data. (Too much data.)"


@dataclass(frozen=True)
class BrowserLogin:
    """The sign-in of one service: ``home`` is where a login without a (safe) ``next`` ends,
    ``render`` draws the form, ``cookie_max_age`` reads the cookie's lifetime in seconds from
    the service's settings (``request.app.state.settings``)."""

    home: str
    render: LoginPage
    cookie_max_age: Callable[[Any], int]

    def safe_next(self, value: str | None) -> str:
        return safe_next(value, self.home)

    def redirect(self, request: Request) -> RedirectResponse:
        """303 to /login?next=<this page>."""
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(self.safe_next(target), safe='')}",
                                status_code=303, headers={"Cache-Control": "no-store"})

    def router(self, *, include_in_schema: bool = True) -> APIRouter:
        """``GET /login`` (the form), ``POST /login`` (verify, set the cookie, 303 to ``next``)
        and ``POST /logout`` (forget the cookie, 303 to /login)."""
        router = APIRouter(tags=["pages"], include_in_schema=include_in_schema)

        @router.get("/login", response_class=HTMLResponse,
                    summary="Sign in with a token (sets the samstat_token cookie)")
        def login_form(request: Request, reader: OptionalReader,
                       next: Annotated[str | None, Query(max_length=MAX_NEXT_LENGTH)] = None,
                       ) -> Response:
            return self.render(request, LoginView(
                self.safe_next(next), principal=reader.principal if reader else None))

        @router.post("/login", response_class=HTMLResponse,
                     summary="Verify the token and keep it in an HttpOnly cookie")
        async def login(request: Request) -> Response:
            return await self._login(request)

        @router.post("/logout", summary="Forget the samstat_token cookie")
        def logout() -> Response:
            response = RedirectResponse("/login", status_code=303,
                                        headers={"Cache-Control": "no-store"})
            response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
            return response

        return router

    async def _login(self, request: Request) -> Response:
        def refuse(status: int, error: str, next_path: str = self.home) -> Response:
            return self.render(request, LoginView(next_path, error, status))

        if not same_origin(request):
            return refuse(403, CROSS_SITE)
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return refuse(415, BAD_FORM)
        body = await _form(request)
        if body is None:
            return refuse(413, TOO_LARGE)
        try:
            form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
        except ValueError:  # more fields than a login form has
            return refuse(400, BAD_FORM)
        token = (form.get("token") or [""])[0].strip()
        next_path = self.safe_next((form.get("next") or [""])[0])
        principal = await run_in_threadpool(verify_token, request, token, cached=False)
        if principal is None:
            return refuse(401, INVALID, next_path)  # the token is never echoed back
        response = RedirectResponse(next_path, status_code=303,
                                    headers={"Cache-Control": "no-store"})
        response.set_cookie(COOKIE, token,
                            max_age=self.cookie_max_age(request.app.state.settings),
                            path="/", httponly=True, samesite="lax",
                            secure=secure_cookies(request))
        return response
