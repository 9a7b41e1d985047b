"""Near-duplicate clusters of texts, so that a held-out split never tests near-copies of training rows.

A text is folded (`classifiers.normalize.normalize_text`, lower case, every run of digits
and of masked digits — `x`, `xx` outside a Latin word, the zh_spam_sms mask — becomes
`0`, the path of a link is dropped: `call 0800123 bit.ly/Ab1` and `call 0800999
bit.ly/Zz9` fold alike) and cut into character shingles: 3 characters when at least half
of its letters are Chinese (one character carries about a word), 5 otherwise; a folded
text shorter than that is one shingle.

Two texts are near-duplicates when the Jaccard similarity of their shingle sets, estimated
by MinHash over NUM_HASHES seeded hash functions, is at least THRESHOLD (0.7: one changed
word in a 20-word message or one changed character in a 12-character Chinese one is still
a copy; two messages of one template with different names, amounts and links too). Pairs
to compare come from LSH banding (BANDS bands of ROWS hashes: a pair at Jaccard 0.7 shares
a band with probability 0.9998, at 0.5 0.87, at 0.3 0.23). Texts are taken by distinct
signature, in sorted order, and within a band's bucket each is compared with the bucket's
first and with the one before it: work is linear in the number of texts, the clusters do
not depend on the order of the texts, and an exact copy is always in its twin's cluster.
Near-duplicate pairs are joined into clusters (connected components, as union-find would);
a cluster may chain texts less similar than THRESHOLD.

`cluster_bucket` gives every text the bucket of its cluster: sha1(smallest text of the
cluster + salt) % mod, so a whole cluster lands in one split, and a text with no
near-duplicate keeps its sha1 bucket (`classifiers.corpus.text_bucket`). Everything is
deterministic (SEED); the 82,877 zh_spam_sms messages cluster in ~3 s on one core.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from classifiers.corpus import text_bucket
from classifiers.normalize import MAX_TEXT_CHARS, normalize_text

THRESHOLD = 0.7
NUM_HASHES = 128
BANDS, ROWS = 32, 4
SEED = 20261128
SHINGLE_LATIN, SHINGLE_CJK = 5, 3
BATCH_CHARS = 1 << 20  # characters hashed at a time (bounds the working memory)
CHUNK = 8192  # shingles permuted at a time: CHUNK x NUM_HASHES x 8 bytes

_LINK_PATH = re.compile(r"((?<![\w.-])[\w-]++(?:\.[\w-]++)++)/\S*+")
_MASKED = re.compile(r"\d++|(?<![a-z])x++(?![a-z])")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
_PRIME = np.uint64(0x100000001B3)
_MASK64 = (1 << 64) - 1


def fold(text: str) -> str:
    """The form of `text` that shingles are cut from (see the module docstring)."""
    low = normalize_text(text)[:MAX_TEXT_CHARS].lower()
    return _MASKED.sub("0", _LINK_PATH.sub(r"\1/", low))


def shingle_size(folded: str) -> int:
    """3 when at least half of the letters of a folded text are Chinese, else 5."""
    letters = len(_LETTER.findall(folded))
    return SHINGLE_CJK if letters and 2 * len(_CJK.findall(folded)) >= letters else SHINGLE_LATIN


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the bits of polynomial shingle hashes (uint64, wrapping)."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _gram_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """Hash of the k characters starting at every position (the last k-1 wrap onto zeros)."""
    padded = np.concatenate([codes.astype(np.uint64), np.zeros(k, np.uint64)])
    h = np.zeros(len(codes), np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _PRIME + padded[j:j + len(codes)] + np.uint64(1)
        return _mix(h)


def _short_hash(folded: str) -> np.uint64:
    """Hash of a whole folded text that is shorter than its shingle (one shingle)."""
    digest = hashlib.blake2b(folded.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little") & _MASK64)


def _permutations(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 1 << 63, NUM_HASHES, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 1 << 63, NUM_HASHES, dtype=np.uint64)
    return a, b


def _minhash(values: np.ndarray, owners: np.ndarray, sig: np.ndarray, perm: tuple[np.ndarray, np.ndarray]) -> None:
    """Lower sig[owner] to the permuted minima of `values` (owners sorted ascending)."""
    a, b = perm
    for start in range(0, len(values), CHUNK):
        part, own = values[start:start + CHUNK], owners[start:start + CHUNK]
        with np.errstate(over="ignore"):
            permuted = ((part[:, None] * a[None, :] + b[None, :]) >> np.uint64(32)).astype(np.uint32)
        cuts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
        ids = own[cuts]
        sig[ids] = np.minimum(sig[ids], np.minimum.reduceat(permuted, cuts, axis=0))


def _batch_shingles(folded: list[str], first: int) -> tuple[np.ndarray, np.ndarray]:
    """(shingle hashes, owner index) of a batch of folded texts; owners count from `first`."""
    codes = np.frombuffer("".join(folded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter((len(t) for t in folded), np.int64, len(folded))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    sizes = np.fromiter((shingle_size(t) for t in folded), np.int64, len(folded))
    counts = np.maximum(lengths - sizes + 1, 0)
    owner = np.repeat(np.arange(len(folded)), counts)
    pos = starts[owner] + np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    values = np.where(sizes[owner] == SHINGLE_CJK, _gram_hashes(codes, SHINGLE_CJK)[pos],
                      _gram_hashes(codes, SHINGLE_LATIN)[pos])
    short = np.flatnonzero(counts == 0)
    if len(short):  # texts shorter than a shingle: one shingle each, merged in owner order
        owner = np.concatenate([owner, short])
        values = np.concatenate([values, np.array([_short_hash(folded[i]) for i in short], np.uint64)])
        order = np.argsort(owner, kind="stable")
        owner, values = owner[order], values[order]
    return values, owner + first


def signatures(texts: Sequence[str], seed: int = SEED) -> np.ndarray:
    """MinHash signatures (len(texts) x NUM_HASHES, uint32) of the folded texts."""
    sig = np.full((len(texts), NUM_HASHES), np.iinfo(np.uint32).max, dtype=np.uint32)
    perm = _permutations(seed)
    batch: list[str] = []
    first = size = 0
    for index, text in enumerate(texts):
        batch.append(fold(text))
        size += len(batch[-1])
        if size >= BATCH_CHARS or index == len(texts) - 1:
            _minhash(*_batch_shingles(batch, first), sig, perm)
            first, batch, size = index + 1, [], 0
    return sig


def _band_pairs(sig: np.ndarray, band: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Near-duplicate pairs among the texts that share band `band` of their signatures."""
    cols = sig[:, band * ROWS:(band + 1) * ROWS].astype(np.uint64)
    key = np.zeros(len(sig), np.uint64)
    with np.errstate(over="ignore"):
        for j in range(ROWS):
            key = _mix(key * _PRIME + cols[:, j])
    order = np.argsort(key, kind="stable")
    same = key[order][1:] == key[order][:-1]
    later = np.flatnonzero(same) + 1  # positions in `order` that follow a text of the same bucket
    if not len(later):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    group_start = np.maximum.accumulate(np.where(np.r_[True, ~same], np.arange(len(order)), 0))
    heads = np.concatenate([order[group_start[later]], order[later - 1]])
    tails = np.concatenate([order[later], order[later]])
    keep = _similar(sig, heads, tails, threshold)
    return heads[keep], tails[keep]


