"""Follow-up jobs: every report is processed by a worker, even across a Redis outage."""
from __future__ import annotations

import socket

import sqlalchemy as sa

from fraudwatch.infra.embedded import ensure_embedded_redis, stop_embedded_redis
from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import PendingJob, Report
from tests.conftest import cleanup_redis, make_test_app, run_jobs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unprocessed(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(Report.processed_at.is_(None)))


def test_a_worker_processes_each_report_once(app, client):
    ids = [client.post("/api/v1/reports", json={"message_text": f"补贴申领 {i}"}).get_json()["id"] for i in range(3)]
    assert unprocessed(app) == 3
    run_jobs(app)
    assert unprocessed(app) == 0
    with app.app_context():
        jobs = db.session.scalars(sa.select(PendingJob)).all()
        assert sorted(j.target_id for j in jobs) == ids and all(j.done_at and j.attempts == 1 for j in jobs)
        from fraudwatch.jobs.tasks import run_pending

        assert run_pending(jobs[0].id) == "already done"


def test_reports_are_kept_while_redis_is_down_and_processed_after(database_url, redis_url, tmp_path):
    dead = make_test_app(database_url, "redis://127.0.0.1:1/0", tmp_path / "dead", ANON_REPORT_LIMIT="1000/minute")
    client = dead.test_client()
    answers = [client.post("/api/v1/reports", json={"message_text": f"税务稽查 {i}"}) for i in range(5)]
    assert [a.status_code for a in answers] == [201] * 5
    assert {a.get_json()["processing"] for a in answers} == {"pending"}
    assert dead.test_client().get("/readyz").status_code == 503
    alive = make_test_app(database_url, redis_url, tmp_path / "alive")
    with alive.app_context():
        from fraudwatch.services import outbox

        assert outbox.pump() == 5
    run_jobs(alive)
    assert unprocessed(alive) == 0
    cleanup_redis(alive)


def test_killing_redis_while_reports_arrive_loses_nothing(database_url, tmp_path):
    folder, port = tmp_path / "r", free_port()
    url = ensure_embedded_redis(folder, port=port, persist=False)
    app = make_test_app(database_url, url, tmp_path / "i", PENDING_RETRY_SECONDS=0, ANON_REPORT_LIMIT="1000/minute")
    client = app.test_client()
    statuses = []
    try:
        for i in range(30):
            if i == 10:
                stop_embedded_redis(folder)  # the queued jobs of reports 0-9 die with it
            statuses.append(client.post("/api/v1/reports", json={"message_text": f"个税退税 第{i}条"}).status_code)
        assert statuses == [201] * 30
        ensure_embedded_redis(folder, port=port, persist=False)
        with app.app_context():
            from fraudwatch.services import outbox

            assert outbox.pump() == 30
        run_jobs(app)
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 30
        assert unprocessed(app) == 0
    finally:
        stop_embedded_redis(folder)
