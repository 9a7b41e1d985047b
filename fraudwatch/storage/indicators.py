"""Indicator rows: upsert, link to reports, recompute status and counts (from linked reports
and from crawl evidence of scam pages), find for lookups with the page evidence they show."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.indicators import Normalized
from fraudwatch.storage import delisting, pending, queue
from fraudwatch.storage.models import Evidence, EvidenceIndicator, Indicator, Report, ReportIndicator, utcnow
from fraudwatch.storage.sightings import record_sightings

OPEN_STATUSES = ("new", "triaging", "needs_info", "duplicate")
# sources whose status this service derives (from reports and crawls); a feed's listed status stands
OWN_SOURCES = ("report", "crawl")
CHUNK = 400
RETIER_JOB = "retier_indicator"  # a job kind (fraudwatch.jobs.tasks): the reports naming a re-tiered indicator
WATCH_CONFIRMED_JOB = "watch_confirmed"  # a job kind: match an indicator that became confirmed against watch lists
MAX_PAGE_SIGNALS = 8


def scope_of(item: Normalized) -> str:
    """The cache scope of an indicator: its registrable domain for URLs, domains and e-mails."""
    return item.scope


def dialect_insert(session: Session):
    """The backend's INSERT construct (it has ON CONFLICT DO NOTHING)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def upsert_indicators(session: Session, items: Sequence[Normalized], *, source: str = "report",
                      status: str = "suspected", seen: datetime | None = None,
                      note: str | None = None) -> dict[tuple[str, str], int]:
    """Insert the indicators that do not exist yet; return {(type, value): id} for all.

    Rows go in (type, value) order: two transactions inserting the same new values wait
    for each other in that order, never in a circle."""
    seen = seen or utcnow()
    unique = dict(sorted({(i.type, i.value): i for i in items}.items()))
    insert = dialect_insert(session)
    rows = [{"type": i.type, "value": i.value, "match_key": i.match_key, "display": i.display[:2100],
             "host": i.host, "scope": scope_of(i), "status": status, "source": source, "note": note,
             "report_count": 0, "first_seen": seen, "last_seen": seen} for i in unique.values()]
    statement = insert(Indicator.__table__).on_conflict_do_nothing(index_elements=["type", "value"])
    if rows:
        session.connection().execute(statement, rows)  # executemany: no per-row SQL compilation
    return existing_ids(session, list(unique))


def link_report(session: Session, report_id: int, links: dict[int, str], *,
                sighting: str | None = "report") -> None:
    """Link a report to indicator ids with a role (models.LINK_ROLES); a link that exists
    keeps its role. The indicators' counts take in the new links (lock them first: see
    lock_indicators); their status is the caller's `refresh_indicators`. Each new link is a
    sighting from `sighting` (None: not one, as when reports are merged), recorded before the
    counts move `last_seen`."""
    if not links:
        return
    insert = dialect_insert(session)
    added = list(session.scalars(insert(ReportIndicator).values(
        [{"report_id": report_id, "indicator_id": i, "role": role} for i, role in links.items()]
    ).on_conflict_do_nothing(index_elements=["report_id", "indicator_id"]).returning(ReportIndicator.indicator_id)))
    if sighting and added:
        record_sightings(session, added, sighting, ref=f"report:{report_id}")
    count_new_links(session, report_id, added)


def count_new_links(session: Session, report_id: int, indicator_ids: Sequence[int]) -> None:
    """Add one report's new links to its indicators' counts, score and dates (in SQL: every
    caller holds the indicators' locks, and concurrent increments add up)."""
    if not indicator_ids:
        return
    # FOR SHARE: a status change of this report under way (it holds the row) commits first, and
    # its status is the one counted; one that starts later shifts these links with the rest
    status, score, created = session.execute(
        sa.select(Report.status, Report.scam_score, Report.created_at).where(Report.id == report_id)
        .with_for_update(read=True)).one()
    i = Indicator.__table__.c
    created = sa.literal(created, i.first_seen.type)
    values = {"report_count": i.report_count + 1,
              "confirmed_count": i.confirmed_count + int(status == "confirmed"),
              "open_count": i.open_count + int(status in OPEN_STATUSES),
              "first_seen": sa.case((i.first_seen > created, created), else_=i.first_seen),
              "last_seen": sa.case((i.last_seen < created, created), else_=i.last_seen)}
    if score is not None:
        values["max_score"] = sa.case((sa.or_(i.max_score.is_(None), i.max_score < score), score), else_=i.max_score)
    for chunk in _chunks(sorted(set(indicator_ids))):
        session.execute(sa.update(Indicator.__table__).where(i.id.in_(chunk)).values(values))


