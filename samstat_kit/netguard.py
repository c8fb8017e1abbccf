"""May a URL be a webhook target? The guard against server-side request forgery.

A webhook URL is chosen by whoever registers it, and the service then POSTs to it from inside
the deployment: to a loopback port, a database, the cloud's metadata service. So a target is
accepted only when EVERY address its host stands for is a public unicast address, unless an
operator has named the host in an allow-list (internal receivers, tests, ``samstat run``).

- The URL is parsed by httpx, the library that sends: a parser differential (``a@b``,
  ``\\@``, ``#@``) cannot make the check look at one host and the request go to another.
- A numeric host in any spelling the C library accepts (``127.1``, ``2130706433``,
  ``0x7f000001``, ``0x7f.1``, a trailing dot) is read as the address it is; bracketed IPv6
  with a zone id is refused; IPv6 that embeds IPv4 (mapped, NAT64, 6to4, Teredo) is judged by
  the embedded address too.
- A name is resolved through the resolver given (tests inject one; nothing here touches the
  network otherwise) and every address it resolves to must pass. The caller then connects to
  the address that was checked (:mod:`services.notify.delivery.senders` pins it), so a DNS
  answer that changes between check and connect (rebinding) cannot slip through.

Pure: no framework, no I/O except through the resolver.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses (as text) a connection to it could reach.
Resolver = Callable[[str, int], Sequence[str]]

# The one text an agency sees for an address it may not use: it names no address, and never
# what answered there.
NOT_ALLOWED = "refused: address not allowed"

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# IANA's special-purpose registries, with the name shown for a literal address.
_V4_RANGES: tuple[tuple[ipaddress.IPv4Network, str], ...] = tuple((_V4(n), why) for n, why in (
    ("0.0.0.0/8", "unspecified"), ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared address space"), ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"), ("192.0.2.0/24", "documentation"),
    ("192.31.196.0/24", "reserved"), ("192.52.193.0/24", "reserved"),
    ("192.88.99.0/24", "reserved"), ("192.168.0.0/16", "private"),
    ("192.175.48.0/24", "reserved"), ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"), ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"), ("240.0.0.0/4", "reserved"),
    # Azure's platform address (WireServer: VM agent, extension settings and certificates,
    # DHCP, DNS): a public-looking address every Azure VM reaches and nobody outside does,
    # the same kind of target as the metadata service (a red team).
    ("168.63.129.16/32", "cloud platform"),
))
_V6_RANGES: tuple[tuple[ipaddress.IPv6Network, str], ...] = tuple((_V6(n), why) for n, why in (
    ("::/128", "unspecified"), ("::1/128", "loopback"),
    ("::/96", "reserved"),  # IPv4-compatible, deprecated
    ("::ffff:0:0:0/96", "reserved"),  # IPv4-translated (SIIT)
    ("64:ff9b:1::/48", "private"),  # local-use NAT64
    ("100::/64", "reserved"), ("2001::/23", "reserved"),  # IETF protocols, Teredo, ORCHID
    ("2001:db8::/32", "documentation"), ("3fff::/20", "documentation"),
    ("5f00::/16", "reserved"), ("fc00::/7", "unique local"), ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"), ("ff00::/8", "multicast"),
))
_GLOBAL_UNICAST = _V6("2000::/3")
_NAT64 = _V6("64:ff9b::/96")
_MAPPED = _V6("::ffff:0:0/96")

# One part of an IPv4 address as inet_aton(3) reads it: hex, octal or decimal.
_V4_PART = re.compile(r"^(?:0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# The ports every webhook may use; a deployment may add others (SAMSTAT_WEBHOOK_ALLOWED_PORTS).
WEB_PORTS = frozenset(_DEFAULT_PORTS.values())
_ENTRY = re.compile(r"^(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:\[\]/@]+))(?::(?P<port>\d{1,5}))?$",
                    re.ASCII)


class Refused(ValueError):
    """The target is not sent to. ``str()`` is safe to show whoever registered it: it never
    says what a name resolved to, nor what answered there."""


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address of a numeric host in any form inet_aton(3) accepts (``127.1``,
    ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``), or None when it is not one."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_V4_PART.fullmatch(p) for p in parts):
        return None
    nums = []
    for p in parts:
        if p[:2].lower() == "0x":
            nums.append(int(p[2:] or "0", 16))
        elif len(p) > 1 and p[0] == "0":
            nums.append(int(p, 8))
        else:
            nums.append(int(p))
    *head, last = nums
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for i, n in enumerate(head):
        value |= n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


NAT64_LENGTHS = (32, 40, 48, 56, 64, 96)  # the prefix lengths of RFC 6052


def nat64_ipv4(ip: ipaddress.IPv6Address, prefix: ipaddress.IPv6Network
               ) -> ipaddress.IPv4Address:
    """The IPv4 address an address under a NAT64 ``prefix`` carries (RFC 6052 2.2: the 32
    bits after the prefix, skipping bits 64..71)."""
    raw = ip.packed
    if prefix.prefixlen == 96:
        return ipaddress.IPv4Address(raw[12:])
    after = raw[:8] + raw[9:]
    start = prefix.prefixlen // 8
    return ipaddress.IPv4Address(after[start:start + 4])


def embedded_ipv4(ip: ipaddress.IPv6Address, nat64: Sequence[ipaddress.IPv6Network] = ()
                  ) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, NAT64 under the well-known prefix
    or one of ``nat64``, the operator's own, 6to4, Teredo)."""
    out: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        out.append(ip.ipv4_mapped)
    if ip in _NAT64:
        out.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    out.extend(nat64_ipv4(ip, net) for net in nat64 if ip in net)
    if ip.sixtofour is not None:
        out.append(ip.sixtofour)
    if ip.teredo is not None:
        out.extend(ip.teredo)
    return out


