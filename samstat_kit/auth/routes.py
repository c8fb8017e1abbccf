"""The sign-in routes every page-serving service mounts (:meth:`samstat_kit.web.BrowserLogin.
router`): the login page, a pasted API token, the e-mailed one-time link, OpenID Connect and
logout. Every POST here checks the CSRF token; sign-ins always start a NEW session (no
fixation) and end the browser's previous one."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from samstat_kit.auth import oidc, pages, signin
from samstat_kit.auth import sessions as store
from samstat_kit.auth.hardening import csrf_valid, forget_csrf
from samstat_kit.auth.people import Person, active_person, valid_email
from samstat_kit.auth.settings import AuthSettings
from samstat_kit.db import session_scope
from samstat_kit.http import verify_token
from samstat_kit.netguard import MAIL_RULE, mail_receiver_allowed, on_this_machine
from samstat_kit.web import (
    COOKIE,
    MAX_NEXT_LENGTH,
    OptionalReader,
    actor,
    read_form,
    secure_cookies,
)

if TYPE_CHECKING:
    from samstat_kit.web import BrowserLogin, Reader

log = logging.getLogger(__name__)
MAX_LINKS_PER_TTL = 5  # more requests for one inbox within a link's lifetime send nothing
NO_STORE = {"Cache-Control": "no-store"}
Next = Annotated[str | None, Query(max_length=MAX_NEXT_LENGTH)]
FORM_ERRORS = {415: "error_form", 413: "error_too_large", 400: "error_form"}


def _auth(request: Request) -> AuthSettings:
    return request.app.state.auth_settings


def _minutes(request: Request) -> int:
    return max(1, _auth(request).signin_link_ttl_seconds // 60)


def _db(request: Request) -> AbstractContextManager[Session]:
    return session_scope(request.app.state.session_factory)


def login_page(request: Request, next_path: str, *, error: str | None = None,
               status: int = 200, person_email: str | None = None, email: str = "",
               token_open: bool = False) -> HTMLResponse:
    auth = _auth(request)
    words = pages.texts(pages.language(request))
    return pages.render(
        request, "login.html", status=status,
        error=words[error] if error else None, next_path=next_path,
        person_email=person_email, email=email, token_open=token_open,
        email_enabled=auth.email_signin_enabled, oidc_enabled=auth.oidc_enabled,
        minutes=_minutes(request))


def sign_in(request: Request, person: Person, method: str, target: str) -> Response:
    """A new session for ``person``: set the deployment's cookie, 303 to ``target``. The
    browser's previous identity ends: its session (revoked) and a pasted token's cookie
    (which would otherwise speak for the browser again once the session ends)."""
    auth = _auth(request)
    old = request.cookies.get(auth.session_cookie)
    with _db(request) as session:
        if old:
            store.revoke_session(session=session, secret=old)
        secret = store.start_session(session=session, person=person, method=method,
                                     max_age=timedelta(seconds=auth.session_max_age_seconds))
        # sign-ins are rare: the moment to forget what ended a month ago
        store.purge_expired(session=session)
    # The person's id, not the address: an e-mail address is personal data, and log
    # lines travel further than the database (a security review).
    log.info("signed in: person %s by %s", person.id, method)
    response = RedirectResponse(target, status_code=303, headers=NO_STORE)
    response.set_cookie(auth.session_cookie, secret, max_age=auth.session_max_age_seconds,
                        path="/", domain=auth.cookie_domain, httponly=True, samesite="lax",
                        secure=secure_cookies(request))
    _forget_token(request, response)
    forget_csrf(request, response)
    return response


def _forget_session(request: Request, response: Response) -> None:
    """Delete the session cookie, with the flags it was set with (a browser keeps a cookie
    whose deletion names another domain or path)."""
    auth = _auth(request)
    response.delete_cookie(auth.session_cookie, path="/", domain=auth.cookie_domain,
                           httponly=True, samesite="lax", secure=secure_cookies(request))


def _forget_token(request: Request, response: Response) -> None:
    """Delete the pasted token's cookie, with the flags it was set with."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                           secure=secure_cookies(request))


