"""Officers and takedowns: the console list (status filter, figures) and detail pages, recording
a contact by hand and a notice and what came of it (CSRF checked, hostile and oversized input
refused or rendered inert, every step in the audit trail), GET /api/v1/takedowns and one
takedown (officers and admins only, unknown or bad parameters a 400), and the time-to-takedown
figures (median and 90th percentile by nearest rank, counts by status)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.jobs import takedowns as job
from fraudwatch.services import takedowns as service
from fraudwatch.storage.audit import AuditFilter, list_audit_events
from fraudwatch.storage.models import Takedown, utcnow
from tests.fraudwatch.takedowns.conftest import confirm

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>"><svg onload=alert(3)>'


@pytest.fixture
def opened(td_app):
    """Three takedowns (no check run): ids in indicator order."""
    for n in range(3):
        confirm(td_app, f"http://refund-{n}.test/login", evidence=False)
    with td_app.app_context():
        job.sweep()
        return [t.id for t in db.session.query(Takedown).order_by(Takedown.indicator_id)]


def test_pages_need_an_officer(td_app, opened, sign_in, make_user):
    client = td_app.test_client()
    assert client.get("/console/takedowns").status_code == 302
    assert client.get(f"/console/takedowns/{opened[0]}").status_code == 302
    sign_in(client, "acme", "enterprise")
    assert client.get("/console/takedowns").status_code == 403
    enterprise = make_user("acme-key", "enterprise")
    assert client.get("/api/v1/takedowns", headers=enterprise).status_code == 403
    assert td_app.test_client().get("/api/v1/takedowns").status_code == 401


def test_contact_and_notice_forms_are_audited(td_app, opened, sign_in, csrf):
    client = td_app.test_client()
    sign_in(client, "officer-td")
    token = csrf(client)
    tid = opened[0]
    base = f"/console/takedowns/{tid}"
    assert client.post(f"{base}/contacts", data={"party": "host", "contact": "abuse@host.example"}).status_code == 400
    r = client.post(f"{base}/contacts", data={"party": "host", "contact": "abuse@host.example " + XSS,
                                              "csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200 and "<script>alert" not in r.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.get_data(as_text=True)
    r = client.post(f"{base}/notices", data={"party": "cert", "contact": "incident@cert.example", "note": "sent",
                                             "csrf_token": token})
    assert r.status_code == 303
    with td_app.app_context():
        takedown = db.session.get(Takedown, tid)
        assert takedown.status == "notified"
        assert takedown.abuse_contacts[0]["source"] == "officer" and takedown.abuse_contacts[0]["actor"] == "officer-td"
        (notice,) = service.notices(tid)
    r = client.post(f"{base}/notices/{notice.id}", data={"status": "acted", "note": "removed", "csrf_token": token})
    assert r.status_code == 303
    assert client.post(f"/console/takedowns/{opened[1]}/notices/{notice.id}",
                       data={"status": "acted", "csrf_token": token}).status_code == 404  # not that takedown's
    with td_app.app_context():
        events, _next = list_audit_events(db.session, AuditFilter(target_type="takedown", target_id=tid))
        assert [e.action for e in events] == ["takedown.notice_status", "takedown.notice", "takedown.contact"]
        assert all(e.actor == "officer-td" for e in events) and events[0].detail["to"] == "acted"
    page = client.get(base).get_data(as_text=True)
    assert "incident@cert.example" in page and "removed" in page and "<script>alert" not in page


BAD_CONTACTS = [{"party": "isp", "contact": "x"}, {"party": "host", "contact": "  "}, {"party": "host"},
                {"party": "host", "contact": "x" * 5000}, {"party": XSS, "contact": "x"}, {"contact": "x"}]


def test_bad_contact_forms_change_nothing(td_app, opened, sign_in, csrf):
    client = td_app.test_client()
    sign_in(client)
    token = csrf(client)
    for form in BAD_CONTACTS:
        r = client.post(f"/console/takedowns/{opened[0]}/contacts", data={**form, "csrf_token": token})
        assert r.status_code == 400 and "<script>alert" not in r.get_data(as_text=True), form
    with td_app.app_context():
        assert db.session.get(Takedown, opened[0]).abuse_contacts is None
    r = client.post(f"/console/takedowns/{opened[0]}/contacts",
                    data={"party": "host", "contact": "a\x00b\x07", "csrf_token": token})
    assert r.status_code == 303
    with td_app.app_context():  # control characters are dropped (PostgreSQL refuses NUL)
        assert db.session.get(Takedown, opened[0]).abuse_contacts[0]["contact"] == "ab"


def test_bad_notice_forms_and_unknown_takedowns(td_app, opened, sign_in, csrf):
    client = td_app.test_client()
    sign_in(client)
    token = csrf(client)
    base = f"/console/takedowns/{opened[0]}"
    for form in ({"party": "cert", "contact": "x", "note": "n" * 1001}, {"party": XSS, "contact": "x"}):
        assert client.post(f"{base}/notices", data={**form, "csrf_token": token}).status_code == 400
    assert client.post(f"{base}/notices/1", data={"status": "burnt", "csrf_token": token}).status_code == 400
    assert client.post(f"{base}/notices/99", data={"status": "acted", "csrf_token": token}).status_code == 404
    for path in ("/console/takedowns/999999", "/console/takedowns/0", "/console/takedowns/99999999999999"):
        assert client.get(path).status_code == 404
    assert client.post("/console/takedowns/999999/contacts", data={"party": "host", "contact": "x",
                                                                   "csrf_token": token}).status_code == 404
    for query in ("status=gone", "status=" + XSS, "limit=0", "before_id=x", "nope=1", "status=down&status=open"):
        r = client.get(f"/console/takedowns?{query}")
        assert r.status_code == 400 and "<script>alert" not in r.get_data(as_text=True)


def _age(app, tid: int, status: str, hours: float | None) -> None:
    with app.app_context():
        takedown = db.session.get(Takedown, tid)
        takedown.confirmed_at = utcnow() - timedelta(hours=100)
        takedown.status = status
        takedown.down_at = takedown.confirmed_at + timedelta(hours=hours) if hours is not None else None
        db.session.commit()


def test_api_and_page_show_status_counts_and_time_to_takedown(td_app, opened, officer, sign_in):
    _age(td_app, opened[0], "down", 2.0)
    _age(td_app, opened[1], "down", 30.0)
    _age(td_app, opened[2], "back", None)
    client = td_app.test_client()
    body = client.get("/api/v1/takedowns", headers=officer).get_json()
    assert body["stats"] == {"by_status": {"open": 0, "notified": 0, "down": 2, "back": 1}, "total": 3, "down": 2,
                             "median_hours": 2.0, "p90_hours": 30.0}
    assert [t["id"] for t in body["takedowns"]] == opened[::-1] and body["next_before_id"] is None
    down = client.get("/api/v1/takedowns?status=down&limit=1", headers=officer).get_json()
    assert [t["id"] for t in down["takedowns"]] == [opened[1]] and down["next_before_id"] == opened[1]
    more = client.get(f"/api/v1/takedowns?status=down&limit=1&before_id={opened[1]}", headers=officer).get_json()
    assert [t["id"] for t in more["takedowns"]] == [opened[0]] and more["next_before_id"] is None
    one = client.get(f"/api/v1/takedowns/{opened[0]}", headers=officer).get_json()
    assert one["status"] == "down" and one["notices"] == [] and one["checks"] == []
    assert one["value"] == "http://refund-0.test/login" and one["type"] == "url"
    sign_in(client)
    page = client.get("/console/takedowns?status=down").get_data(as_text=True)
    assert page.count("refund-") == 2 and 'data-status="down">2<' in page and "30.0" in page


BAD_QUERIES = ["status=gone", "limit=201", "before_id=0", "before_id=abc", "x=1", "status=down&status=down",
               "limit=" + "9" * 40, "status=%00", "status=" + XSS]


def test_api_refuses_bad_queries_and_unknown_takedowns(td_app, officer):
    client = td_app.test_client()
    for query in BAD_QUERIES:
        r = client.get(f"/api/v1/takedowns?{query}", headers=officer)
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "validation_failed", query
    assert client.get("/api/v1/takedowns/12345", headers=officer).status_code == 404
    assert client.get("/api/v1/takedowns/0", headers=officer).status_code == 404
    body = client.get("/api/v1/takedowns", headers=officer).get_json()
    assert body["takedowns"] == [] and body["stats"]["median_hours"] is None and body["stats"]["total"] == 0


def test_public_statistics_show_the_time_to_takedown(td_app, opened):
    from fraudwatch.services import statistics

    client = td_app.test_client()
    td_app.config["PUBLIC_CACHE_SECONDS"] = 0
    with td_app.app_context():
        statistics.refresh()
    assert "takedown-time" not in client.get("/stats?lang=en").get_data(as_text=True)  # none down yet
    _age(td_app, opened[0], "down", 2.0)
    _age(td_app, opened[1], "down", 30.0)
    with td_app.app_context():
        assert statistics.refresh()["takedowns"] == {"down": 2, "median_hours": 2.0, "p90_hours": 30.0}
    page = client.get("/stats?lang=en").get_data(as_text=True)
    assert "of the 2 confirmed scam sites that are down, half went down within 2.0 hours" in page
    assert "nine in ten within 30.0 hours" in page
