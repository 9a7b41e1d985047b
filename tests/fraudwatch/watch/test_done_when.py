"""Issue #12's Done-when for watch lists, end to end: an enterprise watches example-corp.com
with a webhook and an e-mail channel; a public report naming the lookalike examp1e-corp-tax.com
is processed by the worker -> exactly one signed webhook (verified by the receiver with
verify_signature) and exactly one e-mail, even when the report is processed twice and a
second report names the same lookalike."""
from __future__ import annotations

import json

import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage import pending
from fraudwatch.storage.models import Alert, AlertDelivery, PendingJob
from tests.conftest import run_jobs
from tests.fraudwatch.watch.conftest import LOOKALIKE

SMS = ("【国家税务总局】尊敬的企业用户，贵司有一笔增值税留抵退税 32,800 元待领取，"
       f"请于今日内登录 {LOOKALIKE} 填写对公账户与法人银行卡信息完成办理。")
SMS2 = f"【电子税务局】您的发票查验插件已过期，请访问 http://{LOOKALIKE}/plugin 下载更新，逾期将影响开票。"


def _enterprise(client, make_user) -> dict:
    return make_user("example-corp", "enterprise")


def test_lookalike_report_sends_one_signed_webhook_and_one_email(watch_app, make_user, receiver, smtp):
    client = watch_app.test_client()
    auth = _enterprise(client, make_user)
    entry = client.post("/api/v1/watch/entries", headers=auth,
                        json={"kind": "domain", "value": "https://www.Example-Corp.com/", "label": "our site"})
    assert entry.status_code == 201, entry.get_json()
    assert entry.get_json()["match_key"] == "example-corp.com"
    hook = client.post("/api/v1/watch/channels", headers=auth, json={"kind": "webhook", "target": receiver.url})
    assert hook.status_code == 201
    receiver.secret = hook.get_json()["secret"]
    assert client.post("/api/v1/watch/channels", headers=auth,
                       json={"kind": "email", "target": "security@example-corp.com"}).status_code == 201

    first = client.post("/api/v1/reports", json={"message_text": SMS, "channel": "sms"}).get_json()["id"]
    run_jobs(watch_app)
    # the same report processed again (a worker retried it), and a second report of the same lookalike
    with watch_app.app_context():
        job = pending.add_pending(db.session, "process_report", first, "live")
        db.session.commit()
        from fraudwatch.services import outbox
        outbox.try_enqueue([job.id])
    client.post("/api/v1/reports", json={"message_text": SMS2, "channel": "sms"})
    run_jobs(watch_app)

    assert len(receiver.received) == 1
    call = receiver.received[0]
    assert call["verified"] is True
    assert call["headers"]["X-Fraudwatch-Signature"].startswith(f"t={call['headers']['X-Fraudwatch-Timestamp']},v1=")
    document = json.loads(call["body"])
    assert document["event"] == "alert" and document["reason"] == "lookalike"
    assert document["subject"]["value"] == f"domain:{LOOKALIKE}"
    assert document["entry"]["value"] == "example-corp.com" and document["detail"]["watched"] == "example-corp.com"

    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["to"] == ["security@example-corp.com"]
    text = mail["message"].get_body(("plain",)).get_content()
    assert "examp1e-corp-tax[.]com" in text and "仿冒域名" in text  # the owner's language: zh by default
    assert "examp1e-corp-tax.com" not in text  # defanged: never a link

    with watch_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 1
        deliveries = db.session.scalars(sa.select(AlertDelivery)).all()
        assert sorted(d.status for d in deliveries) == ["delivered", "delivered"]
        assert all(d.attempts == 1 for d in deliveries)
        jobs = db.session.scalars(sa.select(PendingJob).where(PendingJob.kind == "deliver_alert")).all()
        assert all(j.done_at is not None for j in jobs)
    listed = client.get("/api/v1/watch/alerts", headers=auth).get_json()
    assert len(listed["alerts"]) == 1 and listed["alerts"][0]["deliveries"][0]["status"] == "delivered"


def test_a_report_naming_nothing_watched_makes_no_alert(watch_app, make_user, receiver):
    client = watch_app.test_client()
    auth = _enterprise(client, make_user)
    client.post("/api/v1/watch/entries", headers=auth, json={"kind": "domain", "value": "example-corp.com"})
    client.post("/api/v1/watch/channels", headers=auth, json={"kind": "webhook", "target": receiver.url})
    client.post("/api/v1/reports", json={"channel": "sms", "message_text":
                                         "【税务】您有退税待领取，请登录 http://chinatax-refund.top 办理"})
    run_jobs(watch_app)
    assert receiver.received == []
    with watch_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 0
