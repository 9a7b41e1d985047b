"""The officers' queue: risk order, imports below live reports, filters, keyset paging, and the
actions beyond status and merge (assign, note, bulk), with hostile and malformed input."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage import queue
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.models import AuditEvent, Report
from fraudwatch.storage.transactions import in_transaction

SCAM = {"label": "scam", "scam_score": 0.9, "tax_impersonation": True, "authority": "CN-STA",
        "category": "refund_lure", "model_version": "test-1", "signals": []}


def report(client, text, headers=None, **extra):
    r = client.post("/api/v1/reports", json={"message_text": text, **extra}, headers=headers or {})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def verdict(app, report_id, **changes):
    with app.app_context():
        in_transaction(db.session, lambda: report_store.store_verdict(db.session, report_id, {**SCAM, **changes}))


def listed(client, officer, **query):
    r = client.get("/api/v1/reports", headers=officer, query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def ids_of(page):
    return [row["id"] for row in page["reports"]]


def test_risk_formula_bounds_and_parts():
    assert queue.risk_of(None, 1, 0, False) == 0
    assert queue.risk_of(0.5, 1, 0, False) == 30
    assert queue.risk_of(0.5, 3, 1, True) == 30 + 10 + 8 + 10
    assert queue.risk_of(1.0, 50, 2, True) == 100  # capped
    assert queue.risk_of(float("-1"), 0, 7, False) == 0  # out-of-range inputs do not go below 0


def test_rank_grows_with_time_and_imports_rank_below_live_reports():
    from datetime import UTC, datetime
    now = datetime(2026, 11, 29, tzinfo=UTC)
    assert queue.rank_of(50, now + timedelta(days=2), "api") == pytest.approx(queue.rank_of(58, now, "api"))
    oldest_live = queue.rank_of(0, datetime(2000, 1, 1, tzinfo=UTC), "api")
    assert queue.rank_of(100, now + timedelta(days=3650), "import") < oldest_live


def test_queue_is_in_risk_order_with_verdict_columns(app, client, officer):
    low, high, mid = (report(client, f"退税通知 risk {i}") for i in range(3))
    verdict(app, high, scam_score=0.95)
    verdict(app, mid, scam_score=0.5, tax_impersonation=False, authority=None, category="other_scam")
    page = listed(client, officer)
    assert ids_of(page)[:3] == [high, mid, low]
    top = page["reports"][0]
    assert top["risk"] == pytest.approx(60 * 0.95 + 10) and top["verdict_authority"] == "CN-STA"
    assert top["verdict_category"] == "refund_lure" and top["model_version"] == "test-1"
    assert ids_of(listed(client, officer, authority="CN-STA")) == [high]
    assert ids_of(listed(client, officer, category="other_scam")) == [mid]


def test_distinct_reporters_raise_the_head_of_a_duplicate_group(app, client, officer, make_user):
    text = "您的个税退税已到账 请点击 http://etax-refund.example.top 领取"
    head = report(client, text)
    other = report(client, "另一条 退税通知 无链接")
    verdict(app, head, scam_score=0.5)
    verdict(app, other, scam_score=0.5)
    report(client, text, headers=make_user("acme", "enterprise"))
    report(client, text, reporter_contact="victim@example.com")
    rows = {row["id"]: row for row in listed(client, officer)["reports"]}
    assert rows[head]["reporter_count"] == 3
    assert rows[head]["risk"] > rows[other]["risk"]


def test_a_confirmed_indicator_raises_the_other_reports_naming_it(app, client, officer):
    first = report(client, "退税请登录 http://shared-lure.example.top/a")
    second = report(client, "again http://shared-lure.example.top/a 税务")
    before = {row["id"]: row["risk"] for row in listed(client, officer)["reports"]}
    r = client.post(f"/api/v1/reports/{first}/status", headers=officer, json={"status": "confirmed", "reason": "kit"})
    assert r.status_code == 200
    after = {row["id"]: row["risk"] for row in listed(client, officer)["reports"]}
    assert after[second] == before[second] + queue.CONFIRMED_INDICATOR_POINTS - queue.SHARED_INDICATOR_POINTS


def test_imports_never_push_live_reports_off_the_first_page(app, client, officer):
    live = report(client, "退税通知 live report")
    with app.app_context():
        rows = [Report(message_text=f"imported {i}", content_hash=f"h{i}", source="import") for i in range(5)]
        db.session.add_all(rows)
        db.session.flush()
        queue.rescore(db.session, [r.id for r in rows])
        for r in rows:  # the riskiest imports there can be
            r.queue_rank = queue.rank_of(100, r.created_at + timedelta(days=365), "import")
        db.session.commit()
    assert ids_of(listed(client, officer, limit=1)) == [live]
    assert len(ids_of(listed(client, officer, source="import"))) == 5
    assert ids_of(listed(client, officer, source="public")) == [live]
    assert ids_of(listed(client, officer, source="enterprise")) == []


def test_risk_pages_follow_the_cursor_without_gaps_or_repeats(app, client, officer):
    ids = [report(client, f"税务稽查 page {i}") for i in range(7)]
    for i, rid in enumerate(ids):
        verdict(app, rid, scam_score=(i % 3) / 3)
    seen, cursor = [], None
    while True:
        page = listed(client, officer, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += ids_of(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 7
    assert seen == ids_of(listed(client, officer, limit=50))


@pytest.mark.parametrize("cursor", ["x", "AAAA", "W10", "WyJyaXNrIiwibmFuIiwxXQ", "WyJuZXdlc3QiLG51bGwsMV0",
                                    "WyJyaXNrIiwxLjAsOTk5OTk5OTk5OTk5XQ", "WyJyaXNrIiwxLjAsdHJ1ZV0"])
def test_bad_cursors_are_a_400_naming_the_cursor(client, officer, cursor):
    """Garbage, an empty list, a NaN rank, another sort's cursor, an id beyond the column, a bool id."""
    r = client.get("/api/v1/reports", headers=officer, query_string={"cursor": cursor})
    assert r.status_code == 400 and "cursor" in r.get_json()["error"]["fields"]


