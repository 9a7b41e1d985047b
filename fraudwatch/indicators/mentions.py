"""Authority mentions: which authority of the registry (or which tax body of unknown code)
a text names, and where. Used by the classifier's signals (on normalised messages) and by
the crawler's brand cues (on page text), so messages and pages name authorities alike.

Matching: every registry name is one key of a trie-shaped regex (case-insensitive keys on
the lower-cased text, `exact` keys on the text as written), on word boundaries for letters
of alphabetic scripts; at each position the longest key wins, and matches do not overlap.
Work is linear in the text: two regex scans (each at most the longest name deep at any
position) and one pass over the matches.

Resolution of a match (see fraudwatch.indicators.authorities for the rules):
1. an `exclude` phrase ("Arc de Triomphe") is no mention;
2. a `context` row applies when its region is shown anywhere in the text (a `cue`, a
   `name` of that region, the region's script: kana, Hangul, Thai, or an international
   phone number of the country: +64 ..., +1 416 ...);
3. else a `name` row; else a `generic` row, whose region is the one named right next to it
   ("Thailand's Revenue Department", "柬埔寨税务机关"), else the region the whole text shows
   most: for a row with no code ("the Tax Office") whenever one is shown, for a row with a
   code ("税务局": CN-STA) only when another country with a tax body is shown at least
   OUTWEIGH times and more often than the row's own ("悉尼 ... 税务局 ... 澳币"; once for a
   row written in a script the folding changes: Traditional 稅務局, Hong Kong's Inland Revenue
   Department by its official Chinese name, is the mainland's when the text shows the
   mainland, e.g. 非正常戶); else the row's own code, else none.
Among rows that apply, the one written in the script of the original text wins: when the
caller's folding maps 國稅局 and 国税局 to one key (Traditional to Simplified), `surface`
gives the original text of the match (without it, the folded text is the original); a
context row written in another script than the original does not apply at all.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import NamedTuple

import phonenumbers

from fraudwatch.indicators.authorities import AuthorityName, Registry

# Letters and digits of alphabetic scripts (Latin with Vietnamese, Greek, Cyrillic): a name
# that starts or ends with one must not touch another.
WORD = "0-9A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff"
_WORD_CHAR = re.compile(f"[{WORD}]")
_SPACE_UNIT = r"\s{1,8}"
_SPACES = re.compile(r"\s+")
ADJACENT = 12  # characters between a generic name and the region named next to it
_BREAK = re.compile(r"[\n。！？!?]")
SCRIPT_REGIONS = {"JP": re.compile("[\u3040-\u30ff]"), "KR": re.compile("[\uac00-\ud7af]"),
                  "TH": re.compile("[\u0e00-\u0e7f]")}
# An international phone number: "+", its country calling code and at least 7 more digits
# (spaces, dots, dashes, brackets between them), not inside a word or another number.
_PHONE = re.compile(r"(?<![\w+])\+ ?\(?[1-9]\d{0,2}\)?[ .-]?\(?\d[\d ().-]{5,16}\d(?![\d])")
_DIGITS = re.compile(r"\D")
MAX_PHONES = 20  # phone numbers read per text (each is one cue)
# A host name's labels: a country code standing alone as a part of a label other than the
# last ("etax-hk.top", "uk.hmrc-refund.cc") shows that country once, as a cue. Two-letter
# words that are also country codes (my, in, us, it, at, be, id, no, to, me...) say nothing.
_HOST = re.compile(r"(?<![\w.-])(?:[a-z0-9-]{1,63}\.){1,8}[a-z]{2,24}(?![\w-])")
_HOST_PART = re.compile(r"[a-z0-9]+")
NOT_A_COUNTRY = frozenset({"my", "in", "us", "it", "at", "be", "id", "no", "to", "me", "is", "am", "as", "do", "go",
                           "so", "on", "an", "or", "by", "we", "he", "hi", "ok", "tv", "co", "io", "ai", "cc", "gg",
                           "la", "fm", "ws", "pw", "sh", "st", "vc", "eu", "un", "gov", "www"})
MAX_HOSTS = 20  # host names read per text
OUTWEIGH = 2  # cues of another country that override the code of a generic row ("税务局": CN-STA)


class Mention(NamedTuple):
    """An authority named in a text: [start, end), its code (None: a tax body of unknown
    code), the registry name that matched, and whether those words name the code
    themselves (False for a generic name whose code comes from the country around it)."""

    start: int
    end: int
    code: str | None
    name: str
    named: bool = True


def lower(text: str) -> str:
    """Lower-case without changing the length of the text."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def letters(text: str) -> str:
    """The letters and digits of `text`, NFKC and case-folded (how a script is compared)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).casefold() if c.isalnum())


def _units(key: str) -> list[str]:
    return [" " if c.isspace() else c for c in key]


def _branch(node: dict, prev: str) -> str:
    """The regex of a trie node: longer continuations first, then the end of a key (which
    must not be followed by a letter when the key ends with one)."""
    branches = [(_SPACE_UNIT if unit == " " else re.escape(unit)) + _branch(node[unit], unit)
                for unit in sorted(u for u in node if u)]
    if "" in node:
        branches.append(f"(?![{WORD}])" if _WORD_CHAR.match(prev) else "")
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def trie_pattern(keys: Iterable[str]) -> re.Pattern | None:
    """One regex for all keys: the longest key at each position, on word boundaries.
    Keys that start with a letter are tried only where a word starts (one look-behind per
    position, not one per key), the others only at their first characters."""
    trie: dict = {}
    for key in keys:
        node = trie
        for unit in _units(key):
            node = node.setdefault(unit, {})
        node[""] = {}
    parts = []
    for word in (True, False):
        units = sorted(u for u in trie if bool(_WORD_CHAR.match(u)) == word)
        if not units:
            continue
        firsts = "".join(re.escape(u) if u != " " else r"\s" for u in units)
        body = "|".join((_SPACE_UNIT if u == " " else re.escape(u)) + _branch(trie[u], u) for u in units)
        parts.append((f"(?<![{WORD}])" if word else "") + f"(?=[{firsts}])(?:{body})")
    return re.compile("|".join(parts)) if parts else None


def _key(text: str) -> str:
    return _SPACES.sub(" ", text)


class MentionFinder:
    """Finds authority mentions; `fold` prepares names the way the texts it will see were
    prepared (the classifier passes its normaliser; pages use the names as written)."""

    def __init__(self, registry: Registry, fold: Callable[[str], str] | None = None) -> None:
        self.registry = registry
        fold = fold or (lambda name: name)
        self.rows: dict[tuple[bool, str], list[AuthorityName]] = {}
        self.letters: dict[AuthorityName, str] = {}  # each row's letters, as written
        self.bound: set[AuthorityName] = set()  # rows whose folding changed their letters (their script)
        for row in registry.names:
            folded = _key(fold(row.name).strip())
            key = folded if row.case == "exact" else lower(folded)
            if not key:
                continue
            self.rows.setdefault((row.case == "exact", key), []).append(row)
            self.letters[row] = letters(row.name)
            if self.letters[row] != letters(folded):
                self.bound.add(row)
        self.patterns = {exact: trie_pattern(k for e, k in self.rows if e == exact) for exact in (False, True)}

    def script_bound(self, key: str) -> bool:
        """Whether a matched (folded, lower-cased) key has rows bound to a script."""
        return any(row in self.bound for exact in (False, True) for row in self.rows.get((exact, key), ()))

    def hits(self, text: str) -> list[tuple[int, int, list[AuthorityName]]]:
        """Non-overlapping matches (leftmost, then longest) with their registry rows."""
        found = []
        for exact, pattern in self.patterns.items():
            if pattern is not None:
                subject = text if exact else lower(text)
                found.extend((m.start(), m.end(), exact, subject) for m in pattern.finditer(subject))
        found.sort(key=lambda hit: (hit[0], hit[0] - hit[1]))
        out, last = [], 0
        for start, end, exact, subject in found:
            if start >= last:
                out.append((start, end, self.rows[(exact, _key(subject[start:end]))]))
                last = end
        return out

    def find(self, text: str, hidden: Iterable[tuple[int, int]] = (),
             surface: Callable[[int, int], str] | None = None) -> list[Mention]:
        """Mentions in `text`; matches overlapping a `hidden` span (sorted, e.g. links) only
        show a region; `surface(start, end)`: the original text of a match."""
        hits = self.hits(text)
        if not hits:
            return []
        show = surface or (lambda start, end: text[start:end])
        places, regions = self._places(hits, text, show)
        covered = _covered(hits, hidden)
        out = []
        for i, (start, end, rows) in enumerate(hits):
            if covered[i] or any(row.rule == "exclude" for row in rows):
                continue
            resolved = self._resolve(rows, letters(show(start, end)), regions, text, hits, places, i)
            if resolved is not None:
                out.append(Mention(start, end, *resolved))
        return out

    def _places(self, hits: list, text: str, show: Callable[[int, int], str]) -> tuple[list, dict[str, list[int]]]:
        """The region each hit shows (or None), and region -> [count, first position] of the
        regions the text shows (also by its script: kana, Hangul, Thai)."""
        regions: dict[str, list[int]] = {}
        for region, script in SCRIPT_REGIONS.items():
            found = script.search(text)
            if found:
                regions[region] = [1, found.start()]
        for region, start in self.phone_regions(text) + self.host_regions(text):
            regions.setdefault(region, [0, start])[0] += 1
        places: list[str | None] = []
        for start, end, rows in hits:
            place = self._shown(rows, letters(show(start, end)))
            places.append(place)
            if place:
                regions.setdefault(place, [0, start])[0] += 1
        return places, regions

    def region(self, text: str) -> str | None:
        """The region the text shows most (countries, cities, currencies, IDs, programmes,
        international phone numbers, names of its authorities; ties: the first shown), or
        None; '*' for a country the registry lacks."""
        hits = self.hits(text)
        return _dominant(self._places(hits, text, lambda start, end: text[start:end])[1])

    def phone_regions(self, text: str) -> list[tuple[str, int]]:
        """(region, position) of the international phone numbers of a text (+44 ..., +1 416 ...):
        the country of the number (by area code for +1), '*' for one without a tax body in the
        registry; at most MAX_PHONES numbers, each read once (linear)."""
        out = []
        for i, match in enumerate(_PHONE.finditer(text)):
            if i >= MAX_PHONES:
                break
            try:
                number = phonenumbers.parse("+" + _DIGITS.sub("", match.group()))
            except phonenumbers.NumberParseException:
                continue
            country = (phonenumbers.region_code_for_number(number)
                       or phonenumbers.region_code_for_country_code(number.country_code))
            if country and country != phonenumbers.UNKNOWN_REGION:
                out.append((country if self.registry.tax_body(country) else "*", match.start()))
        return out

    def host_regions(self, text: str) -> list[tuple[str, int]]:
        """(region, position) of the countries host names of a text show by a country code
        standing alone in a label other than the last ("etax-hk.top" shows HK), for regions
        with a tax body in the registry; at most MAX_HOSTS hosts, each read once (linear)."""
        out = []
        for i, match in enumerate(_HOST.finditer(lower(text))):
            if i >= MAX_HOSTS:
                break
            host = match.group()
            for part in _HOST_PART.findall(host[:host.rfind(".")]):
                code = "GB" if part == "uk" else part.upper()
                if len(part) == 2 and part not in NOT_A_COUNTRY and self.registry.tax_body(code):
                    out.append((code, match.start()))
                    break
        return out

    def _ranked(self, rows: list[AuthorityName], rule: str, seen: str) -> AuthorityName | None:
        """The row of `rule` for a match whose original letters are `seen`: rows written in
        that script first (國稅局 over 国税局 for Traditional text), then the first in the file."""
        best = None
        for row in rows:
            if row.rule != rule:
                continue
            rank = (self.letters[row] == seen, -row.order)
            if best is None or rank > best[0]:
                best = (rank, row)
        return best[1] if best else None

    def _shown(self, rows: list[AuthorityName], seen: str) -> str | None:
        """The region a match shows: a cue's, or a plain name's."""
        if any(row.rule == "exclude" for row in rows):
            return None
        row = self._ranked(rows, "cue", seen) or self._ranked(rows, "name", seen)
        return self.registry.region(row.code) if row else None

    def _resolve(self, rows, seen, regions, text, hits, places, i) -> tuple[str | None, str, bool] | None:
        """(code, registry name, named) of match i, or None when it names nobody. A context row
        whose script the folding changed (稅務局 for Hong Kong) needs text in that script."""
        best = None
        for row in rows:
            if row.rule != "context" or (row in self.bound and self.letters[row] != seen):
                continue
            shown = regions.get(self.registry.region(row.code))
            rank = (self.letters[row] == seen, shown[0], -shown[1], -row.order) if shown else None
            if rank and (best is None or rank > best[0]):
                best = (rank, row)
        row = best[1] if best else self._ranked(rows, "name", seen)
        if row is not None:
            return row.code, row.name, True
        row = self._ranked(rows, "generic", seen)
        if row is None:
            return None
        place = _neighbour(text, hits, places, i)
        if place is None:  # "the Tax Office" / "税务局" in a text that shows a country
            place = _dominant(regions)
            need = 1 if row in self.bound else OUTWEIGH
            if row.code is not None and not self._outweighs(place, row.code, regions, need):
                place = None
        if place is None:
            return row.code, row.name, row.code is not None
        code = None if place == "*" else self.registry.tax_body(place) or row.code
        return code, row.name, code is not None and code == row.code


    def _outweighs(self, place: str | None, code: str, regions: dict[str, list[int]], need: int = OUTWEIGH) -> bool:
        """Whether the country a text shows most overrides the code of a generic row ("税务局"
        is CN-STA's, "Finanzamt" DE-BZST's): a country with a tax body in the registry, shown
        at least `need` times (OUTWEIGH; once for a row bound to its script, a weaker guess:
        Traditional 稅務局 is Hong Kong's by name, unless the text shows the mainland) and more
        often than the row's own region."""
        if place in (None, "*") or not self.registry.tax_body(place):
            return False
        own = regions.get(self.registry.region(code), [0, 0])[0]
        return regions[place][0] >= OUTWEIGH and regions[place][0] > own


def _dominant(regions: dict[str, list[int]]) -> str | None:
    """The region shown most often (ties: shown first), among those actually shown."""
    shown = [(count, -first, region) for region, (count, first) in regions.items() if count]
    return max(shown)[2] if shown else None


def _neighbour(text: str, hits: list, places: list[str | None], i: int) -> str | None:
    """The region shown by the match right before (else right after) match i, if it is at
    most ADJACENT characters away in the same sentence."""
    start, end, _ = hits[i]
    if i > 0 and places[i - 1]:
        gap = text[hits[i - 1][1]:start]
        if len(gap) <= ADJACENT and not _BREAK.search(gap):
            return places[i - 1]
    if i + 1 < len(hits) and places[i + 1]:
        gap = text[end:hits[i + 1][0]]
        if len(gap) <= ADJACENT and not _BREAK.search(gap):
            return places[i + 1]
    return None


def _covered(hits: list, hidden: Iterable[tuple[int, int]]) -> list[bool]:
    """For each hit (sorted), whether it overlaps one of the sorted `hidden` spans."""
    spans = list(hidden)
    out, j = [], 0
    for start, end, _ in hits:
        while j < len(spans) and spans[j][1] <= start:
            j += 1
        out.append(j < len(spans) and spans[j][0] < end)
    return out
