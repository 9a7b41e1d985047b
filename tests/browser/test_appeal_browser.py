"""An appeal in Chromium: the owner of a listed domain finds the appeal form from the site's
menu, files it (zh, desktop), gets a receipt number and follows it; an officer signs in,
opens the appeal from the console's queue, sees the report behind the listing and accepts it
with a note; the receipt page then says the listing was withdrawn (en, phone size) and the
lookup says `delisted`. axe-core finds no serious or critical violation on the form, the
receipt, the queue, the appeal and the status page."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DESKTOP, PHONE, Problems
from tests.browser.test_accessibility import _violations
from tests.browser.test_public_check import _shot
from tests.fraudwatch.appeals.conftest import DOMAIN, EXPLANATION, listed  # noqa: F401 (fixture)


@pytest.fixture
def tab(browser, live_server):
    """A zh-CN page (CSP bypassed for axe-core) that fails the test on dialogs and console errors."""
    opened = []

    def open_tab():
        context = browser.new_context(base_url=live_server, locale="zh-CN", viewport=DESKTOP, bypass_csp=True)
        page, problems = context.new_page(), Problems()
        page.on("console", problems.console)
        page.on("dialog", problems.dialog)
        page.on("pageerror", lambda error: problems.found.append(f"page error: {error}"))
        opened.append((context, problems))
        page.problems = problems
        return page

    yield open_tab
    for context, problems in opened:
        context.close()
        assert problems.found == [], problems.found


def test_an_owner_appeals_and_an_officer_accepts_it(tab, client, listed, make_person, console_login):  # noqa: F811
    page = tab()
    page.goto("/")
    page.get_by_role("link", name="对列名提出申诉").first.click()
    page.wait_for_load_state()
    page.get_by_label("被列名的类型").select_option("domain")
    page.get_by_label("被列名的内容").fill(f"https://www.{DOMAIN}/")
    page.get_by_label("您的姓名或公司名称").fill("某某财税咨询有限公司")
    page.get_by_label("您的电子邮箱").fill("legal@acme-books.example")
    page.get_by_label("为什么列名有误").fill("short")
    assert _violations(page) == []
    page.problems.http_errors_allowed += 1  # the refusal is a 400 page
    page.get_by_role("button", name="提交申诉").click()
    page.wait_for_load_state()
    assert page.get_by_label("您的姓名或公司名称").input_value() == "某某财税咨询有限公司"  # kept after a refusal
    assert "至少 20 个字符" in page.content()
    page.get_by_label("为什么列名有误").fill(EXPLANATION)
    page.get_by_role("button", name="提交申诉").click()
    page.wait_for_load_state()
    receipt = re.search(r"AP-[A-Z2-7]{16}", page.content()).group(0)
    assert _violations(page) == []
    _shot(page, "appeal-receipt-zh")
    page.get_by_role("link", name="查询您的申诉进度").click()
    assert "审核中" in page.content()
    assert client.get("/api/v1/lookup", query_string={"type": "domain", "value": DOMAIN}).get_json()["disputed"]

    make_person("officer-appeals", "officer")
    desk = tab()
    console_login(desk, "officer-appeals")
    desk.goto("/console/appeals")
    assert _violations(desk) == []
    desk.get_by_role("link", name=receipt).click()
    desk.wait_for_load_state()
    assert desk.get_by_role("link", name=str(listed)).count() == 1  # the report behind the listing
    assert _violations(desk) == []
    desk.get_by_label("给申诉人的说明（显示在其回执页面上）").fill("域名注册信息核实无误，撤销列名。")
    desk.get_by_role("button", name="接受并撤销列名").click()
    desk.wait_for_load_state()
    assert "已撤销列名" in desk.content() and receipt not in desk.locator("table").all_inner_texts().__str__()
    _shot(desk, "appeal-console-accepted-zh")

    page.set_viewport_size(PHONE)
    page.goto(f"/appeal/status/{receipt}?lang=en")
    assert "the listing was withdrawn" in page.content() and "域名注册信息核实无误" in page.content()
    assert _violations(page) == []
    answer = client.get("/api/v1/lookup", query_string={"type": "domain", "value": DOMAIN}).get_json()
    assert answer["status"] == "delisted"
