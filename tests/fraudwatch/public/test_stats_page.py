"""Public statistics: the figures from a known set of reports (every dimension, confirmed and
dismissed per week, time to triage against a calculation here), the snapshot refreshed by the
workers' periodic turn, the page in zh/en with SVG charts and tables, CSV downloads (BOM,
header, formulas defused, labels), hostile values inert, unknown chart 404."""
from __future__ import annotations

import csv
import io
import math
import re
from datetime import UTC, datetime, timedelta

import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.jobs import periodic
from fraudwatch.public.charts import bar_chart, column_chart
from fraudwatch.services import statistics
from fraudwatch.storage.models import Report, SiteSnapshot, StatusChange

NOW = datetime.now(UTC)
XSS = "<script>alert(1)</script>"  # a region is at most 32 characters
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture
def uncached(app):
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    return app


def _report(age: timedelta, *, status: str = "new", category=None, authority=None, channel="sms", region=None,
            decided_after: timedelta | None = None, decision: str = "confirmed") -> Report:
    created = NOW - age
    report = Report(created_at=created, channel=channel, status=status, content_hash=f"h{id(age)}{created}",
                    verdict_category=category, verdict_authority=authority, region=region)
    db.session.add(report)
    db.session.flush()
    if decided_after is not None:
        db.session.add(StatusChange(report_id=report.id, from_status="new", to_status="triaging", actor="a",
                                    created_at=created + decided_after / 3))
        db.session.add(StatusChange(report_id=report.id, from_status="triaging", to_status=decision, actor="a",
                                    created_at=created + decided_after))
        db.session.add(StatusChange(report_id=report.id, from_status=decision, to_status="confirmed", actor="b",
                                    created_at=created + decided_after + timedelta(days=3)))
    return report


DELAYS = [timedelta(minutes=m) for m in (30, 95, 150, 200, 61 * 7, 60 * 30, 60 * 49 + 7, 60 * 100, 13, 59)]


def _known_set(app) -> None:
    with app.app_context():
        for i, delay in enumerate(DELAYS):  # decided reports, a day apart, this week and before
            _report(timedelta(days=i, hours=1), status="confirmed" if i % 3 else "dismissed",
                    category="refund_lure" if i < 6 else "fee_demand", authority="CN-STA", channel="sms",
                    region="CN-GD" if i % 2 else None, decided_after=delay,
                    decision="confirmed" if i % 3 else "dismissed")
        _report(timedelta(days=2), category="fake_portal", authority="US-IRS", channel="email", region=XSS)
        _report(timedelta(days=3), status="duplicate", channel="web", region="=HYPERLINK(\"http://x\")")
        _report(timedelta(weeks=30), category="refund_lure", channel="sms")  # outside the window
        db.session.commit()


