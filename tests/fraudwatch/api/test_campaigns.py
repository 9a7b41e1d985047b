"""GET /api/v1/campaigns, GET /api/v1/campaigns/<id> and POST /api/v1/campaigns/<id>/status:
officers only, every bad id, parameter and body a clear 4xx, acting on a whole campaign in one
transaction with the reason in each report's history and one audit row."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.services import campaigns
from fraudwatch.storage.models import AuditEvent

LURE = "【国家税务总局】您的个人所得税退税{n}元已到账，请于24小时内登录 http://refund-{n}.top/r 办理，逾期作废。"
XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=alert(3)>'


def report(client, text):
    r = client.post("/api/v1/reports", json={"message_text": text})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


@pytest.fixture
def campaign(app, client):
    """A text campaign of three reports (their links differ) and one report outside it."""
    ids = [report(client, LURE.format(n=n)) for n in (100, 250, 999)]
    alone = report(client, "明天上午十点开会，请准时参加")
    with app.app_context():
        found = {campaigns.assign_report(i) for i in [*ids, alone]}
    assert len(found - {None}) == 1
    return (found - {None}).pop(), ids, alone


def test_officers_list_and_read_a_campaign(client, officer, campaign):
    cid, ids, _ = campaign
    listed = client.get("/api/v1/campaigns", headers=officer)
    assert listed.status_code == 200
    (row,) = listed.get_json()["campaigns"]
    assert row["id"] == cid and row["report_count"] == 3 and row["kind"] == "text" and row["status"] == "open"
    one = client.get(f"/api/v1/campaigns/{cid}?limit=2", headers=officer).get_json()
    assert [r["id"] for r in one["reports"]] == sorted(ids, reverse=True)[:2] and one["next_before_id"] == ids[1]
    rest = client.get(f"/api/v1/campaigns/{cid}?before_id={one['next_before_id']}", headers=officer).get_json()
    assert [r["id"] for r in rest["reports"]] == [ids[0]] and rest["next_before_id"] is None
    assert sum(d["reports"] for d in one["per_day"]) == 3 and one["per_day"][-1]["reports"] >= 1


def test_anonymous_and_enterprise_callers_are_refused(client, make_user, campaign):
    cid, _, _ = campaign
    assert client.get("/api/v1/campaigns").status_code == 401
    enterprise = make_user("acme", "enterprise")
    assert client.get(f"/api/v1/campaigns/{cid}", headers=enterprise).status_code == 403
    assert client.post(f"/api/v1/campaigns/{cid}/status", headers=enterprise,
                       json={"action": "confirm", "reason": "x"}).status_code == 403


@pytest.mark.parametrize("path", ["/api/v1/campaigns/0", "/api/v1/campaigns/-1", "/api/v1/campaigns/abc",
                                  "/api/v1/campaigns/99999999999999999999", "/api/v1/campaigns/2147483647",
                                  f"/api/v1/campaigns/{XSS}"])
def test_bad_or_unknown_ids_are_404(client, officer, path):
    r = client.get(path, headers=officer)
    assert r.status_code == 404 and "<script>" not in r.get_data(as_text=True)


@pytest.mark.parametrize("query", ["sort=size", "status=closed", "kind=x", "authority=XX", "pattern=" + XSS,
                                   "limit=0", "limit=201", "after=0", "min_reports=-1", "unknown=1",
                                   "sort=last_seen&sort=report_count", "after=" + "9" * 400])
def test_bad_list_parameters_are_400_naming_the_field(client, officer, query):
    r = client.get(f"/api/v1/campaigns?{query}", headers=officer)
    assert r.status_code == 400, query
    assert r.get_json()["error"]["fields"]


def test_paging_on_after_and_a_gone_campaign_is_404(client, officer, campaign):
    cid, _, _ = campaign
    r = client.get(f"/api/v1/campaigns?after={cid}&sort=report_count", headers=officer)
    assert r.status_code == 200 and r.get_json() == {"campaigns": [], "next_after": None}
    assert client.get(f"/api/v1/campaigns?after={cid + 1000}", headers=officer).status_code == 404


@pytest.mark.parametrize("body", [{}, {"action": "confirm"}, {"action": "confirm", "reason": ""},
                                  {"action": "confirm", "reason": "   "}, {"action": "delete", "reason": "x"},
                                  {"action": "confirm", "reason": "x" * 1001}, {"action": "confirm", "reason": 5},
                                  {"action": "confirm", "reason": "x", "extra": 1}, ["confirm"], "confirm"])
def test_bad_action_bodies_are_400_and_change_nothing(app, client, officer, campaign, body):
    cid, ids, _ = campaign
    r = client.post(f"/api/v1/campaigns/{cid}/status", headers=officer, json=body)
    assert r.status_code == 400
    statuses = {client.get(f"/api/v1/reports/{i}", headers=officer).get_json()["status"] for i in ids}
    assert statuses == {"new"}


def test_confirming_a_campaign_confirms_its_open_reports_once_with_the_reason(app, client, officer, campaign):
    cid, ids, alone = campaign
    client.post(f"/api/v1/reports/{ids[0]}/status", headers=officer, json={"status": "dismissed", "reason": "legit"})
    r = client.post(f"/api/v1/campaigns/{cid}/status", headers=officer,
                    json={"action": "confirm", "reason": "same refund lure " + XSS})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["changed"] == ids[1:] and body["campaign"]["status"] == "confirmed"
    rows = {i: client.get(f"/api/v1/reports/{i}", headers=officer).get_json() for i in [*ids, alone]}
    assert [rows[i]["status"] for i in [*ids, alone]] == ["dismissed", "confirmed", "confirmed", "new"]
    assert rows[ids[1]]["history"][-1]["reason"] == "campaign: same refund lure " + XSS
    again = client.post(f"/api/v1/campaigns/{cid}/status", headers=officer, json={"action": "confirm", "reason": "x"})
    assert again.get_json()["changed"] == []
    with app.app_context():
        audited = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "campaign.confirm")).all()
        assert [(a.target_id, a.detail["reports_changed"]) for a in audited] == [(cid, 2), (cid, 0)]
    assert client.post(f"/api/v1/campaigns/{cid + 1000}/status", headers=officer,
                       json={"action": "dismiss", "reason": "x"}).status_code == 404
