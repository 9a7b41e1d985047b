"""Finding indicators in free text: the URLs, bare domains, e-mail addresses and phone
numbers a message names, normalised (bad ones skipped). URLs and e-mails are exactly the
link spans of `fraudwatch.indicators.links.find_links` (what the classifier judges as
links). Linear in the text: the link finder is, and the text is cut to MAX_TEXT_CHARS
before any pattern runs."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

from fraudwatch.indicators.links import SpanSet, find_links
from fraudwatch.indicators.normalize import (
    MAX_TEXT_CHARS,
    Normalized,
    normalize,
    normalize_domain,
    shared_site,
)


@dataclass(frozen=True)
class Found:
    """An indicator found in free text, with its character offsets."""

    type: str
    raw: str
    start: int
    end: int


def extract_indicators(text: str, region: str = "CN", limit: int = 200) -> list[Found]:
    """URLs, bare domains, e-mail addresses and phone numbers written in the first
    MAX_TEXT_CHARS characters of `text` (at most `limit`, the first found of each kind first)."""
    if not isinstance(text, str) or not text:
        return []
    text = text[:MAX_TEXT_CHARS]
    found: list[Found] = []
    taken = SpanSet()
    for kind, start, end in _candidates(text, region, limit):
        if len(found) >= limit:
            break
        if not taken.overlaps(start, end):
            found.append(Found(kind, text[start:end], start, end))
            taken.add(start, end)
    return sorted(found, key=lambda f: f.start)


def _candidates(text: str, region: str, limit: int) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of e-mails and URLs (`links.find_links`: the classifier's link
    spans too), then phones."""
    yield from find_links(text)
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID,
                                                 max_tries=limit):
        yield "phone", match.start, match.end


def indicators_in_text(text: str, region: str = "CN") -> list[Normalized]:
    """Normalised URLs, domains, phones and e-mails found in `text` (bad ones skipped)."""
    out: dict[tuple[str, str], Normalized] = {}
    for item in extract_indicators(text, region):
        try:
            normal = normalize(item.type, item.raw, region)
        except ValueError:
            continue
        out.setdefault((normal.type, normal.value), normal)
        if normal.type == "url" and normal.host and shared_site(normal.host) is None:
            try:
                domain = normalize_domain(normal.host)
            except ValueError:
                continue
            out.setdefault(("domain", domain.value), domain)
    return list(out.values())