def sign_in_routes(login: BrowserLogin, *, include_in_schema: bool = True) -> APIRouter:
    router = APIRouter(tags=["pages"], include_in_schema=include_in_schema)

    @router.get("/login", response_class=HTMLResponse, summary="The sign-in page")
    def login_form(request: Request, reader: OptionalReader, next: Next = None) -> Response:
        return login_page(request, login.safe_next(next), person_email=_who(reader))

    @router.post("/login", response_class=HTMLResponse,
                 summary="Sign in with a pasted API token (kept in an HttpOnly cookie)")
    async def token_login(request: Request) -> Response:
        return await _token_login(request, login)

    @router.post("/login/email", response_class=HTMLResponse,
                 summary="E-mail a one-time sign-in link (the answer never says whether the "
                         "address is known)")
    async def email_login(request: Request) -> Response:
        return await _email_login(request, login)

    @router.get("/login/email", response_class=HTMLResponse,
                summary="The answer to the e-mail form again (its language switch links here; "
                        "it sends nothing)")
    def email_sent_page(request: Request, next: Next = None) -> Response:
        return pages.render(request, "sent.html", title_key="sent_title", error=None,
                            next_path=login.safe_next(next), minutes=_minutes(request))

    @router.get("/login/link", response_class=HTMLResponse,
                summary="The e-mailed link: a confirmation page (a GET never signs in)")
    def link_page(request: Request, token: Annotated[str, Query(max_length=200)] = ""
                  ) -> Response:
        return _link_page(request, token)

    @router.post("/login/link", response_class=HTMLResponse,
                 summary="Use the e-mailed link: sign in and go on to where it leads")
    async def link_sign_in(request: Request) -> Response:
        form = await _checked_form(request, login)
        if isinstance(form, Response):
            return form
        return await run_in_threadpool(_use_link, request, login, form.get("token", ""))

    @router.get("/login/oidc", summary="Sign in with the organisation's account (OpenID "
                                       "Connect): to the provider")
    async def oidc_start(request: Request, next: Next = None) -> Response:
        return await _oidc_start(request, login.safe_next(next))

    @router.get(oidc.CALLBACK_PATH, name="oidc_callback",
                summary="Back from the OpenID Connect provider")
    async def oidc_callback(request: Request, code: Annotated[str, Query(max_length=2000)] = "",
                            state: Annotated[str, Query(max_length=200)] = "") -> Response:
        return await _oidc_finish(request, login, code, state)

    @router.post("/logout", summary="Sign out (ends the session on every service)")
    async def logout(request: Request, reader: OptionalReader) -> Response:
        return await _logout(request, login, reader)

    return router


def _who(reader: Reader | None) -> str | None:
    if reader is None:
        return None
    return reader.person.email if reader.person else actor(reader)


async def _checked_form(request: Request, login: BrowserLogin,
                        error: str = "error_cross_site") -> dict[str, str] | Response:
    """The posted form, or the login page refusing it (bad encoding, size, CSRF)."""
    form = await read_form(request)
    if isinstance(form, int):
        return login_page(request, login.home, error=FORM_ERRORS[form], status=form)
    if not csrf_valid(request, form.get("csrf_token")):
        return login_page(request, login.safe_next(form.get("next")), error=error,
                          status=403)
    return form


