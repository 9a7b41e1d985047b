"""E-mail parsing for import: one RFC 822 message (bytes) into a `Message`.

Hostile input is normal: broken MIME, lying charsets, endless parts, HTML-only bodies.
Everything is bounded; any failure becomes a `ValueError` that the importer turns into
a per-message error. Every header is cut to MAX_RAW_HEADER characters as it is read (a
policy does it, also for the parser's own reads): the standard library's RFC 2047
decoding and parameter parsing are quadratic in a header's length (12 s for a 200 KB
subject of repeated `=?utf-8?q?a`, 0.8 s to parse a 40 KB Content-Type).
"""
from __future__ import annotations

import email
import email.policy
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from email.utils import parsedate_to_datetime

from bs4 import BeautifulSoup

from fraudwatch.indicators.charset import decode_html
from fraudwatch.messages.records import MAX_TEXT, Message, urls_in

MAX_PARTS = 50
MAX_HEADER = 1000
MAX_RAW_HEADER = 2 * MAX_HEADER  # encoded words and folding make a header longer than its text


class _BoundedHeaders(type(email.policy.compat32)):
    """compat32, with every header value cut to MAX_RAW_HEADER characters when it is read."""

    def header_fetch_parse(self, name: str, value: str):
        """The stored value, cut, as compat32 returns it."""
        return super().header_fetch_parse(name, value[:MAX_RAW_HEADER])


POLICY = _BoundedHeaders()


def _header(msg: EmailMessage, name: str) -> str:
    raw = msg.get(name)
    if raw is None:
        return ""
    try:
        value = str(make_header(decode_header(str(raw))))
    except (UnicodeError, LookupError, ValueError, email.errors.HeaderParseError):
        value = str(raw)
    return " ".join(value.split())[:MAX_HEADER]


def _date(msg: EmailMessage) -> str | None:
    raw = msg.get("Date")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(str(raw)).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _part_text(part: EmailMessage) -> tuple[str, list[str]]:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return "", []
    payload = payload[: MAX_TEXT * 4]
    text, _ = decode_html(payload, part.get_content_charset())
    if part.get_content_type() != "text/html":
        return text, []
    soup = BeautifulSoup(text, "lxml")
    hrefs = [a["href"] for a in soup.find_all("a", href=True, limit=200) if isinstance(a["href"], str)]
    for node in soup.find_all(["script", "style"]):
        node.decompose()
    return soup.get_text("\n", strip=True), hrefs


def _body(msg: EmailMessage) -> tuple[str, list[str]]:
    plain: list[str] = []
    html: list[str] = []
    hrefs: list[str] = []
    for i, part in enumerate(msg.walk()):
        if i >= MAX_PARTS:
            break
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if "attachment" in str(part.get("Content-Disposition", "")).lower():
            continue
        text, links = _part_text(part)
        hrefs += links
        (html if part.get_content_type() == "text/html" else plain).append(text)
    return "\n\n".join(plain or html), hrefs


def parse_email(data: bytes, source: str) -> Message:
    """Parse one e-mail; raise ValueError when nothing usable is in it."""
    if not data.strip():
        raise ValueError("empty message")
    msg = email.message_from_bytes(data, policy=POLICY)
    text, hrefs = _body(msg)
    subject = _header(msg, "Subject")
    if not text.strip() and not subject:
        raise ValueError("no text body and no subject")
    return Message(
        sender=_header(msg, "From"), received_at=_date(msg), subject=subject,
        text=text[:MAX_TEXT], channel="email", urls=urls_in(f"{subject}\n{text[:MAX_TEXT]}", hrefs),
        source=source, message_id=_header(msg, "Message-ID") or None,
        truncated=len(text) > MAX_TEXT)
