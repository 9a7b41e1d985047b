"""The fast path of POST /reports (issue #14): the verdict stored in the request when the web
process has the model, skipped (never failing the report) otherwise; and `pending`, in the
receipt and the officer view, before and after the jobs ran."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.services import model_registry
from fraudwatch.storage.models import PendingJob, Report
from tests.conftest import cleanup_redis, make_test_app, run_jobs

SCAM = "【国家税务总局】您的个人所得税退税2,860元待领取，请于今日内回复银行卡号、密码和短信验证码完成退税。"


@pytest.fixture
def model_app(database_url, redis_url, tmp_path, trained_model_dir, request):
    """An app with the model loaded in this process (as a web process has it after its first
    report), with the settings the test passes (indirect parametrisation)."""
    app = make_test_app(database_url, redis_url, tmp_path / "instance", MODEL_DIR=str(trained_model_dir),
                        **getattr(request, "param", {}))
    with app.app_context():
        assert model_registry.get_classifier() is not None
    yield app
    cleanup_redis(app)
    db.dispose(app)


def _row(app, report_id: int) -> tuple:
    with app.app_context():
        report = db.session.get(Report, report_id)
        job = db.session.scalars(sa.select(PendingJob).where(PendingJob.target_id == report_id)).one()
        return report.verdict_label, report.verdict_at, job.done_at


def test_the_verdict_is_stored_in_the_request(model_app):
    answer = model_app.test_client().post("/api/v1/reports", json={"message_text": SCAM, "channel": "sms"})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["verdict"]["label"] in ("scam", "spam", "legit") and body["verdict"]["model_version"]
    assert body["pending"] == []  # no URL to crawl, verdict given
    label, verdict_at, done_at = _row(model_app, body["id"])
    assert label == body["verdict"]["label"] and verdict_at is not None
    assert done_at is None  # stored before any worker ran
    run_jobs(model_app)  # the job still runs and stores the same verdict again
    again, later, done_at = _row(model_app, body["id"])
    assert again == label and later >= verdict_at and done_at is not None


@pytest.mark.parametrize("model_app", [{"FAST_VERDICT": False}], indirect=True)
def test_the_fast_path_can_be_turned_off(model_app):
    body = model_app.test_client().post("/api/v1/reports", json={"message_text": SCAM}).get_json()
    assert body["verdict"] is None and body["pending"] == ["verdict"]
    assert _row(model_app, body["id"])[1] is None


@pytest.mark.parametrize("model_app", [{"FAST_VERDICT_MAX_CHARS": 40}], indirect=True)
def test_a_long_text_is_left_to_the_job(model_app):
    body = model_app.test_client().post("/api/v1/reports", json={"message_text": SCAM}).get_json()
    assert body["verdict"] is None and body["pending"] == ["verdict"]
    short = model_app.test_client().post("/api/v1/reports", json={"message_text": "退税请回复银行卡号"}).get_json()
    assert short["verdict"] is not None


@pytest.mark.parametrize("model_app", [{"FAST_VERDICT_BUDGET_MS": 0}], indirect=True)
def test_nothing_is_stored_past_the_budget(model_app):
    body = model_app.test_client().post("/api/v1/reports", json={"message_text": SCAM}).get_json()
    assert body["verdict"] is None and _row(model_app, body["id"])[1] is None


def test_without_a_model_the_job_gives_the_verdict(client):
    body = client.post("/api/v1/reports", json={"message_text": SCAM}).get_json()
    assert body["verdict"] is None and body["pending"] == ["verdict"]


def _refuse_verdicts(app, on: bool) -> None:
    """A real database failure on storing a verdict only (a trigger), not on the report."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            statements = (["CREATE TRIGGER refuse_verdicts BEFORE UPDATE OF verdict ON reports "
                           "BEGIN SELECT RAISE(ABORT, 'verdicts refused'); END"] if on
                          else ["DROP TRIGGER refuse_verdicts"])
        else:
            statements = (["CREATE FUNCTION refuse_verdicts() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'verdicts refused'; END $$ LANGUAGE plpgsql",
                           "CREATE TRIGGER refuse_verdicts BEFORE UPDATE OF verdict ON reports "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_verdicts()"] if on
                          else ["DROP TRIGGER refuse_verdicts ON reports", "DROP FUNCTION refuse_verdicts()"])
        for statement in statements:
            db.session.execute(sa.text(statement))
        db.session.commit()


def test_a_failure_in_the_fast_path_does_not_fail_the_report(model_app):
    _refuse_verdicts(model_app, True)
    try:
        answer = model_app.test_client().post("/api/v1/reports", json={"message_text": SCAM})
        assert answer.status_code == 201, answer.get_json()
        body = answer.get_json()
        assert body["verdict"] is None and body["pending"] == ["verdict"]
        assert _row(model_app, body["id"])[1] is None
    finally:
        _refuse_verdicts(model_app, False)
    run_jobs(model_app)
    assert _row(model_app, body["id"])[0] is not None  # the job gave it


@pytest.fixture
def crawl_model_app(database_url, redis_url, tmp_path, trained_model_dir, farm):
    app = make_test_app(database_url, redis_url, tmp_path / "instance", MODEL_DIR=str(trained_model_dir),
                        **farm.crawl_settings(), FAST_VERDICT=False)
    yield app
    cleanup_redis(app)
    db.dispose(app)


def test_pending_says_what_is_still_to_come(crawl_model_app, farm, make_user):
    officer = make_user("officer-p", "officer")
    client = crawl_model_app.test_client()
    url = farm.url("chinatax.gov.cn.refund-tax.top")
    body = client.post("/api/v1/reports", json={"message_text": f"退税请登录 {url}"}).get_json()
    assert body["pending"] == ["verdict", "crawl"]
    detail = client.get(f"/api/v1/reports/{body['id']}", headers=officer).get_json()
    assert detail["pending"] == ["verdict", "crawl"] and detail["evidence"] == []
    run_jobs(crawl_model_app)
    detail = client.get(f"/api/v1/reports/{body['id']}", headers=officer).get_json()
    assert detail["pending"] == [] and detail["verdict"] and len(detail["evidence"]) == 1
    no_url = client.post("/api/v1/reports", json={"message_text": "退税请回复银行卡号"}).get_json()
    assert no_url["pending"] == ["verdict"]
