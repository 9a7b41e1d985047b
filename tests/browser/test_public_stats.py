"""The statistics page in Chromium (issue #12): charts drawn as inline SVG with their bars, the
data tables and CSV links, in zh at desktop and en at phone size (no sideways scroll); axe-core
finds no serious or critical violation. Screenshots go to $FW_SCREENSHOTS when set."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import Report, StatusChange
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import _violations
from tests.browser.test_public_check import _shot

CATEGORIES = ("refund_lure", "fake_portal", "fee_demand", "audit_threat", None)
REGIONS = ("CN-GD", "CN-BJ", "CN-SH", None, "<script>alert(1)</script>")


def _reports(app, count: int = 120) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        for i in range(count):
            created = now - timedelta(hours=29 * i + 1)
            status = ("confirmed", "dismissed", "new", "duplicate")[i % 4]
            report = Report(created_at=created, channel=("sms", "email", "web", "phone_call", "im")[i % 5],
                            status=status, content_hash=f"browser-{i}", verdict_category=CATEGORIES[i % 5],
                            verdict_authority=("CN-STA", "US-IRS", "UK-HMRC", None)[i % 4], region=REGIONS[i % 5])
            db.session.add(report)
            db.session.flush()
            if status != "new":
                db.session.add(StatusChange(report_id=report.id, from_status="new", to_status=status, actor="o",
                                            created_at=created + timedelta(hours=1 + i % 40)))
        db.session.commit()


@pytest.mark.parametrize(("viewport", "query", "heading"), [(DESKTOP, "", "涉税诈骗统计"),
                                                             (PHONE, "?lang=en", "Tax scam statistics")],
                         ids=["desktop-zh", "phone-en"])
def test_the_statistics_page_draws_its_charts(app, page, viewport, query, heading):
    _reports(app)
    page.set_viewport_size(viewport)
    page.goto("/stats" + query)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    charts = page.locator('svg.chart[role="img"]')
    assert charts.count() == 7
    for i in range(7):
        chart = charts.nth(i)
        assert chart.is_visible() and chart.bounding_box()["width"] > 200
        assert chart.locator("rect.bar").count() >= 2
    bars = page.locator("#weekly ~ svg rect.bar")
    assert max(bars.nth(i).bounding_box()["height"] for i in range(bars.count())) > 20  # columns drawn tall
    assert page.locator("table.data").count() == 7 and page.locator("text=<script>alert(1)</script>").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page scrolls sideways ({width} px)"
    _shot(page, f"public-stats-{'phone-en' if viewport == PHONE else 'desktop-zh'}")
    answer = page.request.get("/stats/patterns.csv" + query)
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(("viewport", "query"), [(DESKTOP, ""), (PHONE, "?lang=en")], ids=["desktop-zh", "phone-en"])
def test_the_statistics_page_has_no_serious_accessibility_violation(app, browser, live_server, viewport, query):
    _reports(app, 40)
    context = browser.new_context(base_url=live_server, viewport=viewport, bypass_csp=True)
    tab = context.new_page()
    try:
        tab.goto("/stats" + query)
        problems = _violations(tab)
    finally:
        context.close()
    assert problems == [], problems
