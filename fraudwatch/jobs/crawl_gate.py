"""Per-host politeness shared by every crawl worker on every machine, through Redis.

One request at a time per host: a lock key (`SET NX PX`, released only by its owner).
A delay between requests: after each request a marker key lives for `delay` seconds;
the next holder of the lock waits out the marker's remaining PTTL. Redis's own clock
decides, so worker clocks need not agree. Implements `crawlers.politeness.HostGate`.
"""
from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator

import redis

from crawlers.errors import FetchError

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisHostGate:
    """Serialise requests to a host across processes; delay `delay` seconds between them."""

    def __init__(self, client: redis.Redis, keys: Callable[[str], tuple[str, str]], delay: float,
                 lock_seconds: float = 60.0, max_wait: float = 300.0, poll: float = 0.005) -> None:
        self.client = client
        self.keys = keys  # host -> (lock key, next-request marker key)
        self.delay = delay
        self.lock_ms = int(lock_seconds * 1000)
        self.max_wait = max_wait
        self.poll = poll
        self._release = client.register_script(_RELEASE)

    def _acquire(self, lock: str, token: str, started: float) -> None:
        poll = self.poll
        while not self.client.set(lock, token, nx=True, px=self.lock_ms):
            if time.monotonic() - started > self.max_wait:
                raise FetchError("timeout", f"host busy for more than {self.max_wait:.0f}s")
            time.sleep(poll)
            poll = min(poll * 2, 0.1)

    @contextlib.contextmanager
    def slot(self, host: str, delay: float | None = None) -> Iterator[float]:
        """Hold `host` for one request; yields the seconds spent waiting."""
        started = time.monotonic()
        pause = max(self.delay, delay or 0.0)
        lock, marker = self.keys(host)
        token = uuid.uuid4().hex
        self._acquire(lock, token, started)
        try:
            if pause > 0:
                remaining = self.client.pttl(marker)
                if remaining and remaining > 0:
                    time.sleep(remaining / 1000)
            yield time.monotonic() - started
        finally:
            if pause > 0:
                self.client.set(marker, "1", px=max(1, int(pause * 1000)))
            self._release(keys=[lock], args=[token])
