"""Sightings from our own sources: a report linking an indicator and a crawl finding it again
record a sighting in the same transaction (once per SIGHTING_GAP), which moves `last_seen`
and so restarts its decay; a merge sees nothing again."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from fraudwatch.indicators import normalize
from fraudwatch.infra.extensions import db
from fraudwatch.storage import evidence as evidence_store
from fraudwatch.storage.models import Evidence, Indicator, Sighting, utcnow

DOMAIN = "refund-sighted.top"


def post(client, n: int) -> int:
    r = client.post("/api/v1/reports", json={"channel": "sms", "domain": DOMAIN,
                                             "message_text": f"【税务】退税 {n} 请登录 http://{DOMAIN}/r/{n}"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def state(app, kind: str = "domain", value: str = DOMAIN) -> tuple[int, list[tuple[str, str]]]:
    with app.app_context():
        indicator = db.session.scalars(sa.select(Indicator).where(Indicator.type == kind,
                                                                  Indicator.value == value)).one()
        rows = db.session.execute(sa.select(Sighting.source, Sighting.ref).where(
            Sighting.indicator_id == indicator.id).order_by(Sighting.id)).all()
        db.session.rollback()
        return indicator.sighting_count, [tuple(r) for r in rows]


def age(app, hours: float) -> None:
    """Make every indicator's last sighting `hours` older."""
    with app.app_context():
        db.session.execute(sa.update(Indicator).values(last_seen=utcnow() - timedelta(hours=hours)))
        db.session.commit()


def test_reports_record_sightings_once_per_gap(app, client):
    first = post(client, 1)
    assert state(app) == (1, [("report", f"report:{first}")])
    post(client, 2)  # within the hour: last_seen moves, no new row
    assert state(app)[0] == 1
    age(app, 2)
    third = post(client, 3)
    assert state(app) == (2, [("report", f"report:{first}"), ("report", f"report:{third}")])
    with app.app_context():
        seen = db.session.scalar(sa.select(Indicator.last_seen).where(Indicator.value == DOMAIN))
        assert utcnow() - seen < timedelta(minutes=5)
        db.session.rollback()


def test_a_crawl_finding_an_indicator_again_records_a_crawl_sighting(app, client):
    report_id = post(client, 1)
    age(app, 3)
    with app.app_context():
        page = Evidence(report_id=report_id, url=f"http://{DOMAIN}/r/1", title="电子税务局")
        db.session.add(page)
        db.session.flush()
        findings = [(normalize("domain", DOMAIN), "page"), (normalize("domain", "collect-sighted.xyz"), "collector")]
        evidence_store.record_findings(db.session, page, findings, report_id)
        db.session.commit()
        evidence_id = page.id
    count, rows = state(app)
    assert count == 2 and rows[-1] == ("crawl", f"evidence:{evidence_id}")
    # the collector is new: seen once, by the crawl (its link to the report is not a second sighting)
    assert state(app, "domain", "collect-sighted.xyz") == (1, [("crawl", f"evidence:{evidence_id}")])


def test_a_merge_is_not_a_sighting(app, client, officer):
    first, second = post(client, 1), client.post("/api/v1/reports", json={
        "channel": "sms", "message_text": "【税务】退税 请拨打", "phone": "+86 171 2345 6780"}).get_json()["id"]
    age(app, 3)
    r = client.post(f"/api/v1/reports/{first}/merge", headers=officer,
                    json={"report_ids": [second], "reason": "same campaign"})
    assert r.status_code == 200, r.get_json()
    assert state(app, "phone", "+8617123456780")[0] == 1
