"""Features of a message for the linear model: n-grams and signal features.

- `analyze`: character 1-3-grams of the lower-cased normalised text (digit runs and
  masked digit runs such as `xxx` folded to `0`), plus word 1-2-grams of the alphabetic
  words, prefixed WORD_MARK (a control character, which normalised text never holds).
- `signal_vector`: one value per SIGNAL_FEATURES name: presence of each signal, and
  conjunctions of "this talks about tax / a refund" with what tax authorities never do.
- `Vectorizer`: the inference side of TF-IDF (sublinear tf, smooth idf, l2), the same
  arithmetic as scikit-learn's TfidfVectorizer, from a plain vocabulary and idf array.
"""
from __future__ import annotations

import functools
import re

import numpy as np
import scipy.sparse as sp

from classifiers.lexicon import phrase_table
from classifiers.patterns import Span
from classifiers.signals import LURE_PARTS, within

_DIGITS = re.compile(r"\d+|(?<![a-z])x{2,}(?![a-z])")
_WORDS = re.compile(r"[a-z0-9\u00c0-\u024f]+")

RISK = ("credential_request", "payment_personal", "gift_card_crypto", "im_contact", "third_party_fee",
        "threat_arrest", "app_download")
# Asking the reader to act: give details, pay, download, click.
REQUEST = frozenset({"credential_request", "payment_personal", "gift_card_crypto", "third_party_fee", "app_download",
                     "click_request"})
_BASE = sorted({name.split(":")[0] for name in phrase_table()}) + [
    "url", "email", "url_official", "url_lookalike", "url_unknown", "url_known", "email_known", "url_platform",
    "email_platform", "url_shortener", "url_ip_host", "url_risky_tld", "url_taxlike", "email_taxlike",
    "email_official", "email_lookalike", "email_unknown", "phone", "hotline_official", "money", "deadline",
    "card_number", "sender_tag_bureau", "sender_tag_generic", "quoted_lure"]
_DERIVED = ["tax_context", "refund_context", "link_nonofficial", "only_official_links", "risk_count_1",
            "risk_count_2", "risk_count_3plus", "refund_and_link", "refund_and_money", "anti_fraud_and_risk",
            "known_links_only", "request_and_link_nonofficial", "link_nonofficial_no_request"] + [
    f"tax_and_{name}" for name in RISK + ("link_nonofficial", "url_lookalike", "click_request", "urgency",
                                          "deadline", "phone")]
_WARN = RISK + ("link_nonofficial", "url_lookalike", "urgency", "deadline", "money", "refund_context", "tax_context")
_DERIVED += [f"warn_and_{name}" for name in _WARN] + [f"official_and_{name}" for name in _WARN]
_SHARED = sorted(set(_BASE)) + _DERIVED
LANGS = ("zh", "en")
SIGNAL_FEATURES = _SHARED + [f"{lang}|{name}" for lang in LANGS for name in _SHARED]
SIGNAL_INDEX = {name: i for i, name in enumerate(SIGNAL_FEATURES)}


WORD_MARK = "\x01"


def analyze(low: str) -> list[str]:
    """N-gram terms of a lower-cased normalised text."""
    text = _DIGITS.sub("0", low)
    size = len(text)
    grams = list(text)
    grams += [text[i:i + 2] for i in range(size - 1)]
    grams += [text[i:i + 3] for i in range(size - 2)]
    words = _WORDS.findall(text)
    if words:
        grams += [WORD_MARK + w for w in words]
        grams += [f"{WORD_MARK}{a} {b}" for a, b in zip(words, words[1:])]
    return grams


