"""The public report form in Chromium (issue #12): a visitor picks the channel by a plain link,
fills the SMS form with a screenshot through the file input, gets a receipt number and finds
the report's status by it; zh at desktop size and en on a phone (390 px, no sideways scroll);
a refused post keeps what was typed; axe-core finds no serious or critical violation on the
chooser, the form, a refusal, the receipt and the status page. Screenshots go to
$FW_SCREENSHOTS when set (test artefacts)."""
from __future__ import annotations

import re

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations
from tests.browser.test_public_check import _shot

SMS = "【国家税务总局】您的个人所得税退税2860元已到账，请于24小时内登录 http://etax-refund-cn.top/t 办理，逾期作废。"
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(3)>'


@pytest.fixture
def app(app_with_model):
    """The browser tests' live server serves the app with a trained classifier."""
    return app_with_model


@pytest.fixture
def screenshot_file(tmp_path):
    image = Image.new("RGB", (600, 160), "white")
    ImageDraw.Draw(image).text((10, 40), "Tax refund: log in at etax-refund.top", fill="black",
                               font=ImageFont.load_default(size=30))
    path = tmp_path / "sms.png"
    image.save(path, "PNG")
    return path


def _no_sideways_scroll(tab, viewport) -> None:
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page scrolls sideways ({width} px)"


@pytest.mark.parametrize(("viewport", "lang"), [(DESKTOP, "zh"), (PHONE, "en")], ids=["desktop-zh", "phone-en"])
def test_a_visitor_reports_an_sms_with_a_screenshot_and_follows_it(page, viewport, lang, screenshot_file):
    en = lang == "en"
    page.set_viewport_size(viewport)
    page.goto("/?lang=en" if en else "/")
    page.get_by_role("link", name="Report a scam" if en else "举报诈骗").first.click()
    page.wait_for_load_state()
    _no_sideways_scroll(page, viewport)
    _shot(page, f"public-report-channels-{lang}")
    page.get_by_role("link", name=re.compile("^SMS" if en else "^短信")).click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == ("en" if en else "zh-CN")
    page.get_by_label("The sender's number" if en else "发送方号码").fill("106 9000 1234")
    page.get_by_label("The message text" if en else "短信内容").fill(SMS)
    page.get_by_label("Your province (optional)" if en else "您所在的省份（选填）").select_option("CN-GD")
    page.get_by_label("Screenshot (optional)" if en else "截图（选填）").set_input_files(str(screenshot_file))
    assert page.locator(".hp").is_visible() is False or page.locator(".hp").bounding_box()["x"] < 0  # honeypot hidden
    _no_sideways_scroll(page, viewport)
    _shot(page, f"public-report-form-{lang}-{'phone' if en else 'desktop'}")
    page.get_by_role("button", name="Send the report" if en else "提交举报").click()
    page.wait_for_load_state()
    receipt = re.search(r"FW-[A-Z2-7]{16}", page.locator("p.receipt").inner_text()).group(0)
    assert ("Thank you" if en else "谢谢您") in page.get_by_role("heading", level=1).inner_text()
    _shot(page, f"public-report-receipt-{lang}")
    page.get_by_role("link", name="Follow your report" if en else "查询举报进度").click()
    page.wait_for_load_state()
    assert receipt in page.get_by_role("heading", level=1).inner_text()
    assert ("Received, waiting for review" if en else "已收到，等待审核") in page.locator("p.state").inner_text()
    assert "etax-refund" not in page.content() and "1234" not in page.locator("main").inner_text()
    _shot(page, f"public-report-status-{lang}")
    page.goto("/report/status" + ("?lang=en" if en else ""))
    page.get_by_label("Receipt number" if en else "回执编号").fill(receipt.lower())
    page.get_by_role("button", name="Show the status" if en else "查询进度").click()
    page.wait_for_load_state()
    assert receipt in page.get_by_role("heading", level=1).inner_text()


def test_a_refused_post_keeps_the_text_and_hostile_text_is_inert(page):
    page.goto("/report/email?lang=en")
    page.get_by_label("Subject").fill(HOSTILE)
    page.get_by_label("The e-mail's text").fill(HOSTILE + " refund")
    page.get_by_label("Screenshot (optional)").set_input_files(
        {"name": "shot.png", "mimeType": "image/png", "buffer": b"GIF89a not really a png"})
    page.expect_http_error()
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_load_state()
    assert page.locator('[role="alert"]').count() == 1 and "Send a PNG or JPEG picture." in page.content()
    assert page.get_by_label("Subject").input_value() == HOSTILE  # kept, as text
    assert page.get_by_label("The e-mail's text").input_value() == HOSTILE + " refund"
    _shot(page, "public-report-refused-en")
    # `page` fails the test on any dialog or script error


@pytest.mark.parametrize(("viewport", "lang"), [(DESKTOP, ""), (PHONE, "?lang=en")], ids=["desktop-zh", "phone-en"])
def test_report_pages_have_no_serious_accessibility_violation(browser, live_server, viewport, lang):
    context = browser.new_context(base_url=live_server, viewport=viewport, bypass_csp=True)
    tab = context.new_page()
    problems = {}
    try:
        tab.goto("/report" + lang)
        problems["channels"] = _violations(tab)
        tab.goto("/report/chat" + lang)
        problems["form"] = _violations(tab)
        tab.locator("form.report-form button").click()  # nothing written: the refusal is on the page
        tab.wait_for_load_state()
        assert tab.locator('[role="alert"]').count() == 1
        problems["refusal"] = _violations(tab)
        tab.locator("#f-message").fill(SMS)
        tab.locator("form.report-form button").click()
        tab.wait_for_load_state()
        problems["receipt"] = _violations(tab)
        tab.locator("main a[href*='/report/status/']").click()
        tab.wait_for_load_state()
        problems["status"] = _violations(tab)
        tab.goto("/report/status/FW-AAAAAAAAAAAAAAAA" + lang)
        problems["unknown"] = _violations(tab)
    finally:
        context.close()
    assert all(found == [] for found in problems.values()), problems


def test_an_officer_sees_the_screenshot_on_the_report_page(app, page, make_person, console_login, screenshot_file):
    from tests.conftest import run_jobs

    page.goto("/report/sms?lang=en")
    page.get_by_label("The message text").fill(SMS)
    page.get_by_label("Screenshot (optional)").set_input_files(str(screenshot_file))
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_load_state()
    assert page.locator("p.receipt").count() == 1
    run_jobs(app)  # OCR and classification
    make_person("li.officer")
    console_login(page, "li.officer")
    page.wait_for_url("**/console/")
    page.goto("/console/reports/1")
    image = page.locator("figure.screenshot img")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 600  # the stored PNG, allowed by the page's CSP
    caption = page.locator("figure.screenshot figcaption").inner_text()
    assert "600 × 160" in caption
    _shot(page, "console-report-screenshot")
