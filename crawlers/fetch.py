"""The crawler's only network code: a polite, SSRF-safe, bounded HTTP GET.

`Fetcher.fetch(url)` validates the URL, resolves its host and checks every address,
pins the connection to a checked address, obeys robots.txt (cached), waits for the
host's politeness slot, follows at most `max_redirects` redirects re-checking each
hop, enforces connect/read timeouts and a total deadline, accepts only allowed content
types and reads at most `max_body` bytes counted after decompression (so a gzip bomb
stops early). Every failure is a `FetchError` with a machine-readable code.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from crawlers import transport
from crawlers.decode import decoded_stream
from crawlers.errors import FetchError
from crawlers.netguard import DEFAULT_ALLOWED_PORTS, AddressPolicy, Resolver, Target, check_url, parse_networks
from crawlers.politeness import HostGate, LocalHostGate
from crawlers.robots import RobotsCache

log = logging.getLogger(__name__)

USER_AGENT = ("fraudwatch-crawler/0.1 (anti-fraud research; tax-scam detection; "
              "+https://github.com/fraudwatch/fraudwatch)")
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BODY = 512 * 1024


@dataclass(frozen=True)
class FetchConfig:
    """Limits and politeness of the fetcher; the defaults are the production ones."""

    user_agent: str = USER_AGENT
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_body: int = 2 * 1024 * 1024
    max_redirects: int = 5
    allowed_types: tuple[str, ...] = HTML_TYPES
    allow_networks: tuple[str, ...] = ()
    allowed_ports: frozenset[int] | None = DEFAULT_ALLOWED_PORTS
    obey_robots: bool = True
    robots_ttl: float = 3600.0
    host_delay: float = 1.0
    verify_tls: bool = True
    resolve: tuple[str, ...] = ()


@dataclass
class FetchResult:
    """A response that passed every check; `body` is decompressed and bounded."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content_type: str
    charset: str | None
    body: bytes
    redirects: list[str] = field(default_factory=list)
    address: str | None = None
    had_credentials: bool = False
    elapsed: float = 0.0


def _media_type(value: str | None) -> tuple[str, str | None]:
    if not value:
        return "", None
    parts = [p.strip() for p in value.split(";")]
    charset = None
    for p in parts[1:]:
        k, _, v = p.partition("=")
        if k.strip().lower() == "charset":
            charset = v.strip().strip("\"'").lower() or None
    return parts[0].lower(), charset


