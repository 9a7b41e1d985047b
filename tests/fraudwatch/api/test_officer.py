"""Officer endpoints: access control, listing and filters, status changes, merges."""
from __future__ import annotations

import pytest


def report(client, text, **extra):
    r = client.post("/api/v1/reports", json={"message_text": text, **extra})
    assert r.status_code == 201
    return r.get_json()["id"]


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/reports"), ("get", "/api/v1/reports/1"),
    ("post", "/api/v1/reports/1/status"), ("post", "/api/v1/reports/1/merge"),
])
def test_officer_endpoints_need_an_officer(client, make_user, method, path):
    assert getattr(client, method)(path, json={}).status_code == 401
    enterprise = make_user("acme", "enterprise")
    assert getattr(client, method)(path, json={}, headers=enterprise).status_code == 403


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer ", "Bearer " + "x" * 5000, "Bearer 税务"])
def test_bad_tokens_are_401(client, header):
    r = client.get("/api/v1/reports", headers={"Authorization": header})
    assert r.status_code == 401 and r.get_json()["error"]["code"] in ("invalid_token", "unauthorized")


def test_revoked_token_is_refused(app, client):
    from fraudwatch.infra.extensions import db
    from fraudwatch.storage import users

    with app.app_context():
        user = users.create_user(db.session, "bob", "officer")
        token = users.create_token(db.session, user)
        db.session.commit()
        assert users.revoke_token(db.session, token[:10]) == 1
        db.session.commit()
    assert client.get("/api/v1/reports", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_list_filter_and_page(client, officer):
    ids = [report(client, f"退税通知 {i}", channel="sms" if i % 2 else "email") for i in range(5)]
    listing = client.get("/api/v1/reports", headers=officer, query_string={"limit": 2, "sort": "newest"}).get_json()
    assert [r["id"] for r in listing["reports"]] == ids[::-1][:2]
    page2 = client.get("/api/v1/reports", headers=officer,
                       query_string={"limit": 2, "sort": "newest", "cursor": listing["next_cursor"]}).get_json()
    assert [r["id"] for r in page2["reports"]] == ids[::-1][2:4]
    oldest = client.get("/api/v1/reports", headers=officer, query_string={"limit": 4, "sort": "oldest"}).get_json()
    assert [r["id"] for r in oldest["reports"]] == ids[:4] and oldest["next_cursor"]
    sms = client.get("/api/v1/reports", headers=officer, query_string={"channel": "sms"}).get_json()["reports"]
    assert {r["id"] for r in sms} == {ids[1], ids[3]}
    found = client.get("/api/v1/reports", headers=officer, query_string={"q": "通知 3"}).get_json()["reports"]
    assert [r["id"] for r in found] == [ids[3]]
    wild = client.get("/api/v1/reports", headers=officer, query_string={"q": "%_\\"}).get_json()["reports"]
    assert wild == []


@pytest.mark.parametrize("query, field", [
    ({"status": "nope"}, "status"), ({"limit": "0"}, "limit"), ({"limit": "x"}, "limit"),
    ({"since": "last week"}, "since"), ({"min_score": "2"}, "min_score"), ({"channel": "fax"}, "channel"),
])
def test_invalid_filters(client, officer, query, field):
    r = client.get("/api/v1/reports", headers=officer, query_string=query)
    assert r.status_code == 400 and field in r.get_json()["error"]["fields"]


def test_status_change_is_recorded_with_actor_and_reason(client, officer):
    rid = report(client, "您的税务登记异常，请加QQ群 123456 处理")
    r = client.post(f"/api/v1/reports/{rid}/status", headers=officer,
                    json={"status": "triaging", "reason": "checking the QQ group"})
    assert r.status_code == 200
    r = client.post(f"/api/v1/reports/{rid}/status", headers=officer,
                    json={"status": "confirmed", "reason": "<b>fake</b> group"})
    history = r.get_json()["history"]
    assert [(h["from"], h["to"]) for h in history] == [(None, "new"), ("new", "triaging"), ("triaging", "confirmed")]
    assert history[-1]["actor"] == "officer-a" and history[-1]["reason"] == "<b>fake</b> group"


@pytest.mark.parametrize("payload, field", [
    ({"status": "confirmed"}, "reason"), ({"reason": "x"}, "status"), ({"status": "gone", "reason": "x"}, "status"),
    ({"status": 3, "reason": "x"}, "status"), ({"status": "confirmed", "reason": "x" * 5000}, "reason"),
])
def test_invalid_status_changes_change_nothing(client, officer, payload, field):
    rid = report(client, "税控盘年费缴纳通知")
    r = client.post(f"/api/v1/reports/{rid}/status", headers=officer, json=payload)
    assert r.status_code == 400 and field in r.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/reports/{rid}", headers=officer).get_json()["status"] == "new"


def test_missing_report_is_404(client, officer):
    r = client.post("/api/v1/reports/999999/status", headers=officer, json={"status": "confirmed", "reason": "x"})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_merge_moves_indicators_and_records_it(client, officer):
    target = report(client, "数电票升级费 请转账", phone="13900001111")
    other = report(client, "数电票升级，联系 13900002222", url="http://shudianpiao-upgrade.top/pay")
    r = client.post(f"/api/v1/reports/{target}/merge", headers=officer,
                    json={"report_ids": [other], "reason": "same campaign"})
    assert r.status_code == 200
    merged = r.get_json()
    values = {i["value"] for i in merged["indicators"]}
    assert "+8613900002222" in values and "shudianpiao-upgrade.top" in values
    other_row = client.get(f"/api/v1/reports/{other}", headers=officer).get_json()
    assert other_row["status"] == "duplicate" and other_row["duplicate_of"] == target
    assert other_row["history"][-1]["reason"] == "same campaign"


@pytest.mark.parametrize("payload", [
    {"report_ids": []}, {"report_ids": "2"}, {"report_ids": [True]}, {"report_ids": [-1]},
    {"report_ids": list(range(1, 200))}, {},
])
def test_invalid_merges(client, officer, payload):
    target = report(client, "发票查验插件下载")
    assert client.post(f"/api/v1/reports/{target}/merge", headers=officer, json=payload).status_code == 400


def test_merge_into_itself_or_missing(client, officer):
    target = report(client, "税务稽查通知")
    assert client.post(f"/api/v1/reports/{target}/merge", headers=officer, json={"report_ids": [target]}).status_code == 400
    assert client.post(f"/api/v1/reports/{target}/merge", headers=officer, json={"report_ids": [424242]}).status_code == 404


def test_a_token_in_use_stops_working_within_the_trust_period_after_revocation(app, client, monkeypatch):
    import time

    from fraudwatch.infra.extensions import db
    from fraudwatch.storage import users
    from fraudwatch.web import auth

    monkeypatch.setattr(auth, "PRINCIPAL_TTL", 0.3)
    with app.app_context():
        user = users.create_user(db.session, "carol", "officer")
        token = users.create_token(db.session, user)
        db.session.commit()
    header = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/reports", headers=header).status_code == 200  # resolved and trusted for a while
    with app.app_context():
        assert users.revoke_token(db.session, token[:10]) == 1
        db.session.commit()
    time.sleep(0.4)
    assert client.get("/api/v1/reports", headers=header).status_code == 401


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/v1/reports/31648537285915731558400", None),
    ("get", f"/api/v1/reports/{2**63}", None),
    ("post", "/api/v1/reports/32589158477190044731/status", {"status": "confirmed", "reason": "n"}),
    ("post", f"/api/v1/reports/{2**64}/merge", {"report_ids": [1]}),
])
def test_ids_too_large_for_the_database_are_not_found(client, officer, method, path, body):
    """Found by schemathesis against the OpenAPI document: these were 500s (OverflowError)."""
    r = getattr(client, method)(path, headers=officer, json=body)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


