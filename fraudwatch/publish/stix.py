"""STIX 2.1 objects of the outgoing feeds, written by hand as plain dicts and serialised with
orjson, not through the stix2 library's objects (a bundle of 10,000 indicators in well under 5 s).

Every id is derived from a uuid5 of a fixed namespace and what the object stands for, so the
same indicator, campaign or report of a feed keeps its id in every bundle and TAXII page; a new
version of it has a later `modified`. Indicators carry a STIX pattern (url, domain-name,
email-addr; phones, which have no STIX cyber-observable, as the custom observable
`x-fraudwatch-phone-number`; companies none), the feed's TLP marking (the STIX 2.1 predefined
TLP:WHITE, TLP 2.0's CLEAR, on the confirmed feed; TLP:AMBER on the suspected one) and
`confidence` 0-100. A listed indicator's `valid_until` is when its decay ends it unless it is
seen again (a new sighting is a new version, further out). A removal (dismissed, delisted,
expired) is a new version whose `valid_until` is the removal time: not `revoked`, which STIX
makes final, while an expired indicator sighted again comes back under the same id.

Pure functions of plain records: no Flask, database or Redis."""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson

NAMESPACE = uuid.UUID("6f0c2b0e-54a1-5d3c-9a57-1f7c4e0c2a11")  # fraudwatch's, for uuid5 ids
SPEC = "2.1"
MEDIA_TYPE = "application/stix+json;version=2.1"
PRODUCER_CREATED = "2026-01-01T00:00:00.000Z"
TLP_CREATED = "2017-01-20T00:00:00.000Z"
TLP = {  # the predefined STIX 2.1 TLP marking definitions (section 7.2.1.4), byte for byte
    "clear": ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "TLP:WHITE", "white"),
    "amber": ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "TLP:AMBER", "amber"),
}
FEED_TLP = {"confirmed": "clear", "suspected": "amber"}
# fraudwatch's indicator type -> the STIX observable and property its pattern compares
PATTERN_OBJECTS = {"url": "url:value", "domain": "domain-name:value", "email": "email-addr:value",
                   "phone": "x-fraudwatch-phone-number:value"}
NAME_CHARS = 300


def stix_id(kind: str, *parts: str) -> str:
    """A deterministic STIX id: the uuid5 of `kind|parts...` in NAMESPACE, its version bits set to
    4 (STIX 2.1 wants UUIDv4 ids for all but cyber-observables: the OASIS validator's strict mode
    refuses a version-5 one), so the same thing gets the same id everywhere."""
    digest = uuid.uuid5(NAMESPACE, "|".join((kind, *parts))).bytes
    return f"{kind}--{uuid.UUID(bytes=digest, version=4)}"


IDENTITY_ID = stix_id("identity", "fraudwatch")


@dataclass(frozen=True, slots=True)
class Entry:
    """An indicator as a feed publishes it (a feed_entries row)."""

    seq: int
    type: str
    value: str
    confidence: float
    first_seen: datetime
    last_seen: datetime
    changed_at: datetime
    campaign_id: int | None
    authority: str | None
    listed: bool
    expires: datetime | None = None  # a listed one's end of life by decay (unless sighted again)


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    """A fraudwatch campaign and its place in one feed: the indicators listed in it, and when it
    (or any of its indicators in that feed) last changed."""

    id: int
    key: str
    kind: str
    first_seen: datetime
    last_seen: datetime
    updated_at: datetime
    authorities: tuple[str, ...]
    members: tuple[tuple[str, str], ...]  # (type, value) of its listed indicators
    changed_at: datetime  # the latest change of its indicators in the feed


def timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, as STIX wants it."""
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:" \
           f"{moment.second:02d}.{moment.microsecond // 1000:03d}Z"


def pattern(kind: str, value: str) -> str | None:
    """The STIX pattern matching `value`, or None for a type no pattern fits (company, bank account).
    Inside the quoted literal only the quote and the backslash need (and allow) escaping."""
    path = PATTERN_OBJECTS.get(kind)
    if path is None:
        return None
    literal = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"[{path} = '{literal}']"


def indicator_id(feed: str, kind: str, value: str) -> str:
    """The id of the indicator of (type, value) in `feed`, the same in every bundle and page of
    that feed. Per feed: an indicator moving from suspected to confirmed ends (valid_until) in
    one and starts in the other, two objects that never share a version."""
    return stix_id("indicator", feed, kind, value)


def campaign_id(feed: str, key: str) -> str:
    """A campaign's id in a feed (each feed's copy carries that feed's marking)."""
    return stix_id("campaign", feed, key)


def relationship_id(source: str, target: str) -> str:
    """The id of `source indicates target`."""
    return stix_id("relationship", "indicates", source, target)


def producer() -> dict:
    """The identity that created every object: fraudwatch."""
    return {"type": "identity", "spec_version": SPEC, "id": IDENTITY_ID, "created": PRODUCER_CREATED,
            "modified": PRODUCER_CREATED, "name": "fraudwatch", "identity_class": "system",
            "description": "fraudwatch: reports, checks and feeds of tax-impersonation scams",
            "sectors": ["government"]}


def marking(feed: str) -> dict:
    """The predefined TLP marking definition of `feed`."""
    marking_id, name, colour = TLP[FEED_TLP[feed]]
    return {"type": "marking-definition", "spec_version": SPEC, "id": marking_id, "created": TLP_CREATED,
            "definition_type": "tlp", "name": name, "definition": {"tlp": colour}}


