"""Distributed crawling: RQ jobs over Redis that fetch, analyse and store evidence.

- Frontier: a URL is claimed in a dedupe set (one expiring Redis key per URL match key,
  `fw:crawl:seen:<sha1>`) before it is queued, so it is fetched at most once per
  revisit window however many workers, seeds or pages point at it. A scan result is
  kept for the same window, so a report naming a URL crawled an hour ago gets that
  evidence without a second fetch. Discovered same-site links are queued in jobs of up
  to CRAWL_BATCH URLs (RQ's per-job bookkeeping is most of a page's cost otherwise).
- Politeness across workers and machines: `RedisHostGate` (crawl_gate.py).
- Retries: a transient fetch failure (timeout, refused connection, DNS without an
  answer yet) raises and RQ retries the job with backoff (in a batch, that URL is
  re-queued alone); permanent ones (blocked address, robots, size...) are evidence.
- Evidence: `fraudwatch.storage.evidence.save_evidence`, linked to report and indicator,
  stored once per URL and report even when a job runs again.
- Findings: a page judged scam makes its URL and registrable domain (requested and, after
  redirects, final) and the targets of its forms on other registrable domains (role
  `collector`) suspected indicators, linked to the crawl's report, in the evidence's own
  transaction; the lookup cache of their scopes is dropped after the commit. Official hosts
  are never among them; a page judged anything else changes nothing.
Settings (app config, defaults in DEFAULTS): CRAWL_ALLOW_NETWORKS (CIDRs), CRAWL_RESOLVE
(curl-style HOST:PORT:ADDR), CRAWL_ALLOWED_PORTS (None = usual web ports, "any", or a
list), CRAWL_HOST_DELAY, CRAWL_OBEY_ROBOTS, CRAWL_TOTAL_TIMEOUT, CRAWL_REVISIT_SECONDS,
CRAWL_MAX_LINKS (per page), CRAWL_MAX_DEPTH, CRAWL_BATCH, CRAWL_FAVICON.
Every Redis key comes from `fraudwatch.infra.redis_keys`.
"""
from __future__ import annotations

import json
import logging
import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from rq import Queue, Retry, get_current_job

from crawlers.fetch import FetchConfig, Fetcher
from crawlers.netguard import DEFAULT_ALLOWED_PORTS
from crawlers.scan import scan_page
from fraudwatch.indicators import Normalized, normalize_domain, normalize_url, registrable_domain, shared_site
from fraudwatch.indicators.official import judge_host
from fraudwatch.infra import cache, metrics, redis_keys
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.jobs.crawl_gate import RedisHostGate
from fraudwatch.services import campaigns, model_registry, watch_match
from fraudwatch.services.outbox import get_queue
from fraudwatch.storage import evidence as evidence_store
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)

RETRY = Retry(max=2, interval=[15, 120])
RETRY_ALONE_AFTER = timedelta(seconds=15)
BUSY_STATUSES = frozenset({429, 502, 503, 504})  # the site asks us to come back later
DEFAULTS = {"CRAWL_REVISIT_SECONDS": 24 * 3600, "CRAWL_HOST_DELAY": 1.0, "CRAWL_OBEY_ROBOTS": True,
            "CRAWL_ALLOW_NETWORKS": (), "CRAWL_RESOLVE": (), "CRAWL_ALLOWED_PORTS": None,
            "CRAWL_TOTAL_TIMEOUT": 30.0, "CRAWL_MAX_LINKS": 50, "CRAWL_MAX_DEPTH": 5,
            "CRAWL_FAVICON": True, "CRAWL_BATCH": 10}
_OUTCOME = re.compile(r"[a-z_]{1,32}")  # a fetch error's code, as the crawl metric's label


class TransientCrawlError(Exception):
    """A fetch failed for a reason that may pass; RQ retries the job."""


def setting(name: str):
    """A crawl setting from the app config, else its default."""
    return current_app.config.get(name, DEFAULTS[name])


def crawl_queue(live: bool = False):
    """The RQ queue of crawl jobs: `live-crawl` for a live report's URLs (served before any
    bulk work), else `crawl` (seeds, links followed, imported reports' URLs: served last)."""
    return get_queue(redis_keys.rq_queue("live-crawl" if live else "crawl"))


def fetch_config() -> FetchConfig:
    """The fetcher configuration of this app."""
    ports = setting("CRAWL_ALLOWED_PORTS")
    return FetchConfig(
        allow_networks=tuple(setting("CRAWL_ALLOW_NETWORKS")), resolve=tuple(setting("CRAWL_RESOLVE")),
        allowed_ports=DEFAULT_ALLOWED_PORTS if ports is None else (None if ports == "any" else frozenset(ports)),
        host_delay=float(setting("CRAWL_HOST_DELAY")), obey_robots=bool(setting("CRAWL_OBEY_ROBOTS")),
        total_timeout=float(setting("CRAWL_TOTAL_TIMEOUT")))


