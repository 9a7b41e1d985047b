"""Officer endpoints: list, read, change status of and merge reports (every change recorded)."""
from __future__ import annotations

from fraudwatch.api import bp
from fraudwatch.api.answers import ReportDetail, ReportList
from fraudwatch.api.models import REPORT_ID_MAX, MergeIn, ReportQuery, StatusChangeIn
from fraudwatch.api.operations import ok, operation
from fraudwatch.exceptions import Invalid, NotFound
from fraudwatch.infra.extensions import db
from fraudwatch.services import triage
from fraudwatch.services.validation import clean_string
from fraudwatch.storage import evidence as evidence_store
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.models import Evidence, Report
from fraudwatch.web.auth import current

OFFICERS = ("officer", "admin")
# Ids beyond what the id column holds (INTEGER: 2**31-1) are not ids: the route answers 404,
# bodies and filters 400, never a database error.
REPORT_ROUTE = f"/reports/<int(min=1, max={REPORT_ID_MAX}):report_id>"


def report_json(report: Report, *, full: bool = False) -> dict:
    """A report as officers see it (the reporter's contact included)."""
    data = {
        "id": report.id, "status": report.status, "channel": report.channel, "source": report.source,
        "created_at": report.created_at.isoformat(),
        "received_at": report.received_at.isoformat() if report.received_at else None,
        "message_text": report.message_text, "url": report.url, "domain": report.domain,
        "phone": report.phone, "email": report.email, "company": report.company,
        "bank_account": report.bank_account, "description": report.description,
        "reporter_contact": report.reporter_contact, "duplicate_of": report.duplicate_of_id,
        "submitted_by": report.submitted_by, "verdict": report.verdict,
        "processed_at": report.processed_at.isoformat() if report.processed_at else None,
    }
    if full:
        data["pending"] = report_store.pending_of(db.session, report.id)
        data["history"] = [{"from": h.from_status, "to": h.to_status, "actor": h.actor, "reason": h.reason,
                            "at": h.created_at.isoformat()} for h in report.history]
        data["indicators"] = [{"id": link.indicator.id, "type": link.indicator.type, "value": link.indicator.value,
                               "status": link.indicator.status, "role": link.role} for link in report.links]
        data["evidence"] = [evidence_json(e) for e in evidence_store.evidence_for(db.session, report_id=report.id)]
    return data


def evidence_json(e: Evidence) -> dict:
    """A crawl's evidence as officers see it: the page, its excerpt, forms and their targets,
    signals and verdict (evidence stored before forms were kept has none)."""
    return {"url": e.url, "final_url": e.final_url, "http_status": e.http_status, "title": e.title,
            "excerpt": e.excerpt, "forms": e.forms or [], "signals": e.signals or [], "verdict": e.verdict,
            "error": e.error, "fetched_at": e.fetched_at.isoformat()}


@bp.get("/reports")
@operation("List reports (officers)", query=ReportQuery, roles=OFFICERS, tags=("triage",),
           responses={200: ok(ReportList, "reports, newest first; `next_before_id` pages on")})
def list_reports(query: ReportQuery):
    """Reports, newest first, filtered; `next_before_id` pages on."""
    reports = report_store.list_reports(db.session, report_store.ReportFilter(**dict(query)))
    return {"reports": [report_json(r) for r in reports],
            "next_before_id": reports[-1].id if reports else None}


@bp.get(REPORT_ROUTE)
@operation("One report with its history, indicators and crawl evidence (officers)", roles=OFFICERS,
           tags=("triage",), responses={200: ok(ReportDetail, "the report")})
def get_report(report_id: int):
    """One report with its history, indicators and crawl evidence."""
    report = report_store.get_report(db.session, report_id)
    if report is None:
        raise NotFound(f"report {report_id} does not exist")
    return report_json(report, full=True)


def _reason(text: str | None) -> str | None:
    """The reason as stored (control characters dropped, trimmed)."""
    errors: dict[str, str] = {}
    reason = clean_string(text, "reason", errors)
    if errors:
        raise Invalid("invalid reason", fields=errors)
    return reason


@bp.post(f"{REPORT_ROUTE}/status")
@operation("Change a report's status, saying why (officers)", body=StatusChangeIn, roles=OFFICERS,
           errors=(409,), tags=("triage",), responses={200: ok(ReportDetail, "the report after the change")})
def change_status(report_id: int, body: StatusChangeIn):
    """{"status": ..., "reason": ...}: change a report's status; recorded with who and why."""
    report = triage.set_status(report_id, body.status, _reason(body.reason), current().name)
    return report_json(report, full=True)


@bp.post(f"{REPORT_ROUTE}/merge")
@operation("Merge duplicate reports into this one (officers)", body=MergeIn, roles=OFFICERS, errors=(409,),
           tags=("triage",), responses={200: ok(ReportDetail, "the report after the merge")},
           description="`report_ids` must not contain this report (400); 409 when a report cannot be merged "
                       "in its current state (confirmed, already merged elsewhere, a cycle).")
def merge_reports(report_id: int, body: MergeIn):
    """{"report_ids": [...], "reason": ...}: mark those reports duplicates of this one."""
    report = triage.merge(report_id, body.report_ids, _reason(body.reason), current().name)
    return report_json(report, full=True)
