"""Officer actions on reports: change status with a reason, merge duplicates.

Every action is recorded in the report's history and refreshes the indicators and the
lookup cache it affects."""
from __future__ import annotations

from fraudwatch import cache
from fraudwatch.errors import APIError
from fraudwatch.extensions import db
from fraudwatch.models import REPORT_STATUSES, Report
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage import reports as report_store


def _get(report_id: int) -> Report:
    report = report_store.get_report(db.session, report_id)
    if report is None:
        raise APIError(404, f"report {report_id} does not exist", code="not_found")
    return report


def set_status(report_id: int, status: str, reason: str, actor: str) -> Report:
    """Change a report's status; the reason is required and recorded."""
    if status not in REPORT_STATUSES:
        raise APIError(400, "invalid status", code="validation_failed",
                       fields={"status": f"must be one of {', '.join(REPORT_STATUSES)}"})
    report = _get(report_id)
    changed = report_store.change_status(db.session, report, status, actor, reason)
    scopes = set()
    if changed:
        scopes = ind_store.refresh_indicators(db.session, [link.indicator_id for link in report.links])
    db.session.commit()
    cache.invalidate(scopes)
    return report


def merge(target_id: int, other_ids: list[int], reason: str | None, actor: str) -> Report:
    """Mark other reports duplicates of the target and move their indicators to it."""
    if target_id in other_ids:
        raise APIError(400, "a report cannot be merged into itself", code="validation_failed",
                       fields={"report_ids": "must not contain the target report"})
    target = _get(target_id)
    others = [_get(i) for i in dict.fromkeys(other_ids)]
    indicator_ids = report_store.merge_reports(db.session, target, others, actor, reason)
    db.session.flush()
    scopes = ind_store.refresh_indicators(db.session, indicator_ids)
    db.session.commit()
    cache.invalidate(scopes)
    return target