async def _token_login(request: Request, login: BrowserLogin) -> Response:
    form = await _checked_form(request, login)
    if isinstance(form, Response):
        return form
    next_path = login.safe_next(form.get("next"))
    token = form.get("token", "").strip()
    principal = await run_in_threadpool(verify_token, request, token, cached=False)
    if principal is None:  # the token is never echoed back
        return login_page(request, next_path, error="error_invalid_token", status=401,
                          token_open=True)
    # One identity per browser: a person's session it still holds would be read before
    # the token (samstat_kit.web.reader_or_none), so everything would go on as that person.
    # It is ended on the server, not only forgotten by this browser, as sign_in does.
    await run_in_threadpool(_end_session, request)
    log.info("signed in: token:%s", principal.agency or "admin")
    response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
    max_age = (login.cookie_max_age(request.app.state.settings) if login.cookie_max_age
               else _auth(request).session_max_age_seconds)
    response.set_cookie(COOKIE, token, max_age=max_age, path="/", httponly=True,
                        samesite="lax", secure=secure_cookies(request))
    _forget_session(request, response)
    forget_csrf(request, response)
    return response


async def _email_login(request: Request, login: BrowserLogin) -> Response:
    form = await _checked_form(request, login)
    if isinstance(form, Response):
        return form
    next_path = login.safe_next(form.get("next"))
    email = form.get("email", "").strip()
    if not _auth(request).email_signin_enabled:
        return login_page(request, next_path, status=404)
    if not valid_email(email.lower()):
        return login_page(request, next_path, error="error_email", status=400,
                          email=email[:254])
    response = pages.render(request, "sent.html", title_key="sent_title",
                            error=None, next_path=next_path, minutes=_minutes(request))
    # Everything about the address happens after the answer: looking it up, counting and
    # issuing its link (a database write) and sending it. The answer's timing must not tell
    # a known address either.
    response.background = BackgroundTask(_send_link, request, email, next_path)
    return response


def _send_link(request: Request, email: str, next_path: str) -> None:
    """The background half of the e-mail form (a plain ``def``: Starlette runs it in the
    thread pool). Failures are logged, never shown: the answer has gone."""
    try:
        prepared = _link_message(request, email, next_path)
    except Exception:
        log.exception("sign-in link not issued")
        return
    if prepared is not None:
        message, link = prepared
        # Only where the pages are this machine's own: a dev deployment others can reach
        # (SAMSTAT_ENV unset) must not put sign-in secrets into its log.
        settings = request.app.state.settings
        dev = settings.env == "dev" and on_this_machine(settings.public_base_url)
        signin.send(_auth(request), message, dev_link=link if dev else None)


def _link_page(request: Request, token: str) -> Response:
    with _db(request) as session:
        found = store.peek_link(session=session, secret=token)
    response = pages.render(
        request, "confirm.html", status=200 if found else 410, error=None,
        title_key="confirm_title" if found else "invalid_title",
        person_email=found[0].email if found else None, link_token=token)
    response.headers["Referrer-Policy"] = "no-referrer"  # the URL holds the secret
    return response


async def _logout(request: Request, login: BrowserLogin, reader: Reader | None) -> Response:
    form = await read_form(request)
    submitted = form.get("csrf_token") if isinstance(form, dict) else None
    if not csrf_valid(request, submitted):
        # a sign-out form without the token (or from elsewhere) asks to confirm
        return login_page(request, login.home, error="confirm_logout", status=403,
                          person_email=_who(reader))
    await run_in_threadpool(_end_session, request)
    response = RedirectResponse("/login", status_code=303, headers=NO_STORE)
    _forget_session(request, response)
    _forget_token(request, response)
    forget_csrf(request, response)
    return response


