"""GET/POST /api/v1/lookup: official answers, lookalikes, reports, cache invalidation, batches."""
from __future__ import annotations

import json
import time

import pytest

SCAM = "【12366】您的个税退税已到账，请点击 https://etax-chinatax.gov-cn.top/refund?utm_source=sms&id=9 领取"


def lookup(client, kind, value, headers=None):
    r = client.get("/api/v1/lookup", query_string={"type": kind, "value": value}, headers=headers or {})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def domain_cached(app, domain: str, timeout: float = 5.0) -> bool:
    """Whether the answer about `domain` shows up in the lookup cache. The cache is filled
    without waiting for Redis's reply, so the write may take a moment to land."""
    from fraudwatch.infra.extensions import redis_store
    from fraudwatch.infra.redis_keys import lookup_scope

    deadline = time.monotonic() + timeout
    with app.app_context():
        while not redis_store.client.exists(lookup_scope(f"domain:{domain}")):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
    return True


@pytest.mark.parametrize("kind, value, authority", [
    ("domain", "www.chinatax.gov.cn", "CN-STA"),
    ("domain", "etax.guangdong.chinatax.gov.cn", "CN-STA"),
    ("url", "https://inv-veri.chinatax.gov.cn/index.html", "CN-STA"),
    ("domain", "IRS.GOV", "US-IRS"),
    ("url", "https://www.tax.service.gov.uk/account", "UK-HMRC"),
    ("domain", "ato.gov.au", "AU-ATO"),
    ("url", "https://www.canada.ca/en/revenue-agency.html", "CA-CRA"),
    ("phone", "12366", "CN-STA"),
    ("phone", "021-12366", "CN-STA"),
    ("phone", "+1 800 829 1040", "US-IRS"),
])
def test_official_domains_and_hotlines(client, kind, value, authority):
    answer = lookup(client, kind, value)
    assert answer["status"] == "official" and answer["authority"] == authority
    assert answer["risk_score"] == 0.0


@pytest.mark.parametrize("value", [
    "chinatax.gov.cn.tax-refund.top", "chinatax-gov.cn", "irs-gov.com", "chlnatax.com",
    "hmrc-refund.co.uk", "ato-gov-au.info", "іrs-gоv.com", "chinаtax.com", "www.12366-tax.cn",
])
def test_lookalikes_are_suspected_never_official(client, value):
    answer = lookup(client, "domain", value)
    assert answer["status"] == "suspected", answer
    assert answer["evidence"][0]["kind"] == "lookalike" and answer["evidence"][0]["detail"]
    assert answer["risk_score"] >= 0.7


def test_url_with_credentials_trick_judges_the_real_host(client):
    answer = lookup(client, "url", "https://www.irs.gov@refund-irs.top/claim")
    assert answer["status"] == "suspected"


def test_reported_indicators_become_suspected_then_confirmed(client, officer):
    created = client.post("/api/v1/reports", json={"message_text": SCAM, "phone": "+86 171 2345 6789"}).get_json()
    for item in created["indicators"]:
        answer = lookup(client, item["type"], item["value"])
        assert answer["status"] == "suspected" and answer["reports"] >= 1, (item, answer)
        assert "report_ids" not in json.dumps(answer)
    url = "https://etax-chinatax.gov-cn.top/refund?id=9&utm_campaign=other"
    before = lookup(client, "url", url)
    assert before["status"] == "suspected"
    r = client.post(f"/api/v1/reports/{created['id']}/status", headers=officer,
                    json={"status": "confirmed", "reason": "fake e-tax page confirmed by bureau"})
    assert r.status_code == 200
    after = lookup(client, "url", url)
    assert after["status"] == "confirmed_fraud" and after["risk_score"] > before["risk_score"]
    phone = lookup(client, "phone", "17123456789")
    assert phone["status"] == "confirmed_fraud"


