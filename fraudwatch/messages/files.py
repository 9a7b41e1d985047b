"""Import messages from files: .eml, mbox, and SMS exports in CSV or JSONL.

`ingest_file(path)` yields a `Message` or a `MessageError` per message, so one broken
message never stops an import; a problem with the whole file (missing, too large,
unknown format) raises `IngestFileError`. Files are streamed, messages and fields are
size-bounded, and text in GBK / Big5 / wrong charsets is decoded like web pages.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import mailbox
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from fraudwatch.indicators.charset import decode_html
from fraudwatch.messages.mail import parse_email
from fraudwatch.messages.records import MAX_TEXT, IngestFileError, Message, MessageError, urls_in

log = logging.getLogger(__name__)

MAX_FILE = 512 * 1024 * 1024
MAX_MESSAGE = 10 * 1024 * 1024
MAX_LINE = 1024 * 1024
MAX_MESSAGES = 1_000_000
MAX_DATE = 200  # characters of a date field parsed (strptime matches patterns on it)
Item = Message | MessageError

SENDER_KEYS = ("sender", "from", "address", "number", "phone", "phone_number", "originator",
               "发件人", "发送人", "号码", "手机号", "来源")
TEXT_KEYS = ("text", "body", "content", "message", "msg", "sms", "短信内容", "内容", "正文")
DATE_KEYS = ("received_at", "date", "time", "timestamp", "received", "datetime", "sent_at",
             "时间", "日期", "接收时间")
SUBJECT_KEYS = ("subject", "title", "主题")


def detect_format(path: Path, head: bytes) -> str:
    """"eml", "mbox", "csv" or "jsonl", from the extension, else from the first bytes."""
    ext = path.suffix.lower().lstrip(".")
    if ext in ("eml", "mbox", "csv", "jsonl"):
        return ext
    if ext in ("ndjson", "json"):
        return "jsonl"
    if head.startswith(b"From "):
        return "mbox"
    if head.lstrip().startswith(b"{"):
        return "jsonl"
    first = head.split(b"\n", 1)[0].lower()
    if b"," in first and any(k.encode() in first for k in TEXT_KEYS[:4]):
        return "csv"
    if b":" in first and first.split(b":", 1)[0].strip().replace(b"-", b"").isalpha():
        return "eml"
    raise IngestFileError("unknown_format", f"cannot tell the format of {path.name}")


def ingest_file(path: str | os.PathLike[str], max_file: int = MAX_FILE) -> Iterator[Item]:
    """Yield every message of the file (or its error), in file order."""
    p = Path(path)
    try:
        size = p.stat().st_size
        with p.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise IngestFileError("unreadable", f"cannot read {p}: {exc.strerror}") from None
    if size > max_file:
        raise IngestFileError("file_too_large", f"{p.name} is {size} bytes (limit {max_file})")
    fmt = detect_format(p, head)
    reader = {"eml": _eml, "mbox": _mbox, "csv": _csv, "jsonl": _jsonl}[fmt]
    for n, item in enumerate(reader(p)):
        if n >= MAX_MESSAGES:
            yield MessageError(f"{p.name}#{n}", "too_large", f"more than {MAX_MESSAGES} messages")
            return
        yield item


def _email_item(data: bytes, source: str) -> Item:
    if len(data) > MAX_MESSAGE:
        return MessageError(source, "too_large", f"message of {len(data)} bytes")
    try:
        return parse_email(data, source)
    except Exception as exc:  # hostile MIME: report the message, keep importing
        return MessageError(source, "bad_message", f"{type(exc).__name__}: {exc}"[:300])


def _eml(p: Path) -> Iterator[Item]:
    with p.open("rb") as fh:
        data = fh.read(MAX_MESSAGE + 1)
    yield _email_item(data, p.name)


def _mbox(p: Path) -> Iterator[Item]:
    box = mailbox.mbox(p, factory=None, create=False)
    try:
        for i, key in enumerate(box.iterkeys()):
            try:
                data = box.get_bytes(key)
            except Exception as exc:
                yield MessageError(f"{p.name}#{i}", "bad_message", str(exc)[:300])
                continue
            yield _email_item(data, f"{p.name}#{i}")
    finally:
        box.close()


def _normalize_date(raw: object) -> str | None:
    if raw in (None, ""):
        return None
    text = str(raw)[:MAX_DATE].strip()
    if text.isdigit() and len(text) in (10, 13):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return datetime.fromtimestamp(seconds, tz=UTC).isoformat()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M",
                "%Y-%m-%d", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, fmt).isoformat()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return text[:64]


def _pick(row: dict, keys: tuple[str, ...]) -> object:
    lowered = {str(k).strip().lower().lstrip("\ufeff"): v for k, v in row.items() if k is not None}
    for key in keys:
        if lowered.get(key) not in (None, ""):
            return lowered[key]
    return None


def sms_from_row(row: dict, source: str, channel: str = "sms") -> Item:
    """A Message from one CSV row / JSON object, or a MessageError when it has no text."""
    text = _pick(row, TEXT_KEYS)
    if not isinstance(text, str) or not text.strip():
        return MessageError(source, "empty", "row has no message text (text/body/content column)")
    sender = _pick(row, SENDER_KEYS)
    subject = _pick(row, SUBJECT_KEYS)
    chan = _pick(row, ("channel", "type"))
    return Message(sender=str(sender or "")[:200], received_at=_normalize_date(_pick(row, DATE_KEYS)),
                   subject=str(subject or "")[:1000], text=text[:MAX_TEXT],
                   channel=chan if chan in ("sms", "email", "chat") else channel,
                   urls=urls_in(text[:MAX_TEXT]), source=source, truncated=len(text) > MAX_TEXT)


def _text_stream(p: Path) -> io.TextIOWrapper:
    with p.open("rb") as fh:
        sample = fh.read(65536)
    _, codec = decode_html(sample)
    codec = "utf-8-sig" if codec in ("utf-8", "utf-8-sig") else codec
    return p.open("r", encoding=codec, errors="replace", newline="")


def _csv(p: Path) -> Iterator[Item]:
    previous = csv.field_size_limit(MAX_LINE)  # module-global: restored when done
    try:
        yield from _csv_rows(p)
    finally:
        csv.field_size_limit(previous)


def _csv_rows(p: Path) -> Iterator[Item]:
    with _text_stream(p) as fh:
        reader = csv.DictReader(fh)
        i = 0
        while True:
            i += 1
            source = f"{p.name}:{i + 1}"
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield MessageError(source, "bad_row", str(exc)[:300])
                continue
            yield sms_from_row(row, source)


def _lines(fh: io.BufferedReader) -> Iterator[bytes | None]:
    """Lines of at most MAX_LINE bytes; None stands for an over-long line (skipped)."""
    while True:
        line = fh.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) <= MAX_LINE:
            yield line
            continue
        while line and not line.endswith(b"\n"):
            line = fh.readline(MAX_LINE + 1)
        yield None


def _jsonl(p: Path) -> Iterator[Item]:
    with p.open("rb") as fh:
        for i, line in enumerate(_lines(fh), 1):
            source = f"{p.name}:{i}"
            if line is None:
                yield MessageError(source, "too_large", f"line longer than {MAX_LINE} bytes")
                continue
            if not line.strip():
                continue
            text, _ = decode_html(line)
            try:
                obj = json.loads(text)
            except (ValueError, RecursionError) as exc:
                yield MessageError(source, "bad_json", str(exc)[:300])
                continue
            if not isinstance(obj, dict):
                yield MessageError(source, "bad_json", "line is not a JSON object")
                continue
            yield sms_from_row(obj, source)
