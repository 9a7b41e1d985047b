"""A warning that quotes the lure it reports: `quoted_lure`, and the lure's parts inside the
quotation not counting as the message's own requests (classifiers.signals, features)."""
from __future__ import annotations

import pytest

from classifiers.features import signal_names
from classifiers.normalize import normalize_text
from classifiers.signals import extract_signals, fast_signals, quoted_segments
from tests.linear import best_cpu

LURE = "“【税务局】您有一笔补贴待领取，请登录 http://203.0.113.7/gs 填写银行卡信息”"
FRIEND = f"小王，你看这个短信是不是骗子：{LURE}，我估计是假的，别点。"
POLICE = "【XX派出所】提醒：近日有人发送\"Your tax refund is ready, click http://hmrc-refund.top/claim\"的短信，这是诈骗。"


def names(text: str) -> set[str]:
    return {s.name for s in fast_signals(normalize_text(text))}


def features(text: str) -> frozenset[str]:
    return signal_names(fast_signals(normalize_text(text)))


@pytest.mark.parametrize("text, expected", [
    ("a “b” c 「d」 e", [(2, 5), (8, 11)]),
    ('say "x" and "y"', [(4, 7), (12, 15)]),
    ("“outer 「inner」 still”", [(0, 21)]),  # the outermost quotation only
    ("“never closed 「x」", []),  # an unclosed mark quotes nothing, to the end
    ("「mismatched”", []),
    ("", []),
])
def test_quoted_segments(text, expected):
    assert quoted_segments(text) == expected


@pytest.mark.parametrize("text", [FRIEND, POLICE])
def test_a_warning_quoting_a_lure(text):
    assert "quoted_lure" in names(text)
    found = features(text)
    # the quoted request and link are not the message's own
    assert not found & {"credential_request", "click_request", "url_unknown", "link_nonofficial",
                        "request_and_link_nonofficial", "risk_count_1", "risk_count_2", "only_official_links"}


@pytest.mark.parametrize("text", [
    # the lure itself, in quotes for emphasis, with no warning outside
    "【税务局】您有一笔“个税退款”待领取，请登录 http://203.0.113.7/gs 填写银行卡信息",
    # warning words only inside the quotation
    "“谨防诈骗：请登录 http://203.0.113.7/gs 填写银行卡信息”",
    # a request outside the quotation: the message asks itself
    f"别信这个{LURE}，不过你还是登录 http://203.0.113.9/x 填写银行卡信息领取吧",
    # no quotation marks
    "小心骗子：您有一笔补贴待领取，请登录 http://203.0.113.7/gs 填写银行卡信息",
])
def test_not_a_quoted_lure(text):
    assert "quoted_lure" not in names(text)


def test_a_scam_posing_as_a_warning_still_asks():
    text = f"反诈提醒：{LURE} 是假的。真正的退税请点击 http://203.0.113.8/real 填写银行卡号领取"
    assert "quoted_lure" not in names(text)
    assert {"link_nonofficial", "credential_request"} <= features(text)


@pytest.mark.parametrize("text", [FRIEND, POLICE])
def test_the_spacy_path_agrees(text):
    fast = {(s.name, s.start, s.end) for s in fast_signals(normalize_text(text)) if s.name == "quoted_lure"}
    assert fast
    assert {d["name"] for d in extract_signals(text)} >= {"quoted_lure"}


def test_the_model_calls_the_friends_question_legit(clf):
    assert clf.classify(FRIEND)["label"] == "legit"


def _hostile(size: int) -> str:
    unit = "骗子“请登录 http://203.0.113.7/a 填写银行卡”"
    return (unit * (size // len(unit) + 1))[:size]


def test_many_quotations_stay_linear():
    small, big = _hostile(25_000), _hostile(100_000)

    def run(text):
        return lambda: features(text)

    t_small = best_cpu(run(small))
    t_big = best_cpu(run(big))
    assert t_big < 8 * max(t_small, 1e-3)
