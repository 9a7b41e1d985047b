"""The console's vendor-check page in Chromium (issue #12): an enterprise user signs in, lands
on it and checks a vendor asking for a 'tax system construction fee' with a lookalike domain
(zh, desktop) and a never-seen vendor (en, phone); a bad credit code is answered next to its
field; axe-core finds no serious or critical violation. Screenshots in $FW_SCREENSHOTS."""
from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations
from tests.browser.test_public_check import _shot
from tests.fraudwatch.api.test_vendor_check import FEE, LOOKALIKE, USCC


@pytest.fixture
def app(app_with_model):
    """The vendor check reads the message with a trained classifier."""
    return app_with_model


def _fill(tab, **fields) -> None:
    for name, value in fields.items():
        tab.fill(f"#field-{name}", value)
    tab.click("form.vendor-form button[type=submit]")
    tab.wait_for_load_state()


@pytest.mark.parametrize(("viewport", "locale"), [(DESKTOP, "zh-CN"), (PHONE, "en-GB")], ids=["desktop-zh", "phone-en"])
def test_an_enterprise_checks_vendors(browser, live_server, make_person, console_login, viewport, locale):
    make_person("acme", "enterprise")
    context = browser.new_context(base_url=live_server, locale=locale, viewport=viewport)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("dialog", lambda dialog: (errors.append(dialog.message), dialog.dismiss()))
    try:
        console_login(tab, "acme")
        tab.wait_for_url("**/console/vendor-check")  # enterprise users land here
        zh = locale == "zh-CN"
        if zh:
            _fill(tab, company="金税科技服务有限公司", uscc=USCC, site=LOOKALIKE, message_text=FEE)
            answer = tab.locator("section.vendor-answer")
            assert "verdict-high_risk" in answer.get_attribute("class")
            assert "高风险" in answer.locator("h2").inner_text()
            assert "仿冒税务机关官方网站" in answer.inner_text() and "12366" in answer.inner_text()
        else:
            _fill(tab, company="Bright Pine Software Ltd", site="brightpine-soft.example", phone="021 6123 4567")
            answer = tab.locator("section.vendor-answer")
            assert "Nothing known against it" in answer.locator("h2").inner_text()
            assert "status: unknown" in answer.inner_text()
        assert tab.locator("#field-site").input_value() == (LOOKALIKE if zh else "brightpine-soft.example")
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the page scrolls sideways ({width} px)"
        _shot(tab, f"console-vendor-{'desktop-zh' if zh else 'phone-en'}")
        _fill(tab, uscc="91350100M000100Y44")
        assert tab.locator("#uscc-error").is_visible()
        assert tab.locator("#field-uscc").get_attribute("aria-invalid") == "true"
        _shot(tab, f"console-vendor-refused-{'desktop-zh' if zh else 'phone-en'}")
    finally:
        context.close()
    assert errors == []


@pytest.mark.parametrize(("viewport", "locale"), [(DESKTOP, "zh-CN"), (PHONE, "en-GB")], ids=["desktop-zh", "phone-en"])
def test_the_vendor_page_has_no_serious_accessibility_violation(browser, live_server, make_person, console_login,
                                                                viewport, locale):
    make_person("acme-a11y", "enterprise")
    context = browser.new_context(base_url=live_server, locale=locale, viewport=viewport, bypass_csp=True)
    tab = context.new_page()
    try:
        console_login(tab, "acme-a11y")
        tab.wait_for_url("**/console/vendor-check")
        problems = {"form": _violations(tab)}
        _fill(tab, company="金税科技服务有限公司", site=LOOKALIKE, message_text=FEE)
        problems["answer"] = _violations(tab)
        _fill(tab, uscc="12345")
        problems["refusal"] = _violations(tab)
    finally:
        context.close()
    assert problems == {"form": [], "answer": [], "refusal": []}, problems
