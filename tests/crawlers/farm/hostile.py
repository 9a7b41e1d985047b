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


def handle_hostile(h, path: str, query: dict[str, list[str]]) -> None:
    """Serve /hostile/<what>."""
    what = path[len("/hostile/"):]
    if what.startswith("loop/"):
        _redirect(h, f"/hostile/loop/{int(what.split('/')[1]) + 1}")
    elif what.startswith("chain/"):
        left = int(what.split("/")[1])
        if left > 0:
            _redirect(h, f"/hostile/chain/{left - 1}", 301 if left % 2 else 307)
        else:
            h.send(200, HTML_PAGE, "text/html")
    elif what == "redirect":
        _redirect(h, query.get("to", ["/"])[0])
    elif what == "big":
        _stream(h, BIG)
    elif what == "big-declared":
        _stream(h, BIG, declared=True)
    elif what == "gzip-bomb":
        h.send(200, gzip_bomb(), "text/html", {"Content-Encoding": "gzip"})
    elif what == "deflate-bomb":
        h.send(200, _deflate_bomb(), "text/html", {"Content-Encoding": "deflate"})
    elif what == "gzip-ok":
        h.send(200, _gzip(HTML_PAGE), "text/html",
               {"Content-Encoding": "gzip"})
    elif what == "stacked":
        h.send(200, _gzip(_gzip(HTML_PAGE)), "text/html", {"Content-Encoding": "gzip, gzip"})
    elif what == "br":
        h.send(200, b"\x0b\x02\x80hello\x03", "text/html", {"Content-Encoding": "br"})
    elif what == "corrupt-gzip":
        h.send(200, b"\x1f\x8b\x08\x00garbage-not-deflate" * 10, "text/html", {"Content-Encoding": "gzip"})
    elif what == "trickle":
        _trickle_body(h)
    elif what == "trickle-headers":
        _trickle_headers(h)
    elif what == "octet":
        h.send(200, HTML_PAGE, "application/octet-stream")
    elif what == "exe":
        h.send(200, b"MZ\x90\x00" + b"\0" * 1000, "application/x-msdownload")
    elif what == "no-type":
        h.send(200, HTML_PAGE, None)
    elif what == "image":
        h.send(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")
    elif what == "not-found":
        h.send(404, b"<html><title>gone</title></html>", "text/html")
    else:
        h.send(404, b"no such hostile behaviour", "text/plain")


def _gzip(data: bytes) -> bytes:
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    return comp.compress(data) + comp.flush()
