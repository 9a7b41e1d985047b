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

import re
from itertools import repeat

import numpy as np
import scipy.sparse as sp

from classifiers.lexicon import phrase_table
from classifiers.patterns import Span

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
    "card_number", "sender_tag_bureau", "sender_tag_generic"]
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
    cjk = len(_CJK_RE.findall(head))
    return "zh" if cjk and cjk * 10 >= len(_ALPHA_RE.findall(head)) else "en"


def signal_names(spans: list[Span], lang: str | None = None) -> set[str]:
    """Base and derived feature names present in a list of spans (and, given the
    language, the same names prefixed `zh|` or `en|` so weights can differ by language)."""
    names = {s.name for s in spans}
    names |= set(derived(names))
    if lang:
        names |= {f"{lang}|{name}" for name in names}
    return names


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
    """TF-IDF transform from a fixed vocabulary (sublinear tf, l2 norm), like scikit-learn's."""

    def __init__(self, terms: list[str], idf: np.ndarray) -> None:
        self.terms = terms
        self.vocab = {t: i for i, t in enumerate(terms)}
        self.idf = np.asarray(idf, dtype=np.float32)

    def transform(self, lowered: list[str]) -> sp.csr_matrix:
        """TF-IDF matrix of lower-cased normalised texts."""
        get = self.vocab.get
        missing = repeat(-1)
        indptr, indices = [0], []
        for text in lowered:
            indices.extend(map(get, analyze(text), missing))
            indptr.append(len(indices))
        ids = np.asarray(indices, dtype=np.int64)
        known = ids >= 0
        starts = np.minimum(np.asarray(indptr[:-1]), max(len(ids) - 1, 0))
        counts = np.add.reduceat(known, starts) if len(ids) else np.zeros(len(lowered), int)
        counts = np.where(np.diff(np.asarray(indptr)) > 0, counts, 0)
        pointers = np.concatenate([[0], np.cumsum(counts)])
        data = np.ones(int(known.sum()), dtype=np.float32)
        matrix = sp.csr_matrix((data, ids[known].astype(np.int32), pointers), shape=(len(lowered), len(self.terms)))
        matrix.sum_duplicates()
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1.0
        matrix.data *= self.idf[matrix.indices]
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
        return matrix


def combine(ngrams: sp.csr_matrix, signals: sp.csr_matrix, signal_weight: float) -> sp.csr_matrix:
    """The model's input: n-gram TF-IDF next to weighted signal features."""
    return sp.hstack([ngrams, signals * signal_weight], format="csr", dtype=np.float32)


def feature_names(terms: list[str]) -> list[str]:
    """Readable names of all model inputs, in column order."""
    return [t.lstrip(WORD_MARK) for t in terms] + [f"signal:{name}" for name in SIGNAL_FEATURES]


__all__ = ["analyze", "derived", "signal_names", "signal_matrix", "Vectorizer", "combine", "feature_names",
           "SIGNAL_FEATURES"]
