"""Report rows: create (with duplicate linking), read, list, change status, merge, verdicts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from fraudwatch.models import REPORT_STATUSES, Indicator, Report, ReportIndicator, StatusChange, utcnow

REPORT_FIELDS = ("message_text", "url", "domain", "phone", "email", "company", "bank_account",
                 "description", "reporter_contact", "channel", "received_at")


@dataclass
class ReportFilter:
    """What an officer filters the report list by."""

    status: str | None = None
    channel: str | None = None
    label: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: float | None = None
    indicator_id: int | None = None
    limit: int = 50
    before_id: int | None = None


def find_recent_duplicate(session: Session, content_hash: str, window: timedelta) -> Report | None:
    """The oldest report with the same content inside the window, following duplicate links."""
    query = (sa.select(Report).where(Report.content_hash == content_hash,
                                     Report.created_at >= utcnow() - window,
                                     Report.status != "dismissed")
             .order_by(Report.id).limit(1))
    original = session.scalars(query).first()
    while original is not None and original.duplicate_of_id is not None:
        original = session.get(Report, original.duplicate_of_id)
    return original


def add_report(session: Session, fields: dict, *, content_hash: str, source: str,
               submitted_by: str | None, duplicate_of: Report | None) -> Report:
    """Insert a report (status `duplicate` and linked when `duplicate_of` is given)."""
    report = Report(**{k: fields.get(k) for k in REPORT_FIELDS if fields.get(k) is not None},
                    content_hash=content_hash, source=source, submitted_by=submitted_by)
    report.status = "new"
    session.add(report)
    session.flush()
    report.history.append(StatusChange(from_status=None, to_status="new", actor="system",
                                       reason=f"received via {source}"))
    if duplicate_of is not None:
        report.duplicate_of_id = duplicate_of.id
        _record(session, report, "duplicate", "system",
                f"same content as report {duplicate_of.id} within the duplicate window")
    return report


def _record(session: Session, report: Report, to_status: str, actor: str, reason: str | None) -> None:
    report.history.append(StatusChange(from_status=report.status, to_status=to_status, actor=actor, reason=reason))
    report.status = to_status


def get_report(session: Session, report_id: int) -> Report | None:
    """One report with its history and indicators."""
    query = (sa.select(Report).where(Report.id == report_id)
             .options(selectinload(Report.history), selectinload(Report.links).selectinload(ReportIndicator.indicator)))
    return session.scalars(query).first()


def list_reports(session: Session, f: ReportFilter) -> list[Report]:
    """Reports matching the filter, newest first, keyset-paginated by id."""
    query = sa.select(Report)
    conditions = {
        "status": lambda v: Report.status == v, "channel": lambda v: Report.channel == v,
        "label": lambda v: Report.verdict_label == v, "since": lambda v: Report.created_at >= v,
        "until": lambda v: Report.created_at < v, "min_score": lambda v: Report.scam_score >= v,
        "before_id": lambda v: Report.id < v,
    }
    for name, build in conditions.items():
        value = getattr(f, name)
        if value is not None:
            query = query.where(build(value))
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(*(col.ilike(like, escape="\\") for col in (
            Report.message_text, Report.url, Report.domain, Report.company, Report.description))))
    if f.indicator_id is not None:
        query = query.join(ReportIndicator).where(ReportIndicator.indicator_id == f.indicator_id)
    return list(session.scalars(query.order_by(Report.id.desc()).limit(f.limit)))


def change_status(session: Session, report: Report, to_status: str, actor: str, reason: str | None) -> bool:
    """Record a status change; return False when the report already has that status."""
    if to_status not in REPORT_STATUSES:
        raise ValueError(f"unknown status '{to_status}'")
    if report.status == to_status:
        return False
    _record(session, report, to_status, actor, reason)
    return True


def merge_reports(session: Session, target: Report, others: list[Report], actor: str, reason: str | None) -> list[int]:
    """Mark `others` duplicates of `target` and give `target` their indicators."""
    moved: set[int] = set()
    for other in others:
        other.duplicate_of_id = target.id
        if other.status != "duplicate":
            _record(session, other, "duplicate", actor, reason or f"merged into report {target.id}")
        else:
            other.history.append(StatusChange(from_status="duplicate", to_status="duplicate", actor=actor,
                                              reason=reason or f"merged into report {target.id}"))
        moved.update(link.indicator_id for link in other.links)
    existing = {link.indicator_id for link in target.links}
    for indicator_id in moved - existing:
        target.links.append(ReportIndicator(indicator_id=indicator_id, role="merged"))
    target.history.append(StatusChange(from_status=target.status, to_status=target.status, actor=actor,
                                       reason=f"merged reports {sorted(o.id for o in others)}"))
    return sorted(moved | existing)


def set_verdict(session: Session, report: Report, verdict: dict) -> None:
    """Store the classifier's verdict on a report."""
    report.verdict = verdict
    report.verdict_label = verdict.get("label")
    score = verdict.get("scam_score")
    report.scam_score = float(score) if isinstance(score, (int, float)) else None
    report.verdict_at = utcnow()


def indicators_of(report: Report) -> list[tuple[Indicator, str]]:
    """The indicators linked to a report, with their role."""
    return [(link.indicator, link.role) for link in report.links]
