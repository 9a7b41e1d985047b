"""The flag threshold: best validation F1 among thresholds that flag at most 1% of legit rows."""
from __future__ import annotations

import numpy as np

from classifiers.train import MAX_LEGIT_FLAGGED, _best_threshold


def test_best_f1_when_few_legit_rows_are_flagged():
    y = np.array([1] * 50 + [0] * 200)
    p = np.concatenate([np.linspace(0.6, 0.99, 50), np.linspace(0.0, 0.35, 200)])
    t = _best_threshold(y, p)
    assert 0.36 <= t <= 0.6  # anywhere between the classes: all F1 1.0, none legit flagged


def test_a_lower_threshold_with_a_better_f1_is_refused_when_it_flags_too_many_legit_rows():
    # 300 legit rows, 10 of them score 0.45: flagging them (t <= 0.45) catches 20 more scams
    y = np.array([1] * 100 + [0] * 300)
    p = np.concatenate([np.full(80, 0.9), np.full(20, 0.45), np.full(10, 0.45), np.full(290, 0.1)])
    plain_best = _best_threshold(y, p, max_legit_flagged=1.0)
    assert plain_best <= 0.45
    t = _best_threshold(y, p)
    assert t > 0.45
    assert ((p >= t) & (y == 0)).sum() / 300 <= MAX_LEGIT_FLAGGED


def test_when_no_threshold_is_clean_enough_the_fewest_legit_rows_are_flagged():
    y = np.array([1] * 10 + [0] * 10)
    p = np.concatenate([np.full(10, 0.9), np.full(10, 0.95)])  # legit rows score above every threshold
    t = _best_threshold(y, p)
    assert t == 0.3  # all thresholds flag every legit row: the lowest of them
    y2 = np.array([1] * 10 + [0] * 10)
    p2 = np.concatenate([np.full(10, 0.9), np.full(5, 0.95), np.full(5, 0.5)])
    assert _best_threshold(y2, p2) == 0.51  # the lowest threshold above the 0.5 legit rows


def test_legit_tax_messages_get_their_own_budget():
    # 1,000 legit rows, 20 of them tax messages; 2 tax messages score 0.5: flagging them is 0.2%
    # of all legit rows (allowed) but 10% of the tax ones, which the costly mask refuses
    y = np.array([1] * 100 + [0] * 1000)
    p = np.concatenate([np.full(90, 0.9), np.full(10, 0.5), np.full(2, 0.5), np.full(998, 0.1)])
    costly = np.array([False] * 100 + [True] * 20 + [False] * 980)
    assert _best_threshold(y, p) <= 0.5  # without the mask the 10 scams at 0.5 are worth it
    t = _best_threshold(y, p, costly=costly)
    assert t > 0.5
    assert ((p >= t) & costly).sum() / costly.sum() <= MAX_LEGIT_FLAGGED


def test_costly_rows_that_no_threshold_spares_fall_back_to_the_plain_budget():
    y = np.array([1] * 10 + [0] * 200)
    p = np.concatenate([np.full(10, 0.9), np.full(1, 0.95), np.full(199, 0.1)])
    costly = np.array([False] * 10 + [True] + [False] * 199)  # one tax message above every threshold
    assert _best_threshold(y, p, costly=costly) == _best_threshold(y, p)