def derived(names: set[str]) -> list[str]:
    """Conjunction features of a set of signal names."""
    out = []
    tax = bool(names & {"authority", "tax_term", "sender_tag_bureau", "sender_tag_generic"})
    refund = bool(names & {"refund_term", "subsidy_term"})
    links = "url" in names or "email" in names
    nonofficial = bool(names & {"url_unknown", "url_lookalike", "email_unknown", "email_lookalike"})
    if tax:
        out.append("tax_context")
    if refund:
        out.append("refund_context")
    if nonofficial:
        out.append("link_nonofficial")
    if links and not nonofficial:
        out.append("only_official_links")
    risks = sum(1 for r in RISK if r in names) + nonofficial
    if risks:
        out.append("risk_count_1" if risks == 1 else "risk_count_2" if risks == 2 else "risk_count_3plus")
    if refund and nonofficial:
        out.append("refund_and_link")
    if refund and "money" in names:
        out.append("refund_and_money")
    if risks and "never_ask" in names:
        out.append("anti_fraud_and_risk")
    if nonofficial:
        # What makes a link a lure is what the message asks for on it, not that it is unofficial.
        out.append("request_and_link_nonofficial" if names & REQUEST else "link_nonofficial_no_request")
    elif names & {"url_known", "email_known"}:
        out.append("known_links_only")
    context = names | set(out)
    if "never_ask" in names:
        out.extend(f"warn_and_{r}" for r in _WARN if r in context)
    if names & {"sender_tag_bureau", "self_login", "url_official", "hotline_official"}:
        out.extend(f"official_and_{r}" for r in _WARN if r in context)
    if tax:
        extra = names | ({"link_nonofficial"} if nonofficial else set())
        out.extend(f"tax_and_{r}" for r in RISK + ("link_nonofficial", "url_lookalike", "click_request", "urgency",
                                                   "deadline", "phone") if r in extra)
    return out


_CJK_RE = re.compile("[\u4e00-\u9fff]")
_ALPHA_RE = re.compile(r"[^\W\d_]")


def language(text: str) -> str:
    """"zh" when at least 10% of the letters are Chinese characters, else "en"."""
    head = text[:2000]
    if head.isascii():
        return "en"
    cjk = _CJK_RE.subn("", head)[1]
    if not cjk:
        return "en"
    # letters <= characters: most Chinese text is decided without counting its letters
    return "zh" if cjk * 10 >= len(head) or cjk * 10 >= _ALPHA_RE.subn("", head)[1] else "en"


def signal_names(spans: list[Span], lang: str | None = None) -> frozenset[str]:
    """Base and derived feature names present in a list of spans (and, given the
    language, the same names prefixed `zh|` or `en|` so weights can differ by language).
    What a message quotes is not what it asks: the lure parts inside a `quoted_lure`
    (a warning quoting the lure it reports), its links included, do not count as the message's own."""
    quoted = [(s.start, s.end) for s in spans if s.name == "quoted_lure"]
    if quoted:
        spans = [s for s in spans if not (s.name in LURE_PARTS or s.name.startswith(("url", "email")))
                 or not within(s, quoted)]
    return _names_of(frozenset(s.name for s in spans), lang)


@functools.lru_cache(maxsize=8192)
def _names_of(base: frozenset[str], lang: str | None) -> frozenset[str]:
    """signal_names of one set of span names (few distinct sets recur across a batch)."""
    names = set(base) | set(derived(set(base)))
    if lang:
        names |= {f"{lang}|{name}" for name in names}
    return frozenset(names)


def signal_matrix(name_sets: list[set[str]]) -> sp.csr_matrix:
    """Binary signal-feature matrix, one row per message (from `signal_names` sets)."""
    rows, cols = [], []
    for i, names in enumerate(name_sets):
        for name in names:
            j = SIGNAL_INDEX.get(name)
            if j is not None:
                rows.append(i)
                cols.append(j)
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(name_sets), len(SIGNAL_FEATURES)), dtype=np.float32)


