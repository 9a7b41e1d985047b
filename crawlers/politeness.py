"""Per-host politeness: one request at a time per host, with a delay between requests.

`HostGate` is the interface the fetcher uses; `LocalHostGate` implements it inside one
process. A Redis-backed gate shared by all workers lives in `fraudwatch.jobs.crawling`.
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Protocol


class HostGate(Protocol):
    """Serialises requests to one host; `slot` yields the seconds spent waiting."""

    def slot(self, host: str, delay: float | None = None) -> contextlib.AbstractContextManager[float]:
        """Block until `host` may be contacted; hold it for the duration of the block.

        `delay` (e.g. robots.txt's Crawl-delay) lengthens the gate's own delay for this host.
        """
        ...


class LocalHostGate:
    """In-process gate: a lock per host and a minimum delay between request starts."""

    def __init__(self, delay: float = 1.0, max_hosts: int = 10_000) -> None:
        self.delay = delay
        self.max_hosts = max_hosts
        self._locks: dict[str, threading.Lock] = {}
        self._next: dict[str, float] = {}
        self._guard = threading.Lock()

    def _lock_for(self, host: str) -> threading.Lock:
        with self._guard:
            if len(self._locks) > self.max_hosts:
                idle = [h for h, lk in self._locks.items() if not lk.locked()]
                for h in idle[: len(idle) // 2]:
                    self._locks.pop(h, None)
                    self._next.pop(h, None)
            return self._locks.setdefault(host, threading.Lock())

    @contextlib.contextmanager
    def slot(self, host: str, delay: float | None = None) -> Iterator[float]:
        """Hold `host` exclusively, after waiting out its politeness delay."""
        started = time.monotonic()
        lock = self._lock_for(host)
        with lock:
            wait = self._next.get(host, 0.0) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield time.monotonic() - started
            finally:
                self._next[host] = time.monotonic() + max(self.delay, delay or 0.0)
