"""Officer endpoints: list, read, change status of and merge reports (every change recorded)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import request

from fraudwatch import triage
from fraudwatch.api import bp
from fraudwatch.api.body import read_body
from fraudwatch.auth import current, require_role
from fraudwatch.errors import APIError
from fraudwatch.extensions import db
from fraudwatch.models import CHANNELS, REPORT_STATUSES, Report
from fraudwatch.storage import evidence as evidence_store
from fraudwatch.storage import reports as report_store
from fraudwatch.validation import clean_string, require_object

OFFICERS = ("officer", "admin")

MAX_ID = 2**62  # ids beyond what every database's BIGINT holds are not ids: 404 / 400, never a 500


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
        data["history"] = [{"from": h.from_status, "to": h.to_status, "actor": h.actor, "reason": h.reason,
                            "at": h.created_at.isoformat()} for h in report.history]
        data["indicators"] = [{"id": link.indicator.id, "type": link.indicator.type, "value": link.indicator.value,
                               "status": link.indicator.status, "role": link.role} for link in report.links]
        data["evidence"] = [{"url": e.url, "final_url": e.final_url, "http_status": e.http_status,
                             "title": e.title, "verdict": e.verdict, "error": e.error,
                             "fetched_at": e.fetched_at.isoformat()}
                            for e in evidence_store.evidence_for(db.session, report_id=report.id)]
    return data


def _filters() -> report_store.ReportFilter:
    args, errors = request.args, {}
    f = report_store.ReportFilter()
    f.status = _choice(args.get("status"), REPORT_STATUSES, "status", errors)
    f.channel = _choice(args.get("channel"), CHANNELS, "channel", errors)
    f.label = _choice(args.get("label"), ("scam", "spam", "legit"), "label", errors)
    f.q = clean_string(args.get("q"), "q", errors)
    f.since, f.until = _time(args.get("since"), "since", errors), _time(args.get("until"), "until", errors)
    f.min_score = _number(args.get("min_score"), "min_score", float, 0, 1, errors)
    f.limit = _number(args.get("limit"), "limit", int, 1, 500, errors) or 50
    f.before_id = _number(args.get("before_id"), "before_id", int, 1, MAX_ID, errors)
    f.indicator_id = _number(args.get("indicator_id"), "indicator_id", int, 1, MAX_ID, errors)
    if errors:
        raise APIError(400, "invalid filters", code="validation_failed", fields=errors)
    return f


def _choice(value, allowed, name, errors):
    if value is not None and value not in allowed:
        errors[name] = f"must be one of {', '.join(allowed)}"
        return None
    return value


def _time(value, name, errors):
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        errors[name] = "must be an ISO 8601 date or date-time"
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _number(value, name, kind, low, high, errors):
    if value is None:
        return None
    try:
        number = kind(value)
    except ValueError:
        errors[name] = f"must be a {kind.__name__}"
        return None
    if not low <= number <= high:
        errors[name] = f"must be between {low} and {high}"
        return None
    return number


@bp.get("/reports")
@require_role(*OFFICERS)
def list_reports():
    """Reports, newest first, filtered; `next_before_id` pages on."""
    reports = report_store.list_reports(db.session, _filters())
    return {"reports": [report_json(r) for r in reports],
            "next_before_id": reports[-1].id if reports else None}


@bp.get(f"/reports/<int(max={MAX_ID}):report_id>")
@require_role(*OFFICERS)
def get_report(report_id: int):
    """One report with its history, indicators and crawl evidence."""
    report = report_store.get_report(db.session, report_id)
    if report is None:
        raise APIError(404, f"report {report_id} does not exist")
    return report_json(report, full=True)


def _reason(payload: dict, errors: dict, required: bool = True) -> str | None:
    reason = clean_string(payload.get("reason"), "reason", errors)
    if required and not reason and "reason" not in errors:
        errors["reason"] = "required: say why"
    return reason


@bp.post(f"/reports/<int(max={MAX_ID}):report_id>/status")
@require_role(*OFFICERS)
def change_status(report_id: int):
    """{"status": ..., "reason": ...}: change a report's status; recorded with who and why."""
    payload = require_object(read_body(), {"status", "reason"})
    errors: dict = {}
    status = clean_string(payload.get("status"), "status", errors)
    reason = _reason(payload, errors)
    if not status and "status" not in errors:
        errors["status"] = "required"
    if errors:
        raise APIError(400, "invalid status change", code="validation_failed", fields=errors)
    report = triage.set_status(report_id, status, reason, current().name)
    return report_json(report, full=True)


@bp.post(f"/reports/<int(max={MAX_ID}):report_id>/merge")
@require_role(*OFFICERS)
def merge_reports(report_id: int):
    """{"report_ids": [...], "reason": ...}: mark those reports duplicates of this one."""
    payload = require_object(read_body(), {"report_ids", "reason"})
    errors: dict = {}
    ids = payload.get("report_ids")
    if not isinstance(ids, list) or not ids or len(ids) > 100 or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids):
        errors["report_ids"] = "must be a list of 1 to 100 report ids"
    reason = _reason(payload, errors, required=False)
    if errors:
        raise APIError(400, "invalid merge", code="validation_failed", fields=errors)
    report = triage.merge(report_id, ids, reason, current().name)
    return report_json(report, full=True)
