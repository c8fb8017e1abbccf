"""Red team: a public webhook host on any port (``https://hooks.example.org:25/``, ``:6379``)
made notify speak HTTP to a mail, cache or SSH server of the agency's choice. Webhooks not on
the allow-list may name 443 and 80 only, and the ports the deployment adds
(SAMSTAT_WEBHOOK_ALLOWED_PORTS); refused at registration (422 naming the field and the rule)
and again at send time, before the host is even looked up.

Names resolve through injected resolvers only; nothing connects anywhere but loopback."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from samstat_kit.netguard import WEB_PORTS, Refused, WebhookGuard, allow_list_from
from services.notify.app import create_app
from services.notify.config import NotifySettings
from services.notify.delivery.senders import DeliveryError, send_webhook, webhook_client

from .factory import tokens
from .receivers import webhook_receiver
from .test_ssrf import PUBLIC, REGION, Message, Names, settings

SMUGGLING = ["https://hooks.example.org:25/", "http://hooks.example.org:6379/",
             "https://hooks.example.org:22/x", "http://hooks.example.org:8080/",
             f"https://{PUBLIC}:11211/", "http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:25/"]


@pytest.mark.parametrize("url", SMUGGLING)
def test_a_public_host_on_another_port_is_refused_before_it_is_looked_up(url: str) -> None:
    names = Names({"hooks.example.org": [PUBLIC]})
    with pytest.raises(Refused, match=r"^refused: port \d+ not allowed \(webhooks use 80, 443\)$"):
        WebhookGuard(resolver=names).vet(url)
    assert names.asked == []  # the policy needs no lookup, and says nothing of the name


def test_the_web_ports_and_the_deployments_own_pass() -> None:
    names = Names({"hooks.example.org": [PUBLIC]})
    plain = WebhookGuard(resolver=names)
    for url in ("https://hooks.example.org/", "https://hooks.example.org:443/x",
                "http://hooks.example.org/", "http://hooks.example.org:80/"):
        assert [str(a) for a in plain.vet(url).addresses] == [PUBLIC]
    more = WebhookGuard(resolver=names, ports=WEB_PORTS | {8443})
    assert more.vet("https://hooks.example.org:8443/").target.port == 8443
    with pytest.raises(Refused, match=r"port 25 not allowed \(webhooks use 80, 443, 8443\)"):
        more.vet("https://hooks.example.org:25/")


def test_allow_listed_receivers_keep_their_ports() -> None:
    """Tests and internal receivers listen where the operator names them: the entry is the
    policy (in production it must carry the port, NotifySettings)."""
    names = Names({"alerts.internal": ["10.1.2.3"]})
    guard = WebhookGuard(allow_list_from("127.0.0.1, alerts.internal:9443"), names)
    assert guard.vet("http://127.0.0.1:38123/hook").allow_listed
    assert guard.vet("https://alerts.internal:9443/").allow_listed
    with pytest.raises(Refused, match="port 9444"):
        guard.vet("https://alerts.internal:9444/")


def test_registration_answers_422_naming_the_field_and_the_port(fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION)
    names = Names({"hooks.example.org": [PUBLIC]})
    with TestClient(create_app(settings(fresh_url), resolver=names)) as client:
        for url in SMUGGLING:
            r = client.post("/v1/subscriptions", headers=auth[REGION], json={
                "convener": REGION, "channel": "webhook", "target": url})
            assert r.status_code == 422, (url, r.text)
            port = url.rsplit(":", 1)[1].split("/")[0]
            assert r.json()["detail"] == (f"target: refused: port {port} not allowed "
                                          f"(webhooks use 80, 443)"), r.text
        assert names.asked == []
        assert client.get("/v1/subscriptions", headers=auth[REGION]).json() == []
        assert client.post("/v1/subscriptions", headers=auth[REGION], json={
            "convener": REGION, "channel": "webhook",
            "target": "https://hooks.example.org/h"}).status_code == 201


def test_the_deployment_adds_ports_in_one_setting(monkeypatch: pytest.MonkeyPatch,
                                                  fresh_url: str) -> None:
    monkeypatch.setenv("SAMSTAT_WEBHOOK_ALLOWED_PORTS", "8443, 9443")
    cfg = NotifySettings(database_url=fresh_url, kafka_enabled=False)
    assert cfg.webhook_ports == {80, 443, 8443, 9443}
    auth = tokens(fresh_url, REGION)
    names = Names({"hooks.example.org": [PUBLIC]})
    with TestClient(create_app(cfg, resolver=names)) as client:
        assert client.post("/v1/subscriptions", headers=auth[REGION], json={
            "convener": REGION, "channel": "webhook",
            "target": "https://hooks.example.org:8443/h"}).status_code == 201
    for bad in ("0", "65536", "http", "443,x"):
        monkeypatch.setenv("SAMSTAT_WEBHOOK_ALLOWED_PORTS", bad)
        with pytest.raises(ValidationError, match="webhook_allowed_ports"):
            NotifySettings()


def test_send_time_refuses_a_stored_target_on_another_port_without_connecting() -> None:
    """A target stored before the policy (or by the registry) is refused when sent: the
    name resolves to the listening receiver, whose port is not a web port."""
    with webhook_receiver() as receiver:
        names = Names({"hooks.example.org": ["127.0.0.1"]})
        # Allow-listed by name but for another port: only the port policy is in the way.
        guard = WebhookGuard(allow_list_from("hooks.example.org:443"), names)

        async def run() -> None:
            client = webhook_client()
            try:
                with pytest.raises(DeliveryError,
                                   match=rf"^refused: port {receiver.port} not allowed"):
                    await send_webhook(
                        client, Message(f"http://hooks.example.org:{receiver.port}/h"), 2.0,
                        guard)
            finally:
                await client.aclose()

        asyncio.run(run())
    assert receiver.hits == [] and names.asked == []
