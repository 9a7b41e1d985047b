"""Queries of the erasure of a reporter's personal data (the audit trail is written by
`fraudwatch.storage.audit`).

Every function runs inside the caller's transaction; none commits. `fraudwatch.services.erasure`
decides what to change, these find, lock, unlink and delete the rows.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage import reports as report_store
from fraudwatch.storage.models import (
    Appeal,
    AuditEvent,
    Evidence,
    Indicator,
    PendingJob,
    Report,
    ReportIndicator,
    StatusChange,
)

CHUNK = 500  # ids per IN (...): below every backend's limit on bound parameters
REPORT_JOBS = ("process_report", "classify_report")  # pending jobs whose target is a report


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def reports_with_contact(session: Session, matches: Callable[[str], bool]) -> list[int]:
    """Ids of the reports whose reporter contact `matches` accepts (the comparison is made in
    Python: e-mail case and phone formats are beyond portable SQL; no LIKE is involved)."""
    query = (sa.select(Report.id, Report.reporter_contact).where(Report.reporter_contact.is_not(None))
             .order_by(Report.id).execution_options(yield_per=5000))
    return [report_id for report_id, contact in session.execute(query) if matches(contact)]


def appeals_with_contact(session: Session, matches: Callable[[str], bool]) -> list[Appeal]:
    """The appeals whose appellant's e-mail or phone `matches` accepts, locked until commit
    (PostgreSQL), oldest first."""
    query = sa.select(Appeal.id, Appeal.contact_email, Appeal.contact_phone).order_by(Appeal.id)
    ids = [i for i, email, phone in session.execute(query) if matches(email) or (phone and matches(phone))]
    found: list[Appeal] = []
    for chunk in _chunks(ids):
        found += session.scalars(sa.select(Appeal).where(Appeal.id.in_(chunk)).order_by(Appeal.id)
                                 .with_for_update().execution_options(populate_existing=True))
    return found


def lock_reports(session: Session, report_ids: Sequence[int]) -> list[Report]:
    """The reports, their rows locked until commit in id order (PostgreSQL), re-read."""
    found: list[Report] = []
    for chunk in _chunks(report_ids):
        found += report_store.lock_reports(session, chunk).values()
    return found


def _rows(session: Session, model, column, ids: Sequence[int], *extra) -> list:
    out: list = []
    for chunk in _chunks(ids):
        out += session.scalars(sa.select(model).where(column.in_(chunk), *extra).order_by(model.id))
    return out


def history_of(session: Session, report_ids: Sequence[int]) -> list[StatusChange]:
    """The status changes of these reports."""
    return _rows(session, StatusChange, StatusChange.report_id, report_ids)


def evidence_of(session: Session, report_ids: Sequence[int]) -> list[Evidence]:
    """The crawl evidence stored for these reports."""
    return _rows(session, Evidence, Evidence.report_id, report_ids)


def jobs_of(session: Session, report_ids: Sequence[int]) -> list[PendingJob]:
    """The pending jobs (done or not) whose target is one of these reports."""
    return _rows(session, PendingJob, PendingJob.target_id, report_ids, PendingJob.kind.in_(REPORT_JOBS))


def audit_events(session: Session) -> list[AuditEvent]:
    """Every audit event, oldest first."""
    return list(session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def linked_indicators(session: Session, report_ids: Sequence[int]) -> list[Indicator]:
    """The indicators linked to any of these reports."""
    ids: set[int] = set()
    for chunk in _chunks(report_ids):
        ids.update(session.scalars(sa.select(ReportIndicator.indicator_id).where(ReportIndicator.report_id.in_(chunk))))
    return _rows(session, Indicator, Indicator.id, sorted(ids))


def lock_for_delete(session: Session, indicator_ids: Sequence[int]) -> None:
    """Lock indicator rows FOR UPDATE (PostgreSQL), in id order: a report being linked to
    one of them waits for this transaction instead of linking to a row about to go."""
    for chunk in _chunks(indicator_ids):
        session.execute(sa.select(Indicator.id).where(Indicator.id.in_(chunk)).order_by(Indicator.id)
                        .with_for_update())


def linked_elsewhere(session: Session, indicator_ids: Sequence[int], report_ids: Iterable[int]) -> set[int]:
    """Which of these indicators are also linked to a report not in `report_ids`."""
    mine, out = set(report_ids), set()
    for chunk in _chunks(indicator_ids):
        query = sa.select(ReportIndicator.indicator_id, ReportIndicator.report_id).where(
            ReportIndicator.indicator_id.in_(chunk))
        out.update(indicator for indicator, report in session.execute(query) if report not in mine)
    return out


def unlink(session: Session, report_ids: Sequence[int], indicator_ids: Sequence[int]) -> None:
    """Remove the links between these reports and these indicators."""
    for indicators in _chunks(indicator_ids):
        for reports in _chunks(report_ids):
            session.execute(sa.delete(ReportIndicator).where(ReportIndicator.indicator_id.in_(indicators),
                                                             ReportIndicator.report_id.in_(reports)))


def delete_indicators(session: Session, indicators: Sequence[Indicator]) -> None:
    """Delete indicators with their links; evidence about them stays, unlinked. The rows are
    deleted by statement, so their objects leave the session too (nothing may write them back)."""
    for chunk in _chunks([indicator.id for indicator in indicators]):
        session.execute(sa.delete(ReportIndicator).where(ReportIndicator.indicator_id.in_(chunk)))
        session.execute(sa.update(Evidence).where(Evidence.indicator_id.in_(chunk)).values(indicator_id=None))
        session.execute(sa.delete(Indicator).where(Indicator.id.in_(chunk)))
    for indicator in indicators:
        session.expunge(indicator)


def write_changes(session: Session) -> None:
    """Send the changes made to the loaded rows to the database now, inside the transaction:
    a dry run, rolled back afterwards, meets the errors (a column too short...) a real one would."""
    session.flush()

