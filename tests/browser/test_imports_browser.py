"""The feed imports page in Chromium: an officer finds it in the menu, opens a run's bad rows
and reads its samples (a <details>, no script); axe-core finds no serious or critical violation."""
from __future__ import annotations

from tests.browser.conftest import PHONE
from tests.browser.test_accessibility import _violations
from tests.fraudwatch.imports.test_imports_page import _runs


def test_an_officer_reads_a_runs_bad_rows(app, page, make_person, console_login):
    _runs(app)
    make_person("officer-imports", "officer")
    console_login(page, "officer-imports")
    page.wait_for_url("**/console/**")
    page.get_by_role("link", name="情报源导入").first.click()
    page.wait_for_url("**/console/imports")
    samples = page.locator("details.import-bad")
    assert not samples.locator("code").is_visible()
    samples.locator("summary").click()
    assert samples.locator("code").inner_text() == "<script>alert(1)</script>"
    assert "第 12 行" in samples.inner_text()
    page.get_by_role("link", name="urlhaus").click()
    page.wait_for_url("**/console/imports?source=urlhaus")
    assert page.locator("tr[data-run]").count() == 1


def test_the_imports_page_has_no_serious_accessibility_violation(app, browser, live_server, make_person,
                                                                 console_login):
    _runs(app)
    make_person("a11y-imports", "officer")
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE, bypass_csp=True)
    tab = context.new_page()
    try:
        console_login(tab, "a11y-imports")
        tab.wait_for_url("**/console/**")
        tab.goto("/console/imports")
        tab.locator("details.import-bad summary").click()
        problems = _violations(tab)
    finally:
        context.close()
    assert problems == [], problems
