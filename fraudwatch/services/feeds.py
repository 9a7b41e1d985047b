"""The feed sweep: the one writer that keeps feed_entries (storage/feeds.py) in step with the
indicators, and what the feed views need around it (expiry dates, access).

A turn (periodic task `feed_sweep`, every FEED_SWEEP_SECONDS, under a Redis lock so that one
process sweeps at a time even when a turn outlasts its interval) asks the database, a range of
ID_RANGE indicator ids at a time (one transaction each), which indicators belong in a feed and
whose entry is missing or differs (one query: indicators left-joined to their entries), then
which listed entries no longer have such an indicator (one anti-join). An indicator belongs in a feed when:

- its status is confirmed_fraud (feed "confirmed") or suspected ("suspected"), it was not
  delisted (delisted_at, an accepted appeal), and its type is one of storage.feeds.FEED_TYPES;
- its decay (indicators/decay.py) has not expired: last_seen >= now - max_age(type, base), the
  cutoffs computed here per type and status (base from the status) and per band of the
  confidences sources gave (at most MAX_BANDS a type; a band's lowest confidence is used, so an
  indicator may leave a little early, never late).

Each change gets the next seq: a new listing, a relisting, a move between feeds (plus a removal
row for the feed it left), a confidence change, a last sighting newer than the published one by
LAST_SEEN_STEP, and a removal. A second turn with nothing changed writes nothing.
"""
from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime, timedelta

import redis
from flask import current_app

