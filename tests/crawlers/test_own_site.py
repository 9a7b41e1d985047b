"""A page naming its own site is not a link to an unknown destination.

The classifier reads every link in the text it gets as a destination to judge, and a link
it does not know as suspicious; news and government pages print their own host in every
footer. `classifier_text` leaves the page's own site (host, registrable domain, its
e-mail addresses) out of the text the classifier reads, and keeps every other link.
"""
from __future__ import annotations

from crawlers.page import parse_page
from crawlers.scan import classifier_text, own_site
from fraudwatch.indicators.links import find_links


def _hosts_left(body: str, url: str) -> list[str]:
    text = classifier_text(parse_page(body.encode(), url))
    return [text[start:end] for _, start, end in find_links(text)]


def test_the_page_host_and_its_domain_in_the_text_are_not_links_for_the_classifier():
    body = ("<title>新华网 xinhuanet.com</title><body><p>Copyright www.xinhuanet.com 2024, "
            "write to news@xinhuanet.com, see http://WWW.XINHUANET.COM/politics/a.htm or "
            "english.xinhuanet。com; partner https://english.news.cn/a and refund-tax.top</p></body>")
    assert _hosts_left(body, "http://www.xinhuanet.com/") == ["https://english.news.cn/a", "refund-tax.top"]


def test_the_text_is_unchanged_when_the_page_names_only_other_sites():
    page = parse_page(b"<body>Pay at https://hmrc-refund.top/login now</body>", "https://news.example.com/")
    assert classifier_text(page) == f"{page.title}\n{page.text}"


def test_own_site_is_the_registrable_domain_except_on_a_shared_platform():
    assert own_site("www.xinhuanet.com", "xinhuanet.com")
    assert own_site("www.xinhuanet.com", "english.xinhuanet.com")
    assert not own_site("www.xinhuanet.com", "xinhuanet.com.evil.top")
    assert not own_site("www.xinhuanet.com", "")
    # free hosts are one site per subdomain already; platforms share one registrable domain
    assert not own_site("victim.github.io", "attacker.github.io")
    assert own_site("sites.google.com", "sites.google.com")
    assert not own_site("sites.google.com", "accounts.google.com")


def test_a_lookalike_page_still_shows_its_lookalike_links_to_other_hosts():
    body = "<body>Login at https://hmrc.gov.uk.verify-id.online/ or visit www.gov.uk</body>"
    assert _hosts_left(body, "https://www.tax-refund-uk.top/") == [
        "https://hmrc.gov.uk.verify-id.online/", "www.gov.uk"]
