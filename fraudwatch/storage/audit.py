"""The audit trail (`audit_events`): its one writer. Erasures and restores record what they
did here, in the transaction that did it; reading and scrubbing the trail is the erasure's
(`fraudwatch.storage.erasure.audit_events`).

The audit log viewer reads it with `list_audit_events` (filters, keyset paging by id).

Where an action came from (`address`) is given by the caller, else taken from the address
bound for the current request (`bind_address`, set by the web layer at each request start)."""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import AuditEvent

_request_address: ContextVar[str | None] = ContextVar("fw_audit_address", default=None)


def bind_address(address: str | None) -> None:
    """Note the address of the request being served (None when it ends)."""
    _request_address.set(address[:64] if address else None)


def add_audit_event(session: Session, *, actor: str, action: str, target_type: str | None = None,
                    target_id: int | None = None, detail: dict | None = None,
                    address: str | None = None) -> AuditEvent:
    """Record an action on people's data or the system (erasure, restore) in `audit_events`."""
    address = address or _request_address.get()
    event = AuditEvent(actor=actor[:120], action=action[:32], target_type=target_type, target_id=target_id,
                       detail=detail, address=address[:64] if address else None)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log viewer asks for (every field optional)."""

    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def list_audit_events(session: Session, where: AuditFilter, *, before_id: int | None = None,
                      limit: int = 50) -> tuple[list[AuditEvent], int | None]:
    """Events matching `where`, newest first, `limit` at a time after the keyset `before_id`;
    returns (events, the `before_id` of the next page or None)."""
    query = sa.select(AuditEvent)
    for column, value in ((AuditEvent.actor, where.actor), (AuditEvent.action, where.action),
                          (AuditEvent.target_type, where.target_type), (AuditEvent.target_id, where.target_id)):
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(AuditEvent.created_at >= where.since)
    if where.until is not None:
        query = query.where(AuditEvent.created_at < where.until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    events = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).all())
    more = len(events) > limit
    return events[:limit], (events[limit - 1].id if more else None)


def audit_actions(session: Session) -> list[str]:
    """The actions recorded so far (for the viewer's filter)."""
    return list(session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all())
