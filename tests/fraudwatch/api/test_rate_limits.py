"""Rate limits live in Redis: per IP for anonymous callers, per key for enterprises."""
from __future__ import annotations

import pytest

from fraudwatch.infra.ratelimit import parse_limits
from tests.conftest import cleanup_redis, make_test_app


def test_anonymous_lookups_are_limited_per_ip(database_url, redis_url, tmp_path):
    app = make_test_app(database_url, redis_url, tmp_path / "i", ANON_LOOKUP_LIMIT="3/minute")
    client = app.test_client()
    codes = [client.get("/api/v1/lookup", query_string={"type": "domain", "value": "a.cn"}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = client.get("/api/v1/lookup", query_string={"type": "domain", "value": "a.cn"})
    assert r.get_json()["error"]["code"] == "rate_limited"
    other_ip = client.get("/api/v1/lookup", query_string={"type": "domain", "value": "a.cn"},
                          environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other_ip.status_code == 200
    cleanup_redis(app)


def test_limits_are_shared_between_processes_through_redis(database_url, redis_url, tmp_path):
    first = make_test_app(database_url, redis_url, tmp_path / "a", ANON_REPORT_LIMIT="2/minute")
    second = make_test_app(database_url, redis_url, tmp_path / "b", ANON_REPORT_LIMIT="2/minute",
                           REDIS_PREFIX=first.config["REDIS_PREFIX"], RQ_QUEUE=first.config["RQ_QUEUE"])
    payload = {"message_text": "退税"}
    assert first.test_client().post("/api/v1/reports", json=payload).status_code == 201
    assert second.test_client().post("/api/v1/reports", json=payload).status_code == 201
    assert first.test_client().post("/api/v1/reports", json=payload).status_code == 429
    cleanup_redis(first)


def test_enterprise_keys_have_their_own_limit_and_batches_count_items(app, client, make_user):
    app.config["ANON_LOOKUP_LIMIT"] = "1/minute"
    key = make_user("vendor-check-inc", "enterprise", rate_limit="5/minute")
    items = [{"type": "domain", "value": f"v{i}.cn"} for i in range(4)]
    assert client.post("/api/v1/lookup", json={"items": items}, headers=key).status_code == 200
    assert client.get("/api/v1/lookup", query_string={"type": "domain", "value": "a.cn"}, headers=key).status_code == 200
    assert client.get("/api/v1/lookup", query_string={"type": "domain", "value": "a.cn"}, headers=key).status_code == 429
    assert client.get("/api/v1/lookup", query_string={"type": "domain", "value": "a.cn"}).status_code == 200


def test_officers_are_not_limited(app, client, officer):
    app.config["ANON_LOOKUP_LIMIT"] = "1/minute"
    codes = {client.get("/api/v1/lookup", query_string={"type": "domain", "value": "a.cn"},
                        headers=officer).status_code for _ in range(5)}
    assert codes == {200}


def test_limited_responses_carry_rate_limit_headers_and_429_says_when_to_retry(app, client):
    app.config["ANON_LOOKUP_LIMIT"] = "2/minute;100/hour"
    query = {"type": "domain", "value": "a.cn"}
    first = client.get("/api/v1/lookup", query_string=query)
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert 0 < int(first.headers["X-RateLimit-Reset"]) <= 61
    client.get("/api/v1/lookup", query_string=query)
    refused = client.get("/api/v1/lookup", query_string=query)
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(refused.headers["Retry-After"]) <= 61
    assert "retry in" in refused.get_json()["error"]["message"]


def test_the_hour_window_refuses_even_when_the_minute_window_has_room(app, client):
    app.config["ANON_LOOKUP_LIMIT"] = "100/minute;3/hour"
    codes = [client.get("/api/v1/lookup", query_string={"type": "domain", "value": "a.cn"}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_limits_fall_back_to_process_memory_when_redis_is_down(database_url, tmp_path):
    app = make_test_app(database_url, "redis://127.0.0.1:1/0", tmp_path / "dead", ANON_LOOKUP_LIMIT="2/minute")
    client = app.test_client()
    codes = [client.get("/api/v1/lookup", query_string={"type": "domain", "value": "b.cn"}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_stored_key_limit_that_does_not_parse_falls_back_to_the_anonymous_limit(app, client, make_user):
    app.config["ANON_LOOKUP_LIMIT"] = "1/minute"
    key = make_user("legacy-vendor", "enterprise", rate_limit="5 per fortnight")
    codes = [client.get("/api/v1/lookup", query_string={"type": "domain", "value": "a.cn"}, headers=key).status_code
             for _ in range(2)]
    assert codes == [200, 429]


@pytest.mark.parametrize("value, windows", [
    ("120/minute", [(120, 60)]),
    ("600/minute;20000/day", [(600, 60), (20000, 86400)]),
    ("100 per 5 minutes, 10/second", [(100, 300), (10, 1)]),
    ("3 PER HOUR", [(3, 3600)]),
])
def test_rate_limit_strings_parse(value, windows):
    assert [(w.amount, w.seconds) for w in parse_limits(value)] == windows


@pytest.mark.parametrize("value", ["", "   ", "lots", "0/minute", "5/0 minutes", "5/fortnight", "-1/minute",
                                   "5/minute;;x", "1" * 13 + "/minute", "5/minute" * 40, "<script>/minute",
                                   "5/minute\x00", None, 5])
def test_malformed_rate_limit_strings_are_refused_with_a_message(value):
    with pytest.raises(ValueError, match="rate limit"):
        parse_limits(value)


def test_the_app_refuses_to_start_with_an_invalid_limit_setting(database_url, redis_url, tmp_path):
    with pytest.raises(ValueError, match="ANON_REPORT_LIMIT"):
        make_test_app(database_url, redis_url, tmp_path / "bad", ANON_REPORT_LIMIT="twenty a minute")


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(database_url, redis_url, tmp_path):
    query = {"type": "domain", "value": "a.cn"}
    direct = make_test_app(database_url, redis_url, tmp_path / "d", ANON_LOOKUP_LIMIT="1/minute")
    client = direct.test_client()
    assert client.get("/api/v1/lookup", query_string=query, headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 200
    # A spoofed header does not buy a new bucket when no proxy is trusted.
    assert client.get("/api/v1/lookup", query_string=query, headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 429
    cleanup_redis(direct)

    proxied = make_test_app(database_url, redis_url, tmp_path / "p", ANON_LOOKUP_LIMIT="1/minute", TRUSTED_PROXIES=1)
    client = proxied.test_client()
    for ip in ("10.0.0.1", "10.0.0.2"):  # behind one trusted proxy, each caller has its own limit
        assert client.get("/api/v1/lookup", query_string=query, headers={"X-Forwarded-For": ip}).status_code == 200
    assert client.get("/api/v1/lookup", query_string=query, headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 429
    # A client that sends its own X-Forwarded-For cannot choose its address: the proxy appends.
    spoof = {"X-Forwarded-For": "1.2.3.4, 10.0.0.2"}
    assert client.get("/api/v1/lookup", query_string=query, headers=spoof).status_code == 429
    cleanup_redis(proxied)


@pytest.mark.parametrize("value", ["abc", "-1", "1.5"])
def test_numeric_settings_that_do_not_parse_stop_the_app_with_their_name(monkeypatch, value):
    from fraudwatch.config import load_config

    monkeypatch.setenv("FRAUDWATCH_TRUSTED_PROXIES", value)
    with pytest.raises(ValueError, match="FRAUDWATCH_TRUSTED_PROXIES"):
        load_config("/tmp/fw-config-test")
