"""An open-loop HTTP load generator for the benchmarks (asyncio, loopback only).

Requests are scheduled at a fixed rate; each latency is measured from the request's
scheduled time, so a slow server cannot hide its queueing (no coordinated omission).
Requests go over a pool of keep-alive connections (a closed one is reopened), as a client
library or a reverse proxy would send them.
"""
from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

try:
    import uvloop
except ImportError:  # optional: plain asyncio works, with more CPU per request
    uvloop = None


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


class _Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> int:
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(raw)
                await self.writer.drain()
                return await self._response()
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.close()
                if attempt == 2:
                    raise
        return 0

    async def _response(self) -> int:
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, close = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"connection" and value.strip().lower() == b"close":
                close = True
        if length:
            await self.reader.readexactly(length)
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def build_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """A raw keep-alive HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _run(host: str, port: int, requests: Sequence[bytes], rate: float, connections: int) -> LoadResult:
    result = LoadResult()
    pool: asyncio.Queue[_Conn] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(_Conn(host, port))
    start = time.perf_counter() + 0.05

    async def fire(i: int, request: bytes) -> None:
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        conn = await pool.get()  # waiting for a free connection counts in the latency
        try:
            status = await conn.request(request)
        except OSError:
            result.errors += 1
            return
        finally:
            pool.put_nowait(conn)
        result.latencies.append(time.perf_counter() - scheduled)
        result.statuses[status] = result.statuses.get(status, 0) + 1

    await asyncio.gather(*(fire(i, r) for i, r in enumerate(requests)))
    result.seconds = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().close()
    return result


def run_load(host: str, port: int, requests: Sequence[bytes], rate: float, connections: int = 32) -> LoadResult:
    """Send `requests` at `rate` per second over `connections` keep-alive connections.

    The garbage collector is off during the run: thousands of pending tasks make its full
    passes take tens of milliseconds, and those pauses of the load generator were being
    measured as server latency (a bare WSGI app showed p99 88 ms with it on, 3 ms off)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        if uvloop is not None:  # a third of asyncio's CPU per request: more of the cores left to the server
            return uvloop.run(_run(host, port, requests, rate, connections))
        return asyncio.run(_run(host, port, requests, rate, connections))
    finally:
        if enabled:
            gc.enable()
