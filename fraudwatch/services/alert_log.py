"""What a watcher reads of their alerts: the alerts with their deliveries, and the delivery
log (every delivery, test messages included, with attempts, answer and error)."""
from __future__ import annotations

from fraudwatch.infra.extensions import db
from fraudwatch.storage import watch as store
from fraudwatch.storage.models import AlertChannel, AlertDelivery, User

PAGE = 50


def delivery_json(delivery: AlertDelivery, channel: AlertChannel) -> dict:
    """A delivery as listed."""
    def iso(value):
        return value.isoformat() if value else None

    return {"id": delivery.id, "alert_id": delivery.alert_id, "channel_id": channel.id, "channel_kind": channel.kind,
            "target": channel.target, "status": delivery.status, "attempts": delivery.attempts,
            "response_status": delivery.response_status, "last_error": delivery.last_error,
            "created_at": iso(delivery.created_at), "delivered_at": iso(delivery.delivered_at),
            "next_attempt_at": iso(delivery.next_attempt_at)}


def alerts_page(user: User, limit: int = PAGE, before: int | None = None) -> tuple[list[dict], int | None]:
    """The user's alerts, newest first, each with its deliveries; and the id to page on."""
    found = store.alerts_of(db.session, user.id, limit + 1, before)
    more, found = len(found) > limit, found[:limit]
    deliveries: dict[int, list[dict]] = {}
    if found:
        for delivery, channel in store.deliveries_of(db.session, user.id, 1000, alert_ids=[a.id for a in found]):
            deliveries.setdefault(delivery.alert_id, []).append(delivery_json(delivery, channel))
    out = [{"id": a.id, "entry_id": a.entry_id, "reason": a.reason, "subject_type": a.subject_type,
            "subject_id": a.subject_id, "subject": a.subject, "detail": a.detail or {},
            "created_at": a.created_at.isoformat(), "deliveries": deliveries.get(a.id, [])} for a in found]
    return out, found[-1].id if more else None


def deliveries_page(user: User, limit: int = PAGE, before: int | None = None) -> tuple[list[dict], int | None]:
    """The user's delivery log, newest first; and the id to page on."""
    rows = store.deliveries_of(db.session, user.id, limit + 1, before)
    more, rows = len(rows) > limit, rows[:limit]
    return [delivery_json(d, c) for d, c in rows], rows[-1][0].id if more else None
