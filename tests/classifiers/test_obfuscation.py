"""Obfuscation harness (issue #10 item 4): the corpus tax scams a model trained on the
project corpus catches, disguised the ways fraudsters disguise them (classifiers.obfuscate),
are still caught as tax scams of the same authority (that test is in test_corpus_model.py,
which trains the model once for every test that needs it; here, the disguises themselves).

The model is trained with holdout_mod=5: the scams tried are the rows of bucket 0 (of the
near-duplicate clusters train_model splits by), which it never saw, nor any near-copy or
obfuscated copy of them. Each is disguised by every kind that has
something to work on, with fixed seeds; the rate per kind is printed (pytest -s).
"""
from __future__ import annotations

import pytest

from classifiers.obfuscate import KINDS, obfuscate, variants
from classifiers.train import augment, prepare

SEEDS = (11, 12)
HOLDOUT_MOD = 5
MIN_RATE = 0.95  # of all variants
MIN_KIND_RATE = 0.90  # of the variants of each kind


def test_variants_are_deterministic_and_leave_links_alone():
    text = "HMRC: your tax refund of £284.19 is ready, claim at hmrc-refund.top/claim or mail tax@hmrc-help.co"
    for kind in KINDS:
        assert obfuscate(text, kind, 3) == obfuscate(text, kind, 3)
    for kind, variant in variants(text, 3):
        assert variant != text
        assert "hmrc-refund.top/claim" in variant and "tax@hmrc-help.co" in variant, kind


def test_each_kind_disguises_what_it_says():
    zh = "【国家税务总局】您有一笔个人所得税退税款待领取，请登录 etax-gov.top 办理"
    en = "IRS notice: your tax refund is pending"
    assert any(ord(c) > 0x1F000 or 0x2600 <= ord(c) < 0x2800 for c in obfuscate(zh, "emoji_cjk", 1))
    assert any("\u0370" <= c <= "\u052f" for c in obfuscate(en, "cyrillic", 1))
    assert any(c.isdigit() or c == "." for c in obfuscate(en, "leet", 1).split(":")[0])
    assert obfuscate(zh, "pinyin", 1) != zh and "etax-gov.top" in obfuscate(zh, "pinyin", 1)
    assert any("\uff01" <= c <= "\uff5e" for c in obfuscate(en, "fullwidth", 1))
    assert any(c in "\u200b\u200c\u200d\u2060\ufeff" for c in obfuscate(en, "zero_width", 1))
    assert obfuscate(en, "emoji_cjk", 1) == en  # nothing to work on
    with pytest.raises(ValueError):
        obfuscate(en, "rot13", 1)


def test_augmentation_adds_disguised_scam_copies_only():
    scams = [f"HMRC: your tax refund of £{i}.50 is ready, claim at hmrc-refund.top" for i in range(30)]
    scams += [f"【国家税务总局】您有一笔{i}元个人所得税退税款，请 {i} 小时内 tuishui-{i}.top 领取" for i in range(30)]
    rows = prepare([{"text": text, "label": "scam"} for text in scams] +
                   [{"text": f"Your payslip {i} is ready", "label": "legit"} for i in range(40)])
    copies = augment(rows, 1.0, seed=7)
    assert copies == augment(rows, 1.0, seed=7)
    assert 1 <= len(copies) <= len(scams)
    assert all(c["label"] == "scam" and c["augmented"] for c in copies)
    assert not {c["norm"] for c in copies} & {r["norm"] for r in rows}  # none the normaliser undoes fully
    assert augment(rows, 0.0, seed=7) == []