def _similar(sig: np.ndarray, a: np.ndarray, b: np.ndarray, threshold: float) -> np.ndarray:
    """Which pairs (a[i], b[i]) have an estimated Jaccard similarity >= threshold (in chunks)."""
    out = np.zeros(len(a), bool)
    for start in range(0, len(a), CHUNK * 8):
        part = slice(start, start + CHUNK * 8)
        out[part] = (sig[a[part]] == sig[b[part]]).mean(axis=1) >= threshold
    return out


def _distinct_rows(sig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows of `sig` in sorted order, index of each row's distinct row).

    Exact copies are collapsed by their bytes first (linear): np.unique(axis=0) alone sorts
    every row as one 512-byte key and slows down far beyond n log n when many rows repeat.
    """
    seen: dict[bytes, int] = {}
    keep: list[int] = []
    index = np.empty(len(sig), np.int64)
    for position, row in enumerate(sig):
        index[position] = slot = seen.setdefault(row.tobytes(), len(seen))
        if slot == len(keep):
            keep.append(position)
    distinct = sig[np.array(keep, np.int64)]
    ordered, rank = np.unique(distinct, axis=0, return_inverse=True)
    return ordered, rank.reshape(-1)[index]


def cluster_ids(texts: Sequence[str], threshold: float = THRESHOLD, seed: int = SEED) -> list[int]:
    """Cluster of each text (0, 1, 2... in order of first appearance); near-duplicates share one."""
    if len(texts) == 0:
        return []
    sig, text_sig = _distinct_rows(signatures(texts, seed))
    n = len(sig)
    pairs = [_band_pairs(sig, band, threshold) for band in range(BANDS)]
    rows = np.concatenate([p[0] for p in pairs])
    cols = np.concatenate([p[1] for p in pairs])
    graph = coo_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    labels = labels[text_sig.reshape(-1)]
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(len(first), np.int64)
    rank[labels[np.sort(first)]] = np.arange(len(first))
    return rank[labels].tolist()


def buckets_of_clusters(texts: Sequence[str], ids: Sequence[int], mod: int, salt: str = "") -> list[int]:
    """Bucket of each text's cluster: sha1(smallest text of the cluster + salt) % mod."""
    smallest: dict[int, str] = {}
    for text, cid in zip(texts, ids):
        if cid not in smallest or text < smallest[cid]:
            smallest[cid] = text
    bucket = {cid: text_bucket(text + salt, mod) for cid, text in smallest.items()}
    return [bucket[cid] for cid in ids]


def cluster_bucket(texts: Sequence[str], mod: int, salt: str = "", threshold: float = THRESHOLD,
                   seed: int = SEED) -> list[int]:
    """Split bucket of each text such that a whole near-duplicate cluster lands in one bucket."""
    return buckets_of_clusters(texts, cluster_ids(texts, threshold, seed), mod, salt)


def in_cluster_with(ids: Sequence[int], marked: Sequence[bool]) -> list[bool]:
    """For each text, whether its cluster holds a marked text (itself included)."""
    hit = {cid for cid, m in zip(ids, marked) if m}
    return [cid in hit for cid in ids]
