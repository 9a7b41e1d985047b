"""Indicator limits hold after normalisation (issue #8 row 6), and extraction finds what a
plain scan over every taken span would."""
from __future__ import annotations

import json

import pytest

from fraudwatch.datafiles import data_path
from fraudwatch.indicators import (
    MAX_VALUE_LENGTH,
    Found,
    extract_indicators,
    indicators_in_text,
    normalize_domain,
    normalize_email,
    normalize_url,
)
from fraudwatch.indicators import extract as indicators

CORPUS = data_path("corpus")
CJK_URL = "http://a.cn/" + "退" * 2010  # 2,022 characters: under the limit as sent, 18,102 percent-encoded


def test_cjk_url_over_the_limit_once_percent_encoded_is_refused():
    assert len(CJK_URL) == 2022 <= MAX_VALUE_LENGTH
    with pytest.raises(ValueError, match="url is longer than 2048 characters once normalised"):
        normalize_url(CJK_URL)


@pytest.mark.parametrize("raw", ["http://a.cn/?q=" + "税" * 700, "http://a.cn/p?" + "&".join(["退=税"] * 300),
                                 "http://a.cn/" + "%E9%80%80" * 200 + "退" * 200])
def test_value_and_match_key_never_exceed_the_limit(raw):
    try:
        item = normalize_url(raw)
    except ValueError as exc:
        assert "once normalised" in str(exc)
    else:
        assert max(len(item.value), len(item.match_key), len(item.display)) <= MAX_VALUE_LENGTH


def test_urls_that_fit_keep_their_form():
    item = normalize_url("http://a.cn/" + "退" * 200)
    assert item.value == "http://a.cn/" + "%E9%80%80" * 200 and item.display == "http://a.cn/" + "退" * 200


def test_long_hosts_are_refused():
    with pytest.raises(ValueError, match="not a valid IPv6 address"):  # IPvFuture literals are no host
        normalize_domain("[v1." + "a" * 300 + "]")
    with pytest.raises(ValueError, match="longer than 253"):
        normalize_domain(("a" * 60 + ".") * 5 + "cn")
    with pytest.raises(ValueError):
        normalize_email("a@" + "b" * 250 + ".cn")
    assert normalize_email("a" * 64 + "@" + "b" * 60 + ".cn").value.endswith(".cn")


def test_raw_input_far_over_the_limit_is_refused_before_cleaning():
    with pytest.raises(ValueError, match="url is longer than 2048 characters"):
        normalize_url("http://a.cn/" + "\u200b" * 9000)
    assert normalize_url("http://a.cn/" + "\u200b" * 3000).value == "http://a.cn/"  # cleans down to fit


def test_text_skips_what_does_not_fit_and_keeps_the_rest():
    found = indicators_in_text(f"退税 {CJK_URL} 或联系 a@b.com")
    assert [(n.type, n.value) for n in found] == [("email", "a@b.com")]


def _plain_extract(text: str, limit: int) -> list[Found]:
    """extract_indicators with every overlap checked against every span taken so far."""
    found: list[Found] = []
    for kind, start, end in indicators._candidates(text[:indicators.MAX_TEXT_CHARS], "CN", limit):
        if len(found) < limit and not any(f.start < end and start < f.end for f in found):
            found.append(Found(kind, text[start:end], start, end))
    return sorted(found, key=lambda f: f.start)


def test_extraction_agrees_with_a_plain_scan():
    texts = [json.loads(line)["text"] for path in sorted(CORPUS.glob("*.jsonl"))
             for line in path.open(encoding="utf-8") if line.strip()]
    texts += ["a@b.co x.co http://x.co/a@b.co 13800138000 " * 50, "www.a.com a.com:8080/x 1.2.3.4/ " * 30]
    for text in texts:
        for limit in (3, 200):
            assert extract_indicators(text, limit=limit) == _plain_extract(text, limit), text
