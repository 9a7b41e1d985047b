"""The officer's queue and report pages in headless Chromium: the done-when flow (an officer
made by the CLI signs in, sees reports in risk order, confirms one, the lookup says
confirmed_fraud) in zh and en, filters, bulk dismiss, merge and the refused cycle, keyboard
shortcuts, script payloads inert, and actions with htmx and without JavaScript.

Data is made through the API and storage, not the UI, except what a test is about; the
`page` fixture fails a test on any dialog, console error or page error."""
from __future__ import annotations

import os
import time

import pytest
from click.testing import CliRunner

from fraudwatch.cli import main
from fraudwatch.infra.extensions import db
from fraudwatch.storage import evidence as evidence_store
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.transactions import in_transaction
from tests.browser.conftest import DESKTOP, PHONE
from tests.fraudwatch.console.conftest import PASSWORD

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>']
HOSTILE = " ".join(XSS) + " javascript:alert(1)"


def _report(app, text: str | None = None, **extra) -> int:
    """A report made through the API; its id."""
    body = {"message_text": text, **extra} if text else extra
    response = app.test_client().post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _verdict(app, report_id: int, score: float, signals=()) -> None:
    """Store a scam verdict with `score` (the queue's risk follows it)."""
    verdict = {"label": "scam", "scam_score": score, "tax_impersonation": True, "authority": "CN-STA",
               "category": "refund_lure", "model_version": "browser", "signals": list(signals),
               "explanation": ["unofficial link with a refund"]}
    with app.app_context():
        in_transaction(db.session, lambda: report_store.store_verdict(db.session, report_id, verdict))


def _status(app, report_id: int) -> tuple[str, int | None]:
    """A report's status and what it duplicates, from storage."""
    with app.app_context():
        report = report_store.get_report(db.session, report_id)
        return report.status, report.duplicate_of_id


def _rows(tab) -> list[int]:
    """Report ids of the queue's rows, top to bottom."""
    return [int(i) for i in tab.locator("tr[data-report]").evaluate_all("rows => rows.map(r => r.dataset.report)")]


@pytest.fixture
def officer(page, make_person, console_login):
    """`page`, signed in as a new officer."""
    make_person("li.officer")
    console_login(page, "li.officer")
    page.wait_for_url("**/console/")
    return page


