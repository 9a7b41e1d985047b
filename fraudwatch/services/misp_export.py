"""The confirmed feed as a MISP feed (publish/misp.py): the events index behind manifest.json,
hashes.csv and each event's file; and the official allowlist as a MISP warninglist."""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from fraudwatch.indicators.official import DATA_DIR, official_domains
from fraudwatch.publish import misp
from fraudwatch.services.stix_export import batches, entry_of, state_tag
from fraudwatch.storage import feed_objects

FEED = "confirmed"  # MISP feeds are read without a key: the public feed only
_CACHE: dict[str, dict] = {}  # state tag -> the events index of that state


@dataclass(frozen=True)
class EventRef:
    """An event of the feed: a campaign's (campaign_id set) or a day's (day set)."""

    uuid: str
    info: str
    day: date
    changed: datetime
    campaign_id: int | None = None


def events(session: Session) -> dict[str, EventRef]:
    """Every event of the feed, by uuid (kept per process until an entry or a campaign changes:
    a MISP instance fetching every event file does not rebuild it for each)."""
    tag = f"{session.get_bind().url}|{state_tag(session, 'misp-events', None)}"
    cached = _CACHE.get(tag)
    if cached is None:
        cached = _events(session)
        _CACHE.clear()
        _CACHE[tag] = cached
    return cached


def _events(session: Session) -> dict[str, EventRef]:
    found: dict[str, EventRef] = {}
    last = feed_objects.campaign_last_changes(session, FEED)
    for cid, campaign in feed_objects.campaigns_by_id(session, sorted(last)).items():
        event_id = misp.event_uuid("campaign", campaign.key)
        found[event_id] = EventRef(event_id, misp.campaign_info(campaign.id, tuple(campaign.authorities or ())),
                                   campaign.first_seen.date(), max(last[cid][1], campaign.updated_at), cid)
    days: dict[date, datetime] = {}
    for first_seen, changed_at, _listed in feed_objects.uncampaigned_days(session, FEED):
        day = first_seen.astimezone(UTC).date()
        days[day] = max(days.get(day, changed_at), changed_at)
    for day, changed in days.items():
        event_id = misp.event_uuid("day", day.isoformat())
        found[event_id] = EventRef(event_id, misp.day_info(day), day, changed)
    return found


def manifest(session: Session) -> dict:
    """manifest.json: event uuid -> summary."""
    return {ref.uuid: misp.summary(ref.info, ref.day, ref.changed)
            for ref in sorted(events(session).values(), key=lambda r: (r.day, r.uuid))}


def event(session: Session, event_id: str) -> dict | None:
    """The file of one event, or None."""
    ref = events(session).get(event_id)
    if ref is None:
        return None
    if ref.campaign_id is not None:
        rows = feed_objects.iter_rows(session, FEED, campaign=ref.campaign_id)
    else:
        start = datetime(ref.day.year, ref.day.month, ref.day.day, tzinfo=UTC)
        rows = feed_objects.iter_rows(session, FEED, uncampaigned=(start, start + timedelta(days=1)))
    return misp.event(ref.uuid, ref.info, ref.day, ref.changed, [entry_of(row) for row in rows])


def hash_lines(session: Session) -> Iterator[str]:
    """hashes.csv: one line per live attribute (no transaction held between pages of the stream)."""
    keys = {cid: c.key for cid, c in feed_objects.campaigns_by_id(
        session, sorted(feed_objects.campaign_last_changes(session, FEED))).items()}
    session.rollback()
    for batch in batches(feed_objects.iter_rows(session, FEED, listed_only=True)):
        session.rollback()
        lines = []
        for row in batch:
            if row.type not in misp.ATTRIBUTES or row.campaign_id is not None and row.campaign_id not in keys:
                continue  # no attribute for the type, or its campaign is gone: in no event
            if row.campaign_id is not None:
                event_id = misp.event_uuid("campaign", keys[row.campaign_id])
            else:
                event_id = misp.event_uuid("day", row.first_seen.astimezone(UTC).date().isoformat())
            lines.append(misp.hash_line(row.value, event_id))
        yield "".join(lines)


def warninglist() -> dict:
    """The official allowlist as a MISP warninglist; its version is the data's modification time
    (YYYYMMDDHHMM, UTC), so a changed list has a higher version."""
    newest = os.stat(DATA_DIR / "domains.csv").st_mtime
    version = int(datetime.fromtimestamp(newest, UTC).strftime("%Y%m%d%H%M"))
    return misp.warninglist([domain for domain, _authority in official_domains()], version)
