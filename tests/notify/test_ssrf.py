"""Request forgery through notify's webhooks: refused at registration (422 naming the field,
saying nothing of what a name resolved to), refused again at send time when a name has come to
resolve inside (nothing connects: a real receiver listens at that very address and hears
nothing), redirects not followed, the allow-list, and who may register for whom.

Names resolve through an injected resolver only; every receiver listens on loopback."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from samstat_kit.db import session_factory, session_scope
from samstat_kit.netguard import WEB_PORTS, WebhookGuard, allow_list_from
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.delivery.senders import DeliveryError, send_webhook, webhook_client
from services.notify.subscriptions.models import Subscription

from .factory import indicator_id, record, registry_doc, tokens, value_doc, wait_for
from .receivers import webhook_receiver

REGION, KV = "region-vasterbotten", "kriminalvarden"
PUBLIC = "93.184.215.14"  # appears only in resolver answers; nothing ever connects to it


class Names:
    """A resolver the test rewrites while the service runs (DNS that changes its answer)."""

    def __init__(self, answers: dict[str, Sequence[str]] | None = None) -> None:
        self.answers = {k: list(v) for k, v in (answers or {}).items()}
        self.asked: list[str] = []

    def __call__(self, host: str, _port: int) -> Sequence[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"{host} does not resolve")
        return self.answers[host]


def settings(url: str, **kw: Any) -> NotifySettings:
    base: dict[str, Any] = {
        "database_url": url, "kafka_enabled": False, "dispatch_idle_seconds": 0.05,
        "sweep_interval_seconds": 3600, "delivery_backoff_seconds": 0.05,
        "delivery_max_backoff_seconds": 0.1, "delivery_max_attempts": 2,
        "webhook_timeout_seconds": 2.0, "group_wait_seconds": 0, "group_interval_seconds": 0,
        "digest_enabled": False, "webhook_allowed_hosts": []}
    return NotifySettings(**(base | kw))


def fire(client: TestClient, convener: str) -> str:
    """An alert for ``convener``; returns its indicator."""
    ind = indicator_id()
    processor = client.app.state.processor  # type: ignore[attr-defined]
    processor.registry([record(registry_doc(ind, [{"kind": "yoy_rise", "tolerance": 0.5}],
                                            convener=convener))])
    docs = [value_doc(ind, "2022", 11.0, 11.0), value_doc(ind, "2023", 12.5, 11.0)]
    processor.indicator_values([record(d, offset=i) for i, d in enumerate(docs)])
    client.app.state.dispatcher.wake()  # type: ignore[attr-defined]
    return ind


def deliveries(client: TestClient, headers: dict, ind: str) -> list[dict]:
    [alert] = client.get("/v1/alerts", params={"indicator": ind}, headers=headers).json()
    return client.get(f"/v1/alerts/{alert['id']}", headers=headers).json()["deliveries"]


FORBIDDEN_TARGETS = [
    "http://127.0.0.1:8080/x", "http://127.1/", "http://2130706433/", "http://0x7f000001/",
    "http://0177.0.0.1/", "http://127.0.0.1./", "http://[::1]:9000/",
    "http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[fe80::1%25eth0]/",
    "http://user@169.254.169.254/latest/meta-data/", "http://10.1/", "http://192.168.0.1/",
    "http://100.64.0.1/", "http://[fd00::1]/", "http://0/", "HTTP://LOCALHOST:8001/",
    "https://public.test@127.0.0.1/", "http://private.test/", "http://metadata.test/",
    "http://mixed.test/", "http://v6-inside.test/", "http://nowhere.test/",
    "gopher://127.0.0.1:25/", "file:///etc/passwd",
]


def test_registration_refuses_every_spelling_without_telling_what_is_inside(
        fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION, KV)
    names = Names({"private.test": ["10.20.30.40"], "metadata.test": ["169.254.169.254"],
                   "mixed.test": [PUBLIC, "172.16.5.5"],
                   "v6-inside.test": ["::ffff:192.168.7.7"]})
    with TestClient(create_app(settings(fresh_url), resolver=names)) as client:
        for target in FORBIDDEN_TARGETS:
            for who in (REGION, "admin"):
                r = client.post("/v1/subscriptions", headers=auth[who], json={
                    "convener": REGION, "channel": "webhook", "target": target})
                assert r.status_code == 422, (target, r.text)
                detail = r.json()["detail"]
                assert detail.startswith("target: "), detail
                for inside in ("10.20.30.40", "169.254", "172.16", "192.168.7", "does not"):
                    assert inside not in detail, (target, detail)
        # What a name resolves to was looked up through the injected resolver only.
        assert {"private.test", "metadata.test", "mixed.test"} <= set(names.asked)
        assert client.get("/v1/subscriptions", headers=auth["admin"]).json() == []


def test_only_the_convener_or_an_admin_registers_its_receivers(fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION, KV)
    cfg = settings(fresh_url, webhook_allowed_hosts=["127.0.0.1"])
    with TestClient(create_app(cfg, resolver=Names())) as client:
        hook = {"convener": REGION, "channel": "webhook", "target": "http://127.0.0.1:9/h"}
        # Another agency may not, whatever the target (allowed or not).
        for target in (hook["target"], "http://10.0.0.1/"):
            r = client.post("/v1/subscriptions", headers=auth[KV], json={**hook,
                                                                         "target": target})
            assert r.status_code == 403
        assert client.post("/v1/subscriptions", headers=auth[REGION], json=hook
                           ).json()["created_by"] == REGION
        assert client.post("/v1/subscriptions", headers=auth["admin"], json=hook
                           ).status_code == 201
        mine = client.get("/v1/subscriptions", headers=auth["admin"]).json()
        assert [s["convener"] for s in mine] == [REGION, REGION]


def _insert(url: str, convener: str, target: str) -> None:
    """A subscription written straight into the database, as an older release or the registry
    could have left it (registration would refuse it today)."""
    with session_scope(session_factory(url)) as session:
        session.add(Subscription(
            id=str(uuid.uuid4()), convener=convener, channel="webhook", target=target,
            secret="whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=", lang="sv", format="json",
            created_at=datetime.now(UTC), created_by="test", source="api"))


def test_send_time_refuses_what_a_name_came_to_resolve_to_and_never_connects(
        fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION)
    # "allowed.test" is the operator's internal receiver; "rebind.test" is public when it is
    # registered and then points at loopback, where the same receiver listens.
    names = Names({"allowed.test": ["127.0.0.1"], "rebind.test": [PUBLIC]})
    with webhook_receiver() as receiver:
        port = receiver.port
        # The receiver's port is one public webhooks may name (they get 443 and 80 only).
        cfg = settings(fresh_url, webhook_allowed_hosts=["allowed.test"],
                       webhook_allowed_ports=[port])
        with TestClient(create_app(cfg, resolver=names)) as client:
            for path, host in (("/ok", "allowed.test"), ("/rebind", "rebind.test")):
                assert client.post("/v1/subscriptions", headers=auth[REGION], json={
                    "convener": REGION, "channel": "webhook",
                    "target": f"http://{host}:{port}{path}"}).status_code == 201
            names.answers["rebind.test"] = ["127.0.0.1"]
            names.answers["mixed.test"] = ["127.0.0.1", "127.0.0.2"]
            spelled = ["127.1", "2130706433", "0x7f000001", "0x7f.1", "127.0.0.1.", "mixed.test",
                       "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "localhost", "x@127.0.0.1"]
            for i, host in enumerate(spelled):
                _insert(fresh_url, REGION, f"http://{host}:{port}/s{i}")
            ind = fire(client, REGION)
            wait_for(lambda: receiver.on("/ok"))
            done = wait_for(lambda: [d for d in deliveries(client, auth[REGION], ind)
                                     if d["status"] == "dead"] if all(
                d["status"] in ("sent", "dead")
                for d in deliveries(client, auth[REGION], ind)) else None)
    # The receiver listened on 127.0.0.1 all along: only the allowed path reached it, over a
    # connection to the address the injected resolver gave (the system cannot resolve the
    # name), with the name as Host.
    assert {h.path for h in receiver.hits} == {"/ok"}
    assert receiver.on("/ok")[0].headers["Host"] == f"allowed.test:{port}"
    assert len(done) == 1 + len(spelled)
    for d in done:
        assert d["last_error"].endswith("refused: address not allowed"), d
        assert "127" not in d["last_error"] and "HTTP" not in d["last_error"]


@contextmanager
def redirecting(to: str) -> Iterator[tuple[int, list[str]]]:
    """A receiver that answers every POST with a redirect to ``to``."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(self.path)
            self.send_response(307)
            self.send_header("Location", to)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_redirects_are_not_followed(fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION)
    with webhook_receiver() as inner:
        with redirecting(inner.url("/stolen")) as (port, seen):
            cfg = settings(fresh_url, webhook_allowed_hosts=[f"redirector.test:{port}"])
            names = Names({"redirector.test": ["127.0.0.1"]})
            with TestClient(create_app(cfg, resolver=names)) as client:
                assert client.post("/v1/subscriptions", headers=auth[REGION], json={
                    "convener": REGION, "channel": "webhook",
                    "target": f"http://redirector.test:{port}/hook"}).status_code == 201
                ind = fire(client, REGION)
                [dead] = wait_for(lambda: [d for d in deliveries(client, auth[REGION], ind)
                                           if d["status"] == "dead"])
        assert seen == ["/hook", "/hook"]  # both attempts, each stopped at the redirect
        assert inner.hits == []
    assert dead["last_error"].endswith("HTTP 307 from the receiver")


