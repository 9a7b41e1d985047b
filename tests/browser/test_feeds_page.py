"""The feeds page (/feeds/) in Chromium: every feed listed with its address, format and access,
in zh at desktop size and en at phone size (no sideways scroll), the listed addresses answer,
and axe-core finds no serious or critical violation. Screenshots go to $FW_SCREENSHOTS when set."""
from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations
from tests.browser.test_public_check import _shot
from tests.fraudwatch.feeds.helpers import add_indicator, sweep


@pytest.mark.parametrize(("viewport", "query", "heading", "key"), [(DESKTOP, "", "订阅源", "需要 API 密钥"),
                                                                    (PHONE, "?lang=en", "Feeds", "API key")],
                         ids=["desktop-zh", "phone-en"])
def test_the_feeds_page_lists_every_feed(app, page, browser, live_server, viewport, query, heading, key):
    with app.app_context():
        add_indicator("domain", "etax-refund-browser.top", "confirmed_fraud")
        sweep(app)
    page.set_viewport_size(viewport)
    page.goto("/feeds/" + query)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    rows = page.locator("table.feeds tbody tr")
    assert rows.count() >= 14  # 2 feeds x 5 formats, and the Atom and RSS feeds
    assert page.locator("table.feeds").get_by_text(key).count() >= 5  # the suspected feed in every format
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page scrolls sideways ({width} px)"
    _shot(page, f"feeds-{'phone-en' if viewport == PHONE else 'desktop-zh'}")
    link = page.get_by_role("link", name="confirmed.hosts")
    answer = page.request.get(link.get_attribute("href"))
    assert answer.ok and "0.0.0.0 etax-refund-browser.top" in answer.text()
    context = browser.new_context(base_url=live_server, viewport=viewport, bypass_csp=True)  # axe is a script
    try:
        tab = context.new_page()
        tab.goto("/feeds/" + query)
        assert _violations(tab) == []
    finally:
        context.close()
