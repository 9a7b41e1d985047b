"""Near-identical lures: the MinHash bands a report's text is filed under, and the Jaccard
check that confirms two texts are one lure.

Pure (no database, no Flask). The folding, shingling and MinHash are `classifiers.dedupe`'s
(one implementation for the held-out split and for campaigns); this module only adds what
grouping reports needs on top:

- links and e-mail addresses are masked whole (`fraudwatch.indicators.links.find_links`)
  before folding, so the same lure sent with a different link groups together (dedupe
  keeps the host); digits (phone numbers, amounts, dates) are folded to `0` by dedupe;
- at most MAX_CHARS characters of a text are read, so the work is linear and bounded;
- LSH with BANDS bands of ROWS hashes (the first BANDS x ROWS of dedupe's signature): a pair
  at Jaccard 0.8 shares a band with probability 0.9998, at 0.5 0.64, at 0.3 0.12; a shared
  band only makes two reports candidates, THRESHOLD is then checked on the shingle sets;
- a text of fewer than MIN_SHINGLES shingles has no bands: two short texts ("ok", "点击链接")
  say too little to be one campaign.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from classifiers.dedupe import fold, shingle_size, signatures
from fraudwatch.indicators.links import find_links

THRESHOLD = 0.8
BANDS, ROWS = 16, 4
MAX_CHARS = 4_000
MIN_SHINGLES = 12
LINK_MASK = " \u2192 "  # one shingle-friendly symbol where a link or address was


def mask_links(text: str) -> str:
    """`text` (its first MAX_CHARS characters) with every URL and e-mail address replaced by LINK_MASK."""
    text = text[:MAX_CHARS]
    out, pos = [], 0
    for _kind, start, end in find_links(text):
        out.append(text[pos:start])
        out.append(LINK_MASK)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _shingles(masked: str) -> frozenset[str]:
    folded = fold(masked)
    size = shingle_size(folded)
    if len(folded) < size:
        return frozenset([folded]) if folded else frozenset()
    return frozenset(folded[i:i + size] for i in range(len(folded) - size + 1))


def shingles(text: str) -> frozenset[str]:
    """The shingles of a report's text, links masked (dedupe's fold and shingle size)."""
    return _shingles(mask_links(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity of two shingle sets (0 when both are empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def fingerprints(texts: Sequence[str | None]) -> list[tuple[list[str], frozenset[str]]]:
    """(LSH band keys, shingles) of each text; the MinHash signatures of all of them at once."""
    masked = [mask_links(text) if text else "" for text in texts]
    cut = [_shingles(m) for m in masked]
    banded = [i for i, text in enumerate(texts) if text and len(cut[i]) >= MIN_SHINGLES]
    rows = signatures([masked[i] for i in banded]) if banded else []
    keys: list[list[str]] = [[] for _ in texts]
    for i, row in zip(banded, rows, strict=True):
        row = row[:BANDS * ROWS]
        keys[i] = [f"b{band:02d}:" + hashlib.blake2b(row[band * ROWS:(band + 1) * ROWS].tobytes(),
                                                      digest_size=8).hexdigest() for band in range(BANDS)]
    return list(zip(keys, cut, strict=True))


def bands(text: str | None) -> list[str]:
    """The LSH band keys of a report's text ("b03:<16 hex>"), none for a short or empty text."""
    return fingerprints([text])[0][0]


def near_identical(a: str, b: str) -> bool:
    """True when two texts are one lure: Jaccard of their shingles >= THRESHOLD."""
    return jaccard(shingles(a), shingles(b)) >= THRESHOLD
