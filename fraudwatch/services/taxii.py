"""TAXII 2.1 reading of the feeds' STIX objects (services/stix_export.py): one collection per
feed, pages of objects or of their manifest with `added_after`, `limit`, `next` and the
`match[...]` filters.

A collection holds the current version of each object only, so `match[version]` accepts `last`,
`first`, `all` (the same single version) or a timestamp equal to it. `next` is where the page
stopped in the feed's sequence: `<seq>.<index>` of the first object not returned."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from fraudwatch.exceptions import Invalid
from fraudwatch.publish import stix
from fraudwatch.services.stix_export import FEEDS, Placed, feed_sequence

API_ROOT = "fraudwatch"
DEFAULT_LIMIT = 500
MAX_LIMIT = 2000
MAX_MATCHES = 100
_NEXT = re.compile(r"(\d{1,18})\.(\d{1,3})")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]00:00)")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,60}--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TYPE = re.compile(r"[a-z0-9][a-z0-9-]{1,249}")


def collection_id(feed: str) -> str:
    """The collection of `feed` (a fixed UUID)."""
    return str(uuid.uuid5(stix.NAMESPACE, f"taxii-collection|{feed}"))


COLLECTIONS = {collection_id(feed): feed for feed in FEEDS}


@dataclass(frozen=True)
class Query:
    """What a request asked of a collection, checked."""

    added_after: datetime | None = None
    limit: int = DEFAULT_LIMIT
    position: tuple[int, int] = (0, 0)
    ids: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    version: str = "last"


@dataclass(frozen=True)
class Page:
    """Objects of one answer, whether more follow, and where to resume."""

    items: list[Placed]
    more: bool
    next: str | None


def taxii_time(moment: datetime) -> str:
    """A TAXII timestamp with microseconds (what `added_after` may be given back)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str, field: str) -> datetime:
    """An RFC 3339 UTC timestamp, or Invalid naming `field`."""
    if len(text) > 40 or not _TIMESTAMP.fullmatch(text):
        raise Invalid(f"{field} must be an RFC 3339 UTC timestamp", fields={field: "invalid"})
    head, _, rest = text.partition(".")
    fraction = re.match(r"\d*", rest).group(0)[:6] if rest else ""
    base = datetime.strptime(head[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return base.replace(microsecond=int(fraction.ljust(6, "0"))) if fraction else base


def _listed(values: list[str], pattern: re.Pattern, field: str) -> frozenset[str]:
    found = {part for value in values for part in value.split(",")}
    if len(found) > MAX_MATCHES or not all(pattern.fullmatch(v) for v in found):
        raise Invalid(f"{field} takes at most {MAX_MATCHES} comma-separated values", fields={field: "invalid"})
    return frozenset(found)


def parse_query(args: dict[str, list[str]], *, allow: tuple[str, ...]) -> Query:
    """Check a request's query arguments (name -> values); unknown or malformed ones are Invalid."""
    unknown = sorted(set(args) - set(allow))
    if unknown:
        raise Invalid(f"unknown parameter: {unknown[0][:40]}", fields={unknown[0][:40]: "unknown"})
    single = {name: values[-1] for name, values in args.items() if values}
    if any(len(values) > 1 for name, values in args.items() if not name.startswith("match[")):
        raise Invalid("a parameter was given twice", fields={"query": "repeated"})
    limit = DEFAULT_LIMIT
    if "limit" in single:
        if not single["limit"].isdigit() or not 1 <= int(single["limit"][:6]) <= MAX_LIMIT:
            raise Invalid(f"limit must be 1 to {MAX_LIMIT}", fields={"limit": "invalid"})
        limit = int(single["limit"])
    position = (0, 0)
    if "next" in single:
        found = _NEXT.fullmatch(single["next"])
        if not found:
            raise Invalid("next is not a token this server gave", fields={"next": "invalid"})
        position = (int(found.group(1)), int(found.group(2)))
    version = single.get("match[version]", "last")
    if version not in ("last", "first", "all"):
        parse_time(version, "match[version]")
    spec = single.get("match[spec_version]", stix.SPEC)
    if spec != stix.SPEC:
        raise Invalid("only spec_version 2.1 is held", fields={"match[spec_version]": "invalid"})
    return Query(added_after=parse_time(single["added_after"], "added_after") if "added_after" in single else None,
                 limit=limit, position=position, ids=_listed(args.get("match[id]", []), _ID, "match[id]"),
                 types=_listed(args.get("match[type]", []), _TYPE, "match[type]"), version=version)


def _version(obj: dict) -> str:
    return obj.get("modified") or obj["created"]


def _wanted(placed: Placed, query: Query) -> bool:
    obj = placed.obj
    if query.added_after is not None and placed.added <= query.added_after:
        return False
    if query.ids and obj["id"] not in query.ids:
        return False
    if query.types and obj["type"] not in query.types:
        return False
    return query.version in ("last", "first", "all") or _version(obj) == query.version


def page(session: Session, feed: str, query: Query) -> Page:
    """One page of `feed`'s collection for `query`."""
    start, skip = query.position
    sequence = feed_sequence(session, feed, after_seq=max(start - 1, 0), header=start == 0,
                             changed_after=query.added_after)
    items: list[Placed] = []
    for placed in sequence:
        if placed.seq == start and placed.index < skip or not _wanted(placed, query):
            continue
        if len(items) == query.limit:
            return Page(items, True, f"{placed.seq}.{placed.index}")
        items.append(placed)
    return Page(items, False, None)


def envelope(result: Page) -> dict:
    """The TAXII envelope of a page of objects."""
    body: dict = {"more": result.more, "objects": [placed.obj for placed in result.items]}
    if result.next:
        body["next"] = result.next
    return body


def manifest(result: Page) -> dict:
    """The TAXII manifest of a page: id, date added, version and media type of each object."""
    body: dict = {"more": result.more, "objects": [
        {"id": p.obj["id"], "date_added": taxii_time(p.added), "version": _version(p.obj),
         "media_type": stix.MEDIA_TYPE} for p in result.items]}
    if result.next:
        body["next"] = result.next
    return body
