"""The takedown pages in Chromium: an officer opens the list, follows a takedown whose RDAP
contact and first check (the scam still served by a real server on 127.0.0.1) are shown,
records a host contact and a notice to the registrar and marks it acted on (hostile text shown
as text); a revisit finds the site gone and the page and the list's figures say so. At desktop/zh
and phone/en, without sideways scrolling; axe-core finds no serious or critical violation."""
from __future__ import annotations

import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.jobs import takedowns as job
from fraudwatch.storage import takedowns as store
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations
from tests.fraudwatch.takedowns.conftest import SITE, confirm
from tests.fraudwatch.takedowns.servers import RdapAndSite

XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture(scope="module")
def site():
    with RdapAndSite() as running:
        yield running


@pytest.mark.parametrize(("viewport", "locale", "texts"), [
    (DESKTOP, "zh-CN", {"serving": "仍在提供诈骗内容", "acted": "已处理", "down": "已下线"}),
    (PHONE, "en-GB", {"serving": "still serving the scam", "acted": "acted on", "down": "down"}),
], ids=["desktop-zh", "phone-en"])
def test_officer_tracks_a_takedown(app, browser, live_server, make_person, console_login, site, viewport, locale,
                                   texts):
    site.served.site = "scam"
    app.config.update(site.config(SITE))
    confirm(app, f"http://{SITE}:{site.port}/login")
    with app.app_context():
        job.sweep()
        (takedown_id,) = [t.id for t, _i in store.list_takedowns(db.session, store.TakedownFilter())[0]]
        assert job.check(takedown_id)["state"] == "serving"
    make_person("td-officer", "officer")
    context = browser.new_context(base_url=live_server, locale=locale, viewport=viewport, bypass_csp=True)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("dialog", lambda d: (problems.append(d.message), d.dismiss()))
    tab.on("pageerror", lambda e: problems.append(str(e)))
    try:
        console_login(tab, "td-officer")
        tab.wait_for_url("**/console/**")
        tab.goto("/console/takedowns")
        tab.locator("table.takedowns a").first.click()
        tab.wait_for_url(f"**/console/takedowns/{takedown_id}")
        assert "abuse@registrar.example" in tab.locator("ul.contacts").inner_text()
        assert texts["serving"] in tab.locator("table.checks").inner_text()

        tab.select_option("form.contact-form select[name=party]", "host")
        tab.fill("form.contact-form input[name=contact]", "abuse@host.example " + XSS)
        tab.locator("form.contact-form button[type=submit]").click()
        tab.wait_for_url(f"**/console/takedowns/{takedown_id}")
        assert XSS in tab.locator("ul.contacts").inner_text() and tab.locator("ul.contacts img").count() == 0

        tab.select_option("form.notice-form select[name=party]", "registrar")
        tab.fill("form.notice-form input[name=contact]", "abuse@registrar.example")
        tab.fill("form.notice-form input[name=note]", "ticket 42")
        tab.locator("form.notice-form button[type=submit]").click()
        tab.wait_for_url(f"**/console/takedowns/{takedown_id}")
        tab.select_option("form.notice-status select[name=status]", "acted")
        tab.locator("form.notice-status button[type=submit]").click()
        tab.wait_for_url(f"**/console/takedowns/{takedown_id}")
        assert tab.locator("[data-notice-status=acted]").inner_text().strip() == texts["acted"]

        site.served.site = "gone"
        with app.app_context():
            assert job.check(takedown_id)["state"] == "gone"
        tab.reload()
        assert tab.locator("[data-takedown-status]").inner_text().strip() == texts["down"]
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"the page scrolls sideways: {width}px"
        violations = _violations(tab)
        tab.goto("/console/takedowns?status=down")
        assert tab.locator("[data-status=down]").inner_text().strip() == "1"
        assert tab.locator("[data-stat=median]").inner_text().strip() != "-"
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"] + 1, f"the list scrolls sideways: {width}px"
        violations += _violations(tab)
    finally:
        context.close()
    assert problems == []
    assert violations == [], violations
