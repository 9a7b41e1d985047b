"""The officers' queue: how risky a report is, its place in the queue, and the queue query.

Risk (0-100, stored in `reports.risk`) is recomputed wherever one of its inputs changes: a
verdict is stored, a duplicate joins the report or is merged into it, or the status of one of
its indicators changes tier. It is the sum, capped at 100, of:

- the classifier: 60 x `scam_score` (0-1; no verdict yet counts 0),
- distinct reporters: 5 for each reporter beyond the first, at most 15 (`reporter_count`:
  the report and its duplicates, a reporter being the account that submitted it, else the
  contact it left, else the report itself),
- its indicators, the strongest counting: 20 for one confirmed as fraud, 8 for one still
  suspected that another report also names (every indicator a report names starts suspected),
- tax impersonation (the verdict says the message poses as a tax authority): 10.

The part without indicators is stored too (`risk_base`), so that an indicator changing tier
updates the risk of every report naming it in one statement (`retier`).

`queue_rank` = risk + RECENCY_PER_DAY x (days since 1970-01-01 of `created_at`), minus
IMPORT_OFFSET for imported reports. Recency is a stored term that only grows with
`created_at` (like Reddit's hot rank): nothing is rescored as time passes, a report two days
newer outranks one 8 risk points riskier, and the order is an index scan over
(queue_rank, id). IMPORT_OFFSET is larger than any live rank, so imports always sort after
every live (public or enterprise) report: a 3,000-message import never pushes a live report
off the first page.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, load_only

from fraudwatch.exceptions import Invalid
from fraudwatch.storage.models import Indicator, Report, ReportIndicator

SCORE_POINTS = 60.0
REPORTER_POINTS, REPORTER_POINTS_MAX = 5.0, 15.0
CONFIRMED_INDICATOR_POINTS, SHARED_INDICATOR_POINTS = 20.0, 8.0
TAX_POINTS = 10.0
TIER_POINTS = {2: CONFIRMED_INDICATOR_POINTS, 1: SHARED_INDICATOR_POINTS}
RECENCY_PER_DAY = 4.0
IMPORT_OFFSET = 1_000_000.0
IMPORT_SOURCES = ("import",)
SORTS = ("risk", "newest", "oldest")
QUEUE_SOURCES = ("public", "enterprise", "import")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RESCORE_CHUNK = 500
MANY_REPORTS = 2000  # an indicator filter naming more reports than this walks the queue's order
RETIER_INLINE = 2000  # an action re-tiers up to this many reports of an indicator itself; more, a job does
RETIER_CHUNK = 5000  # reports a retier job updates per transaction


def base_of(score: float | None, reporters: int, tax: bool) -> float:
    """The part of the risk that does not come from indicators (stored as `risk_base`)."""
    points = SCORE_POINTS * min(max(score or 0.0, 0.0), 1.0)
    points += min(REPORTER_POINTS * max(reporters - 1, 0), REPORTER_POINTS_MAX)
    return round(points + (TAX_POINTS if tax else 0.0), 2)


def risk_of(score: float | None, reporters: int, indicator_tier: int, tax: bool) -> float:
    """The risk (0-100) of a report from its inputs (see the module docstring)."""
    return min(base_of(score, reporters, tax) + TIER_POINTS.get(indicator_tier, 0.0), 100.0)


def rank_of(risk: float, created_at: datetime, source: str) -> float:
    """The queue rank: risk plus recency, imports below every live report."""
    days = (created_at.astimezone(UTC) - EPOCH).total_seconds() / 86400
    return risk + RECENCY_PER_DAY * days - (IMPORT_OFFSET if source in IMPORT_SOURCES else 0.0)


def indicator_tier(status: str, report_count: int) -> int:
    """How much an indicator raises its reports' risk: 2 confirmed fraud, 1 suspected and
    named by more than one report, 0 otherwise."""
    if status == "confirmed_fraud":
        return 2
    return 1 if status == "suspected" and report_count > 1 else 0


def _tiers(session: Session, report_ids: list[int]) -> dict[int, int]:
    query = (sa.select(ReportIndicator.report_id, Indicator.status, Indicator.report_count)
             .join(Indicator, Indicator.id == ReportIndicator.indicator_id)
             .where(ReportIndicator.report_id.in_(report_ids)))
    out: dict[int, int] = {}
    for report_id, status, count in session.execute(query):
        out[report_id] = max(out.get(report_id, 0), indicator_tier(status, count))
    return out


def _reporters(session: Session, head_ids: list[int]) -> dict[int, int]:
    head = sa.func.coalesce(Report.duplicate_of_id, Report.id)
    who = sa.func.coalesce(Report.submitted_by, Report.reporter_contact, sa.cast(Report.id, sa.String))
    query = (sa.select(head, sa.func.count(sa.distinct(who)))
             .where(sa.or_(Report.id.in_(head_ids), Report.duplicate_of_id.in_(head_ids))).group_by(head))
    return {row[0]: row[1] for row in session.execute(query)}


# what rescore reads and writes of a report (not its text: 500 at a time; and migration 0006
# runs it on a table that may lack columns added to the model since)
RESCORED = load_only(Report.id, Report.duplicate_of_id, Report.reporter_count, Report.verdict, Report.scam_score,
                     Report.risk_base, Report.risk, Report.created_at, Report.queue_rank, Report.source)


def rescore(session: Session, report_ids: Iterable[int]) -> None:
    """Recompute reporter count (of group heads), risk and queue rank of these reports
    (written to the session, not committed)."""
    ids = sorted(set(report_ids))
    for start in range(0, len(ids), RESCORE_CHUNK):
        chunk = ids[start:start + RESCORE_CHUNK]
        reports = list(session.scalars(sa.select(Report).where(Report.id.in_(chunk)).options(RESCORED)))
        tiers = _tiers(session, chunk)
        heads = [r.id for r in reports if r.duplicate_of_id is None]
        counts = _reporters(session, heads) if heads else {}
        for report in reports:
            if report.duplicate_of_id is None:
                report.reporter_count = counts.get(report.id, 1)
            tax = bool((report.verdict or {}).get("tax_impersonation"))
            report.risk_base = base_of(report.scam_score, report.reporter_count or 1, tax)
            report.risk = min(report.risk_base + TIER_POINTS.get(tiers.get(report.id, 0), 0.0), 100.0)
            report.queue_rank = rank_of(report.risk, report.created_at, report.source)
    session.flush()


def retier(session: Session, indicator_ids: Iterable[int]) -> None:
    """After these indicators changed tier: the risk and queue rank of every report naming
    them, in one UPDATE (an indicator may be named by many thousands of reports: an officer's
    action leaves those to `retier_chunk` in a job, see indicators.refresh_indicators). The
    rank keeps its recency term: rank - old risk + new risk."""
    ids = sorted(set(indicator_ids))
    if ids:
        _retier(session, sa.select(ReportIndicator.report_id).where(ReportIndicator.indicator_id.in_(ids)))


def retier_chunk(session: Session, indicator_id: int, after: int, size: int = RETIER_CHUNK) -> int | None:
    """Re-tier the next `size` reports (by id, after `after`) naming an indicator, their rows
    locked in id order; the last id done, or None when no report is left."""
    ids = list(session.scalars(sa.select(ReportIndicator.report_id).where(
        ReportIndicator.indicator_id == indicator_id, ReportIndicator.report_id > after)
        .order_by(ReportIndicator.report_id).limit(size)))
    if not ids:
        return None
    session.execute(sa.select(Report.id).where(Report.id.in_(ids)).order_by(Report.id).with_for_update(key_share=True))
    _retier(session, ids)
    return ids[-1] if len(ids) == size else None


def _retier(session: Session, report_ids) -> None:
    i, ri = Indicator, ReportIndicator
    tier = sa.case((i.status == "confirmed_fraud", CONFIRMED_INDICATOR_POINTS),
                   (sa.and_(i.status == "suspected", i.report_count > 1), SHARED_INDICATOR_POINTS), else_=0.0)
    best = (sa.select(sa.func.max(tier)).select_from(ri).join(i, i.id == ri.indicator_id)
            .where(ri.report_id == Report.id).scalar_subquery())
    total = Report.risk_base + sa.func.coalesce(best, 0.0)
    risk = sa.case((total > 100.0, 100.0), else_=total)
    session.execute(sa.update(Report).where(Report.id.in_(report_ids))
                    .values(risk=risk, queue_rank=Report.queue_rank - Report.risk + risk)
                    .execution_options(synchronize_session=False))


def fill_verdict_columns(report: Report, verdict: dict) -> None:
    """The verdict's authority, category and model version as filterable columns."""
    def text(name: str, limit: int) -> str | None:
        value = verdict.get(name)
        return value[:limit] if isinstance(value, str) and value else None

    report.verdict_authority = text("authority", 32)
    report.verdict_category = text("category", 32)
    report.model_version = text("model_version", 64)


