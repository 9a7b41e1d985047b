"""Message dataclasses shared by the importers, and URL extraction from message text."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from fraudwatch.indicators import extract_indicators, normalize_url

MAX_TEXT = 100_000
MAX_URLS = 50


@dataclass
class Message:
    """One imported e-mail or SMS."""

    sender: str
    received_at: str | None
    subject: str
    text: str
    channel: str  # "email" | "sms"
    urls: list[str] = field(default_factory=list)
    source: str = ""  # file and position, e.g. "inbox.mbox#12"
    message_id: str | None = None
    truncated: bool = False

    def as_dict(self) -> dict:
        """JSON form."""
        return asdict(self)


@dataclass
class MessageError:
    """A message that could not be imported, and why (the import goes on)."""

    source: str
    code: str  # "bad_message" | "bad_json" | "bad_row" | "too_large" | "empty"
    detail: str

    def as_dict(self) -> dict:
        """JSON form."""
        return asdict(self)


class IngestFileError(Exception):
    """The whole file cannot be imported (missing, too large, unknown format)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def urls_in(text: str, extra: Iterable[str] = ()) -> list[str]:
    """Canonical http(s) URLs written in `text` plus `extra` links (e.g. HTML hrefs)."""
    raw = [f.raw for f in extract_indicators(text) if f.type in ("url", "domain")]
    out: list[str] = []
    for item in [*raw, *extra]:
        try:
            value = normalize_url(item).value
        except ValueError:
            continue
        if value not in out:
            out.append(value)
        if len(out) >= MAX_URLS:
            break
    return out
