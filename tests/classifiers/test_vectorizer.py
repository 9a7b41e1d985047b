"""The batch TF-IDF transform (packed code points, binary search) gives the matrix of the
plain definition: `analyze` each text, look every term up in the vocabulary."""
from __future__ import annotations

import random

import numpy as np
import pytest
import scipy.sparse as sp

from classifiers.corpus import default_corpus_files, load_corpus
from classifiers.features import Vectorizer, analyze
from classifiers.normalize import normalize_text
from classifiers.signals import lower


def reference(vectorizer: Vectorizer, lowered: list[str]) -> sp.csr_matrix:
    """TF-IDF by the definition, one term at a time."""
    vocab = {term: j for j, term in enumerate(vectorizer.terms)}
    rows, cols = [], []
    for i, text in enumerate(lowered):
        for term in analyze(text):
            j = vocab.get(term)
            if j is not None:
                rows.append(i)
                cols.append(j)
    m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(lowered), len(vectorizer.terms)))
    m.sum_duplicates()
    m.data = (np.log(m.data) + 1.0) * vectorizer.idf[m.indices]
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(m.multiply(1.0 / norms[:, None]))


def vocabulary(texts: list[str]) -> Vectorizer:
    terms = sorted({term for text in texts for term in analyze(text)})
    rng = np.random.default_rng(3)
    return Vectorizer(terms, rng.uniform(1.0, 5.0, len(terms)).astype(np.float32))


def odd_texts() -> list[str]:
    rng = random.Random(11)
    alphabet = "ab税退x0 9.\u3002\U0001f600\ud800\u00e9zq" + "".join(chr(c) for c in range(0x4e00, 0x4e10))
    texts = ["", "a", "ab", "税", "xx", "x", "0", "退税", "\U0001f600\U0001f600\U0001f600", "\ud800\udfff",
             "call 0800 now xxx", "aaa aaa aaa", "a" * 5000]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    return texts


def test_same_matrix_as_the_definition_on_the_corpus_and_odd_strings():
    corpus = [lower(normalize_text(r["text"])) for r in load_corpus(default_corpus_files())]
    odd = odd_texts()
    vec = vocabulary(corpus[::2] + odd[::2])  # half the texts have terms the vocabulary lacks
    texts = corpus + odd
    got, want = vec.transform(texts), reference(vec, texts)
    assert got.shape == want.shape
    assert (got != want).nnz == 0 or np.abs((got - want).toarray()).max() < 1e-5


@pytest.mark.parametrize("block", [1, 7, 1 << 21])
def test_blocks_do_not_change_the_result(monkeypatch, block):
    texts = odd_texts()
    vec = vocabulary(texts)
    want = reference(vec, texts)
    monkeypatch.setattr(Vectorizer, "BLOCK_CHARS", block)
    assert np.abs((vec.transform(texts) - want).toarray()).max() < 1e-5


def test_empty_inputs():
    vec = vocabulary(["abc"])
    assert vec.transform([]).shape == (0, len(vec.terms))
    assert vec.transform(["", ""]).nnz == 0
    assert Vectorizer([], np.zeros(0, np.float32)).transform(["abc"]).shape == (1, 0)


def reference_explanations(X, w, names, flagged, top):
    out = []
    for i in range(X.shape[0]):
        sign = 1.0 if flagged[i] else -1.0
        row = X.getrow(i)
        items = [(float(v) * float(w[j]) * sign, j) for v, j in zip(row.data, row.indices)]
        items = [(t, j) for t, j in items if t > 0]
        items.sort(key=lambda item: -item[0])
        out.append([{"feature": names[j], "weight": round(t * sign, 4)} for t, j in items[:top]])
    return out


def test_explanations_are_the_strongest_contributions_of_each_row():
    from classifiers.decide import EXPLAIN_TOP, explanations

    rng = np.random.default_rng(5)
    X = sp.random(300, 80, density=0.2, format="csr", dtype=np.float32, random_state=7)
    keep = np.ones(300)
    keep[5] = 0  # a row without inputs
    X = sp.csr_matrix(sp.diags(keep) @ X)
    X.eliminate_zeros()
    w = rng.normal(size=80)
    names = [f"f{j}" for j in range(80)]
    flagged = rng.random(300) > 0.5
    got = explanations(X, w, names, flagged)
    want = reference_explanations(X, w, names, flagged, EXPLAIN_TOP)
    assert got[5] == [] and len(got) == 300
    for g, r in zip(got, want):
        assert [e["feature"] for e in g] == [e["feature"] for e in r]
        assert [e["weight"] for e in g] == pytest.approx([e["weight"] for e in r], abs=1e-4)
    assert explanations(sp.csr_matrix((0, 80), dtype=np.float32), w, names, np.zeros(0, bool)) == []
