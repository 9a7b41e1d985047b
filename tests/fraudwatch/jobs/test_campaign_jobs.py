"""The report job and the crawl put reports into campaigns: two reports of one fake e-tax page
(different texts) end in one campaign once their jobs ran, and the crawl's collector is among
what they share; a report with nothing in common stays alone."""
from __future__ import annotations

import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import Campaign, Report
from tests.conftest import run_jobs
from tests.fraudwatch.jobs.test_crawl_findings import COLLECTOR_DOMAIN, FAKE, app, links  # noqa: F401 - fixture

__all__ = ["app"]


def post(client, text: str) -> int:
    r = client.post("/api/v1/reports", json={"channel": "sms", "message_text": text})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_reports_of_one_scam_page_join_one_campaign_when_their_jobs_run(app, client, farm):  # noqa: F811
    url = farm.url(FAKE)
    a = post(client, f"【电子税务局】请登录 {url} 核验")
    b = post(client, f"您有一笔个税退税待领取，逾期作废 {url}")
    c = post(client, "周末一起吃饭吗")
    run_jobs(app)
    with app.app_context():
        members = dict(db.session.execute(sa.select(Report.id, Report.campaign_id)).all())
        campaign = db.session.execute(sa.select(Campaign.report_count, Campaign.key, Campaign.kind)).all()
        db.session.rollback()
    assert members[a] == members[b] is not None and members[c] is None
    assert campaign == [(2, f"domain:{FAKE}", "indicator")]
    assert links(app, a)[f"domain:{COLLECTOR_DOMAIN}"] == "collector"
