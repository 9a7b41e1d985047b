"""Accessibility of the console's pages, checked by axe-core (vendored in tests/browser/vendor,
never served by the app) in Chromium: no serious or critical violation on the sign-in page, the
queue and a report page, at desktop and phone sizes, in zh and en."""
from __future__ import annotations

from pathlib import Path

import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.transactions import in_transaction
from tests.browser.conftest import DESKTOP, PHONE

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
TEXT = "【税务局】您有一笔个税退税待领取，请登录 etax-gov.top 填写银行卡号和密码，逾期作废。"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def _report(app) -> int:
    """A scam report with a verdict whose signals highlight parts of the message."""
    client = app.test_client()
    response = client.post("/api/v1/reports", json={"message_text": TEXT, "channel": "sms"})
    assert response.status_code == 201, response.get_json()
    report_id = response.get_json()["id"]
    start = TEXT.index("etax-gov.top")
    verdict = {"label": "scam", "scam_score": 0.97, "tax_impersonation": True, "authority": "CN-STA",
               "category": "refund_lure", "model_version": "a11y", "explanation": ["unofficial link with a refund"],
               "signals": [{"name": "url", "text": "etax-gov.top", "start": start, "end": start + 12},
                           {"name": "refund", "text": "退税", "start": 11, "end": 13}]}
    with app.app_context():
        in_transaction(db.session, lambda: report_store.store_verdict(db.session, report_id, verdict))
    return report_id


def _violations(tab) -> list[dict]:
    tab.add_script_tag(path=str(AXE))
    found = tab.evaluate(RUN_AXE)
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize(("viewport", "locale"), [(DESKTOP, "zh-CN"), (PHONE, "en-GB")], ids=["desktop-zh", "phone-en"])
def test_console_pages_have_no_serious_accessibility_violation(app, browser, live_server, make_person, console_login,
                                                               viewport, locale):
    make_person("a11y-officer", "officer")
    report_id = _report(app)
    # axe is injected as a script tag: the app's CSP (script-src 'self') would refuse it, as it should.
    context = browser.new_context(base_url=live_server, locale=locale, viewport=viewport, bypass_csp=True)
    tab = context.new_page()
    try:
        tab.goto("/console/login")
        problems = {"login": _violations(tab)}
        console_login(tab, "a11y-officer")
        tab.wait_for_url("**/console/**")
        tab.goto("/console/queue")
        assert tab.locator(f'[data-report="{report_id}"]').count() >= 1
        problems["queue"] = _violations(tab)
        tab.goto(f"/console/reports/{report_id}")
        assert tab.locator("mark").count() >= 2, "the signals are highlighted"
        problems["report"] = _violations(tab)
    finally:
        context.close()
    assert problems == {"login": [], "queue": [], "report": []}, problems


def test_the_check_finds_a_violation_when_there_is_one(browser, live_server):
    """The check itself can fail: an image without alternative text and an unlabelled input."""
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    tab = context.new_page()
    try:
        tab.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text"></main></body></html>')
        ids = {v["id"] for v in _violations(tab)}
    finally:
        context.close()
    assert {"image-alt", "label"} <= ids, ids
