"""Officer actions on reports: change status with a reason, merge duplicates.

Every action is recorded in the report's history and the audit trail, and refreshes the indicators and the
lookup cache it affects. The reports involved are locked (in id order) before anything is
checked, so two officers acting at once cannot together do what neither could alone (such
as merging 4 into 5 while 5 is merged into 4)."""
from __future__ import annotations

from fraudwatch.exceptions import Invalid, NotFound
from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage import reports as report_store
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import REPORT_STATUSES, Report
from fraudwatch.storage.transactions import in_transaction


def _locked(report_ids: list[int]) -> dict[int, Report]:
    found = report_store.lock_reports(db.session, report_ids)
    missing = [i for i in dict.fromkeys(report_ids) if i not in found]
    if missing:
        ids = ", ".join(map(str, missing))
        raise NotFound(f"report {ids} does not exist" if len(missing) == 1 else f"reports {ids} do not exist",
                       reason="reports_missing", params={"ids": ids})
    return found


def set_status(report_id: int, status: str, reason: str, actor: str) -> Report:
    """Change a report's status; the reason is required and recorded."""
    if status not in REPORT_STATUSES:
        raise Invalid("invalid status", fields={"status": f"must be one of {', '.join(REPORT_STATUSES)}"})

    def work() -> set[str]:
        report = _locked([report_id])[report_id]
        if not report_store.change_status(db.session, report, status, actor, reason):
            return set()
        add_audit_event(db.session, actor=actor, action="report.status", target_type="report", target_id=report_id,
                        detail={"status": status, "reason": reason})
        return ind_store.refresh_indicators(db.session, [link.indicator_id for link in report.links])

    cache.invalidate(in_transaction(db.session, work))
    return report_store.get_report(db.session, report_id)


def merge(target_id: int, other_ids: list[int], reason: str | None, actor: str) -> Report:
    """Mark other reports duplicates of the target and move their indicators to it."""
    if target_id in other_ids:
        raise Invalid("a report cannot be merged into itself", reason="merge_into_itself",
                      fields={"report_ids": "must not contain the target report"})

    def work() -> set[str]:
        reports = _locked([target_id, *other_ids])
        target, others = reports[target_id], [reports[i] for i in dict.fromkeys(other_ids)]
        problem = report_store.merge_problem(target, others)
        if problem:
            raise problem
        indicator_ids = report_store.merge_reports(db.session, target, others, actor, reason)
        add_audit_event(db.session, actor=actor, action="report.merge", target_type="report", target_id=target_id,
                        detail={"merged": sorted(o.id for o in others), "reason": reason})
        return ind_store.refresh_indicators(db.session, indicator_ids)

    cache.invalidate(in_transaction(db.session, work))
    return report_store.get_report(db.session, target_id)
