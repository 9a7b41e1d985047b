"""Sightings: an indicator seen again (in a report, a crawl or an import) gets its last sighting
moved to then, one more in its count, and a row in `sightings`, which restarts its decay
(indicators/decay.py).

A value seen again and again within SIGHTING_GAP (a feed pulled every few minutes, a campaign's
hundred reports in an hour) moves `last_seen` each time but is recorded once per gap, so the
table grows with how often things come back, not with how often they are read.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import Indicator, Sighting, utcnow

SIGHTING_GAP = timedelta(hours=1)
CHUNK = 500


def record_sightings(session: Session, indicator_ids: Iterable[int], source: str, ref: str | None = None,
                     seen: datetime | None = None) -> int:
    """Record that these indicators were seen at `seen` (now) by `source` ("report", "crawl",
    "import:<name>"); return how many got a new sightings row. Rows are updated in id order (two
    writers never wait for each other in a circle)."""
    seen = seen or utcnow()
    ids = sorted(set(indicator_ids))
    recorded = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        due = [i for (i,) in session.execute(
            sa.select(Indicator.id).where(Indicator.id.in_(chunk),
                                          sa.or_(Indicator.sighting_count == 0,
                                                 Indicator.last_seen <= seen - SIGHTING_GAP))
            .order_by(Indicator.id))]
        session.execute(sa.update(Indicator).where(Indicator.id.in_(chunk), Indicator.last_seen < seen)
                        .values(last_seen=seen).execution_options(synchronize_session=False))
        if due:
            session.execute(sa.update(Indicator).where(Indicator.id.in_(due))
                            .values(sighting_count=Indicator.sighting_count + 1)
                            .execution_options(synchronize_session=False))
            session.execute(sa.insert(Sighting), [
                {"indicator_id": i, "source": source[:32], "ref": (ref or None) and ref[:200], "seen_at": seen}
                for i in due])
            recorded += len(due)
    return recorded

