"""The public home page and its check box in Chromium (issue #12): a visitor pastes a fake
refund SMS and is told it is a scam and what to do, in zh and en, at desktop and phone sizes;
hostile text is shown inert; axe-core finds no serious or critical violation. Screenshots go
to $FW_SCREENSHOTS when set (test artefacts)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations

SCAM_SMS = "【国家税务总局】您的个人所得税退税2860元已到账，请于24小时内登录 http://etax-refund-cn.top/t 办理，逾期作废。"
HOSTILE = '<script>alert(1)</script>"><svg onload=alert(2)><img src=x onerror=alert(3)> javascript:alert(4)'


@pytest.fixture
def app(app_with_model):
    """The browser tests' live server serves the app with a trained classifier."""
    return app_with_model


def _shot(tab, name: str) -> None:
    folder = os.environ.get("FW_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(("viewport", "lang", "heading", "advice"), [
    (DESKTOP, "zh", "高风险", "不要使用对方提供的电话或链接"),
    (PHONE, "en", "High risk", "do not use the phone numbers or links"),
], ids=["desktop-zh", "phone-en"])
def test_a_visitor_checks_a_fake_refund_sms(page, viewport, lang, heading, advice):
    page.set_viewport_size(viewport)
    page.goto("/" if lang == "zh" else "/?lang=en")
    page.get_by_role("textbox").fill(SCAM_SMS)
    page.get_by_role("button", name="检查" if lang == "zh" else "Check").first.click()
    page.wait_for_load_state()
    assert heading in page.get_by_role("heading", level=1).inner_text()
    assert advice in page.locator("ul.advice").inner_text()
    assert "12366" in page.locator("ul.official").inner_text()
    assert page.locator('a[href*="etax-refund-cn"]').count() == 0  # the scam's link is never clickable
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page scrolls sideways ({width} px)"
    _shot(page, f"public-check-{lang}-{'phone' if viewport == PHONE else 'desktop'}")


def test_hostile_text_is_inert_and_the_language_switch_keeps_the_page(page):
    page.goto("/?lang=en")
    page.get_by_role("textbox").fill(HOSTILE)
    page.get_by_role("button", name="Check").first.click()
    page.wait_for_load_state()
    assert "<script>alert(1)</script>" in page.locator("blockquote.pasted").inner_text()  # shown as text
    page.get_by_role("link", name="中文").click()
    assert page.url.endswith("/") and page.locator("html").get_attribute("lang") == "zh-CN"
    # `page` fails the test on any dialog or script error


@pytest.mark.parametrize(("viewport", "query"), [(DESKTOP, ""), (PHONE, "?lang=en")], ids=["desktop-zh", "phone-en"])
def test_public_pages_have_no_serious_accessibility_violation(browser, live_server, viewport, query):
    context = browser.new_context(base_url=live_server, viewport=viewport, bypass_csp=True)
    tab = context.new_page()
    try:
        tab.goto("/" + query)
        problems = {"home": _violations(tab)}
        tab.get_by_role("textbox").fill(SCAM_SMS)
        tab.locator("form.check button").click()
        tab.wait_for_load_state()
        problems["answer"] = _violations(tab)
        tab.get_by_role("textbox").fill("   ")  # blank: the refusal is on the page
        tab.locator("form.check button").click()
        tab.wait_for_load_state()
        assert tab.locator('[role="alert"]').count() == 1
        problems["refusal"] = _violations(tab)
    finally:
        context.close()
    assert problems == {"home": [], "answer": [], "refusal": []}, problems
