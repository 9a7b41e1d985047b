"""The outgoing feeds' formats: CSV, JSON, a plain URL list, a hosts file and a DNS RPZ zone.

Each is a generator of text chunks from an iterable of feed rows (anything with the attributes
of storage/feeds.FeedRow), linear in the rows and in constant memory: rows are read one at a
time and chunks of about CHUNK characters go out. Pure functions: no clock, no database.

- CSV: RFC 4180 (CRLF, quotes doubled), one header line; a cell starting with = + - @ TAB or CR
  is prefixed with ' so that a spreadsheet shows it instead of running it (E.164 phones thus
  read '+86...). Every row has an `action` (add | remove) so that full and incremental answers
  share a header.
- JSON: one object, {"feed", "cursor", "since", "generated_at", "entries": [...]}, streamed.
- txt: the URLs, one a line.
- hosts: `0.0.0.0 <host>` lines for valid host names only.
- RPZ: a zone for BIND's response policy (RFC draft-vixie-dnsop-dns-rpz): SOA and NS, then
  `<host> CNAME .` and `*.<host> CNAME .` (NXDOMAIN for the name and everything under it).

`dns_name(type, value, host)` decides which DNS name an entry blocks, if any: never an official
domain, a shared platform (a scam page on a shortener or free host blocks the URL, not the
site), a public suffix, an IP address or anything that is not a plain host name.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import orjson

from fraudwatch.indicators.normalize import registrable_domain, shared_site
from fraudwatch.indicators.official import match_namespace, match_official

CHUNK = 64 * 1024
CSV_COLUMNS = ("action", "seq", "type", "value", "host", "confidence", "first_seen", "last_seen", "valid_until",
               "campaign_id", "authority", "changed_at")
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"(?:{_LABEL}\.)+(?!\d+$){_LABEL}")  # two labels or more, the last not all digits
_FORMULA = frozenset(("=", "+", "-", "@", "\t", "\r"))
_UNSAFE_LINE = re.compile(r"[\x00-\x20\x7f]")
_QUOTE = re.compile(r'[",\r\n]')
MAX_DNS_NAME = 253


def valid_hostname(host: str | None, room: int = 0) -> bool:
    """A plain ASCII host name (letters, digits, hyphens; punycode for IDN) of two labels or more,
    fitting in a DNS name with `room` more characters (an RPZ origin) and a wildcard label."""
    return (isinstance(host, str) and len(host) + 2 + room <= MAX_DNS_NAME
            and _HOST.fullmatch(host) is not None)


def dns_name(kind: str, value: str, host: str | None) -> str | None:
    """The DNS name a blocklist may block for this entry, or None: a domain's registrable
    domain, a URL's host; never an official, shared, suffix-only or malformed name."""
    name = value if kind == "domain" else host if kind == "url" else None
    if not name or not valid_hostname(name):
        return None
    if match_official(name) or match_namespace(name) or shared_site(name):
        return None
    if registrable_domain("x." + name) == "x." + name:  # the name is itself a public suffix
        return None
    return name


def _when(value: datetime | str | None) -> str:
    """ISO 8601 in UTC to the second, `...Z` (text the database formatted so is kept as it is)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(timespec="seconds")[:19] + "Z"


def _field(text: str) -> str:
    """One CSV field of text: formula-safe, quoted (quotes doubled) when it holds , " CR or LF."""
    if text[:1] in _FORMULA:
        text = "'" + text
    return '"' + text.replace('"', '""') + '"' if _QUOTE.search(text) else text


def csv_chunks(rows: Iterable, valid_until=None) -> Iterator[str]:
    """The rows as RFC 4180 CSV with a header; `valid_until(row)` gives a row's expiry (or None).
    Lines are built here, not by the csv module: only the text fields can need quoting (the
    others are numbers, dates and fixed words), and that is a third of the time of a full feed."""
    def lines() -> Iterator[str]:
        yield ",".join(CSV_COLUMNS) + "\r\n"
        for row in rows:
            until = valid_until(row) if valid_until and row.listed else None
            host, authority, campaign = row.host, row.authority, row.campaign_id
            yield (f"{'add' if row.listed else 'remove'},{row.seq},{_field(row.type)},{_field(row.value)},"
                   f"{'' if host is None else _field(host)},{row.confidence:.4g},{_when(row.first_seen)},"
                   f"{_when(row.last_seen)},{_when(until)},{'' if campaign is None else int(campaign)},"
                   f"{'' if authority is None else _field(authority)},{_when(row.changed_at)}\r\n")
    return _lines(lines())