def _expected_percentile(delays: list[timedelta], fraction: float) -> float:
    tenths = sorted(int(d.total_seconds()) // 360 for d in delays)
    return tenths[max(1, math.ceil(fraction * len(tenths))) - 1] / 10


def test_figures_from_a_known_set_of_reports(app):
    _known_set(app)
    with app.app_context():
        body = statistics.refresh()
        row = db.session.get(SiteSnapshot, statistics.NAME)
        assert row is not None and row.body["total"] == 12
    assert len(body["weeks"]) == statistics.WEEKS and sum(w["reports"] for w in body["weeks"]) == 12
    assert sum(w["confirmed"] for w in body["weeks"]) == 6 and sum(w["dismissed"] for w in body["weeks"]) == 4
    start = datetime.fromisoformat(body["start"])
    for i, week in enumerate(body["weeks"]):
        assert week["week"] == (start + timedelta(weeks=i)).date().isoformat()
    this_week = sum(1 for i in range(10) if (NOW - timedelta(days=i, hours=1)).date() >= (NOW - timedelta(
        days=NOW.weekday())).date()) + sum(1 for d in (2, 3) if (NOW - timedelta(days=d)).date() >= (
            NOW - timedelta(days=NOW.weekday())).date())
    assert body["weeks"][-1]["reports"] == this_week
    assert dict(map(tuple, body["category"])) == {"refund_lure": 6, "fee_demand": 4, "fake_portal": 1, None: 1}
    assert dict(map(tuple, body["authority"])) == {"CN-STA": 10, "US-IRS": 1, None: 1}
    assert dict(map(tuple, body["channel"])) == {"sms": 10, "email": 1, "web": 1}
    assert dict(map(tuple, body["region"])) == {"CN-GD": 5, None: 5, XSS: 1, '=HYPERLINK("http://x")': 1}
    triage = body["triage"]
    assert triage["decided"] == 10
    assert triage["median_hours"] == _expected_percentile(DELAYS, 0.5)
    assert triage["p90_hours"] == _expected_percentile(DELAYS, 0.9)
    assert sum(w["decided"] for w in triage["weeks"]) == 10


def test_an_empty_database_has_zero_figures(app):
    with app.app_context():
        body, computed_at = statistics.current()
    assert body["total"] == 0 and body["triage"]["median_hours"] is None and computed_at is not None


def test_the_periodic_turn_refreshes_the_snapshot(app):
    with app.app_context():
        statistics.refresh()
        first = db.session.get(SiteSnapshot, statistics.NAME).computed_at
        db.session.rollback()
    _known_set(app)
    with app.app_context():
        assert statistics.current()[0]["total"] == 0  # the stored snapshot until the next turn
        assert "public_stats" in periodic.run_due(["public_stats"])
        assert periodic.run_due(["public_stats"]) == []  # at most once per STATS_REFRESH_SECONDS
        body, computed_at = statistics.current()
    assert body["total"] == 12 and computed_at >= first


@pytest.mark.parametrize("lang, heading, label", [("zh", "涉税诈骗统计", "退税诱饵"), ("en", "Tax scam statistics",
                                                                                    "refund lure")])
def test_the_page_shows_every_chart_with_its_table(uncached, client, lang, heading, label):
    _known_set(uncached)
    page = client.get("/stats" + ("?lang=en" if lang == "en" else "")).data.decode()
    assert f"<h1>{heading}</h1>" in page and label in page
    for key in ("weekly", "outcomes", "patterns", "authorities", "channels", "regions", "triage"):
        assert f'aria-labelledby="{key}-title {key}-desc"' in page
        assert f'href="/stats/{key}.csv{"?lang=en" if lang == "en" else ""}"' in page
    assert page.count('role="img"') == 7 and page.count("<table") == 7 and page.count('<rect class="bar"') > 26
    assert 'scope="col"' in page and 'scope="row"' in page and "<caption>" in page
    assert "style=" not in page


def test_hostile_values_render_inert(uncached, client):
    _known_set(uncached)
    page = client.get("/stats").data.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    svg = bar_chart('k"><script>', '<b>t</b>', "d&", [(HOSTILE, 3), ("ok", 0)])
    assert "<script>" not in svg and "<b>" not in svg and "&lt;b&gt;" in svg
    columns = column_chart("c", "t", "d", [HOSTILE, "x"], [(HOSTILE, [1.0, 2.0]), ("b", [None, 3])])
    assert "<script>" not in columns and "<img" not in columns


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_download(uncached, client, lang):
    _known_set(uncached)
    query = "?lang=en" if lang == "en" else ""
    answer = client.get("/stats/regions.csv" + query)
    assert answer.status_code == 200 and answer.mimetype == "text/csv" and "attachment" in answer.headers[
        "Content-Disposition"]
    raw = answer.data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == (["地区", "举报"] if lang == "zh" else ["Region", "Reports"])
    cells = {row[0]: row[1] for row in rows[1:]}
    assert cells["'=HYPERLINK(\"http://x\")"] == "1" and cells["广东" if lang == "zh" else "Guangdong"] == "5"
    assert cells[XSS] == "1"
    assert cells["未知" if lang == "zh" else "not known"] == "5"
    patterns = list(csv.reader(io.StringIO(client.get("/stats/patterns.csv" + query).data.decode("utf-8-sig"))))
    assert ["退税诱饵" if lang == "zh" else "refund lure", "6"] in patterns
    weekly = list(csv.reader(io.StringIO(client.get("/stats/weekly.csv" + query).data.decode("utf-8-sig"))))
    assert len(weekly) == 1 + statistics.WEEKS and all(re.fullmatch(r"\d{4}-\d\d-\d\d", r[0]) for r in weekly[1:])


@pytest.mark.parametrize("path", ["/stats/nope.csv", "/stats/%3Cscript%3E.csv", "/stats/weekly.txt"])
def test_an_unknown_chart_is_a_404_page(uncached, client, path):
    answer = client.get(path)
    assert answer.status_code == 404 and answer.mimetype == "text/html" and "<script" not in answer.data.decode()


def test_the_page_sets_no_cookie_and_is_cached(app, client):
    first = client.get("/stats")
    assert "Set-Cookie" not in first.headers and first.headers["X-Cache"] == "miss"
    assert client.get("/stats").headers["X-Cache"] == "hit"


def test_a_missing_snapshot_is_computed_by_one_request_while_the_others_are_told_to_come_back(uncached, client):
    from fraudwatch.infra.extensions import redis_store
    from fraudwatch.infra.redis_keys import stats_computing

    with uncached.app_context():
        redis_store.client.set(stats_computing(), "1", ex=120)  # another request is computing it
    waiting = client.get("/stats?lang=en")
    assert waiting.status_code == 503 and waiting.headers["Retry-After"] == "60"
    assert "being computed" in waiting.data.decode()
    assert "正在计算" in client.get("/stats").data.decode()
    with uncached.app_context():
        redis_store.client.delete(stats_computing())
    assert client.get("/stats").status_code == 200  # this request computes and stores it
    with uncached.app_context():
        redis_store.client.set(stats_computing(), "1", ex=120)
    assert client.get("/stats").status_code == 200  # stored: the lock does not matter any more
