"""Verdicts on reports: the classifier's judgement of a report's text, stored on the report
with its indicators recounted and their cached lookups dropped.

The report job (`classify_report`) is the source of truth and always stores the verdict.
The fast path (`fast_verdict`) stores the same verdict inside the POST /reports request
when it can do so cheaply: the web process has the model loaded already, the text is at
most FAST_VERDICT_MAX_CHARS and the whole of it fits in FAST_VERDICT_BUDGET_MS (a lock
wait included). Anything else, an error included, skips it: the report is stored and
answered all the same, and the job stores the verdict a moment later. Storing it twice
does no harm (same text, same model, same verdict).
"""
from __future__ import annotations

import logging
import time

from flask import current_app

from fraudwatch.infra import cache, metrics
from fraudwatch.infra.extensions import db
from fraudwatch.services import model_registry
from fraudwatch.storage import attachments as attachment_store
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.models import Report
from fraudwatch.storage.transactions import in_transaction, waits_at_most

log = logging.getLogger(__name__)
MAX_CLASSIFY_CHARS = 20_000
SUMMARY_FIELDS = ("label", "scam_score", "tax_impersonation", "authority", "category", "model_version")


def report_text(report: Report) -> str:
    """The text the classifier judges for a report: with the text OCR read in its screenshots
    (public form reports, which have a receipt number, may have some)."""
    parts = [report.message_text, report.description, report.url]
    if report.receipt is not None:
        parts += attachment_store.ocr_texts(db.session, report.id)
    return "\n".join(p for p in parts if p)[:MAX_CLASSIFY_CHARS]


def summary(verdict: dict) -> dict:
    """The part of a verdict a submitter is shown."""
    return {name: verdict.get(name) for name in SUMMARY_FIELDS}


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
    scopes = in_transaction(session, lambda: report_store.store_verdict(session, report_id, verdict))
    cache.invalidate(scopes or set())
    if scopes is not None:  # stored (the report still exists)
        label = verdict.get("label")
        metrics.count_verdict(label if isinstance(label, str) and len(label) <= 32 else "other")
    return verdict


def fast_verdict(report: Report, started: float) -> dict | None:
    """The verdict of a just-committed report, stored now, or None when the fast path is
    off or cannot do it within its budget (counted from `started`, a time.monotonic())."""
    config = current_app.config
    if not config["FAST_VERDICT"]:
        return None
    try:
        return _fast_verdict(report, started, config["FAST_VERDICT_BUDGET_MS"] / 1000)
    except Exception as exc:  # noqa: BLE001 - never fails the report: the job stores the verdict
        db.session.rollback()
        log.warning("fast verdict of report %s skipped: %s: %s", report.id, type(exc).__name__, exc)
        return None


def _fast_verdict(report: Report, started: float, budget: float) -> dict | None:
    classifier = model_registry.ready_classifier()
    text = report_text(report)
    if classifier is None or not text or len(text) > current_app.config["FAST_VERDICT_MAX_CHARS"]:
        return None
    verdict = classifier.classify(text)
    left = budget - (time.monotonic() - started)
    if left <= 0:
        return None  # over budget already: the job stores it
    session = db.session
    session.commit()  # a transaction of its own, bounded below
    with waits_at_most(session, left * 1000, write=True):
        scopes = report_store.store_verdict(session, report.id, verdict)
        if scopes is None or time.monotonic() - started > budget:
            session.rollback()
            return None
        session.commit()
    cache.invalidate(scopes)
    return verdict
