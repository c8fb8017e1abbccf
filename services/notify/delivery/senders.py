"""Sending one message: e-mail over SMTP (stdlib, in a thread) and webhooks (httpx).

Both raise :class:`DeliveryError` (or any exception) on failure; the dispatcher records it and
schedules the retry. What is sent is anything :class:`Outgoing`: an alert notice
(:class:`~services.notify.delivery.messages.Notice`) or a weekly digest.

Webhooks go only where :class:`samstat_kit.netguard.WebhookGuard` allows, checked again for
every send (a name may resolve elsewhere since it was registered), and the connection goes to
the very address that was checked: the client's network backend refuses any other (see
:class:`PinnedBackend`). TLS still verifies the certificate against the URL's host name.

Each message carries one id for all its attempts and replicas (``webhook-id``, the e-mail's
``Message-ID``), so a receiver that sees it twice acts once.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextvars
import logging
import secrets
import smtplib
import ssl
import time
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Protocol

import httpcore
import httpx
from standardwebhooks.webhooks import Webhook

from samstat_kit.netguard import (
    NOT_ALLOWED,
    Refused,
    Vetted,
    WebhookGuard,
    mail_receiver_allowed,
    shown,
)
from services.notify.delivery.messages import signature

log = logging.getLogger(__name__)

# The signature of earlier releases (HMAC-SHA256 of the body), kept for one release beside the
# Standard Webhooks headers.
SIGNATURE_HEADER = "X-Samstat-Signature"
DELIVERY_HEADER = "X-Samstat-Delivery"
_SECRET_PREFIX = "whsec_"

# The checked target of the request being sent by this task.
_PIN: contextvars.ContextVar[Vetted | None] = contextvars.ContextVar("samstat_webhook_pin",
                                                                     default=None)


class DeliveryError(Exception):
    pass


class _WebhookUrlsWithheld(logging.Filter):
    """httpx logs every request at INFO, URL and all ("HTTP Request: POST <url> ..."): while
    a webhook is sent (its checked target pinned in this task), the URL is shown by
    :func:`samstat_kit.netguard.shown`. Other requests' lines are left as they are."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _PIN.get() is not None and isinstance(record.args, tuple):
            record.args = tuple(shown(a) if isinstance(a, httpx.URL) else a
                                for a in record.args)
        return True


_HTTPX_LOG = logging.getLogger("httpx")
if not any(isinstance(f, _WebhookUrlsWithheld) for f in _HTTPX_LOG.filters):
    _HTTPX_LOG.addFilter(_WebhookUrlsWithheld())


class Outgoing(Protocol):
    @property
    def target(self) -> str: ...

    @property
    def secret(self) -> str | None: ...

    def email_message(self, sender: str) -> EmailMessage: ...

    def webhook_body(self) -> bytes: ...

    def webhook_headers(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


def delivery_key(message: Outgoing) -> str:
    """The message's id, the same for every attempt and every replica that sends it."""
    return message.webhook_headers()[DELIVERY_HEADER]


def message_id(message: Outgoing, sender: str) -> str:
    domain = sender.rpartition("@")[2].strip(" >") or "samstat.invalid"
    return f"<samstat-{delivery_key(message)}@{domain}>"


def send_email_blocking(message: Outgoing, cfg: SmtpConfig) -> None:
    if not mail_receiver_allowed(message.target):
        # A receiver stored before registration refused it: the relay would connect to the
        # address its domain names.
        raise DeliveryError(NOT_ALLOWED)
    msg = message.email_message(cfg.sender)
    # Stable, not random: a retry or a second replica sends the same Message-ID, which mail
    # clients and receiving scripts de-duplicate on.
    del msg["Message-ID"]
    msg["Message-ID"] = message_id(message, cfg.sender)
    # The timeout bounds every socket operation, so a hung relay frees the thread.
    # A delivery's error is shown to any token that reads the alert: it names the server's
    # codes, never the address (smtplib's own messages quote the refused recipients).
    try:
        with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
            if cfg.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"the mail server answered {exc.smtp_code}") from None
    if refused:
        codes = ", ".join(sorted({str(code) for code, _ in refused.values()}))
        raise DeliveryError(f"recipient refused ({codes})")


async def send_email(message: Outgoing, cfg: SmtpConfig,
                     executor: Executor | None = None) -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(executor, send_email_blocking, message, cfg)