def _weights(status: str | None) -> tuple[int, int]:
    return int(status == "confirmed"), int(status in OPEN_STATUSES)


def shift_status_counts(session: Session, changes: Iterable[tuple[int, str | None, str]]) -> None:
    """Reports changed status, (report id, from, to) each: move them between the confirmed
    and open counts of the indicators they name. Runs at the change (the links are the ones
    the report has then); takes the indicators' locks."""
    shifts: dict[int, list[int]] = {}
    for report_id, before, after in changes:
        (c0, o0), (c1, o1) = _weights(before), _weights(after)
        if (c0, o0) != (c1, o1):
            shift = shifts.setdefault(report_id, [0, 0])
            shift[0] += c1 - c0
            shift[1] += o1 - o0
    per_indicator: dict[int, list[int]] = {}
    for chunk in _chunks(sorted(shifts)):
        links = sa.select(ReportIndicator.indicator_id, ReportIndicator.report_id).where(
            ReportIndicator.report_id.in_(chunk))
        for indicator_id, report_id in session.execute(links):
            total = per_indicator.setdefault(indicator_id, [0, 0])
            total[0] += shifts[report_id][0]
            total[1] += shifts[report_id][1]
    moved = [{"b_id": k, "b_confirmed": c, "b_open": o} for k, (c, o) in sorted(per_indicator.items()) if c or o]
    if not moved:
        return
    lock_indicators(session, per_indicator)
    i = Indicator.__table__.c
    session.connection().execute(
        sa.update(Indicator.__table__).where(i.id == sa.bindparam("b_id")).values(
            confirmed_count=i.confirmed_count + sa.bindparam("b_confirmed"),
            open_count=i.open_count + sa.bindparam("b_open")), moved)


def shift_score(session: Session, indicator_ids: Sequence[int], before: float | None, after: float | None) -> None:
    """A linked report's score changed: raise the indicators' best score to it, or, where the
    old score was the best and it fell, take the best of their reports again."""
    if not indicator_ids or before == after:
        return
    i = Indicator.__table__.c
    ids = sorted(set(indicator_ids))
    if after is not None:
        session.execute(sa.update(Indicator.__table__).where(
            i.id.in_(ids), sa.or_(i.max_score.is_(None), i.max_score < after)).values(max_score=after))
    if before is not None and (after is None or after < before):
        best = (sa.select(sa.func.max(Report.scam_score)).join(ReportIndicator, ReportIndicator.report_id == Report.id)
                .where(ReportIndicator.indicator_id == i.id).scalar_subquery())
        session.execute(sa.update(Indicator.__table__).where(i.id.in_(ids), i.max_score == before)
                        .values(max_score=best))


def lock_indicators(session: Session, indicator_ids: Iterable[int]) -> list[int]:
    """Lock indicator rows until commit, in id order (PostgreSQL; a no-op on SQLite, which
    has one writer); return the sorted ids.

    FOR NO KEY UPDATE, not FOR UPDATE: linking a report to an indicator takes a KEY SHARE
    lock on its row (the foreign key), which FOR UPDATE would wait for, so two reports
    linking the same domain deadlocked (9 of 300 concurrent reports, issue #8). Taken
    before linking, it also makes concurrent refreshes of one row run one after another,
    each counting the links the other committed."""
    ids = sorted(set(indicator_ids))
    if ids:
        session.execute(sa.select(Indicator.id).where(Indicator.id.in_(ids)).order_by(Indicator.id)
                        .with_for_update(key_share=True))
    return ids


def recount_indicators(session: Session, indicator_ids: Iterable[int]) -> set[str]:
    """Count again, from every linked report, what the indicators keep in step (after links
    were deleted, or to repair), then refresh them; return their scopes. Costs a scan of
    each indicator's links: the everyday paths add and shift instead."""
    ids = lock_indicators(session, indicator_ids)
    if not ids:
        return set()
    r = Report
    stats = sa.select(
        ReportIndicator.indicator_id, sa.func.count(), sa.func.max(r.scam_score),
        sa.func.sum(sa.case((r.status == "confirmed", 1), else_=0)),
        sa.func.sum(sa.case((r.status.in_(OPEN_STATUSES), 1), else_=0)),
        sa.func.min(r.created_at), sa.func.max(r.created_at),
    ).join(r, r.id == ReportIndicator.report_id).where(
        ReportIndicator.indicator_id.in_(ids)).group_by(ReportIndicator.indicator_id)
    found = {row[0]: row[1:] for row in session.execute(stats)}
    fresh = sa.select(Indicator).where(Indicator.id.in_(ids)).execution_options(populate_existing=True)
    for indicator in session.scalars(fresh):
        count, score, confirmed, open_, first, last = found.get(indicator.id, (0, None, 0, 0, None, None))
        indicator.report_count, indicator.max_score = count, score
        indicator.confirmed_count, indicator.open_count = confirmed or 0, open_ or 0
        if last is not None:
            indicator.last_seen = max(indicator.last_seen, last)
            indicator.first_seen = min(indicator.first_seen, first)
    session.flush()
    return refresh_indicators(session, ids)


