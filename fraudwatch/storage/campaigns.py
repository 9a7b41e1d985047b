"""Campaign rows: what a report shares with others (MinHash bands, grouping indicators), joining
and merging campaigns, and their counts, first/last seen, authorities and patterns.

Which reports belong together is decided by `fraudwatch.services.campaigns`; this module only
reads and writes. Dismissed reports neither join a campaign nor pull others into one."""
from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from fraudwatch.storage.indicators import dialect_insert
from fraudwatch.storage.models import Campaign, Indicator, Report, ReportBand, ReportIndicator, utcnow

GROUPING_TYPES = ("domain", "url", "phone", "email")  # a company name or bank account is not a lure's own
PER_BAND = 8  # reports sampled per shared band as candidates of near-identical text
PER_INDICATOR = 20  # reports sampled per shared indicator
LOCK_KEY = 0x66770011  # PostgreSQL advisory lock: one campaign assignment at a time
CAMPAIGN_STATUSES = ("open", "confirmed", "dismissed")
TOP_VALUES = 10  # authorities / patterns kept on a campaign
CHUNK = 500  # ids per IN list


class Link(NamedTuple):
    """A report's link to an indicator that may group it with others."""

    indicator_id: int
    type: str
    value: str
    host: str | None
    role: str


def lock_assignments(session: Session) -> None:
    """Serialise campaign assignment until commit (PostgreSQL; SQLite has one writer), so two
    reports of one new campaign never create two campaigns."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))


class Member(NamedTuple):
    """A report as grouping sees it: its status, campaign and text, and what its campaign counts."""

    id: int
    status: str
    campaign_id: int | None
    text: str  # message text, else description (an empty message falls back too)
    candidate_text: str  # the same, as a band candidate reads it (an empty message stays empty)
    created_at: datetime
    authority: str | None
    category: str | None


_MEMBER_COLUMNS = (Report.id, Report.status, Report.campaign_id, Report.message_text, Report.description,
                   Report.created_at, Report.verdict_authority, Report.verdict_category)


def _in(session: Session, column: sa.ColumnElement, ids: Sequence) -> sa.ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL `= ANY(array)`: one parameter (psycopg parses a query of
    hundreds of parameters again on every call, too long for its cache)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(ids), type_=postgresql.ARRAY(column.type)))
    return column.in_(list(ids))


def _member(row: sa.Row) -> Member:
    rid, status, campaign_id, message, description, created_at, authority, category = row
    return Member(rid, status, campaign_id, message or description or "",
                  message if message is not None else description or "", created_at, authority, category)


def members(session: Session, report_ids: Collection[int]) -> dict[int, Member]:
    """These reports (those that exist), by id."""
    ids = sorted(set(report_ids))
    return {m.id: m for start in range(0, len(ids), CHUNK) for m in map(_member, session.execute(
        sa.select(*_MEMBER_COLUMNS).where(_in(session, Report.id, ids[start:start + CHUNK]))))}


def bands_of(session: Session, report_ids: Sequence[int]) -> dict[int, list[str]]:
    """The band keys stored for these reports."""
    out: dict[int, list[str]] = {}
    for start in range(0, len(report_ids), CHUNK):
        query = sa.select(ReportBand.report_id, ReportBand.band).where(
            _in(session, ReportBand.report_id, list(report_ids[start:start + CHUNK])))
        for rid, band in session.execute(query):
            out.setdefault(rid, []).append(band)
    return out


def set_bands(session: Session, bands: dict[int, Sequence[str]], stored: Collection[int] | None = None) -> None:
    """Replace the MinHash band keys of these reports (one delete, one insert); only those in
    `stored` have keys to delete (all when it is None)."""
    ids = sorted(bands)
    gone = ids if stored is None else sorted(stored)
    for start in range(0, len(gone), CHUNK):
        session.execute(sa.delete(ReportBand).where(_in(session, ReportBand.report_id, gone[start:start + CHUNK])))
    rows = [(rid, k) for rid in ids for k in dict.fromkeys(bands[rid])]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":  # one statement (executemany sends a row at a time)
        session.execute(sa.text("INSERT INTO report_bands (report_id, band) "
                                "SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:bands AS text[]))"),
                        {"ids": [r for r, _ in rows], "bands": [k for _, k in rows]})
    else:  # Core executemany, not the ORM's bulk insert (several times slower here)
        session.connection().execute(ReportBand.__table__.insert(), [{"report_id": r, "band": k} for r, k in rows])


def grouping_links(session: Session, report_ids: Sequence[int]) -> dict[int, list[Link]]:
    """The reports' links to domains, URLs, phones and e-mail addresses (not those merged in),
    each report's in indicator order. (Links first, then their indicators: joined in one query,
    SQLite walks every indicator of those types.)"""
    links: list[tuple[int, int, str]] = []
    for start in range(0, len(report_ids), CHUNK):
        links += session.execute(sa.select(ReportIndicator.report_id, ReportIndicator.indicator_id,
                                           ReportIndicator.role)
                                 .where(_in(session, ReportIndicator.report_id, report_ids[start:start + CHUNK]),
                                        ReportIndicator.role != "merged")).all()
    wanted = sorted({indicator for _, indicator, _ in links})
    indicators = {row[0]: row for start in range(0, len(wanted), CHUNK) for row in session.execute(
        sa.select(Indicator.id, Indicator.type, Indicator.value, Indicator.host)
        .where(_in(session, Indicator.id, wanted[start:start + CHUNK]), Indicator.type.in_(GROUPING_TYPES)))}
    out: dict[int, list[Link]] = {}
    for rid, indicator, role in sorted(links):
        if indicator in indicators:
            out.setdefault(rid, []).append(Link(*indicators[indicator], role))
    return out


def links_among(session: Session, report_ids: Collection[int], indicator_ids: Collection[int]
                ) -> list[tuple[int, int]]:
    """(report, indicator) of these reports' links (not merged) to these indicators."""
    ids, wanted = sorted(report_ids), set(indicator_ids)
    return [(rid, indicator) for start in range(0, len(ids) if wanted else 0, CHUNK)
            for rid, indicator in session.execute(  # by report only: SQLite probes every pair of two IN lists
                sa.select(ReportIndicator.report_id, ReportIndicator.indicator_id)
                .where(_in(session, ReportIndicator.report_id, ids[start:start + CHUNK]),
                       ReportIndicator.role != "merged"))
            if indicator in wanted]


