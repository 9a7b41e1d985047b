"""The public home page and its check box (issue #12): zh by default, en at ?lang=en, no cookie;
a pasted message, link, phone number or company name judged in plain words with what to do and
the official channels; bad input answered on the page, nothing stored."""
from __future__ import annotations

import html

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.services.public_check import recognise
from fraudwatch.storage.models import Report

SCAM_SMS = "【国家税务总局】您的个人所得税退税2860元已到账，请于24小时内登录 http://etax-refund-cn.top/t 办理，逾期作废。"


@pytest.fixture
def client(app_with_model):
    return app_with_model.test_client()


def _check(client, text, lang: str | None = None):
    return client.post("/check" + (f"?lang={lang}" if lang else ""), data={"text": text})


def test_home_page_in_zh_by_default_and_en_by_the_url_without_a_cookie(client):
    zh = client.get("/", headers={"Accept-Language": "en"})
    page = zh.get_data(as_text=True)
    assert zh.status_code == 200 and '<html lang="zh-CN">' in page and "这条消息真的来自税务局吗" in page
    assert 'name="text"' in page and 'action="/check"' in page and "Set-Cookie" not in zh.headers
    en = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in en and "Is this message from the tax office?" in en and 'action="/check?lang=en"' in en
    assert 'href="/?lang=en"' in page and 'href="/"' in en  # the switch
    assert "'unsafe-inline'" not in zh.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert client.get("/?lang=fr").get_data(as_text=True).count('<html lang="zh-CN">') == 1


@pytest.mark.parametrize("lang, heading, todo", [("zh", "高风险", "不要使用对方提供的电话或链接"),
                                                 ("en", "High risk", "do not use the phone numbers or links you were given")])
def test_a_fake_refund_sms_is_called_a_scam_with_what_to_do(client, lang, heading, todo):
    r = _check(client, SCAM_SMS, None if lang == "zh" else lang)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and heading in page and html.escape(todo, quote=False) in page
    assert "12366" in page and "chinatax.gov.cn" in page  # the official channels, from the data
    assert 'href="http://etax-refund-cn.top' not in page  # what was pasted is never a link


def test_a_reported_phone_and_a_lookalike_domain_are_named(app_with_model, client):
    reported = client.post("/api/v1/reports", json={"message_text": "税务稽查：请立即致电 13912345678 处理", "channel": "sms",
                                                    "phone": "13912345678"})
    assert reported.status_code == 201
    page = _check(client, "13912345678", "en").get_data(as_text=True)
    assert "Checked as: phone number" in page and "has been reported 1 times" in page
    assert "Be careful" in page or "High risk" in page
    page = _check(client, "chinatax-gov.cn.etax-refund.top", "en").get_data(as_text=True)
    assert "Checked as: website" in page


def test_a_never_seen_company_is_nothing_known_said_honestly(client):
    page = _check(client, "杭州青松木业有限公司").get_data(as_text=True)
    assert "检查类型：公司名称" in page and "未发现已知风险" in page and "并不证明对方可信" in page


@pytest.mark.parametrize("text, status, said", [
    ("", 400, "请先粘贴要检查的内容"), ("   \n ", 400, "请先粘贴要检查的内容"), ("退税" * 2600, 400, "5,000"),
    ("退税\x00链接", 400, "控制字符"), ("\x1b[31m", 400, "控制字符"),
])
def test_bad_input_is_answered_on_the_page(app_with_model, client, text, status, said):
    r = _check(client, text)
    assert r.status_code == status and said in r.get_data(as_text=True) and 'role="alert"' in r.get_data(as_text=True)
    with app_with_model.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0  # a check stores nothing


def test_hostile_text_is_shown_inert(client):
    payload = '<script>alert(1)</script>"><svg onload=alert(2)><img src=x onerror=alert(3)> javascript:alert(4)'
    page = _check(client, payload).get_data(as_text=True)
    assert "<script>alert" not in page and "<svg onload" not in page and "<img src=x" not in page
    assert html.escape('<script>alert(1)</script>', quote=False) in page


def test_a_form_without_the_field_or_with_a_huge_body_is_refused(client):
    assert client.post("/check", data={}).status_code == 400
    assert client.post("/check", data={"text": "x" * 2_000_000}).status_code in (400, 413)