def refresh_indicators(session: Session, indicator_ids: Iterable[int]) -> set[str]:
    """Derive the indicators' status from their counts and the crawl evidence naming them,
    and re-tier the reports naming those whose tier changed; return their scopes."""
    ids = lock_indicators(session, indicator_ids)
    if not ids:
        return set()
    paged = set(session.scalars(_counted_pages(ids, EvidenceIndicator.indicator_id).distinct()))
    scopes, retiered = set(), []
    fresh = sa.select(Indicator).where(Indicator.id.in_(ids)).execution_options(populate_existing=True)
    for indicator in session.scalars(fresh):
        scopes.add(indicator.scope)
        status = _derived_status(indicator, indicator.id in paged)
        # a delisted one stays delisted unless a report was confirmed since (storage/delisting.py)
        relisted = (indicator.delisted_at is not None and status == "confirmed_fraud"
                    and delisting.relist_if_confirmed_again(session, indicator))
        if status == "confirmed_fraud" and (indicator.status != status or relisted) and indicator.delisted_at is None:
            pending.add_pending(session, WATCH_CONFIRMED_JOB, indicator.id, "live")  # watch lists hear of it
        indicator.status = status
        tier = queue.indicator_tier(indicator.status, indicator.report_count)
        if tier != indicator.queue_tier:
            indicator.queue_tier = tier
            if indicator.report_count > queue.RETIER_INLINE:  # tens of thousands of rows: not in this request
                pending.add_pending(session, RETIER_JOB, indicator.id, "live")
            else:
                retiered.append(indicator.id)
    session.flush()
    queue.retier(session, retiered)  # the risk of the reports naming them changed
    return scopes


def _counted_pages(ids: Sequence[int], *columns) -> sa.Select:
    """`columns` of the links between `ids` and the scam pages naming them whose evidence
    counts: a crawl of no report, or of a report an officer did not dismiss (their judgement
    outweighs the page's verdict)."""
    return (sa.select(*columns).select_from(EvidenceIndicator)
            .join(Evidence, Evidence.id == EvidenceIndicator.evidence_id)
            .outerjoin(Report, Report.id == Evidence.report_id)
            .where(EvidenceIndicator.indicator_id.in_(ids),
                   sa.or_(Report.id.is_(None), Report.status != "dismissed")))


def _derived_status(indicator: Indicator, paged: bool) -> str:
    """The status its counts and the scam pages naming it give an indicator."""
    count, confirmed, open_ = indicator.report_count, indicator.confirmed_count, indicator.open_count
    if confirmed:
        return "confirmed_fraud"
    if open_:
        return "suspected"
    if paged:  # a feed's confirmed_fraud stays: the page adds nothing to it
        feed_confirmed = indicator.source not in OWN_SOURCES and indicator.status == "confirmed_fraud"
        return indicator.status if feed_confirmed else "suspected"
    if indicator.source == "crawl" or (count and indicator.source == "report"):
        return "dismissed"  # what made it suspected was dismissed by an officer
    return indicator.status if indicator.source != "report" else "suspected"


class LookupRow(NamedTuple):
    """The columns of an indicator a lookup answer needs."""

    id: int
    type: str
    match_key: str
    display: str
    status: str
    source: str
    note: str | None
    report_count: int
    max_score: float | None
    first_seen: datetime
    last_seen: datetime
    confidence: float | None  # the one its source gave (None: its status's, see indicators/decay.py)
    sighting_count: int
    delisted_at: datetime | None  # an accepted appeal took it off the lists
    paged: bool  # named by a scam page (see page_evidence_for)
    disputed: bool  # an appeal on it is open


# `paged` probes the (indicator_id) index of evidence_indicators, `disputed` the (indicator_id)
# index of appeals: found rows only, no join
_LOOKUP_SQL = (f"SELECT {', '.join(LookupRow._fields[:-2])}, EXISTS (SELECT 1 FROM evidence_indicators "
               "WHERE evidence_indicators.indicator_id = indicators.id), EXISTS (SELECT 1 FROM appeals "
               "WHERE appeals.indicator_id = indicators.id AND appeals.status = 'open') FROM indicators WHERE ")