def signing_key(secret: str) -> bytes:
    """The Standard Webhooks key of a subscription secret: a ``whsec_<base64>`` secret (what
    notify generates) is its decoded bytes, as every Standard Webhooks library reads it; any
    other secret is its UTF-8 bytes."""
    if secret.startswith(_SECRET_PREFIX):
        raw = secret[len(_SECRET_PREFIX):]
        try:
            key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if key:
            return key
    return secret.encode()


def new_secret() -> str:
    """A fresh webhook secret in the Standard Webhooks form."""
    return _SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signed_headers(message: Outgoing, body: bytes, now: float | None = None) -> dict[str, str]:
    """Standard Webhooks headers (id, timestamp, signature) and the old HMAC header."""
    stamp = int(time.time() if now is None else now)
    msg_id = f"samstat-{delivery_key(message)}"
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(stamp)}
    if message.secret:
        headers["webhook-signature"] = Webhook(signing_key(message.secret)).sign(
            msg_id, datetime.fromtimestamp(stamp, UTC), body.decode())
        headers[SIGNATURE_HEADER] = signature(message.secret, body)
    return headers


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Opens a connection only to an address the guard checked for the request in flight.

    The HTTP client would otherwise resolve the host again when it connects, and a DNS answer
    changed in between (rebinding) would reach an address that was never checked.
    """

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        pin = _PIN.get()
        if pin is None or host != pin.target.host or port != pin.target.port:
            raise httpcore.ConnectError(NOT_ALLOWED)
        error: Exception = httpcore.ConnectError("no address")
        for address in pin.addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address,
                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError(NOT_ALLOWED)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a :class:`PinnedBackend`, without proxies from the environment
    (a proxy would resolve the name itself)."""

    def __init__(self, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits()
        super().__init__(trust_env=False, limits=limits)
        # httpx 0.28 takes no network backend, so its pool is replaced by one that has ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(),
        )


def webhook_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=PinnedTransport(), trust_env=False,
                             follow_redirects=False)


async def send_webhook(client: httpx.AsyncClient, message: Outgoing, timeout: float,
                       guard: WebhookGuard, resolvers: Executor | None = None) -> None:
    """POST the payload; any 2xx is success. Redirects are not followed (a signed body must
    not be replayed to wherever a receiver points, nor reach an address never checked).

    ``timeout`` bounds the whole send, the address check included: httpx's timeout bounds
    each read, so a receiver dripping a byte a second held a slot past the lease, and the
    message was claimed and sent again. The answer's body is never read (only its status
    counts; a small gzip body once unpacked to 600 MiB), and not asked compressed.

    ``resolvers``: the threads the host is looked up in (the dispatcher gives its own; None:
    the loop's default). A lookup cannot be cancelled, and one under a domain whose name
    servers never answer outlives the send by tens of seconds."""
    try:
        await asyncio.wait_for(_post(client, message, timeout, guard, resolvers), timeout)
    except TimeoutError:
        raise DeliveryError(f"no answer within {timeout:g} s") from None
    except httpx.TransportError as exc:
        # One reason for every way of not getting an answer: the record is read by the
        # agency, and refused, reset and silent ports told apart would map an allowed host.
        log.info("webhook %s: %s", shown(message.target), type(exc).__name__)
        raise DeliveryError("the receiver could not be reached") from None


async def _post(client: httpx.AsyncClient, message: Outgoing, timeout: float,
                guard: WebhookGuard, resolvers: Executor | None = None) -> None:
    try:
        vetted = await asyncio.get_running_loop().run_in_executor(resolvers, guard.vet,
                                                                  message.target)
    except Refused as exc:
        # Nothing is sent; the record says only the rule (a refused port, or NOT_ALLOWED
        # whatever the name resolved to: a Refused never says more).
        raise DeliveryError(str(exc)) from None
    body = message.webhook_body()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "samstat-notify/1",
        "Accept-Encoding": "identity",
        **message.webhook_headers(),
        **signed_headers(message, body),
    }
    token = _PIN.set(vetted)
    try:
        async with client.stream("POST", vetted.target.url, content=body, headers=headers,
                                 timeout=timeout, follow_redirects=False) as response:
            status = response.status_code  # the body is left unread, and closed
    finally:
        _PIN.reset(token)
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from the receiver")