def _v4_reason(ip: ipaddress.IPv4Address) -> str | None:
    for net, why in _V4_RANGES:
        if ip in net:
            return why
    # The standard library's view too (it follows the registries as they are updated).
    if not ip.is_global or ip.is_multicast or ip.is_reserved:
        return "reserved"
    return None


def forbidden(ip: Address, nat64: Sequence[ipaddress.IPv6Network] = ()) -> str | None:
    """Why an address may not be a webhook target (None: it may). ``nat64``: the prefixes of
    the deployment's own NAT64 (a DNS64 synthesizes, for a name with only an A record, an
    address under it that the gateway translates to that IPv4 address)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return _v4_reason(ip)
    if ip.scope_id:
        return "link-local"
    for inner in embedded_ipv4(ip, nat64):
        why = _v4_reason(inner)
        if why is not None:
            return f"{why} (IPv4 inside IPv6)"
    if ip in _MAPPED or ip in _NAT64 or any(ip in net for net in nat64):
        return None  # the connection reaches the embedded IPv4 address, judged above
    for net, why in _V6_RANGES:
        if ip in net:
            return why
    if ip not in _GLOBAL_UNICAST or ip.is_multicast or not ip.is_global:
        return "reserved"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves ``host`` to (blocking)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """A parsed webhook URL as the HTTP client will use it."""

    url: httpx.URL
    host: str  # as the client names the connection's origin (ASCII, no brackets)
    port: int
    literal: Address | None  # the host is a numeric address (any spelling)

    @property
    def key(self) -> str:
        """The host compared with the allow-list (an address in its canonical form)."""
        return str(self.literal) if self.literal is not None else self.host.rstrip(".")


def parse_target(url: str) -> Target:
    """Parse like httpx; refuse what is not an http(s) URL with a plain host."""
    try:
        parsed = httpx.URL(url)
        raw = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, TypeError):
        raise Refused("not a valid http(s) URL") from None
    if parsed.scheme not in _DEFAULT_PORTS or not raw:
        raise Refused("only http and https URLs with a host are allowed")
    port = _DEFAULT_PORTS[parsed.scheme] if parsed.port is None else parsed.port
    if not 0 < port < 65536:  # httpx parses any number; the connection would then fail
        raise Refused("the port must be between 1 and 65535")
    return Target(url=parsed, host=raw, port=port, literal=_literal(raw.lower()))


def _literal(host: str) -> Address | None:
    if ":" in host or "%" in host:
        # IPv6 (brackets already gone); a zone id or percent-encoding is never a public host.
        if "%" in host:
            raise Refused(NOT_ALLOWED)
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise Refused("not a valid http(s) URL") from None
    stripped = host.rstrip(".")
    v4 = parse_ipv4(stripped)
    if v4 is not None:
        return v4
    labels = stripped.split(".")
    if not stripped or not all(_LABEL.fullmatch(label) for label in labels):
        raise Refused("not a valid host name")
    if all(label.isdigit() for label in labels):
        # Digits and dots the C library does not read as an address either: never a name.
        raise Refused("not a valid host name")
    return None


@dataclass(frozen=True)
class AllowList:
    """Hosts (``host`` or ``host:port``) an operator allows whatever they resolve to."""

    entries: frozenset[tuple[str, int | None]] = frozenset()

    @classmethod
    def parse(cls, items: Iterable[str]) -> AllowList:
        entries = set()
        for item in items:
            item = item.strip()
            if not item:
                continue
            m = _ENTRY.fullmatch(item)
            if m is None:
                raise ValueError(f"allow-list entry {item!r} is not host[:port]")
            host = f"[{m['v6']}]" if m["v6"] else m["host"]
            port = int(m["port"]) if m["port"] else None
            try:
                entries.add((parse_target(f"http://{host}/").key, port))
            except Refused as exc:
                raise ValueError(f"allow-list entry {item!r}: {exc}") from None
        return cls(frozenset(entries))

    def allows(self, target: Target) -> bool:
        return (target.key, None) in self.entries or (target.key, target.port) in self.entries

    def open_machines(self) -> list[str]:
        """The entries without a port for this machine or a link-local address: each lets
        a webhook reach every port there (the database's, the metrics', the cloud's
        metadata service), not only its receiver's. The unspecified address (``0.0.0.0``,
        ``[::]``, ``[::ffff:0.0.0.0]``) is this machine too: a connection to it reaches the
        loopback's listeners (a red team)."""
        out = []
        for key, port in sorted(self.entries, key=lambda e: (e[0], e[1] or 0)):
            if port is not None:
                continue
            literal = _literal(key)  # the key of an entry parsed already: no Refused
            why = forbidden(literal) if literal is not None else None
            if _is_localhost(key) or (why or "").startswith(("loopback", "link-local",
                                                              "unspecified")):
                out.append(key)
        return out


