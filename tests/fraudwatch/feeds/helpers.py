"""What the feed tests share: indicators written straight to the table, and the sweep run now."""
from __future__ import annotations

from datetime import datetime

from fraudwatch.indicators import normalize
from fraudwatch.indicators.decay import DecayModel
from fraudwatch.infra.extensions import db
from fraudwatch.services import feeds
from fraudwatch.storage.models import FeedEntry, Indicator


def add_indicator(kind: str, raw: str, status: str, **columns) -> int:
    """A normalised indicator with `status` (and any other columns); its id."""
    item = normalize(kind, raw)
    indicator = Indicator(type=item.type, value=item.value, match_key=item.match_key, display=item.display,
                          host=item.host, scope=item.scope, status=status, **columns)
    db.session.add(indicator)
    db.session.commit()
    return indicator.id


def set_columns(indicator_id: int, **columns) -> None:
    """Change an indicator's columns (status, delisted_at, last_seen...) and commit."""
    indicator = db.session.get(Indicator, indicator_id)
    for name, value in columns.items():
        setattr(indicator, name, value)
    db.session.commit()


def sweep(app, now: datetime | None = None) -> int:
    """One sweep as the periodic task runs it (in an app context); entries changed."""
    return feeds.run_sweep(DecayModel.from_config(app.config), now=now)


def entries() -> list[FeedEntry]:
    """Every feed_entries row, in seq order."""
    db.session.expire_all()
    return list(db.session.query(FeedEntry).order_by(FeedEntry.seq))
