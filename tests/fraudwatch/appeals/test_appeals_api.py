"""Appeals through the API and the service: filing (normalised, listed or a company, one open
at a time), the status by receipt, decisions (accept delists, reject keeps), the audit trail,
and what lookups show: decay and sightings, `disputed` while open, `delisted` after."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from fraudwatch.api.answers import LookupAnswer
from fraudwatch.api.appeals import AppealOut
from fraudwatch.exceptions import Conflict, Invalid
from fraudwatch.infra.extensions import db
from fraudwatch.services import appeals
from fraudwatch.storage.models import Appeal, AuditEvent, Indicator, utcnow
from tests.fraudwatch.appeals.conftest import DOMAIN, appeal_body, entry, lookup


def file(client, **changes):
    return client.post("/api/v1/appeals", json=appeal_body(**changes))


def decide(app, receipt: str, decision: str, note: str = "checked the registrant", actor: str = "officer-a"):
    with app.app_context():
        appeal_id = db.session.scalar(sa.select(Appeal.id).where(Appeal.receipt == receipt))
        appeals.decide(appeal_id, decision, note, actor)


def audit(app) -> list[tuple[str, str, str | None]]:
    with app.app_context():
        rows = db.session.execute(sa.select(AuditEvent.actor, AuditEvent.action, AuditEvent.target_type)
                                  .where(AuditEvent.action.like("appeal.%") | AuditEvent.action.like("indicator.%"))
                                  .order_by(AuditEvent.id)).all()
        db.session.rollback()
    return [tuple(r) for r in rows]


def test_lookup_shows_decay_and_sightings(app, client, listed):
    answer = lookup(client)
    LookupAnswer.model_validate(answer)
    own = entry(answer)
    assert answer["status"] == "confirmed_fraud" and answer["disputed"] is False and answer["delisted_at"] is None
    assert own["base_confidence"] == 0.95 and 0.9 < own["confidence"] <= 0.95
    assert own["sighting_count"] == 1 and own["expired"] is False and own["disputed"] is False
    with app.app_context():  # last seen 200 days ago: a domain's 180-day lifetime is over
        db.session.execute(sa.update(Indicator).values(last_seen=utcnow() - timedelta(days=200)))
        db.session.commit()
        from fraudwatch.infra import cache
        cache.invalidate({f"domain:{DOMAIN}"})
    old = entry(lookup(client))
    assert old["confidence"] == 0.0 and old["expired"] is True and old["status"] == "confirmed_fraud"
    assert old["last_seen"] < own["last_seen"]


def test_file_accept_delists_and_lookups_follow(app, client, listed):
    assert lookup(client)["status"] == "confirmed_fraud"  # cached now
    r = file(client, value=f"https://WWW.{DOMAIN.upper()}/")
    assert r.status_code == 201, r.get_json()
    filed = AppealOut.model_validate(r.get_json())
    assert filed.status == "open" and filed.value == DOMAIN and filed.listed
    assert r.headers["Location"] == f"/api/v1/appeals/{filed.receipt}"
    disputed = lookup(client)
    assert disputed["disputed"] is True and entry(disputed)["disputed"] is True
    assert disputed["status"] == "confirmed_fraud"  # still listed while the appeal is open
    assert lookup(client, "url", f"http://{DOMAIN}/login")["disputed"] is True  # its domain is disputed
    assert file(client).status_code == 409  # one open appeal per indicator
    decide(app, filed.receipt, "accept", "the registrant proved ownership")
    after = lookup(client)
    LookupAnswer.model_validate(after)
    assert after["status"] == "delisted" and after["risk_score"] == 0.0 and after["disputed"] is False
    assert after["delisted_at"] and entry(after)["status"] == "delisted" and entry(after)["delisted_at"]
    assert "delisted" in entry(after)["detail"]
    url = lookup(client, "url", f"http://{DOMAIN}/login")
    assert url["status"] == "unknown" and url["evidence"][0]["status"] == "delisted"
    status = client.get(f"/api/v1/appeals/{filed.receipt.lower()}").get_json()
    assert status["status"] == "accepted" and status["decision_note"] == "the registrant proved ownership"
    assert "contact_email" not in status and "owner_name" not in status
    assert audit(app) == [("public", "appeal.file", "appeal"), ("officer-a", "appeal.accept", "appeal")]
    with app.app_context():
        indicator = db.session.scalars(sa.select(Indicator).where(Indicator.value == DOMAIN)).one()
        assert indicator.delisted_at is not None
        db.session.rollback()
    # a decided appeal cannot be decided again
    with app.app_context(), pytest.raises(Conflict):
        appeals.decide(db.session.scalar(sa.select(Appeal.id)), "reject", "changed my mind", "officer-b")


def test_reject_keeps_the_listing(app, client, listed):
    receipt = file(client, type="phone", value="17123456789").get_json()["receipt"]
    assert lookup(client, "phone", "+86 171 2345 6789")["disputed"] is True
    decide(app, receipt, "reject", "the number was used in 40 reports")
    answer = lookup(client, "phone", "+8617123456789")
    assert answer["status"] == "confirmed_fraud" and answer["disputed"] is False and answer["delisted_at"] is None
    assert client.get(f"/api/v1/appeals/{receipt}").get_json()["status"] == "rejected"
    assert [a for _, a, _ in audit(app)] == ["appeal.file", "appeal.reject"]


def test_a_delisted_indicator_stays_delisted_until_a_new_confirmation(app, client, officer, listed):
    receipt = file(client).get_json()["receipt"]
    decide(app, receipt, "accept")
    # the old report dismissed and confirmed again: still delisted (not a new confirmation... of a new report)
    r = client.post("/api/v1/reports", json={"channel": "sms", "domain": DOMAIN, "message_text": "【税务】再次退税"})
    new_id = r.get_json()["id"]
    assert lookup(client)["status"] == "delisted"  # an open report does not relist it
    watch_jobs = _watch_jobs(app)
    r = client.post(f"/api/v1/reports/{new_id}/status", headers=officer,
                    json={"status": "confirmed", "reason": "the site came back with a fake refund form"})
    assert r.status_code == 200
    answer = lookup(client)
    assert answer["status"] == "confirmed_fraud" and answer["delisted_at"] is None
    assert audit(app)[-1] == ("system", "indicator.relist", "indicator")
    assert _watch_jobs(app) == watch_jobs + 1  # watch lists hear of it again


def _watch_jobs(app) -> int:
    from fraudwatch.storage.indicators import WATCH_CONFIRMED_JOB
    from fraudwatch.storage.models import PendingJob

    with app.app_context():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(PendingJob).where(
            PendingJob.kind == WATCH_CONFIRMED_JOB))
        db.session.rollback()
        return n


def test_a_company_name_may_be_appealed_unlisted(app, client, officer):
    r = file(client, type="company", value="  深圳市某某财税咨询有限公司 ", contact_phone="+86 755 1234 5678")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["listed"] is False
    assert file(client, type="company", value="深圳市某某财税咨询有限公司").status_code == 409


@pytest.mark.backend("sqlite")
@pytest.mark.parametrize("changes, field", [
    ({"value": "never-listed-anywhere.top"}, "value"),
    ({"type": "domain", "value": "not a domain"}, "value"),
    ({"type": "ssn"}, "type"),
    ({"contact_email": "not-an-address"}, "contact_email"),
    ({"contact_email": None}, "contact_email"),
    ({"contact_phone": "call me maybe"}, "contact_phone"),
    ({"explanation": "too short"}, "explanation"),
    ({"explanation": "x" * 4001}, "explanation"),
    ({"owner_name": "n" * 301}, "owner_name"),
    ({"owner_name": "\x00\x01 "}, "owner_name"),
    ({"surprise": "field"}, "surprise"),
])
def test_invalid_appeals_are_400_with_the_field(client, changes, field):
    r = file(client, **changes)
    assert r.status_code == 400, r.get_json()
    assert field in r.get_json()["error"]["fields"], r.get_json()


@pytest.mark.backend("sqlite")
@pytest.mark.parametrize("body, status", [
    (b"{", 400), (b"[]", 400), (b'{"type": 5, "value": []}', 400), (b"null", 400),
    (b'{"type":"domain","value":"' + b"a" * 100_000 + b'"}', 400),
])
def test_hostile_bodies(client, body, status):
    r = client.post("/api/v1/appeals", data=body, content_type="application/json")
    assert r.status_code == status and r.get_json()["error"]["code"]
    assert client.post("/api/v1/appeals", data="x", content_type="text/plain").status_code == 415


@pytest.mark.backend("sqlite")
@pytest.mark.parametrize("receipt", ["AP-AAAAAAAAAAAAAAAA", "FW-AAAAAAAAAAAAAAAA", "x" * 64, "%00", "AP-%2F..%2F"])
def test_unknown_receipts_are_404(client, receipt):
    r = client.get(f"/api/v1/appeals/{receipt}")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/appeals/" + "A" * 65).status_code == 404
    assert client.get("/api/v1/appeals/AP-AAAAAAAAAAAAAAAA?x=1").status_code == 400


def test_service_checks_decisions(app, client, listed):
    receipt = file(client).get_json()["receipt"]
    with app.app_context():
        appeal_id = db.session.scalar(sa.select(Appeal.id).where(Appeal.receipt == receipt))
        for decision, note in (("maybe", "a note"), ("accept", "   "), ("reject", "x" * 2001)):
            with pytest.raises(Invalid):
                appeals.decide(appeal_id, decision, note, "officer-a")
        assert db.session.get(Appeal, appeal_id).status == "open"
        db.session.rollback()


@pytest.mark.backend("sqlite")
def test_appeals_are_rate_limited_per_address(app, client):
    app.config["APPEAL_LIMIT"] = "2/minute"
    codes = [file(client, explanation=None).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


@pytest.mark.backend("sqlite")
def test_checking_an_appeal_is_linear_in_its_texts(app):
    """Every text of an appeal is checked in linear time, up to and past its limit (the
    explanation and the value are the long ones; adversarial units of tests/linear.py)."""
    from tests.linear import BASE_UNITS, repeat_to, work

    def check(text: str) -> None:
        with app.app_context():
            try:
                appeals.check_appeal(appeal_body(type="company", value=text[:2048], owner_name=text[:300],
                                                 contact_email=text[:320], contact_phone=text[:64], explanation=text))
            except Invalid:
                pass

    for unit in ("\x00 ", "a.", "@a.", " ", "1-", "【"):
        assert unit in BASE_UNITS or unit == "\x00 "
        ratio, growth = work(check, repeat_to(unit, 400), repeat_to(unit, 4000), max_ratio=400, max_growth=16)
        assert growth < 16, (unit, ratio, growth)


def test_an_accepted_appeal_takes_the_indicator_out_of_the_feeds_at_the_next_sweep(app, client, listed):
    """The feed sweep (services/feeds.py, every FEED_SWEEP_SECONDS) drops a delisted indicator."""
    from fraudwatch.indicators.decay import DecayModel
    from fraudwatch.services.feeds import run_sweep
    from fraudwatch.storage.feeds import iter_entries

    def confirmed() -> set[str]:
        with app.app_context():
            run_sweep(DecayModel.from_config(app.config))
            return {row.value for row in iter_entries(db.engine, "confirmed")}

    assert DOMAIN in confirmed()
    decide(app, file(client).get_json()["receipt"], "accept")
    assert DOMAIN not in confirmed()
