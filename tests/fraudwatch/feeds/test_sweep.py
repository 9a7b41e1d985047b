"""The feed sweep keeps feed_entries in step with the indicators (SQLite and PostgreSQL): listing,
removal, moves between feeds, decay, delisting, and a second turn that writes nothing."""
from __future__ import annotations

from datetime import timedelta

import redis

from fraudwatch.indicators.decay import BASE_CONFIDENCE, DecayModel
from fraudwatch.infra import redis_keys
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.services import feeds
from fraudwatch.storage import feeds as store
from fraudwatch.storage.models import utcnow
from tests.fraudwatch.feeds.helpers import add_indicator, entries, set_columns, sweep


def _by_indicator() -> dict[int, object]:
    return {e.indicator_id: e for e in entries()}


def test_confirm_lists_dismiss_removes_and_a_second_turn_writes_nothing(app):
    with app.app_context():
        url = add_indicator("url", "http://etax-refund-cn.top/login", "confirmed_fraud")
        domain = add_indicator("domain", "etax-refund-cn.top", "confirmed_fraud")
        phone = add_indicator("phone", "13812345678", "suspected")
        add_indicator("email", "refund@etax-refund-cn.top", "dismissed")
        add_indicator("bank_account", "6222021234567890123", "confirmed_fraud")  # never published
        assert sweep(app) == 3
        assert sweep(app) == 0  # idempotent
        rows = _by_indicator()
        assert set(rows) == {url, domain, phone}
        assert (rows[url].feed, rows[url].listed, rows[url].host) == ("confirmed", True, "etax-refund-cn.top")
        assert (rows[phone].feed, rows[phone].host, rows[phone].confidence) == ("suspected", None, 0.6)
        before = max(e.seq for e in entries())
        set_columns(url, status="dismissed")
        assert sweep(app) == 1
        removed = _by_indicator()[url]
        assert not removed.listed and removed.seq == before + 1 and removed.feed == "confirmed"
        assert sweep(app) == 0
        seqs = [e.seq for e in entries()]
        assert seqs == sorted(set(seqs))
        listed = [r.value for r in store.iter_entries(db.engine, "confirmed")]
        assert listed == ["etax-refund-cn.top"]
        changes = list(store.iter_entries(db.engine, "confirmed", since_seq=before))
        assert [(c.value, c.listed) for c in changes] == [("http://etax-refund-cn.top/login", False)]
        assert store.current_cursor(db.engine, "confirmed") == before + 1
        assert store.last_changed(db.engine, "confirmed") == removed.changed_at


def test_a_move_between_feeds_tells_both_feeds(app):
    with app.app_context():
        phone = add_indicator("phone", "13812345678", "suspected")
        sweep(app)
        suspected_cursor = store.current_cursor(db.engine, "suspected")
        set_columns(phone, status="confirmed_fraud")
        assert sweep(app) == 2  # the entry moves, and the suspected feed hears it left
        assert store.current_cursor(db.engine, "suspected") > suspected_cursor
        gone = list(store.iter_entries(db.engine, "suspected", since_seq=suspected_cursor))
        assert [(g.indicator_id, g.listed, g.value) for g in gone] == [(phone, False, "+8613812345678")]
        assert list(store.iter_entries(db.engine, "suspected")) == []
        assert [r.indicator_id for r in store.iter_entries(db.engine, "confirmed")] == [phone]
        confirmed_cursor = store.current_cursor(db.engine, "confirmed")
        set_columns(phone, status="suspected")  # and back: the confirmed feed hears it left
        assert sweep(app) == 2
        back = list(store.iter_entries(db.engine, "confirmed", since_seq=confirmed_cursor))
        assert [(b.indicator_id, b.listed) for b in back] == [(phone, False)]
        assert [r.indicator_id for r in store.iter_entries(db.engine, "suspected")] == [phone]
        assert sweep(app) == 0


def test_delisting_and_deletion_remove_the_entry(app):
    with app.app_context():
        first = add_indicator("domain", "tax-refund-a.top", "confirmed_fraud")
        second = add_indicator("domain", "tax-refund-b.top", "confirmed_fraud")
        sweep(app)
        set_columns(first, delisted_at=utcnow())
        from fraudwatch.storage.models import Indicator
        db.session.delete(db.session.get(Indicator, second))
        db.session.commit()
        assert sweep(app) == 2
        assert [(e.indicator_id, e.listed) for e in entries()][-2:] == [(first, False), (second, False)]
        assert list(store.iter_entries(db.engine, "confirmed")) == []
        set_columns(first, delisted_at=None)  # listed again: a new seq, listed
        assert sweep(app) == 1 and _by_indicator()[first].listed


