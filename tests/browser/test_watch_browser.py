"""The watch-list page in Chromium: an enterprise user adds an entry and a webhook channel
(its secret shown once), presses the test button and sees the delivery in the log, delivered
to a real receiver on 127.0.0.1 that verifies the signature; hostile text inert; at desktop/zh
and phone/en, without sideways scrolling, and axe-core finds no serious or critical violation.
Screenshots go to $FW_SCREENSHOTS when set."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations
from tests.conftest import run_jobs
from tests.fraudwatch.watch.receivers import WebhookReceiver

XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def _shot(tab, name: str) -> None:
    folder = os.environ.get("FW_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(("viewport", "locale", "texts"), [
    (DESKTOP, "zh-CN", {"delivered": "已送达", "pending": "待发送"}),
    (PHONE, "en-GB", {"delivered": "delivered", "pending": "pending"}),
], ids=["desktop-zh", "phone-en"])
def test_add_entry_and_webhook_then_test_button_in_the_log(app, browser, live_server, make_person, console_login,
                                                          viewport, locale, texts):
    app.config.update(CRAWL_ALLOW_NETWORKS=("127.0.0.0/8",), CRAWL_ALLOWED_PORTS="any")
    receiver = WebhookReceiver()
    make_person("acme-web", "enterprise")
    context = browser.new_context(base_url=live_server, locale=locale, viewport=viewport, bypass_csp=True)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
    tab.on("pageerror", lambda e: problems.append(str(e)))
    name = f"watch-{'desktop-zh' if viewport is DESKTOP else 'phone-en'}"
    try:
        console_login(tab, "acme-web")
        tab.wait_for_url("**/console/**")
        tab.goto("/console/watch")
        tab.select_option("select[name=kind] >> nth=0", "domain")
        tab.fill("input[name=value]", "https://www.example-corp.com/")
        tab.fill("input[name=label]", XSS)
        tab.locator("form[action$='/watch/entries'] button[type=submit]").click()
        tab.wait_for_url("**/console/watch")
        assert tab.locator("table.watch-entries tbody tr").count() == 1
        assert "example-corp.com" in tab.locator("table.watch-entries").inner_text()
        assert XSS in tab.locator("table.watch-entries").inner_text()  # shown as text
        assert tab.locator("table.watch-entries img").count() == 0

        tab.select_option("form[action$='/watch/channels'] select[name=kind]", "webhook")
        tab.fill("input[name=target]", receiver.url)
        tab.locator("form[action$='/watch/channels'] button[type=submit]").click()
        tab.wait_for_load_state()
        receiver.secret = tab.locator("[data-secret]").inner_text().strip()
        assert len(receiver.secret) >= 40
        _shot(tab, f"{name}-secret")
        tab.goto("/console/watch")
        assert tab.locator("[data-secret]").count() == 0  # shown once

        tab.locator("button[data-test-channel]").click()
        tab.wait_for_url("**/console/watch#deliveries")
        row = tab.locator("table.watch-deliveries tbody tr").first
        assert texts["pending"] in row.inner_text()
        run_jobs(app)
        tab.reload()
        row = tab.locator("table.watch-deliveries tbody tr").first
        assert texts["delivered"] in row.inner_text() and "200" in row.inner_text()
        assert len(receiver.received) == 1 and receiver.received[0]["verified"]
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"the page scrolls sideways: {width}px"
        _shot(tab, name)
        violations = _violations(tab)
    finally:
        context.close()
        receiver.close()
    assert problems == []
    assert violations == [], violations
