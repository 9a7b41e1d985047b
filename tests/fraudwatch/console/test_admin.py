"""Admin pages: users (create, role, deactivate, reactivate), API tokens (create shown once,
revoke, rotate) and the audit log viewer (filters, keyset paging, bad filters are 400)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import ApiToken, AuditEvent, User
from tests.fraudwatch.console.conftest import PASSWORD


@pytest.fixture
def admin(app, sign_in):
    client = app.test_client()
    sign_in(client, "root", "admin")
    return client


def _post(client, csrf, path, **data):
    return client.post(path, data={**data, "csrf_token": csrf(client)})


def _user(app, name) -> User:
    with app.app_context():
        return db.session.scalars(sa.select(User).where(User.name == name)).first()


def _actions(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_officers_may_not_administer(app, client, sign_in, csrf):
    sign_in(client)
    for path in ("/console/admin/users", "/console/admin/users/1", "/console/audit"):
        assert client.get(path).status_code == 403
    assert _post(client, csrf, "/console/admin/users", name="x", role="admin", password=PASSWORD).status_code == 403
    assert _user(app, "x") is None
    assert client.get("/console/").data.count(b"/console/admin/users") == 0


def test_create_user_then_it_signs_in(app, admin, csrf):
    answer = _post(admin, csrf, "/console/admin/users", name="新同事", role="officer", password=PASSWORD)
    assert answer.status_code == 302
    user = _user(app, "新同事")
    assert user.role == "officer" and user.password_hash.startswith("$argon2id$")
    page = admin.get("/console/admin/users").data.decode()
    assert "新同事" in page
    other = app.test_client()
    other.get("/console/login")
    answer = _post(other, csrf, "/console/login", username="新同事", password=PASSWORD)
    assert answer.status_code == 302 and other.get("/console/").status_code == 200
    assert "user_create" in _actions(app)


@pytest.mark.parametrize("data", [
    {"name": "a", "role": "god", "password": PASSWORD}, {"name": "a", "role": "officer", "password": "short"},
    {"name": "", "role": "officer", "password": PASSWORD}, {"name": "n" * 121, "role": "officer", "password": PASSWORD},
    {"name": "bad\x00name", "role": "officer", "password": PASSWORD}, {"role": "officer"}, {},
    {"name": "root", "role": "officer", "password": PASSWORD},  # exists already
    {"name": "a", "role": "officer", "password": "p" * 300}])
def test_create_user_refusals(app, admin, csrf, data):
    answer = _post(admin, csrf, "/console/admin/users", **data)
    assert answer.status_code == 400 and b'role="alert"' in answer.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_script_names_render_inert(app, admin, csrf):
    name = '<img src=x onerror=alert(1)>'
    _post(admin, csrf, "/console/admin/users", name=name, role="enterprise")
    for path in ("/console/admin/users", f"/console/admin/users/{_user(app, name).id}", "/console/audit"):
        page = admin.get(path).data.decode()
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page or "\\u003cimg src=x onerror=alert(1)\\u003e" in page


def test_role_deactivate_reactivate_end_sessions(app, admin, csrf, sign_in):
    officer = app.test_client()
    uid = sign_in(officer, "li", "officer")
    assert _post(admin, csrf, f"/console/admin/users/{uid}/role", role="admin").status_code == 302
    assert _user(app, "li").role == "admin" and officer.get("/console/").status_code == 302
    sign_in(officer, user_id=uid)
    assert _post(admin, csrf, f"/console/admin/users/{uid}/active", active="0").status_code == 302
    assert officer.get("/console/").status_code == 302 and not _user(app, "li").active
    sign_in(officer, user_id=uid)
    assert officer.get("/console/").status_code == 302  # deactivated: no way back in
    assert _post(admin, csrf, f"/console/admin/users/{uid}/active", active="1").status_code == 302
    sign_in(officer, user_id=uid)
    assert officer.get("/console/").status_code == 200
    assert _actions(app)[-3:] == ["user_role", "user_deactivate", "user_reactivate"]
    for path, data in ((f"/console/admin/users/{uid}/role", {"role": "king"}),
                       (f"/console/admin/users/{uid}/active", {"active": "yes"})):
        assert _post(admin, csrf, path, **data).status_code == 400
    root = _user(app, "root").id
    assert _post(admin, csrf, f"/console/admin/users/{root}/active", active="0").status_code == 409
    assert _post(admin, csrf, f"/console/admin/users/{root}/role", role="officer").status_code == 409


@pytest.mark.parametrize("path", ["/console/admin/users/999999", "/console/admin/users/99999999999999",
                                  "/console/admin/users/-1", "/console/admin/users/abc"])
def test_unknown_users_are_404(admin, path):
    assert admin.get(path).status_code == 404


def test_tokens_create_rotate_revoke(app, admin, csrf, make_person):
    uid = make_person("acme", "enterprise", password=None)
    page = _post(admin, csrf, f"/console/admin/users/{uid}/tokens", label="billing").data.decode()
    token = re.search(r'<code id="new-token">(fwe_[^<]+)</code>', page).group(1)
    assert app.test_client().get("/api/v1/lookup?type=domain&value=example.com",
                                 headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in admin.get(f"/console/admin/users/{uid}").data.decode()  # shown once
    with app.app_context():
        [row] = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == uid)).all()
    page = _post(admin, csrf, f"/console/admin/users/{uid}/tokens/{row.id}/rotate").data.decode()
    fresh = re.search(r'<code id="new-token">(fwe_[^<]+)</code>', page).group(1)
    assert fresh != token
    with app.app_context():
        rows = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == uid).order_by(ApiToken.id)).all()
    assert rows[0].revoked_at is not None and rows[1].revoked_at is None and rows[1].label == "billing"
    assert _post(admin, csrf, f"/console/admin/users/{uid}/tokens/{rows[1].id}/revoke").status_code == 302
    assert _post(admin, csrf, f"/console/admin/users/{uid}/tokens/{rows[1].id}/revoke").status_code == 404
    assert _post(admin, csrf, f"/console/admin/users/{uid}/tokens/99999999999/revoke").status_code == 404
    assert _post(admin, csrf, f"/console/admin/users/{uid}/tokens", label="x" * 121).status_code == 400
    assert _actions(app)[-3:] == ["token_create", "token_rotate", "token_revoke"]


def test_audit_log_filters_and_paging(app, admin, csrf):
    with app.app_context():
        for i in range(60):
            db.session.add(AuditEvent(actor=f"u{i % 3}", action="report.status" if i % 2 else "login",
                                      target_type="report", target_id=i + 1, address="10.0.0.1"))
        db.session.commit()
    page = admin.get("/console/audit").data.decode()
    assert page.count("<tr>") == 51 and 'rel="next"' in page  # header + 50
    older = re.search(r'href="(/console/audit\?before=\d+)"', page).group(1)
    assert admin.get(older).data.decode().count("<tr>") == 11
    only = admin.get("/console/audit?actor=u1&action=login").data.decode()
    assert only.count("<tr>") - 1 == len([i for i in range(60) if i % 3 == 1 and i % 2 == 0])
    assert admin.get("/console/audit?target_id=7").data.decode().count("<tr>") == 2
    assert admin.get("/console/audit?since=2000-01-01&until=2000-01-02").data.decode().count("<tr>") == 2
    filtered = admin.get("/console/audit?actor=u1").data.decode()
    assert 'rel="next"' not in filtered


@pytest.mark.parametrize("query", ["sort=id", "target_id=abc", "target_id=99999999999", "since=yesterday",
                                   "until=2026-13-01", "before=-5", "actor=" + "a" * 121, "actor=a&actor=b",
                                   "actor=%00", "target_id=%EF%BC%91"])
def test_audit_log_bad_filters(admin, query):
    answer = admin.get("/console/audit?" + query)
    assert answer.status_code == 400 and answer.mimetype == "text/html"
