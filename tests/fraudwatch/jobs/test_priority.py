"""Queues by priority (issue #14) on real Redis, a real database and a real RQ worker: live
reports and their crawls are taken before bulk work, a live worker never takes bulk work,
and the pump puts every lost job back on its own queue."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from fraudwatch.infra import redis_keys
from fraudwatch.infra.extensions import db, redis_store
from fraudwatch.jobs.workers import LIVE_ROLES, build_worker, parse_roles
from fraudwatch.services import outbox
from fraudwatch.services.reporting import store_report
from fraudwatch.services.validation import validate_report
from fraudwatch.storage.models import Evidence, PendingJob, Report, utcnow
from tests.conftest import cleanup_redis, make_test_app, run_jobs

BULK = 1000


def _import(app, count: int, prefix: str = "imported") -> list[int]:
    """`count` imported reports (source import), their jobs on the bulk queue."""
    ids = []
    with app.app_context():
        for n in range(count):
            fields, found, digest = validate_report({"message_text": f"{prefix} 退税通知 {n}"}, "CN")
            ids.append(store_report(fields, found, digest, source="import", submitted_by="import")["id"])
    return ids


def _processed(app, ids: list[int]) -> dict:
    with app.app_context():
        rows = db.session.execute(sa.select(Report.id, Report.processed_at).where(Report.id.in_(ids))).all()
        return dict(rows)


def _queued_ids(app, role: str) -> list[str]:
    with app.app_context():
        return outbox.get_queue(redis_keys.rq_queue(role)).get_job_ids()


def test_a_live_report_behind_1000_bulk_jobs_is_processed_first(app, client):
    bulk = _import(app, BULK)
    assert len(_queued_ids(app, "bulk")) == BULK
    live = client.post("/api/v1/reports", json={"message_text": "刚收到的退税短信"}).get_json()["id"]
    assert len(_queued_ids(app, "live")) == 1
    run_jobs(app)  # one worker on every queue, in priority order
    done = _processed(app, [live, *bulk])
    assert all(done.values()), "every job ran"
    assert done[live] < min(done[i] for i in bulk), "the live report was taken before all imported ones"


@pytest.fixture
def crawl_app(database_url, redis_url, tmp_path, farm):
    app = make_test_app(database_url, redis_url, tmp_path / "instance",
                        **farm.crawl_settings())
    yield app
    cleanup_redis(app)
    db.dispose(app)


def test_a_live_report_s_crawl_is_taken_before_seed_crawls_queued_earlier(crawl_app, farm):
    from fraudwatch.jobs import crawling

    seeds = [farm.url("www.taxinfo-guide.org"), farm.url("irs-refund-gov.com")]
    with crawl_app.app_context():
        assert crawling.enqueue_seeds(seeds, depth=1)[0] == 2
    url = farm.url("chinatax.gov.cn.refund-tax.top")
    posted = crawl_app.test_client().post("/api/v1/reports", json={"message_text": f"退税请登录 {url}"})
    report_id = posted.get_json()["id"]
    run_jobs(crawl_app)
    with crawl_app.app_context():
        rows = db.session.execute(sa.select(Evidence.id, Evidence.report_id).order_by(Evidence.id)).all()
    assert len(rows) >= 3 and rows[0].report_id == report_id, rows  # stored before any seed's evidence


def test_the_live_worker_never_runs_bulk_work(app, client):
    bulk = _import(app, 3)
    live = client.post("/api/v1/reports", json={"message_text": "live 退税"}).get_json()["id"]
    build_worker(app, LIVE_ROLES).work(burst=True, logging_level="WARNING")
    done = _processed(app, [live, *bulk])
    assert done[live] is not None and [done[i] for i in bulk] == [None, None, None]
    assert len(_queued_ids(app, "bulk")) == 3  # still waiting for a general worker
    run_jobs(app)
    assert all(_processed(app, bulk).values())


def test_imported_reports_crawl_on_the_bulk_crawl_queue(crawl_app, farm):
    """An imported report's URLs wait behind live crawls, on the last queue."""
    url = farm.url("chinatax.gov.cn.refund-tax.top")
    with crawl_app.app_context():
        fields, found, digest = validate_report({"message_text": f"imported 退税 {url}"}, "CN")
        store_report(fields, found, digest, source="import", submitted_by="import")
    build_worker(crawl_app, ("bulk",)).work(burst=True, logging_level="WARNING")
    assert len(_queued_ids(crawl_app, "crawl")) == 1 and _queued_ids(crawl_app, "live-crawl") == []


def _age_enqueued(app, seconds: int) -> None:
    with app.app_context():
        db.session.execute(sa.update(PendingJob).values(enqueued_at=utcnow() - timedelta(seconds=seconds)))
        db.session.commit()


def test_the_pump_puts_a_lost_job_back_on_its_own_queue(app, client):
    bulk = _import(app, 1)[0]
    live = client.post("/api/v1/reports", json={"message_text": "live 退税 lost"}).get_json()["id"]
    with app.app_context():
        jobs = dict(db.session.execute(sa.select(PendingJob.target_id, PendingJob.id)).all())
        names = outbox.queue_names()
        redis_store.client.delete(*(outbox.get_queue(name).key for name in names),
                                  *(f"rq:job:{redis_keys.rq_job_id(i)}" for i in jobs.values()))
    _age_enqueued(app, 60)
    with app.app_context():
        assert outbox.pump() == 2
    assert _queued_ids(app, "live") == [_job_id(app, jobs[live])]
    assert _queued_ids(app, "bulk") == [_job_id(app, jobs[bulk])]


def _job_id(app, pending_id: int) -> str:
    with app.app_context():
        return redis_keys.rq_job_id(pending_id)


def test_a_job_left_on_a_queue_no_worker_serves_is_moved_to_its_own(app, client):
    """Jobs queued before the queues were split (one queue named RQ_QUEUE) are put back on
    their own queue by the pump instead of waiting there forever."""
    live = client.post("/api/v1/reports", json={"message_text": "queued before the split 退税"}).get_json()["id"]
    with app.app_context():
        job_id = redis_keys.rq_job_id(1)
        queue = outbox.get_queue()
        old = outbox.get_queue(app.config["RQ_QUEUE"])
        job = queue.fetch_job(job_id)
        queue.remove(job_id)
        job.origin = old.name
        job.save()
        old.push_job_id(job_id)
    _age_enqueued(app, 60)
    with app.app_context():
        assert outbox.pump() == 1
    assert _queued_ids(app, "live") == [_job_id(app, 1)]
    run_jobs(app)
    assert _processed(app, [live])[live] is not None


@pytest.mark.parametrize(("text", "roles"), [
    (None, ("live", "live-crawl", "bulk", "crawl")),
    ("all", ("live", "live-crawl", "bulk", "crawl")),
    ("crawl, live", ("live", "crawl")),
    ("live,live-crawl", ("live", "live-crawl")),
])
def test_queue_roles_are_served_in_priority_order_whatever_the_order_named(text, roles):
    assert parse_roles(text) == roles


@pytest.mark.parametrize("text", ["nope", "live,nope", ",", "LIVE"])
def test_unknown_queue_roles_are_refused(text):
    with pytest.raises(ValueError, match="unknown queue"):
        parse_roles(text)
