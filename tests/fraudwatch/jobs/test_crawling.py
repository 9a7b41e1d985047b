"""Distributed crawl glue on real Redis + database: frontier, dedupe, politeness, evidence."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
import redis as redis_lib
import sqlalchemy as sa
from rq.registry import ScheduledJobRegistry

from fraudwatch.infra.extensions import db
from fraudwatch.jobs.crawl_gate import RedisHostGate
from fraudwatch.storage.models import Evidence, Report
from tests.conftest import cleanup_redis, make_test_app, run_jobs


@pytest.fixture
def crawl_app(database_url, redis_url, tmp_path, farm):
    app = make_test_app(database_url, redis_url, tmp_path / "instance",
                        **farm.crawl_settings(), ANON_REPORT_LIMIT="1000/minute")
    yield app
    cleanup_redis(app)
    db.dispose(app)


def evidence(app, **where) -> list[Evidence]:
    with app.app_context():
        query = sa.select(Evidence).filter_by(**where).order_by(Evidence.id)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def test_seeds_are_crawled_once_with_same_site_links(crawl_app, farm):
    from fraudwatch.jobs import crawling

    seeds = [farm.url("www.taxinfo-guide.org"), farm.url("irs-refund-gov.com"), "not a url"]
    before = farm.seen.paths("www.taxinfo-guide.org").count("/guide/scams")
    with crawl_app.app_context():
        assert crawling.enqueue_seeds(seeds, depth=1) == (2, ["not a url"])
        assert crawling.enqueue_seeds(seeds, depth=1)[0] == 0  # already in the frontier
    run_jobs(crawl_app)
    urls = sorted(e.url for e in evidence(crawl_app))
    assert urls == sorted([farm.url("www.taxinfo-guide.org"), farm.url("www.taxinfo-guide.org", "/guide/deadlines"),
                           farm.url("www.taxinfo-guide.org", "/guide/scams"), farm.url("irs-refund-gov.com")])
    fake = [e for e in evidence(crawl_app) if "irs-refund" in e.url][0]
    assert fake.verdict["label"] == "scam" and fake.http_status == 200 and len(fake.content_hash) == 64
    assert any(s["code"] == "lookalike_domain" for s in fake.signals)
    assert "eligible" in fake.excerpt
    assert farm.seen.paths("www.taxinfo-guide.org").count("/guide/scams") == before + 1  # once
    assert not any("irs.gov" in h for h, _, _ in farm.seen.requests)  # other sites not followed


def test_a_reported_url_is_crawled_and_linked_to_the_report(crawl_app, farm):
    client = crawl_app.test_client()
    url = farm.url("chinatax.gov.cn.refund-tax.top")
    first = client.post("/api/v1/reports", json={"message_text": f"【个税】退税请登录 {url} 领取"}).get_json()
    run_jobs(crawl_app)
    rows = evidence(crawl_app, report_id=first["id"])
    assert len(rows) == 1 and rows[0].indicator_id and rows[0].verdict["label"] == "scam"
    fetched = farm.seen.paths("chinatax.gov.cn.refund-tax.top").count("/")
    second = client.post("/api/v1/reports", json={"message_text": f"又收到：{url}"}).get_json()
    run_jobs(crawl_app)
    assert len(evidence(crawl_app, report_id=second["id"])) == 1
    assert farm.seen.paths("chinatax.gov.cn.refund-tax.top").count("/") == fetched  # no second fetch


def test_blocked_and_failed_fetches_are_evidence_too(database_url, redis_url, tmp_path, farm):
    app = make_test_app(database_url, redis_url, tmp_path / "i", CRAWL_RESOLVE=farm.resolve_specs(),
                        CRAWL_ALLOWED_PORTS="any")  # default: private networks refused
    from fraudwatch.jobs import crawling

    with app.app_context():
        crawling.enqueue_seeds([farm.url("etax-chinatax.top")])
    run_jobs(app)
    (row,) = evidence(app)
    assert row.error["code"] == "blocked_address" and row.http_status is None
    assert "etax-chinatax.top" not in {h for h, _, _ in farm.seen.requests[-3:]}
    cleanup_redis(app)


def test_transient_failures_are_retried_by_rq(crawl_app, farm):
    from fraudwatch.jobs import crawling

    with crawl_app.app_context():
        crawling.enqueue_seeds([farm.url("hostile.test", "/hostile/trickle")])
        run_jobs(crawl_app)
        assert ScheduledJobRegistry(queue=crawling.crawl_queue()).count == 1  # retry with backoff
        assert evidence(crawl_app) == []
        result = crawling.crawl_job(farm.url("hostile.test", "/hostile/trickle"))  # no retries left
    assert result["urls"] == {farm.url("hostile.test", "/hostile/trickle"): "timeout"}
    assert evidence(crawl_app)[0].error["code"] == "timeout"


def test_a_transient_failure_inside_a_batch_is_retried_alone(crawl_app, farm):
    from fraudwatch.jobs import crawling

    trickle, page = farm.url("hostile.test", "/hostile/trickle"), farm.url("irs-refund-gov.com")
    with crawl_app.app_context():
        result = crawling.crawl_job([trickle, page])
        assert result["urls"] == {trickle: "retrying", page: None}
        assert ScheduledJobRegistry(queue=crawling.crawl_queue()).count == 1
        assert crawling.crawl_job([page]) == {"urls": {page: None}, "queued": 0}
    assert [e.url for e in evidence(crawl_app)] == [page]  # stored once, not twice


def test_redis_gate_serialises_a_host_across_workers(redis_url):
    client = redis_lib.Redis.from_url(redis_url)
    tag = uuid.uuid4().hex[:8]
    gates = [RedisHostGate(client, lambda host: (f"fwtest:{tag}:{host}:lock", f"fwtest:{tag}:{host}:next"), delay=0.1)
             for _ in range(3)]  # three "workers"
    active, peak, starts = [0], [0], []
    lock = threading.Lock()

    def request(gate):
        with gate.slot("slow.example"):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
                starts.append(time.monotonic())
            time.sleep(0.02)
            with lock:
                active[0] -= 1

    threads = [threading.Thread(target=request, args=(gates[i % 3],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts.sort()
    assert peak[0] == 1
    assert all(b - a >= 0.1 for a, b in zip(starts, starts[1:]))
    client.delete(*client.keys("fwtest:gate:*") or ["none"])


def test_crawl_and_import_messages_commands(crawl_app, farm, tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(f"# seeds\n{farm.url('www.taxinfo-guide.org')}\n{farm.url('fapiao-chayan.xyz')}\n")
    cli = crawl_app.test_cli_runner()
    result = cli.invoke(args=["crawl", "--seeds", str(seeds), "--depth", "1", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "queued 2 seed(s)" in result.output and "crawled 4 page(s)" in result.output
    sms = tmp_path / "sms.csv"
    url = farm.url("hmrc-taxrefund.co.uk.verify-id.online")
    sms.write_text(f"sender,date,body\n+447700900123,2025-03-01 10:00:00,HMRC: claim your refund at {url}\n"
                   f"x,2025-03-01 10:00:00,\n", encoding="utf-8")
    result = cli.invoke(args=["import", "messages", str(sms), "--workers", "1"])
    assert "1 report(s) stored, 0 duplicate(s), 1 message(s) with errors" in result.output
    with crawl_app.app_context():
        report = db.session.scalars(sa.select(Report).where(Report.source == "import")).one()
        assert report.channel == "sms" and report.phone
    (row,) = evidence(crawl_app, report_id=report.id)
    assert row.final_url == url and row.verdict["label"] == "scam"