@pytest.mark.parametrize("entries", ["127.0.0.1", "localhost:{port}", "127.0.0.1:{port}"])
def test_the_allow_list_lets_named_internal_receivers_through(fresh_url: str,
                                                              entries: str) -> None:
    auth = tokens(fresh_url, REGION)
    with webhook_receiver() as receiver:
        allow = entries.format(port=receiver.port)
        host = allow.split(":")[0]
        cfg = settings(fresh_url, webhook_allowed_hosts=[allow])
        names = Names({"localhost": ["127.0.0.1"]})
        with TestClient(create_app(cfg, resolver=names)) as client:
            target = f"http://{host}:{receiver.port}/in"
            assert client.post("/v1/subscriptions", headers=auth[REGION], json={
                "convener": REGION, "channel": "webhook", "target": target}).status_code == 201
            # The allow-list names this host and (when given) port, nothing else.
            assert client.post("/v1/subscriptions", headers=auth[REGION], json={
                "convener": REGION, "channel": "webhook",
                "target": f"http://127.0.0.2:{receiver.port}/in"}).status_code == 422
            fire(client, REGION)
            wait_for(lambda: receiver.on("/in"))


@dataclass(frozen=True)
class Message:
    """The smallest thing the webhook sender sends (what a Notice or a digest provides)."""

    target: str
    secret: str | None = None

    def email_message(self, sender: str) -> Any:
        raise NotImplementedError

    def webhook_body(self) -> bytes:
        return b'{"v":1}'

    def webhook_headers(self) -> dict[str, str]:
        return {"X-Samstat-Delivery": "77"}


