"""Scam pattern pages, advisories and the editors' pages in Chromium (issue #12): a visitor reads a
pattern and its confirmed example (redacted, defanged, never a link) in zh and en at desktop and
phone sizes; an editor withdraws an example and writes and publishes an advisory that the
public then reads; hostile text stays inert; axe-core finds no serious or critical violation.
Screenshots go to $FW_SCREENSHOTS when set."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations

SCAM = ("【国家税务总局】您有一笔个税退税3280.50元待领取，请登录 https://etax-refund.top/claim 填写银行卡"
        "6222021234567890123，联系专员13812345678。")
HOSTILE = '<script>alert(1)</script>"><svg onload=alert(2)> 退税 <img src=x onerror=alert(3)>'


@pytest.fixture
def app(app):
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    return app


def _shot(tab, name: str) -> None:
    folder = os.environ.get("FW_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _confirm(app, text: str) -> None:
    from fraudwatch.infra.extensions import db
    from fraudwatch.services import publishing, triage
    from fraudwatch.services.reporting import submit_report
    from fraudwatch.storage.models import Report

    with app.test_request_context():
        report_id = submit_report({"message_text": text, "channel": "sms"})["id"]
        db.session.execute(sa.update(Report).where(Report.id == report_id)
                           .values(verdict_category="refund_lure", verdict_authority="CN-STA"))
        db.session.commit()
        triage.set_status(report_id, "confirmed", "checked", "officer-a")
        publishing.sweep()


@pytest.mark.parametrize(("viewport", "lang", "title"), [
    (DESKTOP, "zh", "“待领退税”短信和邮件"), (PHONE, "en", "“Tax refund waiting” messages")],
    ids=["desktop-zh", "phone-en"])
def test_a_visitor_reads_a_pattern_and_its_redacted_example(app, page, viewport, lang, title):
    _confirm(app, SCAM)
    _confirm(app, HOSTILE)
    page.set_viewport_size(viewport)
    page.goto("/patterns" + ("?lang=en" if lang == "en" else ""))
    page.get_by_role("link", name=title).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == title
    examples = page.locator("article.example blockquote").all_inner_texts()
    assert any("hxxps://etax-refund[.]top/claim" in text for text in examples)
    assert any("<script>alert(1)</script>" in text for text in examples)  # shown as text, inert
    body = page.locator("main").inner_text()
    assert not re.search(r"\d{7,}", body.replace("3280.50", "")), "a long number is readable"
    assert page.locator('a[href*="etax-refund"]').count() == 0
    assert "12366" in page.locator("ul.official").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page scrolls sideways ({width} px)"
    _shot(page, f"public-pattern-{lang}-{'phone' if viewport == PHONE else 'desktop'}")


def test_an_editor_withdraws_an_example_and_publishes_an_advisory(app, page, make_person, console_login):
    _confirm(app, SCAM)
    make_person("editor-e", "editor")
    console_login(page, "editor-e")
    page.wait_for_url("**/console/examples")
    assert "hxxps://etax-refund[.]top" in page.locator("table.examples").inner_text()
    _shot(page, "editor-examples-zh")
    page.get_by_role("button", name="撤下").click()
    page.wait_for_load_state()
    page.goto("/patterns/tax-refund")
    assert page.locator("article.example").count() == 0
    page.goto("/console/advisories/new")
    page.fill("#title", "警惕“退税”短信")
    page.select_option("#pattern", "tax-refund")
    page.fill("#body", "## 不要点击链接\n\n请拨打 **12366** 核实。<script>alert(5)</script>")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.locator(".advisory-preview h2", has_text="不要点击链接").count() == 1
    _shot(page, "editor-advisory-zh")
    page.get_by_role("button", name="发布").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="在公开网站查看").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "警惕“退税”短信"
    assert page.locator(".advisory-body strong").inner_text() == "12366"
    assert "<script>alert(5)</script>" in page.locator(".advisory-body").inner_text()  # text, not a script
    _shot(page, "public-advisory-zh")


@pytest.mark.parametrize(("viewport", "query"), [(DESKTOP, ""), (PHONE, "?lang=en")], ids=["desktop-zh", "phone-en"])
def test_pattern_and_advisory_pages_have_no_serious_accessibility_violation(app, browser, live_server, viewport,
                                                                          query):
    from fraudwatch.services import advisories

    _confirm(app, SCAM)
    with app.test_request_context():
        advisory = advisories.save({"title": "Refund SMS", "body": "**Do not** click.", "language": "en",
                                    "slug": "refund-sms"}, "editor-e")
        advisories.set_status(advisory.id, "published", "editor-e")
    context = browser.new_context(base_url=live_server, viewport=viewport, bypass_csp=True)
    tab = context.new_page()
    problems = {}
    try:
        for path in ("/patterns", "/patterns/tax-refund", "/advisories", "/advisories/refund-sms", "/"):
            tab.goto(path + query)
            problems[path] = _violations(tab)
    finally:
        context.close()
    assert all(found == [] for found in problems.values()), problems
