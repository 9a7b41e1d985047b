"""Crawl findings reach lookups (issue #10, item 8), end to end against the farm: a report
whose URL serves a fake e-tax page ends with the URL, its domain and the domain its login
form posts to `suspected`, each with the page's evidence; legit pages change nothing."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from fraudwatch.api.answers import LookupAnswer, ReportDetail
from fraudwatch.infra.extensions import db
from fraudwatch.storage.models import Evidence, EvidenceIndicator, ReportIndicator
from tests.conftest import cleanup_redis, make_test_app, run_jobs

FAKE = "etax-chinatax.top"  # GBK login page whose form posts to collect.shuiwu-api.xyz
COLLECTOR_URL, COLLECTOR_DOMAIN = "http://collect.shuiwu-api.xyz/api/login.php", "shuiwu-api.xyz"


@pytest.fixture
def app(database_url, redis_url, tmp_path, farm):
    """An app that crawls the farm (no classifier model: pages judged on their signals)."""
    application = make_test_app(database_url, redis_url, tmp_path / "instance",
                                **farm.crawl_settings(), ANON_REPORT_LIMIT="1000/minute")
    yield application
    cleanup_redis(application)
    db.dispose(application)


def report(client, url: str) -> int:
    r = client.post("/api/v1/reports", json={"channel": "sms", "message_text": f"【电子税务局】请登录 {url} 核验"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def lookup(client, kind: str, value: str, headers=None) -> dict:
    r = client.get("/api/v1/lookup", query_string={"type": kind, "value": value}, headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def pages(answer: dict) -> list[dict]:
    return [e for e in answer["evidence"] if e["kind"] == "page"]


def links(app, report_id: int) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT i.type, i.value, l.role FROM report_indicators l JOIN indicators i ON i.id = l.indicator_id "
            "WHERE l.report_id = :r"), {"r": report_id}).all()
        db.session.rollback()
    return {f"{kind}:{value}": role for kind, value, role in rows}


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        found = tuple(db.session.scalar(sa.select(sa.func.count()).select_from(t))
                      for t in (Evidence, EvidenceIndicator, ReportIndicator))
        db.session.rollback()
    return found  # type: ignore[return-value]


def test_a_fake_etax_page_makes_its_url_domain_and_collector_suspected(app, client, farm, officer):
    url = farm.url(FAKE)
    first = lookup(client, "domain", COLLECTOR_DOMAIN)  # cached before the crawl: dropped by it
    assert first["reports"] == 0 and pages(first) == []  # suspected on its name only (a lookalike)
    report_id = report(client, url)
    run_jobs(app)
    for kind, value, role in [("url", url, "page"), ("domain", FAKE, "page"),
                              ("url", COLLECTOR_URL, "collector"), ("domain", COLLECTOR_DOMAIN, "collector")]:
        answer = lookup(client, kind, value)
        assert answer["status"] == "suspected", (value, answer)
        (page,) = pages(answer)
        assert page["role"] == role and page["final_url"] == url and page["label"] == "scam"
        assert page["title"].startswith("国家税务总局北京市电子税务局")
        assert "credential_form_cross_domain" in page["signals"] and 0 < page["scam_score"] <= 1
        assert answer["risk_score"] >= 0.5
        LookupAnswer.model_validate(answer)  # the OpenAPI document tells the truth about it
    assert links(app, report_id) == {f"url:{url}": "extracted", f"domain:{FAKE}": "extracted",
                                     f"url:{COLLECTOR_URL}": "collector", f"domain:{COLLECTOR_DOMAIN}": "collector"}
    officer_view = lookup(client, "domain", COLLECTOR_DOMAIN, officer)
    assert [e["report_ids"] for e in officer_view["evidence"] if e["kind"] == "reports"] == [[report_id]]


def test_the_officer_sees_the_page_evidence_and_nothing_is_left_pending(app, client, farm, officer):
    report_id = report(client, farm.url(FAKE))
    run_jobs(app)
    detail = client.get(f"/api/v1/reports/{report_id}", headers=officer).get_json()
    ReportDetail.model_validate(detail)
    (evidence,) = detail["evidence"]
    assert evidence["http_status"] == 200 and evidence["final_url"] == farm.url(FAKE)
    assert "金税四期" in evidence["excerpt"] and evidence["verdict"]["label"] == "scam"
    assert evidence["forms"] == [{"action": COLLECTOR_URL, "method": "post", "asks": ["id_number", "password", "otp"],
                                  "cross_domain": True}]
    assert {"lookalike_domain", "credential_form_cross_domain"} <= {s["code"] for s in evidence["signals"]}
    roles = {i["value"]: (i["role"], i["status"]) for i in detail["indicators"]}
    assert roles[COLLECTOR_DOMAIN] == ("collector", "suspected")
    assert detail["pending"] == []  # the collector's URL is not waited for: it is not crawled
    assert COLLECTOR_URL not in {p for _, p, _ in farm.seen.requests}


def test_running_the_crawl_job_again_duplicates_nothing(app, client, farm):
    from fraudwatch.infra import redis_keys
    from fraudwatch.infra.extensions import redis_store
    from fraudwatch.jobs import crawling

    url = farm.url(FAKE)
    report_id = report(client, url)
    run_jobs(app)
    before = counts(app)
    assert before[1] == 4  # the page's URL and domain, the collector's URL and domain
    with app.app_context():
        (indicator_id,) = [i for i, u in crawling.report_store.url_indicators_of(db.session, report_id) if u == url]
        crawling.crawl_job(url, report_id=report_id, indicator_id=indicator_id)
        redis_store.client.delete(redis_keys.crawl_stored(url, report_id))  # as if the job died before marking
        crawling.crawl_job(url, report_id=report_id, indicator_id=indicator_id)
    assert counts(app) == before
    assert lookup(client, "domain", COLLECTOR_DOMAIN)["status"] == "suspected"


@pytest.mark.parametrize("host", ["etax.beijing.chinatax.gov.cn", "www.taxinfo-guide.org"])
def test_a_legit_or_unknown_page_changes_nothing(app, client, farm, host):
    url = farm.url(host)
    report_id = report(client, url)
    before = (lookup(client, "domain", host), links(app, report_id))
    run_jobs(app)
    after = lookup(client, "domain", host)
    assert after["status"] == before[0]["status"] and pages(after) == []
    assert links(app, report_id) == before[1]  # no landing, no collector
    assert counts(app)[1] == 0
    if host.endswith("gov.cn"):
        assert after["status"] == "official"


def test_a_seed_crawl_makes_a_scam_page_suspected_and_leaves_an_unknown_page_alone(app, client, farm):
    from fraudwatch.jobs import crawling

    with app.app_context():
        crawling.enqueue_seeds([farm.url(FAKE), farm.url("www.taxinfo-guide.org")])
    run_jobs(app)
    fake = lookup(client, "url", farm.url(FAKE))
    assert fake["status"] == "suspected" and fake["reports"] == 0 and pages(fake)[0]["role"] == "page"
    assert "reports" not in [e["kind"] for e in fake["evidence"]]  # no "0 report(s)" line for a crawl's finding
    assert lookup(client, "domain", COLLECTOR_DOMAIN)["status"] == "suspected"
    assert lookup(client, "domain", "taxinfo-guide.org")["status"] == "unknown"


def test_an_officer_dismissing_the_report_outweighs_the_page(app, client, farm, officer):
    report_id = report(client, farm.url(FAKE))
    run_jobs(app)
    r = client.post(f"/api/v1/reports/{report_id}/status", headers=officer,
                    json={"status": "dismissed", "reason": "a training exercise"})
    assert r.status_code == 200
    assert {i["value"]: i["status"] for i in r.get_json()["indicators"]}[COLLECTOR_DOMAIN] == "dismissed"
    answer = lookup(client, "domain", COLLECTOR_DOMAIN)  # still suspected on its name alone
    assert [e["kind"] for e in answer["evidence"]] == ["lookalike", "reports"] and pages(answer) == []


def scan_of_fake_page(app, farm) -> dict:
    from fraudwatch.jobs import crawling

    with app.app_context():
        result = crawling.scan_cached(farm.url(FAKE))
    assert result["verdict"]["label"] == "scam"
    return result


def test_a_form_posting_to_an_official_domain_is_no_indicator(app, farm):
    from fraudwatch.jobs import crawling

    result = scan_of_fake_page(app, farm)
    result["forms"] = [{**result["forms"][0], "action": "https://etax.chinatax.gov.cn/sso/login"},
                       {**result["forms"][0], "action": farm.url(FAKE, "/post.php")}]  # same site: not a collector
    found = {(item.type, item.value, role) for item, role in crawling.page_findings(result)}
    assert found == {("url", farm.url(FAKE), "page"), ("domain", FAKE, "page")}


def test_official_hosts_and_other_verdicts_make_nothing_suspected(app, farm):
    from fraudwatch.jobs import crawling

    result = scan_of_fake_page(app, farm)
    official = {**result, "url": "https://etax.chinatax.gov.cn/", "final_url": "https://etax.chinatax.gov.cn/"}
    assert {item.value for item, _ in crawling.page_findings(official)} == {COLLECTOR_URL, COLLECTOR_DOMAIN}
    for label in ("legit", "unknown", "suspicious"):
        assert crawling.page_findings({**result, "verdict": {**result["verdict"], "label": label}}) == []
    assert crawling.page_findings({**result, "error": {"code": "timeout"}}) == []


def test_a_feed_listing_keeps_its_status_and_gains_the_page(app, client, farm, tmp_path):
    from fraudwatch.jobs import crawling
    from fraudwatch.services.imports.indicators import import_indicators

    feed = tmp_path / "feed.txt"
    feed.write_text(f"{COLLECTOR_DOMAIN}\n")
    with app.app_context():
        assert import_indicators(feed, kind="domain", source="openphish", status="confirmed_fraud",
                                 processes=1).new == 1
        crawling.enqueue_seeds([farm.url(FAKE)])
    run_jobs(app)
    answer = lookup(client, "domain", COLLECTOR_DOMAIN)
    assert answer["status"] == "confirmed_fraud"
    assert [e["kind"] for e in answer["evidence"]] == ["lookalike", "feed", "page"]
