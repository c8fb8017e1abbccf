"""A hostile receiver of a webhook: it cannot hold a send past its time limit (one that drips
its answer a byte a second), nor fill notify's memory (a small gzip body that unpacks to
64 MiB), nor tell which of an allowed host's ports are open by the error it is shown. Real
sockets on loopback; the guard allows 127.0.0.1 as the tests' allow-list does."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from samstat_kit.netguard import WebhookGuard, allow_list_from
from services.notify.delivery.senders import DeliveryError, send_webhook, webhook_client


class _Message:
    def __init__(self, target: str) -> None:
        self.target = target
        self.secret = "whsec_" + "a" * 32

    def webhook_body(self) -> bytes:
        return b'{"x": 1}'

    def webhook_headers(self) -> dict[str, str]:
        return {"X-Samstat-Delivery": "d-1"}


@contextmanager
def _server(answer: Callable[[socket.socket, bytes], None]) -> Iterator[int]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                request += chunk
            threading.Thread(target=answer, args=(conn, request), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield srv.getsockname()[1]
    finally:
        srv.close()


def _send(port: int, timeout: float) -> Any:
    async def go() -> None:
        client = webhook_client()
        try:
            await send_webhook(client, _Message(f"http://127.0.0.1:{port}/hook"),  # type: ignore[arg-type]
                               timeout, WebhookGuard(allow_list_from("127.0.0.1")))
        finally:
            await client.aclose()
    return asyncio.run(go())


@pytest.mark.parametrize("head", [b"HTTP/1.1 200 OK\r\nX-Slow: ",
                                  b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"])
def test_a_receiver_dripping_its_answer_cannot_hold_the_send(head: bytes) -> None:
    # A byte every 0.2 s: each read is within httpx's own timeout, so only a limit on the
    # whole send stops it. Dripped headers: the send fails at its limit. A dripped body: the
    # status has come, and the body is not waited for.
    def drip(conn: socket.socket, _request: bytes) -> None:
        conn.sendall(head)
        try:
            for _ in range(60):
                conn.sendall(b"x")
                time.sleep(0.2)
        except OSError:
            pass

    with _server(drip) as port:
        started = time.monotonic()
        if head.endswith(b"\r\n\r\n"):
            _send(port, 1.0)
        else:
            with pytest.raises(DeliveryError, match="no answer within 1 s"):
                _send(port, 1.0)
        assert time.monotonic() - started < 3.0


def test_the_answer_is_never_read_nor_unpacked() -> None:
    pack = zlib.compressobj(wbits=31)  # gzip
    bomb = b"".join(pack.compress(b"\0" * (1 << 20)) for _ in range(64)) + pack.flush()
    seen: list[bytes] = []

    def gzip_bomb(conn: socket.socket, request: bytes) -> None:
        seen.append(request)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(bomb) + bomb)
        conn.close()

    with _server(gzip_bomb) as port:
        tracemalloc.start()
        try:
            _send(port, 5.0)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 16 << 20, f"{peak / 2**20:.0f} MiB"
    assert b"accept-encoding: identity" in seen[0].lower()


@pytest.mark.parametrize("behaviour", ["closed", "reset", "silent"])
def test_an_unreachable_receiver_gets_one_reason_whatever_the_port_does(
        behaviour: str) -> None:
    def reset(conn: socket.socket, _request: bytes) -> None:
        conn.close()

    def silent(conn: socket.socket, _request: bytes) -> None:
        time.sleep(3)
        conn.close()

    if behaviour == "closed":
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()  # nothing listens there now
        with pytest.raises(DeliveryError) as caught:
            _send(port, 1.0)
    else:
        with _server(reset if behaviour == "reset" else silent) as port, \
                pytest.raises(DeliveryError) as caught:
            _send(port, 1.0)
    assert str(caught.value) in ("the receiver could not be reached", "no answer within 1 s")
    if behaviour != "silent":
        assert str(caught.value) == "the receiver could not be reached"
