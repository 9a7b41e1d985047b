"""URLs written in normalised text, found in time linear in the text.

`find_urls` returns the spans the classifier's link rule matches: left to right, at each
position the first of

1. `http(s):` (up to three slashes, one optional space) or `www.`, then a host, then a path;
2. `http(s):` then an IPv4 address (optional port), then a path;
3. a host not preceded by a word character, `@`, `.` or `-`, then a path;
4. an IPv4 address not preceded by a word character or `.`, then `/` and a path;

where a host is one or more DNS labels followed by dots, then one of `TLDS` that ends the
run of host characters, then an optional port. That rule was one regex (kept as the
reference in tests/classifiers/test_links_differential.py) that retried the host from every
`www.` inside a run of host characters: quadratic, 13 s of CPU for `"www." * 12000`.
Here the run of host characters (`[a-z0-9.-]`) is read once, split on dots and checked
label by label from its end, so every host start inside it is answered from that one pass.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

TLDS = ("com|net|org|info|biz|cn|top|xyz|vip|cc|icu|club|online|site|live|shop|buzz|link|click|"
        "work|tk|ml|ga|cf|gq|pw|io|co|me|ly|gy|gl|to|uk|au|ca|us|in|hk|tw|sg|nz|ie|de|fr|ru|su|"
        "app|store|tech|fun|ink|ltd|wang|ren|xin|mobi|asia|pro|win|bid|loan|gov|edu|ws|be|at|im")
_PATH_CHARS = r"[^\s<>\"'，。；！？、）】》\u3000-\u303f\uff00-\uffef]"
_PATH = rf"(?:[/?#]{_PATH_CHARS}*+)?"
_IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}(?::\d{2,5})?"
# Every position where one of the four forms can start (a superset; the rest is checked below).
_START = re.compile(r"(?i)\b(?=https?:|www\.)|(?<![\w@.-])(?=[a-z0-9][a-z0-9-]*+\.)|(?<![\w.])(?=\d{1,3}\.)")
_SCHEME_OR_WWW = re.compile(r"(?i)\b(?:https?:/{0,3}\s?|www\.)")
_SCHEME_IP = re.compile(rf"(?i)\bhttps?:/{{0,3}}\s?{_IPV4}{_PATH}")
_BARE_HOST_START = re.compile(r"(?<![\w@.-])")
_BARE_IP = re.compile(rf"(?i)(?<![\w.]){_IPV4}/{_PATH_CHARS}*+")
_HOST_CHARS = re.compile(r"(?i)[a-z0-9.-]*+")
_LABEL = re.compile(r"(?i)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_TLD = re.compile(rf"(?i)(?:{TLDS})")
_PORT_AND_PATH = re.compile(rf"(?i)(?::\d{{2,5}})?{_PATH}")


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
        pieces = self.text[start:stop].split(".")
        starts = list(accumulate([start] + [len(piece) + 1 for piece in pieces[:-1]]))
        best: int | None = None  # the last piece can only be a TLD, never a label
        self.tld_end[starts[-1]] = None
        for i in range(len(pieces) - 2, -1, -1):
            if not _LABEL.fullmatch(pieces[i]):
                best = None
            elif best is None and _TLD.fullmatch(pieces[i + 1]):
                best = starts[i + 1] + len(pieces[i + 1])
            self.tld_end[starts[i]] = best


def _url_at(text: str, start: int, hosts: _Hosts) -> int | None:
    """End of the URL starting at `start` (forms 1 to 4 in order), or None."""
    prefix = _SCHEME_OR_WWW.match(text, start)
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
