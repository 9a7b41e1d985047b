"""Report rows: create (with duplicate linking), read, change status, merge, verdicts (the queue's
list and risk: storage/queue.py)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from fraudwatch.exceptions import Conflict
from fraudwatch.storage import indicators as ind_store
from fraudwatch.storage import pending, queue
from fraudwatch.storage.models import (
    CRAWL_LINK_ROLES,
    REPORT_STATUSES,
    Evidence,
    Indicator,
    Report,
    ReportIndicator,
    ReportNote,
    StatusChange,
    utcnow,
)

MAX_CHAIN = 32  # duplicate links followed at most (merges keep chains one link long)
# A crawl whose evidence has not come this long after the report was processed is no longer
# waited for (its job was lost or gave up: the report is not "pending" forever).
CRAWL_WAIT = timedelta(days=1)
REPORT_FIELDS = ("message_text", "url", "domain", "phone", "email", "company", "bank_account",
                 "description", "reporter_contact", "channel", "received_at")


def find_recent_duplicate(session: Session, content_hash: str, window: timedelta) -> Report | None:
    """The oldest report with the same content inside the window, or the report it is a
    duplicate of (the head of its group)."""
    query = (sa.select(Report).where(Report.content_hash == content_hash,
                                     Report.created_at >= utcnow() - window,
                                     Report.status != "dismissed")
             .order_by(Report.id).limit(1))
    original = session.scalars(query).first()
    return group_head(session, original) if original is not None else None


def group_head(session: Session, report: Report) -> Report:
    """The report at the head of `report`'s duplicate chain. Merges keep chains one link
    long and refuse cycles; a longer chain or a cycle left by older code is walked at most
    MAX_CHAIN links and stops where it would revisit a report."""
    seen = {report.id}
    for _ in range(MAX_CHAIN):
        if report.duplicate_of_id is None or report.duplicate_of_id in seen:
            return report
        parent = session.get(Report, report.duplicate_of_id)
        if parent is None:
            return report
        report = parent
        seen.add(report.id)
    return report


def lock_reports(session: Session, report_ids: list[int]) -> dict[int, Report]:
    """Reports by id, their rows locked until commit (PostgreSQL; SQLite has one writer), in id
    order so that two transactions never wait for each other in a circle; re-read after the
    lock so that checks see what concurrent transactions committed."""
    query = (sa.select(Report).where(Report.id.in_(sorted(set(report_ids)))).order_by(Report.id)
             .with_for_update(key_share=True).execution_options(populate_existing=True))
    return {report.id: report for report in session.scalars(query)}


def duplicates_of(session: Session, report_ids: list[int]) -> list[Report]:
    """Reports linked as duplicates of any of these reports."""
    if not report_ids:
        return []
    return list(session.scalars(sa.select(Report).where(Report.duplicate_of_id.in_(report_ids))
                                .order_by(Report.id)))


def add_report(session: Session, fields: dict, *, content_hash: str, source: str,
               submitted_by: str | None, duplicate_of: Report | None) -> Report:
    """Insert a report (status `duplicate` and linked when `duplicate_of` is given)."""
    report = Report(**{k: fields.get(k) for k in REPORT_FIELDS if fields.get(k) is not None},
                    content_hash=content_hash, source=source, submitted_by=submitted_by)
    report.status = "new"
    session.add(report)
    session.flush()
    report.history.append(StatusChange(from_status=None, to_status="new", actor="system",
                                       reason=f"received via {source}"))
    if duplicate_of is not None:
        report.duplicate_of_id = duplicate_of.id
        _record(session, report, "duplicate", "system",
                f"same content as report {duplicate_of.id} within the duplicate window")
    return report


_SHIFTS = "fraudwatch.status_shifts"  # session.info: status changes a batch collects


@contextmanager
def status_batch(session: Session) -> Iterator[None]:
    """Status changes inside move the counts of their indicators together, at the end (a bulk
    action: one pass over the links of 500 reports, not 500). Links must not change inside."""
    session.info[_SHIFTS] = []
    try:
        yield
        ind_store.shift_status_counts(session, session.info[_SHIFTS])
    finally:
        del session.info[_SHIFTS]


def _record(session: Session, report: Report, to_status: str, actor: str, reason: str | None) -> None:
    change = StatusChange(from_status=report.status, to_status=to_status, actor=actor, reason=reason)
    if "history" in report.__dict__:  # loaded: keep it in step
        report.history.append(change)
    else:  # not loaded: a row of its own (a bulk action does not read 500 histories to add to them)
        session.add(change)
        change.report_id = report.id
    shift = (report.id, report.status, to_status)
    report.status = to_status
    if _SHIFTS in session.info:
        session.info[_SHIFTS].append(shift)
    else:  # the indicators' confirmed and open counts follow the report
        ind_store.shift_status_counts(session, [shift])


def get_report(session: Session, report_id: int) -> Report | None:
    """One report with its history and indicators."""
    query = (sa.select(Report).where(Report.id == report_id)
             .options(selectinload(Report.history), selectinload(Report.links).selectinload(ReportIndicator.indicator)))
    return session.scalars(query).first()


def change_status(session: Session, report: Report, to_status: str, actor: str, reason: str | None) -> bool:
    """Record a status change; return False when the report already has that status."""
    if to_status not in REPORT_STATUSES:
        raise ValueError(f"unknown status '{to_status}'")
    if report.status == to_status:
        return False
    _record(session, report, to_status, actor, reason)
    return True


def merge_reports(session: Session, target: Report, others: list[Report], actor: str, reason: str | None) -> list[int]:
    """Mark `others` (and the reports already linked to them) duplicates of `target` and give
    `target` their indicators (written to the database, not committed); return the ids of
    every indicator involved. The caller checks that the merge is allowed (`merge_problem`)."""
    moved: set[int] = set()
    followers = [r for r in duplicates_of(session, [o.id for o in others]) if r.id != target.id]
    for other in [*others, *followers]:
        why = reason or f"merged into report {target.id}"
        if other in followers and other.duplicate_of_id != target.id:
            why = f"its report {other.duplicate_of_id} was merged into report {target.id}"
        other.duplicate_of_id = target.id
        if other.status != "duplicate":
            _record(session, other, "duplicate", actor, why)
        else:
            other.history.append(StatusChange(from_status="duplicate", to_status="duplicate", actor=actor, reason=why))
        moved.update(link.indicator_id for link in other.links)
    existing = {link.indicator_id for link in target.links}
    target.history.append(StatusChange(from_status=target.status, to_status=target.status, actor=actor,
                                       reason=f"merged reports {sorted(o.id for o in others)}"))
    session.flush()
    ind_store.lock_indicators(session, moved - existing)  # before the links: see lock_indicators
    ind_store.link_report(session, target.id, dict.fromkeys(sorted(moved - existing), "merged"),
                          sighting=None)  # a merge sees nothing again
    session.expire(target, ["links"])
    queue.rescore(session, [target.id, *(o.id for o in others), *(f.id for f in followers)])
    return sorted(moved | existing)


def merge_problem(target: Report, others: list[Report]) -> Conflict | None:
    """Why these reports cannot be merged into `target` (the refusal to raise), or None. Only
    the head of a group takes merges (so no merge can close a cycle), and a confirmed report
    keeps its verdict."""
    if target.duplicate_of_id is not None:
        return Conflict(f"report {target.id} is itself a duplicate of report {target.duplicate_of_id}; "
                        f"merge into report {target.duplicate_of_id} instead",
                        reason="merge_into_duplicate", params={"id": target.id, "head": target.duplicate_of_id})
    confirmed = sorted(o.id for o in others if o.status == "confirmed")
    if confirmed:
        ids = ", ".join(map(str, confirmed))
        return Conflict(f"confirmed report(s) {ids} cannot become duplicates; "
                        "change their status first if that is what you mean",
                        reason="merge_confirmed", params={"ids": ids})
    return None


def set_verdict(session: Session, report: Report, verdict: dict) -> None:
    """Store the classifier's verdict on a report."""
    report.verdict = verdict
    report.verdict_label = verdict.get("label")
    score = verdict.get("scam_score")
    report.scam_score = float(score) if isinstance(score, (int, float)) else None
    report.verdict_at = utcnow()
    queue.fill_verdict_columns(report, verdict)
    queue.rescore(session, [report.id])


