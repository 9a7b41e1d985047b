"""An open-loop HTTP/1.1 load generator for the benchmarks (loopback only).

Requests are scheduled at a fixed rate; each latency is measured from the request's
scheduled time, so a slow server cannot hide its queueing (no coordinated omission). A
request that finds every connection busy waits for one, and that wait counts too.
Requests go over a pool of keep-alive connections (a closed one is reopened), as a client
library or a reverse proxy would send them.

It is one thread on non-blocking sockets and epoll: the machine under test runs the
server on the same cores, and the asyncio version of this tool cost 0.45-0.75 ms of CPU
per request (with uvloop / without), which the server then did not get. Its garbage
collector is off during a run: with it on, its own pauses were measured as server latency
(a bare WSGI app showed p99 88 ms at 500/s with the collector on, 3 ms with it off).
"""
from __future__ import annotations

import gc
import selectors
import socket
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    """Latencies (seconds) and status counts of one run."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0

    @property
    def achieved_rate(self) -> float:
        """Completed requests per second."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def percentile(values: Sequence[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(pct / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def summary_ms(values: Sequence[float]) -> str:
    """p50 / p90 / p99 / max in milliseconds."""
    return " ".join(f"{name}={percentile(values, p) * 1000:.2f}ms"
                    for name, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100)))


def build_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """A raw keep-alive HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Conn:
    """One connection and the request it is carrying."""

    def __init__(self) -> None:
        self.sock: socket.socket | None = None
        self.reused = False
        self.index = -1
        self.out = memoryview(b"")
        self.buf = bytearray()
        self.retried = False
        self.busy = False

    def close(self, selector: selectors.BaseSelector) -> None:
        if self.sock is not None:
            selector.unregister(self.sock)
            self.sock.close()
        self.sock = None


class _Run:
    def __init__(self, address: tuple[str, int], requests: Sequence[bytes], rate: float, connections: int) -> None:
        self.address, self.requests, self.rate = address, requests, rate
        self.selector = selectors.DefaultSelector()
        self.idle = [_Conn() for _ in range(connections)]
        self.waiting: deque[int] = deque()
        self.result = LoadResult()
        self.pending = len(requests)
        self.start = time.perf_counter() + 0.05

    def scheduled(self, index: int) -> float:
        return self.start + index / self.rate

    def run(self) -> LoadResult:
        total, released = len(self.requests), 0
        while self.pending:
            now = time.perf_counter()
            while released < total and self.scheduled(released) <= now:
                self.waiting.append(released)
                released += 1
            while self.waiting and self.idle:
                self.begin(self.idle.pop(), self.waiting.popleft())
            timeout = max(0.0, self.scheduled(released) - time.perf_counter()) if released < total else 0.5
            for key, events in self.selector.select(timeout):
                conn: _Conn = key.data
                if not conn.busy:  # an idle keep-alive connection: the server closed it
                    conn.close(self.selector)
                elif events & selectors.EVENT_WRITE:
                    self.writable(conn)
                elif events & selectors.EVENT_READ:
                    self.readable(conn)
        self.result.seconds = time.perf_counter() - self.start
        for conn in self.idle:
            conn.close(self.selector)
        self.selector.close()
        return self.result

    def begin(self, conn: _Conn, index: int) -> None:
        conn.index, conn.buf, conn.out, conn.busy = index, bytearray(), memoryview(self.requests[index]), True
        conn.reused = conn.sock is not None
        if conn.sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.connect_ex(self.address)
            conn.sock = sock
            self.selector.register(sock, selectors.EVENT_WRITE, conn)
        else:
            self.selector.modify(conn.sock, selectors.EVENT_WRITE, conn)

    def writable(self, conn: _Conn) -> None:
        try:
            error = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if error:
                raise OSError(error, "connect failed")
            sent = conn.sock.send(conn.out)
        except BlockingIOError:
            return
        except OSError:
            self.fail(conn)
            return
        conn.out = conn.out[sent:]
        if not conn.out:
            self.selector.modify(conn.sock, selectors.EVENT_READ, conn)

    def readable(self, conn: _Conn) -> None:
        try:
            chunk = conn.sock.recv(262144)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.fail(conn)
            return
        conn.buf += chunk
        head_end = conn.buf.find(b"\r\n\r\n")
        if head_end < 0:
            return
        length, close = 0, False
        for line in bytes(conn.buf[:head_end]).split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if len(conn.buf) < head_end + 4 + length:
            return
        status = int(conn.buf[9:12])
        self.result.latencies.append(time.perf_counter() - self.scheduled(conn.index))
        self.result.statuses[status] = self.result.statuses.get(status, 0) + 1
        if close:
            conn.close(self.selector)
        self.finish(conn)

    def fail(self, conn: _Conn) -> None:
        """A broken connection: a reused keep-alive one that the server had closed gets the
        request once more on a new connection; anything else is an error."""
        retry = conn.reused and not conn.buf and not conn.retried
        conn.close(self.selector)
        if retry:
            conn.retried = True
            self.begin(conn, conn.index)
            return
        self.result.errors += 1
        self.finish(conn)

    def finish(self, conn: _Conn) -> None:
        conn.retried = conn.busy = False
        self.pending -= 1
        self.idle.append(conn)


def run_load(host: str, port: int, requests: Sequence[bytes], rate: float, connections: int = 32) -> LoadResult:
    """Send `requests` at `rate` per second over `connections` keep-alive connections."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Run((host, port), requests, rate, connections).run()
    finally:
        if enabled:
            gc.enable()
