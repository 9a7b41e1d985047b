"""The in-memory index of every active watch entry, and matching what is new against it.

Pure (no Flask, database or Redis): `WatchIndex.build(rows)` takes (entry id, owner id, kind,
match key) rows; `match(subjects)` answers the entries that subjects hit, as `Match`es:

- `match`: the same registrable domain, phone (E.164) or company name (folded);
- `lookalike`: a host that spells a watched domain's name with homoglyphs, other separators,
  another TLD, added words (`examp1e-corp-tax.com`, `refund-example-corp.top`,
  `example-corp.com.evil.top`) or one edit away from it (letters added, dropped, swapped);
- `mention`: a brand or company name written in the text (or in a host).

Everything is a dictionary probe: a host's label windows (at most 4 labels of its last 12)
are looked up by skeleton, and by the deletion neighbourhood of each window for one edit
(SymSpell: every name and every window with one character dropped), confirmed by the edit
distance; a text is folded once, its 2-, 3- and 4-grams are intersected with the names'
prefixes, and only where one occurs are the names starting with it probed, by length
(at most PROBES_PER_CHAR probes a character). Linear in the input, independent of the number
of entries but for the hits."""
from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from fraudwatch.indicators import registrable_domain, unicode_host
from fraudwatch.indicators.official import _edit_distance, _skeleton

log = logging.getLogger(__name__)
MAX_LABELS = 12  # of a host, looked at
MAX_WINDOW = 4  # labels joined into one candidate name
MIN_NAME = 3  # shortest domain name (without its suffix) matched as a lookalike
MIN_FUZZY = 5  # shortest name matched at one edit
MAX_NAME = 63  # longest DNS label: a longer window is no near-spelling of a watched name
MIN_MENTION = 2  # shortest brand/company key found in a text (CJK names are short)
MIN_LATIN_MENTION = 4  # ... when it is all ASCII
PREFIX = 4  # names are filed under their first PREFIX characters (or all of a shorter one)
PROBES_PER_CHAR = 16  # name lookups a text may cost per character: past it the search stops (logged)
_SEPARATORS = re.compile(r"[^0-9a-z\u00aa-\uffff]+")
_NOT_ALNUM = re.compile(r"[\W_]+")  # \w of a str is isalnum() or "_"


@dataclass(frozen=True)
class Match:
    """An entry hit by a subject: why (`match`, `lookalike`, `mention`) and by what."""

    entry_id: int
    owner_id: int
    reason: str
    subject: str  # what matched: `domain:<registrable>`, `phone:<e164>`, `company:<key>`, or the text's source
    detail: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Subjects:
    """What a report, crawl, feed or domain list brings: hosts, phones, companies, text."""

    hosts: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    companies: set[str] = field(default_factory=set)  # folded (see fold_name)
    text: str = ""
    source: str = ""  # names the text in a mention's subject (`report:12`)


def fold_name(text: str) -> str:
    """A brand or company name as compared: NFKC, case-folded, letters and digits only."""
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", text).casefold())


def domain_name(registrable: str) -> str:
    """The skeleton of a registrable domain's name without its public suffix
    (`examp1e-corp.com` -> `examplecorp`)."""
    name = registrable.split(".", 1)[0] if "." in registrable else registrable
    return "".join(_SEPARATORS.split(_skeleton(unicode_host(name))))


