"""Normalisation: NFKC, widths, invisible characters, Traditional Chinese, obfuscations (emoji
between Chinese characters, look-alike letters, leetspeak, pinyin and homophones), offsets, linear work."""
from __future__ import annotations

import pytest

from classifiers.normalize import normalize_text, normalize_with_offsets, to_original
from tests.linear import repeat_to, work

# Obfuscations (issue #10 item 4): emoji between Chinese characters, look-alike letters,
# leetspeak and dotted names, pinyin and look-alike characters of Chinese tax words.
OBFUSCATED = [
    # emoji and symbols between Chinese characters
    ("退😀税", "退税"),
    ("退 😀 税款", "退税款"),
    ("税💰务🎁局", "税务局"),
    ("个税🔥✨退税", "个税退税"),
    ("退👨\u200d👩\u200d👧税", "退税"),  # a joined emoji sequence
    ("退★税☆", "退税☆"),
    ("退税😀", "退税😀"),  # not between two Chinese characters
    ("谢谢😀 see you", "谢谢😀 see you"),
    ("您好，请拨打12366。谢谢", "您好,请拨打12366。谢谢"),  # real punctuation stays
    ("《个人所得税法》、增值税", "《个人所得税法》、增值税"),
    # Cyrillic / Greek look-alikes in Latin words
    ("НМRС: refund", "HMRC: refund"),
    ("IRЅ notice", "IRS notice"),
    ("your раураl account", "your paypal account"),
    ("Your tах rеfund", "Your tax refund"),
    ("ΗΜRC", "HMRC"),
    ("ТАХ refund from АТО", "TAX refund from ATO"),  # whole look-alike words in Latin text
    ("Н М R С notice", "HMRC notice"),
    # leetspeak and dotted spellings of authority names and tax words
    ("1RS alert", "IRS alert"),
    ("1R5: pay now", "IRS: pay now"),
    ("T4X R3FUND", "TAX REFUND"),
    ("your r3fund is ready", "your refund is ready"),
    ("IR$ and |RS", "IRS and IRS"),
    ("H.M.R.C says", "HMRC says"),
    ("I.R.S. notice", "IRS. notice"),
    ("A.T.O", "ATO"),
    ("You are due a t.a.x r.e.f.u.n.d of", "You are due a tax refund of"),
    ("t.a.x. r.e.f.u.n.d", "tax refund"),
    ("t a x r . e . f . u . n . d", "tax refund"),
    ("t-a-x r e f u n d", "tax refund"),
    ("I-n-l-a-n-d R e v e n u e", "Inland Revenue"),
    ("your t . a . x. A r-e-b-a-t-e", "your tax A rebate"),
    # pinyin and look-alike characters of Chinese tax words
    ("您的tuishui已到账", "您的退税已到账"),
    ("tui shui 通知", "退税通知"),
    ("你公司 shui wu 异常", "你公司税务异常"),  # spaces around pinyin inside Chinese go, as between characters
    ("Tuishui and TUISHUI", "退税 and 退税"),
    ("tu1shu1", "退税"),
    ("t u i s h u i", "退税"),
    ("shuiwuju提醒", "税务局提醒"),
    ("您有一笔退兑款", "您有一笔退税款"),
    ("【锐务局】", "【税务局】"),
    ("说务局,悦务局,兑务局", "税务局,税务局,税务局"),
    ("个人所得锐", "个人所得税"),
    ("纳锐人", "纳税人"),
]


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
] + OBFUSCATED)
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


# --- obfuscations (issue #10 item 4) ------------------------------------------------------
@pytest.mark.parametrize("raw", [
    # real Russian and Greek text, also words made only of look-alike letters
    "Налоговая служба: ВАС ждут, возврат налога ТАКСИ",
    "Η ΑΑΔΕ σας ενημερώνει για επιστροφή φόρου. ΕΙΝΑΙ ΟΚ",
    "Ваш код: 1234",
    # amounts, codes, dates, phone numbers, postcodes, ordinary mixes of letters and digits
    "$1,250.00", "W-2", "1099", "P60", "A70", "CP2000", "P800", "SW1A 2AA", "2024-04-05", "3rd", "4pm", "24hrs",
    "150p", "5G", "Q3", "0800 123 4567", "+44 20 7946 0958", "1-800-829-1040", "2FA", "MP3", "B2B",
    "U.S. tax", "e.g. a tax", "i.e. the IRS", "p.m.", "a. b. c.",
    # links and e-mail addresses keep every character
    "https://r3fund-hmrc.top/1rs", "visit 1rs-refund.com now", "mail 1rs@mail.com", "www.tuishui.com/a",
    "chinatax-gov.cn.tuishui8.top", "t4x.r3fund.example/claim",
    # words that only look like listed spellings
    "tuishuix", "shuiwuju2", "一个锐角", "这个说法", "敏锐务实", "兑换", "税务局", "退税",
])
def test_ordinary_text_is_left_alone(raw):
    assert normalize_text(raw) == raw


