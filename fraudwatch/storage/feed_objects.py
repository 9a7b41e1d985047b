"""Reads of the published feed entries (feed_entries) and their campaigns for the STIX, TAXII and
MISP exports: entries in cursor (`seq`) order a batch at a time, the campaigns they belong to,
and each campaign's last change in a feed. `add_entry` writes one entry the way the feed sweep
would (tests, benchmarks); the sweep itself lives elsewhere."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import Campaign, FeedEntry, utcnow

BATCH = 2000
_COLUMNS = (FeedEntry.seq, FeedEntry.type, FeedEntry.value, FeedEntry.confidence, FeedEntry.first_seen,
            FeedEntry.last_seen, FeedEntry.changed_at, FeedEntry.campaign_id, FeedEntry.authority,
            FeedEntry.listed)


def iter_rows(session: Session, feed: str, *, after_seq: int = 0, listed_only: bool = False,
              until_seq: int | None = None, changed_after: datetime | None = None, campaign: int | None = None,
              uncampaigned: tuple[datetime, datetime] | None = None, batch: int = BATCH) -> Iterator[sa.Row]:
    """Entries of `feed` with seq > after_seq (and <= until_seq) in seq order (a keyset page of
    `batch` at a time): only listed ones, only those changed after a time, only one campaign's, or only those without
    a campaign first seen in [start, end)."""
    last = after_seq
    while True:
        query = sa.select(*_COLUMNS).where(FeedEntry.feed == feed, FeedEntry.seq > last)
        if listed_only:
            query = query.where(FeedEntry.listed.is_(True))
        if until_seq is not None:
            query = query.where(FeedEntry.seq <= until_seq)
        if changed_after is not None:
            query = query.where(FeedEntry.changed_at > changed_after)
        if campaign is not None:
            query = query.where(FeedEntry.campaign_id == campaign)
        if uncampaigned is not None:
            query = query.where(FeedEntry.campaign_id.is_(None), FeedEntry.first_seen >= uncampaigned[0],
                                FeedEntry.first_seen < uncampaigned[1])
        rows = session.execute(query.order_by(FeedEntry.seq).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq


def current_cursor(session: Session) -> int:
    """The highest seq of any entry (0 when none): it moves on every change of every feed."""
    return session.scalar(sa.select(sa.func.max(FeedEntry.seq))) or 0


def campaigns_version(session: Session) -> str:
    """Changes when a campaign is added or changed (for ETags of what names campaigns)."""
    count, latest = session.execute(sa.select(sa.func.count(Campaign.id), sa.func.max(Campaign.updated_at))).one()
    return f"{count}:{latest.isoformat() if latest else '-'}"


def campaign_last_changes(session: Session, feed: str, *, after_seq: int = 0, until_seq: int | None = None,
                          listed_only: bool = False) -> dict[int, tuple[int, datetime]]:
    """campaign id -> (highest seq, latest change) of its entries in `feed` (those after
    `after_seq` and up to `until_seq`, or only the listed ones)."""
    query = (sa.select(FeedEntry.campaign_id, sa.func.max(FeedEntry.seq), sa.func.max(FeedEntry.changed_at))
             .where(FeedEntry.feed == feed, FeedEntry.campaign_id.is_not(None), FeedEntry.seq > after_seq)
             .group_by(FeedEntry.campaign_id))
    if listed_only:
        query = query.where(FeedEntry.listed.is_(True))
    if until_seq is not None:
        query = query.where(FeedEntry.seq <= until_seq)
    return {cid: (seq, changed) for cid, seq, changed in session.execute(query)}


def campaigns_by_id(session: Session, ids: list[int]) -> dict[int, Campaign]:
    """The campaigns with these ids (missing ones left out)."""
    found: dict[int, Campaign] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update((c.id, c) for c in session.scalars(sa.select(Campaign).where(Campaign.id.in_(chunk))))
    return found


def campaign_members(session: Session, feed: str, ids: list[int]) -> dict[int, tuple[list[tuple[str, str]], datetime]]:
    """campaign id -> ((type, value) of its listed entries in `feed` in seq order, the latest
    change of any of its entries there, listed or removed), for the campaigns `ids` having any."""
    found: dict[int, tuple[list[tuple[str, str]], datetime]] = {}
    for start in range(0, len(ids), 500):
        query = (sa.select(FeedEntry.campaign_id, FeedEntry.type, FeedEntry.value, FeedEntry.listed,
                           FeedEntry.changed_at)
                 .where(FeedEntry.feed == feed, FeedEntry.campaign_id.in_(ids[start:start + 500]))
                 .order_by(FeedEntry.seq))
        for cid, kind, value, listed, changed in session.execute(query):
            members, latest = found.get(cid, ([], changed))
            if listed:
                members.append((kind, value))
            found[cid] = (members, max(latest, changed))
    return found


def uncampaigned_days(session: Session, feed: str) -> Iterator[tuple[datetime, datetime, bool]]:
    """(first_seen, changed_at, listed) of every entry of `feed` without a campaign."""
    query = (sa.select(FeedEntry.first_seen, FeedEntry.changed_at, FeedEntry.listed)
             .where(FeedEntry.feed == feed, FeedEntry.campaign_id.is_(None)))
    yield from session.execute(query.execution_options(yield_per=BATCH))


def add_entry(session: Session, *, indicator_id: int, feed: str, type: str, value: str,  # noqa: A002
              confidence: float = 0.9, first_seen: datetime | None = None, last_seen: datetime | None = None,
              campaign_id: int | None = None, authority: str | None = None, listed: bool = True,
              host: str | None = None, changed_at: datetime | None = None) -> FeedEntry:
    """Write (or change) the entry of an indicator with the next seq, as the feed sweep does."""
    now = utcnow()
    seq = current_cursor(session) + 1
    entry = session.scalar(sa.select(FeedEntry).where(FeedEntry.indicator_id == indicator_id))
    if entry is None:
        entry = FeedEntry(indicator_id=indicator_id)
        session.add(entry)
    entry.feed, entry.type, entry.value, entry.host = feed, type, value, host
    entry.confidence, entry.campaign_id, entry.authority, entry.listed = confidence, campaign_id, authority, listed
    entry.first_seen = first_seen or entry.first_seen or now
    entry.last_seen = last_seen or entry.first_seen
    entry.seq, entry.changed_at = seq, changed_at or now
    session.flush()
    return entry


def add_entries(session: Session, rows: list[dict]) -> int:
    """Write many new entries at once (benchmarks), numbered after the cursor in list order;
    each dict holds add_entry's fields. Returns the cursor after them."""
    seq = current_cursor(session)
    now = utcnow()
    values = []
    for row in rows:
        seq += 1
        first = row.get("first_seen") or now
        values.append({"listed": True, "confidence": 0.9, "campaign_id": None, "authority": None, "host": None,
                       **row, "first_seen": first, "last_seen": row.get("last_seen") or first, "seq": seq,
                       "changed_at": row.get("changed_at") or now})
    session.execute(sa.insert(FeedEntry), values)
    return seq
