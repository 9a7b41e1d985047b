"""Pending jobs: follow-up work written in the same transaction as the data it concerns.

A row is open until its job is done or given up (`failed_at`, after MAX_ATTEMPTS attempts
that raised). After a failed attempt it waits `not_before` (backoff) before it may be put
on the queue again; whether it is still on the queue is asked of the queue (see
`fraudwatch.services.outbox.pump`), not guessed from the clock."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import PendingJob, utcnow

BACKOFF_SECONDS = (5, 30, 120, 600)  # wait before attempt 2, 3, 4, 5...
REPORT_KINDS = ("process_report", "classify_report")  # jobs whose target is a report


def add_pending(session: Session, kind: str, target_id: int, queue: str = "live") -> PendingJob:
    """Record that `kind` must run for `target_id`, on the `queue` role (live or bulk)."""
    job = PendingJob(kind=kind, target_id=target_id, queue=queue)
    session.add(job)
    session.flush()
    return job


def _open(now: datetime):
    return sa.and_(PendingJob.done_at.is_(None), PendingJob.failed_at.is_(None),
                   sa.or_(PendingJob.not_before.is_(None), PendingJob.not_before <= now))


def never_enqueued(session: Session, limit: int = 500) -> list[int]:
    """Ids of open jobs that were never put on the queue (Redis was down), oldest first."""
    query = (sa.select(PendingJob.id).where(_open(utcnow()), PendingJob.enqueued_at.is_(None))
             .order_by(PendingJob.id).limit(limit))
    return list(session.scalars(query))


def enqueued_before(session: Session, cutoff: datetime, limit: int = 500) -> list[int]:
    """Ids of open jobs last put on the queue before `cutoff` (to ask the queue about them),
    oldest first."""
    query = (sa.select(PendingJob.id).where(_open(utcnow()), PendingJob.enqueued_at < cutoff)
             .order_by(PendingJob.id).limit(limit))
    return list(session.scalars(query))


def queues_of(session: Session, job_ids: list[int]) -> dict[int, str]:
    """{job id: its queue role} of these jobs (unknown ids left out)."""
    if not job_ids:
        return {}
    query = sa.select(PendingJob.id, PendingJob.queue).where(PendingJob.id.in_(job_ids))
    return dict(session.execute(query).all())


def of_kinds(session: Session, job_ids: list[int], kinds: tuple[str, ...]) -> set[int]:
    """Those of these jobs whose kind is one of `kinds`."""
    if not job_ids:
        return set()
    return set(session.scalars(sa.select(PendingJob.id).where(PendingJob.id.in_(job_ids), PendingJob.kind.in_(kinds))))


def report_job_open(session: Session, report_id: int) -> bool:
    """True while a job of this report (processing or classification) is neither done nor given up."""
    query = sa.select(PendingJob.id).where(PendingJob.kind.in_(REPORT_KINDS), PendingJob.target_id == report_id,
                                           PendingJob.done_at.is_(None), PendingJob.failed_at.is_(None)).limit(1)
    return session.scalar(query) is not None


def mark_enqueued(session: Session, job_ids: list[int]) -> None:
    """Note that these jobs are on the queue now."""
    if job_ids:
        session.execute(sa.update(PendingJob).where(PendingJob.id.in_(job_ids)).values(enqueued_at=utcnow()))


def start_attempt(session: Session, job_id: int) -> PendingJob | None:
    """The job to run (its attempt counted), or None when it is unknown, done or given up."""
    job = session.get(PendingJob, job_id, with_for_update={"key_share": True}, populate_existing=True)
    if job is None or job.done_at is not None or job.failed_at is not None:
        return None
    job.attempts += 1
    job.started_at = utcnow()
    return job


def get_job(session: Session, job_id: int) -> PendingJob | None:
    """A pending job re-read from the database (what other transactions committed wins
    over what this session remembers)."""
    return session.get(PendingJob, job_id, populate_existing=True)


def finish(session: Session, job: PendingJob, error: str | None = None, max_attempts: int = 5) -> bool:
    """Mark a job done, or keep the error and schedule the next attempt (give up after
    `max_attempts`); return True when the job is closed (done or given up)."""
    now = utcnow()
    if error is None:
        job.done_at, job.last_error = now, None
        return True
    job.last_error = error[:2000]
    if job.attempts >= max_attempts:
        job.failed_at = now
        return True
    job.not_before = now + timedelta(seconds=BACKOFF_SECONDS[min(job.attempts, len(BACKOFF_SECONDS)) - 1])
    return False
