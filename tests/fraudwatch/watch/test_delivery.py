"""Delivering alerts: signed webhooks to a real receiver on 127.0.0.1, retries with backoff,
the crawler's address guard, no redirects, e-mail to a real local SMTP server (escaped, in
the owner's language), and the signature check receivers use."""
from __future__ import annotations

import json
import socket
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.services import alerts, outbox, watch
from fraudwatch.services.watch_index import Match
from fraudwatch.services.webhook_signature import sign, signature, verify_signature
from fraudwatch.storage import users
from fraudwatch.storage.models import AlertDelivery, PendingJob, utcnow
from tests.conftest import cleanup_redis, make_test_app, run_jobs
from tests.fraudwatch.watch.conftest import watch_config
from tests.fraudwatch.watch.receivers import WebhookReceiver


@pytest.fixture
def app(database_url, redis_url, tmp_path, smtp):
    application = make_test_app(database_url, redis_url, tmp_path / "instance", **watch_config(smtp.port))
    yield application
    cleanup_redis(application)
    db.dispose(application)


@pytest.fixture
def guarded_app(database_url, redis_url, tmp_path, smtp):
    """The production address policy: no private network allowed."""
    config = {**watch_config(smtp.port), "CRAWL_ALLOW_NETWORKS": (), "CRAWL_RESOLVE": ()}
    application = make_test_app(database_url, redis_url, tmp_path / "instance", **config)
    yield application
    cleanup_redis(application)
    db.dispose(application)


def _alert(app, target: str, kind: str = "webhook", label: str | None = "our site", language: str | None = None):
    """A user watching example-corp.com with one channel, and one alert of a lookalike; (secret, alert id)."""
    with app.app_context():
        user = users.create_user(db.session, "acme", "enterprise")
        user.language = language
        db.session.commit()
        entry = watch.add_entry(user, "domain", "example-corp.com", label)
        channel, secret = watch.add_channel(user, kind, target)
        ids = alerts.record([Match(entry.id, user.id, "lookalike", "domain:examp1e-corp-tax.com",
                                   {"domain": "examp1e-corp-tax.com", "watched": "example-corp.com"})], "report", 1)
        return secret, ids[0]


def _deliveries(app) -> list[AlertDelivery]:
    with app.app_context():
        return db.session.scalars(sa.select(AlertDelivery).order_by(AlertDelivery.id)).all()


def _make_due(app) -> None:
    """Let the clock pass the backoff: the retry job and its delivery are due now, and pumped."""
    with app.app_context():
        past = utcnow() - timedelta(seconds=1)
        db.session.execute(sa.update(PendingJob).where(PendingJob.done_at.is_(None)).values(not_before=past))
        db.session.execute(sa.update(AlertDelivery).where(AlertDelivery.status == "pending")
                           .values(next_attempt_at=past))
        db.session.commit()
        outbox.pump()


def test_a_500_then_200_is_delivered_on_the_second_attempt_after_backoff(app):
    receiver = WebhookReceiver([500])
    try:
        receiver.secret, _ = _alert(app, receiver.url)
        before = utcnow()
        run_jobs(app)
        [first] = _deliveries(app)
        assert (first.status, first.attempts, first.response_status) == ("pending", 1, 500)
        assert "HTTP 500" in first.last_error
        wait = (first.next_attempt_at - before).total_seconds()
        assert 29 <= wait <= 31 + (utcnow() - before).total_seconds()  # the first backoff: 30 s
        run_jobs(app)  # not due yet: nothing is sent
        assert len(receiver.received) == 1
        _make_due(app)
        run_jobs(app)
        [second] = _deliveries(app)
        assert (second.status, second.attempts, second.response_status) == ("delivered", 2, 200)
        assert second.last_error is None and second.delivered_at is not None
        assert [r["verified"] for r in receiver.received] == [True, True]
        bodies = [json.loads(r["body"]) for r in receiver.received]
        assert bodies[0]["alert_id"] == bodies[1]["alert_id"]
        assert receiver.received[0]["headers"]["X-Fraudwatch-Delivery"] == str(second.id)
    finally:
        receiver.close()


