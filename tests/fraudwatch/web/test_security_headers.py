"""Security headers on every response (fraudwatch/security.py)."""
from __future__ import annotations

import pytest

from fraudwatch.web.security import API_CSP, PAGE_CSP

COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
          "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Resource-Policy": "same-origin"}


def assert_common(response) -> None:
    for name, value in COMMON.items():
        assert response.headers[name] == value, name
    policy = response.headers["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy
    assert all(item.strip().endswith("=()") for item in policy.split(","))  # nothing allowed


@pytest.mark.parametrize("method, path, kwargs", [
    ("get", "/api/v1/lookup", {"query_string": {"type": "domain", "value": "irs-gov.com"}}),
    ("post", "/api/v1/lookup", {"json": {"items": [{"type": "phone", "value": "12366"}]}}),
    ("post", "/api/v1/reports", {"json": {"url": "https://irs-gov.com/x"}}),
    ("get", "/api/v1/lookup", {"query_string": {"type": "domain"}}),  # a 400
    ("get", "/api/v1/nothing", {}),  # a 404
    ("get", "/healthz", {}),
    ("get", "/readyz", {}),
])
def test_api_answers_carry_the_api_policy_and_are_not_stored(client, method, path, kwargs):
    r = getattr(client, method)(path, **kwargs)
    assert_common(r)
    assert r.headers["Content-Security-Policy"] == API_CSP == "default-src 'none'; frame-ancestors 'none'"
    assert r.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in r.headers  # plain http
    if path.startswith("/api/"):
        assert {"Authorization", "X-API-Key"} <= set(r.vary)


def test_officer_answers_and_anything_with_a_token_are_not_stored(client, officer, make_user):
    r = client.get("/api/v1/reports", headers=officer)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert_common(r)
    doc = client.get("/api/v1/openapi.json", headers=make_user("acme", "enterprise"))
    assert doc.headers["Cache-Control"] == "no-store"


def test_the_public_document_may_be_cached_by_anonymous_callers(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and "Cache-Control" not in r.headers
    assert r.headers["Content-Security-Policy"] == API_CSP and "Authorization" in r.vary


def test_pages_get_the_page_policy_without_inline_scripts(client):
    r = client.get("/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert_common(r)
    assert r.headers["Content-Security-Policy"] == PAGE_CSP
    assert "'unsafe-inline'" not in PAGE_CSP and "script-src 'self'" in PAGE_CSP and "base-uri 'none'" in PAGE_CSP
    assert r.headers["Cache-Control"] == "public, max-age=10"  # a public page, the same for everyone: cached briefly
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-store"
    assert_common(missing)


def test_hsts_only_over_https_or_when_configured(app, client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://fraudwatch.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    app.config["HSTS"] = True
    assert "Strict-Transport-Security" in client.get("/healthz").headers


def test_https_behind_a_trusted_proxy_gets_hsts(database_url, redis_url, tmp_path):
    from tests.conftest import cleanup_redis, make_test_app

    app = make_test_app(database_url, redis_url, tmp_path / "i", TRUSTED_PROXIES=1)
    r = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in r.headers
    cleanup_redis(app)
