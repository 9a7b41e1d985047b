"""The JSON feeds: URLhaus JSON, PhishTank JSON, MISP events and STIX 2.1 bundles.

JSON is read whole (at most MAX_JSON_BYTES) but decoded one entry at a time: the cursor walks
the top-level object or array and `raw_decode`s each member, so memory holds the text and one
entry, a bad entry's error names its line, and an entry nested past Python's recursion limit
is a bad row ("bad JSON"), not a crash. After a syntax error the rest cannot be told apart, so
reading stops there (what came before is kept); an error before the first entry (of an array) is fatal.

Shapes read:
- URLhaus JSON: the dump (`{"<id>": [{"url": ..., "url_status": ..., ...}], ...}`), the API's
  answer (`{"query_status": "ok", "urls": [{"id": ..., "url": ...}, ...]}`) or a bare array of
  entries.
- PhishTank JSON: an array of `{"phish_id", "url", ...}`.
- MISP: one event (`{"Event": {...}}`) or an array of them; `Attribute`s of the event and of its
  `Object`s with types url/uri, domain/hostname/domain|ip, email-src/email/email-dst/
  email-reply-to, phone-number/whois-registrant-phone, ip-src/ip-dst (and |port): the IP as a
  domain-type indicator. Attributes with `to_ids: false`, deleted ones and other types are
  skipped (context, not indicators). A feed's manifest.json is read by `manifest_events`.
- STIX 2.1: a bundle's `indicator` objects with a STIX pattern (see `pattern_values`); revoked
  and expired (`valid_until` past) indicators and other objects are skipped.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from fraudwatch.messages.records import IngestFileError
from fraudwatch.services.imports.feeds import Candidate, Tally

MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_PATTERN = 65_536
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
MISP_TYPES = {"url": "url", "uri": "url", "domain": "domain", "hostname": "domain", "domain|ip": "domain",
              "email": "email", "email-src": "email", "email-dst": "email", "email-reply-to": "email",
              "phone-number": "phone", "whois-registrant-phone": "phone", "ip-src": "domain", "ip-dst": "domain",
              "ip-src|port": "domain", "ip-dst|port": "domain"}
STIX_PATHS = {"url:value": "url", "domain-name:value": "domain", "email-addr:value": "email",
              "email-message:from_ref.value": "email", "ipv4-addr:value": "domain", "ipv6-addr:value": "domain"}


class BadEntry(Exception):
    """The JSON cannot be read on from here."""


class Cursor:
    """A position in a JSON text, with the line it is on (counted as it moves: linear)."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.line, self._counted = text, 0, 1, 0
        self.entries = 0  # array elements reached: an error before the first is the whole input's

    def skip(self) -> str:
        """Skip white space; the next character ('' at the end)."""
        self.pos = _SPACE.match(self.text, self.pos).end()
        return self.text[self.pos:self.pos + 1]

    def where(self) -> int:
        """The line of the position."""
        self.line += self.text.count("\n", self._counted, self.pos)
        self._counted = self.pos
        return self.line

    def take(self, char: str) -> None:
        if self.skip() != char:
            raise BadEntry(f"expected {char!r}")
        self.pos += 1

    def value(self) -> object:
        """Decode the value at the position (one entry)."""
        self.skip()
        try:
            value, self.pos = _DECODER.raw_decode(self.text, self.pos)
        except (ValueError, RecursionError) as exc:
            raise BadEntry(str(exc) if isinstance(exc, ValueError) else "nested too deep") from None
        return value

    def items(self) -> Iterator[int]:
        """Walk an array: yields the line of each element with the cursor on it (the caller
        decodes or walks it before asking for the next)."""
        self.take("[")
        if self.skip() == "]":
            self.pos += 1
            return
        while True:
            self.skip()
            self.entries += 1
            yield self.where()
            following = self.skip()
            self.pos += 1
            if following == "]":
                return
            if following != ",":
                raise BadEntry("expected ',' or ']'")

    def members(self) -> Iterator[str]:
        """Walk an object: yields each key with the cursor on its value (decode or walk it)."""
        self.take("{")
        if self.skip() == "}":
            self.pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise BadEntry("an object key is not a string")
            self.take(":")
            self.skip()
            yield key
            following = self.skip()
            self.pos += 1
            if following == "}":
                return
            if following != ",":
                raise BadEntry("expected ',' or '}'")


