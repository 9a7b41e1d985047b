"""Submitting reports: validate, store with indicators, link duplicates, queue follow-up.

The report and its pending jobs are one transaction, run again from the start when the
database makes it lose (a deadlock, a busy SQLite, a restart); the cache and the queue are
touched after the commit and may fail without losing anything.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.services import outbox, verdicts
from fraudwatch.services.validation import validate_report
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage import pending, queue
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.models import Report
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
BULK_SOURCES = frozenset({"import"})  # their jobs wait on the bulk queue, behind every live report


def queue_role(source: str) -> str:
    """The queue a report's job goes on: `bulk` for imported reports, `live` for the rest."""
    return "bulk" if source in BULK_SOURCES else "live"


def submit_report(payload: object, *, source: str = "api", submitted_by: str | None = None) -> dict:
    """Store a report from a client payload and return what the submitter may see: with the
    verdict when the fast path could store it in this request, and what is still pending."""
    fields, found, digest = validate_report(payload, current_app.config["PHONE_REGION"])
    stored, queued = _store(fields, found, digest, source=source, submitted_by=submitted_by)
    started = time.monotonic()
    verdict = verdicts.fast_verdict(stored.report, started)
    answer = public_report(_answer(stored, found, queued))
    answer["verdict"] = verdicts.summary(verdict) if verdict is not None else None
    answer["pending"] = _pending(stored, found, verdict)
    return answer


def _pending(stored: _Stored, found: list, verdict: dict | None) -> list[str]:
    """What is still pending for a report just stored; when the database cannot say right
    now, what a new report always waits for (the report is stored: it must not fail now)."""
    try:
        return report_store.pending_of(db.session, stored.report.id)
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("pending work of report %s not read: %s", stored.report.id, exc)
        has_url = any(item.type == "url" for item, _ in found)
        return [name for name, waits in (("verdict", verdict is None), ("crawl", has_url)) if waits]


@dataclass
class _Stored:
    report: Report
    scopes: set[str]
    job_id: int


def store_report(fields: dict, found: list, digest: str, *, source: str, submitted_by: str | None,
                 also: Callable[[Report], None] | None = None) -> dict:
    """Store already validated fields; shared by the API, the importers and the public form
    (whose `also` adds its receipt and screenshot to the report in the same transaction). The
    answer names the report this one duplicates (for importers and officers, not the public)."""
    stored, queued = _store(fields, found, digest, source=source, submitted_by=submitted_by, also=also)
    return _answer(stored, found, queued)


def _store(fields: dict, found: list, digest: str, *, source: str, submitted_by: str | None,
           also: Callable[[Report], None] | None = None) -> tuple[_Stored, bool]:
    """The report stored with its indicators and job (one transaction), and whether the job
    reached its queue."""
    session = db.session
    window = timedelta(seconds=current_app.config["DUPLICATE_WINDOW_SECONDS"])

    def work() -> _Stored:
        original = report_store.find_recent_duplicate(session, digest, window)
        report = report_store.add_report(session, fields, content_hash=digest, source=source,
                                         submitted_by=submitted_by, duplicate_of=original)
        if also is not None:
            also(report)
        ids = ind_store.upsert_indicators(session, [item for item, _ in found])
        ind_store.lock_indicators(session, ids.values())  # before the links: see lock_indicators
        ind_store.link_report(session, report.id, {ids[(i.type, i.value)]: role for i, role in found})
        scopes = ind_store.refresh_indicators(session, ids.values())
        queue.rescore(session, [report.id, report.duplicate_of_id or report.id])  # rank; the head's reporters
        return _Stored(report, scopes, pending.add_pending(session, "process_report", report.id, role).id)

    role = queue_role(source)
    stored = in_transaction(session, work)
    cache.invalidate(stored.scopes)
    return stored, outbox.try_enqueue([stored.job_id], role)


def _answer(stored: _Stored, found: list, queued: bool) -> dict:
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