class Fetcher:
    """Fetch pages safely; thread-safe, one instance per process is enough."""

    def __init__(self, config: FetchConfig | None = None, resolver: Resolver | None = None,
                 gate: HostGate | None = None) -> None:
        self.config = config or FetchConfig()
        self.resolver = resolver or Resolver()
        for spec in self.config.resolve:
            self.resolver.add(spec)
        self.policy = AddressPolicy(parse_networks(self.config.allow_networks))
        self.gate = gate or LocalHostGate(self.config.host_delay)
        self._backend = transport.PinnedBackend()
        c = self.config
        timeout = httpx.Timeout(c.read_timeout, connect=c.connect_timeout, pool=c.connect_timeout)
        self._client = httpx.Client(
            transport=transport.PinnedTransport(self._backend, verify=c.verify_tls),
            timeout=timeout, follow_redirects=False, trust_env=False,
            headers={"User-Agent": c.user_agent, "Accept-Encoding": "gzip, deflate",
                     "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"})
        self.robots = RobotsCache(self._fetch_robots, c.user_agent, c.robots_ttl)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, *, allowed_types: tuple[str, ...] | None = None,
              max_body: int | None = None, robots: bool | None = None,
              headers: dict[str, str] | None = None) -> FetchResult:
        """GET `url` under every limit; raise FetchError with a code on any failure. `headers`
        are added to the request (e.g. If-None-Match for a conditional GET of a feed)."""
        c = self.config
        obey = c.obey_robots if robots is None else robots
        start = time.monotonic()
        try:
            return self._follow(url, allowed_types or c.allowed_types,
                                max_body or c.max_body, obey, start, headers)
        except FetchError as exc:
            exc.url = exc.url or url
            raise
        finally:
            transport.set_deadline(None)

    def _follow(self, url: str, types: tuple[str, ...], max_body: int, obey: bool,
                start: float, extra: dict[str, str] | None = None) -> FetchResult:
        redirects: list[str] = []
        first = check_url(url, self.config.allowed_ports)
        target = first
        deadline = start + self.config.total_timeout
        while True:
            address = self._pin(target)
            if obey and not self.robots.allowed(target):
                raise FetchError("robots_disallowed", f"robots.txt disallows {target.url}",
                                 target.url)
            pause = self.robots.crawl_delay(target) if obey else None
            with self.gate.slot(target.host, pause) as waited:
                deadline += waited
                transport.set_deadline(deadline)
                status, headers, body, ctype, charset = self._request(target, types, max_body, extra)
            location = headers.get("location")
            if status in REDIRECT_STATUSES and location:
                if len(redirects) >= self.config.max_redirects:
                    raise FetchError("too_many_redirects",
                                     f"more than {self.config.max_redirects} redirects", url)
                redirects.append(target.url)
                target = self._next_hop(target, location)
                continue
            return FetchResult(url, target.url, status, headers, ctype, charset, body, redirects,
                               address, first.had_credentials, time.monotonic() - start)

    def _next_hop(self, target: Target, location: str) -> Target:
        nxt = urljoin(target.url, location.strip())
        try:
            return check_url(nxt, self.config.allowed_ports)
        except FetchError as exc:
            exc.url = nxt
            raise

    def _pin(self, target: Target) -> str:
        try:
            addresses = self.resolver.resolve(target.host, target.port)
            ip = self.policy.check(target.host, addresses)  # every address, or none
        except FetchError as exc:
            exc.url = target.url  # which hop was refused
            raise
        self._backend.pin(target.host, target.port, [str(a) for a in addresses])
        return str(ip)

    def _request(self, target: Target, types: tuple[str, ...], max_body: int, extra: dict[str, str] | None = None
                 ) -> tuple[int, dict[str, str], bytes, str, str | None]:
        try:
            req = self._client.build_request("GET", target.url, headers=extra)
            resp = self._client.send(req, stream=True)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError, ValueError) as exc:
            # a Location such as `http:127.0.0.1` or `http://xn--/` that passed the URL check
            # but that httpx (or IDNA) will not send: a bad URL, not a crash of the crawl
            raise FetchError("bad_url", f"cannot request {target.url[:200]}: {exc}", target.url) from None
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"timed out: {exc}", target.url) from None
        except httpx.ConnectError as exc:
            raise FetchError("connect_error", f"cannot connect: {exc}", target.url) from None
        except httpx.HTTPError as exc:
            raise FetchError("http_error", f"{type(exc).__name__}: {exc}", target.url) from None
        try:
            headers = {k.lower(): v for k, v in resp.headers.items()}
            ctype, charset = _media_type(headers.get("content-type"))
            if resp.status_code in REDIRECT_STATUSES:
                return resp.status_code, headers, b"", ctype, charset
            body = self._read_body(resp, headers, ctype, types, max_body, target)
            return resp.status_code, headers, body, ctype, charset
        finally:
            resp.close()

    def _read_body(self, resp: httpx.Response, headers: dict[str, str], ctype: str,
                   types: tuple[str, ...], max_body: int, target: Target) -> bytes:
        if not _type_allowed(ctype, types):
            if resp.status_code >= 400:
                return b""
            raise FetchError("bad_content_type", f"content type {ctype or '(none)'!r}", target.url)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body and "content-encoding" not in headers:
            raise FetchError("body_too_large", f"Content-Length {declared} > {max_body}", target.url)
        chunks: list[bytes] = []
        try:
            for chunk in decoded_stream(self._raw(resp), headers.get("content-encoding"), max_body):
                chunks.append(chunk)
        except httpx.TimeoutException:
            raise FetchError("timeout", "body not received within the deadline", target.url) from None
        except httpx.HTTPError as exc:
            raise FetchError("http_error", f"{type(exc).__name__}: {exc}", target.url) from None
        return b"".join(chunks)

    @staticmethod
    def _raw(resp: httpx.Response) -> Iterator[bytes]:
        yield from resp.iter_raw(chunk_size=16384)

    def _fetch_robots(self, robots_url: str) -> tuple[int, str]:
        res = self.fetch(robots_url, allowed_types=("*",), max_body=ROBOTS_MAX_BODY, robots=False)
        return res.status, res.body.decode("utf-8", errors="replace")


def _type_allowed(ctype: str, types: tuple[str, ...]) -> bool:
    if "*" in types:
        return True
    return any(ctype == t or (t.endswith("/*") and ctype.startswith(t[:-1])) for t in types)
