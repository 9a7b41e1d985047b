"""Alerts: a watch entry's match made once, and one delivery of it per active channel.

`record(matches, ...)` inserts an alert per (entry, reason, subject) unless its dedupe_key
(SHA-256 of those three) exists: the unique index settles two workers racing, so a report
processed twice, or a second report naming the same lookalike, makes no second alert. Each
new alert gets a delivery per active channel of its owner and a pending job
(`deliver_alert`, fraudwatch/jobs/tasks.py) in the same transaction, enqueued after the commit
(the pump enqueues it if Redis was down). `send_test(channel)` makes a delivery without an
alert. Sending, retries and the delivery log are in services/alert_delivery.py."""
from __future__ import annotations

import hashlib
import logging

from fraudwatch.infra.extensions import db
from fraudwatch.services import outbox
from fraudwatch.services.watch_index import Match
from fraudwatch.storage import pending
from fraudwatch.storage import watch as store
from fraudwatch.storage.models import AlertChannel
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
DELIVER_JOB = "deliver_alert"
QUEUE = "live"  # alerts are small and wanted soon: the live queue


def dedupe_key(entry_id: int, reason: str, subject: str) -> str:
    """The key that makes an alert once: SHA-256 of entry, reason and subject."""
    return hashlib.sha256(f"{entry_id}\x1f{reason}\x1f{subject}".encode()).hexdigest()


def record(matches: list[Match], subject_type: str, subject_id: int | None) -> list[int]:
    """Alerts for the matches that are new (and their deliveries, queued); the new alert ids."""
    if not matches:
        return []

    def work() -> tuple[list[int], list[int]]:
        entries = store.entries_by_id(db.session, (m.entry_id for m in matches))
        channels = store.active_channels(db.session, {m.owner_id for m in matches})
        created, jobs = [], []
        for m in sorted(matches, key=lambda m: (m.entry_id, m.reason, m.subject)):
            entry = entries.get(m.entry_id)
            if entry is None or not entry.active:
                continue  # removed since the index was built
            detail = {**m.detail, "entry": {"kind": entry.kind, "value": entry.value, "label": entry.label}}
            alert_id = store.insert_alert(db.session, {
                "owner_id": m.owner_id, "entry_id": m.entry_id, "reason": m.reason, "subject_type": subject_type,
                "subject_id": subject_id, "subject": m.subject[:2100], "detail": detail,
                "dedupe_key": dedupe_key(m.entry_id, m.reason, m.subject)})
            if alert_id is None:
                continue  # alerted already
            created.append(alert_id)
            jobs += _deliveries(alert_id, channels.get(m.owner_id, []))
        return created, jobs

    created, jobs = in_transaction(db.session, work)
    if created:
        log.info("%d new alert(s) from %s %s", len(created), subject_type, subject_id)
    outbox.try_enqueue(jobs, QUEUE)
    return created


def _deliveries(alert_id: int | None, channels: list[AlertChannel]) -> list[int]:
    jobs = []
    for channel in channels:
        delivery = store.add_delivery(db.session, channel.id, alert_id)
        jobs.append(pending.add_pending(db.session, DELIVER_JOB, delivery.id, QUEUE).id)
    return jobs


def send_test(channel: AlertChannel) -> int:
    """Queue a test message to a channel; the delivery id (see the delivery log)."""
    def work() -> tuple[int, int]:
        delivery = store.add_delivery(db.session, channel.id, None)
        return delivery.id, pending.add_pending(db.session, DELIVER_JOB, delivery.id, QUEUE).id

    delivery_id, job = in_transaction(db.session, work)
    outbox.try_enqueue([job], QUEUE)
    return delivery_id


def schedule_retry(delivery_id: int, when) -> None:
    """A pending job for the next attempt of a delivery, not enqueued before `when` (the pump
    enqueues it then), in the caller's transaction."""
    job = pending.add_pending(db.session, DELIVER_JOB, delivery_id, QUEUE)
    job.not_before = when