@pytest.mark.parametrize("query, field", [
    ({"source": "web"}, "source"), ({"category": "<script>"}, "category"), ({"authority": "cn-sta"}, "authority"),
    ({"sort": "risk desc"}, "sort"), ({"cursor": "a" * 201}, "cursor"), ({"cursor": "a/b"}, "cursor"),
    ({"assigned_to": "x" * 121}, "assigned_to"), ({"indicator": "x" * 3000}, "indicator"), ({"colour": "red"}, "colour"),
    ({"status": "needs-info"}, "status"),
])
def test_unknown_filter_values_are_a_400_with_the_field(client, officer, query, field):
    r = client.get("/api/v1/reports", headers=officer, query_string=query)
    assert r.status_code == 400 and field in r.get_json()["error"]["fields"]


def test_indicator_and_assignee_filters(app, client, officer, make_user):
    make_user("officer-b", "officer")
    named = report(client, "退税请登录 http://filter-me.example.top/x")
    report(client, "无关 税务 文本")
    assert ids_of(listed(client, officer, indicator="http://filter-me.example.top/x")) == [named]
    assert ids_of(listed(client, officer, indicator="http://nothing.example/")) == []
    r = client.post(f"/api/v1/reports/{named}/assign", headers=officer, json={"officer": "officer-b", "reason": "zh"})
    assert r.status_code == 200 and r.get_json()["assigned_to"] == "officer-b"
    assert ids_of(listed(client, officer, assigned_to="officer-b")) == [named]
    assert "assigned to officer-b: zh" in r.get_json()["history"][-1]["reason"]


@pytest.mark.parametrize("officer_name", ["nobody", "acme", "<script>alert(1)</script>"])
def test_assigning_to_someone_who_is_not_an_officer_is_a_404(client, officer, make_user, officer_name):
    make_user("acme", "enterprise")
    rid = report(client, "退税 assign")
    r = client.post(f"/api/v1/reports/{rid}/assign", headers=officer, json={"officer": officer_name, "reason": "x"})
    assert r.status_code == 404


def test_needs_info_and_notes_are_recorded_and_audited(app, client, officer):
    rid = report(client, "退税 needs info")
    r = client.post(f"/api/v1/reports/{rid}/status", headers=officer,
                    json={"status": "needs_info", "reason": "asked the reporter for the sender"})
    assert r.status_code == 200 and r.get_json()["status"] == "needs_info"
    hostile = '<script>alert(1)</script>"><svg onload=alert(1)>'
    r = client.post(f"/api/v1/reports/{rid}/notes", headers=officer, json={"body": hostile})
    assert r.status_code == 201 and r.get_json()["body"] == hostile
    assert client.get(f"/api/v1/reports/{rid}", headers=officer).get_json()["notes"][0]["body"] == hostile
    with app.app_context():
        actions = set(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_id == rid)))
    assert {"report.status", "report.note"} <= actions


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "   "}, {"body": "x" * 4001}, {"body": 3}, {"text": "x"}, []])
def test_malformed_notes_are_a_400(client, officer, body):
    rid = report(client, "退税 note")
    assert client.post(f"/api/v1/reports/{rid}/notes", headers=officer, json=body).status_code == 400