def test_decay_expiry_removes_and_a_sighting_is_published_once_an_hour(app):
    with app.app_context():
        model = DecayModel.from_config(app.config)
        phone = add_indicator("phone", "13812345678", "confirmed_fraud")
        domain = add_indicator("domain", "tax-refund-c.top", "confirmed_fraud")
        weak = add_indicator("url", "http://tax-refund-d.top/x", "suspected", confidence=0.31)
        strong = add_indicator("url", "http://tax-refund-e.top/x", "suspected", confidence=0.9)
        assert sweep(app) == 4
        phone_age = model.max_age("phone", BASE_CONFIDENCE["confirmed_fraud"])
        assert phone_age < model.max_age("domain", BASE_CONFIDENCE["confirmed_fraud"])
        assert sweep(app, now=utcnow() + timedelta(days=2)) == 1  # the weak URL (0.31) lasts under a day
        assert not _by_indicator()[weak].listed and _by_indicator()[strong].listed
        assert sweep(app, now=utcnow() + phone_age + timedelta(hours=1)) == 2  # the phone and the URL
        rows = _by_indicator()
        assert not rows[phone].listed and not rows[strong].listed and rows[domain].listed
        assert rows[strong].confidence == 0.9
        # seen again: published at once when the published sighting is an hour old, else not yet
        later = utcnow() + phone_age + timedelta(hours=1)
        set_columns(domain, last_seen=later - timedelta(minutes=30))
        assert sweep(app, now=later) == 1
        assert _by_indicator()[domain].last_seen == later - timedelta(minutes=30)
        set_columns(domain, last_seen=later - timedelta(minutes=20))
        assert sweep(app, now=later) == 0
        assert sweep(app, now=later + timedelta(minutes=31)) == 1


def test_confidence_bands_never_keep_an_indicator_late():
    model = DecayModel({"url": 10.0}, {"url": 1.0}, 0.3)
    now = utcnow()
    values = [("url", 0.31 + i / 200) for i in range(100)]
    cutoffs = feeds.decay_cutoffs(model, values, now)
    bands = [c for c in cutoffs if c.type == "url" and c.status is None]
    assert len(bands) <= feeds.MAX_BANDS
    for _, confidence in values:
        band = max((c for c in bands if c.low <= confidence), key=lambda c: c.low)
        assert band.since >= now - model.max_age("url", confidence)  # leaves at or before its own expiry
    assert store._BASE == BASE_CONFIDENCE


def test_only_one_process_sweeps(app):
    with app.app_context():
        add_indicator("domain", "tax-refund-f.top", "confirmed_fraud")
        lock = redis_store.client.lock(redis_keys.feed_sweep_lock(), timeout=30, blocking=False)
        assert lock.acquire()
        try:
            assert feeds.sweep() == 0 and entries() == []
        finally:
            try:
                lock.release()
            except redis.RedisError:
                pass
        assert feeds.sweep() == 1


def test_ranges_of_ids_cover_every_indicator(app):
    with app.app_context():
        model = DecayModel.from_config(app.config)
        ids = [add_indicator("domain", f"tax-refund-r{i}.top", "confirmed_fraud") for i in range(7)]
        assert feeds.run_sweep(model, span=2) == 7  # four ranges of two ids
        set_columns(ids[0], status="dismissed")
        set_columns(ids[5], status="suspected")
        assert feeds.run_sweep(model, span=3) == 3  # a removal, a move and its removal row
        assert feeds.run_sweep(model, span=2) == 0
        assert sorted(r.indicator_id for r in store.iter_entries(db.engine, "confirmed")) == ids[1:5] + ids[6:]
        seqs = [e.seq for e in entries()]
        assert len(seqs) == len(set(seqs)) == 8  # seven entries and a removal row


def test_the_periodic_task_sweeps_once_an_interval(app):
    from fraudwatch.jobs import periodic

    with app.app_context():
        add_indicator("domain", "tax-refund-p.top", "confirmed_fraud")
        assert "feed_sweep" in periodic.run_due(["feed_sweep"])
        assert [e.value for e in entries()] == ["tax-refund-p.top"]
        assert periodic.run_due(["feed_sweep"]) == []  # not before FEED_SWEEP_SECONDS
