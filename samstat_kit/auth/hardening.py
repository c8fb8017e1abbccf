"""Web hardening for every service, installed by :func:`samstat_kit.http.create_service_app`.

One pure ASGI middleware (:class:`SecurityHeaders`) gives each request a fresh CSP nonce and
the browser's CSRF token, and adds to every response:

* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
  ``X-Frame-Options: DENY``;
* the Content-Security-Policy below, unless the route set a policy of its own:

  ``default-src 'none'; script-src 'self' 'nonce-<n>'; style-src 'self' 'nonce-<n>';
  img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self';
  frame-ancestors 'none'; base-uri 'none'; object-src 'none'``

  Scripts run only from this origin's files or a ``<script nonce>`` block with the request's
  nonce (:func:`csp_nonce`), so injected markup cannot run code; styles likewise, so it
  cannot restyle a page either (a ``style=`` attribute is refused: colours drawn from data
  are SVG ``fill``). The presentation kit gives every template the nonce as ``nonce``.
  ``form-action 'self'``: forms post to this origin
  only (the OpenID Connect start is a link, not a form).
* ``Set-Cookie: samstat_csrf=...`` when a page rendered :func:`csrf_input` for a browser that
  had no token yet, or one made for another identity; every sign-in and sign-out deletes it
  (:func:`forget_csrf`).

CSRF: a signed double-submit token. The ``samstat_csrf`` cookie (HttpOnly, SameSite=Lax,
per host) must equal the form's ``csrf_token`` field (or an ``X-CSRF-Token`` header); a
cross-site page can neither read the cookie nor set it on our host. The token is a random
value and its HMAC keyed by the browser's identity (its session cookie, or its pasted
token's cookie, or neither): a token made for another identity counts as none, so one
planted in the browser before sign-in (a sibling host can toss a cookie onto ours) is
worthless in the session, and none can be made for a session without its secret. A browser
whose token is not its identity's gets a new one with the next page that shows a form. The browser's
``Origin``/``Sec-Fetch-Site`` headers, when sent, must also say "this site". Requests with an
``Authorization: Bearer`` header are exempt: a browser never adds that header by itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "samstat_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_MAX_AGE = 12 * 3600
_RANDOM_LENGTH = 43  # secrets.token_urlsafe(32), before the token's "." and MAC
TOKEN_COOKIE = "samstat_token"  # a pasted token's cookie (samstat_kit.web.COOKIE)
SESSION_COOKIE = "samstat_session"  # AuthSettings.session_cookie's default
_INSTALLED = "security_headers"  # in the request's state: an outer SecurityHeaders has it

CSP = ("default-src 'none'; script-src 'self' 'nonce-{nonce}'; "
       "style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")
FIXED_HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"x-frame-options": b"DENY",
}


def secure_request(conn: HTTPConnection) -> bool:
    """Whether this request came over TLS: directly, by a TLS-terminating proxy's
    ``X-Forwarded-Proto`` when ``SAMSTAT_TRUST_FORWARDED_PROTO`` says to trust it, in
    production, or when the public pages are https."""
    if conn.url.scheme == "https":
        return True
    auth = getattr(conn.app.state, "auth_settings", None)
    if auth is not None and auth.trust_forwarded_proto:
        proto = conn.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        if proto == "https":
            return True
    settings = getattr(conn.app.state, "settings", None)
    return settings is not None and (settings.env == "prod"
                                     or settings.public_base_url.startswith("https:"))


def _state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


def _cookies(scope: Scope) -> dict[str, str]:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar = SimpleCookie(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is the sender's problem
                return {}
            return {k: m.value for k, m in jar.items()}
    return {}


def _identity(cookies: Mapping[str, str], app: Any) -> bytes:
    """Who the browser is to the services: its session's and its pasted token's cookies."""
    auth = getattr(getattr(app, "state", None), "auth_settings", None)
    session = auth.session_cookie if auth is not None else SESSION_COOKIE
    return f"{cookies.get(session, '')}\0{cookies.get(TOKEN_COOKIE, '')}".encode()


def _mac(identity: bytes, random: str) -> str:
    key = hashlib.sha256(b"samstat-csrf\0" + identity).digest()
    digest = hmac.new(key, random.encode("ascii"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _mint(identity: bytes) -> str:
    random = secrets.token_urlsafe(32)
    return f"{random}.{_mac(identity, random)}"


def _bound(token: str | None, identity: bytes) -> bool:
    """Whether ``token`` was made for ``identity``."""
    if not token:
        return False
    random, _, mac = token.partition(".")
    return len(random) == _RANDOM_LENGTH and random.isascii() and hmac.compare_digest(
        mac.encode(), _mac(identity, random).encode())


def _cookie_token(scope: Scope) -> str | None:
    """The browser's CSRF cookie, if it was made for the browser's identity."""
    cookies = _cookies(scope)
    token = cookies.get(CSRF_COOKIE)
    return token if _bound(token, _identity(cookies, scope.get("app"))) else None


class SecurityHeaders:
    """The middleware described in the module docstring. Nested in another (a middleware
    wrapping its own answer in one) it passes through: the outer one gives the request its
    nonce and token once, and a second would draw new ones the page and its headers no
    longer agree on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _state(scope).get(_INSTALLED):
            await self.app(scope, receive, send)
            return
        state = _state(scope)
        state[_INSTALLED] = True
        nonce = secrets.token_urlsafe(16)
        known = _cookie_token(scope)
        state["csp_nonce"] = nonce
        state["csrf_cookie"] = known
        state["csrf_token"] = known or _mint(_identity(_cookies(scope), scope.get("app")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in FIXED_HEADERS.items():
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy",
                                    CSP.format(nonce=nonce).encode()))
                if state.get("csrf_used") and known is None:
                    headers.append((b"set-cookie", self._csrf_cookie(scope, state)))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _csrf_cookie(scope: Scope, state: dict[str, Any]) -> bytes:
        secure = "; Secure" if secure_request(HTTPConnection(scope)) else ""
        return (f"{CSRF_COOKIE}={state['csrf_token']}; Max-Age={CSRF_MAX_AGE}; Path=/; "
                f"HttpOnly; SameSite=Lax{secure}").encode()


