"""Reading campaigns: the list (keyset pages by last seen or size, filters), one campaign's
reports per day, its reports (keyset), the indicators its reports share."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.exceptions import Invalid
from fraudwatch.storage.models import Campaign, Indicator, Report, ReportIndicator

CAMPAIGN_SORTS = ("last_seen", "report_count")
MAX_DAYS = 366  # days of counts shown: the most recent ones


@dataclass(frozen=True)
class CampaignFilter:
    """What the list shows: sort, status, kind, authority, pattern, min size, page."""

    sort: str = "last_seen"
    status: str | None = None
    kind: str | None = None
    authority: str | None = None
    pattern: str | None = None
    min_reports: int | None = None
    cursor: str | None = None
    limit: int = 50


def _sort_column(sort: str) -> sa.ColumnElement:
    return Campaign.last_seen if sort == "last_seen" else Campaign.report_count


def encode_cursor(sort: str, value: object, campaign_id: int) -> str:
    """An opaque keyset cursor after a campaign in this sort."""
    shown = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([sort, shown, campaign_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> tuple[object, int]:
    """(sort value, id) of a cursor of this sort, else Invalid (field `cursor`)."""
    try:
        name, value, campaign_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if name != sort or not isinstance(campaign_id, int) or isinstance(campaign_id, bool):
            raise ValueError("another sort")
        if sort == "last_seen":
            return datetime.fromisoformat(value), campaign_id
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("not a count")
        return value, campaign_id
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid("invalid cursor", fields={"cursor": "not a next_cursor of this sort"}) from exc


def _json_contains(column: sa.ColumnElement, code: str) -> sa.ColumnElement:
    """The campaign's authorities/patterns list has an entry with this code (any backend)."""
    return sa.cast(column, sa.Text).contains(f'"code": {json.dumps(code)}', autoescape=True)


def list_campaigns(session: Session, f: CampaignFilter) -> tuple[list[Campaign], str | None]:
    """A page of campaigns, most recent (or biggest) first; the cursor of the next page."""
    column = _sort_column(f.sort)
    query = sa.select(Campaign)
    for value, condition in ((f.status, Campaign.status == f.status), (f.kind, Campaign.kind == f.kind),
                             (f.min_reports, Campaign.report_count >= (f.min_reports or 0))):
        if value is not None:
            query = query.where(condition)
    if f.authority:
        query = query.where(_json_contains(Campaign.authorities, f.authority))
    if f.pattern:
        query = query.where(_json_contains(Campaign.patterns, f.pattern))
    if f.cursor:
        value, after = decode_cursor(f.sort, f.cursor)
        query = query.where(sa.or_(column < value, sa.and_(column == value, Campaign.id < after)))
    rows = list(session.scalars(query.order_by(column.desc(), Campaign.id.desc()).limit(f.limit + 1)))
    more, rows = len(rows) > f.limit, rows[:f.limit]
    last = rows[-1] if rows else None
    return rows, encode_cursor(f.sort, getattr(last, f.sort), last.id) if more and last else None


def get_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """One campaign."""
    return session.get(Campaign, campaign_id)


def per_day(session: Session, campaign: Campaign) -> list[tuple[date, int]]:
    """Reports per UTC day from the first to the last seen (at most MAX_DAYS, the latest), zeros included."""
    utc = Report.created_at
    if session.get_bind().dialect.name == "postgresql":
        utc = sa.func.timezone("UTC", Report.created_at)
    day = sa.func.date(utc)
    counts = {str(d): n for d, n in session.execute(
        sa.select(day, sa.func.count()).where(Report.campaign_id == campaign.id).group_by(day))}
    last = campaign.last_seen.date()
    first = max(campaign.first_seen.date(), last - timedelta(days=MAX_DAYS - 1))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [(d, counts.get(d.isoformat(), 0)) for d in days]


def campaign_reports(session: Session, campaign_id: int, before_id: int | None = None, limit: int = 50
                     ) -> list[Report]:
    """The campaign's reports, newest first, after `before_id` (keyset)."""
    query = sa.select(Report).where(Report.campaign_id == campaign_id)
    if before_id is not None:
        query = query.where(Report.id < before_id)
    return list(session.scalars(query.order_by(Report.id.desc()).limit(limit)))


def campaign_indicators(session: Session, campaign_id: int, limit: int = 20) -> list[tuple[Indicator, int]]:
    """The indicators most of the campaign's reports name, with how many of them do."""
    count = sa.func.count(sa.distinct(ReportIndicator.report_id))
    query = (sa.select(Indicator, count).join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
             .join(Report, Report.id == ReportIndicator.report_id)
             .where(Report.campaign_id == campaign_id, ReportIndicator.role != "merged")
             .group_by(Indicator.id).order_by(count.desc(), Indicator.id).limit(limit))
    return [(indicator, n) for indicator, n in session.execute(query)]


def open_report_ids(session: Session, campaign_id: int, statuses: tuple[str, ...]) -> list[int]:
    """Ids of the campaign's reports in these statuses, in id order."""
    query = (sa.select(Report.id).where(Report.campaign_id == campaign_id, Report.status.in_(statuses))
             .order_by(Report.id))
    return list(session.scalars(query))
