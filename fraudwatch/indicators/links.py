"""Links written in text, found in time linear in the text: the one URL and e-mail finder
of fraudwatch. The classifier's link spans (`classifiers.patterns.find_links`) and the
service's indicators (`fraudwatch.indicators.extract`) both come from `find_links`, so a
host that becomes an indicator is also a link the classifier judges, and the reverse.

`find_urls` returns, left to right, at each position the first of

1. `http(s):` (up to three slashes, one optional space) or `www.`, then a host, then a path;
2. `http(s):` then an IPv4 address (optional port), then a path;
3. a host not preceded by a word character, `@`, `.` or `-`, then a path;
4. an IPv4 address not preceded by a word character or `.`, then `/` and a path;

where a host is one or more DNS labels each followed by a dot (`.`, or the ideographic
and full-width `。．｡` that scam texts use to hide links), then a top-level domain of the
public suffix list (`hosts.public_tlds`) that ends the run of host characters, then an
optional port. That rule was one regex (a reference built the same way is kept in
tests/fraudwatch/indicators/test_links_differential.py) that retried the host from every
`www.` inside a run of host characters: quadratic, 13 s of CPU for `"www." * 12000`.
Here the run of host characters (`HOST_LETTERS`, `-` and the dots) is read once, split on
dots and checked label by label from its end, so every host start inside it is answered
from that one pass.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

from fraudwatch.indicators.hosts import public_tlds

DOTS = ".\u3002\uff0e\uff61"  # what a browser reads as the dot between labels
# Letters of a host label: ASCII, and the Latin, Greek and Cyrillic letters homoglyph
# domains are spelt with (рауpal, chinatаx: IDNA turns them into xn-- labels). Not CJK:
# Chinese text runs into a link without a space ("请登录etax.top办理"), so a CJK letter
# ends the host instead of joining it.
HOST_LETTERS = "a-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u04ff"
EMAIL_RE = re.compile(r"(?i)(?<![\w.+-])[a-z0-9._%+-]{1,64}@(?:[a-z0-9-]{1,63}\.)+[a-z]{2,24}(?![\w-])")
_PATH_CHARS = r"[^\s<>\"'，。；！？、）】》\u3000-\u303f\uff00-\uffef]"
_PATH = rf"(?:[/?#]{_PATH_CHARS}*+)?"
_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}(?::\d{2,5})?"
# Every position where one of the four forms can start (a superset; the rest is checked below).
_START = re.compile(rf"(?i)\b(?=https?:|www\.)|(?<![\w@.-])(?=[{HOST_LETTERS}][{HOST_LETTERS}-]*+[{DOTS}])"
                    rf"|(?<![\w.])(?=\d{{1,3}}\.)")
_SCHEME_OR_WWW = re.compile(r"(?i)\b(?:https?:/{0,3}\s?|www\.)")
# Credentials before the host (https://www.chinatax.gov.cn@etax.hn-tax.cc/): the browser goes
# to the host after the last @; the part before it is there to look official. Bounded, so
# reading it from every scheme stays linear.
_USERINFO = re.compile(r"[^\s/?#@<>\"']{1,256}@")
_SCHEME_USERINFO = re.compile(r"(?i)https?:/{0,3}\s?[^\s/?#@<>\"']{1,256}@")
_SCHEME_IP = re.compile(rf"(?i)\bhttps?:/{{0,3}}\s?{_IPV4}{_PATH}")
_BARE_HOST_START = re.compile(r"(?<![\w@.-])")
_BARE_IP = re.compile(rf"(?i)(?<![\w.]){_IPV4}/{_PATH_CHARS}*+")
_HOST_CHARS = re.compile(rf"(?i)[{HOST_LETTERS}{DOTS}-]*+")
_DOT = re.compile(f"[{DOTS}]")
_LABEL = re.compile(rf"(?i)[{HOST_LETTERS}](?:[{HOST_LETTERS}-]{{0,61}}[{HOST_LETTERS}])?")
_PORT_AND_PATH = re.compile(rf"(?i)(?::\d{{2,5}})?{_PATH}")
_TRAILING = ".,;:!?)]}'\""  # punctuation that ends a sentence, not a link
# Full-width letters, digits and ．－／：＠ (ｅｔａｘ－ｇｏｖ．ｔｏｐ) read as ASCII, as NFKC and browsers
# read them: one character for one, so offsets hold. Full-width ，。！ still end a link.
_FULL_WIDTH = {code: code - 0xFEE0 for code in
               [*range(0xFF10, 0xFF1B), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0xFF0D, 0xFF0E, 0xFF0F, 0xFF20]}
_HAS_FULL_WIDTH = re.compile("[\uff0d-\uff5a]")


# The only non-ASCII letters Python's case-insensitive [a-z] matches (İ ı ſ K): the host
# characters read them as letters, so a TLD piece is compared with them folded the same way.
_ASCII_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def is_tld(piece: str) -> bool:
    """True when `piece` is a top-level domain of the public suffix list (any case)."""
    if not piece.isascii():
        piece = piece.translate(_ASCII_FOLD)
    return piece.isascii() and piece.lower() in public_tlds()


class _Hosts:
    """Where the host starting at a position of one text ends (memoised per run of host characters)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tld_end: dict[int, int | None] = {}

    def url_end(self, start: int) -> int | None:
        """End of host, port and path from `start`, or None when no host starts there."""
        if start not in self.tld_end:
            self._read_run(start)
        end = self.tld_end.get(start)
        return None if end is None else _PORT_AND_PATH.match(self.text, end).end()

    def _read_run(self, start: int) -> None:
        """For every dot-separated piece of the run of host characters from `start`: the end
        of the last TLD reachable through valid labels (the regex's greedy backtracking)."""
        stop = _HOST_CHARS.match(self.text, start).end()
        pieces = _DOT.split(self.text[start:stop])
        starts = list(accumulate([start] + [len(piece) + 1 for piece in pieces[:-1]]))
        best: int | None = None  # the last piece can only be a TLD, never a label
        self.tld_end[starts[-1]] = None
        for i in range(len(pieces) - 2, -1, -1):
            if not _LABEL.fullmatch(pieces[i]):
                best = None
            elif best is None and is_tld(pieces[i + 1]):
                best = starts[i + 1] + len(pieces[i + 1])
            self.tld_end[starts[i]] = best


