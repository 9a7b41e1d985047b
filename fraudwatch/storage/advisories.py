"""Advisories of the public site (written by editors): the rows and the queries the pages need."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import Advisory


def get(session: Session, advisory_id: int, *, lock: bool = False) -> Advisory | None:
    """One advisory by id."""
    return session.get(Advisory, advisory_id, with_for_update=lock)


def add(session: Session, advisory: Advisory) -> None:
    """Store a new advisory (its id assigned)."""
    session.add(advisory)
    session.flush()


def by_slug(session: Session, slug: str) -> Advisory | None:
    """A published advisory by its address."""
    return session.scalar(sa.select(Advisory).where(Advisory.slug == slug, Advisory.status == "published"))


def slug_taken(session: Session, slug: str, other_than: int | None = None) -> bool:
    """True when another advisory has `slug`."""
    query = sa.select(Advisory.id).where(Advisory.slug == slug)
    if other_than is not None:
        query = query.where(Advisory.id != other_than)
    return session.scalar(query) is not None


def published(session: Session, language: str | None = None, limit: int = 20) -> list[Advisory]:
    """Published advisories, newest first (in one language when given)."""
    query = sa.select(Advisory).where(Advisory.status == "published")
    if language is not None:
        query = query.where(Advisory.language == language)
    return list(session.scalars(query.order_by(Advisory.published_at.desc(), Advisory.id.desc()).limit(limit)))


def for_editor(session: Session, limit: int = 200) -> list[Advisory]:
    """Every advisory, last changed first."""
    return list(session.scalars(sa.select(Advisory).order_by(Advisory.updated_at.desc(), Advisory.id.desc())
                                .limit(limit)))
