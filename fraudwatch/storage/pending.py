"""Pending jobs: follow-up work written in the same transaction as the data it concerns."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.models import PendingJob, utcnow


def add_pending(session: Session, kind: str, target_id: int) -> PendingJob:
    """Record that `kind` must run for `target_id`."""
    job = PendingJob(kind=kind, target_id=target_id)
    session.add(job)
    session.flush()
    return job


def due_pending(session: Session, retry_after: timedelta, limit: int = 500) -> list[PendingJob]:
    """Jobs never enqueued, or enqueued long ago and still not done."""
    cutoff = utcnow() - retry_after
    query = (sa.select(PendingJob).where(PendingJob.done_at.is_(None),
                                         sa.or_(PendingJob.enqueued_at.is_(None), PendingJob.enqueued_at < cutoff))
             .order_by(PendingJob.id).limit(limit))
    return list(session.scalars(query))


def mark_enqueued(session: Session, job_ids: list[int]) -> None:
    """Note that these jobs are on the queue now."""
    if job_ids:
        session.execute(sa.update(PendingJob).where(PendingJob.id.in_(job_ids)).values(enqueued_at=utcnow()))


def start_attempt(session: Session, job_id: int) -> PendingJob | None:
    """The job to run, or None when it is unknown or already done."""
    job = session.get(PendingJob, job_id)
    if job is None or job.done_at is not None:
        return None
    job.attempts += 1
    return job


def finish(session: Session, job: PendingJob, error: str | None = None) -> None:
    """Mark a job done, or keep the error for the next attempt."""
    if error is None:
        job.done_at = utcnow()
        job.last_error = None
    else:
        job.last_error = error[:2000]


def count_open(session: Session) -> int:
    """How many jobs are not done yet."""
    return session.scalar(sa.select(sa.func.count()).select_from(PendingJob).where(PendingJob.done_at.is_(None)))
