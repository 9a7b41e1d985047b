"""POST /api/v1/reports: storage, indicators, duplicates, and hostile input."""
from __future__ import annotations

import json

import idna
import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import Indicator, PendingJob, Report

SCAM_SMS = ("【国家税务总局】您有一笔个税退税3280元待领取，请于24小时内登录 "
            "http://chinatax-gov.cn.tax-refund.top/tui?id=3&utm_source=sms 办理，咨询 13812345678")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_report_is_stored_with_extracted_indicators(client, app):
    r = client.post("/api/v1/reports", json={"message_text": SCAM_SMS, "channel": "sms",
                                             "company": "北京某某税务咨询有限责任公司",
                                             "reporter_contact": "victim@example.com"})
    assert r.status_code == 201
    body = r.get_json()
    assert r.headers["Location"] == f"/api/v1/reports/{body['id']}"
    found = {(i["type"], i["value"], i["role"]) for i in body["indicators"]}
    assert ("url", "http://chinatax-gov.cn.tax-refund.top/tui?id=3&utm_source=sms", "extracted") in found
    assert ("domain", "tax-refund.top", "extracted") in found
    assert ("phone", "+8613812345678", "extracted") in found
    assert ("company", "北京某某税务咨询有限公司", "reported") in found
    assert "victim@example.com" not in r.get_data(as_text=True)
    with app.app_context():
        report = db.session.get(Report, body["id"])
        assert report.reporter_contact == "victim@example.com"
        assert report.status == "new" and len(report.links) == len(found)
    assert count(app, PendingJob) == 1


def test_form_submission_is_accepted(client):
    r = client.post("/api/v1/reports", data={"url": "https://irs-gov.com/refund", "channel": "email"})
    assert r.status_code == 201
    assert {"type": "domain", "value": "irs-gov.com"}.items() <= r.get_json()["indicators"][1].items()


def test_same_content_within_window_is_linked_not_lost(client, app):
    first = client.post("/api/v1/reports", json={"message_text": SCAM_SMS}).get_json()
    second = client.post("/api/v1/reports", json={"message_text": "  " + SCAM_SMS + " "}).get_json()
    assert second["id"] != first["id"]
    assert count(app, Report) == 2
    with app.app_context():
        stored = db.session.get(Report, second["id"])
        assert stored.duplicate_of_id == first["id"] and stored.status == "duplicate"
        domain = db.session.scalars(sa.select(Indicator).where(Indicator.value == "tax-refund.top")).one()
        assert domain.report_count == 2


def test_the_public_answer_does_not_tell_who_else_reported_it(client, app):
    """Issue #8 row 8: the second anonymous submitter was told `duplicate_of: <id>`."""
    first = client.post("/api/v1/reports", json={"message_text": SCAM_SMS}).get_json()
    second = client.post("/api/v1/reports", json={"message_text": SCAM_SMS}).get_json()
    assert first.keys() == second.keys() and "duplicate_of" not in second
    assert second["status"] == first["status"] == "new"
    same = lambda answer: {k: v for k, v in answer.items() if k not in ("id", "created_at")}  # noqa: E731
    assert same(first) == same(second)  # nothing tells the second submitter about the first


@pytest.mark.parametrize("payload, field", [
    ({"url": "ftp://files.example.com/x"}, "url"),
    ({"url": "http://exa mple.com"}, "url"),
    ({"domain": "xn--zz--.com..."}, "domain"),
    ({"phone": "call me maybe"}, "phone"),
    ({"phone": "12"}, "phone"),
    ({"email": "not-an-address"}, "email"),
    ({"bank_account": "12ab"}, "bank_account"),
    ({"message_text": 12345}, "message_text"),
    ({"message_text": ["a", "b"]}, "message_text"),
    ({"url": {"nested": "object"}}, "url"),
    ({"message_text": "x", "channel": "carrier-pigeon"}, "channel"),
    ({"message_text": "x", "received_at": "yesterday"}, "received_at"),
    ({"message_text": "x" * 50_001}, "message_text"),
    ({"message_text": "x", "nonsense": 1}, "nonsense"),
    ({}, "message_text"),
    ({"message_text": "\x00\x01\x02   "}, "message_text"),
])
def test_invalid_fields_get_400_with_the_field(client, app, payload, field):
    r = client.post("/api/v1/reports", json=payload)
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "validation_failed" and field in error["fields"]
    assert count(app, Report) == 0


@pytest.mark.parametrize("body, content_type, status, code", [
    ("{not json", "application/json", 400, "invalid_json"),
    ("[1, 2, 3]", "application/json", 400, "invalid_body"),
    ('"just a string"', "application/json", 400, "invalid_body"),
    ("null", "application/json", 400, "invalid_json"),
    ("message_text=hi", "text/plain", 415, "unsupported_media_type"),
    (b"\xff\xfe\x00garbage", "application/octet-stream", 415, "unsupported_media_type"),
    (b"\xff\xfe\x00garbage", "application/json", 400, "invalid_json"),
    ('{"message_text": NaN}', "application/json", 400, "invalid_json"),
    ('{"message_text": "a", "message_text": Infinity}', "application/json", 400, "invalid_json"),
    ('{"message_text": "lone surrogate \\ud800 here"}', "application/json", 400, "invalid_json"),
    ("[" * 100_000 + "]" * 100_000, "application/json", 400, "invalid_json"),
])
def test_malformed_bodies(client, body, content_type, status, code):
    r = client.post("/api/v1/reports", data=body, content_type=content_type)
    assert r.status_code == status
    assert r.get_json()["error"]["code"] == code