@pytest.mark.parametrize("raw, disguised, word", [
    ("您的tuishui已到账", "tuishui", "退税"),
    ("notice from H.M.R.C today", "H.M.R.C", "HMRC"),
    ("pay the 1R5 now", "1R5", "IRS"),
    ("退 😀 税款", "退 😀 税", "退税"),
    ("Your tах rеfund", "tах", "tax"),
    ("a t.a.x r.e.f.u.n.d of", "t.a.x r.e.f.u.n.d", "tax refund"),
    ("\u200b【锐务局】 tui shui", "tui shui", "退税"),
    ("你公司 shui wu 异常", "shui wu", "税务"),
])
def test_folded_words_map_back_to_their_disguise(raw, disguised, word):
    norm, offsets = normalize_with_offsets(raw)
    start = norm.index(word)
    first, last = to_original(start, start + len(word), offsets, len(raw))
    assert raw[first:last] == disguised
    if offsets is not None:
        assert len(offsets) == len(norm) and offsets == sorted(offsets) and offsets[-1] < len(raw)


@pytest.mark.parametrize("raw", ["退😀税 НМRС 1R5 tuishui 退兑 H.M.R.C a t.a.x r.e.f.u.n.d",
                                 "\u200b 锐务局 ＨＭＲＣ t u i s h u i  I.R.S.", "Your tах rеfund from 1RS"])
def test_offsets_of_obfuscated_text_stay_inside_the_input(raw):
    norm, offsets = normalize_with_offsets(raw)
    lazy = normalize_with_offsets(raw, lazy=True)
    assert lazy[0] == norm == normalize_text(raw)
    assert offsets is None or (len(offsets) == len(norm) and offsets == sorted(offsets) and offsets[-1] < len(raw))
    for i in range(len(norm)):
        first, last = to_original(i, i + 1, offsets, len(raw))
        assert 0 <= first < last <= len(raw)


HOSTILE_UNITS = ["1rs ", "1rs-", "1r", "a1", "1" * 16 + "a", "a" * 15 + "1 ", "t.a.x ", "a.", "H.M.R.C.", "x.y",
                 "退😀", "😀", "退 😀 ", "tui shui ", "tuishui.", "tuishui", "НМRС ", "Н", "аa", "ТАКСИ ", "锐务局", "锐",
                 "I R S ", "a t.a.x ", "$", "@a1", "|", "1rs.top/", "hui ", "退兑"]


@pytest.mark.parametrize("unit", HOSTILE_UNITS)
def test_normalisation_stays_linear_on_hostile_text(unit):
    small, large = repeat_to(unit, 15_000), repeat_to(unit, 60_000)  # 60,000 = MAX_INPUT_CHARS
    for function in (normalize_text, normalize_with_offsets):
        _, growth = work(function, small, large, float("inf"), 8.0)
        assert growth < 8.0, f"{function.__name__} on {unit!r}: work grew {growth:.1f}x for 4x the text"


def test_random_obfuscated_texts_keep_offsets_inside_the_input():
    import random

    pool = list("退税務局锐兑 .-·*\u200b\n\t😀★12366０１Ｑa@$|НМRСаеоΑ") + ["HMRC ", "1R5 ", "tuishui", "shui wu ", "H.M.R.C",
                                                                    "t.a.x ", "www.", "退兑", "锐务局", "I R S "]
    rng = random.Random(10)
    for _ in range(400):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 50)))
        norm, offsets = normalize_with_offsets(text)
        assert norm == normalize_text(text), text
        if offsets is None:
            assert len(norm) == len(text), text
        else:
            assert len(offsets) == len(norm) and offsets == sorted(offsets), text
            assert all(0 <= i < len(text) for i in offsets), text
