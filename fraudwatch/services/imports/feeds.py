"""Parsers of other services' feeds: URLhaus (CSV and JSON), PhishTank (CSV and JSON),
OpenPhish, MISP feeds and STIX 2.1 bundles (the JSON ones are in feed_json.py).

A parser reads a binary stream and yields `Candidate`s (line or entry number, indicator type,
raw value); `normalised` turns them into indicators. A row that is not usable is counted in a
`Tally` with its reason ("no url column", "not a URL", "private address", "too long", "bad
JSON", "not an indicator pattern"...) and a few samples (line, reason, text cut to
SAMPLE_CHARS) are kept; a bad row is never fatal. Only a whole input that is not the format
(a HTML page, a binary file, JSON given as CSV...) is refused, with an `IngestFileError`.

Work is linear in the input: text is read a bounded line at a time (a longer line is skipped
to its end and counted "too long"), JSON is decoded one entry at a time (feed_json.py), and
what is read in all is capped (MAX_FEED_BYTES, after gzip).
"""
from __future__ import annotations

import csv
import gzip
import io
import ipaddress
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, NamedTuple

from fraudwatch.indicators import MAX_VALUE_LENGTH, Normalized, normalize
from fraudwatch.messages.records import IngestFileError

FORMATS = ("urlhaus_csv", "urlhaus_json", "phishtank", "phishtank_json", "openphish", "misp", "stix")
MAX_FEED_BYTES = 256 * 1024 * 1024  # read from one feed (decompressed)
MAX_LINE = 16_384  # bytes of one line of a text feed
MAX_SAMPLES = 10
SAMPLE_CHARS = 200
HEAD = 65_536
URLHAUS_COLUMNS = ("id", "dateadded", "url", "url_status", "last_online", "threat", "tags", "urlhaus_link", "reporter")
PHISHTANK_COLUMNS = ("phish_id", "url", "phish_detail_url", "submission_time", "verified", "verification_time",
                     "online", "target")
NOT_KIND = {"url": "not a URL", "domain": "not a domain", "email": "not an e-mail address",
            "phone": "not a phone number"}
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


class Candidate(NamedTuple):
    """A value a feed names: where (line or entry number), its indicator type, the raw text."""

    line: int
    kind: str
    value: str


@dataclass
class Tally:
    """Rows read and refused (by reason), with a few samples of the refused ones."""

    rows: int = 0
    bad: int = 0
    reasons: Counter = field(default_factory=Counter)
    samples: list[dict] = field(default_factory=list)
    skipped: int = 0  # entries that are not indicators by design (MISP context, STIX non-indicators)

    def refuse(self, line: int, reason: str, text: object = "") -> None:
        """Count a bad row; keep it as a sample while there are fewer than MAX_SAMPLES."""
        self.bad += 1
        self.reasons[reason] += 1
        if len(self.samples) < MAX_SAMPLES:
            shown = text if isinstance(text, str) else repr(text)
            self.samples.append({"line": line, "reason": reason, "text": shown[:SAMPLE_CHARS]})


class Limited(io.RawIOBase):
    """A stream that refuses (IngestFileError file_too_large) to give more than `limit` bytes."""

    def __init__(self, inner: BinaryIO, limit: int = MAX_FEED_BYTES) -> None:
        self.inner, self.left, self.limit = inner, limit, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.inner.read(min(len(buffer), self.left + 1))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise IngestFileError("bad_gzip", f"the feed is not valid gzip: {exc}") from None
        if len(data) > self.left:
            raise IngestFileError("file_too_large", f"the feed is larger than {self.limit} bytes")
        self.left -= len(data)
        buffer[:len(data)] = data
        return len(data)


def open_stream(raw: BinaryIO, limit: int = MAX_FEED_BYTES) -> io.BufferedReader:
    """`raw` as a buffered stream, gunzipped when it is gzip, that refuses more than `limit` bytes."""
    buffered = io.BufferedReader(Limited(raw, limit), buffer_size=HEAD)
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        gunzipped = gzip.GzipFile(fileobj=buffered)  # type: ignore[arg-type]
        return io.BufferedReader(Limited(gunzipped, limit), buffer_size=HEAD)  # type: ignore[arg-type]
    return buffered


def head_of(stream: io.BufferedReader) -> bytes:
    """The first bytes of `stream` without consuming them, checked: not empty, not binary."""
    head = stream.peek(HEAD)[:HEAD]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise IngestFileError("empty", "the feed is empty")
    if b"\x00" in head:
        raise IngestFileError("binary_file", "the feed is not text (it holds NUL bytes)")
    return text


def refuse_markup(head: bytes, fmt: str) -> None:
    """A HTML or XML page (an error page, a login page) given for a feed: refused."""
    if head[:1] == b"<":
        raise IngestFileError("wrong_format", f"not a {fmt} feed: it is a HTML or XML page")


