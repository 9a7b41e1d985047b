"""The audit trail (`audit_events`): its one writer. Erasures and restores record what they
did here, in the transaction that did it; reading and scrubbing the trail is the erasure's
(`fraudwatch.storage.erasure.audit_events`).

Where an action came from (`address`) is given by the caller, else taken from the address
bound for the current request (`bind_address`, set by the web layer at each request start)."""
from __future__ import annotations

from contextvars import ContextVar

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