# Samples per band / per indicator of reports outside the batch's id range [lo, hi]: on
# PostgreSQL one LATERAL statement over the keys, on SQLite a UNION ALL of limited samples
# (each wrapped: SQLite refuses a bare LIMIT there; at most PARTS of them: its compound limit),
# text built once per number of parts (building 16 wrapped SQLAlchemy selects cost more than
# running them).
_OUTSIDE = "(report_id < :lo OR report_id > :hi)"
_SAMPLES = {
    "band": ("SELECT report_id FROM report_bands WHERE band = {k} AND " + _OUTSIDE + " LIMIT :n", "text"),
    "indicator": ("SELECT l.report_id FROM report_indicators l JOIN reports r ON r.id = l.report_id "
                  "WHERE l.indicator_id = {k} AND l.role != 'merged' AND "
                  + _OUTSIDE.replace("report_id", "l.report_id") + " AND r.status != 'dismissed' LIMIT :n", "bigint"),
}
PARTS = 200


@functools.lru_cache(maxsize=64)
def _sampled(kind: str, parts: int) -> sa.TextClause:
    sql = _SAMPLES[kind][0]
    return sa.text(" UNION ALL ".join(f"SELECT :k{i} AS k, s{i}.* FROM ({sql.format(k=f':k{i}')}) AS s{i}"
                                      for i in range(parts)))


