"""The model registry's rows (`model_versions`) and the officers' decisions a retrain learns from.

At most one version is `active`. Promoting one retires the active one; a rollback gives the
active version's promotion up (its `promoted_at` is cleared, so a second rollback goes further
back instead of returning to it) and re-activates the version promoted most recently before it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, load_only

from fraudwatch.storage.models import ModelVersion, PendingJob, Report, StatusChange, User, utcnow

STATUSES = ("candidate", "active", "retired", "rejected")
DECIDED = {"confirmed": "scam", "dismissed": "legit"}  # report status -> training label


@dataclass(frozen=True)
class Decision:
    """An officer's decision on a report: the report, its status, the label it teaches, when."""

    report: Report
    label: str
    decided_at: datetime


def list_versions(session: Session, limit: int = 200) -> list[ModelVersion]:
    """Versions, newest first."""
    query = sa.select(ModelVersion).order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc()).limit(limit)
    return list(session.scalars(query))


def get_version(session: Session, version: str) -> ModelVersion | None:
    """The version named `version`, or None."""
    return session.scalar(sa.select(ModelVersion).where(ModelVersion.version == version))


def get_by_id(session: Session, row_id: int) -> ModelVersion | None:
    """A version row re-read from the database (what others committed wins)."""
    return session.get(ModelVersion, row_id, populate_existing=True)


def active_version(session: Session) -> ModelVersion | None:
    """The active version (None while the registry has none: MODEL_DIR serves)."""
    return session.scalar(sa.select(ModelVersion).where(ModelVersion.status == "active").order_by(ModelVersion.id))


def active_pointer(session: Session) -> tuple[str, str] | None:
    """(version, path) of the active version: the one cheap read running processes poll."""
    row = session.execute(sa.select(ModelVersion.version, ModelVersion.path)
                          .where(ModelVersion.status == "active").order_by(ModelVersion.id).limit(1)).first()
    return (row[0], row[1]) if row else None


def add_version(session: Session, *, version: str, path: str, status: str, created_by: str,
                metrics: dict | None = None, comparison: dict | None = None, note: str | None = None,
                promoted: bool = False) -> ModelVersion:
    """Register a trained model folder (written, not committed); `promoted` stamps it as promoted now."""
    if status not in STATUSES:
        raise ValueError(f"unknown model status {status!r}")
    row = ModelVersion(version=version[:64], path=path, status=status, created_by=created_by[:120],
                       metrics=metrics, comparison=comparison, note=note, promoted_at=utcnow() if promoted else None)
    session.add(row)
    session.flush()
    return row


def activate(session: Session, row: ModelVersion, *, promoted: bool = True) -> ModelVersion | None:
    """Make `row` the one active version (the active one, if another, is retired and returned).
    `promoted` stamps its promotion time (a rollback keeps the old one)."""
    previous = session.scalar(sa.select(ModelVersion).where(ModelVersion.status == "active",
                                                            ModelVersion.id != row.id).with_for_update())
    if previous is not None:
        previous.status = "retired"
    row.status = "active"
    if promoted or row.promoted_at is None:
        row.promoted_at = utcnow()
    session.flush()
    return previous


def rollback_target(session: Session, current: ModelVersion) -> ModelVersion | None:
    """The retired version promoted most recently before `current` was."""
    if current.promoted_at is None:
        return None
    query = (sa.select(ModelVersion)
             .where(ModelVersion.status == "retired", ModelVersion.promoted_at.is_not(None),
                    ModelVersion.promoted_at <= current.promoted_at, ModelVersion.id != current.id)
             .order_by(ModelVersion.promoted_at.desc(), ModelVersion.id.desc()).limit(1))
    return session.scalar(query)


def decisions(session: Session) -> list[Decision]:
    """Confirmed and dismissed reports, oldest decision first (the time of the last status
    change that set their current status; ties by report id)."""
    changes = (sa.select(StatusChange.report_id, sa.func.max(StatusChange.created_at).label("at"))
               .join(Report, Report.id == StatusChange.report_id)
               .where(StatusChange.to_status == Report.status, StatusChange.to_status.in_(tuple(DECIDED)),
                      sa.or_(StatusChange.from_status.is_(None), StatusChange.from_status != StatusChange.to_status))
               .group_by(StatusChange.report_id).subquery())
    query = (sa.select(Report, changes.c.at).join(changes, changes.c.report_id == Report.id)
             .where(Report.status.in_(tuple(DECIDED)))
             .options(load_only(Report.id, Report.status, Report.message_text, Report.description, Report.url))
             .order_by(changes.c.at, Report.id))
    return [Decision(report, DECIDED[report.status], at) for report, at in session.execute(query)]


def open_job(session: Session, kind: str) -> PendingJob | None:
    """The oldest job of `kind` neither done nor given up (one retrain at a time)."""
    return session.scalar(sa.select(PendingJob).where(PendingJob.kind == kind, PendingJob.done_at.is_(None),
                                                      PendingJob.failed_at.is_(None)).order_by(PendingJob.id))


def job_state(session: Session, job_id: int, kind: str) -> dict | None:
    """A job of `kind` as admins see it (None: no such job)."""
    job = session.get(PendingJob, job_id, populate_existing=True)
    if job is None or job.kind != kind:
        return None
    state = ("done" if job.done_at else "failed" if job.failed_at else "retrying" if job.last_error
             else "running" if job.started_at else "queued")
    return {"job_id": job.id, "state": state, "attempts": job.attempts, "error": job.last_error}


def user_name(session: Session, user_id: int) -> str | None:
    """The name of user `user_id` (who asked for a retrain), or None."""
    return session.scalar(sa.select(User.name).where(User.id == user_id)) if user_id else None
