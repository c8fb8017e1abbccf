"""The e-mailed one-time sign-in link: where it points and how it is sent.

The link's host is NEVER taken on trust from the request: anyone can send a ``Host`` header,
and a sign-in link to the attacker's host would hand them the victim's sign-in. The request's
own origin is used only when its host is one of the deployment's (``public_base_url``'s host,
``SAMSTAT_PUBLIC_HOSTS``, or loopback outside production); otherwise ``public_base_url``.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import quote, urlsplit

from starlette.requests import Request

from samstat_kit.auth.hardening import secure_request
from samstat_kit.auth.pages import mail_bodies
from samstat_kit.auth.settings import AuthSettings

log = logging.getLogger(__name__)
# A loopback Host header as a whole: a name and at most a port. Anything more is another host
# ("127.0.0.1:1@evil.example" is evil.example with a user and password).
LOOPBACK = re.compile(r"(?:127\.0\.0\.1|localhost|\[::1\])(?::[0-9]{1,5})?")


def trusted_origin(request: Request) -> str:
    """The origin (scheme://host[:port]) the link should point to; see the module docstring."""
    settings = request.app.state.settings
    auth: AuthSettings = request.app.state.auth_settings
    public = urlsplit(settings.public_base_url)
    host = request.headers.get("host", "").lower()
    trusted = {public.netloc.lower(), *(h.strip().lower() for h in auth.public_hosts if h)}
    # The whole host with its port: another port of a trusted name may be someone else's.
    if host and (host in trusted
                 or (settings.env != "prod" and LOOPBACK.fullmatch(host) is not None)):
        scheme = "https" if secure_request(request) else "http"
        return f"{scheme}://{host}"
    return f"{public.scheme}://{public.netloc}"


def link_url(request: Request, secret: str) -> str:
    return f"{trusted_origin(request)}/login/link?token={quote(secret, safe='')}"


def build_message(auth: AuthSettings, *, to: str, name: str, link: str,
                  lang: str) -> EmailMessage:
    minutes = max(1, auth.signin_link_ttl_seconds // 60)
    subject, text, html = mail_bodies(lang, name=name, link=link, minutes=minutes)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = auth.smtp_from
    msg["To"] = formataddr(("", to))
    msg["Message-ID"] = make_msgid(domain=auth.smtp_from.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def send(auth: AuthSettings, msg: EmailMessage, *, dev_link: str | None = None) -> None:
    """Blocking SMTP send (run it in a thread). Failures are logged, not raised: the page
    already said "if the address exists, a link is on its way" and must not say more.
    ``dev_link`` (only given when ``SAMSTAT_ENV=dev``) is logged when no mail server answers,
    so a developer without one can still sign in."""
    try:
        with smtplib.SMTP(auth.smtp_host, auth.smtp_port,
                          timeout=auth.smtp_timeout_seconds) as smtp:
            if auth.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if auth.smtp_username:
                password = auth.smtp_password.get_secret_value() if auth.smtp_password else ""
                smtp.login(auth.smtp_username, password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("sign-in link not sent: %s", exc.__class__.__name__)
        if dev_link:
            log.warning("SAMSTAT_ENV=dev and no mail server: sign in to %s with %s",
                        msg["To"], dev_link)
