"""The admin pages in Chromium: users list, one user with a fresh token, the audit log; no
serious or critical axe-core violation and no sideways scrolling, at desktop (zh) and phone (en)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations


@pytest.mark.parametrize(("viewport", "locale"), [(DESKTOP, "zh-CN"), (PHONE, "en-GB")], ids=["desktop-zh", "phone-en"])
def test_admin_pages_are_accessible(browser, live_server, make_person, console_login, viewport, locale):
    make_person("root", "admin")
    uid = make_person("acme", "enterprise", password=None)
    context = browser.new_context(base_url=live_server, locale=locale, viewport=viewport, bypass_csp=True)
    tab = context.new_page()
    problems, wide = {}, []
    try:
        console_login(tab, "root")
        tab.wait_for_url("**/console/")
        tab.goto(f"/console/admin/users/{uid}")
        tab.fill("#label", "billing")
        tab.click("form[action$='/tokens'] button")
        tab.wait_for_selector("#new-token")
        for name, path in (("users", "/console/admin/users"), ("user", f"/console/admin/users/{uid}"),
                           ("audit", "/console/audit")):
            tab.goto(path)
            problems[name] = _violations(tab)
            if not tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"):
                wide.append(name)
        created = tab.locator("td[data-code='token_create']")  # the action's label, not its code
        assert created.count() == 1
        assert created.inner_text() == {"zh-CN": "创建 API 令牌", "en-GB": "API token created"}[locale]
    finally:
        context.close()
    assert problems == {"users": [], "user": [], "audit": []}, problems
    assert wide == [], f"pages wider than the screen: {wide}"
