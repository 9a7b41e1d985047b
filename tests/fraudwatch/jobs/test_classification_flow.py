"""The classifier in the service: every report gets a verdict as a job; POST /classify."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import Indicator, Report
from tests.conftest import run_jobs

SCAM = ("【国家税务总局】您的个人所得税退税2,860元待领取，请于今日内登录 http://etax-gov.cn.refund-tax.top "
        "填写银行卡号、密码和短信验证码完成退税。")
LEGIT = "【国家税务总局深圳市税务局】2025年度个人所得税综合所得汇算已开始，请登录个人所得税App自行办理，咨询12366。"


def test_each_report_gets_a_verdict_as_a_job(app_with_model):
    client = app_with_model.test_client()
    scam_id = client.post("/api/v1/reports", json={"message_text": SCAM, "channel": "sms"}).get_json()["id"]
    legit_id = client.post("/api/v1/reports", json={"message_text": LEGIT, "channel": "sms"}).get_json()["id"]
    run_jobs(app_with_model)
    with app_with_model.app_context():
        scam, legit = db.session.get(Report, scam_id), db.session.get(Report, legit_id)
        assert scam.verdict_label == "scam" and scam.verdict["tax_impersonation"] is True
        assert scam.verdict["model_version"] and scam.scam_score > legit.scam_score
        assert legit.verdict_label == "legit"
        domain = db.session.scalars(sa.select(Indicator).where(Indicator.value == "refund-tax.top")).one()
        assert domain.max_score == pytest.approx(scam.scam_score)
    answer = client.get("/api/v1/lookup", query_string={"type": "domain", "value": "refund-tax.top"}).get_json()
    assert answer["evidence"][-1]["max_scam_score"] == pytest.approx(round(scam.scam_score, 3))


def test_classify_endpoint_single_and_batch(app_with_model):
    client = app_with_model.test_client()
    one = client.post("/api/v1/classify", json={"text": SCAM})
    assert one.status_code == 200 and one.get_json()["label"] == "scam"
    batch = client.post("/api/v1/classify", json={"items": [{"id": "a", "text": SCAM}, {"id": 2, "text": LEGIT},
                                                            {"id": "e", "text": ""}]})
    results = batch.get_json()["results"]
    assert [r["id"] for r in results] == ["a", 2, "e"] and results[1]["label"] == "legit"


@pytest.mark.parametrize("payload, status", [
    ({}, 400), ({"text": 5}, 400), ({"items": "x"}, 400), ({"items": [{"text": None}]}, 200),  # per item
    ({"text": "a", "items": []}, 400), ({"text": "x" * 100_001}, 400),
    ({"items": [{"text": "a"}] * 1001}, 400), ({"text": "<script>alert(1)</script>\x00\x01"}, 200),
])
def test_classify_bad_input(app_with_model, payload, status):
    r = app_with_model.test_client().post("/api/v1/classify", json=payload)
    assert r.status_code == status
    if status == 400:
        assert r.get_json()["error"]["code"] in ("validation_failed", "batch_too_large")


def test_classify_without_a_model_is_503(client):
    r = client.post("/api/v1/classify", json={"text": SCAM})
    assert r.status_code == 503 and r.get_json()["error"]["code"] == "no_model"
