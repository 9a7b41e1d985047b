"""Officer endpoints: the queue, one report, and actions on reports (status, merge, assign, note,
bulk), every change recorded in the report's history and the audit trail."""
from __future__ import annotations

from fraudwatch.api import bp
from fraudwatch.api.answers import BulkResult, Note, ReportDetail, ReportList
from fraudwatch.api.models import (
    REPORT_ID_MAX,
    AssignIn,
    BulkAssignIn,
    BulkStatusIn,
    MergeIn,
    NoteIn,
    ReportQuery,
    StatusChangeIn,
)
from fraudwatch.api.operations import ok, operation
from fraudwatch.exceptions import Invalid, NotFound
from fraudwatch.infra.extensions import db
from fraudwatch.services import actions, triage
from fraudwatch.services.actions import BULK_MAX
from fraudwatch.services.validation import clean_string
from fraudwatch.storage import evidence as evidence_store
from fraudwatch.storage import queue as queue_store
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.models import Evidence, Report, ReportNote
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
        "risk": report.risk, "reporter_count": report.reporter_count, "verdict_authority": report.verdict_authority,
        "verdict_category": report.verdict_category, "model_version": report.model_version,
        "assigned_to": report.assigned_to,
    }
    if full:
        data["pending"] = report_store.pending_of(db.session, report.id)
        data["history"] = [{"from": h.from_status, "to": h.to_status, "actor": h.actor, "reason": h.reason,
                            "at": h.created_at.isoformat()} for h in report.history]
        data["indicators"] = [{"id": link.indicator.id, "type": link.indicator.type, "value": link.indicator.value,
                               "status": link.indicator.status, "role": link.role} for link in report.links]
        data["evidence"] = [evidence_json(e) for e in evidence_store.evidence_for(db.session, report_id=report.id)]
        data["notes"] = [note_json(n) for n in report_store.notes_of(db.session, report.id)]
    return data


def evidence_json(e: Evidence) -> dict:
    """A crawl's evidence as officers see it: the page, its excerpt, forms and their targets,
    signals and verdict (evidence stored before forms were kept has none)."""
    return {"url": e.url, "final_url": e.final_url, "http_status": e.http_status, "title": e.title,
            "excerpt": e.excerpt, "forms": e.forms or [], "signals": e.signals or [], "verdict": e.verdict,
            "error": e.error, "fetched_at": e.fetched_at.isoformat()}


def note_json(note: ReportNote) -> dict:
    """An officer's note."""
    return {"id": note.id, "report_id": note.report_id, "actor": note.actor, "body": note.body,
            "created_at": note.created_at.isoformat()}


@bp.get("/reports")
@operation("The queue of reports (officers)", query=ReportQuery, roles=OFFICERS, tags=("triage",),
           responses={200: ok(ReportList, "a page of reports; `next_cursor` pages on")},
           description="Sorted by risk (default; risk with recency, imports after live reports), newest or "
                       "oldest. An unknown parameter or filter value is a 400 naming the field, and so is a "
                       "`cursor` that is not the `next_cursor` of a page of the same sort.")
def list_reports(query: ReportQuery):
    """A page of the queue, filtered and sorted; `next_cursor` pages on."""
    reports, cursor = queue_store.list_queue(db.session, queue_store.QueueFilter(**dict(query)))
    return {"reports": [report_json(r) for r in reports], "next_cursor": cursor}


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


@bp.post(f"{REPORT_ROUTE}/assign")
@operation("Assign a report to an officer, saying why (officers)", body=AssignIn, roles=OFFICERS,
           tags=("triage",), responses={200: ok(ReportDetail, "the report after the change")},
           description="`officer` null unassigns; an officer who is not an active officer or admin is a 404.")
def assign_report(report_id: int, body: AssignIn):
    """{"officer": name or null, "reason": ...}: assign (or unassign) a report."""
    report = actions.assign(report_id, body.officer, _reason(body.reason), current().name)
    return report_json(report, full=True)


@bp.post(f"{REPORT_ROUTE}/notes")
@operation("Add a note to a report (officers)", body=NoteIn, roles=OFFICERS, tags=("triage",),
           responses={201: ok(Note, "the note")})
def add_note(report_id: int, body: NoteIn):
    """{"body": ...}: an officer's note on a report."""
    errors: dict[str, str] = {}
    text = clean_string(body.body, "note", errors)
    if errors or not text:
        raise Invalid("invalid note", fields=errors or {"body": "must not be blank"})
    return note_json(actions.add_note(report_id, text, current().name)), 201


BULK_WHOLE = (f"At most {BULK_MAX} reports, in one transaction: refused whole (404, nothing changed) when any id "
              "is not a report; reports already in that state are left as they are.")


@bp.post("/reports/bulk/status")
@operation("Confirm, dismiss or ask for more information on a selection of reports (officers)", body=BulkStatusIn,
           roles=OFFICERS, tags=("triage",), errors=(404,), responses={200: ok(BulkResult, "the reports changed")},
           description=BULK_WHOLE)
def bulk_status(body: BulkStatusIn):
    """{"action": confirm|dismiss|needs_info, "report_ids": [...], "reason": ...}."""
    changed = actions.bulk(body.action, body.report_ids, _reason(body.reason), current().name)
    return {"action": body.action, "changed": changed}


@bp.post("/reports/bulk/assign")
@operation("Assign a selection of reports to an officer (officers)", body=BulkAssignIn, roles=OFFICERS,
           tags=("triage",), errors=(404,), responses={200: ok(BulkResult, "the reports changed")},
           description=BULK_WHOLE + " `officer` null unassigns; an unknown officer is a 404.")
def bulk_assign(body: BulkAssignIn):
    """{"officer": name or null, "report_ids": [...], "reason": ...}."""
    changed = actions.bulk("assign", body.report_ids, _reason(body.reason), current().name, body.officer)
    return {"action": "assign", "changed": changed}
