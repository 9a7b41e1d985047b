"""The outgoing feeds' table (feed_entries): the diff the feed sweep writes, and the reads every
feed format, STIX, TAXII and MISP export builds on.

One writer, the feed sweep (services/feeds.py, under a Redis lock), keeps feed_entries in step
with the indicators. It numbers every change with the next `seq` (max + 1, one transaction per
page, so seq order is commit order): a reader holding cursor C has seen every change up to C,
and the changes after it are exactly the rows with seq > C.

Rows, for feed "confirmed" (indicator status confirmed_fraud) or "suspected" (suspected):

- `indicator_id > 0`: the indicator's entry. `listed` true: in `feed` now; false: removed from
  `feed` (dismissed, delisted, decayed, deleted) and kept so that incremental readers hear of it.
- `indicator_id < 0`: a removal from the OTHER feed when an indicator moved (suspected ->
  confirmed, or back): -indicator_id moved out of `feed`, which its readers must hear, while its
  own row now carries the other feed. Always `listed` false. Readers treat it like any removal;
  `iter_entries` gives the real (positive) indicator id.

Reader API (pass an Engine; nothing holds a connection between pages, so a slow HTTP client
pins no database connection, and memory stays constant whatever the feed's size):

- `current_cursor(engine, feed)` -> int: the feed's cursor (highest seq of its rows, 0 if none).
- `last_changed(engine, feed)` -> datetime | None: when that newest row changed.
- `feed_state(engine, feed)` -> (cursor, last changed): both in one go.
- `iter_entries(engine, feed, since_seq=None, listed_only=None, until_seq=None)` -> FeedRow...:
  seq order. Without since_seq: the full listing (listed rows only). With since_seq: every
  change after it, removals included (`listed` false). until_seq (say, the cursor read first)
  bounds the answer so that it matches the cursor announced with it.
- `iter_hosts(engine, feed)` -> str...: distinct DNS names to block (column `host`), sorted.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from fraudwatch.indicators.hosts import at_or_under
from fraudwatch.storage.models import FeedEntry, Indicator, Report, ReportIndicator, UTCDateTime

FEEDS = ("confirmed", "suspected")
FEED_OF_STATUS = {"confirmed_fraud": "confirmed", "suspected": "suspected"}
# Bank accounts are never published: a mule account is often a victim's (see README, Feeds).
FEED_TYPES = ("url", "domain", "email", "phone", "company")
PAGE = 10_000  # rows a read takes at a time
ID_RANGE = 20_000  # indicator ids the sweep's diff looks at in one query (and one transaction)
_BASE = {"confirmed_fraud": 0.95, "suspected": 0.6}  # = indicators.decay.BASE_CONFIDENCE (checked in tests)


class Cutoff(NamedTuple):
    """Indicators of `type` are listed while last_seen >= `since`: those without a confidence of
    their own and of `status`, or (status None) those whose confidence is in [low, high)."""

    type: str
    status: str | None
    low: float | None
    high: float | None
    since: datetime


class FeedRow(NamedTuple):
    """One feed entry as readers get it."""

    seq: int
    indicator_id: int
    feed: str
    type: str
    value: str
    host: str | None  # the DNS name a blocklist blocks (None: not for DNS)
    confidence: float  # the base confidence (decay from last_seen: indicators/decay.py)
    first_seen: datetime  # (with text_dates: `YYYY-MM-DDTHH:MM:SSZ` text, as last_seen and changed_at)
    last_seen: datetime
    campaign_id: int | None
    authority: str | None
    listed: bool  # False: a removal
    changed_at: datetime


class iso_utc(FunctionElement):  # noqa: N801 - a SQL function's name
    """A UTC datetime column as ISO 8601 text to the second, `YYYY-MM-DDTHH:MM:SSZ`, formatted
    by the database (a full feed's dates cost more in Python than the rest of it)."""

    type = sa.String()
    inherit_cache = True


@compiles(iso_utc, "sqlite")
def _iso_sqlite(element, compiler, **kw) -> str:
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {compiler.process(element.clauses, **kw)})"


