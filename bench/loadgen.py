"""An open-loop HTTP load generator for the benchmarks (asyncio, loopback only).

Requests are scheduled at a fixed rate; each latency is measured from the request's
scheduled time, so a slow server cannot hide its queueing (no coordinated omission).
Each request uses its own connection (`Connection: close`), as gunicorn's workers may close.
"""
from __future__ import annotations

import asyncio
import time
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


async def _one(host: str, port: int, request: bytes) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    return int(data[9:12]) if data.startswith(b"HTTP/") else 0


def build_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """A raw HTTP/1.1 request with `Connection: close`."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _run(host: str, port: int, requests: Sequence[bytes], rate: float) -> LoadResult:
    result = LoadResult()
    start = time.perf_counter() + 0.05

    async def fire(i: int, request: bytes) -> None:
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        try:
            status = await _one(host, port, request)
        except OSError:
            result.errors += 1
            return
        result.latencies.append(time.perf_counter() - scheduled)
        result.statuses[status] = result.statuses.get(status, 0) + 1

    await asyncio.gather(*(fire(i, r) for i, r in enumerate(requests)))
    result.seconds = time.perf_counter() - start
    return result


def run_load(host: str, port: int, requests: Sequence[bytes], rate: float) -> LoadResult:
    """Send `requests` at `rate` per second; return what happened."""
    return asyncio.run(_run(host, port, requests, rate))
