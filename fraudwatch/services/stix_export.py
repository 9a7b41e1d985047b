"""The feeds as STIX 2.1: bundles (`/feeds/<feed>.stix.json`, full or after a cursor) and the
object sequence the TAXII collections page through.

A feed's objects come in one order, that of its entries' cursor (`seq`): the producer identity
and the TLP marking first, then each entry's indicator (and its `indicates` relationship), and a
campaign with its report right after the campaign's last-changed entry, so that each object's
`date_added` (its entry's change time) never goes down along the sequence. A full bundle holds
the listed entries, each valid until its decay would end it (DECAY_* settings); an incremental
one (and a TAXII collection) also the removed ones, as versions with `valid_until` then."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy.orm import Session

from fraudwatch.indicators.decay import DecayModel
from fraudwatch.publish import stix
from fraudwatch.storage import feed_objects

FEEDS = ("confirmed", "suspected")
HEADER_ADDED = datetime(2026, 1, 1, tzinfo=UTC)  # date_added of the identity and the marking
FORMAT_VERSION = "1"  # part of every ETag: a change of the builders changes them all


@dataclass(frozen=True, slots=True)
class Placed:
    """An object of a feed's sequence: the entry it follows (seq, 0 for the header), its index
    there, and when the collection added it."""

    seq: int
    index: int
    added: datetime
    obj: dict


def state_tag(session: Session, feed: str, since: int | None) -> str:
    """An ETag of a STIX answer of `feed` after `since`: it changes with any entry or campaign."""
    text = "|".join((FORMAT_VERSION, feed, str(since), str(feed_objects.current_cursor(session)),
                     feed_objects.campaigns_version(session)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def entry_of(row, model: DecayModel | None = None) -> stix.Entry:
    """The builders' record of a feed_entries row (with its decay's end when `model` is given)."""
    expires = row.last_seen + model.max_age(row.type, row.confidence or 0.0) if model and row.listed else None
    return stix.Entry(row.seq, row.type, row.value, row.confidence or 0.0, row.first_seen, row.last_seen,
                      row.changed_at, row.campaign_id, row.authority, bool(row.listed), expires)


def _campaign_info(base: stix.CampaignInfo, members: tuple[list[tuple[str, str]], datetime] | None,
                   changed: datetime) -> stix.CampaignInfo:
    listed, latest = members or ([], changed)
    return stix.CampaignInfo(base.id, base.key, base.kind, base.first_seen, base.last_seen, base.updated_at,
                             base.authorities, tuple(listed), latest)


def batches(rows: Iterator, size: int = feed_objects.BATCH) -> Iterator[list]:
    """`rows` in lists of `size` (the last one shorter)."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def feed_sequence(session: Session, feed: str, *, after_seq: int = 0, until_seq: int | None = None,
                  listed_only: bool = False, changed_after: datetime | None = None,
                  header: bool = True) -> Iterator[Placed]:
    """The objects of `feed` whose entries come after `after_seq`, in sequence order. Between
    batches no transaction is open (a slow reader of a stream pins no connection nor lock)."""
    if header and after_seq == 0:
        for index, obj in enumerate(stix.header_objects(feed)):
            yield Placed(0, index, HEADER_ADDED, obj)
    last = feed_objects.campaign_last_changes(session, feed, after_seq=after_seq, until_seq=until_seq,
                                              listed_only=listed_only)
    known = {cid: stix.CampaignInfo(c.id, c.key, c.kind, c.first_seen, c.last_seen, c.updated_at,
                                    tuple(c.authorities or ()), (), c.updated_at)
             for cid, c in feed_objects.campaigns_by_id(session, sorted(last)).items()}
    session.rollback()
    model = DecayModel.from_config(current_app.config)
    entries = feed_objects.iter_rows(session, feed, after_seq=after_seq, until_seq=until_seq,
                                     listed_only=listed_only, changed_after=changed_after)
    for batch in batches(entries):
        # the campaigns whose last entry is in this batch close here: their members in one query
        closing = {row.seq: row.campaign_id for row in batch
                   if row.campaign_id in known and last[row.campaign_id][0] == row.seq}
        members = feed_objects.campaign_members(session, feed, sorted(closing.values())) if closing else {}
        session.rollback()
        placed: list[Placed] = []
        for row in batch:
            entry = entry_of(row, model)
            objects = stix.entry_objects(entry, feed, known)
            if entry.seq in closing:
                info = _campaign_info(known[entry.campaign_id], members.get(entry.campaign_id),
                                      last[entry.campaign_id][1])
                objects += [stix.campaign(info, feed), stix.report(info, feed)]
            placed += [Placed(entry.seq, index, entry.changed_at, obj) for index, obj in enumerate(objects)]
        yield from placed


def bundle_chunks(session: Session, feed: str, since: int | None, cursor: int) -> Iterator[bytes]:
    """The bundle of `feed` as of the cursor `cursor` (read by the caller and announced with the
    answer): its listed entries, or every change after the cursor `since`."""
    session.rollback()  # nothing held while the answer streams
    sequence = feed_sequence(session, feed, after_seq=since or 0, until_seq=cursor, listed_only=since is None)
    if since:
        sequence = _with_header(feed, sequence)
    return stix.bundle_chunks(stix.bundle_id(feed, since, cursor), (placed.obj for placed in sequence))


def cursor(session: Session) -> int:
    """The cursor of every feed now (what `?since=` takes)."""
    return feed_objects.current_cursor(session)


def _with_header(feed: str, sequence: Iterator[Placed]) -> Iterator[Placed]:
    for index, obj in enumerate(stix.header_objects(feed)):
        yield Placed(0, index, HEADER_ADDED, obj)
    yield from sequence