def test_report_ids_are_for_officers_only(client, officer, make_user):
    created = client.post("/api/v1/reports", json={"url": "http://refund-hmrc.top/x"}).get_json()
    public = lookup(client, "domain", "refund-hmrc.top")
    enterprise = lookup(client, "domain", "refund-hmrc.top", make_user("acme", "enterprise"))
    official = lookup(client, "domain", "refund-hmrc.top", officer)
    assert "report_ids" not in json.dumps(public) and "report_ids" not in json.dumps(enterprise)
    ids = [i for e in official["evidence"] for i in e.get("report_ids", [])]
    assert created["id"] in ids


def test_cached_answer_changes_when_a_report_arrives(client, app):
    first = lookup(client, "domain", "new-scam-domain.top")
    assert first["status"] == "unknown"
    assert domain_cached(app, "new-scam-domain.top")
    client.post("/api/v1/reports", json={"message_text": "退税请访问 http://pay.new-scam-domain.top/a"})
    assert lookup(client, "domain", "new-scam-domain.top")["status"] == "suspected"
    assert lookup(client, "url", "http://pay.new-scam-domain.top/a")["status"] == "suspected"


def test_dismissed_reports_make_the_indicator_unknown_again(client, officer):
    created = client.post("/api/v1/reports", json={"domain": "my-accountant.cn"}).get_json()
    assert lookup(client, "domain", "my-accountant.cn")["status"] == "suspected"
    client.post(f"/api/v1/reports/{created['id']}/status", headers=officer,
                json={"status": "dismissed", "reason": "a real accounting firm"})
    answer = lookup(client, "domain", "my-accountant.cn")
    assert answer["status"] == "unknown" and answer["reports"] == 1


def test_batch_of_1000_keeps_order_and_reports_bad_items(client, make_user):
    items = [{"type": "domain", "value": f"site{i}.example"} for i in range(997)]
    items += [{"type": "phone", "value": "12366"}, {"type": "weird", "value": "x"}, "not-an-object"]
    r = client.post("/api/v1/lookup", json={"items": items}, headers=make_user("acme", "enterprise"))
    assert r.status_code == 200
    results = r.get_json()["results"]
    assert len(results) == 1000
    assert results[5]["value"] == "site5.example" and results[5]["status"] == "unknown"
    assert results[997]["status"] == "official"
    assert results[998]["error"]["code"] == "invalid_value" and results[999]["error"]["code"] == "invalid_value"


@pytest.mark.parametrize("items", [1001, 10_000])
def test_too_large_batches_are_refused(client, items):
    r = client.post("/api/v1/lookup", json={"items": [{"type": "domain", "value": "a.cn"}] * items})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "batch_too_large"


@pytest.mark.parametrize("payload", [{}, {"items": []}, {"items": "a.com"}, {"items": [1]}, {"other": 1}])
def test_malformed_batches(client, payload):
    r = client.post("/api/v1/lookup", json=payload)
    if payload == {"items": [1]}:
        assert r.status_code == 200 and "error" in r.get_json()["results"][0]
    else:
        assert r.status_code == 400


@pytest.mark.parametrize("query", [
    {}, {"type": "domain"}, {"value": "a.com"}, {"type": "domain", "value": "not a domain"},
    {"type": "url", "value": "javascript:alert(1)"}, {"type": "phone", "value": "<script>"},
    {"type": "sql", "value": "' OR 1=1 --"}, {"type": "domain", "value": "a" * 5000 + ".com"},
    {"type": "email", "value": "\x00@\x00"},
])
def test_bad_single_lookups_are_400(client, query):
    r = client.get("/api/v1/lookup", query_string=query)
    assert r.status_code == 400
    assert r.get_json()["error"]["code"] == "validation_failed"


