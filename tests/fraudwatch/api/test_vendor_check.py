"""POST /api/v1/vendor-check: one verdict on a vendor from its fields and the message it sent,
built on the lookups and the classifier; hostile input refused, nothing stored."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from fraudwatch.api.vendor import VendorCheckOut
from fraudwatch.infra.extensions import db
from fraudwatch.services.vendor_check import bank_checksum, uscc_error

URL = "/api/v1/vendor-check"
USCC = "91350100M000100Y43"  # a valid code (GB 32100-2015 check character)
FEE = ("【国家税务总局】贵公司税务系统需升级改造，请于3日内缴纳税务系统建设费 2800 元，"
       "逾期将影响开票。详情访问 https://etax-chinatax.gov-cn.top/pay 或致电 17123456789。")
LOOKALIKE = "chinatax-gov.cn"
REPORTED_PHONE = "+86 171 2345 6789"


@pytest.fixture
def enterprise(make_user):
    return make_user("acme", "enterprise")


def check(client, headers, status=200, **body):
    r = client.post(URL, json=body, headers=headers)
    assert r.status_code == status, r.get_json()
    if status == 200:
        VendorCheckOut.model_validate(r.get_json())  # the answer is what the API document says
    return r.get_json()


def report_count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.text("SELECT count(*) FROM reports")).scalar_one()


def by_field(answer: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for reason in answer["reasons"]:
        out.setdefault(reason["field"], []).append(reason)
    return out


def test_fee_demand_with_lookalike_domain_and_reported_phone_is_high_risk(app_with_model, make_user):
    client = app_with_model.test_client()
    headers = make_user("acme", "enterprise")
    client.post("/api/v1/reports", json={"phone": REPORTED_PHONE, "message_text": "冒充税务局要求缴费"})
    answer = check(client, headers, company="金税科技服务有限公司", uscc=USCC, domain=LOOKALIKE,
                   phone="17123456789", message_text=FEE)
    assert answer["verdict"] == "high_risk", json.dumps(answer, ensure_ascii=False)
    reasons = by_field(answer)
    assert [r["finding"] for r in reasons["domain"]] == ["lookalike_of_official_domain"]
    assert reasons["domain"][0]["level"] == "caution" and reasons["domain"][0]["lookup"]["authority"] == "CN-STA"
    assert reasons["phone"][0]["finding"] == "reported" and reasons["phone"][0]["lookup"]["reports"] == 1
    message = [r for r in reasons["message_text"] if "classifier" in r][0]
    assert message["classifier"]["label"] == "scam" and message["level"] in ("caution", "high_risk")
    assert message["classifier"]["authority"] == "CN-STA" and message["classifier"]["signals"]
    in_text = [r for r in reasons["message_text"] if "lookup" in r]
    assert {r["lookup"]["type"] for r in in_text} >= {"url", "phone"}
    assert "company" not in reasons  # never reported: nothing to say against it
    assert any("税务系统的费用" in line for line in answer["advice"]["zh"])
    assert any("never charge companies" in line for line in answer["advice"]["en"])
    channels = answer["official_channels"]
    assert channels["authority"] == "CN-STA" and channels["hotlines"] == ["12366"]
    assert any("12366" in line and "chinatax.gov.cn" in line for line in answer["advice"]["zh"])
    assert all(d.endswith("chinatax.gov.cn") for d in channels["domains"])
    assert answer["reasons"][0]["level"] in ("high_risk", "caution")  # most severe first
    assert report_count(app_with_model) == 1  # the check stored nothing


def test_confirmed_fraud_alone_is_high_risk(client, officer, enterprise):
    created = client.post("/api/v1/reports", json={"domain": "tax-system-fee.top"}).get_json()
    assert check(client, enterprise, domain="tax-system-fee.top")["verdict"] == "caution"
    client.post(f"/api/v1/reports/{created['id']}/status", headers=officer,
                json={"status": "confirmed", "reason": "fee scam confirmed"})
    answer = check(client, enterprise, url="https://pay.tax-system-fee.top/order?id=1")
    assert answer["verdict"] == "high_risk"
    assert answer["reasons"][0]["finding"] == "confirmed_fraud" and answer["reasons"][0]["field"] == "url"


def test_a_domain_and_an_address_on_it_are_one_finding_not_two(client, enterprise):
    client.post("/api/v1/reports", json={"domain": "tax-upgrade-service.top"})
    answer = check(client, enterprise, domain="tax-upgrade-service.top", email="pay@tax-upgrade-service.top",
                   url="http://www.tax-upgrade-service.top/order")
    assert answer["verdict"] == "caution"
    assert {r["field"] for r in answer["reasons"] if r["level"] == "caution"} == {"domain", "email", "url"}
    client.post("/api/v1/reports", json={"phone": REPORTED_PHONE})
    twice = check(client, enterprise, phone="17123456789", message_text="请致电 171 2345 6789 办理")
    assert twice["verdict"] == "caution"  # one phone, given and written in the message
    assert {r["field"] for r in twice["reasons"] if r["level"] == "caution"} == {"phone", "message_text"}
    again = check(client, enterprise, domain="tax-upgrade-service.top", phone="17123456789")
    assert again["verdict"] == "high_risk"  # two different things were reported


def test_never_seen_clean_vendor_is_no_known_risk_with_what_was_checked(client, enterprise):
    answer = check(client, enterprise, company="上海明远软件有限公司", uscc=USCC, domain="mingyuan-soft.cn",
                   phone="021 6123 4567", email="sales@mingyuan-soft.cn", bank_account="110060576018010037865")
    assert answer["verdict"] == "no_known_risk"
    assert all(r["level"] in ("info", "ok") for r in answer["reasons"])
    checked = {c["field"]: c for c in answer["checked"]}
    assert set(checked) == {"company", "uscc", "domain", "phone", "email", "bank_account"}
    assert checked["domain"]["status"] == "unknown"
    assert "lookalike rules against the official domains: no match" in checked["domain"]["checks"]
    assert "official tax hotlines: not one" in checked["phone"]["checks"]
    assert any("not verified here" in c for c in checked["uscc"]["checks"])
    assert any("checksum not applicable" in c for c in checked["bank_account"]["checks"])
    assert any("does not prove" in line for line in answer["advice"]["en"])


def test_message_without_a_model_is_said_honestly(client, enterprise):
    answer = check(client, enterprise, message_text="您好，这是报价单，请查收。")
    assert answer["verdict"] == "no_known_risk"
    assert answer["checked"] == [{"field": "message_text",
                                  "checks": ["not classified: no classifier model is installed"]}]


def test_official_contacts_are_named(client, enterprise):
    answer = check(client, enterprise, domain="etax.guangdong.chinatax.gov.cn", phone="12366")
    assert answer["verdict"] == "no_known_risk"
    assert {(r["field"], r["finding"]) for r in answer["reasons"]} == {("domain", "official_contact"),
                                                                       ("phone", "official_contact")}


@pytest.mark.parametrize("code, message", [
    ("91350100M000100Y44", "wrong check character"),
    ("91350100M000100Y4", "must be at least 18 characters"),
    ("91350100M000100I43", "must match"),  # no I, O, S, V or Z in a USCC
])
def test_bad_uscc_is_a_400_naming_the_field(client, enterprise, code, message):
    error = check(client, enterprise, 400, uscc=code, company="x")["error"]
    assert list(error["fields"]) == ["uscc"] and message in error["fields"]["uscc"]


def test_lowercase_uscc_is_accepted(client, enterprise):
    assert check(client, enterprise, uscc=USCC.lower())["verdict"] == "no_known_risk"


@pytest.mark.parametrize("body, field", [
    ({"company": "x" * 301}, "company"),
    ({"message_text": "税" * 50_001}, "message_text"),
    ({"uscc": "9" * 10_000}, "uscc"),
    ({"url": "http://a.cn/" + "a" * 2040}, "url"),
    ({"bank_account": "1" * 65}, "bank_account"),
    ({"domain": "x" * 254}, "domain"),
    ({"phone": "171\x0023456789"}, "phone"),
    ({"company": "ACME\x1b[31m"}, "company"),
    ({"domain": "   "}, "domain"),
    ({"phone": 17123456789}, "phone"),
    ({"company": ["a"]}, "company"),
    ({"email": {"a": 1}}, "email"),
    ({"company": "x", "colour": "red"}, "colour"),
    ({}, "body"),
    ({"company": None}, "company"),
    ({"message_text": "\x01\x02"}, "message_text"),
    ({"domain": "not a domain"}, "domain"),
    ({"phone": "12"}, "phone"),
    ({"email": "no-at-sign"}, "email"),
])
def test_hostile_and_malformed_bodies_are_clear_400s(app, client, enterprise, body, field):
    error = check(client, enterprise, 400, **body)["error"]
    assert field in error["fields"] and error["message"], error
    assert report_count(app) == 0


@pytest.mark.parametrize("raw", ["[1, 2]", "\"company\"", "null", "{\"company\": ", "42"])
def test_json_that_is_not_an_object_is_a_400(app, client, enterprise, raw):
    r = client.post(URL, data=raw, content_type="application/json", headers=enterprise)
    assert r.status_code == 400 and r.get_json()["error"]["code"] in ("invalid_body", "invalid_json")
    assert report_count(app) == 0


def test_bodies_over_the_size_limit_and_deep_nesting_are_refused(app, client, enterprise):
    huge = json.dumps({"message_text": "税" * 400_000})  # 1.2 MB of UTF-8, over the 1 MiB body limit
    r = client.post(URL, data=huge, content_type="application/json", headers=enterprise)
    assert r.status_code == 413 and r.get_json()["error"]["code"]
    nested = '{"company": ' + "[" * 5000 + "]" * 5000 + "}"
    r = client.post(URL, data=nested, content_type="application/json", headers=enterprise)
    assert r.status_code == 400 and r.get_json()["error"]["message"]
    assert report_count(app) == 0


def test_form_data_is_refused(client, enterprise):
    r = client.post(URL, data={"company": "x"}, headers=enterprise)
    assert r.status_code == 415


def test_roles(client, make_user, officer):
    assert client.post(URL, json={"company": "ACME Ltd"}).status_code == 401
    assert client.post(URL, json={"company": "ACME Ltd"}, headers={"Authorization": "Bearer nope"}).status_code == 401
    for headers in (officer, make_user("boss", "admin"), make_user("acme", "enterprise")):
        assert client.post(URL, json={"company": "ACME Ltd"}, headers=headers).status_code == 200


def test_officers_see_report_ids_enterprises_do_not(client, officer, enterprise):
    created = client.post("/api/v1/reports", json={"phone": REPORTED_PHONE}).get_json()
    seen = check(client, officer, phone="17123456789")["reasons"][0]["lookup"]["evidence"]
    assert created["id"] in [i for e in seen for i in e.get("report_ids", [])]
    assert "report_ids" not in json.dumps(check(client, enterprise, phone="17123456789"))


def test_documented_in_the_api_contract(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/vendor-check"]["post"]
    assert "high_risk" in op["description"] and "no_known_risk" in op["description"]
    schema = doc["components"]["schemas"]["VendorCheckIn"]
    assert schema["additionalProperties"] is False and schema["minProperties"] == 1
    assert schema["properties"]["company"]["maxLength"] == 300 and schema["properties"]["uscc"]["pattern"]


def test_checksums():
    assert uscc_error(USCC) is None and uscc_error("911100001000013428")
    assert bank_checksum("6222 0212 3456 7890 128")[0] == "luhn_valid"
    assert bank_checksum("6222021234567890127")[0] == "luhn_failed"
    assert bank_checksum("110060576018010037865")[0] == "not_applicable"  # 21-digit corporate account
    assert bank_checksum("1100-6057-6018")[0] == "not_applicable"