def test_too_many_checks_from_one_address_is_a_page_not_json(app_with_model, client):
    app_with_model.config.update(RATELIMIT_ENABLED=True, ANON_LOOKUP_LIMIT="2/minute")
    codes = [_check(client, "杭州青松木业有限公司").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    page = _check(client, "x", "en")
    assert page.status_code == 429 and "Too many checks" in page.get_data(as_text=True)
    assert page.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("text, field", [
    ("http://etax-refund-cn.top/t", "url"), ("etax-refund-cn.top", "domain"), ("tax@irs-refund.top", "email"),
    ("+86 139-1234-5678", "phone"), ("(010) 1234 5678", "phone"), ("１３９１２３４５６７８", "phone"),
    ("杭州青松木业有限公司", "company"), ("Acme Trading Ltd", "company"), (SCAM_SMS, "message_text"),
    ("您好 http://a.top 请登录", "message_text"), ("12366", "phone"), ("95566", "phone"), ("12", "message_text"), ("IRS notice: refund pending", "message_text"),
])
def test_what_was_pasted_is_recognised(app_with_model, text, field):
    with app_with_model.app_context():
        assert recognise(text)[0] == field


@pytest.mark.parametrize("text", ["12366", "www.chinatax.gov.cn", "https://etax.chinatax.gov.cn/"])
def test_an_official_channel_is_said_to_be_one(client, text):
    page = _check(client, text).get_data(as_text=True)
    assert "这是税务机关的官方渠道" in page and "高风险" not in page


def test_the_same_check_through_the_api(app_with_model, client):
    r = client.post("/api/v1/check", json={"text": SCAM_SMS})
    answer = r.get_json()
    assert r.status_code == 200 and answer["checked_as"] == "message_text" and answer["verdict"] == "high_risk"
    assert answer["official"] is False and "12366" in answer["official_channels"]["hotlines"]
    official = client.post("/api/v1/check", json={"text": "12366"}).get_json()
    assert official["checked_as"] == "phone" and official["official"] is True
    for body, field in (({"text": "  "}, "text"), ({"text": "a\x00b"}, "text"), ({"text": "x" * 5001}, "text"),
                        ({"text": "a", "extra": 1}, "extra"), ({"text": 7}, "text"), ({}, "text")):
        r = client.post("/api/v1/check", json=body)
        assert r.status_code == 400 and field in r.get_json()["error"]["fields"], (body, r.get_json())
    assert client.post("/api/v1/check", data="not json", content_type="application/json").status_code == 400
    with app_with_model.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_robots_and_sitemap_name_the_public_pages_in_both_languages(app_with_model, client):
    import xml.etree.ElementTree as ET

    robots = client.get("/robots.txt")
    text = robots.get_data(as_text=True)
    assert robots.status_code == 200 and robots.headers["Content-Type"].startswith("text/plain")
    assert "Disallow: /console/" in text and "Disallow: /api/" in text and "Disallow: /check" in text
    assert "Sitemap: http://localhost/sitemap.xml" in text
    app_with_model.config["PUBLIC_URL"] = "https://fraudwatch.example.org"
    hostile = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    sitemap = client.get("/sitemap.xml", headers=hostile)
    assert sitemap.status_code == 200 and sitemap.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(sitemap.data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locs = [loc.text for loc in root.findall("s:url/s:loc", ns)]
    assert locs[:2] == ["https://fraudwatch.example.org/", "https://fraudwatch.example.org/?lang=en"]
    assert all(loc.startswith("https://fraudwatch.example.org/") for loc in locs) and len(locs) == len(set(locs))
    langs = {link.get("hreflang") for link in root.findall("s:url/x:link", ns)}
    assert langs == {"zh-CN", "en", "x-default"} and b"evil.example" not in sitemap.data
    assert "evil.example" not in client.get("/robots.txt", headers=hostile).get_data(as_text=True)


def test_pages_name_their_languages_and_canonical_address_on_the_configured_site(app_with_model, client):
    app_with_model.config["PUBLIC_URL"] = "https://fraudwatch.example"
    page = client.get("/?lang=en", headers={"Host": "evil.example"}).data.decode()
    assert '<link rel="canonical" href="https://fraudwatch.example/?lang=en">' in page
    assert '<link rel="alternate" hreflang="zh-CN" href="https://fraudwatch.example/">' in page
    assert '<link rel="alternate" hreflang="en" href="https://fraudwatch.example/?lang=en">' in page
    assert "evil.example" not in page
