"""Hostile endpoints of the farm (any host): each misbehaves in one precise way."""
from __future__ import annotations

import time
import zlib

from tests.crawlers.farm.server import BIG, gzip_bomb

HTML_PAGE = b"<html><head><title>x</title></head><body><p>hello</p></body></html>"
TRICKLE_SECONDS = 30


def _redirect(h, location: str, status: int = 302) -> None:
    h.send(status, b"", "text/html", {"Location": location})


def _stream(h, total: int, chunk: int = 65536, declared: bool = False) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    if declared:
        h.send_header("Content-Length", str(total))
    else:
        h.send_header("Connection", "close")
    h.end_headers()
    block = b"<p>" + b"A" * (chunk - 7) + b"</p>\n"
    sent = 0
    while sent < total:
        h.wfile.write(block)
        sent += len(block)
    h.close_connection = True


def _trickle_body(h) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "1000")
    h.end_headers()
    h.wfile.flush()
    for _ in range(TRICKLE_SECONDS):
        h.wfile.write(b"<")
        h.wfile.flush()
        time.sleep(1)
    h.close_connection = True


def _trickle_headers(h) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\n")
    h.wfile.flush()
    for ch in b"X-Slow: " + b"a" * TRICKLE_SECONDS:
        h.wfile.write(bytes([ch]))
        h.wfile.flush()
        time.sleep(1)
    h.close_connection = True


def _deflate_bomb() -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 15)
    zero = b"\0" * (1024 * 1024)
    return b"".join(comp.compress(zero) for _ in range(64)) + comp.flush()


def _chain(h, what: str) -> None:
    left = int(what.split("/")[1])
    if left > 0:
        _redirect(h, f"/hostile/chain/{left - 1}", 301 if left % 2 else 307)
    else:
        h.send(200, HTML_PAGE, "text/html")


SIMPLE = {  # name -> (body factory, content type, extra headers)
    "gzip-bomb": (lambda: gzip_bomb(), "text/html", {"Content-Encoding": "gzip"}),
    "deflate-bomb": (lambda: _deflate_bomb(), "text/html", {"Content-Encoding": "deflate"}),
    "gzip-ok": (lambda: _gzip(HTML_PAGE), "text/html", {"Content-Encoding": "gzip"}),
    "stacked": (lambda: _gzip(_gzip(HTML_PAGE)), "text/html", {"Content-Encoding": "gzip, gzip"}),
    "br": (lambda: b"\x0b\x02\x80hello\x03", "text/html", {"Content-Encoding": "br"}),
    "corrupt-gzip": (lambda: b"\x1f\x8b\x08\x00garbage-not-deflate" * 10, "text/html",
                     {"Content-Encoding": "gzip"}),
    "octet": (lambda: HTML_PAGE, "application/octet-stream", {}),
    "exe": (lambda: b"MZ\x90\x00" + b"\0" * 1000, "application/x-msdownload", {}),
    "no-type": (lambda: HTML_PAGE, None, {}),
    "image": (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png", {}),
}
STREAMS = {
    "big": lambda h: _stream(h, BIG),
    "big-declared": lambda h: _stream(h, BIG, declared=True),
    "trickle": _trickle_body,
    "trickle-headers": _trickle_headers,
    "not-found": lambda h: h.send(404, b"<html><title>gone</title></html>", "text/html"),
}


def handle_hostile(h, path: str, query: dict[str, list[str]]) -> None:
    """Serve /hostile/<what>."""
    what = path[len("/hostile/"):]
    if what.startswith("loop/"):
        _redirect(h, f"/hostile/loop/{int(what.split('/')[1]) + 1}")
    elif what.startswith("chain/"):
        _chain(h, what)
    elif what == "redirect":
        _redirect(h, query.get("to", ["/"])[0])
    elif what in SIMPLE:
        body, ctype, headers = SIMPLE[what]
        h.send(200, body(), ctype, headers)
    elif what in STREAMS:
        STREAMS[what](h)
    else:
        h.send(404, b"no such hostile behaviour", "text/plain")


def _gzip(data: bytes) -> bytes:
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    return comp.compress(data) + comp.flush()
