"""A database that is down or restarting is a 503 with Retry-After, never a 500 (the chaos
suite met 500s while PostgreSQL restarted); a transaction that keeps losing is retried."""
from __future__ import annotations

import sqlalchemy as sa

from fraudwatch.storage.transactions import in_transaction, is_retryable
from tests.conftest import cleanup_redis, make_test_app
from tests.served import free_port


def test_every_endpoint_answers_503_while_the_database_is_unreachable(redis_url, tmp_path):
    down = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    app = make_test_app(down, redis_url, tmp_path / "i", RATELIMIT_ENABLED=False)
    client = app.test_client()
    answers = [client.post("/api/v1/reports", json={"message_text": "退税 while the database is down"}),
               client.get("/api/v1/lookup", query_string={"type": "domain", "value": "etax-refund.top"}),
               client.get("/api/v1/reports", headers={"Authorization": "Bearer fwo_whatever"})]
    for answer in answers:
        assert answer.status_code == 503, (answer.status_code, answer.get_data(as_text=True)[:300])
        assert answer.get_json()["error"]["code"] == "database_unavailable"
        assert answer.headers["Retry-After"] == "2"
    assert client.get("/readyz").status_code == 503
    cleanup_redis(app)


def test_a_transaction_that_loses_is_run_again(app):
    from fraudwatch.infra.extensions import db

    calls = []

    class Lost(Exception):
        sqlite_errorname = "SQLITE_BUSY"

    def work():
        calls.append(1)
        if len(calls) < 3:
            raise sa.exc.OperationalError("INSERT ...", {}, Lost("database is locked"))
        return "done"

    with app.app_context():
        assert in_transaction(db.session, work) == "done"
    assert len(calls) == 3
    assert not is_retryable(sa.exc.IntegrityError("INSERT ...", {}, Exception("unique violation")))
