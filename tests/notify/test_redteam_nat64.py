"""Red team: NAT64 with a network-specific prefix (RFC 6052) carried private IPv4 past the
guard.

The guard read the IPv4 address inside the well-known prefix 64:ff9b::/96 only. An IPv6-only
cluster whose DNS64/NAT64 uses a prefix of its own (any global unicast /32../96, as most
operators do) synthesizes, for a name that has only an A record 10.0.0.5, the AAAA
``<prefix>::a00:5``: a global unicast address the guard let through, and the NAT64 gateway
translates the connection to 10.0.0.5 (or the metadata service). The operator names such
prefixes (``SAMSTAT_WEBHOOK_NAT64_PREFIXES``); the guard then judges the IPv4 address each
carries, at every RFC 6052 prefix length. Injected resolvers only; nothing connects."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import pytest

from samstat_kit.netguard import NOT_ALLOWED, Refused, WebhookGuard, allow_list_from, embedded_ipv4
from services.notify.config import NotifySettings
from services.notify.delivery.dispatcher import Dispatcher

# A global unicast prefix standing for an operator's NAT64 (nothing ever connects to it).
NSP96 = "2a01:4f8:64::/96"
NSP64 = "2a01:4f8:64:64::/64"


def _guard(answers: dict[str, Sequence[str]], nat64: Sequence[str] = ()) -> WebhookGuard:
    def resolve(host: str, _port: int) -> Sequence[str]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "not known")
        return answers[host]

    return WebhookGuard(allow_list_from(""), resolve,
                        nat64=tuple(ipaddress.IPv6Network(p) for p in nat64))


def _refused(g: WebhookGuard, url: str) -> bool:
    try:
        g.vet(url)
    except Refused as exc:
        assert str(exc) == NOT_ALLOWED
        return True
    return False


@pytest.mark.parametrize(("prefix", "length"), [
    ("2a01:4f8::", 32), ("2a01:4f8:6400::", 40), ("2a01:4f8:64::", 48),
    ("2a01:4f8:64:6400::", 56), ("2a01:4f8:64:64::", 64), ("2a01:4f8:64::", 96)])
def test_the_ipv4_address_at_every_rfc6052_length_is_read(prefix: str, length: int) -> None:
    net = ipaddress.IPv6Network(f"{prefix}/{length}")
    v4 = ipaddress.IPv4Address("169.254.169.254")
    # RFC 6052 2.2: the IPv4 bits follow the prefix, skipping bits 64..71 (the "u" octet).
    raw = bytearray(net.network_address.packed)
    bits = list(v4.packed)
    at = length // 8
    for b in bits:
        if at == 8:
            at += 1
        raw[at] = b
        at += 1
    addr = ipaddress.IPv6Address(bytes(raw))
    assert v4 in embedded_ipv4(addr, (net,))


def test_a_synthesized_address_for_a_private_name_is_refused() -> None:
    answers = {"hooks.example.org": ["2a01:4f8:64::a00:5"],
               "meta.example.org": ["2a01:4f8:64:64:00a9:fea9:fe00:0"],
               "public.example.org": ["2a01:4f8:64::5db8:d70e"]}
    # Unnamed, such a prefix is global unicast like any receiver's: the operator names it.
    assert not _refused(_guard(answers), "https://hooks.example.org/x")
    g = _guard(answers, (NSP96, NSP64))
    assert _refused(g, "https://hooks.example.org/x")
    assert _refused(g, "https://meta.example.org/x")
    assert _refused(g, "http://[2a01:4f8:64::7f00:1]/")
    assert not _refused(g, "https://public.example.org/x")  # a public IPv4 via NAT64
    # A prefix inside unique-local space is the way to public IPv4 too, judged by what it
    # carries, like the well-known one.
    ula = _guard({"public.example.org": ["fd64:1::5db8:d70e"],
                  "hooks.example.org": ["fd64:1::a00:5"]}, ("fd64:1::/96",))
    assert not _refused(ula, "https://public.example.org/x")
    assert _refused(ula, "https://hooks.example.org/x")


def test_the_setting_reaches_the_dispatchers_guard(sqlite_url: str) -> None:
    from samstat_kit.db import session_factory

    cfg = NotifySettings(database_url=sqlite_url, kafka_enabled=False,
                         webhook_nat64_prefixes=f"{NSP96}, {NSP64}")
    d = Dispatcher(session_factory(sqlite_url), cfg,
                   resolver=lambda _h, _p: ["2a01:4f8:64::a00:5"])
    assert _refused(d.guard, "https://hooks.example.org/x")
    with pytest.raises(ValueError, match="NAT64"):
        NotifySettings(database_url=sqlite_url, webhook_nat64_prefixes="2a01:4f8:64::/80")