@dataclass(frozen=True)
class Cursor:
    """Where a page of the queue ends: the sort it belongs to, the last rank and id."""

    sort: str
    rank: float | None
    id: int

    def encode(self) -> str:
        """The opaque string given to clients."""
        raw = json.dumps([self.sort, self.rank, self.id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, sort: str) -> Cursor:
        """The cursor in `text`, or Invalid naming the `cursor` field."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            kind, rank, last = json.loads(raw)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise Invalid("invalid cursor", fields={"cursor": "is not a cursor of this list"}) from None
        ok_rank = rank is None if kind != "risk" else (isinstance(rank, (int, float)) and not isinstance(rank, bool)
                                                      and math.isfinite(rank))
        if kind != sort or not ok_rank or not isinstance(last, int) or isinstance(last, bool) or not 0 < last < 2**31:
            raise Invalid("invalid cursor", fields={"cursor": f"is not a cursor of this list (sort={sort})"})
        return cls(kind, float(rank) if rank is not None else None, last)


@dataclass
class QueueFilter:
    """What an officer filters and sorts the queue by (None: not filtered)."""

    status: str | None = None
    channel: str | None = None
    label: str | None = None
    category: str | None = None
    authority: str | None = None
    source: str | None = None  # public | enterprise | import
    assigned_to: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_score: float | None = None
    indicator_id: int | None = None
    indicator: str | None = None  # an indicator's value (or its display form)
    sort: str = "risk"
    cursor: str | None = None
    limit: int = 50


def _source_condition(source: str) -> sa.ColumnElement[bool]:
    live = Report.source.not_in(IMPORT_SOURCES)
    return {"import": Report.source.in_(IMPORT_SOURCES),
            "public": sa.and_(live, Report.submitted_by.is_(None)),
            "enterprise": sa.and_(live, Report.submitted_by.is_not(None))}[source]


def _named_by(session: Session, f: QueueFilter) -> sa.ColumnElement[bool] | None:
    """Reports naming the indicator asked for (by id or value). An indicator named by many
    reports is tested row by row along the queue's order (EXISTS: a page stops after `limit`
    matches); a rarer one lists its reports (IN: no walk along the whole queue)."""
    if f.indicator_id is None and f.indicator is None:
        return None
    which = (Indicator.id == f.indicator_id if f.indicator_id is not None
             else sa.or_(Indicator.value == f.indicator, Indicator.display == f.indicator))
    found = session.execute(sa.select(Indicator.id, Indicator.report_count).where(which).limit(20)).all()
    ids = [row[0] for row in found]
    if sum(row[1] for row in found) > MANY_REPORTS:
        return sa.exists().where(ReportIndicator.report_id == Report.id, ReportIndicator.indicator_id.in_(ids))
    return Report.id.in_(sa.select(ReportIndicator.report_id).where(ReportIndicator.indicator_id.in_(ids)))


def _conditions(f: QueueFilter) -> list[sa.ColumnElement[bool]]:
    columns = {"status": Report.status, "channel": Report.channel, "label": Report.verdict_label,
               "category": Report.verdict_category, "authority": Report.verdict_authority,
               "assigned_to": Report.assigned_to}
    out = [column == getattr(f, name) for name, column in columns.items() if getattr(f, name) is not None]
    if f.source is not None:
        out.append(_source_condition(f.source))
    if f.since is not None:
        out.append(Report.created_at >= f.since)
    if f.until is not None:
        out.append(Report.created_at < f.until)
    if f.min_score is not None:
        out.append(Report.scam_score >= f.min_score)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        out.append(sa.or_(*(col.ilike(like, escape="\\") for col in (
            Report.message_text, Report.url, Report.domain, Report.company, Report.description))))
    return out


def _order(f: QueueFilter) -> tuple[list, sa.ColumnElement[bool] | None]:
    after = Cursor.decode(f.cursor, f.sort) if f.cursor else None
    if f.sort == "risk":
        keyset = None if after is None else sa.tuple_(Report.queue_rank, Report.id) < (after.rank, after.id)
        return [Report.queue_rank.desc(), Report.id.desc()], keyset
    if f.sort == "newest":
        return [Report.id.desc()], None if after is None else Report.id < after.id
    return [Report.id.asc()], None if after is None else Report.id > after.id


def list_queue(session: Session, f: QueueFilter) -> tuple[list[Report], str | None]:
    """A page of the queue and the cursor of the next page (None on the last page)."""
    if f.sort not in SORTS:
        raise Invalid("invalid sort", fields={"sort": f"must be one of {', '.join(SORTS)}"})
    order, keyset = _order(f)
    named = _named_by(session, f)
    conditions = _conditions(f) + [c for c in (keyset, named) if c is not None]
    query = sa.select(Report).where(*conditions).order_by(*order).limit(f.limit + 1)
    reports = list(session.scalars(query))
    if len(reports) <= f.limit:
        return reports, None
    reports = reports[:f.limit]
    last = reports[-1]
    return reports, Cursor(f.sort, last.queue_rank if f.sort == "risk" else None, last.id).encode()


def source_kind(report: Report) -> str:
    """public, enterprise or import: who a report came from, as the queue filters it."""
    if report.source in IMPORT_SOURCES:
        return "import"
    return "enterprise" if report.submitted_by else "public"


def link_counts(session: Session, report_ids: list[int]) -> dict[int, int]:
    """How many indicators each of these reports names."""
    if not report_ids:
        return {}
    query = (sa.select(ReportIndicator.report_id, sa.func.count()).where(ReportIndicator.report_id.in_(report_ids))
             .group_by(ReportIndicator.report_id))
    return {row[0]: row[1] for row in session.execute(query)}
