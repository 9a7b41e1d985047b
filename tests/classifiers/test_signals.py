"""Signals: every signal kind, obfuscations, offsets, and agreement of the spaCy and fast paths."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifiers.nlp import doc_signals, pipeline
from classifiers.normalize import normalize_text
from classifiers.signals import extract_signals, fast_signals

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"


def names(text: str) -> set[str]:
    return {s["name"] for s in extract_signals(text)}


@pytest.mark.parametrize("text, signal", [
    ("请提供短信验证码", "credential_request"),
    ("Please confirm the CVV on your card", "credential_request"),
    ("send the 6 digit code", "credential_request"),
    ("将资金转入安全账户", "payment_personal"),
    ("pay by Interac e-Transfer", "payment_personal"),
    ("请购买苹果卡支付", "gift_card_crypto"),
    ("pay with Google Play gift cards", "gift_card_crypto"),
    ("请加QQ群 123456789", "im_contact"),
    ("加 微 信 领取", "im_contact"),
    ("message our agent on WhatsApp", "im_contact"),
    ("缴纳税务系统建设费", "third_party_fee"),
    ("pay the release fee", "third_party_fee"),
    ("否则公安机关将逮捕您", "threat_arrest"),
    ("a warrant for your arrest", "threat_arrest"),
    ("请立即处理", "urgency"),
    ("点击链接", "click_request"),
    ("下载查验插件", "app_download"),
    ("install AnyDesk", "app_download"),
    ("恭喜您中奖了", "prize_lure"),
    ("代开发票 票点低", "invoice_selling"),
    ("全场8折 回TD退订", "advertising"),
    ("您的退税款", "refund_term"),
    ("tax refund", "refund_term"),
    ("个税补贴", "subsidy_term"),
    ("非正常户", "abnormal_status"),
    ("请通过个人所得税App自行办理", "self_login"),
    ("Sign in to your HMRC online account", "self_login"),
    ("税务机关不会要求您提供密码", "never_ask"),
    ("We will never ask for your PIN", "never_ask"),
    ("年度汇算", "official_procedure"),
    ("国家税务总局", "authority"),
    ("HMRC", "authority"),
    ("金额1,862.40元", "money"),
    ("£312.50", "money"),
    ("请于48小时内办理", "deadline"),
    ("within 24 hours", "deadline"),
    ("卡号 6222 0201 1234 5678", "card_number"),
    ("拨打 138 0013 8000", "phone"),
    ("请拨打12366咨询", "hotline_official"),
    ("【国家税务总局深圳市税务局】提醒", "sender_tag_bureau"),
    ("【税务局】提醒", "sender_tag_generic"),
    ("visit https://www.gov.uk/x", "url_official"),
    ("go to chinatax-gov.cn.tuishui8.top", "url_lookalike"),
    ("go to example-shop.com", "url_unknown"),
    ("tap bit.ly/abc", "url_shortener"),
    ("open http://103.208.86.96/claim", "url_ip_host"),
    ("open refund-now.top", "url_risky_tld"),
    ("write to help@hmrc-refund.com", "email"),
])
def test_each_signal(text, signal):
    assert signal in names(text)


@pytest.mark.parametrize("text", ["退.税", "退 税", "稅務局退稅", "ＱＱ群", "退\u200b税"])
def test_obfuscations_are_seen(text):
    assert names(text) & {"refund_term", "authority", "im_contact", "tax_term"}


def test_authority_detail_and_offsets_point_into_original_text():
    text = "  【稅務局】您的退.稅款  請登錄 hmrc-refund.top  "
    signals = extract_signals(text)
    by_name = {s["name"]: s for s in signals}
    for s in signals:
        assert text[s["start"]:s["end"]] == s["text"]
    assert by_name["refund_term"]["text"] in ("退.稅", "退.稅款")
    assert by_name["url_lookalike"]["authority"] == "UK-HMRC"


def test_no_phrase_inside_urls_or_words():
    assert "authority" not in names("first time at https://irs-help.example.com/ato")  # 'irs' inside a word/URL
    assert "authority" not in names("tomato")


def test_empty_and_junk():
    assert extract_signals("") == []
    assert isinstance(extract_signals("\x00\ufffd" * 500), list)
    with pytest.raises(ValueError):
        extract_signals(12)  # type: ignore[arg-type]


def test_pipeline_has_rule_components():
    nlp = pipeline("zh")
    assert {"fw_links", "fw_phrases", "fw_entities"} <= set(nlp.pipe_names)
    doc = nlp(normalize_text("请拨打12366，勿点击 a.top"))
    assert [t.text for t in doc][:3] == ["请", "拨", "打"]
    assert "a.top" in [t.text for t in doc]  # URLs are single tokens


def _texts(folder: Path) -> list[str]:
    return [json.loads(line)["text"] for path in sorted(folder.glob("*.jsonl"))
            for line in path.open(encoding="utf-8") if line.strip()]


def test_spacy_and_fast_paths_agree(fixture_corpus):
    texts = _texts(fixture_corpus) + _texts(CORPUS) + [
        "visitwww.irs.gov.refund.top", "qq 群 QQ群 q q群", "tax\nrefund", "IRS2Go $26K", "pin numbers",
        "remain 30 days", "退\n税", "12366咨询 010-12366", "ＨＭＲＣ:refund", "tax  refund"]
    for text in texts:
        norm = normalize_text(text)
        assert doc_signals(norm) == fast_signals(norm), text


@pytest.mark.parametrize("text", ["1 " * 10000, "1," * 10000, "a." * 10000, "1." * 10000, "税1" * 10000,
                                  "【" * 20000, "http://" + "a" * 20000, "a" * 5000 + "@" + "b." * 5000,
                                  "(1)" * 7000, "退." * 10000])
def test_no_catastrophic_backtracking(text):
    import time

    started = time.perf_counter()
    extract_signals(text)
    fast_signals(normalize_text(text)[:20_000])
    assert time.perf_counter() - started < 3.0  # generous: a regression is seconds to minutes


def test_random_texts_agree_and_offsets_hold():
    import random

    pool = list("退税務局稅 .-·*\u200b\n\t12366０１ＱQq群a@b.com/http:$¥£€元%xX【】") + ["HMRC ", "irs ", "验证码", "www."]
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 60)))
        norm = normalize_text(text)
        assert doc_signals(norm) == fast_signals(norm), text
        for s in extract_signals(text):
            assert 0 <= s["start"] <= s["end"] <= len(text)
            assert text[s["start"]:s["end"]] == s["text"]