def test_attempts_stop_at_the_maximum(app):
    app.config["ALERT_MAX_ATTEMPTS"] = 2
    receiver = WebhookReceiver([503, 503, 503])
    try:
        receiver.secret, _ = _alert(app, receiver.url)
        run_jobs(app)
        _make_due(app)
        run_jobs(app)
        [delivery] = _deliveries(app)
        assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)
        _make_due(app)
        run_jobs(app)
        assert len(receiver.received) == 2
    finally:
        receiver.close()


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/hook", "http://10.0.0.7/hook", "http://[::1]:{port}/",
                                    "http://169.254.169.254/latest/meta-data/", "http://0x7f000001:{port}/",
                                    "http://2130706433:{port}/"])
def test_a_private_target_is_refused_by_the_guard(guarded_app, receiver, target):
    _alert(guarded_app, target.format(port=receiver.url.split(":")[2].split("/")[0]))
    run_jobs(guarded_app)
    [delivery] = _deliveries(guarded_app)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error.startswith(("blocked_address", "bad_url")), delivery.last_error
    assert receiver.received == []


def test_redirects_are_not_followed(app):
    receiver = WebhookReceiver([302])
    try:
        receiver.secret, _ = _alert(app, receiver.url)
        run_jobs(app)
        [delivery] = _deliveries(app)
        assert (delivery.status, delivery.response_status) == ("failed", 302)
        assert "redirects are not followed" in delivery.last_error and len(receiver.received) == 1
    finally:
        receiver.close()


def test_email_is_escaped_defanged_and_in_the_owners_language(app, smtp):
    _alert(app, "ops@example-corp.com", kind="email", label='<script>alert("x")</script><img src=x onerror=1>',
           language="en")
    run_jobs(app)
    [delivery] = _deliveries(app)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 250)
    [mail] = smtp.messages
    message = mail["message"]
    assert mail["to"] == ["ops@example-corp.com"] and message["Subject"].startswith("fraudwatch watch alert")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "a lookalike domain appeared" in text and "examp1e-corp-tax[.]com" in text
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "examp1e-corp-tax.com" not in html


def test_smtp_down_is_retried(app):
    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        app.config["SMTP_PORT"] = free.getsockname()[1]
    _alert(app, "ops@example-corp.com", kind="email")
    run_jobs(app)
    [delivery] = _deliveries(app)
    assert (delivery.status, delivery.attempts) == ("pending", 1) and delivery.last_error.startswith("SMTP")
    assert delivery.next_attempt_at > utcnow()


def test_test_button_through_the_api(app, make_user):
    receiver = WebhookReceiver()
    try:
        auth = make_user("acme", "enterprise")
        client = app.test_client()
        channel = client.post("/api/v1/watch/channels", headers=auth, json={"kind": "webhook", "target": receiver.url})
        receiver.secret = channel.get_json()["secret"]
        sent = client.post(f"/api/v1/watch/channels/{channel.get_json()['id']}/test", headers=auth)
        assert sent.status_code == 202
        run_jobs(app)
        [call] = receiver.received
        assert call["verified"] and json.loads(call["body"])["event"] == "test"
        log = client.get("/api/v1/watch/deliveries", headers=auth).get_json()["deliveries"]
        assert [(d["id"], d["status"], d["alert_id"], d["attempts"]) for d in log] == [
            (sent.get_json()["delivery_id"], "delivered", None, 1)]
    finally:
        receiver.close()


def test_verify_signature():
    body, secret, now = b'{"event":"test"}', "s3cret", int(time.time())
    header = sign(secret, body, now)
    assert header == f"t={now},v1={signature(secret, now, body)}"
    assert verify_signature(secret, header, body)
    assert verify_signature(secret, f"t={now},v1={'0' * 64},v1={signature(secret, now, body)}", body)  # rotation
    assert not verify_signature("other", header, body)
    assert not verify_signature(secret, header, body + b" ")
    assert not verify_signature(secret, sign(secret, body, now - 301), body)  # replayed too late
    assert not verify_signature(secret, sign(secret, body, now + 301), body)  # from the future
    assert verify_signature(secret, sign(secret, body, now - 299), body)
    for bad in (None, "", "garbage", f"t={now}", f"v1={signature(secret, now, body)}", "t=x,v1=y",
                f"t={now},v1={signature(secret, now, body)[:-1]}", "t=" + "9" * 40 + ",v1=" + "a" * 64, "," * 5000):
        assert not verify_signature(secret, bad, body), bad
    assert not verify_signature("", sign("", body, now), body)  # no secret, no trust
