"""Campaign rows: what a report shares with others (MinHash bands, grouping indicators), joining
and merging campaigns, and their counts, first/last seen, authorities and patterns.

Which reports belong together is decided by `fraudwatch.services.campaigns`; this module only
reads and writes. Dismissed reports neither join a campaign nor pull others into one."""
from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.indicators import dialect_insert
from fraudwatch.storage.models import Campaign, Indicator, Report, ReportBand, ReportIndicator, utcnow

GROUPING_TYPES = ("domain", "url", "phone", "email")  # a company name or bank account is not a lure's own
PER_BAND = 8  # reports sampled per shared band as candidates of near-identical text
PER_INDICATOR = 20  # reports sampled per shared indicator
LOCK_KEY = 0x66770011  # PostgreSQL advisory lock: one campaign assignment at a time
CAMPAIGN_STATUSES = ("open", "confirmed", "dismissed")
TOP_VALUES = 10  # authorities / patterns kept on a campaign


class Link(NamedTuple):
    """A report's link to an indicator that may group it with others."""

    indicator_id: int
    type: str
    value: str
    host: str | None
    role: str


class Candidate(NamedTuple):
    """A report whose text shares a band with the one being assigned."""

    id: int
    text: str
    campaign_id: int | None


def lock_assignments(session: Session) -> None:
    """Serialise campaign assignment until commit (PostgreSQL; SQLite has one writer), so two
    reports of one new campaign never create two campaigns."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))


def report_for_grouping(session: Session, report_id: int) -> Report | None:
    """The report row (its text, status and campaign)."""
    return session.get(Report, report_id, populate_existing=True)


def set_bands(session: Session, report_id: int, keys: Sequence[str]) -> None:
    """Replace a report's MinHash band keys."""
    session.execute(sa.delete(ReportBand).where(ReportBand.report_id == report_id))
    if keys:
        session.execute(sa.insert(ReportBand), [{"report_id": report_id, "band": k} for k in dict.fromkeys(keys)])


# One sample per band / per indicator, as one statement: text, built once per number of parts
# (building and compiling 16 wrapped SQLAlchemy selects cost more than running them).
_SAMPLES = {
    "band": "SELECT report_id FROM report_bands WHERE band = :k{i} AND report_id != :me LIMIT :n",
    "indicator": ("SELECT r.campaign_id, r.id FROM report_indicators l JOIN reports r ON r.id = l.report_id "
                  "WHERE l.indicator_id = :k{i} AND l.role != 'merged' AND l.report_id != :me "
                  "AND r.status != 'dismissed' LIMIT :n"),
}


@functools.lru_cache(maxsize=64)
def _sampled(kind: str, parts: int) -> sa.TextClause:
    """UNION ALL of `parts` limited samples (each wrapped: SQLite refuses a bare LIMIT there)."""
    return sa.text(" UNION ALL ".join(f"SELECT * FROM ({_SAMPLES[kind].format(i=i)}) AS s{i}" for i in range(parts)))


def _sample(session: Session, kind: str, keys: Sequence, report_id: int, per: int) -> list[tuple]:
    params = {"me": report_id, "n": per, **{f"k{i}": key for i, key in enumerate(keys)}}
    return [tuple(row) for row in session.execute(_sampled(kind, len(keys)), params)]


def band_candidates(session: Session, report_id: int, keys: Sequence[str], per_band: int = PER_BAND
                    ) -> list[Candidate]:
    """Other reports (not dismissed) that share bands with this one: at most `per_band` of each
    band (any of them: the members of a campaign are alike), most shared bands first."""
    if not keys:
        return []
    shared: dict[int, int] = {}
    for (rid,) in _sample(session, "band", list(dict.fromkeys(keys)), report_id, per_band):
        shared[rid] = shared.get(rid, 0) + 1
    if not shared:
        return []
    query = (sa.select(Report.id, sa.func.coalesce(Report.message_text, Report.description, ""), Report.campaign_id)
             .where(Report.id.in_(list(shared)), Report.status != "dismissed"))
    found = [Candidate(*row) for row in session.execute(query)]
    return sorted(found, key=lambda c: (-shared[c.id], -c.id))


def grouping_links(session: Session, report_id: int) -> list[Link]:
    """The report's links to domains, URLs, phones and e-mail addresses (not those merged in)."""
    query = (sa.select(Indicator.id, Indicator.type, Indicator.value, Indicator.host, ReportIndicator.role)
             .join(ReportIndicator, ReportIndicator.indicator_id == Indicator.id)
             .where(ReportIndicator.report_id == report_id, ReportIndicator.role != "merged",
                    Indicator.type.in_(GROUPING_TYPES)).order_by(Indicator.id))
    return [Link(*row) for row in session.execute(query)]


def _sharing(indicator_ids: Sequence[int], report_id: int) -> sa.Select:
    return (sa.select(ReportIndicator.report_id)
            .where(ReportIndicator.indicator_id.in_(list(indicator_ids)), ReportIndicator.role != "merged",
                   ReportIndicator.report_id != report_id))


