"""Rate limits live in Redis: per IP for anonymous callers, per key for enterprises."""
from __future__ import annotations

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
