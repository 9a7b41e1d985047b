"""The console's queue and report pages: order, filters, paging, actions (plain posts and htmx),
refused merges, and hostile report content rendered inert."""
from __future__ import annotations

import re

import pytest

from fraudwatch.console.highlight import Segment, segments
from fraudwatch.infra.extensions import db
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.transactions import in_transaction

XSS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>']


def report(client, text, **extra):
    r = client.post("/api/v1/reports", json={"message_text": text, **extra})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def verdict(app, report_id, score, signals=()):
    v = {"label": "scam", "scam_score": score, "tax_impersonation": False, "authority": None,
         "category": "refund_lure", "model_version": "t", "signals": list(signals), "explanation": ["<b>why</b>"]}
    with app.app_context():
        in_transaction(db.session, lambda: report_store.store_verdict(db.session, report_id, v))


def order(html):
    return [int(i) for i in re.findall(r'data-report="(\d+)"', html)]


def test_segments_cut_at_signals_and_ignore_bad_offsets():
    text = "请登录 etax.top 领取"
    sig = [{"name": "url", "start": 4, "end": 12}, {"name": "lure", "start": 0, "end": 3},
           {"name": "bad", "start": 10, "end": 999}, {"name": "neg", "start": -1, "end": 2}, "junk",
           {"name": "str", "start": "1", "end": 2}]
    assert segments(text, sig) == [Segment("请登录", ("lure",)), Segment(" "), Segment("etax.top", ("url",)),
                                   Segment(" 领取")]
    assert segments("abc", None) == [Segment("abc")]


def test_the_queue_needs_a_signed_in_officer(client):
    r = client.get("/console/queue")
    assert r.status_code == 302 and "/console/login" in r.headers["Location"]


