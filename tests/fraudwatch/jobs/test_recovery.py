"""Jobs are not lost or stuck: a failing job is retried with backoff and given up after
JOB_MAX_ATTEMPTS (it used to be retried forever), a job whose worker is killed mid-run is
run again by another worker within 30 s (it took 303-308 s), and a worker outlives a Redis
outage (it used to exit). Real worker processes, real Redis."""
from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fraudwatch.infra import redis_keys
from fraudwatch.infra.embedded import ensure_embedded_redis, stop_embedded_redis
from fraudwatch.infra.extensions import db
from fraudwatch.jobs import tasks as jobs
from fraudwatch.services import outbox
from fraudwatch.storage.models import PendingJob, Report, utcnow
from tests.served import ServedInstance, free_port

SLOW_WORKER = """
import time
from fraudwatch import create_app
from fraudwatch.jobs import tasks as jobs
from fraudwatch.jobs.workers import run_worker

def stuck(report_id, **_):
    time.sleep(3600)  # killed long before

jobs.HANDLERS["process_report"] = stuck
run_worker(create_app())
"""


def _wait(predicate, timeout: float, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    return None


def _job_row(app, report_id: int) -> PendingJob:
    with app.app_context():
        return db.session.scalars(sa.select(PendingJob).where(PendingJob.target_id == report_id)).one()


def _processed(app, report_id: int):
    with app.app_context():
        return db.session.scalar(sa.select(Report.processed_at).where(Report.id == report_id))


def test_a_failing_job_backs_off_and_is_given_up_after_max_attempts(app, client, monkeypatch):
    report_id = client.post("/api/v1/reports", json={"message_text": "个税退税 fails"}).get_json()["id"]
    calls = []
    monkeypatch.setitem(jobs.HANDLERS, "process_report", lambda target, **_: calls.append(target) or 1 / 0)
    with app.app_context():
        job_id = _job_row(app, report_id).id
        outcomes = [jobs.run_pending(job_id)]
        row = _job_row(app, report_id)
        assert outcomes == ["will retry"] and row.not_before > utcnow() + timedelta(seconds=3)
        assert "ZeroDivisionError" in row.last_error
        assert outbox.pump() == 0  # not before its backoff
        for _ in range(app.config["JOB_MAX_ATTEMPTS"]):
            outcomes.append(jobs.run_pending(job_id))
    row = _job_row(app, report_id)
    assert outcomes[-2:] == ["given up", "already done"] and row.failed_at is not None
    assert row.attempts == app.config["JOB_MAX_ATTEMPTS"] == len(calls)
    with app.app_context():
        db.session.execute(sa.update(PendingJob).values(enqueued_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        assert outbox.pump() == 0  # a given-up job is never enqueued again


def _age_enqueued(app, seconds: int) -> None:
    with app.app_context():
        db.session.execute(sa.update(PendingJob).values(enqueued_at=utcnow() - timedelta(seconds=seconds)))
        db.session.commit()


def test_a_job_taken_off_the_queue_by_a_worker_that_died_is_enqueued_again(app, client):
    """A worker pops a job id into RQ's intermediate list before it starts the job; dying in
    between left the job 'queued' in name only, for RQ's 10-minute housekeeping."""
    from fraudwatch.infra.extensions import redis_store
    from tests.conftest import run_jobs

    report_id = client.post("/api/v1/reports", json={"message_text": "退税 popped then lost"}).get_json()["id"]
    with app.app_context():
        main = outbox.get_queue()
        redis_store.client.lmove(main.key, main.intermediate_queue_key, "RIGHT", "LEFT")  # the worker's dequeue
        assert main.count == 0
        assert outbox.pump() == 0  # enqueued moments ago: a dequeue may be under way
    _age_enqueued(app, 60)
    with app.app_context():
        assert outbox.pump() == 1 and outbox.get_queue().count == 1
    run_jobs(app)
    assert _processed(app, report_id) is not None


def test_jobs_lost_with_redis_data_are_enqueued_again(app, client):
    from fraudwatch.infra.extensions import redis_store
    from tests.conftest import run_jobs

    ids = [client.post("/api/v1/reports", json={"message_text": f"退税 flushed {n}"}).get_json()["id"] for n in range(3)]
    with app.app_context():
        redis_store.client.delete(outbox.get_queue().key, *(f"rq:job:{redis_keys.rq_job_id(i)}" for i in (1, 2, 3)))
    _age_enqueued(app, 60)
    with app.app_context():
        assert outbox.pump() == 3
    run_jobs(app)
    assert all(_processed(app, i) for i in ids)


@pytest.mark.slow
def test_a_job_whose_worker_is_killed_runs_again_within_30_s(database_url, redis_url, tmp_path):
    with ServedInstance(database_url, redis_url, tmp_path / "instance") as served:
        app = served.app()
        slow = served.spawn_python(SLOW_WORKER, "slow-worker.log")
        time.sleep(3)  # let it start listening first
        report_id = app.test_client().post("/api/v1/reports", json={"message_text": "税务稽查 kill -9"}).get_json()["id"]
        assert _wait(lambda: _job_row(app, report_id).started_at, 60), served.log("slow-worker.log")[-2000:]
        served.start_worker()
        time.sleep(2)
        os.killpg(slow.pid, signal.SIGKILL)
        killed = time.monotonic()
        done = _wait(lambda: _processed(app, report_id), 60, every=0.5)
        waited = time.monotonic() - killed
        row = _job_row(app, report_id)
    assert done is not None, served.log("worker-1.log")[-3000:]
    assert waited < 30 and row.attempts == 2 and row.done_at is not None


@pytest.mark.slow
def test_a_worker_outlives_a_redis_outage_and_processes_what_came_meanwhile(database_url, tmp_path):
    folder, port = tmp_path / "redis", free_port()
    url = ensure_embedded_redis(folder, port=port, persist=False)
    try:
        with ServedInstance(database_url, url, tmp_path / "instance") as served:
            app = served.app()
            worker = served.start_worker()
            client = app.test_client()
            first = client.post("/api/v1/reports", json={"message_text": "退税 before"}).get_json()["id"]
            assert _wait(lambda: _processed(app, first), 60), served.log("worker-0.log")[-2000:]
            stop_embedded_redis(folder)
            during = [client.post("/api/v1/reports", json={"message_text": f"退税 during {i}"}) for i in range(5)]
            assert [r.status_code for r in during] == [201] * 5
            time.sleep(8)  # the worker notices the outage and keeps trying
            assert worker.poll() is None, served.log("worker-0.log")[-2000:]
            ensure_embedded_redis(folder, port=port, persist=False)
            back = time.monotonic()
            ids = [r.get_json()["id"] for r in during]
            assert _wait(lambda: all(_processed(app, i) for i in ids), 60, every=0.5), served.log("worker-0.log")[-3000:]
            assert time.monotonic() - back < 45 and worker.poll() is None
    finally:
        stop_embedded_redis(folder)