def entry_object(row, valid_until=None) -> dict:
    """One row as the JSON feeds show it."""
    until = valid_until(row) if valid_until and row.listed else None
    return {"action": "add" if row.listed else "remove", "seq": row.seq, "type": row.type, "value": row.value,
            "host": row.host, "confidence": row.confidence, "first_seen": _when(row.first_seen),
            "last_seen": _when(row.last_seen), "valid_until": _when(until) or None,
            "campaign_id": row.campaign_id, "authority": row.authority, "changed_at": _when(row.changed_at)}


def json_chunks(rows: Iterable, head: dict, valid_until=None) -> Iterator[str]:
    """One JSON object: `head` (feed, cursor, since...) then "entries", streamed."""
    opening = orjson.dumps(head).decode()

    def pieces() -> Iterator[str]:
        yield opening[:-1] + (',' if head else '') + '"entries":['
        separator = ""
        for row in rows:
            yield separator + orjson.dumps(entry_object(row, valid_until)).decode()
            separator = ","
        yield "]}\n"
    return _lines(pieces())


def _lines(lines: Iterable[str]) -> Iterator[str]:
    """The texts joined into chunks of about CHUNK characters (what a feed answer sends)."""
    parts, size = [], 0
    for line in lines:
        parts.append(line)
        size += len(line)
        if size >= CHUNK:
            yield "".join(parts)
            parts, size = [], 0
    yield "".join(parts)


def comment_header(prefix: str, title: str, facts: dict) -> str:
    """Comment lines (`prefix` each) naming the feed and its cursor; values on one line each."""
    lines = [f"{prefix} {title}"] + [f"{prefix} {k}: {_UNSAFE_LINE.sub(' ', str(v))}" for k, v in facts.items()]
    return "\n".join(lines) + "\n"


def url_chunks(rows: Iterable, header: str = "") -> Iterator[str]:
    """The URL entries' values, one a line (a value with a space or control character is skipped)."""
    yield header
    yield from _lines(row.value + "\n" for row in rows
                      if row.type == "url" and row.listed and not _UNSAFE_LINE.search(row.value))


def hosts_chunks(hosts: Iterable[str], header: str = "") -> Iterator[str]:
    """A hosts file: `0.0.0.0 <host>` for each valid host name (sorted input: duplicates dropped)."""
    yield header

    def lines() -> Iterator[str]:
        last = None
        for host in hosts:
            if host != last and valid_hostname(host) and not match_official(host):
                yield f"0.0.0.0 {host}\n"
            last = host

    yield from _lines(lines())


def rpz_origin(feed: str, public_host: str | None) -> str:
    """The zone's name: `<feed>.rpz.<public host>.` (`fraudwatch.invalid` without one)."""
    base = public_host if public_host and valid_hostname(public_host) else "fraudwatch.invalid"
    return f"{feed}.rpz.{base}."


def rpz_chunks(hosts: Iterable[str], origin: str, serial: int, header: str = "", ttl: int = 60) -> Iterator[str]:
    """An RPZ zone: SOA (serial from the cursor, modulo 2**32), NS, then NXDOMAIN (CNAME .) for
    each host and everything under it. Names that would not fit under `origin` are left out."""
    serial = serial % 2**32 or 1
    yield (header + f"$TTL {ttl}\n$ORIGIN {origin}\n"
           f"@ SOA localhost. hostmaster.localhost. {serial} 3600 600 604800 {ttl}\n@ NS localhost.\n")
    room = len(origin)

    def lines() -> Iterator[str]:
        last = None
        for host in hosts:
            if host != last and valid_hostname(host, room) and not match_official(host):
                yield f"{host} CNAME .\n*.{host} CNAME .\n"
            last = host

    yield from _lines(lines())
