"""The flag threshold chosen on out-of-fold scores of every row (classifiers.train.fold_threshold)."""
from __future__ import annotations

import numpy as np

from classifiers import train as train_module
from classifiers.corpus import load_corpus, split_buckets
from classifiers.model import Classifier


def test_every_row_is_scored_by_heads_that_never_saw_it(monkeypatch, fixture_corpus):
    rows = train_module.prepare(load_corpus([fixture_corpus], [], None))
    params = {**train_module.DEFAULTS, "threshold_folds": 3}
    seen = {}

    def capture(y, scores, **kwargs):
        if "costly" in kwargs:  # the call on every row (the other is on rows without a tax context)
            seen.update(y=y, scores=np.array(scores), costly=kwargs["costly"])
        return 0.55

    monkeypatch.setattr(train_module, "_best_threshold", capture)
    meta = {"params": params, "signal_weight": params["signal_weight"]}
    assert train_module.fold_threshold(rows, params, 13, "cluster", meta) == {"flag": 0.55, "flag_other": 0.55}
    assert len(seen["scores"]) == len(rows) and len(seen["costly"]) == len(rows)
    assert seen["y"].tolist() == [int(r["label"] != "legit") for r in rows]
    # fold 1's rows, scored again by heads fitted on the other folds only
    folds = np.array(split_buckets([r["text"] for r in rows], 3, "cluster", salt="|fold"))
    fold_meta = {**meta, "thresholds": {"flag": 0.5, "tax": 0.5}, "version": "check"}
    terms, arrays = train_module._build([r for r, f in zip(rows, folds) if f != 1], params, 13, fold_meta)
    part = [r for r, f in zip(rows, folds) if f == 1]
    again = Classifier(fold_meta, terms, arrays).scores([r["norm"] for r in part], [r["spans"] for r in part])["flag"]
    assert np.allclose(seen["scores"][folds == 1], again)
    # an in-sample model would score its own rows differently (the scores are not in-sample)
    terms, arrays = train_module._build(rows, params, 13, fold_meta)
    own = Classifier(fold_meta, terms, arrays).scores([r["norm"] for r in part], [r["spans"] for r in part])["flag"]
    assert not np.allclose(own, again)


def test_training_uses_the_fold_threshold_on_big_corpora(monkeypatch, fixture_corpus, tmp_path):
    monkeypatch.setattr(train_module, "FOLDS_MIN_ROWS", 0)
    monkeypatch.setattr(train_module, "fold_threshold", lambda *args: {"flag": 0.41, "flag_other": 0.33})
    metrics = train_module.train_model([fixture_corpus], tmp_path / "m", params={"threshold_folds": 3},
                                       progress=lambda step, fraction: None)
    assert metrics["validation"]["thresholds"] == {"flag": 0.41, "flag_other": 0.33, "tax": 0.5}


def test_small_corpora_keep_the_validation_threshold(monkeypatch, fixture_corpus, tmp_path):
    called = []
    monkeypatch.setattr(train_module, "fold_threshold", lambda *args: called.append(1))
    metrics = train_module.train_model([fixture_corpus], tmp_path / "m", progress=lambda step, fraction: None)
    assert not called and set(metrics["validation"]["thresholds"]) == {"flag", "flag_other", "tax"}


def _rows(texts_labels):
    return train_module.prepare([{"text": t, "label": label} for t, label in texts_labels], dedupe=False)


def test_messages_without_a_tax_context_get_their_own_threshold():
    # 200 tax messages (scams score 0.8, legit 0.2, 4 legit tax notices 0.55) and 200 others
    # (adverts score 0.45, ordinary messages 0.1): one threshold for all would have to stay
    # above 0.55 and miss every advert
    tax = _rows([("您的个税退税款", "scam")] * 100 + [("个税汇算提醒", "legit")] * 100)
    other = _rows([("周末大促销", "spam")] * 100 + [("晚上一起吃饭", "legit")] * 100)
    scores = np.concatenate([np.full(100, 0.8), np.full(96, 0.2), np.full(4, 0.55),
                             np.full(100, 0.45), np.full(100, 0.1)])
    chosen = train_module.choose_thresholds(tax + other, scores)
    assert chosen["flag"] > 0.55  # the 4 legit tax notices (4%) stay unflagged
    assert 0.1 < chosen["flag_other"] <= 0.45  # the adverts are caught
    # a corpus with no message outside a tax context: one threshold
    only_tax = train_module.choose_thresholds(tax, scores[:200])
    assert only_tax["flag_other"] == only_tax["flag"]
    assert train_module.choose_thresholds(_rows([("晚上一起吃饭", "legit")] * 3), np.zeros(3)) is None


def test_the_verdict_uses_the_threshold_of_the_message_context(monkeypatch, clf):
    tax_text, plain_text = "您的个税退税款请点击链接领取", "周末大促销，全场五折，点击链接领取优惠券"
    from classifiers.features import language, signal_names
    from classifiers.normalize import normalize_text
    from classifiers.signals import fast_signals

    norms = [normalize_text(t) for t in (tax_text, plain_text)]
    assert "tax_context" in signal_names(fast_signals(norms[0]), language(norms[0]))
    assert "tax_context" not in signal_names(fast_signals(norms[1]), language(norms[1]))
    p_tax, p_plain = clf.scores(norms, [fast_signals(n) for n in norms])["flag"]
    # bars just above and just below each message's score
    monkeypatch.setattr(clf, "thresholds", {"flag": p_tax + 1e-6, "flag_other": p_plain - 1e-6, "tax": 0.5})
    assert [r["label"] != "legit" for r in clf.classify_many([tax_text, plain_text])] == [False, True]
    monkeypatch.setattr(clf, "thresholds", {"flag": p_tax - 1e-6, "flag_other": p_plain + 1e-6, "tax": 0.5})
    assert [r["label"] != "legit" for r in clf.classify_many([tax_text, plain_text])] == [True, False]