def test_bulk_status_changes_every_report_in_one_go(app, client, officer):
    ids = [report(client, f"退税 bulk {i}") for i in range(4)]
    r = client.post("/api/v1/reports/bulk/status", headers=officer,
                    json={"action": "dismiss", "report_ids": ids[::-1] + ids[:1], "reason": "ads"})
    assert r.status_code == 200 and r.get_json()["changed"] == sorted(ids)
    assert {row["status"] for row in listed(client, officer)["reports"]} == {"dismissed"}
    again = client.post("/api/v1/reports/bulk/status", headers=officer,
                        json={"action": "dismiss", "report_ids": ids, "reason": "ads"})
    assert again.get_json()["changed"] == []


def test_a_bulk_action_with_a_missing_id_changes_nothing(app, client, officer):
    ids = [report(client, f"退税 whole {i}") for i in range(3)]
    r = client.post("/api/v1/reports/bulk/status", headers=officer,
                    json={"action": "confirm", "report_ids": [*ids, 99999], "reason": "kit"})
    assert r.status_code == 404 and "99999" in r.get_json()["error"]["message"]
    assert {row["status"] for row in listed(client, officer)["reports"]} == {"new"}


def test_bulk_assign_and_unassign(app, client, officer, make_user):
    make_user("officer-c", "officer")
    ids = [report(client, f"退税 assign bulk {i}") for i in range(2)]
    r = client.post("/api/v1/reports/bulk/assign", headers=officer,
                    json={"officer": "officer-c", "report_ids": ids, "reason": "region"})
    assert r.status_code == 200 and r.get_json()["changed"] == ids
    r = client.post("/api/v1/reports/bulk/assign", headers=officer,
                    json={"officer": None, "report_ids": ids, "reason": "back to the pool"})
    assert r.get_json()["changed"] == ids and ids_of(listed(client, officer, assigned_to="officer-c")) == []


@pytest.mark.parametrize("path, body, field", [
    ("status", {"action": "delete", "report_ids": [1], "reason": "x"}, "action"),
    ("status", {"action": "confirm", "report_ids": [], "reason": "x"}, "report_ids"),
    ("status", {"action": "confirm", "report_ids": list(range(1, 502)), "reason": "x"}, "report_ids"),
    ("status", {"action": "confirm", "report_ids": [2**31], "reason": "x"}, "report_ids[0]"),
    ("status", {"action": "confirm", "report_ids": ["1"], "reason": "x"}, "report_ids[0]"),
    ("status", {"action": "confirm", "report_ids": [1]}, "reason"),
    ("status", {"action": "confirm", "report_ids": [1], "reason": "x", "officer": "a"}, "officer"),
    ("assign", {"report_ids": [1], "reason": "x"}, "officer"),
    ("assign", {"officer": "x" * 121, "report_ids": [1], "reason": "x"}, "officer"),
])
def test_malformed_bulk_requests_are_a_400_naming_the_field(client, officer, path, body, field):
    r = client.post(f"/api/v1/reports/bulk/{path}", headers=officer, json=body)
    assert r.status_code == 400 and field in r.get_json()["error"]["fields"]


def test_bulk_needs_an_officer(client, make_user):
    body = {"action": "confirm", "report_ids": [1], "reason": "x"}
    assert client.post("/api/v1/reports/bulk/status", json=body).status_code == 401
    assert client.post("/api/v1/reports/bulk/status", json=body,
                       headers=make_user("acme", "enterprise")).status_code == 403


@pytest.mark.parametrize("many", [0, 10_000])
def test_indicator_filter_gives_the_same_reports_either_way(client, officer, monkeypatch, many):
    """Both plans (EXISTS along the queue for a much-named indicator, IN for a rare one) agree."""
    monkeypatch.setattr(queue, "MANY_REPORTS", many)
    named = [report(client, f"退税请登录 第{i}条", domain="either-way-tax.top") for i in range(3)]
    report(client, "无关 税务 文本 either")
    domain = listed(client, officer, indicator="either-way-tax.top")
    assert sorted(ids_of(domain)) == named
    paged = listed(client, officer, indicator="either-way-tax.top", limit=2)
    rest = listed(client, officer, indicator="either-way-tax.top", limit=2, cursor=paged["next_cursor"])
    assert ids_of(paged) + ids_of(rest) == ids_of(domain)