def test_lookup_without_redis_still_answers(database_url, tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app(database_url, "redis://127.0.0.1:1/0", tmp_path / "inst")
    answer = app.test_client().get("/api/v1/lookup", query_string={"type": "domain", "value": "irs-gov.com"})
    assert answer.status_code == 200 and answer.get_json()["status"] == "suspected"


def test_a_scam_on_a_shortener_or_free_host_marks_the_url_not_the_platform(client):
    client.post("/api/v1/reports", json={"message_text": "个税退税 https://bit.ly/3tax0k 与 https://refund-cn.vercel.app/x"})
    assert lookup(client, "url", "https://bit.ly/3tax0k")["status"] == "suspected"
    other = lookup(client, "url", "https://bit.ly/holiday-photos")
    assert other["status"] == "unknown" and other["evidence"][0]["kind"] == "shared_domain"
    assert lookup(client, "domain", "bit.ly")["status"] == "unknown"
    assert lookup(client, "domain", "refund-cn.vercel.app")["status"] == "suspected"
    assert lookup(client, "domain", "my-blog.vercel.app")["status"] == "unknown"


def test_answers_are_utf8_json_with_fields_in_a_stable_order(client):
    r = client.get("/api/v1/lookup", query_string={"type": "domain", "value": "国家税务总局-退税.中国"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert "退税" in r.get_data(as_text=True)  # UTF-8 text, not \\u escapes
    assert list(r.get_json())[:4] == ["type", "value", "display", "status"]


def test_the_cache_writer_reconnects_after_redis_restarts(database_url, tmp_path):
    from fraudwatch.infra.embedded import ensure_embedded_redis, stop_embedded_redis
    from tests.conftest import make_test_app
    from tests.served import free_port

    folder, port = tmp_path / "r", free_port()
    # REDIS_RETRY_SECONDS=0: no pause after a failure, so the first lookups after the restart use Redis.
    app = make_test_app(database_url, ensure_embedded_redis(folder, port=port, persist=False), tmp_path / "i",
                        REDIS_RETRY_SECONDS=0)
    client = app.test_client()

    try:
        assert lookup(client, "domain", "before-restart.cn")["status"] == "unknown"
        assert domain_cached(app, "before-restart.cn")
        stop_embedded_redis(folder)
        # Redis is down: lookups still answer from the database, nothing is cached.
        assert lookup(client, "domain", "while-down.cn")["status"] == "unknown"
        ensure_embedded_redis(folder, port=port, persist=False)
        # The writer's old connection is dead; a write may be lost on it, then it reconnects.
        for i in range(5):
            lookup(client, "domain", f"after-restart-{i}.cn")
        assert domain_cached(app, "after-restart-4.cn")
    finally:
        stop_embedded_redis(folder)


def test_lookup_validation_errors_still_count_against_the_limit(app, client):
    app.config["ANON_LOOKUP_LIMIT"] = "2/minute"
    bad = {"type": "domain", "value": "not a domain"}
    assert [client.get("/api/v1/lookup", query_string=bad).status_code for _ in range(2)] == [400, 400]
    refused = client.get("/api/v1/lookup", query_string={"type": "domain", "value": "fine.cn"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_an_answer_computed_before_a_change_is_not_cached_after_it(app, client, monkeypatch):
    """A report lands between a lookup's database read and its cache write: the stale
    answer must not be cached (it would otherwise live until the TTL)."""
    from fraudwatch.infra import cache
    from fraudwatch.infra.extensions import redis_store
    from fraudwatch.infra.redis_keys import lookup_scope
    from fraudwatch.storage import indicators as ind_store

    real_find = ind_store.find_for_lookup

    def find_then_report(engine, keys):
        rows = real_find(engine, keys)  # the lookup has read the database...
        if any(key == ("domain", "raced-scam.top") for key in keys):
            cache.invalidate(["domain:raced-scam.top"])  # ...then a change under the domain lands
        return rows

    monkeypatch.setattr(ind_store, "find_for_lookup", find_then_report)
    assert lookup(client, "domain", "raced-scam.top")["status"] == "unknown"
    monkeypatch.setattr(ind_store, "find_for_lookup", real_find)
    # The writer keeps order: once a later answer is cached, the raced one was refused.
    lookup(client, "domain", "later-lookup.top")
    assert domain_cached(app, "later-lookup.top")
    with app.app_context():
        assert not redis_store.client.exists(lookup_scope("domain:raced-scam.top"))
    # Without a race the same answer is cached as usual.
    lookup(client, "domain", "raced-scam.top")
    assert domain_cached(app, "raced-scam.top")


def test_json_helpers_handle_integers_beyond_64_bits():
    from fraudwatch.infra import jsonio

    assert jsonio.loads(jsonio.dumps({"n": 2**70, "s": "退税"})) == {"n": float(2**70), "s": "退税"}


def test_a_hung_redis_costs_one_timeout_then_lookups_go_without_it(database_url, tmp_path):
    """Redis stops answering (SIGSTOP: connections are accepted, nothing is replied). The
    first lookup waits for the read timeout and opens the breaker; the next ones do not
    touch Redis at all and are answered from the database."""
    import os
    import signal

    from fraudwatch.infra.embedded import ensure_embedded_redis, stop_embedded_redis
    from fraudwatch.infra.extensions import redis_store
    from tests.conftest import make_test_app
    from tests.served import free_port

    folder, port = tmp_path / "r", free_port()
    app = make_test_app(database_url, ensure_embedded_redis(folder, port=port, persist=False), tmp_path / "i",
                        REDIS_RETRY_SECONDS=600)
    client = app.test_client()
    pid = int((folder / "redis.pid").read_text())
    try:
        assert lookup(client, "domain", "fine-before.cn")["status"] == "unknown"
        with app.app_context():
            real = redis_store.client
            pipelines = []
            original = real.pipeline
            real.pipeline = lambda *a, **k: pipelines.append(1) or original(*a, **k)
        os.kill(pid, signal.SIGSTOP)
        assert lookup(client, "domain", "irs-gov.com")["status"] == "suspected"  # waits for the timeout
        tried = len(pipelines)
        assert tried >= 1
        answers = [lookup(client, "domain", f"while-hung-{i}.cn")["status"] for i in range(5)]
        assert answers == ["unknown"] * 5
        assert len(pipelines) == tried  # the breaker is open: Redis was not tried again
    finally:
        os.kill(pid, signal.SIGCONT)
        stop_embedded_redis(folder)


def test_a_bulk_invalidation_drops_the_whole_cache_and_refuses_answers_computed_before_it(app, client, monkeypatch):
    from fraudwatch.infra import cache
    from fraudwatch.infra.extensions import redis_store
    from fraudwatch.infra.redis_keys import lookup_scope
    from fraudwatch.storage import indicators as ind_store

    monkeypatch.setattr(cache, "BULK_FROM", 3)

    for domain in ("kept-a.cn", "kept-b.cn"):
        lookup(client, "domain", domain)
    assert domain_cached(app, "kept-a.cn") and domain_cached(app, "kept-b.cn")
    with app.app_context():
        assert cache.invalidate([f"domain:imported-{i}.cn" for i in range(3)])  # a "feed import"
        assert not redis_store.client.exists(lookup_scope("domain:kept-a.cn"), lookup_scope("domain:kept-b.cn"))

    real_find = ind_store.find_for_lookup

    def find_then_import(engine, keys):
        rows = real_find(engine, keys)
        cache.invalidate([f"domain:imported-{i}.cn" for i in range(5)])
        return rows

    monkeypatch.setattr(ind_store, "find_for_lookup", find_then_import)
    lookup(client, "domain", "raced-by-import.cn")
    monkeypatch.setattr(ind_store, "find_for_lookup", real_find)
    lookup(client, "domain", "after-import.cn")
    assert domain_cached(app, "after-import.cn")  # the writer keeps order: the raced answer came first
    with app.app_context():
        assert not redis_store.client.exists(lookup_scope("domain:raced-by-import.cn"))