def _sample(session: Session, kind: str, keys: Sequence, lo: int, hi: int, per: int) -> dict:
    """{key: [report id, ...]} (at most `per` each, any of them) outside [lo, hi]."""
    out: dict = {}
    if not keys:
        return out
    if session.get_bind().dialect.name == "postgresql":
        sql, sqltype = _SAMPLES[kind]
        rows = session.execute(sa.text(
            f"SELECT k.k, s.report_id FROM unnest(CAST(:keys AS {sqltype}[])) AS k(k) "
            f"CROSS JOIN LATERAL ({sql.format(k='k.k')}) AS s"), {"keys": list(keys), "lo": lo, "hi": hi, "n": per})
    else:
        rows = (row for start in range(0, len(keys), PARTS) for row in session.execute(
            _sampled(kind, len(keys[start:start + PARTS])),
            {"lo": lo, "hi": hi, "n": per, **{f"k{i}": k for i, k in enumerate(keys[start:start + PARTS])}}))
    for key, rid in rows:
        out.setdefault(key, []).append(rid)
    return out


def band_samples(session: Session, keys: Sequence[str], lo: int, hi: int, per_band: int = PER_BAND
                 ) -> dict[str, list[int]]:
    """Reports outside [lo, hi] filed under each band: at most `per_band` of each (any of
    them: the members of a campaign are alike)."""
    return _sample(session, "band", sorted(set(keys)), lo, hi, per_band)


def indicator_samples(session: Session, indicator_ids: Sequence[int], lo: int, hi: int,
                      per_indicator: int = PER_INDICATOR) -> dict[int, list[int]]:
    """Reports (not dismissed) outside [lo, hi] naming each indicator (not merged): at most
    `per_indicator` of each; every report that shares an indicator is in one campaign once
    assigned, so a sample finds it."""
    return _sample(session, "indicator", sorted(set(indicator_ids)), lo, hi, per_indicator)


_PULL = """WITH p(ord, campaign, indicator, me) AS (VALUES {values}),
hit AS (SELECT l.report_id, min(p.ord) AS ord FROM p JOIN report_indicators l ON l.indicator_id = p.indicator
        AND l.role != 'merged' AND l.report_id != p.me GROUP BY l.report_id)
UPDATE reports SET campaign_id = (SELECT DISTINCT p.campaign FROM hit JOIN p ON p.ord = hit.ord
                                  WHERE hit.report_id = reports.id)
WHERE id IN (SELECT report_id FROM hit) AND campaign_id IS NULL AND status != 'dismissed'
RETURNING {columns}"""


def pull_loose(session: Session, pulls: Sequence[tuple[int, Sequence[int], int]]) -> list[tuple[int, Member]]:
    """Each (campaign, indicators, report) in turn: put every report without a campaign (not
    dismissed) that shares one of the indicators with the report into the campaign (the first
    pull that reaches a report wins). One statement for them all; (campaign, report) moved."""
    pairs = [(order, campaign, indicator, report_id)
             for order, (campaign, indicators, report_id) in enumerate(pulls) for indicator in indicators]
    out = []
    for start in range(0, len(pairs), CHUNK):
        part = pairs[start:start + CHUNK]
        values = ", ".join(f"(CAST(:o{i} AS BIGINT), CAST(:c{i} AS BIGINT), CAST(:i{i} AS BIGINT), "
                           f"CAST(:m{i} AS BIGINT))" for i in range(len(part)))
        params = {f"{name}{i}": value for i, row in enumerate(part) for name, value in zip("ocim", row, strict=True)}
        columns = ", ".join(c.key for c in _MEMBER_COLUMNS)
        query = sa.text(_PULL.format(values=values, columns=columns)).columns(
            *(Report.__table__.c[c.key] for c in _MEMBER_COLUMNS))
        out += [(row[2], _member(row)) for row in session.execute(query, params)]
    return out


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


