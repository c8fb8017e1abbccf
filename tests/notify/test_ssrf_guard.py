"""The webhook guard on its own (samstat_kit.netguard): every spelling of a forbidden address is
refused, a name is judged by every address it resolves to, the allow-list, and the numeric
forms read as the C library reads them. No network: names go through injected resolvers."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samstat_kit.netguard import (
    NOT_ALLOWED,
    Refused,
    WebhookGuard,
    allow_list_from,
    forbidden,
    parse_ipv4,
)

# A public address that only ever appears in injected resolver answers (nothing connects).
PUBLIC = "93.184.215.14"

# Every way of writing a loopback, private, link-local, ... address that a URL can carry.
SPELLINGS = [
    "127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0X7F000001", "0x7f.1",
    "0x7f.0.0.1", "0177.0.0.1", "017700000001", "127.0.0.1.", "127.000.000.001",
    "[::1]", "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:7f00:1]", "[::127.0.0.1]", "[64:ff9b::7f00:1]", "[64:ff9b::a00:1]",
    "[2002:7f00:1::1]", "[2002:c0a8:101::]", "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
    "[fe80::1%25eth0]", "[fe80::1]", "[fc00::1]", "[fd12:3456::1]", "[fec0::1]", "[ff02::1]",
    "[::]", "0", "0.0.0.0", "10.0.0.1", "10.1", "167772161", "172.16.0.1", "192.168.1.1",
    "0xc0a80101", "169.254.169.254", "0xa9fea9fe", "2852039166", "100.64.0.1", "198.18.0.1",
    "192.0.2.1", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
    "255.255.255.255", "240.0.0.1", "192.0.0.8", "localhost", "LOCALHOST", "api.localhost",
    "127。0。0。1", "%31%32%37.0.0.1", "127.0.0.1%00.example.com", "[::ffff:a9fe:a9fe]",
]
# The URL shapes around the host: user info, ports, paths, upper-case schemes.
SHAPES = ["http://{h}/hook", "https://{h}:8443/x?y=1", "HTTP://user:pw@{h}/",
          "http://evil.example@{h}/", "http://{h}:80#@public.example/"]


def guard(answers: dict[str, Sequence[str]] | None = None, allow: str = "") -> WebhookGuard:
    table = dict(answers or {})

    def resolve(host: str, _port: int) -> Sequence[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "not known")
        return table[host]

    return WebhookGuard(allow_list_from(allow), resolve)


def refused(g: WebhookGuard, url: str) -> str:
    with pytest.raises(Refused) as exc:
        g.vet(url)
    return str(exc.value)


@pytest.mark.parametrize("host", SPELLINGS)
def test_every_spelling_is_refused(host: str) -> None:
    g = guard()  # resolves nothing: a literal must not need the resolver to be refused
    for shape in SHAPES:
        reason = refused(g, shape.format(h=host))
        assert "127" not in reason and "10.0" not in reason


@pytest.mark.parametrize("host", ["168.63.129.16", "2822734096", "0xa8.0x3f.0x81.0x10",
                                  "[::ffff:a83f:8110]", "[64:ff9b::a83f:8110]"])
def test_the_cloud_platforms_public_looking_address_is_refused(host: str) -> None:
    """Red team: Azure's WireServer (168.63.129.16) answers every VM of the cloud and
    nobody else, like the metadata service; it is a global address to the standard library,
    so it passed as a public receiver."""
    assert refused(guard(), f"http://{host}/machine?comp=health") == NOT_ALLOWED
    assert refused(guard({"hooks.example.org": ["168.63.129.16"]}),
                   "https://hooks.example.org/") == NOT_ALLOWED


@pytest.mark.parametrize("answer", [
    ["127.0.0.1"], ["10.0.0.7"], ["169.254.169.254"], ["::1"], ["fd00::5"],
    ["::ffff:192.168.0.1"], ["100.100.100.200"], [PUBLIC, "10.0.0.1"], ["fe80::1%eth0"],
    [], ["not-an-address"],
])
def test_a_name_is_judged_by_every_address_it_resolves_to(answer: list[str]) -> None:
    g = guard({"hooks.example.org": answer})
    reason = refused(g, "https://hooks.example.org/x")
    # The same words whatever the name resolved to (or not): nothing about the inside.
    assert reason == NOT_ALLOWED


def test_public_names_and_addresses_pass() -> None:
    g = guard({"hooks.example.org": [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    vetted = g.vet("https://Hooks.Example.Org./x")
    assert [str(a) for a in vetted.addresses] == [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    assert vetted.target.port == 443 and not vetted.allow_listed
    assert [str(a) for a in g.vet(f"http://{PUBLIC}:80/").addresses] == [PUBLIC]
    assert g.vet("http://[::ffff:93.184.215.14]/").addresses  # mapped, judged as IPv4
    idn = guard({"xn--bcher-kva.example.org": [PUBLIC]})
    assert idn.vet("http://bücher.example.org/").target.host == "xn--bcher-kva.example.org"


@pytest.mark.parametrize("url", [
    "ftp://hooks.example.org/", "file:///etc/passwd", "gopher://127.0.0.1:25/",
    "http:///nohost", "http:127.0.0.1/", "javascript:alert(1)", "http://[::1/",
    "http://1.2.3.4.5/", "http://999.1.1.1/", "http://a b.example/", "",
])
def test_not_an_http_url_with_a_plain_host(url: str) -> None:
    refused(guard({"hooks.example.org": [PUBLIC]}), url)


def test_the_allow_list_names_hosts_and_ports() -> None:
    g = guard({"hooks.internal": ["10.1.2.3"], "other.internal": ["10.1.2.4"]},
              allow="hooks.internal:8443, 127.0.0.1 ,[::1]:9000")
    assert g.vet("https://hooks.internal:8443/x").allow_listed
    assert refused(g, "https://hooks.internal/x") == NOT_ALLOWED  # other port
    assert refused(g, "https://other.internal/x") == NOT_ALLOWED
    # Another host on the entry's port: not allowed by the entry, nor by the port policy.
    assert refused(g, "https://other.internal:8443/x").startswith("refused: port 8443")
    # An address entry covers every spelling of that address, on any port.
    for url in ("http://127.0.0.1:1/", "http://127.1:2/", "http://2130706433/"):
        assert g.vet(url).allow_listed
    assert refused(g, "http://127.0.0.2/") == NOT_ALLOWED
    assert g.vet("http://[::1]:9000/").allow_listed
    assert refused(g, "http://[::1]/") == NOT_ALLOWED
    assert refused(g, "http://[::1]:9001/").startswith("refused: port 9001")
    for bad in ("http://x/", "a b", "host:port", "[::1"):
        with pytest.raises(ValueError):
            allow_list_from(bad)


# --- properties ------------------------------------------------------------------------------

# The special-purpose ranges, written out here independently of the module under test.
V4_FORBIDDEN = [ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")]
V6_FORBIDDEN = [ipaddress.IPv6Network(n) for n in (
    "::1/128", "::/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "2001:db8::/32",
    "100::/64", "64:ff9b:1::/48")]


@st.composite
def in_network(draw: st.DrawFn, nets: list) -> ipaddress._BaseAddress:
    net = draw(st.sampled_from(nets))
    offset = draw(st.integers(0, net.num_addresses - 1))
    return net.network_address + offset


def _parts(value: int, n: int) -> list[int]:
    """``value`` as inet_aton's n-part form (the last part takes the remaining bytes)."""
    head = [(value >> (8 * (3 - i))) & 0xFF for i in range(n - 1)]
    return [*head, value & ((1 << (8 * (5 - n))) - 1)]


