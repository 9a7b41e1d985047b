"""How fresh the outgoing feeds are, for /metrics: when each feed's newest entry changed.

The feed sweep is the single writer of feed_entries and numbers every change with the next
`seq`, so a feed's newest change is its entry with the highest seq; each lookup is a walk
down the (feed, listed, seq) index, however many entries there are."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fraudwatch.storage.models import FeedEntry

FEEDS = ("confirmed", "suspected")


def newest_changes(session: Session) -> dict[str, datetime]:
    """Feed name -> changed_at of its newest entry (feeds without entries are left out)."""
    out: dict[str, datetime] = {}
    for feed in FEEDS:
        seqs = [session.scalar(sa.select(sa.func.max(FeedEntry.seq))
                               .where(FeedEntry.feed == feed, FeedEntry.listed.is_(listed)))
                for listed in (True, False)]
        newest = max((seq for seq in seqs if seq is not None), default=None)
        if newest is not None:
            changed = session.scalar(sa.select(FeedEntry.changed_at).where(FeedEntry.seq == newest))
            if changed is not None:
                out[feed] = changed
    return out
