"""Appeal rows: add one, find one by receipt or id (locked to decide it), the open queue,
and the listed indicator an appeal is about."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import Appeal, Indicator

LISTED = ("confirmed_fraud", "suspected")


def listed_indicator(session: Session, kind: str, value: str, match_key: str) -> Indicator | None:
    """The listed (confirmed or suspected, not delisted) indicator of this type with this value,
    else one with this match key."""
    base = sa.select(Indicator).where(Indicator.type == kind, Indicator.status.in_(LISTED),
                                      Indicator.delisted_at.is_(None))
    found = session.scalars(base.where(Indicator.value == value)).first()
    if found is None:
        found = session.scalars(base.where(Indicator.match_key == match_key).order_by(Indicator.id).limit(1)).first()
    return found


def open_appeal_on(session: Session, indicator_id: int) -> Appeal | None:
    """An open appeal about this indicator, if any."""
    return session.scalars(sa.select(Appeal).where(Appeal.indicator_id == indicator_id, Appeal.status == "open")
                           .limit(1)).first()


def open_company_appeal(session: Session, value: str) -> Appeal | None:
    """An open appeal about this (unlisted) company name, if any."""
    return session.scalars(sa.select(Appeal).where(Appeal.type == "company", Appeal.value == value,
                                                   Appeal.indicator_id.is_(None), Appeal.status == "open")
                           .limit(1)).first()


def add_appeal(session: Session, **fields) -> Appeal:
    """Store a new appeal (status open)."""
    appeal = Appeal(status="open", **fields)
    session.add(appeal)
    session.flush()
    return appeal


def appeal_by_receipt(session: Session, receipt: str) -> Appeal | None:
    """The appeal with this receipt number."""
    return session.scalars(sa.select(Appeal).where(Appeal.receipt == receipt)).first()


def get_appeal(session: Session, appeal_id: int, *, lock: bool = False) -> Appeal | None:
    """The appeal with this id (locked until commit with `lock`)."""
    query = sa.select(Appeal).where(Appeal.id == appeal_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def get_indicator(session: Session, indicator_id: int) -> Indicator | None:
    """The indicator an appeal is about."""
    return session.get(Indicator, indicator_id)


def list_appeals(session: Session, status: str = "open", limit: int = 50) -> list[Appeal]:
    """Appeals in a status, oldest first (the queue's order)."""
    query = sa.select(Appeal).where(Appeal.status == status)
    order = Appeal.id if status == "open" else Appeal.id.desc()
    return list(session.scalars(query.order_by(order).limit(limit)))


def count_appeals(session: Session, status: str = "open") -> int:
    """How many appeals are in a status."""
    return session.scalar(sa.select(sa.func.count()).select_from(Appeal).where(Appeal.status == status)) or 0