@st.composite
def v4_spelling(draw: st.DrawFn, ip: ipaddress.IPv4Address) -> str:
    value = int(ip)
    n = draw(st.integers(1, 4))
    styles = draw(st.lists(st.sampled_from(["dec", "hex", "HEX", "oct"]), min_size=n,
                           max_size=n))
    out = []
    for part, style in zip(_parts(value, n), styles, strict=True):
        out.append({"dec": str(part), "hex": f"0x{part:x}", "HEX": f"0X{part:X}",
                    "oct": f"0{part:o}"}[style])
    return ".".join(out) + draw(st.sampled_from(["", "."]))


@st.composite
def forbidden_host(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        ip4 = draw(in_network(V4_FORBIDDEN))
        wrap = draw(st.sampled_from(["plain", "mapped", "mapped-hex", "nat64", "6to4"]))
        v = int(ip4)
        if wrap == "plain":
            return draw(v4_spelling(ip4))
        if wrap == "mapped":
            return f"[::ffff:{ip4}]"
        hi, lo = v >> 16, v & 0xFFFF
        return {"mapped-hex": f"[::ffff:{hi:x}:{lo:x}]", "nat64": f"[64:ff9b::{hi:x}:{lo:x}]",
                "6to4": f"[2002:{hi:x}:{lo:x}::1]"}[wrap]
    ip6 = draw(in_network(V6_FORBIDDEN))
    text = draw(st.sampled_from([ip6.compressed, ip6.exploded, ip6.exploded.upper()]))
    return f"[{text}]"


@given(host=forbidden_host(), shape=st.sampled_from(SHAPES))
def test_property_forbidden_addresses_are_refused_however_written(host: str,
                                                                  shape: str) -> None:
    with pytest.raises(Refused):
        guard().vet(shape.format(h=host))


@given(ip=st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address), data=st.data())
def test_property_numeric_hosts_read_as_the_c_library_reads_them(ip: ipaddress.IPv4Address,
                                                                 data: st.DataObject) -> None:
    spelled = data.draw(v4_spelling(ip)).rstrip(".")
    # inet_aton(3) only parses (no network): the address the operating system would connect to.
    assert parse_ipv4(spelled) == ipaddress.IPv4Address(socket.inet_aton(spelled)) == ip


@given(bad=in_network(V4_FORBIDDEN + V6_FORBIDDEN),
       good=st.lists(st.just(PUBLIC), max_size=3), at=st.integers(0, 3))
def test_property_one_forbidden_answer_refuses_the_name(bad: ipaddress._BaseAddress,
                                                        good: list[str], at: int) -> None:
    answer = [*good]
    answer.insert(min(at, len(answer)), str(bad))
    assert forbidden(bad) is not None
    with pytest.raises(Refused):
        guard({"hooks.example.org": answer}).vet("https://hooks.example.org/")


@pytest.mark.parametrize("url", ["http://receiver.example:99999/", "http://receiver.example:0/",
                                 "https://receiver.example:65536/x"])
def test_a_port_out_of_range_is_refused(url: str) -> None:
    from samstat_kit.netguard import Refused, parse_target

    with pytest.raises(Refused, match="port"):
        parse_target(url)
