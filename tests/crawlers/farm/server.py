"""The fixture farm: real HTTP servers on 127.0.0.1 serving fake tax sites and hostile ones.

Sites are chosen by the Host header, so with a curl-style static resolver mapping
(`etax-chinatax.top:*:127.0.0.1`) one server plays every domain. Paths under
`/hostile/` misbehave on any host: endless redirects, redirects to private
addresses, a 50 MB body, a gzip bomb, a server that trickles one byte a second,
wrong content types. `/bench/N` serves a generated site for bench/crawl.py.
Every request is recorded (host, path, headers) so tests can see what reached it.
"""
from __future__ import annotations

import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

PAGES = Path(__file__).resolve().parent / "pages"
HTML = "text/html"


@dataclass(frozen=True)
class Route:
    """A farm page: which file, how it is encoded and what headers it gets."""

    file: str
    encoding: str = "utf-8"
    content_type: str | None = "text/html; charset=utf-8"
    status: int = 200


SITES: dict[str, dict[str, Route]] = {
    # fake 电子税务局 login, GBK with no charset anywhere, posting cross-domain
    "etax-chinatax.top": {"/": Route("etax_login.html", "gbk", HTML)},
    # fake 个税退税: UTF-8 bytes but the header and the meta both say GBK
    "chinatax.gov.cn.refund-tax.top": {"/": Route("refund.html", "utf-8", "text/html; charset=gbk"),
                                       "/submit.php": Route("refund.html", "utf-8", HTML)},
    # fake 发票查验 with a 查验插件 .exe; GB18030 bytes declared as UTF-8 in the meta
    "fapiao-chayan.xyz": {"/": Route("fapiao.html", "gb18030", HTML)},
    "irs-refund-gov.com": {"/": Route("irs.html")},
    "hmrc-taxrefund.co.uk.verify-id.online": {"/": Route("hmrc.html")},
    "ird-gov-hk.top": {"/": Route("hk_big5.html", "big5", HTML)},
    # legitimate-looking pages
    "etax.beijing.chinatax.gov.cn": {"/": Route("official_login.html")},
    # a word-for-word clone of a GOV.UK page on a free host (issue #10 item 7)
    "contact-help.github.io": {"/": Route("govuk_clone.html")},
    "www.taxinfo-guide.org": {"/": Route("info.html"), "/guide/deadlines": Route("info.html"),
                              "/guide/scams": Route("info.html")},
    "broken.example": {"/": Route("broken.html")},
    "robots.example": {"/": Route("info.html"), "/private/page": Route("info.html")},
    "robots-redirect.example": {"/": Route("info.html")},
    "slow-please.example": {"/": Route("info.html")},
}
ROBOTS = {
    "robots.example": "User-agent: *\nDisallow: /private/\n",
    "etax.beijing.chinatax.gov.cn": "User-agent: *\nAllow: /\n",
    "www.taxinfo-guide.org": "User-agent: fraudwatch-crawler\nDisallow:\n\nUser-agent: *\nDisallow: /\n",
    "slow-please.example": "User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n",
}
BIG = 50 * 1024 * 1024


@dataclass
class Seen:
    """What the farm received."""

    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    active: dict[str, int] = field(default_factory=dict)
    max_active: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self, host: str | None = None) -> list[str]:
        """Paths requested (from `host` only, when given)."""
        return [p for h, p, _ in self.requests if host is None or h == host]


_BOMB: dict[str, bytes] = {}


