"""Signals: what a message does that real tax authorities never do, and what real ones do.

Two paths find the same signals on the same normalised text:
- `fast_signals` (compiled regexes; the batch path and the model's features);
- the spaCy pipeline in `classifiers.nlp` (tokenizer + PhraseMatcher + rule components;
  what `extract_signals` uses), tested to agree with the fast path.
Link judgement (official / lookalike domains) and hotlines come from `fraudwatch.indicators.official`.
"""
from __future__ import annotations

import bisect
import functools
import logging
import re
from collections import defaultdict

from classifiers.authorities import authority_spans, by_original
from classifiers.lexicon import phrase_table
from classifiers.normalize import LAZY, MAX_TEXT_CHARS, normalize_text, normalize_with_offsets, to_original
from classifiers.patterns import PhraseIndex, Span, find_entities, find_links, mask_links
from fraudwatch.indicators.hosting import domains_of_kind, shared_kind
from fraudwatch.indicators.known import known_brand
from fraudwatch.indicators.mentions import lower  # noqa: F401  (re-exported: the classifier's lower-casing)
from fraudwatch.indicators.official import clean_host, judge_host, official_hotline
from fraudwatch.indicators.wordlists import word_list, word_set

log = logging.getLogger(__name__)

SHORTENERS = domains_of_kind("shortener")  # data/hosting/shared_domains.csv
RISKY_TLDS = word_set("cheap_tlds")  # data/lexicon/cheap_tlds.txt
# A host naming tax or a government (data/lexicon/tax_words.txt, and 'gov') is 'taxlike'.
_TAXLIKE = re.compile("|".join(re.escape(word) for word in (*word_list("tax_words"), "gov")))
_IP_HOST = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


@functools.lru_cache(maxsize=1)
def lexicon_index() -> tuple[PhraseIndex, dict[str, tuple[str, ...]], dict[str, str]]:
    """The compiled phrase index, the signals of each phrase key, and key -> phrase."""
    by_key: dict[str, set[str]] = defaultdict(set)
    phrases: dict[str, str] = {}
    for signal, items in phrase_table().items():
        for item in items:
            phrase = lower(normalize_text(item))
            if phrase and not find_links(phrase):  # links are judged as links, not phrases
                phrases.setdefault(PhraseIndex.key(phrase), phrase)
                by_key[PhraseIndex.key(phrase)].add(signal)
    index = PhraseIndex(list(phrases.values()))
    return index, {k: tuple(sorted(v)) for k, v in by_key.items()}, phrases


@functools.lru_cache(maxsize=4096)
def judge_link(kind: str, raw: str) -> tuple[str, ...]:
    """Signal names (with ':authority' details) that describe one URL or e-mail."""
    # The shared host normaliser: the real host after a user-name part, 。 dots folded, punycode.
    host = clean_host(raw.rsplit("@", 1)[-1] if kind == "email" else raw)
    if not host:
        return ()
    verdict = judge_host(host)
    prefix = "email" if kind == "email" else "url"
    status = verdict.status
    if status == "unknown" and known_brand(host):
        status = "known"  # a bank, tax software, news site...: not the government's, not unknown
    names = [f"{prefix}_{status}" + (f":{verdict.authority}" if verdict.authority else "")]
    if status == "unknown" and _TAXLIKE.search(host):
        names.append(f"{prefix}_taxlike")
    if status == "unknown" and shared_kind(host) == "platform":
        names.append(f"{prefix}_platform")  # pages or mail anyone can write on a big platform
    if kind == "url":
        if host in SHORTENERS or host.removeprefix("www.") in SHORTENERS:
            names.append("url_shortener")
        if _IP_HOST.match(host):
            names.append("url_ip_host")
        elif host.rsplit(".", 1)[-1] in RISKY_TLDS:
            names.append("url_risky_tld")
    return tuple(names)


def link_signals(text: str, links: list[Span]) -> list[Span]:
    """The link spans plus their judgement spans (official, lookalike, shortener...)."""
    out = []
    for span in links:
        out.append(span)
        for name in judge_link(span.name, text[span.start:span.end]):
            base, _, detail = name.partition(":")
            out.append(Span(base, span.start, span.end, detail or None))
    return out


def entity_signals(text: str, entities: list[Span]) -> list[Span]:
    """Entity spans plus `hotline_official` for official tax hotlines."""
    out = list(entities)
    for span in entities:
        if span.name == "phone":
            authority = official_hotline(re.sub(r"[^\d+]", "", text[span.start:span.end]))
            if authority:
                out.append(Span("hotline_official", span.start, span.end, authority))
    return out


