"""Fixtures of the takedown tests: the RDAP-and-site server on 127.0.0.1 (one per module), an
app whose guarded fetcher may reach it for the test sites, and confirmed indicators with the
crawl evidence they were confirmed on."""
from __future__ import annotations

import hashlib

import pytest

from fraudwatch.indicators import normalize_domain, normalize_url
from fraudwatch.infra.extensions import db
from fraudwatch.storage import evidence as evidence_store
from fraudwatch.storage import indicators as ind_store
from tests.conftest import cleanup_redis, make_test_app
from tests.fraudwatch.console.conftest import csrf, make_person, sign_in  # noqa: F401 (fixtures)
from tests.fraudwatch.takedowns.servers import SCAM_PAGE, SCAM_TITLE, RdapAndSite

SITE = "etax-refund.test"
GONE = "gone.invalid"  # RFC 6761: never resolves


@pytest.fixture(scope="module")
def site():
    with RdapAndSite() as running:
        yield running


@pytest.fixture
def td_app(database_url, redis_url, tmp_path, site):
    site.served.site, site.served.rdap_body = "scam", None
    application = make_test_app(database_url, redis_url, tmp_path / "instance", **site.config(SITE))
    yield application
    cleanup_redis(application)
    db.dispose(application)


@pytest.fixture
def app(td_app):
    """The shared fixtures (`make_user`, `sign_in`...) work on the takedown app."""
    return td_app


def confirm(app, value: str, kind: str = "url", *, evidence: bool = True, source: str = "report",
            page: str | None = None) -> int:
    """A confirmed_fraud indicator (and the evidence of the scam page, `page` or the URL itself,
    naming it); its id."""
    item = normalize_url(value) if kind == "url" else normalize_domain(value)
    with app.app_context():
        ids = ind_store.upsert_indicators(db.session, [item], source=source, status="confirmed_fraud")
        indicator_id = ids[(item.type, item.value)]
        if evidence:
            page = page or value
            evidence_store.save_evidence(db.session, {
                "url": page, "final_url": page, "http_status": 200, "title": SCAM_TITLE,
                "content_hash": hashlib.sha256(SCAM_PAGE).hexdigest(), "verdict": {"label": "scam"},
                "forms": [{"action": "/submit.php", "method": "post", "asks": ["name", "id_number", "bank_card"]}]},
                indicator_id=indicator_id)
        db.session.commit()
    return indicator_id
