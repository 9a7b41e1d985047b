"""Compiled patterns shared by the fast path and the spaCy pipeline.

- `TOKEN_RE`: the tokenisation rule (one Chinese/Japanese character, one run of other
  letters and digits, one whitespace run, or one other character).
- `PhraseIndex`: the whole lexicon compiled into one trie-shaped regex that, at every
  position, finds the longest phrase starting there on token boundaries (the semantics
  the spaCy PhraseMatcher side reproduces).
- `find_links` (URLs and e-mails, by `fraudwatch.indicators.links.find_links`: the very
  spans the service turns into indicators) and `find_entities` (phones, money, deadlines,
  card numbers and sender tags), found on the normalised text before tokenising, in time
  linear in the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from fraudwatch.indicators.links import SpanSet
from fraudwatch.indicators.links import find_links as find_link_spans

# Letters and digits of alphabetic scripts (Latin, Greek, Cyrillic): runs of them are one
# token. Small explicit ranges on purpose: big Unicode classes make the lexicon regex
# slow to compile. Every other character (Chinese, kana, Hangul, symbols) is one token.
WORD_CLASS = "[0-9A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u052f]"
TOKEN_RE = re.compile(rf"{WORD_CLASS}+|\s+|\S", re.UNICODE)
_WORD_CHAR = re.compile(WORD_CLASS)

_ENTITY_PATTERNS = [
    ("money", r"(?i)(?:[¥$£€\ufffd]|\b(?:rmb|cny|usd|gbp|aud|cad|inr|rs\.?))\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:万|k|m|bn)\b)?"
              r"|(?<![\d,.])\d[\d,]*(?:\.\d+)?\s?(?:万元|元|块钱|块|万|美元|英镑|澳元|加元|dollars?|pounds?|usd|gbp|aud|cad)"
              r"(?![a-z])"),
    ("deadline", r"(?i)\d{1,3}\s?(?:个)?(?:小时|钟头|分钟|日|天|个工作日|工作日)(?:内|之内)"
                 r"|\b(?:within|in)\s(?:the\s)?(?:next\s)?\d{1,3}\s?(?:hours?|hrs?|minutes?|mins?|days?)\b"
                 r"|\b(?:24|48|72)\s?(?:hours?|hrs?)\b|(?:今日|今天|当日|今晚)\d{0,2}(?:点|时)?(?:前|内|之前)"),
    ("card_number", r"(?<!\d)(?:\d{4}[ -]?){3}\d{4,7}(?!\d)"),
    ("phone", r"(?<![A-Za-z0-9_.,¥$£€])\+?\(?\d{1,4}\)?(?:[ -]?\d{2,5}){1,4}(?![\d%元万块,.]|\s?(?:元|万|%))"),
    ("sender_tag_bureau", r"【国家税务总局[^】\n]{1,16}(?:税务局|税务分局|税务所)】"
                          r"|【[^】\n]{1,10}(?:省|市|区|县)(?:税务局|税务分局)】"),
    ("sender_tag_generic", r"【(?:国家税务总局|税务局|税务总局|国税局|地税局|个税退税|个人所得税|电子税务局|税务稽查|12366)[^】\n]{0,4}】"),
]
_DIGIT = re.compile(r"\d")
ENTITY_RE = [(name, re.compile(pattern)) for name, pattern in _ENTITY_PATTERNS]


@dataclass(frozen=True)
class Span:
    """One signal found in the normalised text."""

    name: str
    start: int
    end: int
    detail: str | None = None  # authority code of a lookalike link or hotline


def find_links(text: str) -> list[Span]:
    """URL and e-mail spans (sorted, non-overlapping; e-mails win) in normalised text."""
    return [Span(kind, start, end) for kind, start, end in find_link_spans(text)]


def find_entities(text: str, links: list[Span]) -> list[Span]:
    """Money, deadline, card, phone and sender-tag spans outside the link spans (as
    `find_links` gives them: sorted and non-overlapping)."""
    out: list[Span] = []
    has_digit = _DIGIT.search(text) is not None
    linked = SpanSet([(s.start, s.end) for s in links]) if links else None
    amounts: dict[str, SpanSet] = {}  # money and card numbers: a phone never starts inside one
    for name, pattern in ENTITY_RE:
        if not has_digit and not (name.startswith("sender_tag") and "【" in text):
            continue
        for match in pattern.finditer(text):
            start, end = match.span()
            if name == "phone" and not 5 <= sum(c.isdigit() for c in match.group()) <= 15:
                continue
            if (linked is not None and linked.overlaps(start, end)) or not _aligned(text, start, end):
                continue
            if name == "phone" and any(spans.covers(start) for spans in amounts.values()):
                continue
            out.append(Span(name, start, end))
            if name in ("money", "card_number"):
                amounts.setdefault(name, SpanSet()).add(start, end)
    return out


def _aligned(text: str, start: int, end: int) -> bool:
    """True when [start, end) does not cut a run of letters/digits (a token) in two."""
    inside = _WORD_CHAR.match
    if start > 0 and inside(text, start - 1) and inside(text, start):
        return False
    return not (end < len(text) and inside(text, end - 1) and inside(text, end))


def mask_links(text: str, links: list[Span]) -> str:
    """The text with link spans replaced by NUL characters (same length)."""
    if not links:
        return text
    parts, pos = [], 0
    for span in links:
        parts.append(text[pos:span.start])
        parts.append("\0" * (span.end - span.start))
        pos = span.end
    parts.append(text[pos:])
    return "".join(parts)


def phrase_units(phrase: str) -> list[str]:
    """A phrase as trie units: its characters, with ' ?' between tokens that may touch."""
    tokens = [t for t in TOKEN_RE.findall(phrase) if not t.isspace()]
    units: list[str] = []
    for i, token in enumerate(tokens):
        if i:
            both_words = _WORD_CHAR.match(tokens[i - 1][-1]) and _WORD_CHAR.match(token[0])
            units.append(" " if both_words else " ?")
        units.extend(token)
    return units


class PhraseIndex:
    """All phrases in one regex; `scan` yields (start, end, phrase) for the longest phrase
    starting at each position, on token boundaries."""

    def __init__(self, phrases: list[str]) -> None:
        self.phrases = sorted({p for p in phrases if p})
        trie: dict = {}
        for phrase in self.phrases:
            node = trie
            for unit in phrase_units(phrase):
                node = node.setdefault(unit, {})
            node[""] = phrase
        body = self._compile(trie)
        firsts = "".join(sorted({re.escape(unit[0]) for unit in trie if unit}))
        self.regex = re.compile(rf"(?=[{firsts}])(?=({body}))", re.UNICODE)

    @staticmethod
    def key(matched: str) -> str:
        """Canonical form of a matched string (spaces between tokens removed)."""
        return "".join(matched.split(" ")) if " " in matched else matched

    def _compile(self, node: dict, prev: str = "") -> str:
        branches = []
        words = []
        for unit, child in sorted(node.items(), key=lambda kv: kv[0]):
            if unit == "":
                continue
            piece = (" ?" if unit == " ?" else re.escape(unit)) + self._compile(child, unit)
            (words if not prev and _WORD_CHAR.match(unit) else branches).append(piece)
        if words:
            branches.insert(0, rf"(?<!{WORD_CLASS})(?:" + "|".join(words) + ")")
        if "" in node:
            end = rf"(?!{WORD_CLASS})" if _WORD_CHAR.match(prev) else ""
            branches.append(end)
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    def scan(self, lowered: str) -> list[tuple[int, int, str]]:
        """(start, end, key) of the longest phrase at each start position."""
        out = []
        for match in self.regex.finditer(lowered):
            found = match.group(1)
            if found:
                out.append((match.start(), match.start() + len(found), self.key(found)))
        return out