def marking_ref(feed: str) -> str:
    """The id of `feed`'s TLP marking definition."""
    return TLP[FEED_TLP[feed]][0]


def _short(text: str) -> str:
    return text if len(text) <= NAME_CHARS else text[:NAME_CHARS - 1] + "…"


def indicator(entry: Entry, feed: str) -> dict | None:
    """The indicator of `entry` (None for a type with no pattern)."""
    found = pattern(entry.type, entry.value)
    if found is None:
        return None
    created = timestamp(entry.first_seen)
    # a removal's version ends the indicator when it is made: valid_until = modified
    removed = None if entry.listed else max(entry.changed_at, entry.first_seen + timedelta(milliseconds=1))
    modified = timestamp(removed or max(entry.changed_at, entry.first_seen))
    obj = {"type": "indicator", "spec_version": SPEC, "id": indicator_id(feed, entry.type, entry.value),
           "created": created, "modified": modified, "created_by_ref": IDENTITY_ID,
           "name": _short(f"{entry.type}: {entry.value}"),
           "description": f"Tax-impersonation scam indicator ({feed})"
                          + (f", impersonating {entry.authority}" if entry.authority else ""),
           "indicator_types": ["malicious-activity"], "pattern": found, "pattern_type": "stix",
           "pattern_version": SPEC, "valid_from": created,
           "confidence": max(0, min(100, round(entry.confidence * 100))),
           "labels": ["tax-impersonation", feed], "object_marking_refs": [marking_ref(feed)]}
    if removed is not None:
        obj["valid_until"] = modified
    elif entry.expires is not None and entry.expires - entry.first_seen >= timedelta(milliseconds=1):
        obj["valid_until"] = timestamp(entry.expires)
    return obj


def campaign(info: CampaignInfo, feed: str) -> dict:
    """The campaign object of a fraudwatch campaign (named by number: a title may quote a report)."""
    created = timestamp(info.first_seen)
    obj = {"type": "campaign", "spec_version": SPEC, "id": campaign_id(feed, info.key), "created": created,
           "modified": timestamp(max(info.updated_at, info.first_seen)), "created_by_ref": IDENTITY_ID,
           "name": f"fraudwatch campaign {info.id}",
           "description": f"Tax-impersonation reports grouped by fraudwatch (by {info.kind})"
                          + (f"; impersonating {', '.join(info.authorities)}" if info.authorities else ""),
           "first_seen": created, "last_seen": timestamp(max(info.last_seen, info.first_seen)),
           "object_marking_refs": [marking_ref(feed)]}
    return obj


def report(info: CampaignInfo, feed: str) -> dict:
    """The campaign's report: the campaign, its listed indicators and their relationships."""
    target = campaign_id(feed, info.key)
    refs = [target]
    for kind, value in info.members:
        if kind in PATTERN_OBJECTS:
            source = indicator_id(feed, kind, value)
            refs.extend((source, relationship_id(source, target)))
    modified = timestamp(max(info.updated_at, info.changed_at, info.first_seen))
    return {"type": "report", "spec_version": SPEC, "id": stix_id("report", feed, info.key),
            "created": timestamp(info.first_seen), "modified": modified, "created_by_ref": IDENTITY_ID,
            "name": f"fraudwatch campaign {info.id}: indicators ({feed})", "report_types": ["campaign"],
            "published": modified, "object_refs": refs, "object_marking_refs": [marking_ref(feed)]}


def relationship(ind: dict, target: str, feed: str) -> dict:
    """`indicator indicates campaign`, versioned with the indicator."""
    return {"type": "relationship", "spec_version": SPEC, "id": relationship_id(ind["id"], target),
            "created": ind["created"], "modified": ind["modified"], "created_by_ref": IDENTITY_ID,
            "relationship_type": "indicates", "source_ref": ind["id"], "target_ref": target,
            "object_marking_refs": [marking_ref(feed)]}


def entry_objects(entry: Entry, feed: str, campaigns: dict[int, CampaignInfo]) -> list[dict]:
    """The indicator of `entry` and, while listed in a known campaign, its `indicates` relationship."""
    ind = indicator(entry, feed)
    if ind is None:
        return []
    info = campaigns.get(entry.campaign_id) if entry.campaign_id is not None else None
    if info is None or not entry.listed:
        return [ind]
    return [ind, relationship(ind, campaign_id(feed, info.key), feed)]


def header_objects(feed: str) -> list[dict]:
    """What every bundle of `feed` starts with: the producer and the marking definition."""
    return [producer(), marking(feed)]


def bundle_id(feed: str, since: int | None, cursor: int) -> str:
    """The id of the bundle of `feed` after `since` up to `cursor` (the same data, the same id)."""
    return stix_id("bundle", feed, str(since or 0), str(cursor))


def bundle_chunks(bundle: str, objects: Iterable[dict]) -> Iterator[bytes]:
    """A bundle as JSON chunks of about 1,000 objects: constant memory for any size."""
    yield b'{"type":"bundle","id":"' + bundle.encode() + b'","objects":['
    first, batch = True, []
    for obj in objects:
        batch.append(orjson.dumps(obj))
        if len(batch) >= 1000:
            yield (b"" if first else b",") + b",".join(batch)
            first, batch = False, []
    if batch:
        yield (b"" if first else b",") + b",".join(batch)
    yield b"]}"


def bundle_bytes(bundle: str, objects: Iterable[dict]) -> bytes:
    """A whole bundle as one JSON document."""
    return b"".join(bundle_chunks(bundle, objects))