@pytest.fixture
def cli(database_url, tmp_path):
    """`fraudwatch ...` in-process on the app's database."""
    env = {"FRAUDWATCH_INSTANCE": str(tmp_path / "cli"), "DATABASE_URL": database_url,
           "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}
    return lambda *args, input=None: CliRunner().invoke(main, list(args), env=env, input=input,
                                                         catch_exceptions=False)


def _lookup_until_confirmed(tab, domain: str, seconds: float = 5.0) -> str:
    """The lookup status of `domain` through the live server, asked until confirmed or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        answer = tab.request.get("/api/v1/lookup", params={"type": "domain", "value": domain})
        status = answer.json().get("status")
        if status == "confirmed_fraud" or time.monotonic() > deadline:
            return status
        tab.wait_for_timeout(200)


TEXTS = {"zh": {"queue": "待办队列", "confirm": "确认", "apply": "执行", "confirmed": "已确认", "sms": "短信"},
         "en": {"queue": "Queue", "confirm": "Confirm", "apply": "Apply", "confirmed": "confirmed", "sms": "SMS"}}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_done_when_flow(app, page, cli, console_login, language):
    made = cli("create-user", "zhao.officer", "--role", "officer", "--password-stdin", "--no-token",
               input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    domain = f"etax-refund-{language}.top"
    text = f"【税务局】您有一笔退税待领取，请登录 http://{domain}/claim 填写银行卡号"
    low, high, mid = _report(app, "退税 low risk"), _report(app, text, channel="sms"), _report(app, "退税 mid")
    start = text.index(domain)
    _verdict(app, high, 0.95, [{"name": "url", "start": start, "end": start + len(domain)}])
    _verdict(app, mid, 0.6)
    _verdict(app, low, 0.2)
    with app.app_context():
        in_transaction(db.session, lambda: evidence_store.save_evidence(db.session, {
            "url": f"http://{domain}/claim", "http_status": 200, "title": "个人所得税退税",
            "excerpt": "请输入银行卡号和交易密码"}, report_id=high))
    if language == "en":
        page.goto("/console/login")
        page.click("form.language button[value=en]")
        page.wait_for_load_state()
    console_login(page, "zhao.officer")
    page.wait_for_url("**/console/")
    page.goto("/console/queue")
    words = TEXTS[language]
    assert page.locator("h1").inner_text().startswith(words["queue"])
    assert page.locator("#bulk button[type=submit]").inner_text() == words["apply"]
    assert _rows(page)[:3] == [high, mid, low]
    assert page.locator(f"tr[data-report='{high}'] td").nth(3).inner_text() == words["sms"]  # a label, not `sms`
    page.click(f"tr[data-report='{high}'] a")
    page.wait_for_url(f"**/console/reports/{high}")
    assert page.locator("pre.message mark[data-signals='url']").inner_text() == domain
    assert "个人所得税退税" in page.locator("section.evidence").inner_text()
    assert page.locator("#act-form button[value=confirm]").inner_text() == words["confirm"]
    before = page.request.get("/api/v1/lookup", params={"type": "domain", "value": domain}).json()["status"]
    assert before != "confirmed_fraud"  # asked (and maybe cached) before the decision
    page.fill("#act-reason", "fake refund page asking for card numbers")
    page.click("#act-form button[value=confirm]")
    page.locator("#report-main h1 small", has_text=words["confirmed"]).wait_for()
    assert _lookup_until_confirmed(page, domain) == "confirmed_fraud"
    assert "fake refund page" in page.locator("ol.history").inner_text()


def test_filters_in_the_form(app, officer):
    sms = [_report(app, f"退税 filter sms {i}", channel="sms") for i in range(2)]
    _report(app, "退税 filter email", channel="email")
    officer.goto("/console/queue")
    officer.select_option("form.filters select[name=channel]", "sms")
    officer.click("form.filters button[type=submit]")
    officer.wait_for_url("**channel=sms**")
    assert sorted(_rows(officer)) == sorted(sms)
    assert officer.locator("form.filters select[name=channel]").input_value() == "sms"
    officer.fill("form.filters input[name=authority]", "<script>")
    officer.expect_http_error()
    officer.click("form.filters button[type=submit]")
    officer.wait_for_url("**authority=**")
    errors = officer.locator("#filter-errors")
    assert "authority" in errors.inner_text() and _rows(officer) == []


def test_bulk_dismiss(app, officer):
    ids = [_report(app, f"退税 bulk {i}") for i in range(3)]
    officer.goto("/console/queue")
    for rid in ids[:2]:
        officer.check(f"tr[data-report='{rid}'] input[type=checkbox]")
    officer.select_option("#bulk-action", "dismiss")
    officer.fill("#bulk-reason", "advertising, not fraud")
    with officer.expect_navigation():
        officer.click("#bulk button[type=submit]")
    assert [_status(app, rid)[0] for rid in ids] == ["dismissed", "dismissed", "new"]
    officer.goto("/console/queue?status=dismissed")
    assert sorted(_rows(officer)) == sorted(ids[:2])


def _merge_from_page(tab, into: int, other: int, reason: str) -> None:
    """Fill the merge form of report `into`'s page with `other` and press Merge."""
    tab.goto(f"/console/reports/{into}")
    tab.fill("#act-form input[name=report_ids]", str(other))
    tab.fill("#act-reason", reason)
    tab.click("#act-form button[value=merge]")


def test_merge_and_the_refused_cycle(app, officer):
    """A merge into the report's own duplicate chain (409) is refused in place: the alert next to
    the form says why, the officer stays on the report's URL with what they typed, and the page
    still works (a bad reason then a note from the same form)."""
    a, b = _report(app, "退税 merge a"), _report(app, "退税 merge b")
    with officer.expect_response(f"**/console/reports/{a}/act") as answer:
        _merge_from_page(officer, a, b, "same campaign")
    assert answer.value.status == 200 and officer.url.endswith(f"/console/reports/{a}")
    assert _status(app, b)[1] == a
    officer.expect_http_error()
    _merge_from_page(officer, b, a, "cycle")
    alert = officer.locator("#act-error[role=alert]")
    alert.locator(".alert-title").wait_for()
    assert f"请改为并入举报 {a}" in alert.inner_text() and "(409)" in alert.inner_text()  # the page's language
    assert officer.url.endswith(f"/console/reports/{b}") and officer.locator(".error-page").count() == 0
    assert officer.input_value("#act-reason") == "cycle" and officer.locator("nav[aria-label]").count() == 1
    assert officer.evaluate("document.getElementById('act-error').nextElementSibling.id") == "act-form"
    assert _status(app, a)[1] is None and _status(app, b)[1] == a
    officer.fill("#act-reason", "   ")  # 400: a reason of spaces
    officer.expect_http_error()
    officer.click("#act-form button[value=needs_info]")
    alert.locator(".alert-title", has_text="(400)").wait_for()
    assert officer.url.endswith(f"/console/reports/{b}") and _status(app, b)[0] == "duplicate"
    officer.fill("#act-form input[name=report_ids]", "")
    officer.fill("#act-reason", "seen the cycle")
    officer.click("#act-form button[value=note]")
    officer.locator("p.note", has_text="seen the cycle").wait_for()
    assert officer.locator("#act-error").inner_text() == ""  # the next answer clears the alert


def test_refused_merge_of_a_missing_report_by_htmx_is_a_404_in_place(app, officer):
    a = _report(app, "退税 merge missing")
    officer.expect_http_error()
    _merge_from_page(officer, a, 999999, "gone")
    officer.locator("#act-error .alert-title", has_text="(404)").wait_for()
    assert "999999" in officer.locator("#act-error").inner_text() and officer.url.endswith(f"/console/reports/{a}")


def test_keyboard_shortcuts(app, officer):
    ids = [_report(app, f"退税 keys {i}") for i in range(3)]
    for rid, score in zip(ids, (0.9, 0.6, 0.3), strict=True):
        _verdict(app, rid, score)
    officer.goto("/console/queue")
    current = officer.locator("tr.current")
    officer.keyboard.press("j")
    officer.keyboard.press("j")
    assert current.get_attribute("data-report") == str(ids[1])
    officer.keyboard.press("k")
    assert current.get_attribute("data-report") == str(ids[0]) and current.count() == 1
    officer.keyboard.press("?")
    assert officer.locator("#shortcuts-help").is_visible()
    officer.keyboard.press("?")
    assert not officer.locator("#shortcuts-help").is_visible()
    officer.keyboard.press("x")
    assert officer.locator(f"tr[data-report='{ids[0]}'] input").is_checked()
    officer.keyboard.press("d")
    assert officer.input_value("#bulk-action") == "dismiss"
    assert officer.evaluate("document.activeElement.id") == "bulk-reason"
    officer.keyboard.press("c")  # typed into the reason field: not a shortcut
    assert officer.input_value("#bulk-action") == "dismiss" and officer.input_value("#bulk-reason") == "c"
    officer.evaluate("document.activeElement.blur()")
    with officer.expect_navigation():
        officer.keyboard.press("c")  # a reason is there: the form is sent
    assert _status(app, ids[0])[0] == "confirmed" and _status(app, ids[1])[0] == "new"
    shown = _rows(officer)
    officer.keyboard.press("j")
    officer.keyboard.press("j")
    officer.keyboard.press("o")
    officer.wait_for_url(f"**/console/reports/{shown[1]}")
    officer.go_back()
    officer.keyboard.press("j")
    officer.keyboard.press("Enter")
    officer.wait_for_url(f"**/console/reports/{shown[0]}")


def test_script_payloads_render_as_text(app, officer):
    rid = _report(app, HOSTILE, description=XSS[2], company=XSS[1], url="http://x.example.top/<script>alert(1)</script>")
    _verdict(app, rid, 0.99, [{"name": "<script>", "start": 0, "end": 8}])
    with app.app_context():
        in_transaction(db.session, lambda: evidence_store.save_evidence(db.session, {
            "url": "javascript:alert(1)", "title": XSS[0], "excerpt": XSS[2],
            "forms": [{"method": "post", "action": "javascript:alert(1)", "fields": [XSS[1]]}]}, report_id=rid))
    for path in ("/console/queue", f"/console/reports/{rid}"):
        officer.goto(path)
        officer.wait_for_load_state("load")
        dom = officer.evaluate("""() => ({
            js: [...document.querySelectorAll('[href],[src],[action]')].filter(e =>
                  /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))).length,
            inline: document.querySelectorAll('script:not([src]), img[src=x], svg, [onerror], [onload]').length,
            text: document.body.innerText})""")
        assert dom["js"] == 0 and dom["inline"] == 0, path
        assert XSS[0] in dom["text"], path
    assert officer.locator("pre.message mark").first.get_attribute("title") == "<script>"
    assert XSS[2] in officer.locator("section.evidence").inner_text()


def test_htmx_action_updates_in_place(app, officer):
    rid = _report(app, "退税 htmx in place")
    officer.goto(f"/console/reports/{rid}")
    officer.evaluate("window.notReloaded = true")
    officer.fill("#act-reason", "needs the sender's number")
    officer.click("#act-form button[value=needs_info]")
    officer.locator("#report-main h1 small", has_text="需补充信息").wait_for()
    assert officer.evaluate("window.notReloaded === true")
    assert _status(app, rid)[0] == "needs_info"
    officer.fill("#act-reason", XSS[1])  # the swapped-in form works too; a note stays text
    officer.click("#act-form button[value=note]")
    officer.locator("p.note", has_text=XSS[1]).wait_for()
    assert officer.evaluate("window.notReloaded === true") and officer.locator("img[src=x]").count() == 0


def test_plain_form_post_without_javascript(app, browser, live_server, make_person, console_login):
    rid = _report(app, "退税 no script")
    make_person("li.officer")
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=DESKTOP, java_script_enabled=False)
    try:
        tab = context.new_page()
        console_login(tab, "li.officer")
        tab.wait_for_url("**/console/")
        tab.goto(f"/console/reports/{rid}")
        tab.fill("#act-reason", "plain post")
        with tab.expect_navigation():
            tab.click("#act-form button[value=dismiss]")
        assert tab.url.endswith(f"/console/reports/{rid}")
        assert "已驳回" in tab.locator("#report-main h1 small").inner_text()
        assert _status(app, rid)[0] == "dismissed"
        tab.fill("#act-form input[name=report_ids]", "not an id")
        tab.fill("#act-reason", "merge")
        with tab.expect_navigation():
            tab.click("#act-form button[value=merge]")
        assert tab.locator(".error-page").count() == 1, "a refused plain post answers the error page"
        with tab.expect_navigation():
            tab.click("#error-back")  # which links back to the report
        assert tab.url.endswith(f"/console/reports/{rid}")
    finally:
        context.close()


