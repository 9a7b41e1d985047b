"""A real HTTP server on 127.0.0.1 for the takedown tests, playing by Host header both an RDAP
service (IANA's bootstrap `dns.json` and RDAP domain answers, in RDAP's real JSON shape, RFC
9083, written for the tests with made-up values) and a scam site whose answer the test switches
(the scam page, a 404, a parked page, the scam page again). Every request is recorded."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RDAP_HOST = "rdap.nic.test"
SCAM_TITLE = "国家税务总局 个人所得税退税申请"
SCAM_PAGE = f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{SCAM_TITLE}</title></head>
<body><h1>国家税务总局 电子税务局</h1><p>您有一笔个人所得税退税 1,280.00 元待领取，请于24小时内填写银行卡信息办理。</p>
<form action="/submit.php" method="post"><label>姓名 <input name="name"></label>
<label>身份证号 <input name="idcard"></label><label>银行卡号 <input name="bankcard"></label>
<label>交易密码 <input type="password" name="pin"></label><button>提交</button></form></body></html>""".encode()
PARKED_PAGE = b"""<!doctype html><html><head><title>etax-refund.test</title></head>
<body><p>This domain is parked free, courtesy of the registrar. Buy this domain!</p></body></html>"""


def jcard(*props: list) -> list:
    """A jCard (RFC 7095) as RDAP carries it."""
    return ["vcard", [["version", {}, "text", "4.0"], *props]]


def domain_answer(domain: str) -> dict:
    """An RDAP domain answer shaped like a thin registry's (registrar with a nested abuse entity)."""
    abuse = {"objectClassName": "entity", "roles": ["abuse"],
             "vcardArray": jcard(["fn", {}, "text", ""], ["tel", {"type": "voice"}, "uri", "tel:+86.4001234567"],
                                 ["email", {}, "text", "abuse@registrar.example"])}
    registrar = {"objectClassName": "entity", "handle": "9999", "roles": ["registrar"],
                 "publicIds": [{"type": "IANA Registrar ID", "identifier": "9999"}],
                 "vcardArray": jcard(["fn", {}, "text", "Example Registrar Co., Ltd."]), "entities": [abuse]}
    return {"objectClassName": "domain", "handle": "D1234-TEST", "ldhName": domain.upper(),
            "rdapConformance": ["rdap_level_0", "icann_rdap_technical_implementation_guide_0"],
            "status": ["client transfer prohibited"], "entities": [registrar],
            "events": [{"eventAction": "registration", "eventDate": "2026-10-01T08:00:00Z"}],
            "nameservers": [{"objectClassName": "nameserver", "ldhName": "NS1.EXAMPLE.NET"}],
            "notices": [{"title": "Terms of Use", "description": ["For tests only."]}]}


class Served:
    """What the server answers: `site` is one of scam, gone (404), parked, error (500);
    `rdap_body` overrides the domain answer's bytes (hostile answers)."""

    def __init__(self) -> None:
        self.site = "scam"
        self.rdap_body: bytes | None = None
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()


def _handler(served: Served, port_of):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            with served.lock:
                served.requests.append((host, self.path))
            if host == RDAP_HOST:
                self._rdap()
            else:
                self._site()

        def _rdap(self) -> None:
            rdap = "application/rdap+json"
            if self.path == "/dns.json":
                base = f"http://{RDAP_HOST}:{port_of()}/rdap/"
                doc = {"version": "1.0", "publication": "2026-11-01T00:00:00Z", "description": "test bootstrap",
                       "services": [[["top", "xyz"], ["https://rdap.example/top/"]], [["test"], [base]]]}
                return self._send(200, json.dumps(doc).encode(), "application/json")
            if self.path.startswith("/rdap/domain/"):
                domain = self.path.rsplit("/", 1)[-1]
                if domain == "unknown-domain.test":
                    return self._send(404, b'{"errorCode": 404, "title": "Not Found"}', rdap)
                body = served.rdap_body if served.rdap_body is not None else json.dumps(domain_answer(domain)).encode()
                return self._send(200, body, rdap)
            self._send(404, b"{}", rdap)

        def _site(self) -> None:
            html = "text/html; charset=utf-8"
            if served.site == "scam":
                return self._send(200, SCAM_PAGE, html)
            if served.site == "parked":
                return self._send(200, PARKED_PAGE, html)
            if served.site == "error":
                return self._send(503, b"busy", "text/plain")
            self._send(404, b"<html><title>404 Not Found</title></html>", html)

    return Handler


class RdapAndSite:
    """The server (a context manager); `port`, `served`."""

    def __init__(self) -> None:
        self.served = Served()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.served, lambda: self.port))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RdapAndSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def config(self, *hosts: str) -> dict:
        """App settings that let the guarded fetcher reach this server for `hosts` (and RDAP)."""
        return {"CRAWL_ALLOW_NETWORKS": ("127.0.0.0/8",), "CRAWL_ALLOWED_PORTS": "any",
                "CRAWL_RESOLVE": tuple(f"{h}:*:127.0.0.1" for h in (RDAP_HOST, *hosts)),
                "CRAWL_OBEY_ROBOTS": False, "CRAWL_HOST_DELAY": 0.0, "CRAWL_TOTAL_TIMEOUT": 10.0,
                "TAKEDOWN_RDAP_BOOTSTRAP": f"http://{RDAP_HOST}:{self.port}/dns.json"}
