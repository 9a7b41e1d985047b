"""Sending alerts: one attempt of one delivery per job, every attempt written to its row.

A job (`deliver_alert`, fraudwatch/jobs/tasks.py) claims its delivery (a lease: two workers
never send it at once), sends it, and records the attempt (count, answer status, error).
A failure that may pass (network, timeout, 5xx, 408/429, SMTP down) schedules the next
attempt as a new pending job after BACKOFF seconds (30 s, 2 min, 10 min, 1 h), until
ALERT_MAX_ATTEMPTS attempts; a refusal that will not pass (the address guard refuses the
target, a bad URL, another 3xx/4xx answer: redirects are not followed) fails at once.

Webhooks: POST of the JSON document with `X-Fraudwatch-Timestamp`, `X-Fraudwatch-Signature`
(services/webhook_signature.py), `X-Fraudwatch-Delivery` and `X-Fraudwatch-Event`, through
the crawler's address guard (crawlers/webhook.py, the CRAWL_ALLOW_NETWORKS and
CRAWL_ALLOWED_PORTS settings). E-mail: smtplib to SMTP_HOST:SMTP_PORT, plain text and HTML
(every value escaped) in the owner's language (zh, else en)."""
from __future__ import annotations

import json
import logging
import smtplib
import threading
import time
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app

from crawlers.errors import FetchError
from crawlers.netguard import DEFAULT_ALLOWED_PORTS
from crawlers.webhook import WebhookPoster
from fraudwatch.infra.extensions import db
from fraudwatch.services import alert_mail, alerts
from fraudwatch.services.webhook_signature import HEADER, TIMESTAMP_HEADER, sign
from fraudwatch.storage import watch as store
from fraudwatch.storage.models import utcnow
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
BACKOFF = (30, 120, 600, 3600)  # seconds before attempt 2, 3, 4, 5...
LEASE = timedelta(seconds=120)  # one attempt's claim
PERMANENT = {"bad_url", "bad_scheme", "bad_port", "blocked_address"}
RETRY_STATUSES = {408, 425, 429}
_posters: dict[tuple, WebhookPoster] = {}
_posters_lock = threading.Lock()


class DeliveryBusy(RuntimeError):
    """Another worker holds this delivery's claim: the job is tried again later."""


def deliver(delivery_id: int) -> str:
    """One attempt of a delivery; what became of it (delivered, retrying, failed, skipped)."""
    claimed = in_transaction(db.session, lambda: _claim(delivery_id))
    if claimed == "busy":
        raise DeliveryBusy(f"delivery {delivery_id} is being sent by another worker")
    if claimed != "claimed":
        return "skipped"
    delivery, channel, alert, entry, owner = store.delivery_parts(db.session, delivery_id)
    document = payload(delivery, alert, entry)
    db.session.rollback()
    try:
        status, error, retry = _send(channel, owner, document)
    except Exception as exc:  # noqa: BLE001 - any failure is an attempt recorded and retried
        log.exception("delivery %s failed", delivery_id)
        status, error, retry = None, f"{type(exc).__name__}: {exc}", True
    return _record(delivery_id, status, error, retry)


def _claim(delivery_id: int) -> str:
    delivery = store.get_delivery(db.session, delivery_id)
    if delivery is None or delivery.status != "pending":
        return "done"
    return "claimed" if store.claim_delivery(db.session, delivery_id, utcnow() + LEASE) else "busy"


def _record(delivery_id: int, status: int | None, error: str | None, retry: bool) -> str:
    maximum = current_app.config["ALERT_MAX_ATTEMPTS"]

    def work() -> tuple[str, object]:
        delivery = store.get_delivery(db.session, delivery_id)
        delivery.attempts += 1
        delivery.response_status = status
        delivery.last_error = error[:2000] if error else None
        if error is None:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", utcnow(), None
            return "delivered", None
        if not retry or delivery.attempts >= maximum:
            delivery.status, delivery.next_attempt_at = "failed", None
            return "failed", None
        delivery.next_attempt_at = utcnow() + timedelta(seconds=BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1])
        alerts.schedule_retry(delivery_id, delivery.next_attempt_at)  # with the attempt: never one without the other
        return "retrying", delivery.next_attempt_at

    outcome, _when = in_transaction(db.session, work)
    log.info("delivery %s: %s (%s)", delivery_id, outcome, error or status)
    return outcome


