"""The buffering web server (fraudwatch.infra.webserver) under real gunicorn on 127.0.0.1, driven
by raw sockets: slow clients do not starve other requests, a request that does not arrive
in time gets a JSON 408, every error the server answers itself is the JSON error document,
and ordinary, pipelined, 100-continue and oversized requests behave."""
from __future__ import annotations

import json
import select
import socket
import threading
import time

import httpx
import pytest

from fraudwatch.infra.webserver import WORKER_CLASS, gunicorn_command
from fraudwatch.infra.webserver_http import NEED, READY, REJECT, Limits, RequestReader
from tests.served import ServedInstance

READ_TIMEOUT = 2  # seconds, for the server the error tests use


def _served(tmp_path_factory, redis_url: str, workers: int = 2, **env: str):
    folder = tmp_path_factory.mktemp("web")
    instance = ServedInstance(f"sqlite:///{folder / 'db'}", redis_url, folder / "instance", **env)
    instance.start_web(workers=workers, threads=2, worker_class=WORKER_CLASS)
    return instance


@pytest.fixture(scope="module")
def server(tmp_path_factory, redis_url):
    """Two buffering workers x 2 threads, requests must arrive within READ_TIMEOUT s."""
    with _served(tmp_path_factory, redis_url, FRAUDWATCH_REQUEST_READ_TIMEOUT=str(READ_TIMEOUT)) as instance:
        yield instance


@pytest.fixture(scope="module")
def patient_server(tmp_path_factory, redis_url):
    """The same with a 30 s deadline, so slow clients stay connected for a whole test."""
    with _served(tmp_path_factory, redis_url, FRAUDWATCH_REQUEST_READ_TIMEOUT="30") as instance:
        yield instance


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory, redis_url):
    """One worker buffering bodies up to 1,000 bytes and 20,000 bytes in all."""
    with _served(tmp_path_factory, redis_url, workers=1, FRAUDWATCH_REQUEST_READ_TIMEOUT=str(READ_TIMEOUT),
                 FRAUDWATCH_REQUEST_BUFFER_BYTES="1000", FRAUDWATCH_REQUEST_BUFFER_TOTAL_BYTES="20000") as instance:
        yield instance


