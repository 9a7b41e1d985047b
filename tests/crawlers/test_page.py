"""Page analysis is a pure function of bytes: forms, links, cues, text, all bounded."""
from __future__ import annotations

import hashlib
import random
import re

import pytest
from bs4 import BeautifulSoup

from crawlers.markup import short_text
from crawlers.page import parse_page
from fraudwatch.indicators.charset import declared_charset
from tests.crawlers.farm.server import PAGES


def _page(name: str, encoding: str = "utf-8", url: str = "http://site.example/", charset=None):
    return parse_page((PAGES / name).read_text(encoding="utf-8").encode(encoding), url, charset)


def test_fake_etax_login_in_gbk_without_declaration():
    page = _page("etax_login.html", "gbk", "http://etax-chinatax.top/")
    assert page.title == "国家税务总局北京市电子税务局 - 企业登录"
    assert "非正常户" in page.text and "document" not in page.text
    assert page.language == "zh"
    (form,) = page.forms
    assert form.action == "http://collect.shuiwu-api.xyz/api/login.php" and form.method == "post"
    assert form.sensitive == ["id_number", "password", "otp"]  # 纳税人识别号: the taxpayer number
    assert page.scripts == ["https://cdn.jsdelivr-mirror.top/jquery.min.js"]
    assert page.favicon_hash and page.favicon_url is None  # inline data: favicon hashed
    assert {c.where for c in page.brand_cues} >= {"title", "logo", "text"}


def test_refund_page_sensitive_fields():
    page = _page("refund.html", url="http://chinatax.gov.cn.refund-tax.top/")
    (form,) = page.forms
    assert form.action == "http://chinatax.gov.cn.refund-tax.top/submit.php"
    assert form.sensitive == ["id_number", "bank_card", "password", "cvv", "card_expiry", "otp"]  # 短信验证码 read from its text
    assert "phone" in form.asks and page.language == "zh-cn"


def test_invoice_plugin_download_is_found():
    page = _page("fapiao.html", url="http://fapiao-chayan.xyz/")
    assert page.downloads == ["http://fapiao-chayan.xyz/download/查验插件.exe",
                              "http://fapiao-chayan.xyz/download/setup-fpcy.msi"]
    assert page.forms[0].sensitive == ["otp"]


def test_english_irs_and_hmrc_pages():
    irs = _page("irs.html", url="http://irs-refund-gov.com/")
    assert irs.forms[0].sensitive == ["id_number", "bank_card", "card_expiry", "cvv", "password"]
    assert irs.meta["description"].startswith("Official IRS")
    assert any(c.authority == "US-IRS" and c.where == "logo" for c in irs.brand_cues)
    hmrc = _page("hmrc.html", url="http://hmrc-taxrefund.co.uk.verify-id.online/")
    assert hmrc.forms[0].action == "http://hmrc-taxrefund.co.uk.verify-id.online/"
    assert set(hmrc.forms[0].sensitive) == {"id_number", "bank_card", "cvv"}
    assert "UK-HMRC" in {c.authority for c in hmrc.brand_cues}


def test_broken_html_still_yields_what_is_there():
    page = _page("broken.html", url="http://broken.example/")
    assert page.title == "税务局 退税"
    assert page.forms and page.forms[0].action == "http://evil.example/x"
    assert page.forms[0].sensitive == ["bank_card"]


def test_links_are_absolute_deduplicated_and_http_only():
    html = b"""<base href="http://cdn.example/root/"><a href="a">1</a><a href="a">2</a>
    <a href="javascript:x()">3</a><a href="mailto:a@b">4</a><a href="https://x.example/y#z">5</a>
    <a href="http://[bad">6</a><meta http-equiv="refresh" content="0; url=/next">"""
    page = parse_page(html, "http://site.example/p")
    assert page.links == ["http://cdn.example/root/a", "https://x.example/y#z"]
    assert page.meta_refresh == "http://cdn.example/next"


def test_huge_pages_are_bounded():
    html = b"<html><body>" + b'<a href="/x%d">x</a>' * 1 + b"".join(
        b'<a href="/p%d">%d</a>' % (i, i) for i in range(5000)) + b"<p>" + b"A" * 500_000 + b"</p>"
    page = parse_page(html, "http://site.example/")
    assert len(page.links) == 500 and len(page.text) <= 100_000


def test_garbage_bytes_do_not_crash():
    page = parse_page(bytes(range(256)) * 100, "http://site.example/")
    assert page.forms == [] and page.title == ""


def test_same_bytes_same_page():
    body = (PAGES / "irs.html").read_bytes()
    a, b = parse_page(body, "http://a.example/"), parse_page(body, "http://a.example/")
    assert a == b and hashlib.sha256(body).hexdigest()


# The <meta> charset rule as one regex (quadratic on "<meta<meta<meta..."): the reference.
OLD_META_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)


def test_meta_charset_is_found_as_the_old_regex_found_it():
    pool = [b"<meta", b"<META ", b" charset", b"CharSet", b"=", b" ", b"\"", b"'", b">", b"gbk", b"utf-8", b"x",
            b"http-equiv=content-type content=\"text/html; ", b"\n", b"<",
            b"charset=gbk", b" charset = 'Big5'", b"charset=\" utf-8"]
    rng = random.Random(9)
    samples = [b"<meta " * (i % 2) + b"".join(rng.choice(pool) for _ in range(rng.randint(0, 30))) for i in range(5000)]
    samples += [(PAGES / name).read_bytes() for name in sorted(p.name for p in PAGES.glob("*.html"))]
    for body in samples:
        old = OLD_META_RE.search(body[:4096])
        assert declared_charset(body) == (old.group(1).decode("ascii").lower() if old else None), body


@pytest.mark.parametrize("name", ["verificationCode", "verify_code", "sms-verify-code", "verifyYourIdentityCode",
                                  "VerifCode", "verification code"])
def test_verification_code_fields_are_otp(name):
    (form,) = parse_page(f'<form><input name="{name}"></form>'.encode(), "http://x.example/").forms
    assert form.fields[0].kind == "otp"


def test_bounded_text_reads_as_get_text_on_normal_pages():
    for path in sorted(PAGES.glob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
        for tag in soup.find_all(True):
            assert short_text(tag, 100) == tag.get_text(" ", strip=True)[:100], (path.name, tag.name)
