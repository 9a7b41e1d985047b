"""Background jobs (RQ): the glue between stored reports and the classifier and crawler.

Jobs take ids, never objects, and are idempotent: running one twice does no harm. A
worker runs them inside an app context (see `fraudwatch worker`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app

from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.jobs import crawling
from fraudwatch.services import model_registry
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage import pending
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.models import Report
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)
MAX_CLASSIFY_CHARS = 20_000


def run_pending(pending_id: int) -> str:
    """Run one pending job by id; a finished (or given up) job is not run again. A failure
    is recorded on the row and retried later by the pump (with backoff, at most
    JOB_MAX_ATTEMPTS attempts), not by RQ: the database is what survives a Redis restart."""
    session = db.session
    job = pending.start_attempt(session, pending_id)
    if job is None:
        session.rollback()
        return "already done"
    kind, target = job.kind, job.target_id
    session.commit()
    try:
        HANDLERS[kind](target)
    except Exception as exc:  # noqa: BLE001 - recorded, retried by the pump, never lost
        session.rollback()
        log.exception("job %s (%s of %s) failed, attempt %s", pending_id, kind, target, job.attempts)
        return _close(pending_id, f"{type(exc).__name__}: {exc}")
    return _close(pending_id, None)


def _close(pending_id: int, error: str | None) -> str:
    def work() -> str:
        job = pending.get_job(db.session, pending_id)
        if pending.finish(db.session, job, error, current_app.config["JOB_MAX_ATTEMPTS"]):
            return "done" if error is None else "given up"
        return "will retry"

    outcome = in_transaction(db.session, work)
    if outcome == "given up":
        log.error("job %s given up after %s attempts: %s", pending_id, current_app.config["JOB_MAX_ATTEMPTS"], error)
    return outcome


def report_text(report: Report) -> str:
    """The text the classifier judges for a report."""
    parts = [report.message_text, report.description, report.url]
    return "\n".join(p for p in parts if p)[:MAX_CLASSIFY_CHARS]


def classify_report(report_id: int) -> dict | None:
    """Store the classifier's verdict on a report (skipped when no model exists yet)."""
    session = db.session
    report = report_store.get_report(session, report_id)
    if report is None:
        return None
    classifier = model_registry.get_classifier()
    if classifier is None:
        log.warning("report %s not classified: no model", report_id)
        return None
    verdict = classifier.classify(report_text(report))

    def work() -> set[str]:
        locked = report_store.lock_reports(session, [report_id]).get(report_id)
        if locked is None:
            return set()
        report_store.set_verdict(session, locked, verdict)
        return ind_store.refresh_indicators(session, [link.indicator_id for link in locked.links])

    scopes = in_transaction(session, work)
    cache.invalidate(scopes)
    return verdict


def process_report(report_id: int) -> None:
    """Everything a new report needs: a verdict, then a crawl of its URLs."""
    classify_report(report_id)
    crawling.enqueue_report_urls(report_id)
    in_transaction(db.session, lambda: report_store.mark_processed(db.session, report_id))


HANDLERS: dict[str, Callable[[int], object]] = {
    "process_report": process_report,
    "classify_report": classify_report,
}
