"""SSRF guard: URL validation, host resolution and the address policy.

Every URL the crawler fetches passes `check_url` (scheme, credentials, port, host
syntax) and every address a host resolves to passes `AddressPolicy.check`; only an
address that passed is ever connected to (see `crawlers.transport`). The resolver can
be given a static host -> address mapping, like curl's `--resolve`, so tests can serve
any domain from 127.0.0.1.
"""
from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit, urlunsplit

from crawlers.errors import FetchError
from fraudwatch.indicators.hosts import normalize_host

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"http": 80, "https": 443}
# Ports on which public web sites (scam kits included) are commonly served.
DEFAULT_ALLOWED_PORTS = frozenset({80, 443, 8000, 8008, 8080, 8081, 8443, 8888})
MAX_URL_LENGTH = 4096
# Unwrapped before checking: IPv4 addresses hidden inside IPv6 ones.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class Target:
    """A validated URL: what to request, and the facts the analysis needs."""

    url: str
    scheme: str
    host: str
    port: int
    had_credentials: bool = False


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """Parse CIDR strings (e.g. "127.0.0.0/8"); a bad one raises ValueError."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs)


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if ip.version != 6:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses may be connected to: public ones, plus explicitly allowed networks."""

    allow_networks: tuple[IPNetwork, ...] = ()

    def is_allowed(self, ip: IPAddress) -> bool:
        """True when `ip` is public (global unicast) or inside an allowed network."""
        if any(ip in net for net in self.allow_networks if net.version == ip.version):
            return True
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return self.is_allowed(inner)
        if (ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback
                or ip.is_link_local or ip.is_private):
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
            return False
        return ip.is_global

    def check(self, host: str, addresses: list[IPAddress]) -> IPAddress:
        """Return the address to connect to, or raise `blocked_address` if any is refused."""
        if not addresses:
            raise FetchError("dns_error", f"{host} has no address")
        for ip in addresses:
            if not self.is_allowed(ip):
                raise FetchError("blocked_address", f"{host} resolves to non-public address {ip}")
        return addresses[0]


@dataclass
class Resolver:
    """Resolve host names with getaddrinfo, after a static mapping (curl's --resolve)."""

    static: dict[tuple[str, int | None], list[str]] = field(default_factory=dict)
    use_system: bool = True

    def add(self, spec: str) -> None:
        """Add a curl-style HOST:PORT:ADDR[,ADDR] entry; PORT may be '*'."""
        host, port, addrs = _split_resolve_spec(spec)
        self.static[(host, port)] = addrs

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        """All addresses for `host` (static entries first, then the system resolver)."""
        host = host.lower().rstrip(".")
        literal = _ip_literal(host)
        if literal is not None:
            return [literal]
        for key in ((host, port), (host, None)):
            if key in self.static:
                return [ipaddress.ip_address(a) for a in self.static[key]]
        if not self.use_system:
            raise FetchError("dns_error", f"{host} is not in the static resolver mapping")
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            again = getattr(exc, "errno", None) == socket.EAI_AGAIN  # no answer yet, not NXDOMAIN
            raise FetchError("dns_error", f"cannot resolve {host}: {exc}", transient=again) from None
        out: list[IPAddress] = []
        for info in infos:
            ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
            if ip not in out:
                out.append(ip)
        return out


def _split_resolve_spec(spec: str) -> tuple[str, int | None, list[str]]:
    host, sep, rest = spec.partition(":")
    port_s, sep2, addrs_s = rest.partition(":")
    if not (sep and sep2 and host and addrs_s):
        raise ValueError(f"--resolve wants HOST:PORT:ADDR, got {spec!r}")
    port = None if port_s == "*" else int(port_s)
    addrs = [a.strip().strip("[]") for a in addrs_s.split(",") if a.strip()]
    for a in addrs:
        ipaddress.ip_address(a)
    return host.lower().rstrip("."), port, addrs


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


_FORBIDDEN_HOST_CHARS = " /\\@%\x00"
_NUMERIC_HOST = re.compile(r"[0-9.]+")


def _normalize_host(raw: str) -> str:
    """The host to resolve, through `fraudwatch.indicators.hosts.normalize_host`, with this
    guard's stricter refusals first; every failure is `bad_url`."""
    host = raw.strip().lower().rstrip(".")
    if not host:
        raise FetchError("bad_url", "URL has no host")
    if _ip_literal(host) is not None:
        return host.strip("[]")
    if any(c in host for c in _FORBIDDEN_HOST_CHARS):
        raise FetchError("bad_url", f"invalid host {raw!r}")
    if _NUMERIC_HOST.fullmatch(host):
        # 127.1 or 2130706433: the system resolver reads these shorthands as an address,
        # which the address policy then checks; the shared normaliser would refuse them.
        return host
    try:
        return normalize_host(host)
    except ValueError as exc:
        raise FetchError("bad_url", f"invalid host {raw!r}: {exc}") from None


def _whatwg_clean(url: str) -> str:
    """Read the URL as a browser would: no tabs/newlines, backslashes are slashes before '?'."""
    url = url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f \t\r\n")
    url = url.replace("\t", "").replace("\r", "").replace("\n", "")
    head, sep, tail = url.partition("?")
    return head.replace("\\", "/") + sep + tail


def check_url(url: str, allowed_ports: frozenset[int] | None = DEFAULT_ALLOWED_PORTS) -> Target:
    """Validate `url` and return a Target; credentials are stripped, never sent."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        raise FetchError("bad_url", "URL missing or too long")
    url = _whatwg_clean(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError("bad_url", f"unparseable URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchError("bad_scheme", f"scheme {scheme or '(none)'!r} is not http(s)")
    host = _normalize_host(parts.hostname or "")
    port = port or DEFAULT_PORTS[scheme]
    if allowed_ports is not None and port not in allowed_ports:
        raise FetchError("bad_port", f"port {port} is not allowed")
    creds = parts.username is not None or parts.password is not None
    if creds:
        log.info("stripping credentials from URL for host %s", host)
    netloc = f"[{host}]" if ":" in host else host
    if port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    clean = urlunsplit(SplitResult(scheme, netloc, parts.path or "/", parts.query, ""))
    return Target(clean, scheme, host, port, creds)
