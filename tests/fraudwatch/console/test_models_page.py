"""The console's model registry page: admins only, CSRF on every form, promote / rollback /
retrain with clear refusals (404/409, nothing changed), audited with the request address, zh and en."""
from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.storage import model_versions as store
from fraudwatch.storage.models import AuditEvent

COMPARISON = {"sets": {"corpus": {"candidate": {"rows": 86, "flagged": {"f1": 0.59}, "legit_flagged": 0.12},
                                  "baseline": {"rows": 86, "flagged": {"f1": 0.83}, "legit_flagged": 0.12},
                                  "worse": ["flagged F1 0.59 < 0.83 - 0.0357"]}}, "not_worse": False}


@pytest.fixture
def registry(app, tmp_path, trained_model_dir):
    """Three registered copies of the fixture model: old (active), new (candidate), bad (rejected)."""
    with app.app_context():
        for name, status in (("2026.01.01-old", "active"), ("2026.02.01-new", "candidate"),
                             ("2026.03.01-bad", "rejected")):
            folder = tmp_path / name
            shutil.copytree(trained_model_dir, folder)
            store.add_version(db.session, version=name, path=str(folder), status=status, created_by="test",
                              promoted=status == "active",
                              comparison=COMPARISON if status == "rejected" else None)
        db.session.commit()


@pytest.fixture
def admin(app, sign_in):
    """A client signed in as an admin."""
    client = app.test_client()
    sign_in(client, name="admin-a", role="admin")
    return client


def _statuses(app) -> dict[str, str]:
    with app.app_context():
        return {row.version: row.status for row in store.list_versions(db.session)}


def test_only_admins_see_the_page(app, client, sign_in):
    assert client.get("/console/models").status_code == 302  # to the sign-in page
    officer = app.test_client()
    sign_in(officer, name="officer-a", role="officer")
    assert officer.get("/console/models").status_code == 403
    assert "Models" not in officer.get("/console/", headers={"Accept-Language": "en"}).data.decode()


def test_admin_sees_versions_and_comparisons_in_zh_and_en(app, admin, registry):
    english = admin.get("/console/models", headers={"Accept-Language": "en"}).data.decode()
    assert "2026.02.01-new" in english and "flagged F1 0.59 vs 0.83" in english and "promote anyway" in english
    assert "Roll back to the previous version" in english
    admin.post("/console/language", data={"lang": "zh", "csrf_token": _token(admin)})
    chinese = admin.get("/console/models").data.decode()
    assert "<title>模型 · fraudwatch</title>" in chinese and "仍然启用" in chinese and "已否决" in chinese


def _token(client) -> str:
    with client.session_transaction() as session:
        return session.setdefault("csrf", "models-page-token")


def test_promote_and_rollback_by_form(app, admin, registry):
    answer = admin.post("/console/models/promote", data={"version": "2026.02.01-new", "csrf_token": _token(admin)},
                        headers={"Accept-Language": "en"})
    assert answer.status_code == 303
    assert _statuses(app) == {"2026.01.01-old": "retired", "2026.02.01-new": "active", "2026.03.01-bad": "rejected"}
    page = admin.get("/console/models", headers={"Accept-Language": "en"}).data.decode()
    assert "Version 2026.02.01-new is active now" in page
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "model_promote")).one()
        assert (event.actor, event.address, event.detail["previous"]) == ("admin-a", "127.0.0.1", "2026.01.01-old")
    assert admin.post("/console/models/rollback", data={"csrf_token": _token(admin)}).status_code == 303
    assert _statuses(app)["2026.01.01-old"] == "active"
    again = admin.post("/console/models/rollback", data={"csrf_token": _token(admin)},
                       headers={"Accept-Language": "en"})
    assert again.status_code == 409 and "There is no earlier version to roll back to." in again.data.decode()
    assert _statuses(app)["2026.01.01-old"] == "active"


def test_refusals_change_nothing(app, admin, registry):
    before = _statuses(app)
    token = _token(admin)
    for version, status in (("nope", 404), ("<script>alert(1)</script>", 404), ("x" * 10_000, 404), ("", 404),
                            ("a\x00b", 404), ("2026.01.01-old", 409), ("2026.03.01-bad", 409)):
        answer = admin.post("/console/models/promote", data={"version": version, "csrf_token": token},
                            headers={"Accept-Language": "en"})
        assert answer.status_code == status, version
        assert b"<script>alert" not in answer.data
    assert _statuses(app) == before
    no_csrf = admin.post("/console/models/promote", data={"version": "2026.02.01-new"})
    assert no_csrf.status_code == 400 and _statuses(app) == before
    forced = admin.post("/console/models/promote", data={"version": "2026.03.01-bad", "force": "1", "csrf_token": token})
    assert forced.status_code == 303 and _statuses(app)["2026.03.01-bad"] == "active"


def test_the_retrain_button_queues_one_job(app, admin):
    token = _token(admin)
    first = admin.post("/console/models/retrain", data={"csrf_token": token}, headers={"Accept-Language": "en"})
    assert first.status_code == 303
    page = admin.get("/console/models", headers={"Accept-Language": "en"}).data.decode()
    assert "Retrain queued as job 1." in page and "Retrain job 1: queued" in page
    admin.post("/console/models/retrain", data={"csrf_token": token}, headers={"Accept-Language": "en"})
    again = admin.get("/console/models", headers={"Accept-Language": "en"}).data.decode()
    assert "A retrain is already under way (job 1)." in again
    with app.app_context():
        assert store.open_job(db.session, "retrain").id == 1
    assert admin.post("/console/models/retrain").status_code == 400  # no CSRF token
