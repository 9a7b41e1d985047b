"""Batch classification: the process pool gives the verdicts of `classify_many`, in order;
the garbage collector is paused only during a batch and always switched back on."""
from __future__ import annotations

import gc

import pytest

from classifiers.model import ClassifierPool, without_gc


@pytest.fixture
def texts(fixture_corpus):
    from classifiers.corpus import load_corpus

    rows = load_corpus(fixture_corpus)
    return [r["text"] for r in rows] * 3 + ["", "x" * 30_000, "【税务局】退税 etax-gov.top 请登录"]


def test_pool_gives_the_same_verdicts_in_order(clf, texts, monkeypatch):
    monkeypatch.setattr(ClassifierPool, "MIN_PARALLEL", 10)
    want = clf.classify_many(texts)
    with ClassifierPool(clf, 2) as pool:
        assert pool._pool is not None
        got = pool.classify_many(texts)
        small = pool.classify_many(texts[:3])  # under MIN_PARALLEL: in this process
    assert got == want
    assert small == want[:3]
    assert pool._pool is None


def test_one_worker_runs_in_this_process(clf, texts):
    with ClassifierPool(clf, 1) as pool:
        assert pool._pool is None
        assert pool.classify_many(texts[:5]) == clf.classify_many(texts[:5])


def test_pool_refuses_bad_input_before_sending_it(clf, texts, monkeypatch):
    monkeypatch.setattr(ClassifierPool, "MIN_PARALLEL", 10)
    with ClassifierPool(clf, 2) as pool, pytest.raises(ValueError, match="must be a str"):
        pool.classify_many(texts + [None])
    assert gc.isenabled()


def test_gc_is_back_on_after_a_batch_and_after_an_error(clf, texts):
    assert gc.isenabled()
    clf.classify_many(texts)
    assert gc.isenabled()
    with pytest.raises(ValueError):
        clf.classify_many(texts + [b"bytes"])
    assert gc.isenabled()


def test_without_gc_leaves_a_paused_collector_to_whoever_paused_it():
    gc.disable()
    try:
        with without_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with without_gc(active=False):
        assert gc.isenabled()
    with without_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
