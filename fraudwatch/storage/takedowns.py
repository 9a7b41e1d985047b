"""Takedown rows (`takedowns`, `takedown_notices`): opening one for each confirmed URL and
domain, the revisits that are due, the list and detail officers read, notices, and the
figures of the time to takedown (a histogram in tenths of an hour, counted in SQL)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.indicators import OWN_SOURCES, dialect_insert
from fraudwatch.storage.models import Evidence, EvidenceIndicator, Indicator, Takedown, TakedownNotice
from fraudwatch.storage.statistics import TRIAGE_BUCKET_SECONDS, _epoch

TAKEDOWN_STATUSES = ("open", "notified", "down", "back")
NOTICE_PARTIES = ("registrar", "host", "cert")
NOTICE_STATUSES = ("sent", "acknowledged", "acted", "refused")
TYPES = ("url", "domain")
BUCKET_SECONDS = TRIAGE_BUCKET_SECONDS  # tenths of an hour


def _trackable() -> sa.ColumnElement[bool]:
    """Confirmed URLs and domains of this service's own judgement (a linked report an officer
    confirmed, or found by its reports or crawls), not delisted. A feed's confirmed rows are
    that feed's takedowns."""
    i = Indicator
    return sa.and_(i.type.in_(TYPES), i.status == "confirmed_fraud", i.delisted_at.is_(None),
                   sa.or_(i.confirmed_count > 0, i.source.in_(OWN_SOURCES)))


def open_missing(session: Session, now: datetime) -> int:
    """A takedown (status open, first check due now) for each trackable indicator without one;
    how many were opened. One INSERT ... SELECT; a concurrent sweep's rows are kept."""
    missing = (sa.select(Indicator.id, sa.literal("open"), sa.literal(now, Takedown.confirmed_at.type),
                         sa.literal(now, Takedown.next_check_at.type), sa.literal(now, Takedown.created_at.type))
               .where(_trackable(), ~sa.exists().where(Takedown.indicator_id == Indicator.id)))
    insert = dialect_insert(session)(Takedown.__table__).from_select(
        ["indicator_id", "status", "confirmed_at", "next_check_at", "created_at"], missing)
    result = session.execute(insert.on_conflict_do_nothing(index_elements=["indicator_id"]))
    return max(result.rowcount or 0, 0)


def claim_due(session: Session, now: datetime, lease_until: datetime, limit: int) -> list[int]:
    """The takedowns whose check is due (oldest first, at most `limit`), their next check moved
    to `lease_until` so that the next sweep does not queue them again; ids."""
    query = (sa.select(Takedown.id).join(Indicator, Indicator.id == Takedown.indicator_id)
             .where(Takedown.next_check_at <= now, _trackable())
             .order_by(Takedown.next_check_at, Takedown.id).limit(limit))
    ids = list(session.scalars(query))
    if ids:
        session.execute(sa.update(Takedown).where(Takedown.id.in_(ids)).values(next_check_at=lease_until))
    return ids


def get_takedown(session: Session, takedown_id: int, *, lock: bool = False) -> tuple[Takedown, Indicator] | None:
    """A takedown and its indicator (its row locked until commit with `lock`)."""
    query = (sa.select(Takedown, Indicator).join(Indicator, Indicator.id == Takedown.indicator_id)
             .where(Takedown.id == takedown_id))
    if lock:
        query = query.with_for_update(of=Takedown)
    row = session.execute(query).first()
    return (row[0], row[1]) if row else None


def baseline(session: Session, indicator_id: int) -> Evidence | None:
    """The latest crawl evidence of a page that named the indicator (directly or as a scam
    page's URL or domain) and was fetched: what a revisit compares with."""
    named = sa.or_(Evidence.indicator_id == indicator_id, Evidence.id.in_(
        sa.select(EvidenceIndicator.evidence_id).where(EvidenceIndicator.indicator_id == indicator_id)))
    query = (sa.select(Evidence).where(named, Evidence.content_hash.is_not(None))
             .order_by(Evidence.id.desc()).limit(1))
    return session.scalars(query).first()


@dataclass(frozen=True)
class TakedownFilter:
    """What the list asks for: a status (or any), keyset paging by id (newest first)."""

    status: str | None = None
    before_id: int | None = None
    limit: int = 50


def list_takedowns(session: Session, where: TakedownFilter) -> tuple[list[tuple[Takedown, Indicator]], bool]:
    """A page of takedowns with their indicators, newest first; and whether there are more."""
    query = sa.select(Takedown, Indicator).join(Indicator, Indicator.id == Takedown.indicator_id)
    if where.status is not None:
        query = query.where(Takedown.status == where.status)
    if where.before_id is not None:
        query = query.where(Takedown.id < where.before_id)
    rows = [(t, i) for t, i in session.execute(query.order_by(Takedown.id.desc()).limit(where.limit + 1))]
    return rows[:where.limit], len(rows) > where.limit


def notices_of(session: Session, takedown_id: int) -> list[TakedownNotice]:
    """A takedown's notices, oldest first."""
    query = sa.select(TakedownNotice).where(TakedownNotice.takedown_id == takedown_id).order_by(TakedownNotice.id)
    return list(session.scalars(query))


def add_notice(session: Session, takedown_id: int, party: str, contact: str, note: str | None, actor: str,
               now: datetime) -> TakedownNotice:
    """Record a notice sent (written, not committed)."""
    notice = TakedownNotice(takedown_id=takedown_id, party=party, contact=contact, status="sent", note=note,
                            actor=actor, created_at=now, updated_at=now)
    session.add(notice)
    session.flush()
    return notice


def lock_notice(session: Session, takedown_id: int, notice_id: int) -> TakedownNotice | None:
    """A takedown's notice, locked until commit; None when it is not that takedown's."""
    query = (sa.select(TakedownNotice).where(TakedownNotice.id == notice_id,
                                             TakedownNotice.takedown_id == takedown_id).with_for_update())
    return session.scalars(query).first()


def status_counts(session: Session) -> dict[str, int]:
    """Takedowns by status."""
    query = sa.select(Takedown.status, sa.func.count()).group_by(Takedown.status)
    return {status: int(n) for status, n in session.execute(query)}


def time_to_down(session: Session) -> dict[int, int]:
    """{tenths of an hour from confirmation to down: takedowns} of the sites that are down."""
    seconds = _epoch(session, Takedown.down_at) - _epoch(session, Takedown.confirmed_at)
    bucket = sa.case((seconds < 0, 0), else_=seconds // BUCKET_SECONDS).label("bucket")
    query = (sa.select(bucket, sa.func.count()).where(Takedown.status == "down", Takedown.down_at.is_not(None))
             .group_by(bucket))
    return {int(b): int(n) for b, n in session.execute(query)}
