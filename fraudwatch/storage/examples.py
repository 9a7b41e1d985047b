"""Published examples of scam patterns (the public site) and what publishing reads: the status
changes into or out of confirmed since a cursor, and the reports they changed."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import Attachment, Campaign, PublishedExample, Report, SiteSnapshot, StatusChange, utcnow

STATES = ("candidate", "published", "withdrawn")


def confirmation_changes(session: Session, after_id: int, limit: int) -> list:
    """(id, report_id) of status changes after `after_id` into or out of confirmed, oldest first."""
    query = (sa.select(StatusChange.id, StatusChange.report_id).where(StatusChange.id > after_id)
             .where(sa.or_(StatusChange.to_status == "confirmed", StatusChange.from_status == "confirmed"))
             .order_by(StatusChange.id).limit(limit))
    return session.execute(query).all()


def last_change_before(session: Session, after_id: int, before: datetime) -> int | None:
    """The id of the last status change after `after_id` made before `before`."""
    return session.scalar(sa.select(sa.func.max(StatusChange.id))
                          .where(StatusChange.id > after_id, StatusChange.created_at < before))


def reports_to_settle(session: Session, report_ids: list[int]) -> list:
    """What publishing needs of these reports (no reporter data)."""
    return session.execute(
        sa.select(Report.id, Report.status, Report.channel, Report.verdict_category, Report.verdict_authority,
                  Report.message_text, Report.description, Report.url, Report.campaign_id)
        .where(Report.id.in_(report_ids))).all()


def screenshot_texts(session: Session, report_ids: list[int]) -> dict[int, str]:
    """The text OCR read in the screenshots of these reports, joined per report."""
    rows = session.execute(sa.select(Attachment.report_id, Attachment.ocr_text)
                           .where(Attachment.report_id.in_(report_ids), Attachment.ocr_text.is_not(None))
                           .order_by(Attachment.report_id, Attachment.id))
    found: dict[int, list[str]] = {}
    for report_id, text in rows:
        if text.strip():
            found.setdefault(report_id, []).append(text.strip())
    return {report_id: "\n".join(texts) for report_id, texts in found.items()}


def campaigns_shown(session: Session, campaign_ids: set[int]) -> set[int]:
    """Those of `campaign_ids` with an example published or waiting for an editor."""
    if not campaign_ids:
        return set()
    query = (sa.select(Report.campaign_id).join(PublishedExample, PublishedExample.report_id == Report.id)
             .where(Report.campaign_id.in_(sorted(campaign_ids)),
                    PublishedExample.state.in_(("published", "candidate"))).distinct())
    return set(session.scalars(query))


def examples_of(session: Session, report_ids: list[int]) -> dict[int, PublishedExample]:
    """The examples of these reports, locked, by report id."""
    rows = session.scalars(sa.select(PublishedExample).where(PublishedExample.report_id.in_(report_ids))
                           .with_for_update())
    return {row.report_id: row for row in rows}


def add_example(session: Session, **fields) -> PublishedExample:
    """Store a new example."""
    example = PublishedExample(**fields)
    session.add(example)
    return example


def get_example(session: Session, example_id: int) -> PublishedExample | None:
    """One example, locked for a change."""
    return session.get(PublishedExample, example_id, with_for_update=True)


def cursor(session: Session, name: str) -> int:
    """A cursor kept in site_snapshots (0 when never saved)."""
    row = session.get(SiteSnapshot, name)
    return int(row.body.get("id", 0)) if row is not None else 0


def save_cursor(session: Session, name: str, value: int) -> None:
    """Keep a cursor in site_snapshots."""
    row = session.get(SiteSnapshot, name)
    if row is None:
        session.add(SiteSnapshot(name=name, body={"id": value}, computed_at=utcnow()))
    else:
        row.body, row.computed_at = {"id": value}, utcnow()


def published(session: Session, pattern: str | None = None, limit: int = 10,
              before_id: int | None = None) -> list[PublishedExample]:
    """Published examples, newest first (of one pattern when given; older than `before_id`),
    each with `campaign_reports`: how many reports its campaign has (None outside one)."""
    query = (sa.select(PublishedExample, Campaign.report_count)
             .join(Report, Report.id == PublishedExample.report_id)
             .outerjoin(Campaign, Campaign.id == Report.campaign_id)
             .where(PublishedExample.state == "published"))
    if pattern is not None:
        query = query.where(PublishedExample.pattern == pattern)
    if before_id is not None:
        query = query.where(PublishedExample.id < before_id)
    found = []
    for example, campaign_reports in session.execute(query.order_by(PublishedExample.id.desc()).limit(limit)):
        example.campaign_reports = campaign_reports
        found.append(example)
    return found


def counts_by_pattern(session: Session) -> dict[str, int]:
    """How many published examples each pattern has."""
    rows = session.execute(sa.select(PublishedExample.pattern, sa.func.count())
                           .where(PublishedExample.state == "published").group_by(PublishedExample.pattern))
    return {row[0]: row[1] for row in rows}


def for_editor(session: Session, states: Iterable[str] = STATES, limit: int = 100,
               offset: int = 0) -> list[PublishedExample]:
    """Examples in `states`, last changed first, for the editor's page."""
    return list(session.scalars(sa.select(PublishedExample).where(PublishedExample.state.in_(tuple(states)))
                                .order_by(PublishedExample.updated_at.desc(), PublishedExample.id.desc())
                                .limit(limit).offset(offset)))


def report_status(session: Session, report_id: int) -> str | None:
    """A report's status."""
    return session.scalar(sa.select(Report.status).where(Report.id == report_id))
