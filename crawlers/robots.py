"""robots.txt: fetched through the safe fetcher, parsed with urllib.robotparser, cached.

Follows RFC 9309: a 4xx answer means "everything allowed"; a 5xx answer or a network
failure means "nothing allowed" for now (cached for a shorter time).
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from urllib.robotparser import RobotFileParser

from crawlers.errors import FetchError
from crawlers.netguard import Target

log = logging.getLogger(__name__)

# (robots.txt URL) -> (HTTP status, text); raises FetchError on failure.
RobotsFetch = Callable[[str], tuple[int, str]]
FAILURE_TTL = 300.0
MAX_CRAWL_DELAY = 10.0  # a site cannot park a worker for hours
UNREACHABLE_HOST = frozenset({"connect_error", "dns_error", "blocked_address", "bad_port"})


class RobotsCache:
    """Answers "may this user agent fetch this URL?", caching one parser per origin."""

    def __init__(self, fetch: RobotsFetch, user_agent: str, ttl: float = 3600.0,
                 max_entries: int = 5000) -> None:
        self._fetch = fetch
        self.user_agent = user_agent
        self.ttl = ttl
        self.max_entries = max_entries
        self._cache: OrderedDict[str, tuple[float, RobotFileParser]] = OrderedDict()
        self._lock = threading.Lock()

    def allowed(self, target: Target) -> bool:
        """True when robots.txt of the target's origin allows fetching its URL."""
        return self._parser(target).can_fetch(self.user_agent, target.url)

    def crawl_delay(self, target: Target) -> float | None:
        """The Crawl-delay robots.txt asks of us (seconds, capped at MAX_CRAWL_DELAY), or None."""
        try:
            delay = self._parser(target).crawl_delay(self.user_agent)
        except (ValueError, TypeError):
            return None
        return None if delay is None else min(float(delay), MAX_CRAWL_DELAY)

    def _parser(self, target: Target) -> RobotFileParser:
        origin = target.url.split("/", 3)
        key = "/".join(origin[:3])
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] > now:
                self._cache.move_to_end(key)
                return hit[1]
        parser, ttl = self._load(key + "/robots.txt")
        with self._lock:
            self._cache[key] = (now + ttl, parser)
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)
        return parser

    def _load(self, robots_url: str) -> tuple[RobotFileParser, float]:
        parser = RobotFileParser(robots_url)
        try:
            status, text = self._fetch(robots_url)
        except FetchError as exc:
            if exc.code in UNREACHABLE_HOST and exc.url in (None, robots_url):
                raise  # the page's own host cannot be reached either: report the real reason
            if exc.code in UNREACHABLE_HOST or exc.code == "too_many_redirects":
                parser.allow_all = True  # a robots.txt redirect we may not follow: as if missing
                return parser, FAILURE_TTL
            log.info("robots.txt unavailable at %s (%s): disallowing for now", robots_url, exc.code)
            parser.disallow_all = True
            return parser, FAILURE_TTL
        if status >= 500:
            parser.disallow_all = True
            return parser, FAILURE_TTL
        if status >= 400:
            parser.allow_all = True
            return parser, self.ttl
        parser.parse(text.splitlines())
        return parser, self.ttl
