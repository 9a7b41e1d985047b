"""Officer actions beyond status and merge: assign, note, and bulk actions on a selection.

Every action is recorded in the report's history (a note in `report_notes`) and in the
audit trail, in the transaction that does it. A bulk action is one transaction over at most
BULK_MAX reports, locked in id order; it is refused whole (nothing written) when any id is
not a report, so that a selection never half-applies."""
from __future__ import annotations

from fraudwatch.exceptions import Invalid, NotFound
from fraudwatch.infra import cache
from fraudwatch.infra.extensions import db
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage import reports as report_store
from fraudwatch.storage import users as user_store
from fraudwatch.storage.audit import add_audit_event
from fraudwatch.storage.models import Report, ReportNote, StatusChange
from fraudwatch.storage.transactions import in_transaction

BULK_MAX = 500
STATUS_ACTIONS = {"confirm": "confirmed", "dismiss": "dismissed", "needs_info": "needs_info"}
BULK_ACTIONS = (*STATUS_ACTIONS, "assign")  # assign: to `officer`, or unassign (None)
OFFICER_ROLES = ("officer", "admin")


def _officer(name: str | None) -> str | None:
    """The name of an active officer or admin (None: unassign), else Invalid."""
    if name is None:
        return None
    user = user_store.find_user(db.session, name)
    if user is None or not user.active or user.role not in OFFICER_ROLES:
        raise NotFound(f"no active officer or admin is called {name!r}", reason="no_such_officer",
                       params={"name": name})
    return user.name


def _assign(report: Report, officer: str | None, actor: str, reason: str) -> bool:
    if report.assigned_to == officer:
        return False
    report.assigned_to = officer
    what = f"assigned to {officer}" if officer else "unassigned"
    report.history.append(StatusChange(from_status=report.status, to_status=report.status, actor=actor,
                                       reason=f"{what}: {reason}"))
    return True


def assign(report_id: int, officer: str | None, reason: str, actor: str) -> Report:
    """Assign a report to an officer (None: unassign), saying why."""
    def work() -> None:
        name = _officer(officer)
        report = report_store.lock_reports(db.session, [report_id]).get(report_id)
        if report is None:
            raise NotFound(f"report {report_id} does not exist", reason="reports_missing", params={"ids": report_id})
        if _assign(report, name, actor, reason):
            add_audit_event(db.session, actor=actor, action="report.assign", target_type="report",
                            target_id=report_id, detail={"officer": name, "reason": reason})

    in_transaction(db.session, work)
    return report_store.get_report(db.session, report_id)


def add_note(report_id: int, body: str, actor: str) -> ReportNote:
    """Add an officer's note to a report."""
    def work() -> ReportNote:
        if report_store.lock_reports(db.session, [report_id]).get(report_id) is None:
            raise NotFound(f"report {report_id} does not exist", reason="reports_missing", params={"ids": report_id})
        note = report_store.add_note(db.session, report_id, actor, body)
        add_audit_event(db.session, actor=actor, action="report.note", target_type="report", target_id=report_id,
                        detail={"length": len(body)})
        return note

    return in_transaction(db.session, work)


def bulk(action: str, report_ids: list[int], reason: str, actor: str, officer: str | None = None) -> list[int]:
    """Apply one action to every report of a selection (one transaction); the ids changed."""
    ids = list(dict.fromkeys(report_ids))
    if action not in BULK_ACTIONS:
        raise Invalid("invalid action", fields={"action": f"must be one of {', '.join(BULK_ACTIONS)}"})
    if not 1 <= len(ids) <= BULK_MAX:
        raise Invalid("invalid selection", fields={"report_ids": f"must hold 1 to {BULK_MAX} reports"})

    def work() -> tuple[list[int], set[str]]:
        name = _officer(officer) if action == "assign" else None
        found = report_store.lock_reports(db.session, ids)
        missing = [i for i in ids if i not in found]
        if missing:
            shown = ", ".join(map(str, missing[:20])) + (" ..." if len(missing) > 20 else "")
            raise NotFound(f"nothing done: {len(missing)} of the reports do not exist ({shown})",
                           reason="bulk_missing", params={"count": len(missing), "ids": shown})
        changed, indicators = _apply(action, [found[i] for i in sorted(found)], reason, actor, name)
        add_audit_event(db.session, actor=actor, action=f"report.bulk_{action}", target_type="report",
                        detail={"report_ids": changed, "reason": reason, "officer": name, "asked": len(ids)})
        return changed, ind_store.refresh_indicators(db.session, indicators) if indicators else set()

    changed, scopes = in_transaction(db.session, work)
    cache.invalidate(scopes)
    return changed


def _apply(action: str, reports: list[Report], reason: str, actor: str, officer: str | None
           ) -> tuple[list[int], list[int]]:
    """Apply the action to each report; the ids changed and the indicators to recount."""
    changed: list[int] = []
    with report_store.status_batch(db.session):
        for report in reports:
            if action == "assign":
                done = _assign(report, officer, actor, reason)
            else:
                done = report_store.change_status(db.session, report, STATUS_ACTIONS[action], actor, reason)
            if done:
                changed.append(report.id)
    recount = action != "assign" and changed
    return changed, report_store.indicator_ids_of(db.session, changed) if recount else []