def indicator_neighbours(session: Session, indicator_ids: Sequence[int], report_id: int,
                         per_indicator: int = PER_INDICATOR) -> tuple[set[int], bool]:
    """(campaigns of other reports (not dismissed) sharing these indicators, whether any of them
    has none), from at most `per_indicator` reports of each indicator: every report that shares
    an indicator is in one campaign once assigned, so a sample finds it."""
    if not indicator_ids:
        return set(), False
    ids = list(indicator_ids)
    found = [campaign for start in range(0, len(ids), 16)
             for campaign, _ in _sample(session, "indicator", ids[start:start + 16], report_id, per_indicator)]
    return {c for c in found if c is not None}, None in found


def shared_indicators(session: Session, indicator_ids: Sequence[int], report_id: int) -> set[int]:
    """Which of these indicators another report (not dismissed) names too."""
    if not indicator_ids:
        return set()
    query = (sa.select(ReportIndicator.indicator_id).join(Report, Report.id == ReportIndicator.report_id)
             .where(ReportIndicator.indicator_id.in_(list(indicator_ids)), ReportIndicator.role != "merged",
                    ReportIndicator.report_id != report_id, Report.status != "dismissed").distinct())
    return set(session.scalars(query))


def campaign_for_key(session: Session, key: str, kind: str, title: str) -> int:
    """The id of the campaign with this key, created (open, empty) when there is none."""
    now = utcnow()
    session.execute(dialect_insert(session)(Campaign).values(
        key=key[:200], kind=kind, title=title[:300], status="open", report_count=0, first_seen=now, last_seen=now,
        created_at=now, updated_at=now).on_conflict_do_nothing(index_elements=["key"]))
    return session.scalar(sa.select(Campaign.id).where(Campaign.key == key[:200]))


def lock_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """A campaign, its row locked until commit (PostgreSQL), re-read."""
    return session.get(Campaign, campaign_id, with_for_update=True, populate_existing=True)


def merge_campaigns(session: Session, survivor: int, others: Iterable[int]) -> list[int]:
    """Move the reports of `others` into `survivor` and delete them; the ids merged away."""
    gone = sorted(set(others) - {survivor})
    if gone:
        session.execute(sa.update(Report).where(Report.campaign_id.in_(gone)).values(campaign_id=survivor)
                        .execution_options(synchronize_session=False))
        session.execute(sa.delete(Campaign).where(Campaign.id.in_(gone)))
    return gone


def join_campaign(session: Session, campaign_id: int, report_ids: Iterable[int], report_id: int,
                  indicator_ids: Sequence[int]) -> None:
    """Put these reports, and every report without a campaign (not dismissed) that shares one of
    the indicators with `report_id` (none when `indicator_ids` is empty), into the campaign."""
    ids = sorted(set(report_ids))
    if ids:
        session.execute(sa.update(Report).where(Report.id.in_(ids), Report.campaign_id.is_distinct_from(campaign_id))
                        .values(campaign_id=campaign_id).execution_options(synchronize_session=False))
    if indicator_ids:
        loose = _sharing(indicator_ids, report_id).scalar_subquery()
        session.execute(sa.update(Report).where(Report.id.in_(loose), Report.campaign_id.is_(None),
                                                Report.status != "dismissed").values(campaign_id=campaign_id)
                        .execution_options(synchronize_session=False))


def _counted(session: Session, campaign_id: int, column: sa.Column) -> list[dict]:
    query = (sa.select(column, sa.func.count()).where(Report.campaign_id == campaign_id, column.is_not(None))
             .group_by(column).order_by(sa.func.count().desc(), column).limit(TOP_VALUES))
    return [{"code": code, "count": count} for code, count in session.execute(query)]


def refresh_campaigns(session: Session, campaign_ids: Iterable[int]) -> list[int]:
    """Recount reports, first/last seen, authorities and patterns (verdict categories) of these
    campaigns; an empty campaign is deleted. The ids that still exist."""
    kept = []
    for campaign_id in sorted(set(campaign_ids)):
        campaign = session.get(Campaign, campaign_id, populate_existing=True)
        if campaign is None:
            continue
        count, first, last = session.execute(
            sa.select(sa.func.count(), sa.func.min(Report.created_at), sa.func.max(Report.created_at))
            .where(Report.campaign_id == campaign_id)).one()
        if not count:
            session.delete(campaign)
            continue
        campaign.report_count, campaign.first_seen, campaign.last_seen = count, first, last
        campaign.authorities = _counted(session, campaign_id, Report.verdict_authority)
        campaign.patterns = _counted(session, campaign_id, Report.verdict_category)
        campaign.updated_at = utcnow()
        kept.append(campaign_id)
    session.flush()
    return kept


def report_ids_after(session: Session, after_id: int, limit: int) -> list[int]:
    """The next `limit` report ids after `after_id` (the backfill's keyset)."""
    return list(session.scalars(sa.select(Report.id).where(Report.id > after_id).order_by(Report.id).limit(limit)))


def grouped_count(session: Session) -> int:
    """How many reports are in a campaign."""
    return session.scalar(sa.select(sa.func.count()).select_from(Report).where(Report.campaign_id.is_not(None)))


def reset_all(session: Session) -> None:
    """Forget every campaign and band (the backfill rebuilds them)."""
    session.execute(sa.update(Report).where(Report.campaign_id.is_not(None)).values(campaign_id=None)
                    .execution_options(synchronize_session=False))
    session.execute(sa.delete(ReportBand))
    session.execute(sa.delete(Campaign))