from fraudwatch.indicators.decay import DecayModel, base_confidence
from fraudwatch.infra import redis_keys
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.publish.feed_formats import dns_name
from fraudwatch.storage import feeds as store
from fraudwatch.storage.feeds import FEED_OF_STATUS, FEED_TYPES, Cutoff, FeedRow, Listing
from fraudwatch.storage.models import utcnow
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
LAST_SEEN_STEP = timedelta(hours=1)  # a newer last sighting is published once the published one is this old
MAX_BANDS = 32
LOCK_SECONDS = 900
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sweep() -> int:
    """One turn of the feed sweep (periodic task, app context); how many entries changed."""
    lock = redis_store.client.lock(redis_keys.feed_sweep_lock(), timeout=LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return 0  # another process is sweeping
    try:
        return run_sweep(DecayModel.from_config(current_app.config))
    finally:
        try:
            lock.release()
        except redis.RedisError:
            pass  # expired or Redis gone: the timeout frees it


def run_sweep(model: DecayModel, now: datetime | None = None, span: int = store.ID_RANGE) -> int:
    """Bring feed_entries in step with the indicators as of `now`; how many entries changed.
    Callers hold the sweep lock (`sweep` does): there must be one writer."""
    session, now = db.session, now or utcnow()
    cutoffs = decay_cutoffs(model, store.confidence_values(session), now)
    top = store.highest_ids(session)
    session.rollback()
    changed = 0
    for step in (_list_range, _remove_range):
        for low in range(0, top, span):
            changed += in_transaction(session, functools.partial(step, cutoffs, now, low, low + span))
    if changed:
        log.info("feed sweep: %d entries changed", changed)
    return changed


def decay_cutoffs(model: DecayModel, confidences: list[tuple[str, float]], now: datetime) -> list[Cutoff]:
    """The last sighting each kind of indicator needs to stay listed at `now` (see the module)."""
    cutoffs = []
    for kind in FEED_TYPES:
        for status in FEED_OF_STATUS:
            age = model.max_age(kind, base_confidence(status))
            if age > timedelta(0):
                cutoffs.append(Cutoff(kind, status, None, None, _since(now, age)))
        values = sorted({c for t, c in confidences if t == kind})
        if len(values) > MAX_BANDS:
            step = len(values) / MAX_BANDS
            values = sorted({values[int(i * step)] for i in range(MAX_BANDS)})
        for i, low in enumerate(values):
            age = model.max_age(kind, base_confidence("", low))
            if age > timedelta(0):
                high = values[i + 1] if i + 1 < len(values) else None
                cutoffs.append(Cutoff(kind, None, low, high, _since(now, age)))
    return cutoffs


def _since(now: datetime, age: timedelta) -> datetime:
    try:
        return max(_EPOCH, now - age)
    except OverflowError:
        return _EPOCH


def _list_range(cutoffs: list[Cutoff], now: datetime, low: int, high: int) -> int:
    """Write the new or changed listings of indicators low < id <= high; how many rows."""
    session = db.session
    rows = store.changed_listings(session, cutoffs, now - LAST_SEEN_STEP, low, high)
    if not rows:
        return 0
    known = store.campaigns_and_authorities(session, [r.indicator_id for r in rows])
    moved = [r for r in rows if r.entry_id is not None and r.old_feed != r.feed]
    tombstones = store.tombstones_of(session, [r.indicator_id for r in moved])
    seq = store.next_seq(session)
    inserts, updates = [], []
    for row in rows:
        campaign, authority = known.get(row.indicator_id, (None, None))
        values = _entry_values(row, campaign, authority, now)
        if row.entry_id is not None and row.old_feed != row.feed:  # its old feed's readers hear it left
            gone = {**values, "feed": row.old_feed, "listed": False, "seq": seq}
            if row.indicator_id in tombstones:
                updates.append({"id": tombstones[row.indicator_id], **gone})
            else:
                inserts.append({"indicator_id": -row.indicator_id, **gone})
            seq += 1
        values["seq"] = seq
        seq += 1
        if row.entry_id is None:
            inserts.append({"indicator_id": row.indicator_id, **values})
        else:
            updates.append({"id": row.entry_id, **values})
    store.update_entries(session, updates)
    store.insert_entries(session, inserts)
    return len(inserts) + len(updates)


def _entry_values(row: Listing, campaign: int | None, authority: str | None, now: datetime) -> dict:
    return {"feed": row.feed, "type": row.type, "value": row.value, "host": dns_name(row.type, row.value, row.host),
            "confidence": row.confidence, "first_seen": row.first_seen, "last_seen": row.last_seen,
            "campaign_id": campaign, "authority": authority, "listed": True, "changed_at": now}


def _remove_range(cutoffs: list[Cutoff], now: datetime, low: int, high: int) -> int:
    """Remove the entries of indicators low < id <= high that left the feeds; how many."""
    session = db.session
    stale = store.stale_entries(session, cutoffs, low, high)
    if stale:
        store.remove_entries(session, stale, store.next_seq(session), now)
    return len(stale)


def valid_until(model: DecayModel):
    """A function giving a feed row's expiry (last_seen + its decay's max age): a datetime, or
    `YYYY-MM-DDTHH:MM:SSZ` text when last_seen is such text (storage.feeds text_dates; the text
    is computed in whole seconds with the minutes' conversions cached: a full feed's hot path)."""
    ages: dict[tuple[str, float], timedelta] = {}
    minutes: dict[str, int] = {}  # "YYYY-MM-DDTHH:MM" -> its Unix time
    prefixes: dict[int, str] = {}  # a minute's Unix time -> "YYYY-MM-DDTHH:MM:"

    def age_of(row: FeedRow) -> timedelta:
        key = (row.type, row.confidence)
        age = ages.get(key)
        if age is None:
            if len(ages) > 4096:
                ages.clear()
            age = ages[key] = model.max_age(row.type, row.confidence)
        return age

    def text(seen: str, age: timedelta) -> str | None:
        if len(minutes) > 65536 or len(prefixes) > 65536:
            minutes.clear()
            prefixes.clear()
        minute = minutes.get(seen[:16])
        if minute is None:
            minute = minutes[seen[:16]] = int(datetime.fromisoformat(seen[:16]).replace(tzinfo=UTC).timestamp())
        until = minute + int(seen[17:19]) + int(age.total_seconds())
        start = until - until % 60
        prefix = prefixes.get(start)
        if prefix is None:
            prefix = prefixes[start] = datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M:")
        return f"{prefix}{until % 60:02d}Z"

    def until(row: FeedRow) -> datetime | str | None:
        seen = row.last_seen
        try:
            if isinstance(seen, str):
                return text(seen, age_of(row))
            return seen + age_of(row)
        except (OverflowError, ValueError, OSError):
            return None

    return until