def _link_message(request: Request, email: str, next_path: str
                  ) -> tuple[EmailMessage, str] | None:
    """The e-mail to send and its link, or None (unknown or disabled address, or too many
    links lately)."""
    auth = _auth(request)
    ttl = timedelta(seconds=auth.signin_link_ttl_seconds)
    with _db(request) as session:
        person = active_person(session=session, email=email)
        if person is None:
            log.info("sign-in link asked for an unknown or disabled address")
            return None
        if not mail_receiver_allowed(person.email):
            # Stored before add_person checked it: the relay would deliver to a host inside.
            log.warning("sign-in link for person %s not sent: %s", person.id, MAIL_RULE)
            return None
        if store.links_since(session=session, person=person, since=ttl) >= MAX_LINKS_PER_TTL:
            log.warning("sign-in links for person %s capped", person.id)
            return None
        secret = store.issue_link(session=session, person=person, next_path=next_path, ttl=ttl)
    link = signin.link_url(request, secret)
    return signin.build_message(auth, to=person.email, name=person.name, link=link,
                                lang=pages.language(request)), link


def _use_link(request: Request, login: BrowserLogin, secret: str) -> Response:
    with _db(request) as session:
        found = store.consume_link(session=session, secret=secret)
    if found is None:
        return pages.render(request, "confirm.html", status=410, error=None,
                            title_key="invalid_title", person_email=None, link_token="")
    person, next_path = found
    return sign_in(request, person, "email", login.safe_next(next_path))


def _end_session(request: Request) -> None:
    """Revoke the session of the browser's cookie (on every service at once)."""
    secret = request.cookies.get(_auth(request).session_cookie)
    if secret:
        with _db(request) as session:
            store.revoke_session(session=session, secret=secret)
        log.info("signed out")


async def _oidc_start(request: Request, next_path: str) -> Response:
    auth = _auth(request)
    if not auth.oidc_enabled:
        return login_page(request, next_path, status=404)
    try:
        started = await oidc.start(request)
    except Exception as exc:  # the provider is away or misconfigured: say so, log why
        log.error("OIDC start failed: %s: %s", exc.__class__.__name__, exc)
        return login_page(request, next_path, error="error_oidc", status=502)
    pending = store.PendingOidc(started.nonce, started.code_verifier, next_path)
    ttl = timedelta(seconds=oidc.REQUEST_TTL_SECONDS)

    def save() -> None:
        with _db(request) as session:
            store.save_oidc_request(session=session, state=started.state, pending=pending,
                                    ttl=ttl)

    await run_in_threadpool(save)
    response = RedirectResponse(started.url, status_code=303, headers=NO_STORE)
    response.set_cookie(oidc.STATE_COOKIE, started.state, max_age=oidc.REQUEST_TTL_SECONDS,
                        path=oidc.CALLBACK_PATH, httponly=True, samesite="lax",
                        secure=secure_cookies(request))
    return response


async def _oidc_finish(request: Request, login: BrowserLogin, code: str, state: str
                       ) -> Response:
    if not _auth(request).oidc_enabled:
        return login_page(request, login.home, status=404)
    bound = request.cookies.get(oidc.STATE_COOKIE, "")
    if not code or not state or not bound or bound != state:
        log.warning("OIDC callback without this browser's state")
        return login_page(request, login.home, error="error_oidc", status=400)

    def take() -> store.PendingOidc | None:
        with _db(request) as session:
            return store.take_oidc_request(session=session, state=state)

    pending = await run_in_threadpool(take)
    if pending is None:
        return login_page(request, login.home, error="error_oidc", status=400)
    try:
        email = await oidc.finish(request, code=code, nonce=pending.nonce,
                                  code_verifier=pending.code_verifier)
    except Exception as exc:  # any failed exchange or validation: nobody is signed in
        log.warning("OIDC sign-in refused: %s: %s", exc.__class__.__name__, exc)
        return login_page(request, pending.next_path, error="error_oidc", status=401)

    def find() -> Person | None:
        with _db(request) as session:
            return active_person(session=session, email=email)

    person = await run_in_threadpool(find)
    if person is None:
        return login_page(request, pending.next_path, error="error_no_person", status=403)
    response = await run_in_threadpool(sign_in, request, person, "oidc",
                                       login.safe_next(pending.next_path))
    response.delete_cookie(oidc.STATE_COOKIE, path=oidc.CALLBACK_PATH)
    return response