def test_queue_in_risk_order_with_filters_and_next_page(app, client, sign_in):
    ids = [report(client, f"退税 queue {i}", channel="sms" if i % 2 else "email") for i in range(4)]
    verdict(app, ids[0], 0.9)
    verdict(app, ids[2], 0.5)
    sign_in(client)
    html = client.get("/console/queue").get_data(as_text=True)
    assert order(html) == [ids[0], ids[2], ids[3], ids[1]]
    assert order(client.get("/console/queue?channel=sms&status=").get_data(as_text=True)) == [ids[3], ids[1]]
    first = client.get("/console/queue?limit=2").get_data(as_text=True)
    link = re.search(r'id="next-page" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert order(client.get(link).get_data(as_text=True)) == [ids[3], ids[1]]
    assert order(client.get("/console/").get_data(as_text=True)) == [ids[0], ids[2], ids[3], ids[1]], \
        "the console's home page is the queue"


@pytest.mark.parametrize("query, field", [
    ("status=gone", "status"), ("colour=red", "colour"), ("cursor=%00%01", "cursor"), ("cursor=AAAA", "cursor"),
    ("limit=99999", "limit"), ("status=new&status=confirmed", "status"), ("authority=<script>", "authority"),
])
def test_bad_filters_show_the_form_with_the_error(client, sign_in, query, field):
    sign_in(client)
    r = client.get(f"/console/queue?{query}")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="filter-errors"' in html and f"<strong>{field}</strong>" in html
    assert "<script>" not in html.split("<body>")[1]


def test_hostile_reports_render_inert_in_queue_and_page(app, client, sign_in):
    rid = report(client, " ".join(XSS) + " javascript:alert(1)", description=XSS[2], company=XSS[1])
    verdict(app, rid, 0.7, [{"name": "<script>", "start": 0, "end": 8}])
    sign_in(client)
    for path in ("/console/queue", f"/console/reports/{rid}"):
        html = client.get(path).get_data(as_text=True)
        body = html.split("<body>")[1]
        assert "<script>alert" not in body and "<img src=x" not in body and "<svg onload" not in body
        assert 'href="javascript:' not in body
    page = client.get(f"/console/reports/{rid}").get_data(as_text=True)
    assert '<mark title="&lt;script&gt;"' in page and "&lt;b&gt;why&lt;/b&gt;" in page


def test_report_page_of_a_missing_or_huge_id_is_404(client, sign_in):
    sign_in(client)
    assert client.get("/console/reports/999999").status_code == 404
    assert client.get(f"/console/reports/{2**40}").status_code == 404


def test_confirm_from_the_page_is_recorded_and_the_lookup_says_confirmed(app, client, sign_in, csrf):
    rid = report(client, "退税请登录 http://confirm-me.example.top/x")
    sign_in(client)
    r = client.post(f"/console/reports/{rid}/act", data={"csrf_token": csrf(client), "action": "confirm",
                                                          "reason": "fake refund page"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/console/reports/{rid}")
    page = client.get(f"/console/reports/{rid}").get_data(as_text=True)
    assert "已确认" in page and "fake refund page" in page  # the status's label (zh by default)
    look = client.get("/api/v1/lookup", query_string={"type": "domain", "value": "confirm-me.example.top"})
    assert look.get_json()["status"] == "confirmed_fraud"


def test_actions_need_the_csrf_token_and_a_reason(client, sign_in, csrf):
    rid = report(client, "退税 csrf")
    sign_in(client)
    assert client.post(f"/console/reports/{rid}/act", data={"action": "confirm", "reason": "x"}).status_code == 400
    r = client.post(f"/console/reports/{rid}/act", data={"csrf_token": csrf(client), "action": "confirm", "reason": " "})
    assert r.status_code == 400
    r = client.post(f"/console/reports/{rid}/act", data={"csrf_token": csrf(client), "action": "drop", "reason": "x"})
    assert r.status_code == 400


def test_htmx_actions_answer_a_fragment_and_notes_stay_text(client, sign_in, csrf):
    rid = report(client, "退税 htmx")
    sign_in(client)
    r = client.post(f"/console/reports/{rid}/act", headers={"HX-Request": "true"},
                    data={"csrf_token": csrf(client), "action": "note", "reason": XSS[0]})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_merge_and_the_refused_cycle(client, sign_in, csrf):
    a, b = report(client, "退税 merge a"), report(client, "退税 merge b")
    sign_in(client)
    token = csrf(client)
    r = client.post(f"/console/reports/{a}/act", data={"csrf_token": token, "action": "merge", "reason": "same",
                                                        "report_ids": str(b)})
    assert r.status_code == 303
    r = client.post(f"/console/reports/{b}/act", data={"csrf_token": token, "action": "merge", "reason": "cycle",
                                                        "report_ids": str(a)})
    assert r.status_code == 409 and f"请改为并入举报 {a}" in r.get_data(as_text=True)  # the page's language
    for bad in ("1; drop", "99999999999", "", "1 " * 501):
        r = client.post(f"/console/reports/{a}/act", data={"csrf_token": token, "action": "merge", "reason": "x",
                                                            "report_ids": bad})
        assert r.status_code in (400, 404)


def test_bulk_dismiss_from_the_queue(client, sign_in, csrf):
    ids = [report(client, f"退税 bulk page {i}") for i in range(3)]
    sign_in(client)
    r = client.post("/console/queue/bulk", data={"csrf_token": csrf(client), "action": "dismiss", "reason": "ads",
                                                 "report_ids": [str(i) for i in ids[:2]], "next": "//evil.example/"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/console/queue")
    html = client.get("/console/queue?status=dismissed").get_data(as_text=True)
    assert sorted(order(html)) == ids[:2]
    r = client.post("/console/queue/bulk", data={"csrf_token": csrf(client), "action": "dismiss", "reason": "ads",
                                                 "report_ids": [str(ids[2]), "999999"]})
    assert r.status_code == 404
    assert order(client.get("/console/queue?status=new").get_data(as_text=True)) == [ids[2]]
