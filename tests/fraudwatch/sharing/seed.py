"""Feed entries for the sharing tests, written through storage/feed_objects.add_entry as the feed
sweep would: a campaign with a URL, a domain and a phone in the confirmed feed, an e-mail in no
campaign, a removed domain, and a suspected URL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fraudwatch.infra.extensions import db
from fraudwatch.storage import feed_objects
from fraudwatch.storage.models import Campaign

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
URL = "http://etax-cn.top/refund?a='1'&b=\\x\"y\"&c=退税"
CONFIRMED_VALUES = {URL, "etax-cn.top", "+8612366000", "refund@etax-cn.top"}


def seed(session) -> int:
    """Write the entries; returns the campaign's id."""
    campaign = Campaign(key="domain:etax-cn.top", kind="indicator", title="a title quoting 张三 13800138000",
                        first_seen=T0, last_seen=T0 + timedelta(hours=5), updated_at=T0 + timedelta(hours=1),
                        authorities=["CN-STA"])
    session.add(campaign)
    session.flush()
    rows = [(1, "confirmed", "url", URL, campaign.id, True), (2, "confirmed", "domain", "etax-cn.top", campaign.id, True),
            (3, "confirmed", "phone", "+8612366000", campaign.id, True),
            (4, "confirmed", "email", "refund@etax-cn.top", None, True),
            (5, "confirmed", "domain", "gone.top", None, True), (6, "suspected", "url", "http://maybe.top/x", None, True),
            (7, "confirmed", "company", "某某税务咨询有限公司", None, True)]
    for number, (indicator, feed, kind, value, cid, listed) in enumerate(rows):
        feed_objects.add_entry(session, indicator_id=indicator, feed=feed, type=kind, value=value, campaign_id=cid,
                               listed=listed, first_seen=T0, changed_at=T0 + timedelta(minutes=number),
                               authority="CN-STA", confidence=0.95)
    feed_objects.add_entry(session, indicator_id=5, feed="confirmed", type="domain", value="gone.top",
                           listed=False, first_seen=T0, changed_at=T0 + timedelta(minutes=30))
    session.commit()
    return campaign.id


def add_one(app, indicator: int, value: str, *, feed: str = "confirmed", listed: bool = True) -> int:
    """One more entry now; returns the cursor after it."""
    with app.app_context():
        entry = feed_objects.add_entry(db.session, indicator_id=indicator, feed=feed, type="domain", value=value,
                                       listed=listed, first_seen=T0)
        db.session.commit()
        return entry.seq
