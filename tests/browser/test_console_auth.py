"""The console's foundation in a real browser: sign-in, wrong password, throttling, sign-out,
CSRF refusal, language switch, an admin creating a user, script payloads inert, phone size."""
from __future__ import annotations

import pytest

from tests.fraudwatch.console.conftest import PASSWORD


def test_sign_in_and_sign_out(page, make_person, console_login):
    make_person("li.officer")
    page.goto("/console/")
    assert "/console/login?next=/console/" in page.url
    console_login(page, "li.officer")
    page.wait_for_url("**/console/")
    assert page.locator(".who").inner_text().startswith("li.officer")
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.click(".signout button")
    page.wait_for_url("**/console/login")
    page.goto("/console/")
    assert "/console/login" in page.url


def test_wrong_password(page, make_person, console_login):
    make_person("li.officer")
    console_login(page, "li.officer", "not the password")
    assert page.locator("#login-error").inner_text() == "用户名或密码错误。"
    assert page.input_value("#username") == "li.officer" and page.input_value("#password") == ""


def test_throttled_sign_in(page, make_person, console_login):
    make_person("li.officer")
    for attempt in range(5):
        console_login(page, "li.officer", f"wrong password {attempt}")
        page.wait_for_selector("#login-error")
    page.expect_http_error()
    console_login(page, "li.officer", PASSWORD)
    assert "登录失败次数过多" in page.locator("#login-error").inner_text()
    page.goto("/console/")
    assert "/console/login" in page.url


def test_csrf_refusal(page, make_person):
    make_person("li.officer")
    page.goto("/console/login")
    page.locator("form.stack input[name=csrf_token]").evaluate("input => { input.value = 'forged'; }")
    page.fill("#username", "li.officer")
    page.fill("#password", PASSWORD)
    page.expect_http_error()
    page.click("form.stack button[type=submit]")
    assert "表单已过期" in page.locator("main").inner_text()
    page.goto("/console/")
    assert "/console/login" in page.url  # nothing happened


def test_language_switch(page, make_person, console_login):
    make_person("li.officer")
    page.goto("/console/login")
    assert page.title() == "登录 · fraudwatch"
    page.click("form.language button[value=en]")
    page.wait_for_load_state()
    assert page.title() == "Sign in · fraudwatch" and page.get_attribute("html", "lang") == "en"
    console_login(page, "li.officer")
    page.wait_for_url("**/console/")
    assert page.locator(".signout button").inner_text() == "Sign out"
    page.click("form.language button[value=zh]")
    page.wait_for_load_state()
    assert page.locator(".signout button").inner_text() == "退出登录"


def test_admin_creates_a_user_who_signs_in(page, browser, live_server, make_person, console_login):
    make_person("root", "admin")
    console_login(page, "root")
    page.wait_for_url("**/console/")
    page.click("nav >> text=用户")
    page.fill("#new-name", "wang.officer")
    page.select_option("#new-role", "officer")
    page.fill("#new-password", "another long passphrase")
    page.click("section.card form button[type=submit]")
    page.wait_for_url("**/console/admin/users/*")
    assert "wang.officer" in page.locator("h1").inner_text()
    other = browser.new_context(base_url=live_server, locale="en-US").new_page()
    try:
        console_login(other, "wang.officer", "another long passphrase")
        other.wait_for_url("**/console/")
        assert other.locator(".who").inner_text().startswith("wang.officer")
    finally:
        other.context.close()


def test_script_payloads_render_inert(page, make_person, console_login):
    """A user name carrying script payloads shows as text: the page fixture fails on any dialog."""
    name = '"><svg onload=alert(1)><img src=x onerror=alert(2)>'
    make_person(name)
    console_login(page, name)
    page.wait_for_url("**/console/")
    assert page.locator(".who").inner_text().startswith(name)
    assert page.locator("svg, img[src=x]").count() == 0


@pytest.mark.parametrize("path", ["/console/login"])
def test_phone_width_has_no_sideways_scroll(page, path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_page_fixture_notices_dialogs_and_errors(page):
    """The checks the other tests rely on: a dialog, a console error and an uncaught error are seen."""
    page.goto("/console/login")
    page.evaluate("() => { alert('x'); console.error('boom'); setTimeout(() => { throw new Error('late'); }, 0); }")
    page.wait_for_timeout(200)
    found = list(page.problems.found)
    page.problems.found.clear()
    assert any(f.startswith("dialog") for f in found) and any("boom" in f for f in found)
    assert any("late" in f for f in found)
