"""Delisting: an accepted appeal takes an indicator off the lists (`indicators.delisted_at`),
and only a NEW confirmation puts it back.

A delisted indicator keeps its reports, counts and derived status (what officers decided
about each report stays true), but `delisted_at` overrides them wherever it is published:
the feeds leave it out and lookups show it as `delisted`, not fraud. Recounting it
(`indicators.refresh_indicators`) never lifts that by itself: an old report confirmed again,
a report reopened, a crawl of a page already known, all leave it delisted. It is listed
again only when a report linked to it was confirmed by an officer after the delisting (a
status change to `confirmed` later than `delisted_at`, the report still confirmed): then
`delisted_at` is cleared and the audit trail says which report did it (actor `system`)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import Indicator, Report, ReportIndicator, StatusChange


def delist(session: Session, indicator: Indicator, at: datetime) -> None:
    """Take a (locked) indicator off the lists from `at` (a delisted one keeps its date)."""
    if indicator.delisted_at is None:
        indicator.delisted_at = at


def confirmed_since(session: Session, indicator_id: int, since: datetime) -> int | None:
    """A report linked to the indicator, confirmed now, whose confirmation came after `since`."""
    query = (sa.select(StatusChange.report_id)
             .join(ReportIndicator, ReportIndicator.report_id == StatusChange.report_id)
             .join(Report, Report.id == StatusChange.report_id)
             .where(ReportIndicator.indicator_id == indicator_id, StatusChange.to_status == "confirmed",
                    StatusChange.created_at > since, Report.status == "confirmed")
             .order_by(StatusChange.id).limit(1))
    return session.scalars(query).first()


def relist_if_confirmed_again(session: Session, indicator: Indicator) -> bool:
    """List a delisted (locked) indicator again when a report was confirmed after its
    delisting; record why in the audit trail. Whether it was."""
    if indicator.delisted_at is None:
        return False
    report_id = confirmed_since(session, indicator.id, indicator.delisted_at)
    if report_id is None:
        return False
    add_audit_event(session, actor="system", action="indicator.relist", target_type="indicator",
                    target_id=indicator.id, detail={"report_id": report_id,
                                                    "delisted_at": indicator.delisted_at.isoformat()})
    indicator.delisted_at = None
    return True