def get_fetcher() -> Fetcher:
    """One fetcher per app (and process), with the Redis-shared host gate."""
    fetcher = current_app.extensions.get("fw_crawl_fetcher")
    if fetcher is None:
        config = fetch_config()
        gate = RedisHostGate(redis_store.client, redis_keys.crawl_host, config.host_delay,
                             lock_seconds=config.total_timeout + 10)
        fetcher = current_app.extensions.setdefault("fw_crawl_fetcher", Fetcher(config, gate=gate))
    return fetcher


def claim_many(urls: list[str]) -> list[bool]:
    """Put each URL in the dedupe set (one round trip); True for those not seen in the window."""
    window = int(setting("CRAWL_REVISIT_SECONDS"))
    pipe = redis_store.client.pipeline(transaction=False)
    for url in urls:
        pipe.set(redis_keys.crawl_seen(url), "1", nx=True, ex=window)
    return [bool(r) for r in pipe.execute()]


def claim(url: str) -> bool:
    """Put `url` in the dedupe set; False when it was already there within the window."""
    return claim_many([url])[0]


def _job(urls: list[str], depth: int, scope: str | None, report_id: int | None = None,
         indicator_id: int | None = None):
    return Queue.prepare_data("fraudwatch.jobs.crawling.crawl_job", args=(urls,),
                              kwargs={"depth": depth, "scope": scope, "report_id": report_id,
                                      "indicator_id": indicator_id},
                              retry=RETRY, result_ttl=0, failure_ttl=7 * 86400)


def enqueue_url(url: str, *, depth: int = 0, scope: str | None = None, report_id: int | None = None,
                indicator_id: int | None = None, live: bool = False) -> bool:
    """Queue a crawl of `url` (on the live crawl queue with `live`) unless the frontier has
    seen it; True when queued."""
    if report_id is None and not claim(url):
        return False
    crawl_queue(live).enqueue_many([_job([url], depth, scope, report_id, indicator_id)])
    return True


def enqueue_links(urls: list[str], depth: int, scope: str | None) -> int:
    """Queue the URLs the frontier has not seen, in jobs of up to CRAWL_BATCH URLs."""
    fresh = [u for u, new in zip(urls, claim_many(urls)) if new]
    if fresh:
        size = max(1, int(setting("CRAWL_BATCH")))
        jobs = [_job(fresh[i:i + size], depth, scope) for i in range(0, len(fresh), size)]
        queue = crawl_queue()
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()
    return len(fresh)


def enqueue_seeds(urls: list[str], depth: int = 0) -> tuple[int, list[str]]:
    """Queue seed URLs (same-site links followed to `depth`); return (queued, bad lines)."""
    queued, bad = 0, []
    depth = max(0, min(depth, int(setting("CRAWL_MAX_DEPTH"))))
    for raw in urls:
        try:
            url = normalize_url(raw).value
        except ValueError:
            bad.append(raw)
            continue
        queued += enqueue_links([url], depth, registrable_domain(urlsplit(url).hostname or ""))
    return queued, bad


def enqueue_report_urls(report_id: int, live: bool = False) -> int:
    """Queue a crawl of every URL a report names (called by the report job; on the live
    crawl queue for a live report); idempotent."""
    window = int(setting("CRAWL_REVISIT_SECONDS"))
    count = 0
    for indicator_id, url in report_store.url_indicators_of(db.session, report_id):
        once = redis_keys.crawl_report_url(report_id, url)
        if redis_store.client.set(once, "1", nx=True, ex=window):
            count += enqueue_url(url, report_id=report_id, indicator_id=indicator_id, live=live)
    return count


def _classifier():
    try:
        model = model_registry.get_classifier()
    except Exception as exc:  # a missing or broken model must not stop crawling
        log.warning("classifier unavailable: %s", exc)
        return None
    return None if model is None else model.classify


def _same_site_links(links: list[str], scope: str | None) -> list[str]:
    out = []
    for link in links:
        host = urlsplit(link).hostname or ""
        if scope and registrable_domain(host) == scope:
            out.append(link.split("#", 1)[0])
    return list(dict.fromkeys(out))[: int(setting("CRAWL_MAX_LINKS"))]


def scan_cached(url: str, *, may_raise: bool = True) -> dict | None:
    """The scan of `url`: cached within the revisit window, else fetched.

    A transient failure raises TransientCrawlError (RQ retries the job) when `may_raise`
    and retries are left; inside a batch it returns None and the caller retries the URL
    in a job of its own.
    """
    client = redis_store.client
    key = redis_keys.crawl_result(url)
    cached = client.get(key)
    if cached:
        return json.loads(cached)
    result, page = scan_page(url, get_fetcher(), _classifier(), favicon=bool(setting("CRAWL_FAVICON")))
    result["links_found"] = page.links[:500] if page else []
    error = result.get("error") or {}
    if error.get("transient") or result.get("http_status") in BUSY_STATUSES:
        if not may_raise:
            return None
        if _retries_left() > 0:
            raise TransientCrawlError(f"{url}: {error.get('code') or result.get('http_status')}")
    pipe = client.pipeline(transaction=False)
    pipe.set(key, json.dumps(result, ensure_ascii=False), ex=int(setting("CRAWL_REVISIT_SECONDS")))
    pipe.incr(redis_keys.crawl_fetched_count())
    pipe.execute()
    return result


