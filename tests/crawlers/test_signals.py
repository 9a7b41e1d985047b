"""Site signals: the domain (not the address) is judged, with reasons."""
from __future__ import annotations

import pytest

from crawlers.page import parse_page
from crawlers.signals import host_signals, page_signals, url_signals
from tests.crawlers.farm.server import PAGES


def codes(signals) -> set[str]:
    return {s.code for s in signals}


@pytest.mark.parametrize("host, expected", [
    ("chinatax.gov.cn.refund-tax.top", {"lookalike_domain", "authority_in_subdomain", "new_tld"}),
    ("etax-chinatax.top", {"lookalike_domain", "new_tld"}),
    ("irs-refund.netlify.app", {"lookalike_domain", "free_hosting"}),
    ("hmrc-taxrefund.co.uk.verify-id.online", {"authority_in_subdomain", "new_tld"}),
    ("xn--80ak6aa92e.com", {"homoglyph_host"}),
    ("203.0.113.7", {"ip_host"}),
])
def test_suspicious_hosts(host, expected):
    assert expected <= codes(host_signals(host))


@pytest.mark.parametrize("host", ["etax.beijing.chinatax.gov.cn", "www.irs.gov", "www.tax.service.gov.uk"])
def test_official_hosts(host):
    assert codes(host_signals(host)) == {"official_domain"}


def test_plain_hosts_have_no_signals():
    assert host_signals("www.taxinfo-guide.org") == []


def test_url_tricks():
    sigs = url_signals("http://www.chinatax.gov.cn@refund.example:8443/", None, had_credentials=True)
    assert {"credentials_in_url", "odd_port"} <= codes(sigs)
    sigs = url_signals("http://short.example/a", "http://etax-chinatax.top/")
    assert "cross_domain_redirect" in codes(sigs)


def _page(name, url, encoding="utf-8"):
    return parse_page((PAGES / name).read_text(encoding="utf-8").encode(encoding), url)


def test_credentials_posted_cross_domain():
    sigs = page_signals(_page("etax_login.html", "http://etax-chinatax.top/"))
    assert {"credential_form_cross_domain", "sensitive_form", "insecure_credential_form",
            "brand_on_unofficial"} <= codes(sigs)


def test_official_login_page_is_not_a_signal():
    sigs = page_signals(_page("official_login.html", "https://etax.beijing.chinatax.gov.cn/"))
    assert sigs == []


def test_executable_download_and_brand():
    sigs = page_signals(_page("fapiao.html", "http://fapiao-chayan.xyz/"))
    assert {"executable_download", "brand_on_unofficial"} <= codes(sigs)


def test_info_page_only_mentions_the_authority():
    sigs = page_signals(_page("info.html", "http://www.taxinfo-guide.org/"))
    assert codes(sigs) == {"brand_on_unofficial"} and sum(s.weight for s in sigs) < 2
