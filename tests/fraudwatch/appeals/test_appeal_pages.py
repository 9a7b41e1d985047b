"""The public appeal form (/appeal, zh and en) and its receipt page, and the officers' queue in
the console (/console/appeals): the token, the honeypot, the per-address limit, field errors
with what was typed (escaped), and an officer's decision with CSRF, audited and shown in
lookups."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from fraudwatch.infra.extensions import db
from fraudwatch.public.appeal import HONEYPOT
from fraudwatch.storage.models import Appeal, AuditEvent
from tests.fraudwatch.appeals.conftest import DOMAIN, appeal_body, lookup

RECEIPT = re.compile(r"AP-[A-Z2-7]{16}")
XSS = '<script>alert(1)</script>"><svg onload=alert(2)>'


def token(client, lang: str | None = None) -> str:
    page = client.get("/appeal" + (f"?lang={lang}" if lang else "")).get_data(as_text=True)
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


def post(client, data: dict | None = None, *, fresh: bool = True, lang: str | None = None):
    body = dict(appeal_body() if data is None else data)
    if fresh:
        body["token"] = token(client, lang)
    return client.post("/appeal" + (f"?lang={lang}" if lang else ""), data=body)


def count(app) -> int:
    with app.app_context():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Appeal))
        db.session.rollback()
        return n


def test_the_form_files_an_appeal_and_its_receipt_shows_the_status(app, client, listed):
    zh = client.get("/appeal")
    assert zh.status_code == 200 and "申诉" in zh.get_data(as_text=True) and "Set-Cookie" not in zh.headers
    assert "Appeal a listing" in client.get("/appeal?lang=en").get_data(as_text=True)
    answer = post(client, lang="en")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    receipt = RECEIPT.search(answer.get_data(as_text=True)).group(0)
    status = client.get(f"/appeal/status/{receipt}?lang=en")
    assert status.status_code == 200 and "Under review" in status.get_data(as_text=True)
    assert "legal@acme-books.example" not in status.get_data(as_text=True)
    assert client.get(f"/appeal/status?receipt={receipt.lower()}").status_code == 303
    assert client.get("/appeal/status/AP-AAAAAAAAAAAAAAAA").status_code == 404
    assert client.get(f"/appeal/status?receipt={XSS}").status_code == 404
    assert lookup(client)["disputed"] is True
    assert post(client).status_code == 409  # one open appeal per indicator
    assert count(app) == 1


def test_refusals_keep_what_was_typed_and_store_nothing(app, client, listed):
    bad = appeal_body(explanation="short", contact_email=XSS, owner_name=XSS)
    page = post(client, bad, lang="en")
    body = page.get_data(as_text=True)
    assert page.status_code == 400 and "<script>alert(1)" not in body and "&lt;script&gt;" in body
    assert "at least 20 characters" in body and "e-mail address where officers" in body
    unlisted = post(client, appeal_body(value="nobody-listed-this.top"), lang="en")
    assert unlisted.status_code == 400 and "Nothing is listed" in unlisted.get_data(as_text=True)
    assert post(client, fresh=False).status_code == 403  # no token
    stale = appeal_body()
    stale["token"] = token(client)
    assert client.post("/appeal", data=stale).status_code == 200
    assert client.post("/appeal", data=stale).status_code == 403  # a token is good for one post
    assert count(app) == 1


def test_the_honeypot_answers_like_a_success_and_stores_nothing(app, client, listed):
    answer = post(client, {**appeal_body(), HONEYPOT: "http://spam.example"})
    assert answer.status_code == 200 and RECEIPT.search(answer.get_data(as_text=True))
    assert count(app) == 0


@pytest.mark.backend("sqlite")
def test_the_form_is_limited_per_address(app, client):
    app.config["APPEAL_LIMIT"] = "2/minute"
    codes = [post(client, appeal_body(value="nobody-listed-this.top")).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_an_officer_decides_in_the_console(app, client, listed, sign_in, csrf, make_user):
    receipt = client.post("/api/v1/appeals", json=appeal_body()).get_json()["receipt"]
    with app.app_context():
        appeal_id = db.session.scalar(sa.select(Appeal.id))
        db.session.rollback()
    sign_in(client, "officer-b")
    queue = client.get("/console/appeals").get_data(as_text=True)
    assert receipt in queue and DOMAIN in queue
    case = client.get(f"/console/appeals/{appeal_id}").get_data(as_text=True)
    assert "legal@acme-books.example" in case and f"/console/reports/{listed}" in case
    decide = f"/console/appeals/{appeal_id}/decide"
    assert client.post(decide, data={"decision": "accept", "note": "ok"}).status_code == 400  # no CSRF token
    assert client.post(decide, data={"decision": "accept", "note": " ", "csrf_token": csrf(client)}).status_code == 400
    done = client.post(decide, data={"decision": "accept", "note": "registrant proved ownership",
                                     "csrf_token": csrf(client)})
    assert done.status_code == 303
    assert client.post(decide, data={"decision": "reject", "note": "again",
                                     "csrf_token": csrf(client)}).status_code == 409
    assert lookup(client)["status"] == "delisted"
    assert receipt in client.get("/console/appeals?status=accepted").get_data(as_text=True)
    assert client.get("/console/appeals/999999").status_code == 404
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_type == "appeal")
                                     .order_by(AuditEvent.id)).all()
        db.session.rollback()
    assert actions == ["appeal.file", "appeal.accept"]
    status = client.get(f"/appeal/status/{receipt}?lang=en").get_data(as_text=True)
    assert "Accepted" in status and "registrant proved ownership" in status


@pytest.mark.backend("sqlite")
def test_the_queue_is_for_officers(app, client, sign_in):
    assert client.get("/console/appeals").status_code in (302, 303)
    sign_in(client, "acme", role="enterprise")
    assert client.get("/console/appeals").status_code == 403


@pytest.mark.backend("sqlite")
def test_hostile_decisions_change_nothing(app, client, listed, sign_in, csrf):
    client.post("/api/v1/appeals", json=appeal_body())
    with app.app_context():
        appeal_id = db.session.scalar(sa.select(Appeal.id))
        db.session.rollback()
    sign_in(client, "officer-c")
    token = csrf(client)
    decide = f"/console/appeals/{appeal_id}/decide"
    for form, status in (({"decision": XSS, "note": XSS}, 400), ({"decision": "accept", "note": "n" * 1_000_000}, 400),
                         ({"decision": "accept"}, 400), ({"decision": ["accept", "reject"], "note": "x"}, 200)):
        answer = client.post(decide, data={**form, "csrf_token": token})
        if status == 200:  # the first of a repeated field is taken: accepted
            assert answer.status_code == 303
            break
        body = answer.get_data(as_text=True)
        assert answer.status_code == status and "<script>alert(1)" not in body
        assert lookup(client)["status"] == "confirmed_fraud"
    for path in ("/console/appeals/0", "/console/appeals/99999999999999999999", f"/console/appeals/{XSS}",
                 "/console/appeals?status=" + XSS):
        answer = client.get(path)
        assert answer.status_code in (200, 404) and "<script>alert(1)" not in answer.get_data(as_text=True)
