"""Matching what is new against every watch list: the process's match index, and one small
call per source (a processed report, a crawl's findings, an indicator becoming confirmed,
an imported feed, a list of newly registered domains).

Each process keeps one `WatchIndex` (services/watch_index.py) and rebuilds it when the watch
version (a Redis counter raised on every change of an entry) or the entries' count and
largest id in the database differ from what it was built from; it looks at most once a
second (FRESH_SECONDS), and at once in the process that made the change. Matches become alerts through
`fraudwatch.services.alerts.record`, once per (entry, reason, subject)."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

import redis
from flask import current_app

from fraudwatch.indicators import Normalized, normalize_domain
from fraudwatch.infra import redis_keys
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.services import alerts
from fraudwatch.services.watch_index import Match, Subjects, WatchIndex, fold_name
from fraudwatch.storage import watch as store

log = logging.getLogger(__name__)
_lock = threading.Lock()
# (database, version key) -> (checked at, (version, entries' signature), index)
_built: dict[tuple[str, str], tuple[float, tuple, WatchIndex]] = {}
FRESH_SECONDS = 1.0
HOST_TYPES = ("domain", "url", "email")


def bump() -> None:
    """Raise the watch version: every process rebuilds its index before its next match (this
    one at once, the others within FRESH_SECONDS)."""
    with _lock:
        _built.clear()
    try:
        redis_store.client.incr(redis_keys.watch_version())
    except (redis.RedisError, OSError) as exc:  # the database signature still tells most changes
        log.warning("watch version not raised: %s", exc)


def _version() -> int:
    try:
        return int(redis_store.client.get(redis_keys.watch_version()) or 0)
    except (redis.RedisError, OSError, ValueError):
        return -1


def current_index() -> WatchIndex:
    """The match index of every active entry, rebuilt when the entries changed: the watch
    version and the entries' signature are read at most every FRESH_SECONDS (a Redis round
    trip and a count are worth more than the match itself)."""
    place = (current_app.config["DATABASE_URL"], redis_keys.watch_version())
    now = time.monotonic()
    with _lock:
        cached = _built.get(place)
    if cached and now - cached[0] < FRESH_SECONDS:
        return cached[2]
    key = (_version(), store.entries_signature(db.session))
    if cached and cached[1] == key:
        index = cached[2]
    else:
        index = WatchIndex.build(store.active_entries(db.session))
    with _lock:
        if place not in _built and len(_built) >= 4:
            _built.clear()
        _built[place] = (now, key, index)
    return index


def match_quietly(match, *args: object) -> list[int]:
    """`match(*args)` for the jobs: a failure is logged, never fails the report's processing
    or the crawl it is called from."""
    try:
        return match(*args)
    except Exception:  # noqa: BLE001 - logged; an alert is never worth losing a verdict or evidence
        db.session.rollback()
        log.exception("watch lists not matched (%s%s)", getattr(match, "__name__", match), args[:1])
        return []


def _hosts_of(rows: Iterable[tuple[str, str, str | None, str]]) -> Subjects:
    subjects = Subjects()
    for kind, value, host, display in rows:
        if kind in HOST_TYPES and host and not host.startswith("["):
            subjects.hosts.add(host)
        elif kind == "phone":
            subjects.phones.add(value)
        elif kind == "company":
            subjects.companies.add(fold_name(display))
    return subjects


def match_report(report_id: int) -> list[int]:
    """Alerts for a new report: its indicators (hosts, phones, companies) and its text."""
    index = current_index()
    if not index.size:
        return []
    report, rows = store.report_subject(db.session, report_id)
    if report is None:
        return []
    subjects = _hosts_of(rows)
    subjects.text = "\n".join(t for t in (report.message_text, report.description, report.company) if t)
    subjects.source = f"report:{report_id}"
    return alerts.record(index.match(subjects), "report", report_id)


def match_findings(report_id: int | None, items: Iterable[Normalized]) -> list[int]:
    """Alerts for what a crawl found (landing and collecting domains)."""
    index = current_index()
    if not index.size:
        return []
    subjects = _hosts_of((i.type, i.value, i.host, i.display) for i in items)
    subjects.source = f"crawl:{report_id or 0}"
    return alerts.record(index.match(subjects), "evidence", report_id)


def match_confirmed(indicator_id: int) -> list[int]:
    """Alerts for an indicator that became confirmed fraud (reason `confirmed`)."""
    index = current_index()
    row = store.indicator_row(db.session, indicator_id) if index.size else None
    if row is None or row[4] != "confirmed_fraud":
        return []
    subjects = _hosts_of([row[:4]])
    found = [Match(m.entry_id, m.owner_id, "confirmed", m.subject, {**m.detail, "matched_as": m.reason})
             for m in index.match(subjects) if m.reason in ("match", "lookalike")]
    return alerts.record(found, "indicator", indicator_id)


def match_rows(rows: Iterable[tuple]) -> list[Match]:
    """Matches of imported indicator rows (type, value, match key, display, host, scope);
    recorded after the import commits (`record_feed`)."""
    index = current_index()
    if not index.size:
        return []
    subjects = _hosts_of((r[0], r[1], r[4], r[3]) for r in rows)
    subjects.source = "feed"
    return [m for m in index.match(subjects) if m.reason != "mention"]


def record_feed(matches: list[Match]) -> list[int]:
    """Alerts for an imported feed's matches."""
    return alerts.record(matches, "feed", None) if matches else []


def match_domain_list(lines: Iterable[str]) -> tuple[int, int, list[int]]:
    """Alerts for a list of newly registered domains, one a line: (read, invalid, alert ids).
    Matched in batches of 5,000 (constant memory)."""
    index = current_index()
    read = invalid = 0
    created: list[int] = []
    batch: set[str] = set()
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        read += 1
        try:
            batch.add(normalize_domain(text[:300]).host)
        except ValueError:
            invalid += 1
        if len(batch) >= 5000:
            created += _record_hosts(index, batch)
            batch = set()
    created += _record_hosts(index, batch)
    return read, invalid, created


def _record_hosts(index: WatchIndex, hosts: set[str]) -> list[int]:
    if not hosts or not index.size:
        return []
    found = [m for m in index.match(Subjects(hosts=hosts, source="domain_list")) if m.reason != "mention"]
    return alerts.record(found, "domain_list", None)

