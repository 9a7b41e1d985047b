"""Sign-in throttling: 5 failures per account, 20 per address (per 15 minutes) -> 429, the
password is then not even checked; audited as login_throttled."""
from __future__ import annotations

import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import AuditEvent
from tests.fraudwatch.console.conftest import PASSWORD


def _try(client, csrf, name, password, address="127.0.0.1"):
    data = {"username": name, "password": password, "csrf_token": csrf(client)}
    return client.post("/console/login", data=data, environ_base={"REMOTE_ADDR": address})


def _actions(app, action):
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_account_throttled_after_five_failures(app, client, make_person, csrf):
    make_person("officer1")
    for attempt in range(5):
        assert _try(client, csrf, "officer1", f"wrong password {attempt}").status_code == 200
    answer = _try(client, csrf, "officer1", PASSWORD)  # even the right password
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
    assert "尝试次数过多".encode() in answer.data or "登录失败次数过多".encode() in answer.data
    assert client.get("/console/").status_code == 302
    # the same account from elsewhere is throttled too; other accounts are not
    assert _try(app.test_client(), csrf, "OFFICER1", PASSWORD, "10.0.0.9").status_code == 429
    make_person("officer2")
    assert _try(app.test_client(), csrf, "officer2", PASSWORD).status_code == 302
    [event] = _actions(app, "login_throttled")[:1]
    assert event.actor == "officer1" and event.address == "127.0.0.1"


def test_address_throttled_after_twenty_failures(app, make_person, csrf):
    make_person("officer1")
    client = app.test_client()
    for attempt in range(20):
        _try(client, csrf, f"guess{attempt}", "wrong password!", "10.1.2.3")
    assert _try(client, csrf, "officer1", PASSWORD, "10.1.2.3").status_code == 429
    assert _try(app.test_client(), csrf, "officer1", PASSWORD, "10.1.2.4").status_code == 302


def test_success_clears_the_account_count(app, client, make_person, csrf):
    make_person("officer1")
    for attempt in range(4):
        _try(client, csrf, "officer1", f"wrong password {attempt}")
    assert _try(client, csrf, "officer1", PASSWORD).status_code == 302
    other = app.test_client()
    for attempt in range(4):
        assert _try(other, csrf, "officer1", f"wrong again {attempt}").status_code == 200
    assert _try(other, csrf, "officer1", PASSWORD).status_code == 302


def test_throttle_limits_are_configurable(database_url, redis_url, tmp_path, csrf):
    from tests.conftest import cleanup_redis, make_test_app

    app = make_test_app(database_url, redis_url, tmp_path / "i", LOGIN_ACCOUNT_LIMIT=2)
    try:
        client = app.test_client()
        for _ in range(2):
            assert _try(client, csrf, "x", "wrong password!").status_code == 200
        assert _try(client, csrf, "x", "wrong password!").status_code == 429
    finally:
        cleanup_redis(app)
        db.dispose(app)
