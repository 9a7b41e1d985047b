"""Fingerprints of official pages: is a page's text copied from one of them?

A clone of an official page keeps its words: the GOV.UK guidance text on a github.io host
reads exactly like the real page. Each official page is kept as a small sketch: the hashes
of its word 6-grams ("shingles"; a Chinese, Japanese or Korean character counts as a
word), of which the K smallest are stored (a bottom-K sample, the same for any copy of the
text). A page contains an official page when at least half of that sample is among the
page's own shingles: a word-for-word copy of most of it, not a quoted sentence (a news
article citing two lines of guidance shares a few shingles, never half of them).

The sketches ship in data/official/page_fingerprints.csv (`authority,url,source,hashes`),
built by `bench/page_set/build_fingerprints.py` from public official content (see
data/official/page_fingerprints.md for the sources). Cost: one hash per word of the page,
bounded by MAX_TOKENS (both the official page and the page judged are read that far);
then one set look-up per stored hash.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

from crawlers.script import fold_confusables
from fraudwatch.datafiles import data_path

DATA = data_path("official", "page_fingerprints.csv")
SHINGLE = 6
SKETCH = 64  # hashes kept per official page
MIN_SHINGLES = 40  # a shorter text is too common to fingerprint
CONTAINED = 0.5  # share of an official sketch found in a page for the page to copy it
MIN_MATCHES = 12
MAX_TEXT = 60_000  # characters read
MAX_TOKENS = 6000  # words compared: clones of long documents are compared on their first 6,000 words
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|[^\W_]+")


class Fingerprint(NamedTuple):
    """The sketch of one official page."""

    authority: str
    url: str
    source: str
    hashes: frozenset[int]


class Copy(NamedTuple):
    """An official page whose text a page contains, and how much of its sketch matched."""

    fingerprint: Fingerprint
    share: float


def tokens(text: str) -> list[str]:
    """The first MAX_TOKENS normalised words of `text` (NFKC, case-folded, look-alike
    letters folded)."""
    text = unicodedata.normalize("NFKC", fold_confusables(text[:MAX_TEXT])).casefold()
    return [m.group(0) for _, m in zip(range(MAX_TOKENS), _TOKEN.finditer(text))]


def shingle_hashes(text: str) -> set[int]:
    """The 64-bit hashes of every word 6-gram of `text`."""
    words = tokens(text)
    out: set[int] = set()
    for i in range(len(words) - SHINGLE + 1):
        digest = hashlib.blake2b(" ".join(words[i:i + SHINGLE]).encode(), digest_size=8).digest()
        out.add(int.from_bytes(digest, "big"))
    return out


def sketch(text: str, size: int = SKETCH) -> list[int] | None:
    """The bottom-`size` sketch of `text`, or None when it is too short to fingerprint."""
    hashes = shingle_hashes(text)
    if len(hashes) < MIN_SHINGLES:
        return None
    return sorted(hashes)[:size]


def read_fingerprints(path: Path) -> tuple[Fingerprint, ...]:
    """The fingerprints of a `authority,url,source,hashes` file (hashes: hex, space-separated)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(Fingerprint(row["authority"], row["url"], row["source"],
                                 frozenset(int(h, 16) for h in row["hashes"].split()))
                     for row in csv.DictReader(fh))


@functools.lru_cache(maxsize=1)
def official_fingerprints() -> tuple[Fingerprint, ...]:
    """The shipped fingerprints (empty when the file is absent)."""
    return read_fingerprints(DATA) if DATA.is_file() else ()


def copied_from(text: str, fingerprints: tuple[Fingerprint, ...] | None = None) -> list[Copy]:
    """The official pages whose text `text` contains, best first."""
    prints = official_fingerprints() if fingerprints is None else fingerprints
    if not prints:
        return []
    hashes = shingle_hashes(text)
    if len(hashes) < MIN_MATCHES:
        return []
    found = []
    for fp in prints:
        matches = len(fp.hashes & hashes)
        if matches >= MIN_MATCHES and matches >= CONTAINED * len(fp.hashes):
            found.append(Copy(fp, round(matches / len(fp.hashes), 2)))
    return sorted(found, key=lambda c: -c.share)
