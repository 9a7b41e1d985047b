"""Authority mentions as signals: `authority` spans whose detail is the code of the
authority named (None for a tax body of unknown code: "the Tax Office", "柬埔寨税务机关").

The registry (data/official/authorities.csv, authority_names.csv) and the matcher live in
the indicator package (fraudwatch.indicators.mentions), shared with the crawler's brand
cues. Here the names are folded by the classifier's own normaliser, so that they match
normalised messages; both signal paths (fast regexes and spaCy) call `authority_spans`
on the same normalised text and so agree. Normalisation turns Traditional Chinese into
Simplified, which would make 國稅局 (Taiwan) read as 国税局 (mainland): `by_original`
settles such mentions on the original text, where the verdict is made.
"""
from __future__ import annotations

import functools

from classifiers.normalize import LAZY, normalize_text, normalize_with_offsets, to_original
from classifiers.patterns import Span
from fraudwatch.indicators.authorities import Registry, load_registry
from fraudwatch.indicators.mentions import MentionFinder, lower

SIGNAL = "authority"


@functools.lru_cache(maxsize=1)
def finder() -> MentionFinder:
    """The matcher over normalised text (names normalised like messages are)."""
    return MentionFinder(load_registry(), normalize_text)


def registry() -> Registry:
    """The authority registry."""
    return load_registry()


@functools.lru_cache(maxsize=1)
def _script_letters() -> frozenset[str]:
    """Characters of names that normalisation changes (Traditional forms): text without
    any of them needs no second look."""
    bound = finder().bound
    return frozenset(c for row in bound for c in row.name if normalize_text(c) != c)


def authority_spans(norm: str, links: list[Span]) -> list[Span]:
    """`authority` spans of a normalised text; names inside links do not count as mentions
    (links are judged as links) but may still show a country."""
    hidden = [(s.start, s.end) for s in links if s.name in ("url", "email")]
    return [Span(SIGNAL, m.start, m.end, m.code) for m in finder().find(norm, hidden)]


def by_original(spans: list[Span], raw: str, norm: str, offsets) -> list[Span]:
    """The spans with authority mentions settled on the original text `raw` (offsets: as
    normalize_with_offsets gives them, LAZY allowed): a name written in Traditional
    characters (國稅局, 財政部, 稅務局) names the authority that writes it so."""
    mentions = [s for s in spans if s.name == SIGNAL]
    if not mentions or _script_letters().isdisjoint(raw):
        return spans
    found = finder()
    if not any(found.script_bound(lower(norm[s.start:s.end])) for s in mentions):
        return spans
    if offsets == LAZY:
        offsets = normalize_with_offsets(raw)[1]

    def surface(start: int, end: int) -> str:
        first, last = to_original(start, end, offsets, len(raw))
        return raw[first:last]

    links = [s for s in spans if s.name in ("url", "email")]
    hidden = [(s.start, s.end) for s in links]
    settled = [Span(SIGNAL, m.start, m.end, m.code) for m in found.find(norm, hidden, surface)]
    return sorted([s for s in spans if s.name != SIGNAL] + settled,
                  key=lambda s: (s.start, s.end, s.name, s.detail or ""))


def shown_tax_body(norm: str) -> str | None:
    """The tax administration of the country a normalised text shows most (its currency,
    cities, IDs, programmes, international phone numbers, authorities), or None (also for a
    country the registry lacks)."""
    region = finder().region(norm)
    return registry().tax_body(region) if region and region != "*" else None


def is_national(code: str) -> bool:
    """Whether `code` is a national tax administration (not a state, council or vehicle body)."""
    return registry().kind(code) == "tax"


def is_tax_body(code: str | None) -> bool:
    """Whether a code (None: unknown) is a tax body rather than a government portal."""
    return registry().is_tax(code)


def tax_body_of(code: str) -> str | None:
    """The tax administration of the region of `code` (UK-GOV -> UK-HMRC)."""
    reg = registry()
    return reg.tax_body(reg.region(code))


__all__ = ["authority_spans", "by_original", "finder", "is_national", "is_tax_body", "shown_tax_body", "tax_body_of",
           "SIGNAL"]
