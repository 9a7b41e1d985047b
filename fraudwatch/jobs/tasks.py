"""Background jobs (RQ): the glue between stored reports and the classifier and crawler.

Jobs take ids, never objects, and are idempotent: running one twice does no harm. A
worker runs them inside an app context (see `fraudwatch worker`).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import current_app

from fraudwatch.infra import metrics
from fraudwatch.infra.extensions import db
from fraudwatch.jobs import crawling
from fraudwatch.services import alert_delivery, campaigns, ocr, verdicts, watch_match
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage import pending
from fraudwatch.storage import queue as queue_store
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.transactions import in_transaction

log = logging.getLogger(__name__)


def run_pending(pending_id: int) -> str:
    """Run one pending job by id; a finished (or given up) job is not run again. A failure
    is recorded on the row and retried later by the pump (with backoff, at most
    JOB_MAX_ATTEMPTS attempts), not by RQ: the database is what survives a Redis restart."""
    session = db.session

    def start() -> tuple[str, int, str, int] | None:
        job = pending.start_attempt(session, pending_id)
        return None if job is None else (job.kind, job.target_id, job.queue, job.attempts)

    # One write transaction (retried when it loses): on SQLite a read-then-write transaction
    # fails at once whenever another connection committed in between, as an import does
    # many times a second.
    started = in_transaction(session, start)
    if started is None:
        return "already done"
    kind, target, queue, attempts = started
    began = time.perf_counter()
    try:
        HANDLERS[kind](target, queue=queue)
    except Exception as exc:  # noqa: BLE001 - recorded, retried by the pump, never lost
        session.rollback()
        log.exception("job %s (%s of %s) failed, attempt %s", pending_id, kind, target, attempts)
        outcome = _close(pending_id, f"{type(exc).__name__}: {exc}")
    else:
        outcome = _close(pending_id, None)
    metrics.observe_job(kind, JOB_OUTCOMES.get(outcome, "error"), time.perf_counter() - began)
    return outcome


JOB_OUTCOMES = {"done": "ok", "will retry": "error", "given up": "given_up"}  # the metric's label


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


def process_report(report_id: int, queue: str = "live") -> None:
    """Everything a new report needs: a verdict, its campaign, then a crawl of its URLs (on the
    live crawl queue when the report's job is live). Screenshots are read (OCR) first, so the
    verdict judges their text too."""
    ocr.read_report_screenshots(report_id)
    verdicts.classify_report(report_id)
    campaigns.assign_quietly(report_id)
    watch_match.match_quietly(watch_match.match_report, report_id)
    crawling.enqueue_report_urls(report_id, live=queue == "live")
    in_transaction(db.session, lambda: report_store.mark_processed(db.session, report_id))


def classify_report(report_id: int, queue: str = "live") -> dict | None:
    """Store the verdict of a report (see fraudwatch.services.verdicts)."""
    return verdicts.classify_report(report_id)


def retier_indicator(indicator_id: int, queue: str = "live") -> None:
    """The risk and queue rank of the reports naming an indicator whose tier changed, a chunk
    per transaction (an officer's action leaves an indicator named by many reports to this
    job, see storage/indicators.refresh_indicators). Idempotent: risk is computed from the
    indicators as they are when each chunk runs."""
    after: int | None = 0
    while after is not None:
        after = in_transaction(db.session,
                               lambda start=after: queue_store.retier_chunk(db.session, indicator_id, start))


def retrain(user_id: int, queue: str = "bulk") -> dict:
    """Retrain from the officers' decisions, as admin `user_id` asked (fraudwatch.services.retrain)."""
    from fraudwatch.services import retrain as retraining

    return retraining.retrain_job(user_id)


def deliver_alert(delivery_id: int, queue: str = "live") -> str:
    """One attempt of an alert's delivery (fraudwatch.services.alert_delivery)."""
    return alert_delivery.deliver(delivery_id)


def watch_confirmed(indicator_id: int, queue: str = "live") -> list[int]:
    """Alerts for an indicator that became confirmed fraud (fraudwatch.services.watch_match)."""
    return watch_match.match_confirmed(indicator_id)


HANDLERS: dict[str, Callable[..., object]] = {
    "process_report": process_report,
    "classify_report": classify_report,
    "retrain": retrain,
    ind_store.RETIER_JOB: retier_indicator,
    "deliver_alert": deliver_alert,
    ind_store.WATCH_CONFIRMED_JOB: watch_confirmed,
}