def test_the_webhook_client_connects_only_where_the_guard_pinned(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No pin, no connection (whoever calls the client); and a proxy from the environment is
    not used (it would resolve the name itself, past the check)."""
    with webhook_receiver() as receiver, webhook_receiver() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url(""))
        monkeypatch.setenv("http_proxy", proxy.url(""))
        # The receiver's port allowed: the literal loopback is refused for its address.
        guard = WebhookGuard(allow_list_from("allowed.test"),
                             Names({"allowed.test": ["127.0.0.1"]}),
                             ports=WEB_PORTS | {receiver.port})

        async def run() -> None:
            client = webhook_client()
            try:
                with pytest.raises(httpx.ConnectError, match="not allowed"):
                    await client.post(receiver.url("/unpinned"), content=b"{}")
                await send_webhook(client, Message(f"http://allowed.test:{receiver.port}/p"),
                                   2.0, guard)
                with pytest.raises(DeliveryError, match=r"^refused: address not allowed$"):
                    await send_webhook(client, Message(receiver.url("/literal")), 2.0, guard)
            finally:
                await client.aclose()

        asyncio.run(run())
    assert [h.path for h in receiver.hits] == ["/p"] and proxy.hits == []
    assert receiver.hits[0].headers["webhook-id"] == "samstat-77"


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_log_line_holds_what_a_webhook_url_keeps_secret(
        caplog: pytest.LogCaptureFixture) -> None:
    """A webhook URL is a bearer secret: Slack- and Teams-style hooks carry it in the path,
    others in the query or as a password. Neither a delivered nor a failed send writes more
    of it to the log than its origin (httpx's own INFO line, "HTTP Request: POST <url>",
    wrote the whole URL for every send; the failure line kept the path and the password)."""
    secret = ("pw-s3cret", "PATH-s3cret", "QUERY-s3cret")
    guard = WebhookGuard(allow_list_from("allowed.test"), Names({"allowed.test": ["127.0.0.1"]}))

    def url(port: int) -> str:
        return (f"http://hook:{secret[0]}@allowed.test:{port}/services/{secret[1]}"
                f"?token={secret[2]}")

    with webhook_receiver() as receiver:
        async def run() -> None:
            client = webhook_client()
            try:
                await send_webhook(client, Message(url(receiver.port)), 2.0, guard)
                with pytest.raises(DeliveryError, match="could not be reached"):
                    await send_webhook(client, Message(url(_closed_port())), 2.0, guard)
            finally:
                await client.aclose()

        with caplog.at_level(logging.DEBUG):
            asyncio.run(run())
    assert [h.path for h in receiver.hits] == [f"/services/{secret[1]}?token={secret[2]}"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"allowed.test:{receiver.port}" in logged  # the receiver is still named
    for part in secret:
        assert part not in logged, (part, logged)
