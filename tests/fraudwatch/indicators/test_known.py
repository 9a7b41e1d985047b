"""Known brands (data/brands/known_domains.csv): a link to a bank, tax software or news site is
`url_known` for the classifier, apart from official and from unknown (issue #10 item 2)."""
from __future__ import annotations

import pytest

from classifiers.features import derived, signal_names
from classifiers.normalize import normalize_text
from classifiers.signals import fast_signals, judge_link
from fraudwatch.indicators.hosting import shared_kind
from fraudwatch.indicators.known import DATA, KINDS, known_brand, known_domains, read_known
from fraudwatch.indicators.official import judge_host


def names_of(text: str) -> set[str]:
    return signal_names(fast_signals(normalize_text(text)))


def test_shipped_table_is_consistent():
    table = known_domains()
    assert len(table) >= 300
    assert {kind for kind, _ in table.values()} == KINDS
    for domain in table:
        assert shared_kind(domain) is None, f"{domain} is a shared domain: anyone can publish there"
        assert judge_host(domain).status == "unknown", f"{domain} is judged {judge_host(domain).status}"
    assert "known company" in judge_host("12306.cn").reason  # China Railway, not a misspelt 12366


@pytest.mark.parametrize("host, domain, kind", [
    ("www.hrblock.com", "hrblock.com", "tax_software"),
    ("hrblock.com", "hrblock.com", "tax_software"),
    ("turbotax.intuit.com", "intuit.com", "tax_software"),
    ("go.xero.com", "xero.com", "accounting"),
    ("www.cmbchina.com", "cmbchina.com", "bank"),
    ("news.qq.com", None, None),          # qq.com: a platform, anyone publishes there
    ("pan.baidu.com", None, None),
    ("hrblock.com.refund-claim.top", None, None),
    ("hrblock-com.top", None, None),
    ("xhrblock.com", None, None),
    ("", None, None),
])
def test_known_brand(host, domain, kind):
    found = known_brand(host)
    assert (found.domain if found else None, found.kind if found else None) == (domain, kind)


@pytest.mark.parametrize("link, expected, absent", [
    ("https://www.hrblock.com/online-tax-filing/", {"url_known"}, {"url_unknown", "url_taxlike"}),
    ("cmbchina.com", {"url_known"}, {"url_unknown"}),
    ("https://pan.baidu.com/s/1abc", {"url_unknown", "url_platform"}, {"url_known"}),
    ("https://hrblock-refund.top/claim", {"url_unknown", "url_risky_tld"}, {"url_known"}),
    ("https://www.irs.gov/refunds", {"url_official"}, {"url_known", "url_unknown"}),
])
def test_judge_link(link, expected, absent):
    names = {n.split(":")[0] for n in judge_link("url", link.lower())}
    assert expected <= names and not absent & names, names


def test_email_of_known_brand():
    assert "email_known" in {n.split(":")[0] for n in judge_link("email", "payroll@gusto.com")}
    assert "email_platform" in {n.split(":")[0] for n in judge_link("email", "kuaiji2024@qq.com")}


def test_a_request_on_an_unofficial_link_is_told_apart_from_a_link_alone():
    lure = names_of("Your tax refund is ready. Enter your card number at hmrc-refund.top to claim it")
    alone = names_of("Our office has moved, new address and map at smithco-accountants.com")
    known = names_of("Your 2025 return was accepted. Track it at https://www.hrblock.com/track")
    assert "request_and_link_nonofficial" in lure and "link_nonofficial_no_request" not in lure
    assert "link_nonofficial_no_request" in alone and "request_and_link_nonofficial" not in alone
    assert {"known_links_only", "only_official_links"} <= known and "link_nonofficial" not in known
    # a known brand next to an unknown link: the unknown link still counts
    mixed = names_of("Log in with your bank password at chase.com.verify-id.top or chase.com")
    assert "link_nonofficial" in mixed and "known_links_only" not in mixed


def test_derived_is_a_function_of_the_names_only():
    assert "known_links_only" in derived({"url", "url_known"})
    assert "known_links_only" not in derived({"url", "url_known", "url_unknown"})


@pytest.mark.parametrize("content, message", [
    ("domain,kind,name\nexample.com,bank,Example\nexample.com,news,Again\n", "listed twice"),
    ("domain,kind,name\nexample.com,casino,Example\n", "unknown kind"),
    ("domain,kind,name\nnot a domain,bank,X\n", "bad domain"),
    ("domain,kind,name\n.example.com,bank,X\n", "bad domain"),
    ("domain,kind,name\n" + "a" * 5000 + ".com,bank,X\n", "bad domain"),
    ("name,url\nX,example.com\n", "needs the columns"),
])
def test_bad_files_are_refused_with_the_line(tmp_path, content, message):
    path = tmp_path / "known.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_known(path)


def test_shipped_file_path():
    assert DATA.name == "known_domains.csv" and DATA.is_file()