@dataclass(frozen=True)
class Vetted:
    """A target that passed, with the addresses the connection may go to (first first)."""

    target: Target
    addresses: tuple[Address, ...]
    allow_listed: bool = False


def nat64_prefixes(items: Iterable[str]) -> tuple[ipaddress.IPv6Network, ...]:
    """The deployment's NAT64 prefixes; ValueError for one that is no RFC 6052 prefix."""
    out = []
    for item in items:
        try:
            net = ipaddress.IPv6Network(item.strip())
        except ValueError:
            raise ValueError(f"NAT64 prefix {item.strip()!r} is not an IPv6 network") from None
        if net.prefixlen not in NAT64_LENGTHS:
            raise ValueError(f"NAT64 prefix {net} must be a /32, /40, /48, /56, /64 or /96 "
                             "(RFC 6052)")
        out.append(net)
    return tuple(out)


@dataclass(frozen=True)
class WebhookGuard:
    allow: AllowList = AllowList()
    resolver: Resolver = system_resolver
    # The prefixes of the deployment's own NAT64, besides the well-known 64:ff9b::/96.
    nat64: tuple[ipaddress.IPv6Network, ...] = ()
    # The ports a webhook not on the allow-list may name. Any port of a public host let an
    # agency make notify speak HTTP to its SMTP, Redis or SSH (``:25``, ``:6379``): a port
    # scanner and a protocol smuggler (a red team). Allow-listed hosts are exempt: their
    # entry names the receiver (and, in production, its port).
    ports: frozenset[int] = WEB_PORTS

    def vet(self, url: str) -> Vetted:
        """Parse, resolve and check ``url``; raises :class:`Refused`."""
        target = parse_target(url)
        allowed = self.allow.allows(target)
        if not allowed and target.port not in self.ports:
            # Before any lookup: the answer says nothing of the name, only the rule.
            raise Refused(f"refused: port {target.port} not allowed (webhooks use "
                          f"{', '.join(map(str, sorted(self.ports)))})")
        if not allowed and target.literal is None and _is_localhost(target.key):
            raise Refused(NOT_ALLOWED)
        if target.literal is not None:
            addresses: tuple[Address, ...] = (target.literal,)
        else:
            addresses = self._resolve(target)
        if not allowed:
            for ip in addresses:
                if forbidden(ip, self.nat64) is not None:
                    raise Refused(NOT_ALLOWED)
        return Vetted(target, addresses, allowed)

    def _resolve(self, target: Target) -> tuple[Address, ...]:
        try:
            found = self.resolver(target.key, target.port)
            addresses = tuple(ipaddress.ip_address(a) for a in found)
        except (OSError, UnicodeError, ValueError):
            addresses = ()
        if not addresses:
            # The same words as a refused address: an agency must not learn from the answer
            # which internal names exist.
            raise Refused(NOT_ALLOWED)
        return addresses


