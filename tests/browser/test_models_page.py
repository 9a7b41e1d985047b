"""The model registry page in Chromium: an admin promotes a candidate and rolls back through the
forms (CSRF included, no script needed), and axe-core finds no serious or critical violation
at desktop/zh and phone/en."""
from __future__ import annotations

import shutil

import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.storage import model_versions as store
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations

COMPARISON = {"sets": {"corpus": {"candidate": {"rows": 86, "flagged": {"f1": 0.59}, "legit_flagged": 0.12},
                                  "baseline": {"rows": 86, "flagged": {"f1": 0.83}, "legit_flagged": 0.12},
                                  "worse": ["flagged F1 0.59 < 0.83 - 0.0357"]}}, "not_worse": False}


def _registry(app, folder, model) -> None:
    with app.app_context():
        for name, status in (("2026.01.01-old", "active"), ("2026.02.01-new", "candidate"),
                             ("2026.03.01-bad", "rejected")):
            shutil.copytree(model, folder / name)
            store.add_version(db.session, version=name, path=str(folder / name), status=status, created_by="test",
                              promoted=status == "active", comparison=COMPARISON if status == "rejected" else None)
        db.session.commit()


def _statuses(app) -> dict[str, str]:
    with app.app_context():
        return {row.version: row.status for row in store.list_versions(db.session)}


def test_promote_and_roll_back_in_the_browser(app, page, make_person, console_login, tmp_path, trained_model_dir):
    _registry(app, tmp_path, trained_model_dir)
    make_person("admin-b", "admin")
    console_login(page, "admin-b")
    page.wait_for_url("**/console/**")
    page.goto("/console/models")
    row = page.locator("tr", has_text="2026.02.01-new")
    row.get_by_role("button").click()
    page.wait_for_url("**/console/models")
    assert "2026.02.01-new" in page.locator(".flash").inner_text()
    assert _statuses(app)["2026.02.01-new"] == "active"
    page.locator("form[action$='/models/rollback'] button").click()
    page.wait_for_url("**/console/models")
    assert _statuses(app) == {"2026.01.01-old": "active", "2026.02.01-new": "retired", "2026.03.01-bad": "rejected"}


@pytest.mark.parametrize(("viewport", "locale"), [(DESKTOP, "zh-CN"), (PHONE, "en-GB")], ids=["desktop-zh", "phone-en"])
def test_the_models_page_has_no_serious_accessibility_violation(app, browser, live_server, make_person, console_login,
                                                                tmp_path, trained_model_dir, viewport, locale):
    _registry(app, tmp_path, trained_model_dir)
    make_person("a11y-admin", "admin")
    context = browser.new_context(base_url=live_server, locale=locale, viewport=viewport, bypass_csp=True)
    tab = context.new_page()
    try:
        console_login(tab, "a11y-admin")
        tab.wait_for_url("**/console/**")
        tab.goto("/console/models")
        assert tab.locator("table.models tbody tr").count() == 3
        problems = _violations(tab)
    finally:
        context.close()
    assert problems == [], problems
