"""MISP's feed format for the confirmed indicators, and the official tax-domain allowlist as a MISP
warninglist. Pure functions of plain records (no Flask, database or Redis).

A MISP feed is a folder: `manifest.json` (event uuid -> the event's summary), `hashes.csv` (md5
of each attribute value, event uuid) and one `<event uuid>.json` per event ({"Event": {...}}).
fraudwatch writes one event per campaign and, for indicators in no campaign, one event per UTC
day they were first seen in (a day's event stops growing once the day is over, so MISP
instances re-fetch little). A removed indicator stays in its event with `deleted: true`, which
MISP applies to its copy on the next fetch; hashes.csv lists the live attributes only."""
from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime

from fraudwatch.publish.stix import NAMESPACE, Entry

ORG = {"name": "fraudwatch", "uuid": str(uuid.uuid5(NAMESPACE, "misp-org|fraudwatch"))}
TLP_TAG = {"name": "tlp:clear", "colour": "#ffffff", "exportable": True}
# fraudwatch indicator type -> (MISP attribute type, category, to_ids)
ATTRIBUTES = {"url": ("url", "Network activity", True), "domain": ("domain", "Network activity", True),
              "email": ("email-src", "Payload delivery", True), "phone": ("phone-number", "Financial fraud", False)}
THREAT_LEVEL = "2"  # medium
ANALYSIS = "2"  # completed: confirmed by an officer
WARNING_ATTRIBUTES = ["domain", "hostname", "url", "uri", "domain|ip", "hostname|port", "email-src", "email-dst",
                      "email-reply-to", "link"]


def event_uuid(kind: str, key: str) -> str:
    """The uuid of the event of a campaign (kind "campaign", its key) or of a day ("day", ISO date)."""
    return str(uuid.uuid5(NAMESPACE, f"misp-event|{kind}|{key}"))


def _epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def attribute(entry: Entry) -> dict | None:
    """The attribute of an entry (None for a type MISP has no attribute for, e.g. company)."""
    mapped = ATTRIBUTES.get(entry.type)
    if mapped is None:
        return None
    kind, category, to_ids = mapped
    first = entry.first_seen.isoformat(timespec="microseconds")
    last = max(entry.last_seen, entry.first_seen).isoformat(timespec="microseconds")
    found = {"uuid": str(uuid.uuid5(NAMESPACE, f"misp-attribute|{entry.type}|{entry.value}")), "type": kind,
             "category": category, "value": entry.value, "to_ids": to_ids and entry.listed,
             "timestamp": _epoch(entry.changed_at), "comment": _comment(entry), "first_seen": first,
             "last_seen": last, "disable_correlation": False, "deleted": not entry.listed}
    return found


def _comment(entry: Entry) -> str:
    text = f"confidence {max(0, min(100, round(entry.confidence * 100)))}"
    return text + (f"; impersonates {entry.authority}" if entry.authority else "")


def summary(info: str, day: date, changed: datetime) -> dict:
    """An event's entry in manifest.json (without its uuid)."""
    return {"Orgc": dict(ORG), "Tag": [dict(TLP_TAG)], "info": info, "date": day.isoformat(),
            "analysis": ANALYSIS, "threat_level_id": THREAT_LEVEL, "timestamp": _epoch(changed)}


def event(event_id: str, info: str, day: date, changed: datetime, entries: list[Entry]) -> dict:
    """An event's file: {"Event": {...}} with its attributes."""
    attributes = [a for a in map(attribute, entries) if a is not None]
    return {"Event": {"uuid": event_id, "info": info, "date": day.isoformat(), "threat_level_id": THREAT_LEVEL,
                      "analysis": ANALYSIS, "published": True, "timestamp": _epoch(changed),
                      "publish_timestamp": _epoch(changed), "Orgc": dict(ORG), "Tag": [dict(TLP_TAG)],
                      "Attribute": attributes}}


def campaign_info(campaign_number: int, authorities: tuple[str, ...]) -> str:
    """The `info` of a campaign's event (named by number: a campaign title may quote a report)."""
    text = f"fraudwatch campaign {campaign_number}: tax-impersonation scam indicators"
    return text + (f" (impersonating {', '.join(authorities)})" if authorities else "")


def day_info(day: date) -> str:
    """The `info` of the event of a day's indicators in no campaign."""
    return f"fraudwatch: tax-impersonation scam indicators first seen on {day.isoformat()} (no campaign)"


def hash_line(value: str, event_id: str) -> str:
    """A hashes.csv line: md5 of the value, the event's uuid."""
    return f"{hashlib.md5(value.encode('utf-8'), usedforsecurity=False).hexdigest()},{event_id}\n"


def warninglist(domains: list[str], version: int) -> dict:
    """The official tax-authority domains as a MISP warninglist of type hostname (a listed domain
    matches itself and its subdomains)."""
    return {"name": "fraudwatch: official tax-authority domains",
            "version": version, "type": "hostname",
            "description": "Domains of tax authorities (fraudwatch's official allowlist): an attribute matching one "
                           "is most likely the real authority, not a scam",
            "matching_attributes": list(WARNING_ATTRIBUTES), "list": sorted(set(domains))}