class Conn:
    """A raw client connection that reads whole HTTP/1.1 responses."""

    def __init__(self, port: int, timeout: float = 10) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data: bytes) -> None:
        """Send bytes."""
        self.sock.sendall(data)

    def _more(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError(f"closed by the server after {self.buf[:200]!r}")
        self.buf += data

    def response(self) -> tuple[int, dict, bytes]:
        """The next response: status, headers (lower-case names), body."""
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", 0))
        while len(self.buf) < length:
            self._more()
        body, self.buf = self.buf[:length], self.buf[length:]
        return int(lines[0].split()[1]), headers, body

    def readable(self, timeout: float) -> bool:
        """Whether the server sent something (or closed) within `timeout` seconds."""
        return bool(select.select([self.sock], [], [], timeout)[0])

    def closed(self) -> bool:
        """Whether the server closed the connection (after what was read)."""
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True

    def close(self) -> None:
        """Close the socket."""
        self.sock.close()


def json_error(conn: Conn, status: int, code: str | None) -> dict:
    """Read a response and check it is the JSON error document with this status (and code)."""
    got, headers, body = conn.response()
    assert got == status, body
    assert headers["content-type"] == "application/json"
    document = json.loads(body)
    assert set(document) == {"error"} and document["error"]["code"] == (code or document["error"]["code"]), document
    assert set(document["error"]) == {"code", "message", "fields"}
    return document


def request(method: str, path: str, body: bytes = b"", **headers: str) -> bytes:
    """A raw HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", "Host: test", *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def trickle(port: int, head: bytes, stop: threading.Event, alive: list) -> None:
    """Send `head` at once, then one byte every 0.5 s until stopped (or cut off)."""
    try:
        conn = Conn(port)
        conn.send(head)
        while not stop.wait(0.5):
            conn.send(b"a")
        alive.append(True)
        conn.close()
    except OSError:
        alive.append(False)


def probe_while(port: int, url: str, kinds: list[bytes]) -> tuple[list, list]:
    """Start slow clients sending `kinds`, then probe /healthz 10 times; (probe results, clients alive)."""
    stop, alive = threading.Event(), []
    clients = [threading.Thread(target=trickle, args=(port, head, stop, alive)) for head in kinds]
    for client in clients:
        client.start()
    time.sleep(1.5)
    results = []
    for _ in range(10):
        try:
            results.append(httpx.get(url + "/healthz", timeout=2).status_code)
        except httpx.HTTPError as exc:
            results.append(type(exc).__name__)
        time.sleep(0.3)
    stop.set()
    for client in clients:
        client.join()
    return results, alive


def test_slow_clients_do_not_starve_the_server(patient_server):
    slow_bodies = [request("POST", "/api/v1/reports", Content_Type="application/json").replace(
        b"Content-Length: 0", b"Content-Length: 1000")] * 6
    slow_heads = [b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: "] * 6
    results, alive = probe_while(patient_server.port, patient_server.url, slow_bodies + slow_heads)
    assert results == [200] * 10
    assert alive == [True] * 12  # they were still sending, not cut off


def test_clients_that_do_not_close_do_not_stall_the_server(patient_server):
    # Each asks for its connection to be closed, then keeps it open and keeps sending.
    lingerers = [request("GET", "/healthz", Connection="close")] * 8
    results, _ = probe_while(patient_server.port, patient_server.url, lingerers)
    assert results == [200] * 10


@pytest.mark.parametrize("head", [b"GET /healthz HTTP/1.1\r\nHost: te",
                                  request("POST", "/api/v1/reports", Content_Type="application/json")
                                  .replace(b"Content-Length: 0", b"Content-Length: 50") + b'{"chan'])
def test_a_request_not_received_in_time_gets_a_json_408(server, head):
    conn = Conn(server.port)
    started = time.monotonic()
    conn.send(head)
    while not conn.readable(0.5) and time.monotonic() - started < READ_TIMEOUT + 5:
        conn.send(b"x")  # a byte now and then does not extend the deadline
    document = json_error(conn, 408, "request_timeout")
    assert "2 seconds" in document["error"]["message"]
    assert READ_TIMEOUT - 0.5 < time.monotonic() - started < READ_TIMEOUT + 5
    assert conn.closed()


@pytest.mark.parametrize(("raw", "status", "code"), [
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: test\r\n\r\n", 414, "uri_too_long"),
    (b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, "headers_too_large"),
    (b"GET /healthz HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(150)) + b"\r\n", 431,
     "headers_too_large"),
    (b"THIS IS NOT HTTP\r\n\r\n", 400, "bad_request"),
    (b"GET /healthz HTTP/1.1\nHost: test\n\n", 400, "bad_request"),
    (b"GET /healthz HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "bad_request"),
    (b"POST /api/v1/reports HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
     b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400, "bad_request"),
    (b"POST /api/v1/reports HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", 400, "bad_request"),
    (b"POST /api/v1/reports HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "bad_request"),
])
def test_errors_of_the_server_are_the_json_error_document(server, raw, status, code):
    conn = Conn(server.port)
    try:
        conn.send(raw)
    except OSError:
        pass  # refused before all of it was sent
    json_error(conn, status, code)
    assert conn.closed()


def test_json_report_and_pipelined_requests_work(server):
    conn = Conn(server.port)
    body = json.dumps({"channel": "sms", "message_text": "退税 http://tax-refund.top/x"}).encode()
    conn.send(request("POST", "/api/v1/reports", body, Content_Type="application/json"))
    status, _, answer = conn.response()
    assert status == 201 and json.loads(answer)["id"] >= 1
    conn.send(request("GET", "/healthz") * 2 + b"GET /readyz HTTP/1.1\r\nHost: te")  # two and a half
    assert [conn.response()[0] for _ in range(2)] == [200, 200]
    conn.send(b"st\r\nConnection: close\r\n\r\n")
    assert conn.response()[0] in (200, 503) and conn.closed()


def test_chunked_body_and_expect_100_continue(server):
    conn = Conn(server.port)
    body = json.dumps({"channel": "sms", "message_text": "fee for 税控盘 http://a.example/b"}).encode()
    conn.send(b"POST /api/v1/reports HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (len(body), body))
    assert conn.response()[0] == 201
    conn.send(request("POST", "/api/v1/reports", Content_Type="application/json", Expect="100-continue")
              .replace(b"Content-Length: 0", b"Content-Length: %d" % len(body)))
    assert conn.response()[0] == 100
    conn.send(body)
    assert conn.response()[0] == 201


def test_a_body_over_the_limit_gets_the_apps_json_413(server):
    conn = Conn(server.port)
    conn.send(request("POST", "/api/v1/reports", Content_Type="application/json")
              .replace(b"Content-Length: 0", b"Content-Length: 5000000"))
    json_error(conn, 413, "body_too_large")
    conn = Conn(server.port)
    chunks = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
    sender = threading.Thread(target=send_quietly, args=(conn, b"POST /api/v1/reports HTTP/1.1\r\nHost: test\r\n"
                              b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks * 40))
    sender.start()
    json_error(conn, 413, "body_too_large")  # read while it sends: the server answers before the end
    sender.join()


def send_quietly(conn: Conn, data: bytes) -> None:
    """Send, ignoring that the server may close before the end."""
    try:
        conn.send(data)
    except OSError:
        pass


def test_a_body_read_by_the_app_is_bounded_by_the_deadline(tight_server):
    # Over the 1,000 bytes buffered: handed to a thread at once, whose reads end at the deadline.
    conn = Conn(tight_server.port)
    started = time.monotonic()
    conn.send(request("POST", "/api/v1/reports", Content_Type="application/json")
              .replace(b"Content-Length: 0", b"Content-Length: 5000") + b'{"channel": "sms"')
    while not conn.readable(0.5) and time.monotonic() - started < READ_TIMEOUT + 5:
        conn.send(b" ")
    json_error(conn, 408, None)  # the app's document: its code is the app's name for a 408
    assert time.monotonic() - started < READ_TIMEOUT + 5 and conn.closed()


def test_buffers_of_a_worker_are_bounded_in_all(tight_server):
    holder = Conn(tight_server.port)
    holder.send(b"GET /healthz HTTP/1.1\r\nX-Held: " + b"h" * 15000)
    time.sleep(0.5)
    conn = Conn(tight_server.port)
    conn.send(b"GET /healthz HTTP/1.1\r\nX-More: " + b"m" * 10000)
    json_error(conn, 503, "unavailable")
    assert httpx.get(tight_server.url + "/healthz", timeout=2).status_code == 200
    holder.send(b"\r\n\r\n")
    json_error(holder, 431, "headers_too_large")  # a field over 8,190 bytes, once the head is whole


LIMITS = Limits(line=100, head=1000, field=50, body=100, content=90)


def test_reader_frames_requests():
    reader = RequestReader(LIMITS, b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next")
    assert reader.state == READY and reader.complete and reader.data.endswith(b"GET /next")
    reader = RequestReader(LIMITS)
    for byte in b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab":
        assert reader.feed(bytes([byte])) == NEED
    assert reader.feed(b"c") == READY and reader.complete
    reader = RequestReader(LIMITS, b"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n")
    assert reader.state == READY and not reader.complete  # handed over: the app answers 413
    reader = RequestReader(LIMITS, b"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
    assert reader.state == NEED and reader.send_continue and b"Expect" not in reader.data
    reader = RequestReader(LIMITS, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\n")
    assert reader.state == NEED
    assert reader.feed(b"T: 1\r\n\r\n") == READY and reader.complete
    reader = RequestReader(LIMITS, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1\r\na\r\n" * 20)
    assert reader.state == READY and not reader.complete  # over the body limit in framing
    reader = RequestReader(LIMITS, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n")
    assert reader.state == NEED and reader.feed(b"a" * 80 + b"\r\n11\r\n") == REJECT and reader.status == 413
    assert RequestReader(LIMITS, b"G" * 101).status == 414
    assert RequestReader(LIMITS, b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200).status == 431
    assert RequestReader(LIMITS, b"GET / HTTP/1.1\nHost: a\n").status == 400


def test_gunicorn_command_uses_the_buffering_worker():
    argv = gunicorn_command("::1", 8000, 2, 4)
    assert argv[argv.index("--worker-class") + 1] == WORKER_CLASS
    assert argv[argv.index("--bind") + 1] == "[::1]:8000" and argv[argv.index("--threads") + 1] == "4"
    assert argv[-1] == "fraudwatch:create_app()"
