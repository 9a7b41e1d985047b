"""Importing messages (.eml, mbox, SMS CSV/JSONL) as reports with source `import`.

Each message becomes a report through the same path as the API (validation, indicators,
duplicate linking, a `process_report` job that classifies it and queues its URLs for
crawling). A message the validator refuses is retried without the refused fields and
otherwise reported as an error; the import always goes on. A whole file that cannot be
imported (missing, empty, binary, too large, unknown format) is refused by `check_files`
before any file of the import is read for messages.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask import current_app

from fraudwatch.exceptions import Invalid
from fraudwatch.messages.files import MAX_FILE, detect_format, ingest_file
from fraudwatch.messages.records import IngestFileError, Message, MessageError
from fraudwatch.services.imports.files import check_file
from fraudwatch.services.reporting import store_report
from fraudwatch.services.validation import TEXT_LIMITS, validate_report

log = logging.getLogger(__name__)
_PHONE = re.compile(r"^\+?[\d\s\-()]{3,24}$")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CHANNELS = {"sms": "sms", "email": "email", "chat": "im"}


@dataclass
class ImportResult:
    """What happened to one message."""

    source: str
    report_id: int | None = None
    duplicate_of: int | None = None
    error: dict | None = None
    urls: list[str] = field(default_factory=list)


def message_payload(msg: Message) -> dict:
    """The report payload of a message (sender as phone or e-mail indicator when it is one)."""
    text = f"{msg.subject}\n\n{msg.text}" if msg.subject else msg.text
    payload = {"message_text": text[: TEXT_LIMITS["message_text"]],
               "channel": CHANNELS.get(msg.channel, "other"),
               "received_at": msg.received_at,
               "url": msg.urls[0] if msg.urls else None,
               "description": f"imported from {msg.source}"[: TEXT_LIMITS["description"]]}
    sender = (msg.sender or "").strip()
    email = _sender_email(sender)
    if msg.channel == "email" and email:
        payload["email"] = email
    elif _PHONE.match(sender) and sum(ch.isdigit() for ch in sender) >= 5:
        payload["phone"] = sender
    return {k: v for k, v in payload.items() if v}


def _sender_email(sender: str) -> str | None:
    """The address of `Name <a@b.example>` or of a bare `a@b.example` (its last word), read
    without a search from every position (that was quadratic on long senders)."""
    last = sender.rsplit("<", 1)[-1] if "<" in sender else (sender.split() or [""])[-1]
    last = last.strip().removesuffix(">").strip()
    return last if _EMAIL.fullmatch(last) else None


def _store(payload: dict) -> dict:
    region = current_app.config["PHONE_REGION"]
    try:
        fields, found, digest = validate_report(payload, region)
    except Invalid as exc:
        refused = set(exc.fields)
        retry = {k: v for k, v in payload.items() if k not in refused}
        if not refused or retry == payload or not retry:
            raise
        fields, found, digest = validate_report(retry, region)
    return store_report(fields, found, digest, source="import", submitted_by="import")


def check_files(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Raise IngestFileError for the first file that cannot be imported as a whole."""
    for path in paths:
        p = check_file(path)
        size = p.stat().st_size
        if size > MAX_FILE:
            raise IngestFileError("file_too_large", f"{p.name} is {size} bytes (limit {MAX_FILE})")
        with p.open("rb") as fh:
            detect_format(p, fh.read(4096))


def import_file(path: str | os.PathLike[str]) -> Iterator[ImportResult]:
    """Import every message of `path`; yields one result per message, errors included."""
    for item in ingest_file(path):
        if isinstance(item, MessageError):
            yield ImportResult(item.source, error={"code": item.code, "message": item.detail})
            continue
        try:
            answer = _store(message_payload(item))
        except Invalid as exc:
            yield ImportResult(item.source, error={"code": "invalid_message", "message": exc.message,
                                                   "fields": exc.fields})
            continue
        yield ImportResult(item.source, answer["id"], answer.get("duplicate_of"), None, item.urls)