def find_for_lookup(engine: sa.Engine, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[LookupRow]]:
    """Indicator rows for (type, match_key) pairs; several rows may share a match key.

    The lookup hot path, written against the DB-API on a pooled driver connection:
    SQLAlchemy's expression building and execution layers cost more than the indexed probe
    itself (measured in bench/README.md). Per type, `type = ? AND match_key = ?` or `IN
    (...)` so that the (type, match_key) index serves every backend (SQLite does not use it
    well for a one-element IN); up to 50 keys go in one statement, more in one per chunk."""
    by_type: dict[str, list[str]] = {}
    for kind, match_key in set(keys):
        by_type.setdefault(kind, []).append(match_key)
    parts = [(kind, chunk) for kind, values in sorted(by_type.items()) for chunk in _chunks(sorted(values))]
    groups = [parts] if sum(len(chunk) for _, chunk in parts) <= 50 else [[part] for part in parts]
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    out: dict[tuple[str, str], list[LookupRow]] = {}
    dbapi_error = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except dbapi_error as exc:  # the pool does not wrap a failed connect: do it, so callers see one kind
        raise sa.exc.DBAPIError.instance(_LOOKUP_SQL, [], exc, dbapi_error) from exc
    try:
        cursor = connection.cursor()
        for group in groups:
            if not group:
                continue
            where, params = [], []
            for kind, values in group:
                marks = ", ".join([mark] * len(values))
                test = f"match_key = {mark}" if len(values) == 1 else f"match_key IN ({marks})"
                where.append(f"(type = {mark} AND {test})")
                params += [kind, *values]
            try:
                cursor.execute(_LOOKUP_SQL + " OR ".join(where), params)
            except dbapi_error as exc:
                connection.invalidate(exc)  # a broken connection must not go back to the pool
                raise sa.exc.DBAPIError.instance(_LOOKUP_SQL, params, exc, dbapi_error) from exc
            for raw in cursor.fetchall():
                row = LookupRow(*raw[:9], _utc(raw[9]), _utc(raw[10]), raw[11], raw[12],
                                _utc(raw[13]) if raw[13] is not None else None, bool(raw[14]), bool(raw[15]))
                out.setdefault((row.type, row.match_key), []).append(row)
        cursor.close()
    finally:
        connection.close()  # back to the pool, rolled back
    return out