def _url_at(text: str, start: int, hosts: _Hosts) -> int | None:
    """End of the URL starting at `start` (forms 1 to 4 in order), or None."""
    prefix = _SCHEME_OR_WWW.match(text, start)
    if prefix and prefix.group()[:1] in "hH" and (userinfo := _USERINFO.match(text, prefix.end())) \
            and (end := hosts.url_end(userinfo.end())) is not None:
        return end
    if prefix and (end := hosts.url_end(prefix.end())) is not None:
        return end
    if ip_url := _SCHEME_IP.match(text, start):
        return ip_url.end()
    if _BARE_HOST_START.match(text, start) and (end := hosts.url_end(start)) is not None:
        return end
    if bare_ip := _BARE_IP.match(text, start):
        return bare_ip.end()
    return None


def find_urls(text: str) -> list[tuple[int, int]]:
    """(start, end) of every URL in `text`, left to right, not overlapping (trailing
    punctuation still included)."""
    hosts = _Hosts(text)
    spans: list[tuple[int, int]] = []
    pos = 0
    while (candidate := _START.search(text, pos)) is not None:
        start = candidate.start()
        end = _url_at(text, start, hosts)
        if end is None:
            pos = start + 1
        else:
            spans.append((start, end))
            pos = end
    return spans


def has_dot(text: str) -> bool:
    """True when `text` has any character a link's host needs (a dot of some width)."""
    return any(dot in text for dot in DOTS)


def find_links(text: str) -> list[tuple[str, int, int]]:
    """("email" | "url", start, end) of every e-mail address and URL in `text`, sorted and
    not overlapping (an e-mail wins over the URL its domain looks like, except inside a
    URL with credentials before its host: https://official.example@real.host/); trailing
    punctuation is not part of a URL. Case-insensitive: raw or lower-cased text alike, and
    full-width host characters are read as their ASCII forms."""
    if _HAS_FULL_WIDTH.search(text):
        text = text.translate(_FULL_WIDTH)
    if not has_dot(text):
        return []
    urls = [(start, start + len(text[start:stop].rstrip(_TRAILING))) for start, stop in find_urls(text)]
    disguised = SpanSet([(start, end) for start, end in urls if _SCHEME_USERINFO.match(text, start)])
    found = [("email", m.start(), m.end()) for m in EMAIL_RE.finditer(text)
             if not disguised.overlaps(m.start(), m.end())]  # user@host inside such a URL is not an address
    emails = SpanSet([(start, end) for _, start, end in found])
    for start, end in urls:
        if end > start and not emails.overlaps(start, end):
            found.append(("url", start, end))
    return sorted(found, key=lambda link: link[1])


class SpanSet:
    """Non-overlapping [start, end) spans kept in order, answering overlap questions in
    O(log n) (instead of a scan of every span, which made many spans quadratic)."""

    def __init__(self, spans: list[tuple[int, int]] = ()) -> None:
        """`spans`: sorted and non-overlapping."""
        self.starts = [start for start, _ in spans]
        self.ends = [end for _, end in spans]

    def add(self, start: int, end: int) -> None:
        """Add a span that overlaps none of those already in."""
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)

    def overlaps(self, start: int, end: int) -> bool:
        """True when [start, end) shares a character with a span of the set."""
        i = bisect_right(self.ends, start)
        return i < len(self.ends) and self.starts[i] < end

    def covers(self, pos: int) -> bool:
        """True when a span of the set holds position `pos`."""
        i = bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]
