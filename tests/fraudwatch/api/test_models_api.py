"""The registry's admin API: only admins; a retrain is a job (202 + job id, one at a time) that
a worker runs; promote and rollback answer clear 404/409s on bad requests and change nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from fraudwatch.infra.extensions import db
from fraudwatch.services import model_registry
from tests.conftest import cleanup_redis, make_test_app, run_jobs
from tests.fraudwatch.services.retrain_data import (
    decision_rows,
    loop_config,
    store_decisions,
    train_small_model,
    write_small_corpus,
)


@pytest.fixture(scope="module")
def small_setup(tmp_path_factory) -> tuple[Path, Path]:
    """(small corpus, its model)."""
    corpus = write_small_corpus(tmp_path_factory.mktemp("api_small_corpus"))
    return corpus, train_small_model(tmp_path_factory.mktemp("api_small_model") / "current", corpus)


@pytest.fixture
def api_app(database_url, redis_url, tmp_path, small_setup):
    """An app whose retrain job reads the small corpus."""
    corpus, model = small_setup
    app = make_test_app(database_url, redis_url, tmp_path / "instance", **loop_config(model, corpus))
    yield app
    cleanup_redis(app)
    db.dispose(app)
    model_registry.forget()


def test_only_admins_reach_the_registry(api_app, make_user):
    client = api_app.test_client()
    officer = make_user("officer-a", "officer")
    for method, path in (("get", "/api/v1/models"), ("post", "/api/v1/models/retrain"),
                         ("post", "/api/v1/models/rollback"), ("post", "/api/v1/models/x/promote"),
                         ("get", "/api/v1/models/retrain/1")):
        assert getattr(client, method)(path).status_code == 401
        answer = getattr(client, method)(path, headers=officer)
        assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"


def test_bad_requests_answer_clear_errors_and_change_nothing(api_app, make_user):
    client = api_app.test_client()
    admin = make_user("admin-a", "admin")
    assert client.get("/api/v1/models", headers=admin).get_json() == {"versions": []}
    assert client.get("/api/v1/models?status=active", headers=admin).status_code == 400
    missing = client.post("/api/v1/models/nope/promote", json={}, headers=admin)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "unknown_version"
    for version in ("x" * 64, "<script>alert(1)</script>", "..", "%00", "1'; DROP TABLE model_versions; --"):
        answer = client.post(f"/api/v1/models/{version}/promote", json={}, headers=admin)
        assert answer.status_code == 404, (version, answer.get_json())
    assert client.post(f"/api/v1/models/{'x' * 65}/promote", json={}, headers=admin).status_code == 404
    for body in ({"force": "yes"}, {"force": 1}, {"force": False, "extra": 1}, [], "force"):
        answer = client.post("/api/v1/models/nope/promote", json=body, headers=admin)
        assert answer.status_code == 400, (body, answer.get_json())
    assert client.post("/api/v1/models/nope/promote", headers=admin).status_code == 415  # no body
    garbage = client.post("/api/v1/models/nope/promote", data=b"{not json", headers={
        **admin, "Content-Type": "application/json"})
    assert garbage.status_code == 400
    huge = client.post("/api/v1/models/nope/promote", data=b"{" + b" " * 3_000_000 + b"}", headers={
        **admin, "Content-Type": "application/json"})
    assert huge.status_code in (400, 413)
    rollback = client.post("/api/v1/models/rollback", headers=admin)
    assert rollback.status_code == 409 and rollback.get_json()["error"]["code"] == "no_active_model"
    assert client.get("/api/v1/models/retrain/2147483647", headers=admin).status_code == 404
    assert client.get("/api/v1/models/retrain/2147483648", headers=admin).status_code == 404
    assert client.get("/api/v1/models", headers=admin).get_json() == {"versions": []}


def test_the_admin_button_runs_a_retrain_job_that_promotes(api_app, make_user):
    app, client = api_app, api_app.test_client()
    admin = make_user("admin-a", "admin")
    store_decisions(app, decision_rows(200))
    started = client.post("/api/v1/models/retrain", headers=admin)
    assert started.status_code == 202, started.get_json()
    job = started.get_json()
    assert job["state"] == "queued" and started.headers["Location"] == f"/api/v1/models/retrain/{job['job_id']}"
    again = client.post("/api/v1/models/retrain", headers=admin)
    assert again.status_code == 202 and again.get_json()["job_id"] == job["job_id"]  # one at a time
    run_jobs(app)
    state = client.get(f"/api/v1/models/retrain/{job['job_id']}", headers=admin).get_json()
    assert state["state"] == "done", state
    versions = client.get("/api/v1/models", headers=admin).get_json()["versions"]
    active = [v for v in versions if v["status"] == "active"]
    assert len(active) == 1 and active[0]["created_by"] == "admin-a (job)"
    assert active[0]["comparison"]["not_worse"] and active[0]["decisions"]["held_out"] == 40
    with app.app_context():
        assert model_registry.get_classifier().version == active[0]["version"]

    back = client.post("/api/v1/models/rollback", headers=admin)
    assert back.status_code == 200 and back.get_json()["status"] == "active"
    previous = back.get_json()["version"]
    assert client.post("/api/v1/models/rollback", headers=admin).status_code == 409
    again = client.post(f"/api/v1/models/{active[0]['version']}/promote", json={}, headers=admin)
    assert again.status_code == 200 and again.get_json()["version"] == active[0]["version"]
    twice = client.post(f"/api/v1/models/{active[0]['version']}/promote", json={"force": True}, headers=admin)
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_active"
    statuses = {v["version"]: v["status"] for v in client.get("/api/v1/models", headers=admin).get_json()["versions"]}
    assert statuses == {previous: "retired", active[0]["version"]: "active"}


def test_a_retrain_job_without_enough_decisions_says_why(api_app, make_user):
    client = api_app.test_client()
    admin = make_user("admin-a", "admin")
    job = client.post("/api/v1/models/retrain", headers=admin).get_json()
    run_jobs(api_app)
    state = client.get(f"/api/v1/models/retrain/{job['job_id']}", headers=admin).get_json()
    assert state["state"] == "retrying" and "at least 20" in state["error"], state
    assert client.get("/api/v1/models", headers=admin).get_json() == {"versions": []}


def test_a_retrain_job_keeps_its_long_timeout_when_the_pump_puts_it_back(api_app, make_user):
    from rq.job import Job

    from fraudwatch.infra import redis_keys
    from fraudwatch.infra.extensions import redis_store
    from fraudwatch.services import outbox

    client = api_app.test_client()
    job_id = client.post("/api/v1/models/retrain", headers=make_user("admin-a", "admin")).get_json()["job_id"]
    with api_app.app_context():
        rq_id = redis_keys.rq_job_id(job_id)
        assert Job.fetch(rq_id, connection=redis_store.client).timeout == outbox.LONG_JOB_TIMEOUT
        redis_store.client.delete(Job.key_for(rq_id))  # lost with a Redis restart
        api_app.config["PENDING_RETRY_SECONDS"] = 0
        assert outbox.pump() == 1
        assert Job.fetch(rq_id, connection=redis_store.client).timeout == outbox.LONG_JOB_TIMEOUT