def _utc(value) -> datetime:
    """A driver's timestamp as an aware UTC datetime (SQLite hands back text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class PageEvidence(NamedTuple):
    """What a lookup shows of the scam page that names an indicator."""

    role: str  # `page` (its URL or domain) or `collector` (a form posts there)
    url: str
    final_url: str | None
    title: str | None
    label: str | None
    scam_score: float | None
    signals: list[str]


def page_evidence_for(engine: sa.Engine, indicator_ids: Iterable[int]) -> dict[int, PageEvidence]:
    """The latest counting scam page (see _counted_pages) of each indicator that has one."""
    ids = sorted(set(indicator_ids))
    if not ids:
        return {}
    counted = _counted_pages(ids, EvidenceIndicator.indicator_id,
                             sa.func.max(EvidenceIndicator.evidence_id).label("evidence_id")
                             ).group_by(EvidenceIndicator.indicator_id).subquery()
    query = (sa.select(counted.c.indicator_id, EvidenceIndicator.role, Evidence.url, Evidence.final_url,
                       Evidence.title, Evidence.verdict, Evidence.signals)
             .join(EvidenceIndicator, sa.and_(EvidenceIndicator.indicator_id == counted.c.indicator_id,
                                              EvidenceIndicator.evidence_id == counted.c.evidence_id))
             .join(Evidence, Evidence.id == counted.c.evidence_id))
    with engine.connect() as conn:
        return {row.indicator_id: _page(row) for row in conn.execute(query)}


def _page(row) -> PageEvidence:
    verdict = row.verdict if isinstance(row.verdict, dict) else {}
    score = verdict.get("scam_score")
    names = [s.get("code") for s in row.signals or [] if isinstance(s, dict) and s.get("code")]
    return PageEvidence(row.role, row.url, row.final_url, row.title, verdict.get("label"),
                        float(score) if isinstance(score, (int, float)) else None,
                        list(dict.fromkeys(names))[:MAX_PAGE_SIGNALS])


def report_ids_for(session: Session, indicator_ids: Iterable[int], limit: int = 20) -> dict[int, list[int]]:
    """The latest report ids linked to each indicator (officers only)."""
    out: dict[int, list[int]] = {}
    for indicator_id in set(indicator_ids):
        query = (sa.select(ReportIndicator.report_id).where(ReportIndicator.indicator_id == indicator_id)
                 .order_by(ReportIndicator.report_id.desc()).limit(limit))
        out[indicator_id] = list(session.scalars(query))
    return out


def existing_ids(session: Session, fields: Sequence[tuple]) -> dict[tuple[str, str], int]:
    """{(type, value): id} of the rows of `fields` (from `import_fields`) already stored:
    `type = ? AND value IN (...)` per type, which the unique index serves."""
    by_type: dict[str, list[str]] = {}
    for row in fields:
        by_type.setdefault(row[0], []).append(row[1])
    found: dict[tuple[str, str], int] = {}
    for kind, values in by_type.items():
        for chunk in _chunks(values):
            query = sa.select(Indicator.id, Indicator.type, Indicator.value).where(
                Indicator.type == kind, Indicator.value.in_(list(chunk)))
            found.update({(t, v): i for i, t, v in session.execute(query)})
    return found


def import_fields(items: Iterable[Normalized]) -> list[tuple[str, str, str, str, str | None, str]]:
    """(type, value, match_key, display, host, scope) per distinct (type, value), sorted by
    key: what `import_indicators` writes. Built where the items are normalised (a feed's
    worker processes), so that only plain tuples travel back to the writer."""
    fields = {(i.type, i.value): (i.type, i.value, i.match_key, i.display[:2100], i.host, i.scope) for i in items}
    return sorted(fields.values())


def _import_rows(session: Session, fields: Sequence[tuple], *, source: str, status: str, seen: datetime | None,
                 note: str | None, confidence: float | None) -> tuple[list[tuple], str, str]:
    """The parameter rows of a feed insert, one row's placeholders, and the statement's head."""
    seen = seen or utcnow()
    stamp = seen.strftime("%Y-%m-%d %H:%M:%S.%f") if session.get_bind().dialect.name == "sqlite" else seen
    tail = (status, source, note, 0, stamp, stamp, confidence)
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    head = ("INSERT INTO indicators (type, value, match_key, display, host, scope, status, source, note, "
            "report_count, first_seen, last_seen, confidence) VALUES ")
    return [row + tail for row in fields], "(" + ", ".join([mark] * 13) + ")", head


def import_indicators(session: Session, fields: Sequence[tuple[str, str, str, str, str | None, str]], *,
                      source: str, status: str, seen: datetime | None = None,
                      note: str | None = None, confidence: float | None = None) -> tuple[int, set[str]]:
    """Bulk-import indicators from a feed (rows from `import_fields`); return (how many
    were new, scopes touched). New rows get `confidence` (the source's; None: derived).

    The fast path of feeds: one driver-level executemany of plain tuples, rows sorted by
    key so the unique index is written in order."""
    if not fields:
        return 0, set()
    rows, marks, head = _import_rows(session, fields, source=source, status=status, seen=seen, note=note,
                                     confidence=confidence)
    sql = head + marks + " ON CONFLICT (type, value) DO NOTHING"
    new = session.connection().exec_driver_sql(sql, rows).rowcount
    return max(new, 0), {row[5] for row in fields}


def import_new(session: Session, fields: Sequence[tuple[str, str, str, str, str | None, str]], *,
               source: str, status: str, seen: datetime | None = None, note: str | None = None,
               confidence: float | None = None) -> set[tuple[str, str]]:
    """Like `import_indicators`, but answer the (type, value) of the rows that were new: RETURNING
    (psycopg's pipelined executemany; multi-row INSERTs of CHUNK rows on SQLite), so that telling
    new rows from stored ones reads nothing (a lookup of every row costs a scan per chunk on a
    table whose statistics lag behind a large load)."""
    rows, marks, head = _import_rows(session, fields, source=source, status=status, seen=seen, note=note,
                                     confidence=confidence)
    new: set[tuple[str, str]] = set()
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # psycopg: one statement, pipelined, a result per row
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.executemany(head + marks + " ON CONFLICT (type, value) DO NOTHING RETURNING type, value", rows,
                           returning=True)
        while True:
            new.update((kind, value) for kind, value in cursor.fetchall())
            if not cursor.nextset():
                break
        cursor.close()
        return new
    for chunk in _chunks(rows):
        sql = head + ", ".join([marks] * len(chunk)) + " ON CONFLICT (type, value) DO NOTHING RETURNING type, value"
        new.update((kind, value) for kind, value in connection.exec_driver_sql(
            sql, tuple(value for row in chunk for value in row)))
    return new
