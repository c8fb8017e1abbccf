"""Sending one message: e-mail over SMTP (stdlib, in a thread) and webhooks (httpx).

Both raise :class:`DeliveryError` (or any exception) on failure; the dispatcher records it and
schedules the retry. What is sent is anything :class:`Outgoing`: an alert notice
(:class:`~services.notify.delivery.messages.Notice`) or a weekly digest.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from concurrent.futures import Executor
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import httpx

from services.notify.delivery.messages import signature

SIGNATURE_HEADER = "X-Samstat-Signature"


class DeliveryError(Exception):
    pass


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


def send_email_blocking(message: Outgoing, cfg: SmtpConfig) -> None:
    msg = message.email_message(cfg.sender)
    # The timeout bounds every socket operation, so a hung relay frees the thread.
    with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as smtp:
        if cfg.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if cfg.username:
            smtp.login(cfg.username, cfg.password or "")
        refused = smtp.send_message(msg)
    if refused:
        raise DeliveryError(f"recipient refused: {refused}")


async def send_email(message: Outgoing, cfg: SmtpConfig,
                     executor: Executor | None = None) -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(executor, send_email_blocking, message, cfg)


async def send_webhook(client: httpx.AsyncClient, message: Outgoing, timeout: float) -> None:
    """POST the payload; any 2xx is success. Redirects are not followed (a signed body must
    not be replayed to wherever a receiver points)."""
    body = message.webhook_body()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "samstat-notify/1",
        **message.webhook_headers(),
    }
    if message.secret:
        headers[SIGNATURE_HEADER] = signature(message.secret, body)
    response = await client.post(message.target, content=body, headers=headers,
                                 timeout=timeout, follow_redirects=False)
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"HTTP {response.status_code} from the receiver")
