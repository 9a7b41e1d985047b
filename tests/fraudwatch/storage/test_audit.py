"""The audit trail is append-only in the database itself: a row cannot be deleted and only
its `detail` can change (an erasure scrubs personal data from it), whatever code asks."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import AuditEvent


def _event(app) -> int:
    with app.app_context():
        event = add_audit_event(db.session, actor="officer-1", action="login", target_type="user", target_id=1,
                                detail={"contact": "+8613800000000"})
        db.session.commit()
        return event.id


@pytest.mark.parametrize("change", [
    sa.delete(AuditEvent),
    sa.update(AuditEvent).values(actor="someone-else"),
    sa.update(AuditEvent).values(action="nothing"),
    sa.update(AuditEvent).values(address="10.0.0.1"),
])
def test_rows_cannot_be_deleted_or_rewritten(app, change):
    event_id = _event(app)
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(change.where(AuditEvent.id == event_id))
            db.session.flush()
        db.session.rollback()
        kept = db.session.get(AuditEvent, event_id)
        assert (kept.actor, kept.action, kept.address) == ("officer-1", "login", None)


def test_detail_can_be_scrubbed(app):
    event_id = _event(app)
    with app.app_context():
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event_id).values(detail={"contact": "[erased]"}))
        db.session.commit()
        assert db.session.get(AuditEvent, event_id).detail == {"contact": "[erased]"}
