"""The campaign pages in Chromium: an officer opens a campaign whose reports carry script
payloads (nothing runs: the page fixture fails on any dialog or script error), reads the chart,
and dismisses the whole campaign through the form; axe-core finds no serious or critical violation."""
from __future__ import annotations

from fraudwatch.infra.extensions import db
from fraudwatch.services import campaigns
from fraudwatch.storage.models import Report
from tests.browser.conftest import DESKTOP
from tests.browser.test_accessibility import _violations

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=alert(3)> javascript:alert(4)'
LURE = "【国家税务总局】您的个人所得税退税{n}元已到账，请于24小时内登录 http://refund-{n}.top/r 办理，逾期作废。" + XSS


def _campaign(app, client) -> tuple[int, list[int]]:
    ids = [client.post("/api/v1/reports", json={"message_text": LURE.format(n=n)}).get_json()["id"]
           for n in (100, 250, 999)]
    with app.app_context():
        (cid,) = {campaigns.assign_report(i) for i in ids} - {None}
    return cid, ids


def test_an_officer_dismisses_a_campaign_of_script_payloads(app, client, page, make_person, console_login):
    cid, ids = _campaign(app, client)
    make_person("camp-officer", "officer")
    console_login(page, "camp-officer")
    page.wait_for_url("**/console/**")
    page.goto("/console/campaigns")
    page.locator("table.campaigns a").first.click()
    page.wait_for_url(f"**/console/campaigns/{cid}")
    assert page.locator("svg.chart rect.bar").count() >= 1
    assert XSS in page.locator("table.reports").inner_text()  # shown as text
    page.select_option("select[name=action]", "dismiss")
    page.fill("input[name=reason]", "not a lure " + XSS)
    page.locator("form[action$='/act'] button[type=submit]").click()
    page.wait_for_url(f"**/console/campaigns/{cid}")
    with app.app_context():
        assert {db.session.get(Report, i).status for i in ids} == {"dismissed"}


def test_the_campaign_page_has_no_serious_accessibility_violation(app, client, browser, live_server, make_person,
                                                                  console_login):
    cid, _ = _campaign(app, client)
    make_person("a11y-camp", "officer")
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=DESKTOP, bypass_csp=True)
    tab = context.new_page()
    try:
        console_login(tab, "a11y-camp")
        tab.wait_for_url("**/console/**")
        problems = []
        for path in ("/console/campaigns", f"/console/campaigns/{cid}"):
            tab.goto(path)
            problems += _violations(tab)
    finally:
        context.close()
    assert problems == [], problems