def set_campaigns(session: Session, moves: dict[int, Collection[int]]) -> None:
    """Put these reports into these campaigns ({campaign id: report ids}), one update per campaign."""
    for campaign_id, report_ids in sorted(moves.items()):
        ids = sorted(report_ids)
        for start in range(0, len(ids), CHUNK):
            session.execute(sa.update(Report).where(_in(session, Report.id, ids[start:start + CHUNK]))
                            .values(campaign_id=campaign_id).execution_options(synchronize_session=False))


def _top(counts: dict[str, int]) -> list[dict]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_VALUES]
    return [{"code": code, "count": count} for code, count in ordered]


def _complete(values: list | None, count: int) -> dict[str, int] | None:
    """A stored top list as counts when it holds every value (shorter than TOP_VALUES), else None."""
    if values is None:
        return {} if not count else None
    return {v["code"]: v["count"] for v in values} if len(values) < TOP_VALUES else None


def _recount(session: Session, campaigns: dict[int, Campaign]) -> None:
    """Count these campaigns' reports from scratch (a few grouped queries for all of them)."""
    ids = sorted(campaigns)
    for campaign in campaigns.values():
        campaign.report_count, campaign.authorities, campaign.patterns = 0, [], []
    tops: dict[tuple[int, str], dict[str, int]] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        for cid, count, first, last in session.execute(
                sa.select(Report.campaign_id, sa.func.count(), sa.func.min(Report.created_at),
                          sa.func.max(Report.created_at)).where(_in(session, Report.campaign_id, part))
                .group_by(Report.campaign_id)):
            campaigns[cid].report_count, campaigns[cid].first_seen, campaigns[cid].last_seen = count, first, last
        for name, column in (("authorities", Report.verdict_authority), ("patterns", Report.verdict_category)):
            for cid, code, count in session.execute(
                    sa.select(Report.campaign_id, column, sa.func.count())
                    .where(_in(session, Report.campaign_id, part), column.is_not(None))
                    .group_by(Report.campaign_id, column)):
                tops.setdefault((cid, name), {})[code] = count
    for (cid, name), counts in tops.items():
        setattr(campaigns[cid], name, _top(counts))


def _add(campaign: Campaign, joined: Sequence[Member]) -> bool:
    """Count reports that joined the campaign into its stored numbers; False when they cannot
    be (a top list already cut at TOP_VALUES: the values below it are not stored)."""
    count = campaign.report_count or 0
    authorities, patterns = _complete(campaign.authorities, count), _complete(campaign.patterns, count)
    if authorities is None or patterns is None:
        return False
    for member in joined:
        for counts, code in ((authorities, member.authority), (patterns, member.category)):
            if code is not None:
                counts[code] = counts.get(code, 0) + 1
    seen = [m.created_at for m in joined]
    if count:
        seen += [campaign.first_seen, campaign.last_seen]
    campaign.report_count, campaign.first_seen, campaign.last_seen = count + len(joined), min(seen), max(seen)
    campaign.authorities, campaign.patterns = _top(authorities), _top(patterns)
    return True


def refresh_campaigns(session: Session, campaign_ids: Iterable[int],
                      joined: dict[int, Sequence[Member]] | None = None) -> list[int]:
    """Update the reports, first/last seen, authorities and patterns (verdict categories) of these
    campaigns; an empty campaign is deleted. The ids that still exist.

    A campaign in `joined` only gained those reports since its numbers were last right: they are
    added to them (the work grows with the reports that joined, not with the campaign); the
    others are counted from scratch."""
    joined = joined or {}
    wanted = sorted(set(campaign_ids) | set(joined))
    rows = {c.id: c for start in range(0, len(wanted), CHUNK) for c in session.scalars(
        sa.select(Campaign).where(_in(session, Campaign.id, wanted[start:start + CHUNK]))
        .execution_options(populate_existing=True))}
    recount = {cid: c for cid, c in rows.items() if cid not in joined or not _add(c, joined[cid])}
    _recount(session, recount)
    now, kept = utcnow(), []
    for cid, campaign in sorted(rows.items()):
        if not campaign.report_count:
            session.delete(campaign)
            continue
        campaign.updated_at = now
        kept.append(cid)
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