def test_merge_refuses_ids_too_large_for_the_database(client, officer):
    target = report(client, "退税通知 merge target")
    body = '{"report_ids": [1180591620717411303424]}'  # 2**70: JSON parsers read it as a float
    r = client.post(f"/api/v1/reports/{target}/merge", headers=officer, data=body, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == {"report_ids[0]": "must be an integer"}


@pytest.mark.parametrize("name", ["since", "until"])
@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-05:00"])
def test_filter_dates_outside_what_utc_can_hold_are_a_400(client, officer, name, when):
    """Issue #8: these were 500s (OverflowError converting to UTC)."""
    r = client.get("/api/v1/reports", headers=officer, query_string={name: when})
    assert r.status_code == 400 and name in r.get_json()["error"]["fields"]


INT32_OVER = 2**31  # report and indicator ids are INTEGER columns: 2**31 - 1 at most


@pytest.mark.parametrize("method, path, body", [
    ("get", f"/api/v1/reports/{INT32_OVER}", None),
    ("post", f"/api/v1/reports/{INT32_OVER}/status", {"status": "confirmed", "reason": "n"}),
    ("post", f"/api/v1/reports/{2**62}/merge", {"report_ids": [1]}),
])
def test_ids_beyond_the_id_column_are_not_found(client, officer, method, path, body):
    """Issue #8: on PostgreSQL, ids between 2**31 and 2**62 reached the database (500)."""
    r = getattr(client, method)(path, headers=officer, json=body)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("query, field", [
    ({"indicator_id": INT32_OVER}, "indicator_id")])
def test_id_filters_beyond_the_id_column_are_a_400(client, officer, query, field):
    r = client.get("/api/v1/reports", headers=officer, query_string=query)
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == {field: f"must be at most {INT32_OVER - 1}"}


def test_merge_ids_beyond_the_id_column_are_a_400(client, officer):
    target = report(client, "退税通知 merge bound")
    r = client.post(f"/api/v1/reports/{target}/merge", headers=officer, json={"report_ids": [INT32_OVER]})
    fields = r.get_json()["error"]["fields"]
    assert r.status_code == 400 and fields == {"report_ids[0]": f"must be at most {INT32_OVER - 1}"}


@pytest.mark.parametrize("query, fields", [
    ({"order": "id"}, {"order": "unknown parameter"}),
    ({"sort": "id"}, {"sort": "must be one of risk, newest or oldest"}),
    ({"authority": "XX-NOPE", "status": "new"}, {"authority": "must be one of AE-FTA, AR-ARCA, AT-BMF, AU-ATO, "
                                                              "AU-GOV... (70 values, listed in the API document)"}),
    ({"limit": "0"}, {"limit": "must be at least 1"}),
])
def test_unknown_or_out_of_range_filters_are_named(client, officer, query, fields):
    r = client.get("/api/v1/reports", headers=officer, query_string=query)
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == fields


def test_a_filter_given_twice_is_refused(client, officer):
    r = client.get("/api/v1/reports?status=new&status=confirmed", headers=officer)
    assert r.status_code == 400 and r.get_json()["error"]["fields"] == {"status": "given more than once"}


def test_channel_filter_takes_the_aliases(client, officer):
    rid = report(client, "退税短信 alias", channel="text")
    listed = client.get("/api/v1/reports", headers=officer, query_string={"channel": "text"}).get_json()["reports"]
    assert [r["id"] for r in listed] == [rid] and listed[0]["channel"] == "sms"


@pytest.mark.parametrize("reason", ["", "   ", "\x01\x02"])
def test_blank_reasons_are_refused(client, officer, reason):
    rid = report(client, "税务稽查 blank reason")
    r = client.post(f"/api/v1/reports/{rid}/status", headers=officer, json={"status": "dismissed", "reason": reason})
    assert r.status_code == 400
    assert r.get_json()["error"]["fields"]["reason"] in ("must not be empty", "must not be blank")


@pytest.mark.parametrize("q", ["\x00", "a\x00b", "\x01\x1b"])
def test_control_characters_in_the_search_text_are_dropped(client, officer, q):
    """PostgreSQL refuses NUL in a text parameter: the search text is cleaned like stored text."""
    rid = report(client, "退税 ab search")
    r = client.get("/api/v1/reports", headers=officer, query_string={"q": q})
    assert r.status_code == 200
    assert rid in [row["id"] for row in r.get_json()["reports"]]