def gzip_bomb(size: int = 200 * 1024 * 1024) -> bytes:
    """A gzip stream of `size` zero bytes (about 1/1000 of it on the wire); cached."""
    key = f"gzip{size}"
    if key not in _BOMB:
        comp = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = b"\0" * (1024 * 1024)
        parts = [comp.compress(chunk) for _ in range(size // len(chunk))]
        _BOMB[key] = b"".join(parts) + comp.flush()
    return _BOMB[key]


class FarmHandler(BaseHTTPRequestHandler):
    """Dispatch on /hostile/ and /bench/ paths, else on the Host header."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes
    server: FarmServer

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        return

    def _host(self) -> str:
        return (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()

    def do_GET(self) -> None:
        host, path = self._host(), unquote(urlsplit(self.path).path)
        seen = self.server.seen
        with seen.lock:
            seen.requests.append((host, self.path, dict(self.headers.items())))
            seen.active[host] = seen.active.get(host, 0) + 1
            seen.max_active[host] = max(seen.max_active.get(host, 0), seen.active[host])
        try:
            if path.startswith("/hostile/"):
                from tests.crawlers.farm.hostile import handle_hostile
                handle_hostile(self, path, parse_qs(urlsplit(self.path).query))
            elif path.startswith("/bench/"):
                self._bench(path)
            elif path == "/robots.txt":
                self._robots(host)
            else:
                self._site(host, path)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with seen.lock:
                seen.active[host] -= 1

    def send(self, status: int, body: bytes, content_type: str | None = HTML,
             headers: dict[str, str] | None = None) -> None:
        """Send a complete response with a Content-Length."""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _robots(self, host: str) -> None:
        if host == "robots-redirect.example":  # robots.txt that points at the metadata service
            self.send(302, b"", "text/plain", {"Location": "http://169.254.169.254/robots.txt"})
        elif host in ROBOTS:
            self.send(200, ROBOTS[host].encode(), "text/plain")
        else:
            self.send(404, b"not found", "text/plain")

    def _site(self, host: str, path: str) -> None:
        route = SITES.get(host, {}).get(path)
        if route is None:
            if path.startswith("/download/"):
                self.send(200, b"MZ\x90\x00fake installer", "application/x-msdownload")
            else:
                self.send(404, b"<html><body>404 Not Found</body></html>")
            return
        body = (PAGES / route.file).read_text(encoding="utf-8").encode(route.encoding)
        self.send(route.status, body, route.content_type)

    def _bench(self, path: str) -> None:
        n = int(path.rsplit("/", 1)[-1] or 0)
        total = self.server.bench_pages
        links = "".join(f'<a href="/bench/{(n * 7 + k) % total}">p</a>' for k in range(1, 6))
        body = (f"<html><head><title>bench {n}</title></head><body><h1>税务 page {n}</h1>"
                f"<p>{'纳税服务 ' * 50}</p>{links}</body></html>").encode()
        self.send(200, body, "text/html; charset=utf-8")


class FarmServer(ThreadingHTTPServer):
    """The farm on 127.0.0.1, on a free port, served from a daemon thread."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str = "127.0.0.1", bench_pages: int = 2000) -> None:
        super().__init__((host, 0), FarmHandler)
        self.seen = Seen()
        self.bench_pages = bench_pages
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def port(self) -> int:
        """The port the farm listens on."""
        return self.server_address[1]

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up (the point of several tests) are not errors."""
        return

    def start(self) -> FarmServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.shutdown()
        self.server_close()

    def url(self, host: str, path: str = "/") -> str:
        """http://host:port/path on this farm."""
        return f"http://{host}:{self.port}{path}"

    def crawl_settings(self, timeout: float = 1.5) -> dict:
        """App settings of a crawler that reaches this farm: 127.0.0.1 allowed, every farm
        host resolved to it, any port, no politeness delay, no favicon."""
        return {"CRAWL_ALLOW_NETWORKS": ("127.0.0.0/8",), "CRAWL_RESOLVE": self.resolve_specs(),
                "CRAWL_ALLOWED_PORTS": "any", "CRAWL_HOST_DELAY": 0.0, "CRAWL_TOTAL_TIMEOUT": timeout,
                "CRAWL_FAVICON": False}

    def resolve_specs(self, address: str = "127.0.0.1") -> tuple[str, ...]:
        """curl-style mappings of every farm host to `address`."""
        hosts = set(SITES) | {"hostile.test", "rebind.test"}
        return tuple(f"{h}:*:{address}" for h in sorted(hosts))


def wait_until(predicate, timeout: float = 2.0) -> bool:
    """Poll `predicate` until true or `timeout` seconds passed."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()