def test_htmx_action_after_the_session_ended_is_refused_visibly(app, officer):
    rid = _report(app, "退税 session ended")
    officer.goto(f"/console/reports/{rid}")
    officer.context.clear_cookies()
    officer.fill("#act-reason", "too late")
    officer.expect_http_error()
    officer.click("#act-form button[value=confirm]")
    officer.locator("#act-error .alert-title").wait_for()
    assert "表单已过期" in officer.locator("#act-error").inner_text()
    assert officer.url.endswith(f"/console/reports/{rid}") and _status(app, rid)[0] == "new"


def test_enter_on_a_focused_link_follows_that_link(app, officer):
    rid = _report(app, "退税 enter on a link")
    officer.goto("/console/queue")
    officer.keyboard.press("j")
    assert officer.locator("tr.current").get_attribute("data-report") == str(rid)
    officer.focus("a.brand")
    officer.keyboard.press("Enter")
    officer.wait_for_url("**/console/")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_queue_rows_are_readable_at_desktop_and_phone_width(app, browser, live_server, make_person, console_login,
                                                            viewport):
    """Chinese labels do not break between characters (新举/报 was seen at 1280 px) and, at 390 px,
    each report's message is on screen rather than off to the side of a 12-column table."""
    rid = _report(app, "【税务局】您有一笔个税退税待领取，请登录 etax-gov.top 填写银行卡号和密码，逾期作废。" * 2, channel="email")
    make_person("li.officer")
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=viewport)
    try:
        tab = context.new_page()
        console_login(tab, "li.officer")
        tab.wait_for_url("**/console/")
        tab.goto("/console/queue")
        row = tab.locator(f"tr[data-report='{rid}']")
        status = row.locator("td[data-code]")
        line = tab.evaluate("parseFloat(getComputedStyle(document.body).lineHeight) || 24")
        assert status.inner_text() == "新举报" and status.bounding_box()["height"] < 2 * line + 12
        link = row.locator("td.text a").bounding_box()
        assert link["x"] >= 0 and link["x"] + link["width"] <= viewport["width"], link
        text = row.locator("td.text").bounding_box()
        assert text["width"] >= 300, "the message has room to be read"
        if viewport == PHONE:  # the message first, its facts below it
            assert text["y"] + text["height"] <= row.locator("td[data-code]").bounding_box()["y"] + 1
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()