@compiles(iso_utc, "postgresql")
def _iso_postgresql(element, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


def _columns(text_dates: bool) -> tuple:
    def date(column):
        return iso_utc(column).label(column.key) if text_dates else column

    return (FeedEntry.seq, FeedEntry.indicator_id, FeedEntry.feed, FeedEntry.type, FeedEntry.value, FeedEntry.host,
            FeedEntry.confidence, date(FeedEntry.first_seen), date(FeedEntry.last_seen), FeedEntry.campaign_id,
            FeedEntry.authority, FeedEntry.listed, date(FeedEntry.changed_at))


# -- reads ---------------------------------------------------------------------------------------

# Statements built once (bound parameters): a feed request is a few index walks, and building
# a statement again each time cost more than running it.
_NEWEST = {listed: sa.select(FeedEntry.seq, FeedEntry.changed_at)
           .where(FeedEntry.feed == sa.bindparam("feed"), FeedEntry.listed.is_(listed))
           .order_by(FeedEntry.seq.desc()).limit(1) for listed in (True, False)}
_PAGE = {(listed, bounded, text): sa.select(*_columns(text))
         .where(FeedEntry.feed == sa.bindparam("feed"), FeedEntry.listed.is_(listed),
                FeedEntry.seq > sa.bindparam("after"),
                *([FeedEntry.seq <= sa.bindparam("until")] if bounded else []))
         .order_by(FeedEntry.seq).limit(sa.bindparam("page"))
         for listed in (True, False) for bounded in (True, False) for text in (True, False)}


def feed_state(engine: sa.Engine, feed: str) -> tuple[int, datetime | None]:
    """(cursor, when it last changed) of the feed: `current_cursor` and `last_changed` at once,
    on one connection (two walks down the (feed, listed, seq) index)."""
    best = None
    with engine.connect() as conn:
        for listed in (True, False):
            row = conn.execute(_NEWEST[listed], {"feed": feed}).first()
            if row is not None and (best is None or row[0] > best[0]):
                best = row
    return (int(best[0]), best[1]) if best else (0, None)


def current_cursor(engine: sa.Engine, feed: str) -> int:
    """The feed's cursor: the highest seq of its rows (0 when it has none). It moves on every
    change of the feed (a listing, a removal, a move out of it)."""
    return feed_state(engine, feed)[0]


def last_changed(engine: sa.Engine, feed: str) -> datetime | None:
    """When the feed last changed (changed_at of its newest row), None when it has no rows."""
    return feed_state(engine, feed)[1]


def iter_entries(engine: sa.Engine, feed: str, since_seq: int | None = None, listed_only: bool | None = None,
                 until_seq: int | None = None, page: int = PAGE, text_dates: bool = False) -> Iterator[FeedRow]:
    """The feed's rows in seq order, a keyset page at a time (each page on a connection taken
    and given back: constant memory, no connection held while the caller is slow).

    since_seq None: the full listing, listed rows only. since_seq given: the rows changed after
    it, removals included unless listed_only. until_seq: only rows with seq <= it. text_dates:
    first_seen, last_seen and changed_at as `YYYY-MM-DDTHH:MM:SSZ` text (formats), not datetimes.
    Each page is one range of the (feed, listed, seq) index per `listed` value, merged by seq."""
    if listed_only is None:
        listed_only = since_seq is None
    after = since_seq or 0
    kinds = (True,) if listed_only else (True, False)
    while True:
        rows = []
        with engine.connect() as conn:
            for listed in kinds:
                rows += conn.execute(_PAGE[listed, until_seq is not None, text_dates],
                                     {"feed": feed, "after": after, "until": until_seq, "page": page}).all()
        if len(kinds) > 1:
            rows.sort(key=lambda r: r[0])
        for row in rows[:page]:  # named tuples: their fields read several times faster than a Row's
            yield FeedRow(row[0], abs(row[1]), *row[2:])
        if len(rows) < page:
            return
        after = rows[page - 1][0]


def iter_hosts(engine: sa.Engine, feed: str, batch: int = PAGE) -> Iterator[str]:
    """The distinct DNS names (`host`) of the feed's listed rows, sorted, but for the names of
    domains delisted on appeal and the names under them (the URLs listed on them stay in the
    URL feeds). One query streamed
    `batch` rows at a time (a server-side cursor on PostgreSQL): there is no index on host to
    page by, so the database sorts once and the connection is held while the caller reads."""
    query = (sa.select(FeedEntry.host).where(FeedEntry.feed == feed, FeedEntry.listed.is_(True),
                                             FeedEntry.host.is_not(None))
             .distinct().order_by(FeedEntry.host))
    with engine.connect() as conn:
        delisted = set(conn.scalars(sa.select(Indicator.value).where(Indicator.type == "domain",
                                                                     Indicator.delisted_at.is_not(None))))
        for partition in conn.execution_options(yield_per=batch).scalars(query).partitions():
            # a hosts file or an RPZ zone blocks a whole name: a domain delisted on appeal is not
            # blocked again through a URL listed on it
            yield from (host for host in partition if not delisted or not at_or_under(host, delisted, tld=False))



# -- the sweep's diff ------------------------------------------------------------------------------

def confidence_values(session: Session) -> list[tuple[str, float]]:
    """(type, confidence) pairs of the feed types' indicators that carry a confidence of their own."""
    query = (sa.select(Indicator.type, Indicator.confidence)
             .where(Indicator.confidence.is_not(None), Indicator.type.in_(FEED_TYPES),
                    Indicator.status.in_(tuple(FEED_OF_STATUS)))
             .distinct())
    return [(t, float(c)) for t, c in session.execute(query)]


def _listed(cutoffs: Iterable[Cutoff]) -> sa.ColumnElement[bool]:
    """The SQL condition of an indicator that belongs in a feed now: its status, not delisted,
    and last seen since its cutoff, one CASE on type then confidence (NULL, so never listed,
    for the other types). No index serves it, so the diff reads the indicators in id order and
    stops at its page's limit (a condition on type made SQLite read every matching row by the
    type index and sort them all, for each page)."""
    by_type: dict[str, list[Cutoff]] = {}
    for cut in cutoffs:
        by_type.setdefault(cut.type, []).append(cut)
    whens = {}
    for kind, cuts in by_type.items():
        statuses = [(Indicator.status == c.status, sa.literal(c.since, UTCDateTime())) for c in cuts if c.status]
        own = [(Indicator.confidence.is_(None), sa.case(*statuses, else_=sa.null()) if statuses else sa.null())]
        bands = sorted((c for c in cuts if c.status is None), key=lambda c: c.low, reverse=True)
        own += [(Indicator.confidence >= c.low, sa.literal(c.since, UTCDateTime())) for c in bands]
        whens[kind] = sa.case(*own, else_=sa.null())
    if not whens:
        return sa.false()
    since = sa.case(whens, value=Indicator.type, else_=sa.null())
    return sa.and_(Indicator.status.in_(tuple(FEED_OF_STATUS)), Indicator.delisted_at.is_(None),
                   Indicator.last_seen >= since)


_FEED = sa.case((Indicator.status == "confirmed_fraud", sa.literal("confirmed")), else_=sa.literal("suspected"))
_CONFIDENCE = sa.case(
    (Indicator.confidence.is_(None),
     sa.case((Indicator.status == "confirmed_fraud", sa.literal(_BASE["confirmed_fraud"], sa.Float)),
             else_=sa.literal(_BASE["suspected"], sa.Float))),
    (Indicator.confidence > 1.0, sa.literal(1.0, sa.Float)),
    (Indicator.confidence < 0.0, sa.literal(0.0, sa.Float)),
    else_=Indicator.confidence)


class Listing(NamedTuple):
    """An indicator whose published entry must change (new, relisted, moved, or refreshed)."""

    indicator_id: int
    feed: str
    type: str
    value: str
    host: str | None  # the indicator's host (the caller decides what DNS name to publish)
    confidence: float
    first_seen: datetime
    last_seen: datetime
    entry_id: int | None
    old_feed: str | None


def changed_listings(session: Session, cutoffs: list[Cutoff], stale_before: datetime, low: int,
                     high: int) -> list[Listing]:
    """Indicators with low < id <= high (in id order) that belong in a feed and whose entry is
    missing, removed, in the other feed, of another confidence, or shows a last sighting older
    than `stale_before` while a newer one exists. One query: the indicators left-joined to their
    entries, both sides bounded by the id range, so that its cost is the range's whatever plan
    the database picks (PostgreSQL's statistics of freshly filled tables once made it a nested
    loop over every entry for every indicator)."""
    query = (sa.select(Indicator.id, _FEED, Indicator.type, Indicator.value, Indicator.host, _CONFIDENCE,
                       Indicator.first_seen, Indicator.last_seen, FeedEntry.id, FeedEntry.feed)
             .outerjoin(FeedEntry, sa.and_(FeedEntry.indicator_id == Indicator.id, FeedEntry.indicator_id > low,
                                           FeedEntry.indicator_id <= high))
             .where(Indicator.id > low, Indicator.id <= high, _listed(cutoffs),
                    sa.or_(FeedEntry.id.is_(None), FeedEntry.listed.is_(False), FeedEntry.feed != _FEED,
                           FeedEntry.confidence != _CONFIDENCE,
                           sa.and_(Indicator.last_seen > FeedEntry.last_seen, FeedEntry.last_seen < stale_before)))
             .order_by(Indicator.id))
    return [Listing(*row) for row in session.execute(query)]


def stale_entries(session: Session, cutoffs: list[Cutoff], low: int, high: int) -> list[int]:
    """Ids of listed entries of indicators low < id <= high (in indicator order) whose indicator
    no longer belongs in any feed, or is gone: an anti-join with the listable indicators, both
    sides bounded by the range."""
    query = (sa.select(FeedEntry.id)
             .outerjoin(Indicator, sa.and_(Indicator.id == FeedEntry.indicator_id, Indicator.id > low,
                                           Indicator.id <= high, _listed(cutoffs)))
             .where(FeedEntry.listed.is_(True), FeedEntry.indicator_id > low, FeedEntry.indicator_id <= high,
                    Indicator.id.is_(None))
             .order_by(FeedEntry.indicator_id))
    return list(session.scalars(query))


def highest_ids(session: Session) -> int:
    """The highest indicator id of the indicators and of the entries (0 when there are none)."""
    return max(session.scalar(sa.select(sa.func.max(Indicator.id))) or 0,
               session.scalar(sa.select(sa.func.max(FeedEntry.indicator_id))) or 0)


def campaigns_and_authorities(session: Session, indicator_ids: list[int]) -> dict[int, tuple[int | None, str | None]]:
    """Indicator id -> (a campaign, an authority) of the reports naming it that were not dismissed."""
    if not indicator_ids:
        return {}
    query = (sa.select(ReportIndicator.indicator_id, sa.func.max(Report.campaign_id),
                       sa.func.max(Report.verdict_authority))
             .join(Report, Report.id == ReportIndicator.report_id)
             .where(ReportIndicator.indicator_id.in_(indicator_ids), Report.status != "dismissed")
             .group_by(ReportIndicator.indicator_id))
    return {row[0]: (row[1], row[2]) for row in session.execute(query)}


def next_seq(session: Session) -> int:
    """The seq the next change gets (the sweep is the only writer)."""
    return (session.scalar(sa.select(sa.func.max(FeedEntry.seq))) or 0) + 1


def tombstones_of(session: Session, indicator_ids: list[int]) -> dict[int, int]:
    """Indicator id -> id of its move-removal row (indicator_id = -id), where it has one."""
    if not indicator_ids:
        return {}
    rows = session.execute(sa.select(FeedEntry.indicator_id, FeedEntry.id)
                           .where(FeedEntry.indicator_id.in_([-i for i in indicator_ids])))
    return {-indicator_id: entry_id for indicator_id, entry_id in rows}


def insert_entries(session: Session, rows: list[dict]) -> None:
    """New feed_entries rows (every column given). A Core insert: the ORM's bulk insert leaves
    out None values and so splits the rows into small batches by which columns are None."""
    if rows:
        session.execute(sa.insert(FeedEntry.__table__), rows)


def update_entries(session: Session, rows: list[dict]) -> None:
    """Change feed_entries rows by their `id` (the columns given)."""
    if rows:
        session.execute(sa.update(FeedEntry), rows)


def remove_entries(session: Session, entry_ids: list[int], first_seq: int, now: datetime) -> int:
    """Mark these entries removed, numbered from `first_seq` in the given order; the next seq."""
    update_entries(session, [{"id": entry_id, "listed": False, "seq": first_seq + i, "changed_at": now}
                             for i, entry_id in enumerate(entry_ids)])
    return first_seq + len(entry_ids)
