"""Real receivers for delivery tests: an HTTP webhook endpoint and an SMTP server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from samstat_kit.broker import free_port


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int


@dataclass
class WebhookReceiver:
    """Answers 503 for the first ``fail_first[path]`` requests of a path (POST or GET), then 200;
    sleeps ``delay[path]`` seconds before answering. ``held[path]``: requests received and
    not answered yet (a hit is recorded when answered); ``arrived[path]``: when each request
    came in, before any delay."""

    fail_first: dict[str, int] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)
    arrived: dict[str, list[float]] = field(default_factory=dict)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]


@contextmanager
def webhook_receiver(**kwargs: Any) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(**kwargs)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                receiver.held[self.path] = receiver.held.get(self.path, 0) + 1
                receiver.arrived.setdefault(self.path, []).append(time.monotonic())
            time.sleep(receiver.delay.get(self.path, 0.0))
            with lock:
                receiver.held[self.path] -= 1
                seen = len(receiver.on(self.path))
                status = 503 if seen < receiver.fail_first.get(self.path, 0) else 200
                receiver.hits.append(Hit(self.path, dict(self.headers.items()), body,
                                         time.monotonic(), status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST  # a page's fetches (the PDF renderer's walls), counted alike

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


class MailSink:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[bytes]:
        return [content for rcpts, content in self.messages if address in rcpts]


@contextmanager
def smtp_server() -> Iterator[tuple[MailSink, int]]:
    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
