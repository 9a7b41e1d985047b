"""Attachment rows (screenshots of public reports), the indicators OCR found in them, and the
lookups of a report by its receipt. Every function runs in the caller's transaction; none
commits."""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, defer

from fraudwatch.indicators import Normalized
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage.models import Attachment, Report
from fraudwatch.storage.reports import MAX_CHAIN

CHUNK = 500  # ids per IN (...)
OCR_STATUSES = ("pending", "done", "failed", "unavailable")


def add_attachment(session: Session, report_id: int, *, media_type: str, data: bytes, sha256: str,
                   width: int, height: int, kind: str = "screenshot") -> Attachment:
    """Store a file of a report (its OCR pending)."""
    row = Attachment(report_id=report_id, kind=kind, media_type=media_type, data=data, sha256=sha256,
                     width=width, height=height, ocr_status="pending")
    session.add(row)
    session.flush()
    return row


def attachments_of(session: Session, report_id: int, *, with_data: bool = False) -> list[Attachment]:
    """The files of a report, oldest first (their bytes loaded only when asked for)."""
    query = sa.select(Attachment).where(Attachment.report_id == report_id).order_by(Attachment.id)
    if not with_data:
        query = query.options(defer(Attachment.data))
    return list(session.scalars(query))


def get_attachment(session: Session, report_id: int, attachment_id: int) -> Attachment | None:
    """One file of one report (None when it is not that report's)."""
    return session.scalars(sa.select(Attachment).where(
        Attachment.id == attachment_id, Attachment.report_id == report_id)).first()


def set_ocr(session: Session, attachment_id: int, status: str, text: str | None) -> None:
    """Record what OCR read in a file (`status` one of OCR_STATUSES)."""
    if status not in OCR_STATUSES:
        raise ValueError(f"unknown OCR status {status!r}")
    session.execute(sa.update(Attachment).where(Attachment.id == attachment_id)
                    .values(ocr_status=status, ocr_text=text))


def link_found(session: Session, report_id: int, items: Sequence[Normalized]) -> set[str]:
    """Link the indicators OCR found in a report's screenshot to it (role `extracted`, like
    those of a typed text) and recount them (written, not committed); the cache scopes to drop.
    The report is locked before its indicators, in the order a status change takes them."""
    if not items:
        return set()
    ids = ind_store.upsert_indicators(session, items)
    session.execute(sa.select(Report.id).where(Report.id == report_id).with_for_update(read=True))
    ind_store.lock_indicators(session, ids.values())  # before the links: see lock_indicators
    ind_store.link_report(session, report_id, dict.fromkeys(ids.values(), "extracted"))
    return ind_store.refresh_indicators(session, ids.values())


def ocr_texts(session: Session, report_id: int) -> list[str]:
    """The texts OCR read in a report's files, oldest file first."""
    query = (sa.select(Attachment.ocr_text).where(Attachment.report_id == report_id,
                                                  Attachment.ocr_text.is_not(None)).order_by(Attachment.id))
    return [text for text in session.scalars(query) if text]


def delete_for_reports(session: Session, report_ids: Sequence[int]) -> int:
    """Delete the files of these reports; how many were deleted."""
    ordered, deleted = sorted(set(report_ids)), 0
    for start in range(0, len(ordered), CHUNK):
        result = session.execute(sa.delete(Attachment).where(Attachment.report_id.in_(ordered[start:start + CHUNK])))
        deleted += result.rowcount or 0
    return deleted


def report_by_receipt(session: Session, receipt: str) -> Report | None:
    """The report with this receipt number, or None."""
    return session.scalars(sa.select(Report).where(Report.receipt == receipt)).first()


def set_receipt(session: Session, report: Report, receipt: str, region: str | None) -> None:
    """Give a just-added report its receipt number and region."""
    report.receipt = receipt
    report.region = region
    session.flush()


def head_of(session: Session, report: Report) -> Report:
    """The report a duplicate is linked to (followed at most MAX_CHAIN links), or the report."""
    head = report
    for _ in range(MAX_CHAIN):
        if head.status != "duplicate" or head.duplicate_of_id is None:
            break
        found = session.get(Report, head.duplicate_of_id)
        if found is None:
            break
        head = found
    return head
