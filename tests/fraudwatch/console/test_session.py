"""Console skeleton: sign-in, sessions, roles, CSRF, error pages, security headers, audit."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from fraudwatch.console.session import login_required
from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import AuditEvent, User
from tests.fraudwatch.console.conftest import PASSWORD


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def _login(client, csrf, name="officer1", password=PASSWORD, **extra):
    data = {"username": name, "password": password, "csrf_token": csrf(client), **extra}
    return client.post("/console/login", data=data)


def test_anonymous_is_sent_to_sign_in_with_next(client):
    answer = client.get("/console/?x=1")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/console/login?next=/console/?x%3D1"
    htmx = client.get("/console/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].startswith("/console/login")


def test_sign_in_sign_out_and_audit(app, client, make_person, csrf):
    make_person("officer1")
    page = client.get("/console/login")
    assert page.status_code == 200 and b'name="csrf_token"' in page.data
    answer = _login(client, csrf, next="/console/?page=2")
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/?page=2"
    home = client.get("/console/")
    assert home.status_code == 200 and b"officer1" in home.data
    [event] = _audit(app, "login")
    assert event.actor == "officer1" and event.address == "127.0.0.1"
    with app.app_context():
        assert db.session.scalar(sa.select(User.last_login_at).where(User.name == "officer1")) is not None
    out = client.post("/console/logout", data={"csrf_token": csrf(client)})
    assert out.status_code == 302 and out.headers["Location"] == "/console/login"
    assert client.get("/console/").status_code == 302
    assert [e.actor for e in _audit(app, "logout")] == ["officer1"]


def test_sign_out_ends_a_copied_cookie(app, client, make_person, csrf):
    """Sign-out bumps the epoch: a copy of the session cookie taken before is dead."""
    make_person("officer1")
    _login(client, csrf)
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    assert stolen.get("/console/").status_code == 200
    client.post("/console/logout", data={"csrf_token": csrf(client)})
    assert stolen.get("/console/").status_code == 302


@pytest.mark.parametrize("name,password", [
    ("officer1", "wrong password!!"), ("nobody", PASSWORD), ("officer1", PASSWORD.upper())])
def test_wrong_credentials(app, client, make_person, csrf, name, password):
    make_person("officer1")
    answer = _login(client, csrf, name=name, password=password)
    assert answer.status_code == 200 and "用户名或密码错误".encode() in answer.data
    assert client.get("/console/").status_code == 302
    [event] = _audit(app, "login_failed")
    assert event.actor == name and event.address == "127.0.0.1"


def test_enterprise_users_sign_in_but_not_to_the_officers_pages(app, client, make_person, csrf):
    make_person("acme", role="enterprise")
    _login(client, csrf, name="acme", password=PASSWORD)
    for path in ("/console/queue", "/console/campaigns", "/console/audit"):
        assert client.get(path).status_code == 403, path


def test_no_console_for_inactive_or_passwordless(app, client, make_person, csrf):
    make_person("gone")
    make_person("nopass", password=None)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.name == "gone").values(active=False))
        db.session.commit()
    for name, password in (("gone", PASSWORD), ("nopass", ""), ("nopass", "x" * 12)):
        _login(client, csrf, name=name, password=password)
        assert client.get("/console/").status_code == 302, name


@pytest.mark.parametrize("data", [
    {}, {"username": "officer1"}, {"password": PASSWORD}, {"username": "  ", "password": PASSWORD},
    {"username": "o" * 5000, "password": PASSWORD}, {"username": "officer1", "password": "p" * 100_000},
    {"username": "officer1\x00", "password": PASSWORD}, {"username": "<script>alert(1)</script>", "password": "x"},
])
def test_malformed_sign_in_is_refused_and_inert(client, make_person, csrf, data):
    make_person("officer1")
    answer = client.post("/console/login", data={**data, "csrf_token": csrf(client)})
    assert answer.status_code in (200, 400)
    assert b"<script>alert(1)" not in answer.data
    assert client.get("/console/").status_code == 302


def test_non_utf8_form_body(client, make_person, csrf):
    make_person("officer1")
    body = b"username=\xff\xfe\xc3&password=\xff" + b"&csrf_token=" + csrf(client).encode()
    answer = client.post("/console/login", data=body, content_type="application/x-www-form-urlencoded")
    assert answer.status_code in (200, 400)
    assert client.get("/console/").status_code == 302


def test_oversized_body_is_413_page(client, csrf):
    answer = client.post("/console/login", data={"username": "a", "password": "b" * (2 * 1024 * 1024),
                                                 "csrf_token": csrf(client)})
    assert answer.status_code == 413 and answer.mimetype == "text/html"


@pytest.mark.parametrize("token", [None, "", "wrong", "x" * 10_000, "令牌", "%ff%fe"])
def test_csrf_refused(app, client, make_person, csrf, token):
    make_person("officer1")
    csrf(client)
    body = f"username=officer1&password={PASSWORD}" + (f"&csrf_token={token}" if token is not None else "")
    answer = client.post("/console/login", data=body.encode(), content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 400 and "表单已过期".encode() in answer.data
    assert client.get("/console/").status_code == 302
    assert _audit(app, "login") == [] and _audit(app, "login_failed") == []


def test_csrf_header_for_htmx_and_no_session(client, sign_in, csrf):
    sign_in(client)
    assert client.post("/console/language", data={"lang": "en"}, headers={"X-CSRF-Token": csrf(client)}
                       ).status_code == 302
    fresh = client.application.test_client()
    assert fresh.post("/console/language", data={"lang": "en", "csrf_token": "anything"}).status_code == 400


@pytest.mark.parametrize("target,expected", [
    ("/console/x?y=1", "/console/x?y=1"), ("https://evil.example/", "/console/"), ("//evil.example/console", "/console/"),
    ("/\\evil.example", "/console/"), ("javascript:alert(1)", "/console/"), ("/api/v1/x", "/console/"),
    ("/console\r\nSet-Cookie: a=b", "/console/"), ("", "/console/")])
def test_next_stays_in_the_console(client, make_person, csrf, target, expected):
    make_person("officer1")
    assert _login(client, csrf, next=target).headers["Location"] == expected


def test_timeouts_and_epoch_end_sessions(app, client, sign_in):
    uid = sign_in(client)
    assert client.get("/console/").status_code == 200
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - 31 * 60
    assert client.get("/console/").status_code == 302
    sign_in(client, user_id=uid)
    with client.session_transaction() as session:
        session["since"] = int(time.time()) - 13 * 3600
    assert client.get("/console/").status_code == 302
    sign_in(client, user_id=uid)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == uid).values(session_epoch=User.session_epoch + 1))
        db.session.commit()
    assert client.get("/console/").status_code == 302
    sign_in(client, user_id=uid)
    with client.session_transaction() as session:
        session["uid"] = "1"  # a value of the wrong type is no session
    assert client.get("/console/").status_code == 302


def test_roles_and_error_page(app, client, sign_in):
    @login_required("admin")
    def admin_only():
        return "secret"

    app.add_url_rule("/console/test-admin-only", "console.test_admin_only", admin_only)
    sign_in(client, "officer1", "officer")
    answer = client.get("/console/test-admin-only")
    assert answer.status_code == 403 and answer.mimetype == "text/html"
    assert "您无权打开此页面".encode() in answer.data
    client.get("/console/logout")  # GET does not sign out
    admin = app.test_client()
    sign_in(admin, "admin1", "admin")
    assert admin.get("/console/test-admin-only").data == b"secret"


def test_security_headers_of_console_pages(client, sign_in):
    for path in ("/console/login", "/console/nope"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert "form-action 'self'" in csp and "base-uri 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in ("no-referrer", "same-origin")
    sign_in(client)
    answer = client.get("/console/")
    assert answer.headers["Cache-Control"] == "no-store"
    cookie = answer.headers.get("Set-Cookie") or client.get("/console/login").headers.get("Set-Cookie", "")
    page = client.get("/console/").data.decode()
    assert "<script>" not in page and " on" not in page.replace(" one", "")  # no inline script or handler
    assert 'src="/static/vendor/htmx-2.0.11/htmx.min.js" defer' in page
    assert cookie == "" or ("HttpOnly" in cookie and "SameSite=Lax" in cookie)


def test_session_cookie_flags(client, make_person, csrf):
    make_person("officer1")
    cookie = _login(client, csrf).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookie_when_configured(database_url, redis_url, tmp_path):
    from tests.conftest import cleanup_redis, make_test_app

    app = make_test_app(database_url, redis_url, tmp_path / "i", SESSION_COOKIE_SECURE=True)
    try:
        cookie = app.test_client().get("/console/login", base_url="https://localhost").headers["Set-Cookie"]
        assert "Secure" in cookie
    finally:
        cleanup_redis(app)
        db.dispose(app)


def test_static_files_are_served(client):
    for path in ("/static/vendor/htmx-2.0.11/htmx.min.js", "/static/console/console.js",
                 "/static/console/console.css"):
        answer = client.get(path)
        assert answer.status_code == 200 and len(answer.data) > 100, path


def test_script_payload_name_is_inert(client, sign_in):
    sign_in(client, name='"><svg onload=alert(1)><script>alert(2)</script>')
    page = client.get("/console/").data.decode()
    assert "<svg onload" not in page and "<script>alert" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_development_secret_key_is_warned_about(database_url, redis_url, tmp_path, caplog):
    from tests.conftest import cleanup_redis, make_test_app

    app = make_test_app(database_url, redis_url, tmp_path / "i", TESTING=False, SECRET_KEY="dev-only-not-secret")
    try:
        assert "anyone can forge console sessions" in caplog.text
    finally:
        cleanup_redis(app)
        db.dispose(app)
