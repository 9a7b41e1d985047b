"""The public statistics' queries: grouped counts over the reports of a window of weeks (by week
and status, scam pattern, impersonated authority, channel, region) and a histogram of the time
from a report's arrival to its first decision. Each is one aggregate query over the window (the
created_at index bounds it); no report row is loaded into Python."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import Report, SiteSnapshot, StatusChange

WEEK_SECONDS = 7 * 24 * 3600
TRIAGE_BUCKET_SECONDS = 360  # the time to triage is counted in tenths of an hour
DECISIONS = ("confirmed", "dismissed", "duplicate")
DIMENSIONS = {"category": Report.verdict_category, "authority": Report.verdict_authority,
              "channel": Report.channel, "region": Report.region}


def _epoch(session: Session, column) -> sa.ColumnElement[int]:
    """Whole seconds since 1970 of a timestamp column, on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.cast(sa.func.strftime("%s", column), sa.BigInteger)
    return sa.cast(sa.func.floor(sa.extract("epoch", column)), sa.BigInteger)


def _week(session: Session, column, start: datetime) -> sa.ColumnElement[int]:
    """The week (0, 1, ...) of a timestamp at or after `start`, weeks starting at `start`."""
    return (_epoch(session, column) - int(start.timestamp())) // WEEK_SECONDS


def weekly_statuses(session: Session, start: datetime, end: datetime) -> list[tuple[int, str, int]]:
    """(week, status, reports) of the reports that arrived in [start, end)."""
    week = _week(session, Report.created_at, start).label("week")
    query = (sa.select(week, Report.status, sa.func.count())
             .where(Report.created_at >= start, Report.created_at < end)
             .group_by(week, Report.status))
    return [(int(w), status, int(n)) for w, status, n in session.execute(query)]


def dimension_counts(session: Session, start: datetime, end: datetime) -> list[tuple]:
    """(category, authority, channel, region, reports) of the reports that arrived in [start,
    end): one scan for every dimension (DIMENSIONS, in that order); a few thousand groups at
    most, as each dimension has a handful to a few dozen values."""
    columns = list(DIMENSIONS.values())
    query = (sa.select(*columns, sa.func.count()).where(Report.created_at >= start, Report.created_at < end)
             .group_by(*columns))
    return [tuple(row) for row in session.execute(query)]


def triage_histogram(session: Session, start: datetime, end: datetime) -> list[tuple[int, int, int]]:
    """(week of arrival, tenths of an hour to the first decision, reports) of the reports that
    arrived in [start, end) and were decided (confirmed, dismissed or duplicate)."""
    first = (sa.select(Report.created_at.label("arrived_at"),
                       sa.func.min(StatusChange.created_at).label("decided_at"))
             .join(StatusChange, StatusChange.report_id == Report.id)
             .where(Report.created_at >= start, Report.created_at < end, StatusChange.to_status.in_(DECISIONS))
             .group_by(Report.id, Report.created_at).subquery())
    week = _week(session, first.c.arrived_at, start).label("week")
    seconds = _epoch(session, first.c.decided_at) - _epoch(session, first.c.arrived_at)
    bucket = sa.case((seconds < 0, 0), else_=seconds // TRIAGE_BUCKET_SECONDS).label("bucket")
    query = sa.select(week, bucket, sa.func.count()).select_from(first).group_by(week, bucket)
    return [(int(w), int(b), int(n)) for w, b, n in session.execute(query)]


def snapshot(session: Session, name: str) -> SiteSnapshot | None:
    """A stored snapshot by name."""
    return session.get(SiteSnapshot, name)


def save_snapshot(session: Session, name: str, body: dict, computed_at: datetime) -> None:
    """Store (or replace) a snapshot."""
    row = session.get(SiteSnapshot, name, with_for_update=True)
    if row is None:
        session.add(SiteSnapshot(name=name, body=body, computed_at=computed_at))
    else:
        row.body, row.computed_at = body, computed_at
