"""Every Redis key of fraudwatch comes from here, under one prefix (REDIS_PREFIX, default
`fw:`), and so do the RQ job ids of pending jobs and the RQ queue names (RQ prefixes its
own keys with `rq:`; queue names derive from RQ_QUEUE).
Each key has a named builder; nothing else reads REDIS_PREFIX (tests/fraudwatch/test_layers.py
checks both)."""
from __future__ import annotations

import hashlib
import re

from flask import current_app

from fraudwatch.indicators import url_match_key


def _key(*parts: object) -> str:
    """`<prefix><part>:<part>...`, the prefix from the app config."""
    return current_app.config["REDIS_PREFIX"] + ":".join(str(p) for p in parts)


def _url_digest(url: str) -> str:
    """One digest per URL as the crawler compares them (its match key); ValueError when
    `url` is not a URL."""
    return hashlib.sha1(url_match_key(url).encode("utf-8")).hexdigest()


# -- lookups (cache.py) ---------------------------------------------------------------------

def lookup_scope(scope: str) -> str:
    """Hash holding the cached lookup answers of one scope (a registrable domain or a value)."""
    return lookup_keys([scope])[0][0]


def lookup_keys(scopes: list[str]) -> tuple[list[str], list[str]]:
    """(answer hashes, generation counters) of these scopes: one digest per scope serves both."""
    prefix = current_app.config["REDIS_PREFIX"]
    digests = [hashlib.sha1(scope.encode("utf-8")).hexdigest() for scope in scopes]
    return [f"{prefix}lookup:{d}" for d in digests], [f"{prefix}lookupgen:{d}" for d in digests]


def lookup_scope_pattern() -> str:
    """SCAN pattern matching every lookup-answer hash."""
    return _key("lookup", "*")


def lookup_all_generation() -> str:
    """Counter raised each time the whole lookup cache is dropped (see cache.py)."""
    return _key("lookupgen-all")


# -- rate limits (ratelimit.py) ---------------------------------------------------------------

def rate_window(scope: str, who: str, seconds: int, number: int) -> str:
    """Counter of one rate-limit window: a scope (lookup, report), a caller, a window length
    and the window's number since the epoch."""
    return _key("rl", scope, who, seconds, number)


# -- jobs (services/outbox.py) -----------------------------------------------------------------

def pump_lock() -> str:
    """Lock held by the one process re-enqueueing pending jobs at a time."""
    return _key("pump-lock")


def public_page(key: str) -> str:
    """A rendered public page (infra/page_cache.py); `key` names the page and its language."""
    return _key("page", hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32])


def public_pages_generation() -> str:
    """Raised when the public pages change (infra/page_cache.py): older copies are misses."""
    return _key("page-generation")


def stats_computing() -> str:
    """Held by the request computing a missing statistics snapshot (services/statistics.py)."""
    return _key("stats-computing")


def periodic_turn(name: str) -> str:
    """Held until the periodic task `name` is due again (jobs/periodic.py)."""
    return _key("periodic", name)


# The RQ queues, in the order workers serve them: a live report's classification, a live
# report's crawl, an imported report's processing, then every other crawl (seeds, links
# followed, imported reports' URLs).
QUEUE_ROLES = ("live", "live-crawl", "bulk", "crawl")


def rq_queue(role: str) -> str:
    """The RQ queue name of a role (`<RQ_QUEUE>-<role>`); ValueError for an unknown role."""
    if role not in QUEUE_ROLES:
        raise ValueError(f"unknown queue {role!r} (known: {', '.join(QUEUE_ROLES)})")
    return f"{current_app.config['RQ_QUEUE']}-{role}"


def rq_job_id(pending_id: int) -> str:
    """The RQ job id of a pending job (one per pending job, whatever the attempt), under the
    app's key prefix: RQ's own keys are not prefixed, and two instances sharing a Redis
    must not share job ids."""
    prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", current_app.config["REDIS_PREFIX"]).strip("-")
    return f"{prefix}-pending-{pending_id}"


# -- crawling (jobs/crawling.py, jobs/crawl_gate.py) ------------------------------------------

def crawl_seen(url: str) -> str:
    """Frontier marker: `url` was queued within the revisit window."""
    return _key("crawl", "seen", _url_digest(url))


def crawl_result(url: str) -> str:
    """The cached scan of `url` (kept for the revisit window)."""
    return _key("crawl", "result", _url_digest(url))


def crawl_stored(url: str, report_id: int | None) -> str:
    """Marker: the evidence of `url` for this report (0: none) is stored."""
    return _key("crawl", "stored", _url_digest(url), report_id or 0)


def crawl_report_url(report_id: int, url: str) -> str:
    """Marker: the crawl of `url` for this report was queued."""
    return _key("crawl", "report", report_id, _url_digest(url))


def crawl_fetched_count() -> str:
    """Counter of pages fetched by this deployment."""
    return _key("crawl", "stats", "fetched")


def crawl_host(host: str) -> tuple[str, str]:
    """(lock, next-request marker) of one host, shared by every crawl worker."""
    return _key("crawl", "host", host, "lock"), _key("crawl", "host", host, "next")


# -- console sign-in (infra/login_throttle.py) --------------------------------------------------

def login_failures(scope: str, who: str) -> str:
    """Counter of failed sign-ins of one account or one address (`scope`: account | address)
    in the current throttling window; `who` is hashed (names may hold any character)."""
    return _key("login", scope, hashlib.sha1(who.encode("utf-8", "replace")).hexdigest())


def login_code_used(user_id: int, code: str) -> str:
    """Marker: this TOTP code of this user was used to sign in (a replay is refused)."""
    return _key("login", "code", user_id, code)


# -- public forms (web/formtoken.py) ----------------------------------------------------------

def form_nonce(nonce: str) -> str:
    """Marker: the form token with this nonce was used (a replayed post is refused)."""
    return _key("form", "nonce", nonce)


# -- watch lists (services/watch_index.py) ------------------------------------------------------

def watch_version() -> str:
    """Counter raised whenever a watch entry is added, removed or changed: each process
    rebuilds its in-memory match index when it differs from the one it built."""
    return _key("watch", "version")


# -- outgoing feeds (services/feeds.py) ------------------------------------------------------------

def feed_sweep_lock() -> str:
    """Held by the one process sweeping feed_entries (the feeds' single writer)."""
    return _key("feed-sweep-lock")
