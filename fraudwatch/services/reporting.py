"""Submitting reports: validate, store with indicators, link duplicates, queue follow-up.

The report and its pending jobs are one transaction, run again from the start when the
database makes it lose (a deadlock, a busy SQLite, a restart); the cache and the queue are
touched after the commit and may fail without losing anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.services import outbox
from fraudwatch.services.validation import validate_report
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage import pending
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.models import Report
from fraudwatch.storage.transactions import in_transaction


def submit_report(payload: object, *, source: str = "api", submitted_by: str | None = None) -> dict:
    """Store a report from a client payload and return what the submitter may see."""
    fields, found, digest = validate_report(payload, current_app.config["PHONE_REGION"])
    return public_report(store_report(fields, found, digest, source=source, submitted_by=submitted_by))


@dataclass
class _Stored:
    report: Report
    scopes: set[str]
    job_id: int


def store_report(fields: dict, found: list, digest: str, *, source: str, submitted_by: str | None) -> dict:
    """Store already validated fields; shared by the API and the importers. The answer
    names the report this one duplicates (for importers and officers, not the public)."""
    session = db.session
    window = timedelta(seconds=current_app.config["DUPLICATE_WINDOW_SECONDS"])

    def work() -> _Stored:
        original = report_store.find_recent_duplicate(session, digest, window)
        report = report_store.add_report(session, fields, content_hash=digest, source=source,
                                         submitted_by=submitted_by, duplicate_of=original)
        ids = ind_store.upsert_indicators(session, [item for item, _ in found])
        ind_store.lock_indicators(session, ids.values())  # before the links: see lock_indicators
        ind_store.link_report(session, report.id, {ids[(i.type, i.value)]: role for i, role in found})
        scopes = ind_store.refresh_indicators(session, ids.values())
        return _Stored(report, scopes, pending.add_pending(session, "process_report", report.id).id)

    stored = in_transaction(session, work)
    cache.invalidate(stored.scopes)
    queued = outbox.try_enqueue([stored.job_id])
    report = stored.report
    return {
        "id": report.id,
        "status": report.status,
        "duplicate_of": report.duplicate_of_id,
        "created_at": report.created_at.isoformat(),
        "indicators": [{"type": i.type, "value": i.value, "display": i.display, "role": role}
                       for i, role in found],
        "processing": "queued" if queued else "pending",
    }


def public_report(stored: dict) -> dict:
    """What the submitter gets back: never whether, or by whom, the same thing was already
    reported (a duplicate is linked on our side and answered like any new report)."""
    answer = {k: v for k, v in stored.items() if k != "duplicate_of"}
    answer["status"] = "new" if stored["status"] == "duplicate" else stored["status"]
    return answer