def phrase_signals(matches: list[tuple[int, int, str]]) -> list[Span]:
    """Spans for phrase matches given as (start, end, key)."""
    table = lexicon_index()[1]
    out = []
    for start, end, key in matches:
        for name in table.get(key, ()):
            base, _, detail = name.partition(":")
            out.append(Span(base, start, end, detail or None))
    return out


def fast_signals(norm: str) -> list[Span]:
    """All signals of a normalised text, by compiled regexes (no spaCy)."""
    low = lower(norm)
    links = find_links(low)
    spans = link_signals(low, links) + entity_signals(norm, find_entities(norm, links))
    spans += phrase_signals(lexicon_index()[0].scan(mask_links(low, links)))
    spans += authority_spans(norm, links)  # the authority registry (classifiers.authorities)
    return sort_spans(spans + quoted_lure(norm, spans))


# A warning, a news item or a friend asking "is this a scam?" quotes the lure it reports:
# the request and the link are inside quotation marks, the warning words outside.
QUOTES = {"“": "”", "「": "」", "『": "』", "«": "»", "‘": "’", '"': '"'}
LURE_PARTS = frozenset({"credential_request", "payment_personal", "gift_card_crypto", "im_contact", "third_party_fee",
                        "threat_arrest", "app_download", "click_request", "url_unknown", "url_lookalike",
                        "email_unknown", "email_lookalike", "url_ip_host"})
WARNING_WORDS = frozenset({"never_ask", "narrative"})


def quoted_segments(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost quotation (marks included) closed in `text`, in order:
    one pass; an opening mark waits for its own closing mark, an unclosed one quotes nothing."""
    out, start, closer = [], -1, ""
    for i, ch in enumerate(text):
        if start < 0:
            if ch in QUOTES:
                start, closer = i, QUOTES[ch]
        elif ch == closer:
            out.append((start, i + 1))
            start = -1
    return out


def quoted_lure(norm: str, spans: list[Span]) -> list[Span]:
    """`quoted_lure` spans: quotations holding every part of a lure (request, unofficial link,
    contact) while warning words stand outside every quotation. Empty otherwise."""
    parts = [s for s in spans if s.name in LURE_PARTS]
    warnings = [s for s in spans if s.name in WARNING_WORDS]
    if not parts or not warnings or not any(ch in norm for ch in QUOTES):
        return []
    segments = quoted_segments(norm)
    holders = {holder(s, segments) for s in parts}
    if -1 in holders or all(holder(s, segments) >= 0 for s in warnings):
        return []
    return [Span("quoted_lure", *segments[i]) for i in sorted(holders)]


def holder(span: Span, segments: list[tuple[int, int]]) -> int:
    """Index of the segment (sorted, non-overlapping (start, end) pairs) holding `span`, or -1."""
    i = bisect.bisect_right(segments, (span.start, float("inf"))) - 1
    return i if i >= 0 and span.end <= segments[i][1] else -1


def within(span: Span, segments: list[tuple[int, int]]) -> bool:
    """Whether one of the sorted, non-overlapping segments holds `span` (a binary search)."""
    return holder(span, segments) >= 0


def sort_spans(spans: list[Span]) -> list[Span]:
    """Spans sorted by position then name, without duplicates."""
    return sorted(set(spans), key=lambda s: (s.start, s.end, s.name, s.detail or ""))


def to_dicts(spans: list[Span], raw: str, offsets: list[int] | str | None) -> list[dict]:
    """Signal dicts with offsets and text of the ORIGINAL input."""
    if spans and offsets == LAZY:
        offsets = normalize_with_offsets(raw)[1]
    out = []
    for span in spans:
        start, end = to_original(span.start, span.end, offsets, len(raw))
        item = {"name": span.name, "text": raw[start:end], "start": start, "end": end}
        if span.detail:
            item["authority"] = span.detail
        out.append(item)
    return out


def extract_signals(text: str) -> list[dict]:
    """Signals of `text` ({name, text, start, end}; offsets into `text`) via the spaCy rules."""
    from classifiers.nlp import doc_signals

    norm, offsets = normalize_with_offsets(text)
    norm = norm[:MAX_TEXT_CHARS]
    return to_dicts(by_original(doc_signals(norm), text, norm, offsets), text, offsets)
