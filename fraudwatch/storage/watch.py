"""Watch lists and alerts: entries, alert channels, alerts (made once, by `dedupe_key`) and
their deliveries. Every query of the watch feature is here; the rules are in
fraudwatch/services/watch*.py and alerts*.py."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.indicators import dialect_insert
from fraudwatch.storage.models import (
    Alert,
    AlertChannel,
    AlertDelivery,
    Indicator,
    Report,
    ReportIndicator,
    User,
    WatchEntry,
    utcnow,
)


def count_entries(session: Session, owner_id: int) -> int:
    """How many entries `owner_id` has."""
    return session.scalar(sa.select(sa.func.count()).where(WatchEntry.owner_id == owner_id)) or 0


def find_entry(session: Session, owner_id: int, kind: str, match_key: str) -> WatchEntry | None:
    """The owner's entry of this kind and key, if any."""
    return session.scalar(sa.select(WatchEntry).where(WatchEntry.owner_id == owner_id, WatchEntry.kind == kind,
                                                      WatchEntry.match_key == match_key))


def entries_of(session: Session, owner_id: int, limit: int, after: int = 0) -> list[WatchEntry]:
    """A page of the owner's entries, oldest first, after entry id `after`."""
    query = (sa.select(WatchEntry).where(WatchEntry.owner_id == owner_id, WatchEntry.id > after)
             .order_by(WatchEntry.id).limit(limit))
    return list(session.scalars(query))


def entry_of(session: Session, owner_id: int, entry_id: int) -> WatchEntry | None:
    """The entry when it belongs to `owner_id` (another owner's is None, as a missing one)."""
    entry = session.get(WatchEntry, entry_id)
    return entry if entry is not None and entry.owner_id == owner_id else None


def active_entries(session: Session) -> list[tuple[int, int, str, str]]:
    """(id, owner id, kind, match key) of every active entry: what the match index is built of."""
    query = sa.select(WatchEntry.id, WatchEntry.owner_id, WatchEntry.kind, WatchEntry.match_key).where(
        WatchEntry.active.is_(True))
    return [tuple(row) for row in session.execute(query)]


def entries_by_id(session: Session, ids: Iterable[int]) -> dict[int, WatchEntry]:
    """Entries by id (the ones that still exist)."""
    ids = list(set(ids))
    if not ids:
        return {}
    return {e.id: e for e in session.scalars(sa.select(WatchEntry).where(WatchEntry.id.in_(ids)))}


def channels_of(session: Session, owner_id: int) -> list[AlertChannel]:
    """The owner's channels, oldest first."""
    return list(session.scalars(sa.select(AlertChannel).where(AlertChannel.owner_id == owner_id)
                                .order_by(AlertChannel.id)))


def channel_of(session: Session, owner_id: int, channel_id: int) -> AlertChannel | None:
    """The channel when it belongs to `owner_id`."""
    channel = session.get(AlertChannel, channel_id)
    return channel if channel is not None and channel.owner_id == owner_id else None


def active_channels(session: Session, owner_ids: Iterable[int]) -> dict[int, list[AlertChannel]]:
    """{owner id: active channels}."""
    ids = list(set(owner_ids))
    out: dict[int, list[AlertChannel]] = {}
    if not ids:
        return out
    query = sa.select(AlertChannel).where(AlertChannel.owner_id.in_(ids), AlertChannel.active.is_(True))
    for channel in session.scalars(query.order_by(AlertChannel.id)):
        out.setdefault(channel.owner_id, []).append(channel)
    return out


def insert_alert(session: Session, row: dict) -> int | None:
    """Insert an alert unless one with its dedupe_key exists (also one another transaction is
    inserting right now: the unique index makes this wait for it); the new id, or None."""
    insert = dialect_insert(session)
    statement = insert(Alert).values(**row, created_at=utcnow()).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(Alert.id)
    return session.execute(statement).scalar()


def insert_entry(session: Session, **fields: object) -> WatchEntry:
    """A new watch entry (flushed: it has its id)."""
    entry = WatchEntry(**fields)
    session.add(entry)
    session.flush()
    return entry


def insert_channel(session: Session, **fields: object) -> AlertChannel:
    """A new alert channel (flushed: it has its id)."""
    channel = AlertChannel(**fields)
    session.add(channel)
    session.flush()
    return channel


