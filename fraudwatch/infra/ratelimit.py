"""Fixed-window rate limits with their counters in Redis, shared by every process.

A limit string is one or more `N/unit` or `N per [M] unit(s)` separated by `;` or `,`
(units: second, minute, hour, day), e.g. `120/minute;2000/hour`. Each window is one Redis
counter, `<prefix>rl:<scope>:<who>:<seconds>:<window number>`, raised by the request's cost
and given an expiry in the same round trip (one pipeline for all windows of a limit). A
request is refused when any window went over its amount; the refused cost still counts, as
with any fixed-window limiter.

While Redis is unreachable, counters fall back to this process's memory (limits then hold
per process, not across the fleet) and the request is never failed for it.

This replaced Flask-Limiter, whose per-request bookkeeping cost about as much CPU as a
whole cached lookup (measured in bench/README.md).
"""
from __future__ import annotations

import functools
import logging
import re
import threading
import time
from dataclasses import dataclass

from fraudwatch.infra.redis_keys import rate_window

log = logging.getLogger(__name__)

UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_ONE = re.compile(r"^\s*(\d{1,12})\s*(?:/|per)\s*(\d{1,6})?\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Window:
    """At most `amount` units of cost per `seconds`."""

    amount: int
    seconds: int


@functools.lru_cache(maxsize=1024)
def parse_limits(value: str) -> tuple[Window, ...]:
    """`120/minute;2000/hour` -> windows; ValueError with the offending part otherwise."""
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError("a rate limit looks like '120/minute' or '600/minute;20000/day'")
    windows = []
    for part in re.split(r"[;,]", value):
        if not part.strip():
            continue
        match = _ONE.match(part)
        if not match or int(match.group(1)) == 0 or (match.group(2) and int(match.group(2)) == 0):
            raise ValueError(f"'{part.strip()[:40]}' is not a rate limit: use N/second|minute|hour|day, "
                             "e.g. '120/minute' or '100 per 5 minutes'")
        multiple = int(match.group(2) or 1)
        windows.append(Window(int(match.group(1)), multiple * UNITS[match.group(3).lower()]))
    if not windows:
        raise ValueError("a rate limit looks like '120/minute' or '600/minute;20000/day'")
    return tuple(windows)


@dataclass(frozen=True)
class Outcome:
    """The result of one hit: allowed or not, and the tightest window's state (for headers)."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the tightest window resets


class _Memory:
    """Per-process counters used while Redis is unreachable."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def incr(self, key: str, cost: int, ttl: int) -> int:
        now = time.monotonic()
        with self._lock:
            if len(self._counts) > 50_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
            expires, count = self._counts.get(key, (now + ttl, 0))
            if expires <= now:
                expires, count = now + ttl, 0
            self._counts[key] = (expires, count + cost)
            return count + cost


_memory = _Memory()


class Hit:
    """One request's hit on a limit: the Redis commands to send and how to read their replies.

    `send()` sends them alone; a caller that is about to talk to Redis anyway can send
    `commands` in its own pipeline and pass the replies to `outcome` (one round trip less)."""

    def __init__(self, scope: str, who: str, windows: tuple[Window, ...], cost: int = 1) -> None:
        now = time.time()
        self.cost = cost
        self.windows = []
        for window in windows:
            number = int(now // window.seconds)
            self.windows.append((rate_window(scope, who, window.seconds, number), window,
                                 int((number + 1) * window.seconds - now) + 1))

    @property
    def commands(self) -> list[tuple]:
        """INCRBY and EXPIRE per window (two replies per window)."""
        out: list[tuple] = []
        for key, window, _ in self.windows:
            out += [("INCRBY", key, self.cost), ("EXPIRE", key, window.seconds + 1)]
        return out

    def outcome(self, replies: list | BaseException) -> Outcome:
        """Read the replies of `commands`; an exception (Redis unreachable) counts in memory."""
        if isinstance(replies, BaseException):
            if not getattr(replies, "quiet", False):
                log.warning("rate limit counters unavailable, counting in process memory: %s", replies)
            counts = [_memory.incr(key, self.cost, window.seconds) for key, window, _ in self.windows]
        else:
            counts = [int(value) for value in replies[::2]]
        allowed = all(count <= window.amount for count, (_, window, _) in zip(counts, self.windows))
        # The window closest to (or furthest over) its amount speaks for the headers.
        count, (_, window, reset) = max(zip(counts, self.windows), key=lambda pair: pair[0] / pair[1][1].amount)
        return Outcome(allowed, window.amount, max(0, window.amount - count), reset)


def send(client, pending: Hit, on_error=None) -> Outcome:
    """Send a hit's commands alone (one round trip) and read the outcome; `on_error` is told
    of a Redis failure (the outcome then comes from process memory)."""
    try:
        pipe = client.pipeline(transaction=False)
        for command in pending.commands:
            pipe.execute_command(*command)
        replies = pipe.execute()
    except Exception as exc:  # noqa: BLE001 - a limiter failure never fails a request
        if on_error is not None:
            on_error(exc)
        return pending.outcome(exc)
    return pending.outcome(replies)
