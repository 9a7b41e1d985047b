"""Fixtures of the appeal tests: a listed domain and phone (a report an officer confirmed)."""
from __future__ import annotations

import pytest

from tests.fraudwatch.console.conftest import csrf, make_person, sign_in  # noqa: F401 (fixtures)

DOMAIN = "tax-refund-appeal.top"
PHONE = "+86 171 2345 6789"
EXPLANATION = "We are a bookkeeping firm; this domain hosts our client portal and never asked for tax refunds."


@pytest.fixture
def listed(client, officer):
    """A confirmed report naming DOMAIN and PHONE; returns its id."""
    r = client.post("/api/v1/reports", json={"channel": "sms", "domain": DOMAIN, "phone": PHONE,
                                             "message_text": f"【税务】退税请登录 http://{DOMAIN}/r 领取"})
    assert r.status_code == 201, r.get_json()
    report_id = r.get_json()["id"]
    r = client.post(f"/api/v1/reports/{report_id}/status", headers=officer,
                    json={"status": "confirmed", "reason": "fake refund page"})
    assert r.status_code == 200, r.get_json()
    return report_id


def appeal_body(**changes) -> dict:
    body = {"type": "domain", "value": DOMAIN, "owner_name": "Acme Bookkeeping Ltd",
            "contact_email": "legal@acme-books.example", "explanation": EXPLANATION}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def lookup(client, kind: str = "domain", value: str = DOMAIN) -> dict:
    r = client.get("/api/v1/lookup", query_string={"type": kind, "value": value})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def entry(answer: dict) -> dict:
    """The answer's entry about the listed indicator itself."""
    return next(e for e in answer["evidence"] if e["kind"] in ("reports", "feed"))


@pytest.fixture(autouse=True)
def roomy_limit(app):
    """More appeals per address than the default (the limit's own tests set theirs)."""
    app.config["APPEAL_LIMIT"] = "1000/minute"