def delete_row(session: Session, row: WatchEntry | AlertChannel) -> None:
    """Delete an entry or a channel (their alerts and deliveries go with them)."""
    session.delete(row)
    session.flush()


def add_delivery(session: Session, channel_id: int, alert_id: int | None) -> AlertDelivery:
    """A pending delivery of an alert (None: a test message) to a channel."""
    delivery = AlertDelivery(channel_id=channel_id, alert_id=alert_id, status="pending", attempts=0)
    session.add(delivery)
    session.flush()
    return delivery


def claim_delivery(session: Session, delivery_id: int, until: datetime) -> bool:
    """Take a pending delivery for one attempt (its next_attempt_at moved to `until`, a lease);
    False when it is done, failed, or another worker holds it."""
    now = utcnow()
    result = session.execute(sa.update(AlertDelivery).where(
        AlertDelivery.id == delivery_id, AlertDelivery.status == "pending",
        sa.or_(AlertDelivery.next_attempt_at.is_(None), AlertDelivery.next_attempt_at <= now),
    ).values(next_attempt_at=until).execution_options(synchronize_session=False))
    return result.rowcount == 1


def get_delivery(session: Session, delivery_id: int) -> AlertDelivery | None:
    """A delivery re-read from the database."""
    return session.get(AlertDelivery, delivery_id, populate_existing=True)


def delivery_parts(session: Session, delivery_id: int) -> tuple[AlertDelivery, AlertChannel, Alert | None,
                                                                 WatchEntry | None, User] | None:
    """A delivery with its channel, alert, entry and the channel's owner."""
    delivery = get_delivery(session, delivery_id)
    if delivery is None:
        return None
    channel = session.get(AlertChannel, delivery.channel_id)
    alert = session.get(Alert, delivery.alert_id) if delivery.alert_id else None
    entry = session.get(WatchEntry, alert.entry_id) if alert else None
    return delivery, channel, alert, entry, session.get(User, channel.owner_id)


def alerts_of(session: Session, owner_id: int, limit: int, before: int | None = None) -> list[Alert]:
    """The owner's alerts, newest first, before alert id `before`."""
    query = sa.select(Alert).where(Alert.owner_id == owner_id)
    if before:
        query = query.where(Alert.id < before)
    return list(session.scalars(query.order_by(Alert.id.desc()).limit(limit)))


def deliveries_of(session: Session, owner_id: int, limit: int, before: int | None = None,
                  alert_ids: Sequence[int] = ()) -> list[tuple[AlertDelivery, AlertChannel]]:
    """The owner's deliveries (with their channel), newest first."""
    query = (sa.select(AlertDelivery, AlertChannel).join(AlertChannel, AlertChannel.id == AlertDelivery.channel_id)
             .where(AlertChannel.owner_id == owner_id))
    if before:
        query = query.where(AlertDelivery.id < before)
    if alert_ids:
        query = query.where(AlertDelivery.alert_id.in_(list(alert_ids)))
    return [tuple(row) for row in session.execute(query.order_by(AlertDelivery.id.desc()).limit(limit))]



def report_subject(session: Session, report_id: int) -> tuple[Report | None, list[tuple[str, str, str | None, str]]]:
    """A report and (type, value, host, display) of every indicator linked to it."""
    report = session.get(Report, report_id)
    if report is None:
        return None, []
    query = (sa.select(Indicator.type, Indicator.value, Indicator.host, Indicator.display)
             .join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
             .where(ReportIndicator.report_id == report_id))
    return report, [tuple(row) for row in session.execute(query)]


def indicator_row(session: Session, indicator_id: int) -> tuple[str, str, str | None, str, str] | None:
    """(type, value, host, display, status) of an indicator."""
    row = session.execute(sa.select(Indicator.type, Indicator.value, Indicator.host, Indicator.display,
                                    Indicator.status).where(Indicator.id == indicator_id)).first()
    return tuple(row) if row else None


def entries_signature(session: Session) -> tuple[int, int]:
    """(count, largest id) of the watch entries: changes whenever one is added or removed."""
    count, top = session.execute(sa.select(sa.func.count(), sa.func.max(WatchEntry.id))).one()
    return int(count or 0), int(top or 0)
