"""A request body is never read past ingest's cap, and the upload form's not at all before the
sign-in: an anonymous POST /upload once had Starlette spool an unlimited file part to disk
before the sign-in, the CSRF check or ``max_body_bytes`` were looked at.

The app is driven through ASGI directly with a client that hands the body out in chunks and
counts what the app took (a TestClient hands the whole body over in one message, and a server
buffers ahead), and once on a real uvicorn on loopback, where the refusal must arrive while
the client is still sending."""

from __future__ import annotations

import asyncio
import select
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy import select as sql_select
from starlette.types import Message

from samstat_kit.auth import service as tokens
from samstat_kit.auth import sessions as store
from samstat_kit.auth.people import add_person
from samstat_kit.db import session_factory, session_scope
from samstat_kit.present import formatting
from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from services.ingest.limits import FORM_OVERHEAD
from services.ingest.upload.models import IngestUpload
from tests.auth.helpers import csrf_of, serve

MAX = 256 * 1024  # the test's max_body_bytes: small, so the sends stay quick
CAP = MAX + FORM_OVERHEAD
CHUNK = 16 * 1024
BIG = 8 * CAP  # what an attacker sends (the real one: unlimited)
BOUNDARY = "b0undary"
CSV = b"measure,area,period,value,dim_sex\nbenefit_net_days,2460,2023-10,31000,K\n"


@dataclass
class Staff:
    app: FastAPI
    db_url: str
    cookies: dict[str, str]  # the signed-in browser's: session and CSRF cookie
    csrf: str


@pytest.fixture
def staff(ingest_db: str) -> Iterator[Staff]:
    """An analyst at Vännäs signed in on ingest (max_body_bytes=MAX), with the CSRF token."""
    with session_scope(session_factory(ingest_db)) as s:
        person = add_person(session=s, email=f"bl-{uuid.uuid4().hex[:8]}@vannas.se",
                            agency="kommun-2460", name="Granskare", role="analyst")
        secret = store.start_session(session=s, person=person, method="email",
                                     max_age=timedelta(hours=1))
    app = create_app(IngestSettings(database_url=ingest_db, max_body_bytes=MAX))
    c = TestClient(app, follow_redirects=False)  # no lifespan: no relay, no Kafka
    c.cookies.set("samstat_session", secret)
    csrf = csrf_of(c.get("/upload").text)
    yield Staff(app, ingest_db, dict(c.cookies.items()), csrf)


def _multipart(csrf: str, size: int) -> Iterator[bytes]:
    """A browser's upload form with a file of ``size`` bytes, made as it is sent."""
    yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
           f"{csrf}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
           f"filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() + CSV
    left = size - len(CSV)
    while left > 0:
        yield b"x" * min(CHUNK, left)
        left -= CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    taken: int  # body bytes the app received
    seconds: float


