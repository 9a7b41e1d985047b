"""Crawl evidence: what fetching a reported or discovered URL found."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import Evidence

EVIDENCE_FIELDS = ("url", "final_url", "http_status", "content_hash", "title", "excerpt", "signals",
                   "verdict", "error")


def save_evidence(session: Session, data: dict, *, report_id: int | None = None,
                  indicator_id: int | None = None) -> Evidence:
    """Store one crawl result (unknown keys are ignored; excerpt bounded to 2,000 characters)."""
    row = Evidence(report_id=report_id, indicator_id=indicator_id,
                   **{k: data.get(k) for k in EVIDENCE_FIELDS if k in data})
    if row.excerpt:
        row.excerpt = row.excerpt[:2000]
    if row.title:
        row.title = row.title[:500]
    session.add(row)
    session.flush()
    return row


def evidence_for(session: Session, *, report_id: int | None = None, indicator_ids: list[int] | None = None,
                 limit: int = 20) -> list[Evidence]:
    """The latest evidence of a report or of indicators."""
    query = sa.select(Evidence)
    if report_id is not None:
        query = query.where(Evidence.report_id == report_id)
    if indicator_ids is not None:
        query = query.where(Evidence.indicator_id.in_(indicator_ids))
    return list(session.scalars(query.order_by(Evidence.id.desc()).limit(limit)))