def payload(delivery, alert, entry) -> dict:
    """The JSON document of a delivery (an alert, or a test message)."""
    if alert is None:
        return {"event": "test", "delivery_id": delivery.id, "channel_id": delivery.channel_id,
                "created_at": delivery.created_at.isoformat(),
                "message": "A test message from fraudwatch: this channel receives watch-list alerts."}
    return {"event": "alert", "delivery_id": delivery.id, "alert_id": alert.id, "reason": alert.reason,
            "created_at": alert.created_at.isoformat(),
            "entry": {"id": alert.entry_id, "kind": entry.kind if entry else None,
                      "value": entry.value if entry else None, "label": entry.label if entry else None},
            "subject": {"type": alert.subject_type, "id": alert.subject_id, "value": alert.subject},
            "detail": alert.detail or {}}


def _send(channel, owner, document: dict) -> tuple[int | None, str | None, bool]:
    """(answer status, error or None, whether to retry)."""
    if channel is None or not channel.active:
        return None, "the channel was removed or disabled", False
    if channel.kind == "webhook":
        return _post(channel, document)
    return _mail(channel, owner, document)


def poster() -> WebhookPoster:
    """This process's webhook poster under the crawler's address settings."""
    config = current_app.config
    ports = config.get("CRAWL_ALLOWED_PORTS")
    key = (tuple(config.get("CRAWL_ALLOW_NETWORKS") or ()), tuple(config.get("CRAWL_RESOLVE") or ()),
           "any" if ports == "any" else tuple(ports or ()), config["ALERT_WEBHOOK_TIMEOUT"])
    with _posters_lock:
        if key not in _posters:
            allowed = None if ports == "any" else frozenset(ports) if ports else DEFAULT_ALLOWED_PORTS
            _posters[key] = WebhookPoster(allow_networks=key[0], resolve=key[1], allowed_ports=allowed,
                                          timeout=key[3])
        return _posters[key]


def _post(channel, document: dict) -> tuple[int | None, str | None, bool]:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    stamp = int(time.time())
    headers = {"Content-Type": "application/json; charset=utf-8", TIMESTAMP_HEADER: str(stamp),
               HEADER: sign(channel.secret or "", body, stamp), "X-Fraudwatch-Event": document["event"],
               "X-Fraudwatch-Delivery": str(document["delivery_id"])}
    try:
        answer = poster().post(channel.target, body, headers)
    except FetchError as exc:
        return None, f"{exc.code}: {exc}"[:500], exc.code not in PERMANENT
    if 200 <= answer.status < 300:
        return answer.status, None, False
    retry = answer.status >= 500 or answer.status in RETRY_STATUSES
    what = "redirects are not followed" if 300 <= answer.status < 400 else "the receiver refused it"
    return answer.status, f"HTTP {answer.status}: {what}", retry


def _mail(channel, owner, document: dict) -> tuple[int | None, str | None, bool]:
    config = current_app.config
    if not config["SMTP_HOST"]:
        return None, "no SMTP server configured (FRAUDWATCH_SMTP_HOST)", True
    subject, text, html = alert_mail.render(document, (owner.language if owner else None) or "zh")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["SMTP_FROM"], channel.target, subject
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        return None, f"SMTP refused the address: {exc}"[:500], False
    except (smtplib.SMTPException, OSError) as exc:
        return None, f"SMTP: {type(exc).__name__}: {exc}"[:500], True
    if refused:
        return None, f"SMTP refused: {refused}"[:500], False
    return 250, None, False