def sniff(head: bytes) -> str:
    """The feed format of a text head (for --format auto); IngestFileError when none fits."""
    refuse_markup(head, "known")
    if head[:1] in (b"{", b"["):
        for marker, fmt in ((b'"bundle"', "stix"), (b'"Event"', "misp"), (b'"phish_id"', "phishtank_json"),
                            (b'"urlhaus_link"', "urlhaus_json"), (b'"query_status"', "urlhaus_json")):
            if marker in head:
                return fmt
        if b'"info"' in head and b'"timestamp"' in head:
            return "misp"  # a MISP feed's manifest.json
        raise IngestFileError("unknown_format", "JSON of no known feed format")
    first = head.split(b"\n", 1)[0].strip()
    if b"urlhaus" in head[:4096].lower() or head.startswith(b"# id,dateadded") or b"\n# id,dateadded" in head:
        return "urlhaus_csv"
    if first.startswith(b"phish_id,"):
        return "phishtank"
    return "openphish"


def lines(stream: BinaryIO, tally: Tally) -> Iterator[tuple[int, str]]:
    """(line number, text without its end) of each line; a line over MAX_LINE bytes is read to
    its end in bounded pieces and counted as a bad row ("too long")."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while True:
                rest = stream.readline(HEAD)
                if not rest or rest.endswith(b"\n"):
                    break
            tally.rows += 1
            tally.refuse(number, "too long", line[:SAMPLE_CHARS].decode("utf-8", "replace"))
            continue
        yield number, line.decode("utf-8", "replace").rstrip("\r\n")


def _row(text: str) -> list[str]:
    """The fields of one CSV line (quoted fields, doubled quotes inside them)."""
    return next(csv.reader([text]), [])


def _header(fields: list[str]) -> dict[str, int]:
    return {name.strip().lower(): i for i, name in enumerate(fields)}


def csv_rows(stream: BinaryIO, tally: Tally, fmt: str, default: tuple[str, ...],
             commented_header: bool) -> Iterator[Candidate]:
    """The `url` column of a CSV feed. Lines starting with `#` are comments, but for a commented
    header (URLhaus: `# id,dateadded,url,...`); an uncommented first line naming a `url`
    column is the header too; without either, `default` names the columns."""
    columns: dict[str, int] | None = None
    for number, text in lines(stream, tally):
        stripped = text.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            fields = _row(stripped.lstrip("#").strip())
            if commented_header and columns is None and "url" in (f.strip().lower() for f in fields):
                columns = _header(fields)
            continue
        if columns is None:
            fields = _row(stripped)
            named = _header(fields)
            if "url" in named and not any(f.strip().lower().startswith(("http:", "https:")) for f in fields):
                columns = named
                continue
            columns = _header(list(default))
        tally.rows += 1
        fields = _row(stripped)
        index = columns.get("url")
        if index is None or index >= len(fields) or not fields[index].strip():
            tally.refuse(number, "no url column", stripped)
            continue
        yield Candidate(number, "url", fields[index].strip())


def url_list(stream: BinaryIO, tally: Tally) -> Iterator[Candidate]:
    """OpenPhish and other plain lists: one URL a line; blank lines and `#` comments skipped."""
    for number, text in lines(stream, tally):
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            tally.rows += 1
            yield Candidate(number, "url", stripped)


def parse(stream: io.BufferedReader, fmt: str, tally: Tally) -> Iterator[Candidate]:
    """The candidates of a feed of format `fmt` (one of FORMATS; "misp" here: one event or a
    manifest read as JSON). IngestFileError when the input as a whole is not that format."""
    from fraudwatch.services.imports import feed_json

    head = head_of(stream)
    refuse_markup(head, fmt)
    if fmt in ("urlhaus_csv", "phishtank", "openphish"):
        if head[:1] in (b"{", b"["):
            raise IngestFileError("wrong_format", f"not a {fmt} feed: it is JSON")
        if fmt == "openphish":
            return url_list(stream, tally)
        columns = URLHAUS_COLUMNS if fmt == "urlhaus_csv" else PHISHTANK_COLUMNS
        return csv_rows(stream, tally, fmt, columns, commented_header=fmt == "urlhaus_csv")
    if fmt not in FORMATS:
        raise IngestFileError("unknown_format", f"format must be one of {', '.join(FORMATS)}")
    if head[:1] not in (b"{", b"["):
        raise IngestFileError("wrong_format", f"not a {fmt} feed: it is not JSON")
    return feed_json.parse_json(stream, fmt, tally)


def public_problem(item: Normalized) -> str | None:
    """Why a host cannot be listed: "private address" (a non-global IP, localhost, a local name) or
    "not a URL" (a bare name); None when it can."""
    host = (item.host or "").strip("[]").lower()
    if not host:
        return None
    if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        return "private address"
    if "." not in host and ":" not in host:
        return NOT_KIND.get(item.type, f"not a {item.type}")  # a bare name (`http://row/`)
    if not (host[-1].isdigit() or ":" in host):
        return None  # a name, not an address (`ip_address` would raise for it, slowly)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return None if address.is_global else "private address"


def normalised(candidates: Iterable[Candidate], tally: Tally, region: str = "CN") -> Iterator[Normalized]:
    """The indicators of `candidates`, each refused one counted in `tally` with its reason."""
    for line, kind, value in candidates:
        if len(value) > MAX_VALUE_LENGTH:
            tally.refuse(line, "too long", value)
            continue
        try:
            item = normalize(kind, value, region)
        except ValueError:
            tally.refuse(line, NOT_KIND.get(kind, f"not a {kind}"), value)
            continue
        problem = public_problem(item)
        if problem:
            tally.refuse(line, problem, value)
            continue
        yield item
