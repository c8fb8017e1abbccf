"""Red team: request forgery through the mail relay. An e-mail receiver whose domain is an
address literal (``ops@[10.0.0.5]``, ``ops@[IPv6:::1]``) or a numeric host
(``ops@127.0.0.1``), or a name of this machine (``ops@mail.localhost``), was registered by
any agency (the API's and the registry's pattern only wanted a dot after the ``@``) and handed
to the relay, which delivers by connecting (SMTP, port 25) to whatever the domain names: an
address inside the deployment chosen by the agency, as webhooks may not. Such an address is
now refused at registration, skipped from the registry, and never handed to the relay at send
time (rows stored before). Nothing here leaves the loopback: the relay is a local aiosmtpd
that records what it is asked, and no domain is resolved."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient

from samstat_kit.netguard import NOT_ALLOWED, mail_receiver_allowed
from services.notify.app import create_app
from services.notify.delivery.senders import DeliveryError, SmtpConfig, send_email_blocking
from services.notify.subscriptions.contacts import parse_contacts

from .factory import tokens
from .test_ssrf import KV, REGION, Names, settings

LITERALS = ["ops@[127.0.0.1]", "ops@[10.0.0.5]", "ops@[169.254.169.254]",
            "ops@[IPv6:::1]", "ops@[ipv6:fd00::1]", "ops@127.0.0.1", "ops@10.0.0.5",
            "ops@0x7f.1", "ops@2130706433.", "ops@127.0.0.1.", "ops@mail.localhost",
            "ops@LOCALHOST.", "ops@1.2.3.4.5",
            # Routing in the local part, which a relay rewrites when the domain is its own.
            "ops%[10.0.0.5]@relay.example.se", "ops%10.0.0.5@relay.example.se",
            "10.0.0.5!ops@relay.example.se"]
GOOD = ["anna@example.se", "sammankallande@region-vasterbotten.se", "a.b@sub.kommun.se."]


@pytest.mark.parametrize("address", LITERALS)
def test_an_address_literal_or_numeric_domain_is_not_a_mail_receiver(address: str) -> None:
    assert not mail_receiver_allowed(address)


@pytest.mark.parametrize("address", GOOD)
def test_a_named_domain_is(address: str) -> None:
    assert mail_receiver_allowed(address)


def test_registration_refuses_a_literal_domain(fresh_url: str) -> None:
    auth = tokens(fresh_url, REGION, KV)
    with TestClient(create_app(settings(fresh_url), resolver=Names())) as client:
        for target in LITERALS:
            r = client.post("/v1/subscriptions", headers=auth[REGION], json={
                "convener": REGION, "channel": "email", "target": target})
            assert r.status_code == 422, (target, r.text)
            assert "e-mail" in r.text
        ok = client.post("/v1/subscriptions", headers=auth[REGION], json={
            "convener": REGION, "channel": "email", "target": "anna@example.se"})
        assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("address", LITERALS)
def test_a_registry_contact_with_a_literal_domain_is_skipped(address: str) -> None:
    assert parse_contacts([{"agency": "kommun-2480", "email": address}]) == []


class _Message:
    """The one part of an outgoing message the mail sender reads."""

    def __init__(self, target: str) -> None:
        self.target = target

    def email_message(self, sender: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = sender, self.target, "Larm"
        msg.set_content("x")
        return msg

    def webhook_headers(self) -> dict[str, str]:
        return {"X-Samstat-Delivery": "d-1"}


def test_a_stored_literal_receiver_is_never_handed_to_the_relay() -> None:
    """A row stored before registration refused it: the relay never hears of it."""
    from aiosmtpd.controller import Controller

    from samstat_kit.broker import free_port

    asked: list[str] = []

    class Recording:
        async def handle_RCPT(self, _server: object, _session: object, envelope: object,
                              address: str, _options: object) -> str:
            asked.append(address)
            envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
            return "250 OK"

        async def handle_DATA(self, *_args: object) -> str:
            return "250 OK"

    port = free_port()
    relay = Controller(Recording(), hostname="127.0.0.1", port=port)
    relay.start()
    try:
        cfg = SmtpConfig(host="127.0.0.1", port=port, sender="samstat@example.se")
        with pytest.raises(DeliveryError) as exc:
            send_email_blocking(_Message("ops@[10.0.0.5]"), cfg)  # type: ignore[arg-type]
        assert str(exc.value) == NOT_ALLOWED
        assert asked == []
        send_email_blocking(_Message("anna@example.se"), cfg)  # type: ignore[arg-type]
        assert asked == ["anna@example.se"]
    finally:
        relay.stop()


@pytest.mark.parametrize("address", LITERALS)
def test_the_registry_refuses_such_a_role_mailbox_where_the_admin_hears_of_it(
        address: str) -> None:
    from pydantic import ValidationError

    from services.initiatives.registry.schemas import ContactCreate

    with pytest.raises(ValidationError):
        ContactCreate(agency="kommun-2480", email=address)
    assert ContactCreate(agency="kommun-2480", email="a@example.se").email == "a@example.se"