class HardenedApp(FastAPI):
    """A FastAPI app whose every answer goes out through :class:`SecurityHeaders`, outside
    all of its middleware: ``add_middleware`` puts each one added later outside the headers,
    so a refusal such a middleware answered itself (the URL guard's), and the 500 of
    Starlette's outermost ``ServerErrorMiddleware``, went out without them (a red team)."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())


def csrf_token(request: HTTPConnection) -> str:
    """This browser's CSRF token (the cookie is set with the response that shows it)."""
    state = request.state
    token = getattr(state, "csrf_token", None)
    if token is None:  # an app without the middleware: still correct, checked the same way
        token = state.csrf_token = _mint(_identity(request.cookies, request.app))
        state.csrf_cookie = None
    state.csrf_used = True
    return str(token)


def forget_csrf(request: HTTPConnection, response: Response) -> None:
    """Forget the browser's CSRF token with ``response``, at every sign-in and sign-out: it
    was made for the identity that ends, and the next page that shows a form gives one made
    for the new identity (:func:`csrf_valid` would refuse the old one there anyway)."""
    response.delete_cookie(CSRF_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=secure_request(request))


def nonce(request: HTTPConnection) -> str:
    value = getattr(request.state, "csp_nonce", None)
    if value is None:
        value = request.state.csp_nonce = secrets.token_urlsafe(16)
    return str(value)


def has_bearer(request: HTTPConnection) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(value.strip())


def same_site(request: HTTPConnection) -> bool:
    """False when the browser says the request came from another site. ``Origin: null``
    (sent by pages with ``Referrer-Policy: no-referrer``, such as the sign-in link's) counts
    only with ``Sec-Fetch-Site: same-origin`` beside it."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    if origin == "null":
        return fetch_site == "same-origin"
    return urlsplit(origin).netloc.lower() in own_hosts(request)


def own_hosts(request: HTTPConnection) -> set[str]:
    """The hosts this request may come from: its own ``Host``, and (a proxy may rewrite
    ``Host``) the deployment's public hosts and a trusted proxy's ``X-Forwarded-Host``."""
    hosts = {request.headers.get("host", "").lower()}
    settings = getattr(request.app.state, "settings", None)
    if settings is not None:
        hosts.add(urlsplit(settings.public_base_url).netloc.lower())
    auth = getattr(request.app.state, "auth_settings", None)
    if auth is not None:
        hosts.update(h.lower() for h in auth.public_hosts)
        if auth.trust_forwarded_proto and "x-forwarded-host" in request.headers:
            hosts.add(request.headers["x-forwarded-host"].split(",")[0].strip().lower())
    hosts.discard("")
    return hosts


def csrf_valid(request: Request, submitted: str | None) -> bool:
    """The double-submit check (Bearer calls exempt); see the module docstring."""
    if has_bearer(request):
        return True
    if not same_site(request):
        return False
    cookie = getattr(request.state, "csrf_cookie", None) or request.cookies.get(CSRF_COOKIE)
    if not (cookie and submitted and _bound(cookie, _identity(request.cookies, request.app))):
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())