def store_verdict(session: Session, report_id: int, verdict: dict) -> set[str] | None:
    """Store a verdict on a report under its row lock and recount its indicators (written,
    not committed); the cache scopes to drop, or None when the report is gone."""
    locked = lock_reports(session, [report_id]).get(report_id)
    if locked is None:
        return None
    before = locked.scam_score
    set_verdict(session, locked, verdict)
    indicator_ids = [link.indicator_id for link in locked.links]
    ind_store.lock_indicators(session, indicator_ids)
    ind_store.shift_score(session, indicator_ids, before, locked.scam_score)
    return ind_store.refresh_indicators(session, indicator_ids)


def mark_processed(session: Session, report_id: int) -> bool:
    """Stamp a report as processed (verdict and crawl queued); False when it is gone."""
    report = session.get(Report, report_id, populate_existing=True)
    if report is None:
        return False
    report.processed_at = utcnow()
    return True


def add_note(session: Session, report_id: int, actor: str, body: str) -> ReportNote:
    """Store an officer's note on a report."""
    note = ReportNote(report_id=report_id, actor=actor, body=body)
    session.add(note)
    session.flush()
    return note


def notes_of(session: Session, report_id: int) -> list[ReportNote]:
    """A report's notes, oldest first."""
    return list(session.scalars(sa.select(ReportNote).where(ReportNote.report_id == report_id)
                                .order_by(ReportNote.id)))