def _retries_left() -> int:
    job = get_current_job()
    return int(job.retries_left or 0) if job is not None else 0


def _store_once(url: str, result: dict, report_id: int | None, indicator_id: int | None) -> bool:
    """Save the evidence and what a scam page makes suspected, unless this job (or its
    earlier attempt) already did."""
    marker = redis_keys.crawl_stored(url, report_id)
    if redis_store.client.exists(marker):
        return False
    evidence = {**result, "excerpt": result.get("text_excerpt"), "signals": result.get("site_signals")}
    findings = page_findings(result)
    session = db.session

    def work() -> set[str]:
        row = evidence_store.report_evidence(session, report_id, url) if report_id is not None else None
        if row is None:
            row = evidence_store.save_evidence(session, evidence, report_id=report_id, indicator_id=indicator_id)
        return evidence_store.record_findings(session, row, findings, report_id) if findings else set()

    # its own write transaction, retried when it loses (SQLite under a steady import)
    cache.invalidate(in_transaction(session, work))
    if findings and report_id is not None:  # a collecting domain or landing page may join a campaign
        campaigns.assign_quietly(report_id)
    if findings:  # a landing or collecting domain may be a watched domain's lookalike
        watch_match.match_quietly(watch_match.match_findings, report_id, [item for item, _ in findings])
    redis_store.client.set(marker, "1", ex=int(setting("CRAWL_REVISIT_SECONDS")))
    return True


def page_findings(result: dict) -> list[tuple[Normalized, str]]:
    """What a page judged scam makes suspected, as (indicator, role): its URL and domain
    (`page`), requested and final, and the targets of its forms on other registrable
    domains (`collector`); nothing for any other verdict, a failed fetch or official hosts."""
    if result.get("error") or (result.get("verdict") or {}).get("label") != "scam":
        return []
    pages = [u for u in dict.fromkeys((result.get("url"), result.get("final_url"))) if isinstance(u, str)]
    found = [f for u in pages for f in _url_and_domain(u, "page")]
    own = {registrable_domain(item.host) for item, _ in found if item.host}
    for form in result.get("forms") or []:
        target = form.get("action") if isinstance(form, dict) else None
        host = _host(target)
        if host and registrable_domain(host) not in own:
            found += _url_and_domain(target, "collector")
    return found


def _host(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _url_and_domain(url: str, role: str) -> list[tuple[Normalized, str]]:
    """The URL and its registrable domain as indicators (the domain left out on shared
    hosting, where only the URL is judged); nothing for an official host or a bad URL."""
    try:
        item = normalize_url(url)
    except ValueError:
        return []
    if not item.host or judge_host(item.host).status == "official":
        return []
    out = [(item, role)]
    if shared_site(item.host) is None:
        try:
            out.append((normalize_domain(item.host), role))
        except ValueError:
            pass
    return out


def _followable(result: dict, scope: str | None) -> list[str]:
    if result.get("error"):
        return []
    downloads = set(result.get("downloads") or [])  # programs are a signal, not pages
    return _same_site_links([u for u in result.get("links_found", []) if u not in downloads], scope)


def crawl_job(urls: str | list[str], depth: int = 0, scope: str | None = None,
              report_id: int | None = None, indicator_id: int | None = None) -> dict:
    """RQ job: scan each URL, store evidence, queue same-site links while depth remains."""
    urls = [urls] if isinstance(urls, str) else list(urls)
    links: list[str] = []
    done: dict[str, str | None] = {}
    began, outcome = time.perf_counter(), "error"
    try:
        for url in urls:
            try:
                result = scan_cached(url, may_raise=len(urls) == 1)
            except TransientCrawlError:
                metrics.count_crawl("retrying")
                outcome = "retrying"
                raise
            if result is None:  # transient failure inside a batch: retried alone, later
                crawl_queue().enqueue_in(RETRY_ALONE_AFTER, "fraudwatch.jobs.crawling.crawl_job", [url],
                                         depth=depth, scope=scope, retry=RETRY, result_ttl=0)
                done[url] = "retrying"
                metrics.count_crawl("retrying")
                continue
            _store_once(url, result, report_id, indicator_id)
            links += _followable(result, scope) if depth > 0 else []
            done[url] = (result.get("error") or {}).get("code")
            metrics.count_crawl(_crawl_outcome(done[url]))
        queued = enqueue_links(list(dict.fromkeys(links)), depth - 1, scope) if links else 0
        outcome = "ok"
    finally:
        metrics.observe_job("crawl", outcome, time.perf_counter() - began)
    return {"urls": done, "queued": queued}


def _crawl_outcome(code: object) -> str:
    """`page` (fetched and judged), or the fetch error's code (`error` if it is not a code)."""
    if code is None:
        return "page"
    return code if isinstance(code, str) and _OUTCOME.fullmatch(code) else "error"


def stats() -> dict:
    """Counters of this deployment's crawl (pages fetched, queue length)."""
    fetched = redis_store.client.get(redis_keys.crawl_fetched_count())
    return {"fetched": int(fetched or 0), "queued": crawl_queue().count}

