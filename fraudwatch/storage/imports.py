"""Import sources (feeds pulled on a schedule) and import runs (what each import did)."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import ImportRun, ImportSource, utcnow

RUN_FIELDS = ("rows", "imported", "bad", "bad_reasons", "samples", "not_modified", "error")


def start_run(session: Session, *, source: str, format: str, confidence: float | None,
              licence: str | None) -> ImportRun:
    """A new run, flushed (it has its id); the caller commits."""
    run = ImportRun(source=source[:64], format=format[:16], confidence=confidence,
                    licence=(licence or None) and licence[:300], started_at=utcnow())
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, **fields: object) -> ImportRun:
    """Record what a run did (RUN_FIELDS) and when it finished; the caller commits."""
    run = session.get(ImportRun, run_id)
    for name, value in fields.items():
        if name not in RUN_FIELDS:
            raise ValueError(f"unknown run field {name}")
        setattr(run, name, value)
    run.finished_at = utcnow()
    session.flush()
    return run


def recent_runs(session: Session, *, limit: int = 50, source: str | None = None,
                before: int | None = None) -> list[ImportRun]:
    """Runs newest first (by id), of one source or all, with ids below `before`."""
    query = sa.select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)
    if source:
        query = query.where(ImportRun.source == source)
    if before:
        query = query.where(ImportRun.id < before)
    return list(session.scalars(query))


def add_source(session: Session, **fields: object) -> ImportSource:
    """A new source (ValueError when the name is taken); the caller commits."""
    if session.scalar(sa.select(ImportSource.id).where(ImportSource.name == fields["name"])):
        raise ValueError(f"a source named {fields['name']!r} exists")
    source = ImportSource(**fields)
    session.add(source)
    session.flush()
    return source


def list_sources(session: Session) -> list[ImportSource]:
    """Every source by name."""
    return list(session.scalars(sa.select(ImportSource).order_by(ImportSource.name)))


def get_source(session: Session, name: str) -> ImportSource | None:
    """The source named `name`."""
    return session.scalar(sa.select(ImportSource).where(ImportSource.name == name))


def remove_source(session: Session, name: str) -> bool:
    """Delete the source named `name` (its runs stay); False when there is none."""
    return bool(session.execute(sa.delete(ImportSource).where(ImportSource.name == name)).rowcount)


def due_sources(session: Session, now: datetime | None = None) -> list[ImportSource]:
    """Enabled sources never pulled, or pulled `interval_seconds` ago or more."""
    now = now or utcnow()
    due = []
    for source in session.scalars(sa.select(ImportSource).where(ImportSource.enabled.is_(True))
                                  .order_by(ImportSource.id)):
        last = source.last_pull_at
        if last is None or last + timedelta(seconds=source.interval_seconds) <= now:
            due.append(source)
    return due


def mark_pulled(session: Session, source_id: int, *, etag: str | None = None, last_modified: str | None = None,
                keep_validators: bool = False) -> None:
    """A pull of the source happened now; its new validators (kept as they were when
    `keep_validators`, e.g. after a 304 or a failure). The caller commits."""
    values: dict[str, object] = {"last_pull_at": utcnow()}
    if not keep_validators:
        values["etag"] = (etag or None) and etag[:300]
        values["last_modified"] = (last_modified or None) and last_modified[:64]
    session.execute(sa.update(ImportSource).where(ImportSource.id == source_id).values(**values))


def refresh_statistics(session: Session, table: str = "indicators") -> bool:
    """PostgreSQL: ANALYZE `table` when more of its rows changed since its last analysis than it
    had then (a feed just loaded into it, autovacuum not there yet), so that a feed's lookups by
    (type, value) probe the unique index instead of scanning every row of a type; True when it ran.
    The caller commits (the lock it takes only keeps other ANALYZEs and VACUUMs waiting)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    changed, estimated = session.execute(sa.text(
        "SELECT s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
        "WHERE s.relname = :table"), {"table": table}).one_or_none() or (0, 0)
    if changed <= max(estimated, 0) + 1000:
        return False
    session.execute(sa.text(f'ANALYZE "{table}"'))
    return True