def indicator_ids_of(session: Session, report_ids: list[int]) -> list[int]:
    """Ids of the indicators these reports name."""
    query = (sa.select(ReportIndicator.indicator_id).where(ReportIndicator.report_id.in_(report_ids))
             .distinct().order_by(ReportIndicator.indicator_id))
    return list(session.scalars(query)) if report_ids else []


def url_indicators_of(session: Session, report_id: int) -> list[tuple[int, str]]:
    """(id, value) of the URL indicators linked to a report, by id (none for an unknown report);
    not those its crawl found (a page's landing URL was fetched; a form's target is not ours
    to fetch)."""
    query = (sa.select(Indicator.id, Indicator.value)
             .join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
             .where(ReportIndicator.report_id == report_id, Indicator.type == "url",
                    ReportIndicator.role.not_in(CRAWL_LINK_ROLES)).order_by(Indicator.id))
    return [(indicator_id, value) for indicator_id, value in session.execute(query)]


def pending_of(session: Session, report_id: int) -> list[str]:
    """What is still to come for a report, read from its own rows only (never from other
    reports): `verdict` while its job is open and it has none; `crawl` while a URL it names
    (not one merged into it or found by its crawl) has no evidence for this report yet and its job is open or
    ran less than CRAWL_WAIT ago."""
    row = session.execute(sa.select(Report.verdict_at, Report.processed_at).where(Report.id == report_id)).first()
    if row is None:
        return []
    verdict_at, processed_at = row
    job_open = pending.report_job_open(session, report_id)
    out = ["verdict"] if job_open and verdict_at is None else []
    recent = processed_at is not None and processed_at > utcnow() - CRAWL_WAIT
    if (job_open or recent) and _uncrawled_urls(session, report_id):
        out.append("crawl")
    return out


def _uncrawled_urls(session: Session, report_id: int) -> bool:
    crawled = sa.exists().where(Evidence.report_id == report_id, Evidence.indicator_id == Indicator.id)
    query = (sa.select(Indicator.id).join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
             .where(ReportIndicator.report_id == report_id,
                    ReportIndicator.role.not_in(("merged", *CRAWL_LINK_ROLES)),
                    Indicator.type == "url", ~crawled).limit(1))
    return session.scalar(query) is not None
