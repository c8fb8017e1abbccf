"""Browser sign-in for the services that serve HTML pages, and who did what.

People sign in (``/login`` on any service) with an e-mailed one-time link or OpenID Connect;
both end in ONE session in the database and ONE cookie for the deployment
(:class:`~samstat_kit.auth.settings.AuthSettings`: ``samstat_session``, HttpOnly,
SameSite=Lax, ``Secure`` behind TLS, optionally for a whole domain), so signing in on one
service signs in on all four, and logging out anywhere ends it everywhere. Operators and
scripts keep their API tokens: an ``Authorization: Bearer`` header, or the token pasted into
the login form (kept in the ``samstat_token`` cookie as before).

A service makes one :class:`BrowserLogin` with its start page::

    LOGIN = BrowserLogin(home="/reports")
    router.include_router(LOGIN.router())      # /login..., POST /logout

    @router.get("/reports")
    def reports(request: Request, reader: OptionalReader) -> Response:
        if reader is None:
            return LOGIN.redirect(request)     # 303 to /login?next=/reports

Every state-changing form declares :data:`CsrfChecked` and renders :func:`csrf_input` (a
route that takes a file reads its form with :func:`read_checked_form` after deciding who may
post, so that nothing of the body is read for anyone else); audit trails record
:func:`actor`. The security headers and the exact Content-Security-Policy are
described in :mod:`samstat_kit.auth.hardening` (pages: no inline ``<script>``; use a static
file, or ``<script nonce="{{ csp_nonce(request) }}">``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials
from markupsafe import Markup
from starlette.datastructures import FormData

from samstat_kit.auth import hardening
from samstat_kit.auth.people import Person
from samstat_kit.auth.service import Principal
from samstat_kit.http import BearerCredentials, verify_session, verify_token
from samstat_kit.present import LANGUAGES

COOKIE = hardening.TOKEN_COOKIE  # a pasted token, kept for a browser
MAX_FORM_BYTES = 8192
MAX_NEXT_LENGTH = 2000

cookie_scheme = APIKeyCookie(name=COOKIE, auto_error=False,
                             description="The token, as set by POST /login (browsers).")


# ------------------------------------------------------------------------------ who reads


@dataclass(frozen=True)
class Reader:
    """A verified reader: the principal (agency or admin scope), the secret it came with (to
    forward to another service as a Bearer token: an API token, or a person's session) and
    the person when a person signed in (None for API tokens)."""

    principal: Principal
    token: str
    person: Person | None = None


def actor(reader: Reader) -> str:
    """Who did it, for audit trails: the person's e-mail address when a person signed in,
    else ``token:<agency>`` (or ``token:admin``) for an API token."""
    if reader.person is not None:
        return reader.person.email
    return f"token:{reader.principal.agency or 'admin'}"


def _session_cookie(request: Request) -> str | None:
    name = request.app.state.auth_settings.session_cookie
    return request.cookies.get(name) or None


def reader_or_none(
    request: Request,
    creds: BearerCredentials,
    cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Reader | None:
    """The reader from the Bearer header (an API token or a session), else from the session
    cookie, else from the token cookie; None when none is valid. A browser holds only one
    of the two cookies: each sign-in ends the other (:mod:`samstat_kit.auth.routes`). A plain
    ``def``, so FastAPI runs it in the thread pool: it may query the database."""
    if creds is not None and creds.scheme.lower() == "bearer":
        # A Bearer header that does not verify is nobody, never the browser's cookies: a
        # Bearer call skips the CSRF check, which a cookie-borne reader must not inherit.
        return _verify(request, creds.credentials)
    for secret in (_session_cookie(request), cookie):
        if secret:
            reader = _verify(request, secret)
            if reader is not None:
                return reader
    return None


def _verify(request: Request, secret: str) -> Reader | None:
    signed_in = verify_session(request, secret)
    if signed_in is not None:
        return Reader(signed_in[0], secret, signed_in[1])
    principal = verify_token(request, secret)
    return Reader(principal, secret) if principal is not None else None


def reader_of(request: Request) -> Reader | None:
    """:func:`reader_or_none` outside FastAPI's dependencies (a middleware's answer). Blocking:
    it may query the database."""
    token = bearer_token(request)
    creds = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token) if token else None
    return reader_or_none(request, creds, request.cookies.get(COOKIE))


OptionalReader = Annotated[Reader | None, Depends(reader_or_none)]
"""For pages: None means "send the browser to /login" (:meth:`BrowserLogin.redirect`)."""


async def reader_required(reader: OptionalReader) -> Reader:
    """401 without a valid token or session (header or cookie)."""
    if reader is None:
        raise HTTPException(401, "missing, invalid, expired or revoked token",
                            headers={"WWW-Authenticate": "Bearer"})
    return reader


async def cookie_or_bearer(reader: Annotated[Reader, Depends(reader_required)]) -> Principal:
    """For data a browser downloads: 401 without a valid token in the header or the cookie."""
    return reader.principal


CookieOrBearer = Annotated[Principal, Depends(cookie_or_bearer)]
"""Any valid token or session, from the ``Authorization: Bearer`` header or a cookie."""
AnyReader = Annotated[Reader, Depends(reader_required)]
"""Like :data:`CookieOrBearer`, with the person: for actions recorded with :func:`actor`."""


async def admin_reader(reader: AnyReader) -> Reader:
    """403 unless an admin token or a person with the admin role."""
    if not reader.principal.is_admin:
        raise HTTPException(403, "this needs an admin token or an admin's sign-in")
    return reader


AdminReader = Annotated[Reader, Depends(admin_reader)]
"""Like :data:`samstat_kit.http.AdminToken`, with the person, for :func:`actor`."""


def bearer_token(request: Request) -> str | None:
    """The token of the ``Authorization: Bearer`` header as sent (unverified), or None."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


