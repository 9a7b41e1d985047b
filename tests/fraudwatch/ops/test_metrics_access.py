"""Who may read /metrics (METRICS on, admin, off), bounded labels and request ids, in process."""
from __future__ import annotations

import json
import logging

import pytest

from fraudwatch.infra import logs
from tests.conftest import cleanup_redis, make_test_app


@pytest.fixture
def mode_app(database_url, redis_url, tmp_path):
    made = []

    def make(mode: str):
        made.append(make_test_app(database_url, redis_url, tmp_path / mode, METRICS=mode))
        return made[-1]

    yield make
    for application in made:
        cleanup_redis(application)


def _token(app, name: str, role: str) -> dict:
    from fraudwatch.infra.extensions import db
    from fraudwatch.storage import users

    with app.app_context():
        token = users.create_token(db.session, users.create_user(db.session, name, role, None))
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.backend("sqlite")
def test_access_modes(mode_app):
    on = mode_app("on").test_client().get("/metrics")
    assert on.status_code == 200 and on.headers["Cache-Control"] == "no-store"
    assert b"fraudwatch_queue_depth" in on.data
    off = mode_app("off").test_client().get("/metrics")
    assert off.status_code == 404 and off.get_json()["error"]["code"] == "not_found"
    admin_app = mode_app("admin")
    client = admin_app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=_token(admin_app, "ent", "enterprise")).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Basic " + "a" * 5000}).status_code == 401
    assert client.get("/metrics", headers=_token(admin_app, "adm", "admin")).status_code == 200


@pytest.mark.backend("sqlite")
def test_labels_are_endpoints_and_request_ids_are_sane(mode_app):
    client = mode_app("on").test_client()
    for hostile in ["", "x" * 65, "a\tb", "<x>", "退税", "a" * 10_000]:
        echoed = client.get("/healthz", headers={"X-Request-ID": hostile}).headers["X-Request-ID"]
        assert len(echoed) == 32 and echoed != hostile
    assert client.get("/healthz", headers={"X-Request-ID": "ok-1.2:3@x_y"}).headers["X-Request-ID"] == "ok-1.2:3@x_y"
    client.get("/api/v1/lookup/zzqq-raw-path-" + "9" * 300)
    client.post("/api/v1/lookup", data=b"\xff" * 1000, content_type="application/json")
    text = client.get("/metrics").get_data(as_text=True)
    assert "zzqq" not in text and 'endpoint="none"' in text and 'endpoint="api.lookup_batch"' in text


def test_json_formatter_writes_one_object_a_line():
    record = logging.LogRecord("fraudwatch.test", logging.ERROR, __file__, 1, "bad %s\nline", ("退税",), None)
    record.method, record.duration_ms, record.blob = "GET", 1.5, "z" * 10_000
    token = logs.set_request_id("rid-1")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            record.exc_info = sys.exc_info()
        line = logs.JsonFormatter().format(record)
    finally:
        logs.reset_request_id(token)
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "bad 退税\nline" and data["request_id"] == "rid-1" and data["level"] == "ERROR"
    assert data["method"] == "GET" and data["duration_ms"] == 1.5 and len(data["blob"]) == logs.MAX_FIELD
    assert "ValueError: boom" in data["exception"]
