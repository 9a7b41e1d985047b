"""Normalisation: NFKC, widths, invisible characters, Traditional Chinese, obfuscations, offsets."""
from __future__ import annotations

import pytest

from classifiers.normalize import normalize_text, normalize_with_offsets, to_original


@pytest.mark.parametrize("raw, expected", [
    ("退.税", "退税"),
    ("退 税", "退税"),
    ("退*税款", "退税款"),
    ("退 . 税", "退税"),
    ("稅務局", "税务局"),
    ("個人所得稅退稅", "个人所得税退税"),
    ("ＨＭＲＣ　ｒｅｆｕｎｄ", "HMRC refund"),
    ("退\u200b税", "退税"),
    ("re\u200dfund\u202e", "refund"),
    ("a  \t b", "a b"),
    ("line1\r\n\r\nline2", "line1\nline2"),
    ("  padded  ", "padded"),
    ("", ""),
    ("\x00\x01\x7f", ""),
    ("tax refund", "tax refund"),
    ("I R S notice", "IRS notice"),
    ("H-M-R-C: refund", "HMRC: refund"),
    ("复制 h s q j . t a x 1 2 3 6 6 . c n 打开", "复制 hsqj.tax12366.cn 打开"),
    ("I am a cat", "I am a cat"),
    ("U.S. tax", "U.S. tax"),
])
def test_normalize(raw, expected):
    assert normalize_text(raw) == expected


def test_lone_surrogate_becomes_replacement_char():
    assert normalize_text("a\udcffb") == "a\ufffdb"


def test_non_str_is_value_error():
    with pytest.raises(ValueError):
        normalize_text(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        normalize_with_offsets(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["退.税 稅務局 ＨＭＲＣ", "see H-M-R-C . g o v now", "  x\u200b y  ", "a\n\n b  c", "【稅務局】請點擊 http://a.b.top",
                                 "㈱ ﬁnance ½", "plain ascii text"])
def test_offsets_map_back_to_input(raw):
    norm, offsets = normalize_with_offsets(raw)
    assert norm == normalize_text(raw)
    if offsets is None:  # identity mapping: one output character per input character
        assert len(norm) == len(raw)
        return
    assert len(offsets) == len(norm)
    assert offsets == sorted(offsets)
    for i, char in enumerate(norm):
        start, end = to_original(i, i + 1, offsets, len(raw))
        assert normalize_text(raw[start:end]) in (char, "") or char in normalize_text(raw[start:end])


def test_long_input_is_bounded():
    norm = normalize_text("税" * 1_000_000)
    assert len(norm) <= 60_000