def read_text(stream: BinaryIO, limit: int = MAX_JSON_BYTES) -> str:
    """The stream's text, at most `limit` bytes (IngestFileError beyond)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise IngestFileError("file_too_large", f"a JSON feed is read whole: at most {limit} bytes")
    return data.decode("utf-8", "replace").lstrip("\ufeff")


def parse_json(stream: BinaryIO, fmt: str, tally: Tally) -> Iterator[Candidate]:
    """The candidates of a JSON feed of `fmt` (read the module's docstring for the shapes)."""
    cursor = Cursor(read_text(stream))
    walk = {"urlhaus_json": _urlhaus, "phishtank_json": _phishtank, "misp": _misp, "stix": _stix}[fmt]
    try:
        yield from walk(cursor, tally)
    except BadEntry as exc:
        if not cursor.entries and not tally.rows:
            raise IngestFileError("bad_json", f"not a {fmt} feed: bad JSON at line {cursor.where()}: {exc}") from None
        tally.rows += 1
        tally.refuse(cursor.where(), "bad JSON", f"{exc}: {cursor.text[cursor.pos:cursor.pos + 120]}")


def _entry_url(line: int, entry: object, tally: Tally, key: str = "url") -> Iterator[Candidate]:
    tally.rows += 1
    if not isinstance(entry, dict):
        tally.refuse(line, "not an entry", json.dumps(entry)[:200] if not isinstance(entry, (dict, list)) else "[...]")
    elif not isinstance(entry.get(key), str) or not entry[key].strip():
        tally.refuse(line, f"no {key} field", _short(entry))
    else:
        yield Candidate(line, "url", entry[key].strip())


def _short(entry: dict) -> str:
    return ", ".join(f"{k}={str(v)[:40]}" for k, v in list(entry.items())[:6])


def _entries(cursor: Cursor, tally: Tally) -> Iterator[Candidate]:
    for line in cursor.items():
        yield from _entry_url(line, cursor.value(), tally)


def _urlhaus(cursor: Cursor, tally: Tally) -> Iterator[Candidate]:
    if cursor.skip() == "[":
        yield from _entries(cursor, tally)
        return
    for key in cursor.members():
        if key == "urls" and cursor.skip() == "[":
            yield from _entries(cursor, tally)
            continue
        line = cursor.where()
        value = cursor.value()
        if key == "query_status":
            if value not in ("ok", "no_results"):
                raise BadEntry(f"query_status {str(value)[:80]!r}")
            continue
        for entry in value if isinstance(value, list) else [value]:  # the dump: id -> [entries]
            yield from _entry_url(line, entry, tally)


def _phishtank(cursor: Cursor, tally: Tally) -> Iterator[Candidate]:
    if cursor.skip() != "[":
        raise BadEntry("a PhishTank JSON feed is an array")
    yield from _entries(cursor, tally)


def _misp(cursor: Cursor, tally: Tally) -> Iterator[Candidate]:
    if cursor.skip() == "[":
        for line in cursor.items():
            yield from _misp_event(line, cursor.value(), tally)
        return
    for key in cursor.members():
        line = cursor.where()
        value = cursor.value()
        if key == "Event":
            yield from _misp_event(line, {"Event": value}, tally)
        elif key == "response" and isinstance(value, list):  # a MISP search answer
            for event in value:
                yield from _misp_event(line, event, tally)
        elif isinstance(value, dict) and "info" in value:
            raise IngestFileError("misp_manifest", "a MISP feed's manifest.json: give its folder or URL")


def _misp_event(line: int, wrapper: object, tally: Tally) -> Iterator[Candidate]:
    event = wrapper.get("Event") if isinstance(wrapper, dict) else None
    if not isinstance(event, dict):
        tally.rows += 1
        tally.refuse(line, "not a MISP event", "")
        return
    attributes = list(_list(event.get("Attribute")))
    for obj in _list(event.get("Object")):
        if isinstance(obj, dict) and not obj.get("deleted"):
            attributes += _list(obj.get("Attribute"))
    for attribute in attributes:
        yield from _misp_attribute(line, attribute, tally)


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _misp_attribute(line: int, attribute: object, tally: Tally) -> Iterator[Candidate]:
    if not isinstance(attribute, dict) or not isinstance(attribute.get("type"), str):
        tally.rows += 1
        tally.refuse(line, "not a MISP attribute", "")
        return
    kind = MISP_TYPES.get(attribute["type"])
    if kind is None or attribute.get("deleted") or attribute.get("to_ids") in (False, 0, "0", "false"):
        tally.skipped += 1
        return
    tally.rows += 1
    value = attribute.get("value")
    if not isinstance(value, str) or not value.strip():
        tally.refuse(line, "no value", _short(attribute))
        return
    value = value.strip()
    if "|" in attribute["type"]:
        value = value.split("|", 1)[0]
    yield Candidate(line, kind, value)


def manifest_events(stream: BinaryIO) -> list[str]:
    """The event uuids a MISP feed's manifest.json lists (IngestFileError when it is not one)."""
    cursor = Cursor(read_text(stream))
    uuids = []
    try:
        for key in cursor.members():
            cursor.value()
            if re.fullmatch(r"[0-9a-fA-F-]{36}", key):
                uuids.append(key.lower())
    except BadEntry as exc:
        raise IngestFileError("bad_json", f"not a MISP manifest: {exc}") from None
    return uuids


def _stix(cursor: Cursor, tally: Tally) -> Iterator[Candidate]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    bundle = False
    for key in cursor.members():
        if key == "objects" and cursor.skip() == "[":
            for line in cursor.items():
                yield from _stix_object(line, cursor.value(), tally, now)
            continue
        value = cursor.value()
        bundle = bundle or (key == "type" and value == "bundle")
    if not bundle:
        raise IngestFileError("wrong_format", "not a STIX bundle (no \"type\": \"bundle\")")


def _stix_object(line: int, obj: object, tally: Tally, now: str) -> Iterator[Candidate]:
    if not isinstance(obj, dict) or obj.get("type") != "indicator":
        tally.skipped += 1
        return
    if obj.get("revoked") is True or (isinstance(obj.get("valid_until"), str) and obj["valid_until"][:19] < now):
        tally.skipped += 1
        return
    tally.rows += 1
    pattern = obj.get("pattern")
    if obj.get("pattern_type", "stix") != "stix" or not isinstance(pattern, str):
        tally.refuse(line, "not an indicator pattern", str(obj.get("pattern_type")))
        return
    if len(pattern) > MAX_PATTERN:
        tally.refuse(line, "too long", pattern)
        return
    values = pattern_values(pattern)
    if values is None:
        tally.refuse(line, "not an indicator pattern", pattern)
        return
    if not values:
        tally.refuse(line, "no supported object in the pattern", pattern)
        return
    for kind, value in values:
        yield Candidate(line, kind, value)


def _tokens(pattern: str) -> Iterator[tuple[str, str]]:
    """(kind, text) tokens of a STIX pattern in one pass: punctuation, 'strings' (\\' and \\\\
    escapes), operators (= != < > ...) and words (paths, keywords)."""
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char in " \t\r\n":
            i += 1
        elif char in "[]()":
            yield char, char
            i += 1
        elif char == "'":
            out, i = [], i + 1
            while i < n and pattern[i] != "'":
                if pattern[i] == "\\" and i + 1 < n:
                    i += 1
                out.append(pattern[i])
                i += 1
            if i >= n:
                yield "bad", "unterminated string"
                return
            yield "str", "".join(out)
            i += 1
        elif char in "=!<>":
            start = i
            while i < n and pattern[i] in "=!<>":
                i += 1
            yield "op", pattern[start:i]
        else:
            start = i
            while i < n and pattern[i] not in " \t\r\n[]()'=!<>":
                i += 1
            yield "word", pattern[start:i]


def pattern_values(pattern: str) -> list[tuple[str, str]] | None:
    """The (indicator type, value) pairs of a STIX pattern made of `path = 'value'` comparisons
    joined by OR, inside and between observation brackets (parentheses allowed): any one of them
    is the indicator. None for any other pattern (AND, FOLLOWEDBY, qualifiers, other operators):
    those do not name standalone values. Comparisons of paths other than URL, domain, e-mail and
    IP values are left out. One pass over the text, no backtracking."""
    found: list[tuple[str, str]] = []
    state, depth, in_obs, path = "start", 0, False, ""
    for kind, text in _tokens(pattern):
        if kind == "(" and state in ("start", "path"):
            depth += 1
        elif kind == ")" and state == "after" and depth > 0:
            depth -= 1
        elif kind == "[" and state == "start" and not in_obs:
            in_obs, state = True, "path"
        elif kind == "word" and state == "path" and ":" in text:
            path, state = text, "op"
        elif kind == "op" and text == "=" and state == "op":
            state = "value"
        elif kind == "str" and state == "value":
            if path in STIX_PATHS:
                found.append((STIX_PATHS[path], text))
            state = "after"
        elif kind == "]" and state == "after" and in_obs:
            in_obs = False
        elif kind == "word" and text == "OR" and state == "after":
            state = "path" if in_obs else "start"
        else:
            return None
    return found if state == "after" and depth == 0 and not in_obs else None
