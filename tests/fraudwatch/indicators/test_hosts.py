"""The one host normaliser, the host of a URL, the public TLD set and the word lists, on their own."""
from __future__ import annotations

import pytest

from fraudwatch.indicators.hosts import normalize_host, public_tlds, url_host
from fraudwatch.indicators.official import clean_host, judge_host
from fraudwatch.indicators.wordlists import word_list, word_set


@pytest.mark.parametrize("raw, expected", [
    ("Example.COM", "example.com"),
    ("  example.com.  ", "example.com"),
    ("etax。chinatax。gov。cn", "etax.chinatax.gov.cn"),  # ideographic full stops
    ("etax．chinatax｡gov．cn", "etax.chinatax.gov.cn"),  # full-width and half-width ones
    ("ｅｔａｘ.ｃｎ", "etax.cn"),  # full-width letters (NFKC)
    ("例子.中国", "xn--fsqu00a.xn--fiqs8s"),
    ("ЕXAMPLE.com", "xn--xample-2of.com"),  # Cyrillic Е: punycode, not a quiet "example"
    ("a_b.example.com", "a_b.example.com"),
    ("1.2.3.4", "1.2.3.4"),
    ("[2001:DB8::0:1]", "[2001:db8::1]"),
    ("::1", "[::1]"),
    ("a" * 63 + ".cn", "a" * 63 + ".cn"),
])
def test_normalize_host(raw, expected):
    assert normalize_host(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("", "empty"), (" . ", "empty"), ("a" * 64 + ".cn", "label longer than 63"),
    (("a" * 60 + ".") * 5 + "cn", "longer than 253"), ("x" * 2000, "longer than 253"),
    ("256.1.1.1", "not a valid IPv4"), ("1.2.3", "not a valid IPv4"), ("[::g]", "not a valid IPv6"),
    ("a b.com", "not a valid host name"), ("a/b.com", "not a valid host name"), ("xn--zz.com", "not a valid host"),
    ("-a.com", "not a valid host"),
])
def test_bad_hosts_say_why(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_host(raw)


def test_non_strings_are_refused():
    with pytest.raises(ValueError, match="must be a string"):
        normalize_host(None)


def test_the_userinfo_trick_is_judged_by_the_real_host():
    url = "https://www.chinatax.gov.cn@etax.hn-tax.cc/login"
    assert url_host(url) == "etax.hn-tax.cc"
    assert clean_host(url) == "etax.hn-tax.cc"
    assert judge_host("www.chinatax.gov.cn@etax.hn-tax.cc").status != "official"
    assert judge_host("www.chinatax.gov.cn").status == "official"


@pytest.mark.parametrize("url, host", [
    ("http://[::1]:8080/x", "[::1]"), ("www.a.com:80/x", "www.a.com"), ("https: a.com", "a.com"),
    ("HTTP://user:pw@ЕXAMPLE.com:8080/a", "xn--xample-2of.com"), ("a.com\\@b.cn", "a.com"),
])
def test_url_host(url, host):
    assert url_host(url) == host


def test_clean_host_is_lenient():
    assert clean_host("bad..host") == "" and clean_host("a!b.com") == ""
    assert clean_host(".example.com.") == "example.com"


def test_public_tlds_come_from_the_bundled_suffix_list():
    tlds = public_tlds()
    assert {"com", "cn", "support", "cfd", "sbs", "help", "dev", "es", "xn--fiqs8s"} <= tlds
    assert not {"txt", "pdf", "html", "exe", "", "co.uk"} & tlds
    assert all(tld == tld.lower() and tld.isascii() for tld in tlds)


def test_word_lists_are_read_from_data_files():
    assert word_list("tax_words")[:3] == ("tax", "taxes", "refund")
    assert "hmrc" in word_set("tax_words") and "#" not in "".join(word_list("tax_words"))
    assert {"top", "cfd", "support"} <= word_set("cheap_tlds")
    assert "com.cn" in word_set("lookalike_tlds") and "claim" in word_set("lookalike_words")
    assert word_list("cheap_tlds") is word_list("cheap_tlds")  # read once
    with pytest.raises(FileNotFoundError):
        word_list("no_such_list")
