"""The httpx transport: connections pinned to checked addresses, one total deadline.

The network backend never resolves a name itself: it connects only to the address that
`crawlers.netguard` checked for that host (the "pin"), so a DNS answer that changes
between the check and the connect (rebinding) cannot redirect the connection. Host
header, TLS SNI and certificate checks still use the host name. Every socket read and
write is bounded by the current fetch's total deadline, so a server that trickles one
byte a second cannot hold a worker beyond it.
"""
from __future__ import annotations

import ssl
import threading
import time
import typing
from collections import OrderedDict

import httpcore
import httpx
from httpcore._backends.sync import SyncBackend  # the stock blocking backend

_local = threading.local()


def set_deadline(deadline: float | None) -> None:
    """Set this thread's absolute deadline (time.monotonic()) for network I/O."""
    _local.deadline = deadline


def _bounded(timeout: float | None) -> float | None:
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise httpcore.ReadTimeout("total deadline exceeded")
    return remaining if timeout is None else min(timeout, remaining)


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation respects the thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Connect only to pinned (host, port) -> checked addresses; never resolve names."""

    MAX_PINS = 10_000

    def __init__(self) -> None:
        self._pins: OrderedDict[tuple[str, int], tuple[str, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self._inner = SyncBackend()

    def pin(self, host: str, port: int, addresses: typing.Sequence[str]) -> None:
        """Record the checked addresses that connections to host:port must use."""
        with self._lock:
            key = (host.lower(), port)
            self._pins[key] = tuple(addresses)
            self._pins.move_to_end(key)
            while len(self._pins) > self.MAX_PINS:
                self._pins.popitem(last=False)

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        with self._lock:
            addresses = self._pins.get((host.lower().strip("[]"), port))
        if not addresses:
            raise httpcore.ConnectError(f"refusing unpinned connection to {host}:{port}")
        error: Exception | None = None
        for address in addresses[:4]:  # every one was checked; try the next if one is down
            try:
                stream = self._inner.connect_tcp(address, port, _bounded(timeout), local_address,
                                                 socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return DeadlineStream(stream)
        raise error or httpcore.ConnectError(f"cannot connect to {host}:{port}")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Any = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by the crawler")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool built on `PinnedBackend`."""

    def __init__(self, backend: PinnedBackend, verify: bool | ssl.SSLContext = True,
                 max_connections: int = 20) -> None:
        super().__init__(verify=verify, trust_env=False)
        ctx = httpx.create_ssl_context(verify=verify, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ctx, max_connections=max_connections,
            max_keepalive_connections=max_connections, keepalive_expiry=5.0,
            network_backend=backend,
        )
