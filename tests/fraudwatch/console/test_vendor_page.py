"""The console's vendor-check page: the Done-when case (a "tax system construction fee" with a
lookalike domain and a reported phone is high risk, each reason shown), a never-seen vendor
(no known risk, what was checked), refusals next to their field with the typed values kept
(oversized, control characters, USCC check character, nothing given), hostile text inert,
roles, CSRF, the enterprise landing page and the menu, zh and en."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import User
from tests.fraudwatch.api.test_vendor_check import FEE, LOOKALIKE, USCC

URL = "/console/vendor-check"
XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture
def app(app_with_model):
    """Every test of this module with the classifier model (the message is read by it)."""
    return app_with_model


def _send(client, csrf, lang="zh", **fields):
    data = {"csrf_token": csrf(client), **fields}
    return client.post(URL, data=data, headers={"Accept-Language": lang})


def _english(app, name):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.name == name).values(language="en"))
        db.session.commit()


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fee_demand_lookalike_and_reported_phone_is_high_risk_with_each_reason(app, client, sign_in, csrf, lang):
    client.post("/api/v1/reports", json={"phone": "+86 171 2345 6789", "message_text": "冒充税务局要求缴费"})
    sign_in(client, "acme", "enterprise")
    if lang == "en":
        _english(app, "acme")
    answer = _send(client, csrf, company="金税科技服务有限公司", uscc=USCC, site=LOOKALIKE, phone="17123456789",
                   message_text=FEE)
    assert answer.status_code == 200
    page = answer.data.decode()
    text = _text(page)
    assert 'class="card vendor-answer verdict-high_risk"' in page
    if lang == "zh":
        assert "高风险" in text
        assert "chinatax-gov.cn 仿冒税务机关官方网站的网址" in text
        assert "已被举报 1 次" in text
        assert "税务机关不会向企业收取建设或升级税务系统的费用" in text and "12366" in text
    else:
        assert "High risk: this looks like a scam" in text
        assert "chinatax-gov.cn imitates the address of an official tax website." in text
        assert "+8617123456789 has been reported 1 times and is suspected." in text or \
            "has been reported 1 times" in text
        assert "The message reads like a scam" in text
        assert "never charge companies to build or upgrade a tax system" in text
        assert "Hotline: 12366" in text and "chinatax.gov.cn" in text
        assert "Registration not verified here" in text
    assert f'value="{LOOKALIKE}"' in page and "税务系统建设费" in page  # what was typed is kept


def test_a_never_seen_clean_vendor_is_no_known_risk_with_what_was_checked(app, client, sign_in, csrf):
    sign_in(client, "acme", "enterprise")
    _english(app, "acme")
    page = _send(client, csrf, company="上海明远软件有限公司", uscc=USCC, site="https://mingyuan-soft.cn/about",
                 phone="021 6123 4567", email="sales@mingyuan-soft.cn", bank_account="110060576018010037865").data
    text = _text(page.decode())
    assert "verdict-no_known_risk" in page.decode() and "Nothing known against it" in text
    assert "fraudwatch's records: 0 reports, status: unknown." in text
    assert "Imitation of an official tax website: none found." in text
    assert "Official tax hotlines: it is not one." in text
    assert "No checksum applies" in text.partition("What was checked")[2]
    assert "What we found" not in text  # nothing against it
    assert "does not prove" in text


@pytest.mark.parametrize("field, value, lang, message", [
    ("uscc", "91350100M000100Y44", "en", "Not a valid unified social credit code"),
    ("uscc", "12345", "zh", "不是有效的统一社会信用代码"),
    ("company", "金税\x00科技", "en", "This holds control characters"),
    ("phone", "1" * 65, "en", "That is too long: at most 64 characters (you typed 65)."),
    ("message_text", "税" * 50_001, "zh", "太长"),
    ("site", "a" * 254, "en", "That is too long: at most 253 characters"),
])
def test_bad_input_is_answered_next_to_the_field(app, client, sign_in, csrf, field, value, lang, message):
    sign_in(client, "acme", "enterprise")
    if lang == "en":
        _english(app, "acme")
    fields = {"email": "sales@mingyuan-soft.cn", field: value}
    answer = _send(client, csrf, **fields)
    assert answer.status_code == 400
    page = answer.data.decode()
    error = re.search(rf'<p class="error field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert error is not None and message in error.group(1), page[-3000:]
    assert f'aria-describedby="{field}-hint {field}-error"' in page or f'aria-describedby="{field}-error"' in page
    assert 'value="sales@mingyuan-soft.cn"' in page  # the other typed values are kept
    assert "vendor-answer" not in page


def test_nothing_given_is_said_above_the_form(app, client, sign_in, csrf):
    sign_in(client, "acme", "enterprise")
    _english(app, "acme")
    answer = _send(client, csrf, company="   ", phone="")
    assert answer.status_code == 400 and "Fill in at least one field." in answer.data.decode()


def test_an_invalid_phone_is_answered_next_to_it(app, client, sign_in, csrf):
    sign_in(client, "acme", "enterprise")
    _english(app, "acme")
    answer = _send(client, csrf, phone="not a phone")
    page = answer.data.decode()
    assert answer.status_code == 400 and 'id="phone-error"' in page and 'value="not a phone"' in page


def test_hostile_text_is_inert(app, client, sign_in, csrf):
    sign_in(client, "acme", "enterprise")
    page = _send(client, csrf, company=XSS, message_text=XSS + " 请缴纳税务系统建设费").data.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    bad = _send(client, csrf, company=XSS, uscc=XSS).data.decode()
    assert "<script>alert" not in bad and 'id="uscc-error"' in bad


def test_anonymous_is_sent_to_sign_in_and_csrf_is_required(app, client, sign_in):
    answer = client.get(URL)
    assert answer.status_code in (302, 303) and "/console/login" in answer.headers["Location"]
    sign_in(client, "acme", "enterprise")
    assert client.post(URL, data={"company": "x"}).status_code in (400, 403)


def test_roles_menu_and_landing_page(app, client, sign_in):
    sign_in(client, "acme", "enterprise")
    landing = client.get("/console/")
    assert landing.status_code in (302, 303) and landing.headers["Location"].endswith(URL)
    page = client.get(URL).data.decode()
    assert f'href="{URL}" aria-current="page"' in page and "<form" in page
    assert client.get("/console/queue").status_code == 403
    for role in ("officer", "admin"):
        other = app.test_client()
        sign_in(other, f"{role}-1", role)
        assert other.get(URL).status_code == 200
    editor = app.test_client()
    sign_in(editor, "editor-1", "editor")
    assert editor.get(URL).status_code == 403


@pytest.mark.parametrize("site, kind", [("mingyuan-soft.cn/", "website"), ("http://mingyuan-soft.cn", "link"),
                                        ("mingyuan-soft.cn/about", "link")])
def test_the_website_field_takes_a_domain_or_a_link(app, client, sign_in, csrf, site, kind):
    sign_in(client, "acme", "enterprise")
    _english(app, "acme")
    answer = _send(client, csrf, site=site)
    text = _text(answer.data.decode())
    assert answer.status_code == 200 and "Nothing known against it" in text
    assert f"{kind}: " in text.partition("What was checked")[2]