def host_windows(host: str) -> list[str]:
    """Candidate names in a host: skeletons of runs of up to MAX_WINDOW consecutive labels
    (split on dots, hyphens, underscores) of its last MAX_LABELS, public suffix left out."""
    registrable = registrable_domain(host)
    suffix_at = len(host) - (len(registrable) - len(registrable.split(".", 1)[0]))
    labels = [t for t in _SEPARATORS.split(_skeleton(unicode_host(host[:max(suffix_at, 0)] or host))) if t]
    labels = labels[-MAX_LABELS:]
    return list(dict.fromkeys("".join(labels[i:j]) for i in range(len(labels))
                              for j in range(i + 1, min(i + MAX_WINDOW, len(labels)) + 1)))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class WatchIndex:
    """Every active entry, keyed for the probes of `match`."""

    def __init__(self) -> None:
        self.exact: dict[tuple[str, str], list[tuple[int, int]]] = {}  # (kind, key) -> [(entry, owner)]
        self.names: dict[str, list[tuple[int, int, str]]] = {}  # domain name skeleton -> [(entry, owner, domain)]
        self.near: dict[str, set[str]] = {}  # a name with one letter dropped -> names
        # first 2, 3 or 4 characters -> {length: {key: [(entry, owner)]}}
        self.mentions: dict[str, dict[int, dict[str, list[tuple[int, int]]]]] = {}
        self.prefixes: dict[int, set[str]] = {}  # prefix length -> the prefixes filed
        self.size = 0

    @classmethod
    def build(cls, rows: Iterable[tuple[int, int, str, str]]) -> WatchIndex:
        """An index of (entry id, owner id, kind, match key) rows."""
        index = cls()
        for entry_id, owner_id, kind, key in rows:
            index.add(entry_id, owner_id, kind, key)
        return index

    def add(self, entry_id: int, owner_id: int, kind: str, key: str) -> None:
        """Index one entry."""
        self.size += 1
        self.exact.setdefault((kind, key), []).append((entry_id, owner_id))
        if kind == "domain":
            name = domain_name(key)
            if len(name) >= MIN_NAME:
                self.names.setdefault(name, []).append((entry_id, owner_id, key))
            if len(name) >= MIN_FUZZY:
                for variant in _deletions(name) | {name}:
                    self.near.setdefault(variant, set()).add(name)
        elif kind in ("brand", "company") and len(key) >= (MIN_LATIN_MENTION if key.isascii() else MIN_MENTION):
            self.prefixes.setdefault(min(len(key), PREFIX), set()).add(key[:PREFIX])
            lengths = self.mentions.setdefault(key[:PREFIX], {})
            lengths.setdefault(len(key), {}).setdefault(key, []).append((entry_id, owner_id))

    def match(self, subjects: Subjects) -> list[Match]:
        """Every entry the subjects hit, once per (entry, reason, subject)."""
        found: dict[tuple[int, str, str], Match] = {}
        for host in sorted(subjects.hosts):
            for m in self._host(host):
                found.setdefault((m.entry_id, m.reason, m.subject), m)
        for phone in sorted(subjects.phones):
            for entry_id, owner_id in self.exact.get(("phone", phone), ()):
                found.setdefault((entry_id, "match", f"phone:{phone}"),
                                 Match(entry_id, owner_id, "match", f"phone:{phone}", {"phone": phone}))
        for company in sorted(subjects.companies):
            for entry_id, owner_id in self.exact.get(("company", company), ()):
                found.setdefault((entry_id, "match", f"company:{company}"),
                                 Match(entry_id, owner_id, "match", f"company:{company}", {"company": company}))
        if self.mentions and (subjects.text or subjects.hosts):
            text = subjects.text + " " + " ".join(sorted(subjects.hosts))
            for entry_id, owner_id, key in self._mentioned(text):
                if not any(k[0] == entry_id and k[1] == "match" for k in found):
                    found.setdefault((entry_id, "mention", subjects.source),
                                     Match(entry_id, owner_id, "mention", subjects.source, {"name": key}))
        return list(found.values())

    def _host(self, host: str) -> list[Match]:
        registrable = registrable_domain(host)
        subject = f"domain:{registrable}"
        out = [Match(e, o, "match", subject, {"domain": registrable, "host": host})
               for e, o in self.exact.get(("domain", registrable), ())]
        exact_entries = {m.entry_id for m in out}
        for window in host_windows(host) if self.names else ():
            for name, how in self._names_near(window):
                for entry_id, owner_id, watched in self.names.get(name, ()):
                    if entry_id not in exact_entries and watched != registrable:
                        out.append(Match(entry_id, owner_id, "lookalike", subject,
                                         {"domain": registrable, "host": host, "watched": watched, "how": how}))
        return out

    def _names_near(self, window: str) -> list[tuple[str, str]]:
        """Watched names equal to the window (after homoglyphs, separators), or one edit away."""
        found = [(window, "same name")] if window in self.names else []
        if MIN_FUZZY - 1 <= len(window) <= MAX_NAME + 1 and self.near:
            candidates: set[str] = set()
            for variant in _deletions(window) | {window}:
                candidates |= self.near.get(variant, set())
            found += [(name, "one edit away") for name in sorted(candidates)
                      if name != window and _edit_distance(window, name, 1) <= 1]
        return found

    def _mentioned(self, text: str) -> list[tuple[int, int, str]]:
        """(entry, owner, key) of the names written in the text (folded), each once: the text's
        2-, 3- and 4-grams are intersected with the names' prefixes (set operations), and only
        where a prefix occurs are the names starting with it probed, by length."""
        folded = fold_name(text)
        seen: dict[int, tuple[int, int, str]] = {}
        budget = PROBES_PER_CHAR * len(folded) + 1000  # names sharing a prefix in many lengths cost no more
        for size, filed in self.prefixes.items():
            grams = {folded[i:i + size] for i in range(len(folded) - size + 1)}
            for prefix in grams & filed:
                lengths = self.mentions[prefix]
                at = folded.find(prefix)
                while at >= 0 and budget > 0:
                    budget -= len(lengths)
                    for length, keys in lengths.items():
                        for entry_id, owner_id in keys.get(folded[at:at + length], ()):
                            seen.setdefault(entry_id, (entry_id, owner_id, folded[at:at + length]))
                    at = folded.find(prefix, at + 1)
        if budget <= 0:
            log.warning("names in a text of %d characters: search cut short (too many probes)", len(folded))
        return list(seen.values())