# --------------------------------------------------------------------------- CSRF and CSP


def csrf_input(request: Request) -> Markup:
    """The hidden ``csrf_token`` field every state-changing form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        hardening.CSRF_FIELD, hardening.csrf_token(request))


def csp_nonce(request: Request) -> str:
    """This response's CSP nonce, for a ``<script nonce>`` or ``<style nonce>`` block."""
    return hardening.nonce(request)


class CsrfRefused(HTTPException):
    """The CSRF check's 403: a person gets the kit's page saying to reload
    (:mod:`samstat_kit.present.errors`), an API client this JSON reason."""

    page_key = "csrf"


def _csrf_refused() -> HTTPException:
    return CsrfRefused(403, "the form is outdated or came from another site "
                            "(CSRF check failed); reload the page and try again")


def _csrf_hopeless(request: Request) -> bool:
    """True when no token in the body could pass (a cross-site post, or a browser without the
    CSRF cookie): such a form is refused without reading its body."""
    cookie = (getattr(request.state, "csrf_cookie", None)
              or request.cookies.get(hardening.CSRF_COOKIE))
    return not hardening.same_site(request) or not cookie


def _submitted(request: Request, form: FormData) -> str | None:
    header = request.headers.get(hardening.CSRF_HEADER)
    if header is not None:
        return header
    value = form.get(hardening.CSRF_FIELD)
    return value if isinstance(value, str) else None


async def read_checked_form(request: Request, *, max_files: int = 1000,
                            max_fields: int = 1000) -> FormData:
    """The posted form (at most ``max_files`` file parts and ``max_fields`` fields, else 400),
    once this browser's CSRF token is in it or in the ``X-CSRF-Token`` header (403 otherwise;
    Bearer calls exempt). For a route that decides who may post BEFORE reading the body: a
    ``File()`` or ``Form()`` parameter would have FastAPI parse, and spool to disk, the whole
    body before any dependency, the sign-in included, ran. The caller closes the form."""
    bearer = hardening.has_bearer(request)
    if not bearer and _csrf_hopeless(request):
        raise _csrf_refused()
    form = await request.form(max_files=max_files, max_fields=max_fields)
    if not bearer and not hardening.csrf_valid(request, _submitted(request, form)):
        await form.close()
        raise _csrf_refused()
    return form


async def csrf_checked(request: Request) -> None:
    """403 unless the form (or the ``X-CSRF-Token`` header) carries this browser's token;
    Bearer-authenticated calls are exempt (see :mod:`samstat_kit.auth.hardening`)."""
    if hardening.has_bearer(request):
        return
    submitted = request.headers.get(hardening.CSRF_HEADER)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if submitted is None and ctype in ("application/x-www-form-urlencoded",
                                       "multipart/form-data"):
        if _csrf_hopeless(request):  # refused whatever the body says: leave it unread
            raise _csrf_refused()
        submitted = _submitted(request, await request.form())
    if not hardening.csrf_valid(request, submitted):
        raise _csrf_refused()


CsrfChecked = Annotated[None, Depends(csrf_checked)]
"""Declare on every state-changing form POST: ``_csrf: CsrfChecked``."""


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
    """False when the browser says the form was posted from another site."""
    return hardening.same_site(request)


def secure_cookies(request: Request) -> bool:
    """Whether cookies get ``Secure`` (see :func:`samstat_kit.auth.hardening.secure_request`)."""
    return hardening.secure_request(request)


async def read_form(request: Request, fields: int = 10) -> dict[str, str] | int:
    """A small urlencoded form's first values, or the HTTP status refusing it (415 another
    encoding, 413 longer than :data:`MAX_FORM_BYTES`, 400 more fields than ``fields``)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return 415
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return 413
    try:
        parsed = parse_qs(body.decode("utf-8", "replace"), max_num_fields=fields)
    except ValueError:
        return 400
    return {k: v[0] for k, v in parsed.items()}


# ----------------------------------------------------------------------------- the routes


@dataclass(frozen=True)
class BrowserLogin:
    """The sign-in of one service: ``home`` is where a login without a (safe) ``next`` ends;
    ``cookie_max_age`` reads the token cookie's lifetime in seconds from the service's
    settings (default: the session lifetime)."""

    home: str
    cookie_max_age: Callable[[Any], int] | None = None

    def safe_next(self, value: str | None) -> str:
        return safe_next(value, self.home)

    def redirect(self, request: Request) -> RedirectResponse:
        """303 to /login?next=<this page>, in the language the page was asked in (a
        ``?lang=en`` kept only inside ``next`` gave a Swedish sign-in page)."""
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        lang = request.query_params.get("lang")
        asked = f"&lang={lang}" if lang in LANGUAGES else ""
        return RedirectResponse(f"/login?next={quote(self.safe_next(target), safe='')}{asked}",
                                status_code=303, headers={"Cache-Control": "no-store"})

    def router(self, *, include_in_schema: bool = True) -> APIRouter:
        """``GET /login`` (the page), ``POST /login`` (a pasted token), ``POST /login/email``,
        ``GET``/``POST /login/link`` (the e-mailed link), ``GET /login/oidc`` and
        ``/login/oidc/callback`` (OpenID Connect), ``POST /logout``."""
        from samstat_kit.auth.routes import sign_in_routes  # routes build on this module

        return sign_in_routes(self, include_in_schema=include_in_schema)
