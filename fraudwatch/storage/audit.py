"""The audit trail (`audit_events`): its one writer. Erasures and restores record what they
did here, in the transaction that did it; reading and scrubbing the trail is the erasure's
(`fraudwatch.storage.erasure.audit_events`)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from fraudwatch.storage.models import AuditEvent


def add_audit_event(session: Session, *, actor: str, action: str, target_type: str | None = None,
                    target_id: int | None = None, detail: dict | None = None) -> AuditEvent:
    """Record an action on people's data or the system (erasure, restore) in `audit_events`."""
    event = AuditEvent(actor=actor[:120], action=action[:32], target_type=target_type, target_id=target_id,
                       detail=detail)
    session.add(event)
    session.flush()
    return event