class Vectorizer:
    """TF-IDF transform from a fixed vocabulary (sublinear tf, l2 norm), like scikit-learn's.

    The character n-grams of a whole batch are looked up at once: the texts' code points
    in one array, each 1-, 2- and 3-gram packed into one integer (21 bits a code point) and
    found in the sorted keys of the vocabulary's n-grams of that length by binary search.
    Word n-grams go through a dict. The result is the matrix `analyze` + a vocabulary
    lookup gives (tests/classifiers/test_features.py compares them)."""

    BLOCK_CHARS = 1 << 21  # code points looked up at once: bounds the temporary arrays (~100 MB)

    def __init__(self, terms: list[str], idf: np.ndarray) -> None:
        self.terms = terms
        self.words = {t: i for i, t in enumerate(terms) if t.startswith(WORD_MARK)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.grams = [_gram_table([(t, i) for i, t in enumerate(terms) if len(t) == size and WORD_MARK not in t], size)
                      for size in (1, 2, 3)]

    def transform(self, lowered: list[str]) -> sp.csr_matrix:
        """TF-IDF matrix of lower-cased normalised texts."""
        folded = [_DIGITS.sub("0", text) for text in lowered]
        rows, cols = [], []
        start = 0
        while start < len(folded):
            end, size = start, 0
            while end < len(folded) and (end == start or size + len(folded[end]) <= self.BLOCK_CHARS):
                size += len(folded[end])
                end += 1
            block_rows, block_cols = self._char_grams(folded[start:end])
            rows.append(block_rows + start)
            cols.append(block_cols)
            start = end
        word_rows, word_cols = self._word_grams(folded)
        rows.append(word_rows)
        cols.append(word_cols)
        row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        col = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        data = np.ones(len(row), dtype=np.float32)
        matrix = sp.csr_matrix((data, (row, col)), shape=(len(lowered), len(self.terms)), dtype=np.float32)
        matrix.sum_duplicates()
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1.0
        matrix.data *= self.idf[matrix.indices]
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
        return matrix

    def _char_grams(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every character 1-3-gram of `texts` that the vocabulary holds."""
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        rows, cols = [], []
        key = codes
        for size, (keys, ids) in enumerate(self.grams, start=1):
            if size > 1:
                if len(codes) < size:
                    break
                key = (key[:-1] << np.uint64(21)) | codes[size - 1:]
            if not len(keys):
                continue
            same = owner[:len(owner) - size + 1] == owner[size - 1:]
            at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
            hit = np.flatnonzero((keys[at] == key) & same)
            rows.append(owner[hit])
            cols.append(ids[at[hit]])
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(rows), np.concatenate(cols)

    def _word_grams(self, folded: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of the word 1-2-grams of `folded` that the vocabulary holds."""
        get = self.words.get
        rows: list[int] = []
        cols: list[int] = []
        for i, text in enumerate(folded):
            words = _WORDS.findall(text)
            if not words:
                continue
            terms = [WORD_MARK + w for w in words]
            terms += [f"{WORD_MARK}{a} {b}" for a, b in zip(words, words[1:])]
            found = [j for j in map(get, terms) if j is not None]
            cols += found
            rows += [i] * len(found)
        return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)


def _gram_table(items: list[tuple[str, int]], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted packed keys of n-grams of one size, and their column numbers."""
    keys = np.zeros(len(items), dtype=np.uint64)
    for pos in range(size):
        codes = np.fromiter((ord(t[pos]) for t, _ in items), dtype=np.uint64, count=len(items))
        keys = (keys << np.uint64(21)) | codes
    ids = np.fromiter((i for _, i in items), dtype=np.int64, count=len(items))
    order = np.argsort(keys, kind="stable")
    return keys[order], ids[order]


def combine(ngrams: sp.csr_matrix, signals: sp.csr_matrix, signal_weight: float) -> sp.csr_matrix:
    """The model's input: n-gram TF-IDF next to weighted signal features."""
    return sp.hstack([ngrams, signals * signal_weight], format="csr", dtype=np.float32)


def feature_names(terms: list[str]) -> list[str]:
    """Readable names of all model inputs, in column order."""
    return [t.lstrip(WORD_MARK) for t in terms] + [f"signal:{name}" for name in SIGNAL_FEATURES]


__all__ = ["analyze", "derived", "signal_names", "signal_matrix", "Vectorizer", "combine", "feature_names",
           "SIGNAL_FEATURES"]