def _is_localhost(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


MAIL_RULE = ("the e-mail domain must be a name, not an address literal, a numeric host or "
             "localhost, and the address may not route further (no %, ! or [ in it)")


def mail_receiver_allowed(address: str) -> bool:
    """Whether an e-mail receiver may be handed to the relay: its domain is a name, never an
    address literal (``ops@[10.0.0.5]``, ``ops@[IPv6:::1]``), a numeric host in any spelling
    (``ops@127.0.0.1``, ``ops@0x7f.1``) or this machine (``localhost``, ``*.localhost``);
    and its local part routes nowhere further (``ops%[10.0.0.5]@relay.example``, the
    "percent hack", and ``10.0.0.5!ops@relay.example``, a bang path: a relay rewrites both,
    Postfix by default, to the host they name when the domain is its own).
    The relay delivers by connecting to what the domain names, so such an address sent the
    relay's SMTP to a host inside the deployment of the registering agency's choice, where a
    webhook may not go (a red team). No name is resolved here: a real domain is the mail
    system's to route. :data:`MAIL_RULE` says the rule to whoever gave the address."""
    local, _, domain = address.strip().rpartition("@")
    domain = domain.lower().rstrip(".")
    if any(c in local for c in "%![]:") or not domain or any(c in domain for c in "[]:%!"):
        return False
    if _is_localhost(domain) or parse_ipv4(domain) is not None:
        return False
    # Digits and dots only: no top-level domain is numeric, and a resolver may read it as an
    # address (``1.2.3.4.5``).
    return not all(label.isdigit() for label in domain.split("."))


def on_this_machine(url: str) -> bool:
    """Whether ``url`` names this machine by a loopback address or ``localhost``, as pages
    served only to their operator do: development conveniences that hand out secrets (a
    fixed link secret, sign-in links in the log) are for such deployments only."""
    try:
        host = httpx.URL(url).host.lower().rstrip(".")
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    if _is_localhost(host):
        return True
    try:
        ip: Address | None = ipaddress.ip_address(host)
    except ValueError:
        ip = parse_ipv4(host)
    return ip is not None and ip.is_loopback


def shown(url: str | httpx.URL) -> str:
    """How a log line or a record others read names a webhook: its origin only. A webhook
    URL is a bearer secret (Slack and Teams hooks carry it in the path, others in the query
    or as a password)."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
        origin = str(httpx.URL(scheme=parsed.scheme, host=parsed.host, port=parsed.port))
    except (httpx.InvalidURL, TypeError, ValueError):
        return "<a webhook URL>"
    return f"{origin}/…"


def allow_list_from(value: str | Iterable[str] | None) -> AllowList:
    """An allow-list from a comma-separated setting or a list of entries."""
    if value is None:
        return AllowList()
    items = value.split(",") if isinstance(value, str) else list(value)
    return AllowList.parse(items)