async def _drive(app: FastAPI, path: str, headers: dict[str, str],
                 body: Iterator[bytes]) -> Answer:
    """One request through the app's ASGI interface, the body handed out a chunk per
    ``receive``; counts the bytes the app took."""
    taken, answered, start = 0, asyncio.Event(), time.perf_counter()
    status, out, head = 0, bytearray(), {}
    chunks = iter(body)
    pending = next(chunks, None)

    async def receive() -> Message:
        nonlocal pending, taken
        if pending is None:  # all sent: the client waits for the answer, then leaves
            await answered.wait()
            return {"type": "http.disconnect"}
        chunk, pending = pending, next(chunks, None)
        taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": pending is not None}

    async def send(message: Message) -> None:
        nonlocal status, head
        if message["type"] == "http.response.start":
            status = message["status"]
            head = {k.decode(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            out.extend(message.get("body", b""))
            if not message.get("more_body"):
                answered.set()

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"},
             "http_version": "1.1", "method": "POST", "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    await app(scope, receive, send)
    return Answer(status, head, bytes(out), taken, time.perf_counter() - start)


def _post(app: FastAPI, body: Iterator[bytes], *, cookies: dict[str, str] | None = None,
          length: int | None = None, path: str = "/upload",
          media: str = f"multipart/form-data; boundary={BOUNDARY}",
          extra: dict[str, str] | None = None) -> Answer:
    headers = {"host": "testserver", "content-type": media} | (extra or {})
    if cookies:
        headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if length is None:
        headers["transfer-encoding"] = "chunked"
    else:
        headers["content-length"] = str(length)
    return asyncio.run(_drive(app, path, headers, body))


def _size(body: Iterator[bytes]) -> int:
    return sum(len(c) for c in body)


def _uploads(db_url: str) -> int:
    with session_scope(session_factory(db_url)) as s:
        return int(s.scalar(sql_select(func.count()).select_from(IngestUpload)) or 0)


# ------------------------------------------------------------------ a body over the cap


def test_a_declared_body_over_the_cap_is_refused_unread(staff: Staff) -> None:
    before = _uploads(staff.db_url)
    r = _post(staff.app, _multipart(staff.csrf, BIG), cookies=staff.cookies,
              length=_size(_multipart(staff.csrf, BIG)))
    assert r.status == 413, r.body[:300]
    assert r.taken == 0  # not a byte read: refused by its Content-Length
    assert r.seconds < 5
    # the upload page's own words and the limit, as for a file over it that was read
    # (the limit as people say it, "256 kB", since the refusal stopped saying bytes)
    assert "Filen togs inte emot" in r.body.decode()
    assert formatting.file_size(MAX, "sv") in r.body.decode()
    assert r.headers["x-content-type-options"] == "nosniff"  # the kit's hardening, as ever
    assert "content-security-policy" in r.headers
    assert _uploads(staff.db_url) == before


def test_a_chunked_body_is_read_no_further_than_the_cap(staff: Staff) -> None:
    before = _uploads(staff.db_url)
    r = _post(staff.app, _multipart(staff.csrf, BIG), cookies=staff.cookies)
    assert r.status == 413, r.body[:300]
    assert CAP < r.taken <= CAP + CHUNK, (r.taken, BIG)  # stopped at the chunk passing it
    assert "Filen togs inte emot" in r.body.decode()
    assert _uploads(staff.db_url) == before


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
def test_a_stranger_s_big_form_is_refused_by_its_size_or_not_read(staff: Staff,
                                                                  length: bool) -> None:
    r = _post(staff.app, _multipart("x", BIG), path="/upload/1/publish",
              length=_size(_multipart("x", BIG)) if length else None)
    assert r.taken == 0, (r.status, r.taken)
    if length:  # refused by its Content-Length, with ingest's error body (nobody to show)
        assert r.status == 413 and r.headers["connection"] == "close"
        assert r.body == f'{{"detail":"body larger than {MAX} bytes","rejected":[]}}'.encode()
    else:  # nobody signed in: to the sign-in, the body never looked at
        assert r.status == 303 and r.headers["location"].startswith("/login?next=")


def test_a_json_batch_over_the_cap_is_not_read_to_its_end(staff: Staff) -> None:
    with session_scope(session_factory(staff.db_url)) as s:
        token = tokens.issue(session=s, scope="agency", agency="forsakringskassan")
    body = (b"x" * CHUNK for _ in range(BIG // CHUNK))
    r = _post(staff.app, body, path="/v1/observations", media="application/json",
              extra={"authorization": f"Bearer {token}"})
    assert r.status == 413 and r.taken <= CAP + CHUNK, (r.status, r.taken)
    assert r.body.startswith(b'{"detail":"body larger than')


def test_a_file_just_over_max_body_bytes_still_gets_the_page_s_422(staff: Staff) -> None:
    body = list(_multipart(staff.csrf, MAX + 1))
    r = _post(staff.app, iter(body), cookies=staff.cookies, length=_size(iter(body)))
    assert r.status == 422 and "Filen togs inte emot" in r.body.decode()


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "chunked"])
def test_a_file_within_the_limit_is_uploaded(staff: Staff, length: bool) -> None:
    before = _uploads(staff.db_url)
    body = list(_multipart(staff.csrf, len(CSV)))
    r = _post(staff.app, iter(body), cookies=staff.cookies,
              length=_size(iter(body)) if length else None)
    assert r.status == 303 and r.headers["location"].startswith("/upload/"), r.body[:300]
    assert _uploads(staff.db_url) == before + 1


# -------------------------------------------------- nothing read before the sign-in


@pytest.mark.parametrize("who", ["nobody", "a stranger with a CSRF token", "wrong session"])
def test_an_unsigned_upload_is_refused_without_reading_it(staff: Staff, who: str) -> None:
    cookies = {"nobody": {},
               "a stranger with a CSRF token": {"samstat_csrf": staff.cookies["samstat_csrf"]},
               "wrong session": {**staff.cookies, "samstat_session": "sss_not-a-session"},
               }[who]
    before = _uploads(staff.db_url)
    body = list(_multipart(staff.csrf, MAX // 2))  # within the limit: only the sign-in stops it
    for length in (_size(iter(body)), None):
        r = _post(staff.app, iter(body), cookies=cookies, length=length)
        assert r.status == 303 and r.taken == 0, (who, length, r.status, r.taken)
        assert r.headers["location"] == "/login?next=%2Fupload"
    assert _uploads(staff.db_url) == before


def test_a_post_no_csrf_token_can_pass_is_refused_unread(staff: Staff) -> None:
    body = list(_multipart(staff.csrf, MAX // 2))
    no_cookie = {"samstat_session": staff.cookies["samstat_session"]}
    r = _post(staff.app, iter(body), cookies=no_cookie, length=_size(iter(body)))
    assert r.status == 403 and r.taken == 0
    r = _post(staff.app, iter(body), cookies=staff.cookies, length=_size(iter(body)),
              extra={"origin": "https://evil.example", "sec-fetch-site": "cross-site"})
    assert r.status == 403 and r.taken == 0


# -------------------------------------------------------------- a real server on loopback


def _head(staff: Staff, length: int | None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    cookie = "; ".join(f"{k}={v}" for k, v in staff.cookies.items())
    return (f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n"
            ).encode()


def _answer(sock: socket.socket) -> bytes:
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except (ConnectionResetError, TimeoutError):
        pass  # the server closed a connection it did not read to the end; the answer is in
    return out


def _send_until_answered(sock: socket.socket, frames: Iterator[bytes]) -> int:
    """Send chunked frames until the server answers; the body bytes sent by then."""
    sent = 0
    for data in frames:
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            break
        try:
            sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        except (ConnectionResetError, BrokenPipeError):
            break  # answered and closed between the look and the send
        sent += len(data)
    return sent


def test_a_real_server_answers_413_while_the_client_still_sends(staff: Staff) -> None:
    with serve(staff.app) as base:
        port = int(base.rsplit(":", 1)[1])
        # A declared gigabyte: the answer comes before a byte of it is sent.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(_head(staff, 2**30))
            assert _answer(sock).startswith(b"HTTP/1.1 413")
        # Chunked, endless as far as the server knows: the answer comes while it is sent.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHUNK)
            sock.sendall(_head(staff, None))
            sent = _send_until_answered(sock, _multipart(staff.csrf, 128 * CAP))
            assert _answer(sock).startswith(b"HTTP/1.1 413")
            # Far from all of it; more than the cap only by what the kernel's and the
            # server's buffers took before the answer came.
            assert sent < 8 * CAP, sent