def test_oversized_body_is_413(client, app):
    big = json.dumps({"message_text": "退税" * 600_000})
    r = client.post("/api/v1/reports", data=big, content_type="application/json")
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "body_too_large"
    assert count(app, Report) == 0


def test_html_script_and_control_characters_are_stored_inert(client, app, officer):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>\x07\x1b[31m退税\u202e\u200b"
    r = client.post("/api/v1/reports", json={
        "message_text": hostile, "description": "<b>bold</b>", "company": "<i>Evil</i> Co., Ltd.",
        "reporter_contact": "<svg onload=alert(3)>"})
    assert r.status_code == 201
    report_id = r.get_json()["id"]
    stored = client.get(f"/api/v1/reports/{report_id}", headers=officer)
    assert stored.status_code == 200 and stored.mimetype == "application/json"
    data = stored.get_json()
    assert "\x07" not in data["message_text"] and "\x1b" not in data["message_text"]
    assert data["message_text"].startswith("<script>alert(1)</script>")
    assert data["description"] == "<b>bold</b>"


def test_unicode_and_idn_indicators(client):
    r = client.post("/api/v1/reports", json={"url": "https://税务.中国/退税?x=1", "email": "退税@税务局.top"})
    assert r.status_code == 201
    values = {i["value"] for i in r.get_json()["indicators"]}
    host = idna.encode("税务.中国").decode()
    assert host.startswith("xn--") and host.endswith(".xn--fiqs8s")
    assert f"https://{host}/%E9%80%80%E7%A8%8E?x=1" in values
    assert host in values
    assert "退税@" + idna.encode("税务局.top").decode() in values


def test_many_indicators_in_one_text_are_bounded(client, app):
    text = " ".join(f"http://scam{i}.top/refund" for i in range(400))
    r = client.post("/api/v1/reports", json={"message_text": text})
    assert r.status_code == 201
    assert 0 < len(r.get_json()["indicators"]) <= 400


def test_get_report_needs_an_officer(client):
    report_id = client.post("/api/v1/reports", json={"message_text": SCAM_SMS}).get_json()["id"]
    assert client.get(f"/api/v1/reports/{report_id}").status_code == 401


@pytest.mark.parametrize("when", [
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00.5+23:59"])
def test_received_at_outside_what_utc_can_hold_is_a_400(client, app, when):
    """Issue #8: converting these to UTC overflowed (a 500)."""
    r = client.post("/api/v1/reports", json={"message_text": "退税通知", "received_at": when})
    assert r.status_code == 400, r.get_data(as_text=True)[:300]
    assert r.get_json()["error"]["fields"] == {"received_at": "is out of range (years 1 to 9999 in UTC)"}
    assert count(app, Report) == 0


@pytest.mark.parametrize("payload, fields", [
    ({"message_text": "x", "channel": "wechat"}, None),
    ({"message_text": "x", "channel": "WeChat"}, {"channel"}),
    ({"message_text": "x", "region": "ZZ"}, {"region"}),
    ({"message_text": "x", "region": "us"}, {"region"}),
    ({"phone": "(202) 555-0142", "region": "US"}, None),
    ({"message_text": "", "url": "https://irs-gov.com/x", "company": ""}, None),
])
def test_channel_aliases_and_regions_follow_the_document(client, payload, fields):
    r = client.post("/api/v1/reports", json=payload)
    if fields is None:
        assert r.status_code == 201, r.get_json()
    else:
        assert r.status_code == 400 and set(r.get_json()["error"]["fields"]) == fields


def test_a_us_region_reads_phone_numbers_as_us_numbers(client):
    r = client.post("/api/v1/reports", json={"phone": "(202) 555-0142", "region": "US", "channel": "text"})
    found = r.get_json()["indicators"][0]
    assert {"type": "phone", "value": "+12025550142", "role": "reported"}.items() <= found.items()


def test_form_fields_left_empty_count_as_not_given_and_repeated_ones_are_refused(client):
    r = client.post("/api/v1/reports", data={"url": "https://irs-gov.com/refund", "channel": "", "received_at": ""})
    assert r.status_code == 201
    r = client.post("/api/v1/reports", data={"url": ["https://a-tax.top/x", "https://b-tax.top/y"]})
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == {"url": "given more than once"}


def test_the_api_document_says_form_fields_may_be_left_empty(client):
    """An empty form field is accepted (not given), so the form schema must allow it, and only there."""
    doc = client.get("/api/v1/openapi.json").get_json()
    body = doc["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]
    form = doc["components"]["schemas"][body["application/x-www-form-urlencoded"]["schema"]["$ref"].rsplit("/", 1)[1]]
    region = form["properties"]["region"]
    assert {"type": "string", "maxLength": 0} in region["anyOf"] and any("enum" in o for o in region["anyOf"])
    assert client.post("/api/v1/reports", data={"message_text": "退税通知", "region": ""}).status_code == 201
    assert client.post("/api/v1/reports", data={"message_text": "退税通知", "region": "XX"}).status_code == 400
    query = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/reports"]["get"]["parameters"] if p["in"] == "query"}
    assert "anyOf" not in query["cursor"]  # query parameters: no empty alternative


def test_unknown_query_parameters_are_refused_on_bodies_too(client, app):
    r = client.post("/api/v1/reports?source=web", json={"message_text": "退税通知"})
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == {"source": "unknown parameter"}
    assert count(app, Report) == 0
