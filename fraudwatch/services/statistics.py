"""The public statistics: every figure of the statistics page computed at once from a few
aggregate queries (storage/statistics.py) and kept as one site snapshot, refreshed by the
workers' periodic turn (jobs/periodic.py, STATS_REFRESH_SECONDS) and computed on demand when
there is none yet. The snapshot holds codes and numbers only; pages label them in the
visitor's language.

The window is the last WEEKS weeks, weeks starting on Monday 00:00 UTC, the current one
included. Counts are of the reports that arrived in the window (imports and duplicates too);
the time to triage runs from a report's arrival to its first decision (confirmed, dismissed or
duplicate) in tenths of an hour, median and 90th percentile by nearest rank."""
from __future__ import annotations

import logging
import math
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy.exc import IntegrityError

from fraudwatch.exceptions import Unavailable
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.infra.redis_keys import stats_computing
from fraudwatch.storage import statistics as queries
from fraudwatch.storage import takedowns as takedown_queries
from fraudwatch.storage.models import utcnow
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)

NAME = "public_stats"
WEEKS = 26
TOP = 15  # values shown per dimension; the rest are added up as OTHER
OTHER = "__other__"
VERSION = 1


def window(now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the statistics: WEEKS Monday-to-Monday weeks ending with the current one."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=WEEKS - 1), monday + timedelta(weeks=1)


def compute(now: datetime | None = None) -> dict:
    """Every figure of the statistics page, as a JSON-able body."""
    now = now or utcnow()
    start, end = window(now)
    session = db.session
    started = time.monotonic()
    weeks = [{"week": (start + timedelta(weeks=i)).date().isoformat(), "reports": 0, "confirmed": 0,
              "dismissed": 0} for i in range(WEEKS)]
    for week, status, count in queries.weekly_statuses(session, start, end):
        if 0 <= week < WEEKS:
            weeks[week]["reports"] += count
            if status in ("confirmed", "dismissed"):
                weeks[week][status] += count
    body = {"version": VERSION, "start": start.isoformat(), "end": min(now, end).isoformat(), "weeks": weeks,
            "total": sum(w["reports"] for w in weeks)}
    grouped = queries.dimension_counts(session, start, end)
    for i, dimension in enumerate(queries.DIMENSIONS):
        body[dimension] = _top([(row[i], row[-1]) for row in grouped])
    body["triage"] = _triage(queries.triage_histogram(session, start, end), weeks)
    down = takedown_queries.time_to_down(session)  # the confirmed sites down now (a small grouped query)
    body["takedowns"] = {"down": sum(down.values()), "median_hours": nearest_rank(down, 0.5),
                         "p90_hours": nearest_rank(down, 0.9)}
    session.rollback()
    body["seconds"] = round(time.monotonic() - started, 3)
    return body


def _top(rows: list[tuple[str | None, int]]) -> list[list]:
    """[value, count] rows, largest first (None: not known), at most TOP and the rest as OTHER."""
    counts: Counter = Counter()
    for value, count in rows:
        counts[value if value not in ("", None) else None] += count
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0] is None, str(item[0])))
    shown = [[value, count] for value, count in ranked[:TOP]]
    rest = sum(count for _, count in ranked[TOP:])
    return shown + ([[OTHER, rest]] if rest else [])


def nearest_rank(histogram: dict[int, int], fraction: float) -> float | None:
    """The value (hours) at `fraction` of a histogram of tenths of an hour, by nearest rank."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = max(1, math.ceil(fraction * total)), 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket / 10
    return None  # not reached


def _triage(rows: list[tuple[int, int, int]], weeks: list[dict]) -> dict:
    overall: Counter = Counter()
    by_week: dict[int, Counter] = defaultdict(Counter)
    for week, bucket, count in rows:
        overall[bucket] += count
        if 0 <= week < WEEKS:
            by_week[week][bucket] += count
    weekly = [{"week": w["week"], "decided": sum(by_week[i].values()),
               "median_hours": nearest_rank(by_week[i], 0.5), "p90_hours": nearest_rank(by_week[i], 0.9)}
              for i, w in enumerate(weeks)]
    return {"decided": sum(overall.values()), "median_hours": nearest_rank(overall, 0.5),
            "p90_hours": nearest_rank(overall, 0.9), "weeks": weekly}


def _first_to_compute() -> bool:
    """True for the one request that computes a missing snapshot (a Redis lock for two
    minutes; without Redis every request computes, as before there was a lock)."""
    try:
        return bool(redis_store.client.set(stats_computing(), "1", nx=True, ex=120))
    except (redis.RedisError, OSError):
        return True


def refresh() -> dict:
    """Compute the figures and store them as the snapshot (the periodic task); the body."""
    body = compute()
    computed_at = utcnow()
    session = db.session
    try:
        in_transaction(session, lambda: queries.save_snapshot(session, NAME, body, computed_at))
    except IntegrityError:  # another worker stored its own first: it is as fresh
        session.rollback()
    log.info("statistics snapshot computed in %.3f s (%s reports)", body["seconds"], body["total"])
    return body


def current() -> tuple[dict, datetime]:
    """The stored figures and when they were computed; computed now when there are none (by
    one request at a time: the others are told to come back, Unavailable, while it runs)."""
    row = queries.snapshot(db.session, NAME)
    if row is None or row.body.get("version") != VERSION:
        if not _first_to_compute():
            raise Unavailable("the statistics are being computed", reason="stats_pending")
        body = refresh()
        row = queries.snapshot(db.session, NAME)
        if row is None:
            return body, utcnow()
    body, computed_at = row.body, row.computed_at
    db.session.rollback()
    return body, computed_at
